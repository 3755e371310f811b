"""The cost J against the iteration: train (solid) and test (dashed), with a hover read-out.

Snapshots carry the whole (thinned) history, so every update simply replaces the curves'
data; the current point (snapshot.iteration, snapshot.cost) is appended to the train
curve. Non-finite costs are never drawn, nor, on a logarithmic axis, values ≤ 0.
Learning-rate changes are marked on the curve (dotted lines, the new α read on hover).
The legend sits under the plot, where it can never cover the curve.

The plot's range moves in steps: an invisible frame spans (0, nice floor of J) to (nice
ceiling of the iteration, nice ceiling of J), and auto-range fits that frame, so the axes
are redrawn a few dozen times over a run instead of at every frame.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt, Slot
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from playground.session.snapshot import Snapshot
from playground.ui.views import colors

TRAIN_COLOR = colors.CLASS_COLORS[0]
TEST_COLOR = colors.CLASS_COLORS[4]
DIVERGENCE_COLOR = colors.CLASS_COLORS[1]
RATE_COLOR = colors.CLASS_COLORS[3]
EPOCH_COLOR = colors.CLASS_COLORS[2]
HOVER_HINT = "Hover the curve to read a cost."
#: How far past a divergence marker the x axis reaches, as a factor of its iteration.
MARKER_ROOM = 1.02


def with_current(history: np.ndarray, iteration: int, cost: float | None
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Return (iterations, costs) of ``history`` (k, 2) plus (iteration, cost) if it is newer."""
    x, y = history[:, 0], history[:, 1]
    if cost is not None and (x.size == 0 or x[-1] < iteration):
        x = np.append(x, float(iteration))
        y = np.append(y, float(cost))
    return x, y


def drawable(x: np.ndarray, y: np.ndarray, log_y: bool, log_x: bool = False
             ) -> tuple[np.ndarray, np.ndarray]:
    """Return the points that can be drawn: finite, and > 0 on a logarithmic axis."""
    with np.errstate(invalid="ignore"):
        keep = np.isfinite(x) & np.isfinite(y)
        if log_y:
            keep &= y > 0
        if log_x:
            keep &= x > 0
    return x[keep], y[keep]


def range_frame(x: np.ndarray, y: np.ndarray, log_y: bool, log_x: bool = False,
                marker: float | None = None) -> tuple[np.ndarray, np.ndarray] | None:
    """Return the corners ([x_start, x_end], [y_low, y_high]) that auto-range should fit,
    in the plot's own units (log10 of the values on a logarithmic axis).

    x_end is the nice ceiling of the last iteration, or of a little past ``marker`` (the
    iteration a run diverged at, one after its last point: its line and label must show);
    x_start 0 (on a log axis: the nice floor of the first drawn iteration). y spans 0 (or,
    on a log axis, the nice floor of the smallest J) to the nice ceiling of the largest J.
    None without points.
    """
    if x.size == 0:
        return None
    last = max(float(np.max(x)), 1.0, 0.0 if marker is None else MARKER_ROOM * marker)
    x_end = colors.nice_ceiling(last)
    x_start = colors.nice_floor(float(np.min(x))) if log_x else 0.0
    high = float(np.max(y))
    low = float(np.min(y))
    if log_y:
        y_low, y_high = colors.nice_floor(low), colors.nice_ceiling(high)
    else:
        y_low = min(0.0, -colors.nice_ceiling(-low) if low < 0 else 0.0)
        y_high = colors.nice_ceiling(high) if high > 0 else 0.0
    xs, ys = np.array([x_start, x_end]), np.array([y_low, y_high])
    return (np.log10(xs) if log_x else xs), (np.log10(ys) if log_y else ys)


def epoch_points(snapshot: Snapshot) -> tuple[np.ndarray, np.ndarray]:
    """Return (iterations, costs) of the epoch costs, placed at the iteration each epoch
    ended; empty when the cost recorded at each iteration is the epoch cost already (the
    whole set as one batch, no dropout)."""
    rows = snapshot.epoch_history
    if len(rows) == 0 or not snapshot.noisy_cost:
        return np.zeros(0), np.zeros(0)
    return rows[:, 0] * snapshot.batches_per_epoch, rows[:, 1]


