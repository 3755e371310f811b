"""The decision boundary over the input plane, with the training and test points on top.

What is drawn depends on the data (all from the snapshot):

- binary      the probability A[L] = P(y = 1 | x) as an image, levels (0, 1), centred on 0.5;
              "Discretize" shows the predicted class (A[L] > 0.5) instead;
- multiclass  the argmax class colour, shaded by its probability (an RGBA image);
- regression  ŷ = A[L] over the plane in a sequential map, levels from the data's y range;
- 1-D data    the fitted curve ŷ(x) over the training points (no image);
- n_x > 2     a message: there is no input plane to draw.

The plane is drawn to the plot's edges: ``plane_aspect_changed`` reports the plot's
width / height when it settles after a resize, and the run draws its next frames over a
plane of that shape (equal scales on both axes, so a circle stays round).

``show_unit(layer, unit)`` swaps the output for one hidden unit's activation A[l]_u over
the same plane (1-based, as in the notes) until ``show_output()``.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
import pyqtgraph.exporters
from PySide6.QtCore import QRectF, Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QStackedLayout,
    QVBoxLayout,
    QWidget,
)

from playground.core.datasets import Dataset
from playground.core.grid import Grid
from playground.session.snapshot import Snapshot
from playground.ui.views import colors
from playground.ui.views.title_label import TitleLabel

#: Pretty axis labels for the generators' default feature names.
PRETTY_FEATURES = {"x1": "x₁", "x2": "x₂"}

TRAIN_SIZE = 7
TEST_SIZE = 8
CURVE_COLOR = "#202020"
KEY_POINTS = "●  training     ○  test"
KEY_CURVE = "●  training     ○  test     ━  model ŷ"
ASPECT_DELAY_MS = 150       # a resize reports the plot's shape once it has settled
ASPECT_CHANGE = 0.02        # … and only if it changed by more than 2 %


class BoundaryView(QWidget):
    """Draws A[L] (or one hidden unit) over the input plane, and the data points on top.

    Signals
    -------
    plane_aspect_changed(aspect)   the plot's width / height: draw the plane in that shape
    """

    plane_aspect_changed = Signal(float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plane_aspect: float | None = None    # the shape last reported
        self._snapshot: Snapshot | None = None
        self._data_key: tuple[int, ...] | None = None
        self._arch_key: object = None
        self._mode: str | None = None          # which colour map/levels the image has now
        self._range_key: object = None
        self._unit: tuple[int, int] | None = None   # (layer, unit), 1-based; None = output
        self._rect = QRectF(0.0, 0.0, 1.0, 1.0)      # the grid's extent in data coordinates

        self.plot_widget = pg.PlotWidget(background=colors.BACKGROUND)
        self.plot_item: pg.PlotItem = self.plot_widget.getPlotItem()
        TitleLabel.put_in(self.plot_item)
        colors.style_plot(self.plot_item)
        self.plot_item.setMenuEnabled(False)
        self.plot_item.hideButtons()
        self._aspect_timer = QTimer(self)
        self._aspect_timer.setSingleShot(True)
        self._aspect_timer.setInterval(ASPECT_DELAY_MS)
        self._aspect_timer.timeout.connect(self._on_aspect_timer_timeout)
        self.plot_item.getViewBox().sigResized.connect(self._on_view_box_resized)

        self.image_item = pg.ImageItem(axisOrder="row-major")
        self.image_item.setZValue(-20)
        self.class_image_item = pg.ImageItem(axisOrder="row-major")
        self.class_image_item.setZValue(-20)
        self.class_image_item.setVisible(False)
        self.plot_item.addItem(self.image_item)
        self.plot_item.addItem(self.class_image_item)
        self.color_bar = pg.ColorBarItem(values=(0.0, 1.0), colorMap=colors.light_diverging_map(),
                                         interactive=False, colorMapMenu=False, width=14)
        self.color_bar.setImageItem(self.image_item, insert_in=self.plot_item)
        colors.style_plot(self.color_bar)

        self.train_scatter = pg.ScatterPlotItem(
            size=TRAIN_SIZE, symbol="o", pen=pg.mkPen(colors.OUTLINE, width=1),
            brush=pg.mkBrush("#a0a0a0"), name="training")
        self.test_scatter = pg.ScatterPlotItem(
            size=TEST_SIZE, symbol="o", pen=pg.mkPen("#606060", width=2),
            brush=pg.mkBrush("w"), name="test")
        self.train_scatter.setZValue(10)
        self.test_scatter.setZValue(11)
        self.plot_item.addItem(self.train_scatter)
        self.plot_item.addItem(self.test_scatter)
        colors.cache_static_items(self.plot_widget.scene())
        self.curve_items: list[pg.PlotDataItem] = []

        self.message_label = QLabel()
        self.message_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message_label.setWordWrap(True)

        # The key sits under the plot, not on it, where it would hide data points.
        self.key_label = QLabel(KEY_POINTS)
        self.discretize_checkbox = QCheckBox("Discretize")
        self.discretize_checkbox.setToolTip(
            "Show the predicted class (a > 0.5) instead of the probability")
        self.discretize_checkbox.toggled.connect(self._on_discretize_checkbox_toggled)
        self.back_button = QPushButton("Back to output")
        self.back_button.setToolTip("Show the network's output A[L] again")
        self.back_button.setVisible(False)
        self.back_button.clicked.connect(self._on_back_button_clicked)

        bar = QHBoxLayout()
        bar.setContentsMargins(4, 0, 4, 0)
        bar.addWidget(self.discretize_checkbox)
        bar.addStretch(1)
        bar.addWidget(self.key_label)
        bar.addStretch(1)
        bar.addWidget(self.back_button)
        self._stack = QStackedLayout()
        self._stack.addWidget(self.plot_widget)
        self._stack.addWidget(self.message_label)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(self._stack, 1)
        layout.addLayout(bar)

    # ------------------------------------------------------------------ public API

    @property
    def shown_unit(self) -> tuple[int, int] | None:
        """Return the (layer, unit) shown instead of the output (1-based), or None."""
        return self._unit

    def show_unit(self, layer: int, unit: int) -> None:
        """Show hidden unit ``unit`` of layer ``layer`` (both 1-based) instead of A[L].

        The choice is kept across snapshots; if a new architecture has no such unit the
        view goes back to the output.
        """
        if layer < 1 or unit < 1:
            raise ValueError(f"layer and unit are numbered from 1, got ({layer}, {unit})")
        self._unit = (int(layer), int(unit))
        self._redraw()

    def show_output(self) -> None:
        """Show the network's output A[L] again."""
        self._unit = None
        self._redraw()

    def export_png(self, path: str) -> None:
        """Write the plot (with its colour bar) to the PNG file ``path``.

        Raises OSError if the image cannot be rendered or written.
        """
        exporter = pyqtgraph.exporters.ImageExporter(self.plot_item)
        try:
            ok = exporter.export(str(path))
        except Exception as e:   # pyqtgraph raises a bare Exception for a 0-size plot
            raise OSError(f"cannot export the plot to {path}: {e}") from e
        if not ok:
            raise OSError(f"cannot write the image file {path}")

    @Slot(object)
    def update_snapshot(self, snapshot: Snapshot) -> None:
        """Draw ``snapshot``; rebuild items only when the run's data or architecture changed."""
        self._snapshot = snapshot
        if snapshot.grid is None:
            n = snapshot.train.n_x
            self.message_label.setText(
                f"No input plane to draw: the data has {n} features")
            self._stack.setCurrentWidget(self.message_label)
            self.discretize_checkbox.setEnabled(False)
            return
        self._stack.setCurrentWidget(self.plot_widget)
        data_key = (snapshot.run_id, id(snapshot.train), id(snapshot.test), id(snapshot.grid))
        if data_key != self._data_key:
            self._data_key = data_key
            self._set_data(snapshot.train, snapshot.test, snapshot.grid)
            self._range_key = None
        if snapshot.arch != self._arch_key or len(self.curve_items) != self._curve_count():
            self._arch_key = snapshot.arch
            self._build_curves()
        self._redraw()

    # ------------------------------------------------------------------ slots

    @Slot(object)
    def _on_view_box_resized(self, view_box: object) -> None:
        self._aspect_timer.start()

    @Slot()
    def _on_aspect_timer_timeout(self) -> None:
        self.report_plane_aspect()

    def report_plane_aspect(self) -> None:
        """Report the plot's shape now if it changed by more than ASPECT_CHANGE."""
        self._aspect_timer.stop()
        box = self.plot_item.getViewBox()
        width, height = box.width(), box.height()
        if width < 20 or height < 20:                  # not laid out yet, or folded away
            return
        aspect = min(10.0, max(0.1, width / height))
        if self.plane_aspect is None or abs(aspect / self.plane_aspect - 1) > ASPECT_CHANGE:
            self.plane_aspect = aspect
            self.plane_aspect_changed.emit(aspect)

    @Slot(bool)
    def _on_discretize_checkbox_toggled(self, checked: bool) -> None:
        self._redraw()

    @Slot()
    def _on_back_button_clicked(self) -> None:
        self.show_output()

    # ------------------------------------------------------------------ building

    def _set_data(self, train: Dataset, test: Dataset | None, grid: Grid) -> None:
        """Place the data points and name the axes for a new run."""
        one_d = grid.ys is None
        self._place_points(self.train_scatter, train, one_d, filled=True)
        if test is None:
            self.test_scatter.setData(x=[], y=[])
        else:
            self._place_points(self.test_scatter, test, one_d, filled=False)
        names = [PRETTY_FEATURES.get(s, s) for s in train.feature_names] or ["x₁", "x₂"]
        self.plot_item.setLabel("bottom", names[0])
        self.plot_item.setAspectLocked(not one_d)
        self.key_label.setText(KEY_CURVE if one_d else KEY_POINTS)
        if not one_d:      # 1-D: the y label is set with what is drawn (_draw_curves)
            self.plot_item.setLabel("left", names[1] if len(names) > 1 else "x₂")
            x_min, x_max, y_min, y_max = grid.extent
            # Set on every setImage: an ImageItem scales its rect by the image's pixel size.
            self._rect = QRectF(x_min, y_min, x_max - x_min, y_max - y_min)
            self.image_item.clear()       # drawn again at the new rect, however it looks

    def _place_points(self, scatter: pg.ScatterPlotItem, data: Dataset, one_d: bool,
                      filled: bool) -> None:
        x = data.X[0]
        if one_d:
            # Multiclass: every point at P = 1 in its class colour, where its class's
            # probability curve should be; binary: at its label 0/1; regression: at y.
            y = np.ones(data.m) if data.task == "multiclass" else data.Y[0]
        else:
            y = data.X[1]
        if data.task == "regression":
            rgba = colors.value_map().map(self._normalised_y(data.Y[0]), mode="byte")
            point_colors = [pg.mkColor(*c) for c in rgba] if not one_d else None
        else:
            palette = [colors.class_color(k) for k in range(max(data.n_y, 2))]
            point_colors = [palette[k] for k in data.labels]
        if point_colors is None:          # 1-D regression: plain dark dots on white
            point_colors = [pg.mkColor("#4a4a4a")] * data.m
        if filled:
            brushes = {c.rgba(): pg.mkBrush(c) for c in point_colors}
            scatter.setData(x=x, y=y, brush=[brushes[c.rgba()] for c in point_colors])
        else:
            pens = {c.rgba(): pg.mkPen(c, width=2) for c in point_colors}
            scatter.setData(x=x, y=y, pen=[pens[c.rgba()] for c in point_colors])

    def _normalised_y(self, y: np.ndarray) -> np.ndarray:
        lo, hi = self._value_levels()
        return np.clip((y - lo) / (hi - lo), 0.0, 1.0)

    def _curve_count(self) -> int:
        s = self._snapshot
        if s is None or s.grid is None or s.grid.ys is not None:
            return 0
        return s.arch.n_y if s.train.task == "multiclass" else 1

    def _build_curves(self) -> None:
        for item in self.curve_items:
            self.plot_item.removeItem(item)
        self.curve_items = []
        s = self._snapshot
        count = self._curve_count()
        for k in range(count):
            color = colors.class_color(k) if s.train.task == "multiclass" else CURVE_COLOR
            item = pg.PlotDataItem(pen=pg.mkPen(color, width=2.5))
            item.setZValue(5)
            self.plot_item.addItem(item)
            self.curve_items.append(item)

    # ------------------------------------------------------------------ drawing

    def _redraw(self) -> None:
        s = self._snapshot
        if s is None or s.grid is None or s.outputs is None:
            return
        if self._unit is not None:
            layer, unit = self._unit
            hidden = s.arch.hidden_layers
            if layer > len(hidden) or unit > hidden[layer - 1] or layer > len(s.unit_maps):
                self._unit = None
        showing_unit = self._unit is not None
        self.back_button.setVisible(showing_unit)
        self.discretize_checkbox.setEnabled(not showing_unit and s.train.task != "regression")
        if s.grid.ys is None:
            self._draw_curves(s)
        else:
            self._draw_plane(s)

    def _draw_plane(self, s: Snapshot) -> None:
        L = s.arch.L
        discretize = self.discretize_checkbox.isChecked()
        self.train_scatter.setVisible(True)
        self.test_scatter.setVisible(s.test is not None)
        if self._unit is not None:
            layer, unit = self._unit
            activation = s.arch.activations[layer - 1]
            maps = s.unit_maps[layer - 1]
            levels = colors.activation_levels(activation, maps)
            self._show_scalar(maps[unit - 1], levels, "unit", f"A[{layer}] unit {unit}")
            self._set_title(f"A[{layer}] unit {unit} ({activation}) over the input plane")
        elif s.train.task == "binary":
            image = s.outputs[0]
            if discretize:
                image = (image > 0.5).astype(float)
                title = f"Predicted class (A[{L}] > 0.5): blue 0, red 1"
            else:
                title = f"A[{L}] = P(y = 1 | x): blue → 0, red → 1"
            self._show_scalar(image, (0.0, 1.0), "probability", "P(y = 1)")
            self._set_title(title)
        elif s.train.task == "multiclass":
            self._show_classes(colors.class_shading(s.outputs, discretize))
            title = (f"Predicted class (argmax A[{L}])" if discretize else
                     f"Predicted class (argmax A[{L}]), paler where less sure")
            self._set_title(title)
        else:
            self._show_scalar(s.outputs[0], self._value_levels(), "value", "ŷ")
            self._set_title(f"Prediction ŷ = A[{L}] over the input plane")
        if self._range_key != "plane":
            self._range_key = "plane"
            x_min, x_max, y_min, y_max = s.grid.extent
            self.plot_item.setRange(xRange=(x_min, x_max), yRange=(y_min, y_max), padding=0)

    def _show_scalar(self, image: np.ndarray, levels: tuple[float, float], mode: str,
                     label: str) -> None:
        """Show a single-valued image with the colour map of ``mode`` at fixed ``levels``."""
        self.class_image_item.setVisible(False)
        self.image_item.setVisible(True)
        self.color_bar.setVisible(True)
        if mode != self._mode:
            self._mode = mode
            cmap = colors.value_map() if mode == "value" else colors.light_diverging_map()
            self.color_bar.setColorMap(cmap)
        axis = self.color_bar.getAxis("left")
        if axis.labelText != label:
            axis.setLabel(label, color=colors.FOREGROUND)
        colors.set_levels(self.color_bar, levels)
        colors.show_image(self.image_item, image, levels, rect=self._rect)

    def _show_classes(self, rgba: np.ndarray) -> None:
        self.image_item.setVisible(False)
        self.color_bar.setVisible(False)
        self.class_image_item.setVisible(True)
        self.class_image_item.setImage(rgba, autoLevels=False, levels=(0, 255),
                                       rect=self._rect)
        self._mode = "classes"

    def _draw_curves(self, s: Snapshot) -> None:
        """1-D data: the fitted curve (or one hidden unit's curve) against x."""
        self.image_item.setVisible(False)
        self.class_image_item.setVisible(False)
        self.color_bar.setVisible(False)
        xs = s.grid.xs
        L = s.arch.L
        if self._unit is not None:
            layer, unit = self._unit
            activation = s.arch.activations[layer - 1]
            maps = s.unit_maps[layer - 1]
            self.train_scatter.setVisible(False)
            self.test_scatter.setVisible(False)
            for k, item in enumerate(self.curve_items):
                item.setVisible(k == 0)
            if self.curve_items:
                self.curve_items[0].setData(xs, maps[unit - 1])
            self.key_label.setText(f"━  A[{layer}] unit {unit}")
            self._set_title(f"A[{layer}] unit {unit} ({activation}) against x")
            y_range = colors.activation_levels(activation, maps)
            self.plot_item.setLabel("left", f"A[{layer}] unit {unit}")
            range_key = ("unit", self._unit, y_range)
        else:
            self.train_scatter.setVisible(True)
            self.test_scatter.setVisible(s.test is not None)
            curves = s.outputs
            discretize = self.discretize_checkbox.isChecked()
            if discretize and s.train.task == "binary":
                curves = (curves > 0.5).astype(float)
            elif discretize and s.train.task == "multiclass":
                curves = (curves == curves.max(axis=0)).astype(float)
            for k, item in enumerate(self.curve_items):
                item.setVisible(True)
                item.setData(xs, curves[k])
            self.key_label.setText(KEY_CURVE)
            if s.train.task == "regression":
                title = f"Fitted curve ŷ = A[{L}] over the data"
                y_range = self._value_levels()
                self.plot_item.setLabel("left", "y")
            elif s.train.task == "binary":
                title = (f"Predicted class (A[{L}] > 0.5) against x" if discretize else
                         f"A[{L}] = P(y = 1 | x) against x")
                y_range = (0.0, 1.0)
                self.plot_item.setLabel("left", "y  /  P(y = 1)")
            else:
                title = (f"Predicted class (argmax A[{L}]) against x" if discretize else
                         f"A[{L}]: probability of each class against x")
                y_range = (0.0, 1.0)
                self.plot_item.setLabel("left", "P(class)")
            self._set_title(title)
            range_key = ("output",)
        if range_key != self._range_key:
            self._range_key = range_key
            x_min, x_max = float(xs[0]), float(xs[-1])
            self.plot_item.setRange(xRange=(x_min, x_max), yRange=y_range, padding=0.05)

    def _set_title(self, text: str) -> None:
        """Set the plot title only when it changes (a new title re-lays out the plot).

        A narrow plot shows its short form (see ``TitleLabel``).
        """
        if self.plot_item.titleLabel.full != text:
            self.plot_item.setTitle(text, color=colors.FOREGROUND, size="10pt")

    def _value_levels(self) -> tuple[float, float]:
        """Return (min, max) of the run's regression targets (train and test)."""
        s = self._snapshot
        return colors.value_levels(s.train.Y, None if s.test is None else s.test.Y)


if __name__ == "__main__":
    import sys

    from playground.ui.views import run_alone

    dataset = sys.argv[1] if len(sys.argv) > 1 else "flower"
    sys.exit(run_alone(BoundaryView, f"BoundaryView — {dataset}", dataset=dataset,
                       hidden=(4, 3) if dataset != "housing" else ()))
