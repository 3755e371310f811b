"""Every weight matrix W[l] (n[l], n[l-1]) and bias b[l] (n[l], 1) as a heat map.

One row per layer l = 1..L: W[l] with rows = units of layer l (unit 1 at the top, as the
matrix is written) and columns = its inputs (x₁… for layer 1, the units of a[l-1] after),
then b[l] beside it, then the layer's colour bar.

Levels: per layer, shared by W[l] and b[l], FIXED SYMMETRIC (−v, v) on a diverging map so
0 is always the neutral middle colour (an all-zero matrix looks like zero). v is the
layer's max |W|, |b|; it grows at once and shrinks slowly (``colors.SteadyLevels``) so the
colours do not flicker from frame to frame. Per layer rather than shared across layers,
because layers differ in scale (W[1] of a he/xavier init is larger than the last layer's)
and one scale would leave all but one layer washed out.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt, Slot
from PySide6.QtWidgets import QLabel, QScrollArea, QVBoxLayout, QWidget

from playground.core.network import Architecture
from playground.session.snapshot import Snapshot
from playground.ui.views import colors

ROW_HEIGHT = 150          # pixels per layer before the panels start to scroll
MAX_TICK_LABELS = 12    # along a row; a column of ticks gets half as many
NICE_STEPS = (1, 2, 5, 10, 20, 25, 50, 100)
BIAS_COLUMN_WIDTH = 70
BAR_COLUMN_WIDTH = 70
LEFT_AXIS_WIDTH = 44
BOTTOM_AXIS_HEIGHT = 36
HOVER_HINT = "Hover a cell to read its value (rows and columns numbered from 1, as in the notes)."

_SUBSCRIPTS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def input_name(l: int, j: int) -> str:
    """Return the name of input j (1-based) of layer l: x₃ for layer 1, a[1]₃ after."""
    index = str(j).translate(_SUBSCRIPTS)
    return f"x{index}" if l == 1 else f"a[{l - 1}]{index}"


def index_ticks(n: int, label: str = "", most: int = MAX_TICK_LABELS
                ) -> list[tuple[float, str]]:
    """Return ticks at cell centres i + 0.5 labelled 1-based: 1 and multiples of a nice step.

    At most about ``most`` labels: 1, 2, 3 … for small n; 1, 10, 20 … for n = 64.
    """
    step = next((s for s in NICE_STEPS if n / s <= most), NICE_STEPS[-1])
    numbers = sorted({1, *range(step, n + 1, step)})
    return [(k - 0.5, f"{label}{k}".translate(_SUBSCRIPTS) if label else str(k))
            for k in numbers]


@dataclass
class LayerPanel:
    """The items drawing layer l: W[l], b[l] and their shared colour bar."""

    l: int
    w_plot: pg.PlotItem
    b_plot: pg.PlotItem
    w_image: pg.ImageItem
    b_image: pg.ImageItem
    color_bar: pg.ColorBarItem
    levels: colors.SteadyLevels = field(default_factory=colors.SteadyLevels)


class WeightsView(QWidget):
    """Heat maps of W[l] and b[l] for every layer, updated in place from snapshots."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._snapshot: Snapshot | None = None
        self._arch: Architecture | None = None
        self._frame_key: tuple[int, int] | None = None    # (run_id, iteration) last levelled
        self.panels: list[LayerPanel] = []

        self.layout_widget = pg.GraphicsLayoutWidget()
        self.layout_widget.setBackground(colors.BACKGROUND)
        self.scroll_area = QScrollArea()
        self.scroll_area.setWidgetResizable(True)
        # As needed, not off: "off" would make the panels' width the window's minimum.
        self.scroll_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.scroll_area.setWidget(self.layout_widget)
        self.readout_label = QLabel(HOVER_HINT)
        self.readout_label.setWordWrap(True)       # a long read-out must not widen the window
        self.readout_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._mouse_proxy = pg.SignalProxy(self.layout_widget.scene().sigMouseMoved,
                                           rateLimit=30, slot=self._on_scene_mouse_moved)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.scroll_area, 1)
        layout.addWidget(self.readout_label)

    # ------------------------------------------------------------------ public API

    @Slot(object)
    def update_snapshot(self, snapshot: Snapshot) -> None:
        """Draw W[l], b[l] of ``snapshot``; rebuild the panels only for a new architecture."""
        self._snapshot = snapshot
        if snapshot.arch != self._arch:
            self._build(snapshot.arch)
        frame_key = (snapshot.run_id, snapshot.iteration)
        new_run = self._frame_key is None or frame_key[0] != self._frame_key[0]
        if new_run:                          # the hover read-out was the last run's
            self.readout_label.setText(HOVER_HINT)
        new_frame = frame_key != self._frame_key
        self._frame_key = frame_key
        p = snapshot.parameters
        for panel in self.panels:
            W, b = p[f"W{panel.l}"], p[f"b{panel.l}"]
            if new_run:
                panel.levels.reset()
            if new_frame:     # a repeated frame keeps its levels: they only move with training
                colors.set_levels(panel.color_bar, panel.levels.update([W, b]))
            levels = panel.color_bar.levels()
            colors.show_image(panel.w_image, W, levels,
                              rect=QRectF(0, 0, W.shape[1], W.shape[0]))
            colors.show_image(panel.b_image, b, levels, rect=QRectF(0, 0, 1, b.shape[0]))

    # ------------------------------------------------------------------ slots

    @Slot(object)
    def _on_scene_mouse_moved(self, args: tuple[QPointF]) -> None:
        text = self.cell_text(args[0])
        self.readout_label.setText(text if text else HOVER_HINT)

    def cell_text(self, scene_pos: QPointF) -> str | None:
        """Return the read-out for the cell at ``scene_pos`` ("W[2] row 1 … = 0.0123") or None."""
        if self._snapshot is None:
            return None
        for panel in self.panels:
            for name, plot in (("W", panel.w_plot), ("b", panel.b_plot)):
                view_box = plot.getViewBox()
                if not view_box.sceneBoundingRect().contains(scene_pos):
                    continue
                M = self._snapshot.parameters[f"{name}{panel.l}"]
                point = view_box.mapSceneToView(scene_pos)
                i, j = math.floor(point.y()), math.floor(point.x())
                if not (0 <= i < M.shape[0] and 0 <= j < M.shape[1]):
                    return None
                if name == "b":
                    return f"b[{panel.l}] row {i + 1} (unit {i + 1}) = {M[i, j]:.4g}"
                return (f"W[{panel.l}] row {i + 1} (unit {i + 1}), column {j + 1} "
                        f"(input {input_name(panel.l, j + 1)}) = {M[i, j]:.4g}"
                        "   — numbered from 1, as in the notes")
        return None

    # ------------------------------------------------------------------ building

    def _build(self, arch: Architecture) -> None:
        """Show one row of panels per layer for ``arch``.

        Rows already there are re-labelled and re-ranged, not re-made (a new plot costs
        enough that rebuilding every row made adding a unit a visible hitch); rows beyond
        the new depth are removed, missing ones added.
        """
        self._arch = arch
        self._frame_key = None
        for panel in self.panels[arch.L:]:
            for item in (panel.w_plot, panel.b_plot, panel.color_bar):
                self.layout_widget.removeItem(item)
        self.panels = self.panels[:arch.L]
        for l in range(len(self.panels) + 1, arch.L + 1):
            self.panels.append(self._new_panel(l))
        for panel in self.panels:
            self._fit_panel(panel, arch)
        colors.cache_static_items(self.layout_widget.scene())
        grid = self.layout_widget.ci.layout
        grid.setColumnStretchFactor(0, 1)
        grid.setColumnFixedWidth(1, BIAS_COLUMN_WIDTH)
        grid.setColumnFixedWidth(2, BAR_COLUMN_WIDTH)
        self.layout_widget.setMinimumHeight(arch.L * ROW_HEIGHT)

    def _new_panel(self, l: int) -> LayerPanel:
        """Make layer l's row: W[l], b[l] and their colour bar (sizes come with _fit_panel)."""
        w_plot = self._matrix_plot(l - 1, 0)
        w_plot.setLabel("left", f"unit of layer {l}")
        w_plot.setLabel("bottom", "input x" if l == 1 else f"unit of a[{l - 1}]")
        b_plot = self._matrix_plot(l - 1, 1)
        b_plot.getAxis("bottom").setTicks([[(0.5, "1")]])
        b_plot.setLabel("bottom", "bias")
        w_image, b_image = pg.ImageItem(axisOrder="row-major"), pg.ImageItem(
            axisOrder="row-major")
        w_plot.addItem(w_image)
        b_plot.addItem(b_image)
        color_bar = pg.ColorBarItem(values=(-1.0, 1.0), colorMap=colors.diverging_map(),
                                    interactive=False, colorMapMenu=False, width=12)
        colors.style_plot(color_bar)
        color_bar.setImageItem([w_image, b_image])
        self.layout_widget.addItem(color_bar, row=l - 1, col=2)
        return LayerPanel(l, w_plot, b_plot, w_image, b_image, color_bar)

    @staticmethod
    def _fit_panel(panel: LayerPanel, arch: Architecture) -> None:
        """Title, tick and range layer ``panel.l``'s plots for W (n, n_prev) and b (n, 1)."""
        l = panel.l
        n, n_prev = arch.layer_dims[l], arch.layer_dims[l - 1]
        for plot, title, columns in ((panel.w_plot, f"W[{l}]  ({n}, {n_prev})", n_prev),
                                     (panel.b_plot, f"b[{l}]  ({n}, 1)", 1)):
            plot.setTitle(title, color=colors.FOREGROUND, size="10pt")
            plot.setRange(xRange=(0, columns), yRange=(0, n), padding=0)
            plot.getAxis("left").setTicks([index_ticks(n, most=MAX_TICK_LABELS // 2)])
        panel.w_plot.getAxis("bottom").setTicks([index_ticks(n_prev, "x" if l == 1 else "")])
        panel.levels.reset()

    def _matrix_plot(self, row: int, col: int) -> pg.PlotItem:
        """Return a fixed, non-interactive plot for a matrix, row 1 on top (sized later)."""
        plot = self.layout_widget.addPlot(row=row, col=col)
        colors.style_plot(plot)
        plot.setMouseEnabled(x=False, y=False)   # the wheel scrolls the panels instead
        plot.setMenuEnabled(False)
        plot.hideButtons()
        plot.invertY(True)
        plot.getAxis("left").setWidth(LEFT_AXIS_WIDTH)
        plot.getAxis("bottom").setHeight(BOTTOM_AXIS_HEIGHT)
        return plot


if __name__ == "__main__":
    import sys

    from playground.ui.views import run_alone

    sys.exit(run_alone(WeightsView, "WeightsView", hidden=(8, 4)))