def rate_markers(changes: tuple[tuple[int, float], ...], x_end: float
                 ) -> list[tuple[int, float]]:
    """Return the learning-rate changes worth a marker: the last of any changes closer
    together than 1 % of the axis (a slider drag while training makes many)."""
    kept: list[tuple[int, float]] = []
    for iteration, rate in changes:
        if kept and iteration - kept[-1][0] < 0.01 * max(x_end, 1.0):
            kept[-1] = (iteration, rate)
        else:
            kept.append((iteration, rate))
    return kept


class BoundsOnly(pg.PlotCurveItem):
    """A curve that is never drawn: its points only count for auto-range."""

    def paint(self, painter, option, widget=None) -> None:
        pass


def cost_plot() -> tuple[pg.PlotWidget, pg.PlotItem]:
    """Return an empty cost-against-iteration plot in the project's style."""
    widget = pg.PlotWidget(background=colors.BACKGROUND)
    item: pg.PlotItem = widget.getPlotItem()
    colors.style_plot(item)
    item.setLabel("bottom", "iteration")
    item.setLabel("left", "cost J")
    item.showGrid(x=True, y=True, alpha=0.15)
    item.setMenuEnabled(False)
    return widget, item


class CostView(QWidget):
    """Plots train and test cost J against the iteration, live."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._run_id: int | None = None
        self._train = (np.zeros(0), np.zeros(0))    # what is drawn, in data units
        self._test = (np.zeros(0), np.zeros(0))
        self._epochs = (np.zeros(0), np.zeros(0))   # at the iteration each epoch ended
        self._diverged_at: int | None = None
        self._markers: list[tuple[int, float]] = []   # (iteration, new α) drawn
        self._shown_markers: tuple | None = None        # what the marker lines show

        self.plot_widget, self.plot_item = cost_plot()
        # One-pixel pens: Qt strokes a wider antialiased line as a filled outline, which
        # costs several times more per frame (a noisy curve most).
        self.train_curve = self.plot_item.plot(name="train J", pen=pg.mkPen(TRAIN_COLOR,
                                                                             width=1))
        self.test_curve = self.plot_item.plot(
            name="test J", pen=pg.mkPen(TEST_COLOR, width=1, style=Qt.PenStyle.DashLine))
        for curve in (self.train_curve, self.test_curve):
            curve.setDownsampling(auto=True, method="peak")
            curve.setClipToView(True)
        # with mini-batches: the full training cost after each epoch, over the noisy curve
        self.epoch_curve = self.plot_item.plot(
            name="epoch J", pen=pg.mkPen(EPOCH_COLOR, width=2), symbol="o", symbolSize=4,
            symbolPen=None, symbolBrush=pg.mkBrush(EPOCH_COLOR))
        self.epoch_curve.setZValue(5)
        # every learning-rate change as a vertical dotted line, all in one item
        self.rate_lines = self.plot_item.plot(
            pen=pg.mkPen(RATE_COLOR, width=1, style=Qt.PenStyle.DotLine), connect="pairs")

        # Invisible: two corners that auto-range fits instead of the moving curve (see above).
        self.range_frame = BoundsOnly()
        self.plot_item.addItem(self.range_frame)

        self.divergence_line = pg.InfiniteLine(
            angle=90, movable=False, pen=pg.mkPen(DIVERGENCE_COLOR, width=1.5,
                                                  style=Qt.PenStyle.DotLine),
            label="diverged", labelOpts={"position": 0.1, "color": DIVERGENCE_COLOR,
                                         "fill": (255, 255, 255, 200),
                                         "anchors": [(1.0, 1.0), (1.0, 0.0)]})
        self.divergence_line.setVisible(False)
        self.plot_item.addItem(self.divergence_line, ignoreBounds=True)
        # Added to the ViewBox directly: the PlotItem would log-transform it a second time.
        self.hover_marker = pg.ScatterPlotItem(size=10, pen=pg.mkPen(colors.OUTLINE),
                                               brush=pg.mkBrush(255, 255, 255, 180))
        self.hover_marker.setZValue(20)
        self.hover_marker.setVisible(False)
        self.plot_item.getViewBox().addItem(self.hover_marker, ignoreBounds=True)

        self.log_checkbox = QCheckBox("log y")
        self.log_checkbox.setToolTip("Logarithmic cost axis (costs ≤ 0 are not drawn)")
        self.log_checkbox.toggled.connect(self._on_log_checkbox_toggled)
        self.log_x_checkbox = QCheckBox("log x")
        self.log_x_checkbox.setToolTip("Logarithmic iteration axis: the first steps and the "
                                       "long tail side by side (iteration 0 is not drawn)")
        self.log_x_checkbox.toggled.connect(self._on_log_checkbox_toggled)
        self.legend_label = QLabel()
        self.legend_label.setTextFormat(Qt.TextFormat.RichText)
        self.readout_label = QLabel(HOVER_HINT)
        self.readout_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        # Outside the plot: a plot title that changes every frame re-lays out the plot.
        self.title_label = QLabel("")
        self.title_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._mouse_proxy = pg.SignalProxy(self.plot_item.scene().sigMouseMoved, rateLimit=30,
                                           slot=self._on_scene_mouse_moved)

        bar = QHBoxLayout()
        bar.setContentsMargins(4, 0, 4, 0)
        bar.addWidget(self.log_checkbox)
        bar.addWidget(self.log_x_checkbox)
        bar.addSpacing(8)
        bar.addWidget(self.legend_label)
        bar.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.title_label)
        layout.addWidget(self.plot_widget, 1)
        layout.addLayout(bar)
        layout.addWidget(self.readout_label)
        self._show_legend(test=False, rates=False)
        colors.cache_static_items(self.plot_widget.scene())

    # ------------------------------------------------------------------ public API

    def legend(self) -> list[str]:
        """Return the names the legend under the plot lists, in order."""
        return list(self._legend)

    @Slot(object)
    def update_snapshot(self, snapshot: Snapshot) -> None:
        """Draw the cost history of ``snapshot`` (replacing the previous run's on a reset)."""
        if snapshot.run_id != self._run_id:
            self._run_id = snapshot.run_id
            self.hover_marker.setVisible(False)
            self.readout_label.setText(HOVER_HINT)
        self._train = with_current(snapshot.cost_history, snapshot.iteration, snapshot.cost)
        self._test = with_current(snapshot.test_cost_history, snapshot.iteration,
                                  snapshot.test_cost if len(snapshot.test_cost_history) else None)
        self._markers = rate_markers(snapshot.rate_changes, float(snapshot.iteration))
        self._epochs = epoch_points(snapshot)
        divergence = snapshot.divergence
        self._diverged_at = None if divergence is None else divergence.iteration
        self._draw_curves()
        self._show_legend(test=len(snapshot.test_cost_history) > 0, rates=bool(self._markers),
                          epochs=len(self._epochs[0]) > 0,
                          mini_batches=snapshot.batches_per_epoch > 1)
        self.divergence_line.setVisible(divergence is not None)   # first: a hidden label
        if divergence is not None:                                  # ignores new text
            self.divergence_line.setValue(self._x_shown(divergence.iteration))
            self.divergence_line.label.setFormat(f"diverged at iteration {divergence.iteration}")
        title = f"J = {snapshot.cost:.4g} at iteration {snapshot.iteration}"
        if snapshot.test_cost is not None:
            title += f"   (test J = {snapshot.test_cost:.4g})"
        self.title_label.setText(title)

    # ------------------------------------------------------------------ slots

    @Slot(bool)
    def _on_log_checkbox_toggled(self, checked: bool) -> None:
        self.plot_item.setLogMode(x=self.log_x_checkbox.isChecked(),
                                  y=self.log_checkbox.isChecked())
        self.hover_marker.setVisible(False)
        self._shown_markers = None
        self._draw_curves()
        self.plot_item.enableAutoRange()

    @Slot(object)
    def _on_scene_mouse_moved(self, args: tuple[QPointF]) -> None:
        view_box = self.plot_item.getViewBox()
        pos = args[0]
        x, y = self.train_curve.xData, self.train_curve.yData
        if x is None or len(x) == 0 or not view_box.sceneBoundingRect().contains(pos):
            return
        at = view_box.mapSceneToView(pos).x()
        at = 10 ** at if self.log_x_checkbox.isChecked() else at
        i = int(np.argmin(np.abs(x - at)))
        text = f"iteration {x[i]:.0f}: J = {y[i]:.6g}"
        tx, ty = self.test_curve.xData, self.test_curve.yData
        if tx is not None and len(tx):
            j = int(np.argmin(np.abs(tx - x[i])))
            text += (f"    test J = {ty[j]:.6g}" if tx[j] == x[i] else
                     f"    test J = {ty[j]:.6g} (iteration {tx[j]:.0f})")
        since = [(k, rate) for k, rate in self._markers if k <= x[i]]
        if since:
            text += f"    α = {since[-1][1]:g} since iteration {since[-1][0]:,}"
        self.readout_label.setText(text)
        self.hover_marker.setData(x=[self._x_shown(x[i])], y=[self._y_shown(y[i])])
        self.hover_marker.setVisible(True)

    # ------------------------------------------------------------------ drawing

    def _x_shown(self, x: float) -> float:
        """Return where iteration ``x`` sits on the axis (log10 on a log axis)."""
        return float(np.log10(max(x, 1e-12))) if self.log_x_checkbox.isChecked() else float(x)

    def _y_shown(self, y: float) -> float:
        return float(np.log10(y)) if self.log_checkbox.isChecked() else float(y)

    def _show_legend(self, test: bool, rates: bool, epochs: bool = False,
                     mini_batches: bool = False) -> None:
        """List under the plot what it draws: train J (per mini-batch when there are
        mini-batches, with dropout when that makes it noisy), the epoch cost, test J (with
        a test set) and the learning-rate marks (once there is one)."""
        noisy = "mini-batch J" if mini_batches else "train J, dropped out"
        entries = [(noisy if epochs else "train J", TRAIN_COLOR, "━━"),
                   ("epoch J", EPOCH_COLOR, "━●"), ("test J", TEST_COLOR, "╍╍"),
                   ("α changed", RATE_COLOR, "┆")]
        shown = [e for e, wanted in zip(entries, (True, epochs, test, rates)) if wanted]
        legend = [name for name, _, _ in shown]
        if legend == getattr(self, "_legend", None):
            return
        self._legend = legend
        self.legend_label.setText(" &nbsp; ".join(
            f"<span style='color:rgb{color}'><b>{line}</b></span>&nbsp;{name}"
            for name, color, line in shown))

    def _draw_curves(self) -> None:
        log_y, log_x = self.log_checkbox.isChecked(), self.log_x_checkbox.isChecked()
        train, test = drawable(*self._train, log_y, log_x), drawable(*self._test, log_y, log_x)
        self.train_curve.setData(*train)
        self.test_curve.setData(*test)
        self.epoch_curve.setData(*drawable(*self._epochs, log_y, log_x))
        corners = range_frame(np.concatenate([train[0], test[0]]),
                              np.concatenate([train[1], test[1]]), log_y, log_x,
                              self._diverged_at)
        if corners is None:
            self.range_frame.setData([], [])
        elif self.range_frame.xData is None or not (
                np.array_equal(self.range_frame.xData, corners[0])
                and np.array_equal(self.range_frame.yData, corners[1])):
            self.range_frame.setData(*corners)
        self._draw_markers(corners)

    def _draw_markers(self, corners: tuple[np.ndarray, np.ndarray] | None) -> None:
        """Draw a dotted line at each learning-rate change, across the frame's height."""
        key = (tuple(self._markers),
               None if corners is None else (tuple(corners[0]), tuple(corners[1])))
        if key == self._shown_markers:
            return
        self._shown_markers = key
        log_y, log_x = self.log_checkbox.isChecked(), self.log_x_checkbox.isChecked()
        if corners is None or not self._markers:
            self.rate_lines.setData([], [])
            return
        low, high = (10 ** corners[1]) if log_y else corners[1]
        xs = np.repeat([float(k) for k, _ in self._markers], 2)
        ys = np.tile([low, high], len(self._markers))
        self.rate_lines.setData(*drawable(xs, ys, log_y, log_x))


if __name__ == "__main__":
    import sys

    from playground.ui.views import run_alone

    sys.exit(run_alone(CostView, "CostView", dataset="flower", iterations=2000))
