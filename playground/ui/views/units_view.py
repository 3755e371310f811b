"""Every hidden unit's activation A[l]_u over the input plane, as small thumbnails.

One block per hidden layer: a label ("layer 1 (tanh) · 4 units") and the layer's units,
eight to a line, each numbered from 1 like the notes. For 1-D data a thumbnail is the
unit's activation curve against x instead of an image. Clicking a thumbnail emits
``unit_clicked(layer, unit)`` (both 1-based) so the boundary view can show it large.

Levels: ONE fixed scale per layer, by activation — sigmoid (0, 1), tanh (−1, 1), ReLU /
leaky ReLU / linear symmetric (−v, v) from the layer's max |A| (growing at once, shrinking
slowly) — on the diverging map, never auto-levelled per thumbnail: units that compute the
same function look identical, which is the point of the zero-initialisation lesson.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt, Signal, Slot
from PySide6.QtGui import QBrush, QColor, QPen
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsRectItem,
    QGraphicsSimpleTextItem,
    QLabel,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from playground.session.snapshot import Snapshot
from playground.ui.views import colors

MAX_THUMBNAILS = 64        # per layer; the rest of a wider layer is not drawn
COLUMNS = 8                # thumbnails per line
GAP = 0.12                 # space between thumbnails, in thumbnail widths
LINE_HEIGHT = 74           # pixels per line of thumbnails
LABEL_HEIGHT = 24
FRAME_COLOR = "#b0b0b0"
HINT_PLANE = "Each unit's activation over the input plane; click one to show it large."
HINT_LINE = "Each unit's activation against x; click one to show it large."


@dataclass
class LayerRow:
    """The items of hidden layer l: its label, view box, and one mosaic (or curve) of units.

    All the layer's thumbnails are ONE image (2-D data: the unit maps side by side, NaN —
    transparent — between them) or ONE curve item (1-D data: the curves joined by NaN
    breaks), so a frame costs one ``setImage``/``setData`` per layer, not one per unit.
    """

    l: int
    activation: str
    n_units: int
    label: pg.LabelItem
    view_box: pg.ViewBox
    step: float                                    # thumbnail pitch in view units
    gap_px: int                                    # mosaic pixels between thumbnails
    mosaic: pg.ImageItem | None = None             # 2-D data
    curve: pg.PlotCurveItem | None = None          # 1-D data
    frames: list[QGraphicsRectItem] = field(default_factory=list)
    levels: colors.SteadyLevels = field(default_factory=colors.SteadyLevels)
    current_levels: tuple[float, float] = (-1.0, 1.0)
    title: str = ""

    @property
    def shown(self) -> int:
        return min(self.n_units, MAX_THUMBNAILS)

    @property
    def lines(self) -> int:
        return math.ceil(self.shown / COLUMNS)

    def cell_origin(self, u: int) -> tuple[float, float]:
        """Return the view coordinates (x0, y0) of the lower-left corner of thumbnail u."""
        return (u % COLUMNS) * self.step, -(u // COLUMNS) * self.step

    def cell_at(self, x: float, y: float) -> int | None:
        """Return the 0-based thumbnail under view point (x, y), or None between thumbnails."""
        c, q = math.floor(x / self.step), 1.0 - y
        r = math.floor(q / self.step)
        if c < 0 or c >= COLUMNS or r < 0 or x - c * self.step > 1.0 or q - r * self.step > 1.0:
            return None
        u = r * COLUMNS + c
        return u if u < self.shown else None


def mosaic(maps: np.ndarray, lines: int, gap: int) -> np.ndarray:
    """Return the first lines × COLUMNS maps (n, r, r) tiled into one row-major image.

    Thumbnail u sits at line u // COLUMNS (line 0 on top: the image's last rows, since the
    view's y axis points up) and column u % COLUMNS; gaps and empty cells are NaN.
    """
    n, r = min(maps.shape[0], lines * COLUMNS), maps.shape[1]
    tiles = np.full((lines * COLUMNS, r + gap, r + gap), np.nan)
    tiles[:n, :r, :r] = maps[:n]
    tiles = tiles.reshape(lines, COLUMNS, r + gap, r + gap)[::-1]     # line 0 on top
    image = tiles.transpose(0, 2, 1, 3).reshape(lines * (r + gap), COLUMNS * (r + gap))
    return image[: image.shape[0] - gap, : image.shape[1] - gap]


class UnitsView(QWidget):
    """Thumbnails of every hidden unit's activation; click one to inspect it."""

    #: (layer, unit), both 1-based, of the thumbnail clicked.
    unit_clicked = Signal(int, int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._snapshot: Snapshot | None = None
        self._build_key: object = None
        self._frame_key: tuple[int, int] | None = None
        self.rows: list[LayerRow] = []

        self.layout_widget = pg.GraphicsLayoutWidget()
        self.layout_widget.setBackground(colors.BACKGROUND)
        self.layout_widget.scene().sigMouseClicked.connect(self._on_scene_mouse_clicked)
        self.scroll_area = QScrollArea()
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroll_area.setWidget(self.layout_widget)
        self.message_label = QLabel()
        self.message_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message_label.setWordWrap(True)
        self.message_label.setVisible(False)
        self.hint_label = QLabel(HINT_PLANE)
        self.hint_label.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.scroll_area, 1)
        layout.addWidget(self.message_label, 1)
        layout.addWidget(self.hint_label)

    # ------------------------------------------------------------------ public API

    @Slot(object)
    def update_snapshot(self, snapshot: Snapshot) -> None:
        """Draw the unit maps of ``snapshot``; rebuild only for a new architecture or grid kind."""
        self._snapshot = snapshot
        grid = snapshot.grid
        if grid is None or not snapshot.arch.hidden_layers:
            self._show_message(
                "No hidden layers: the network is a single layer, so there are no hidden "
                "units to draw." if grid is not None else
                f"No input plane to draw the units on: the data has {snapshot.train.n_x} "
                "features.")
            return
        self._show_message(None)
        one_d = grid.ys is None
        build_key = (snapshot.arch, one_d, grid.resolution)
        if build_key != self._build_key:
            self._build(snapshot, one_d)
            self._build_key = build_key
        frame_key = (snapshot.run_id, snapshot.iteration)
        new_run = self._frame_key is None or frame_key[0] != self._frame_key[0]
        new_frame = frame_key != self._frame_key
        self._frame_key = frame_key
        for row in self.rows:
            maps = snapshot.unit_maps[row.l - 1]
            if new_run:
                row.levels.reset()
            if new_frame:
                row.current_levels = (row.levels.update(maps) if row.activation not in
                                      ("sigmoid", "tanh") else
                                      colors.activation_levels(row.activation, maps))
            self._draw_row(row, maps, grid.xs if one_d else None)
            title = self._row_title(row, snapshot.distinct_units[row.l - 1])
            if title != row.title:             # re-laying out HTML is the costly part
                row.title = title
                row.label.setText(title)

    def unit_at(self, scene_pos: QPointF) -> tuple[int, int] | None:
        """Return (layer, unit), 1-based, of the thumbnail at ``scene_pos``, or None."""
        for row in self.rows:
            if row.view_box.sceneBoundingRect().contains(scene_pos):
                p = row.view_box.mapSceneToView(scene_pos)
                u = row.cell_at(p.x(), p.y())
                return None if u is None else (row.l, u + 1)
        return None

    def thumbnail_scene_rect(self, layer: int, unit: int) -> QRectF:
        """Return the scene rectangle of thumbnail ``unit`` of ``layer`` (1-based)."""
        row = self.rows[layer - 1]
        x0, y0 = row.cell_origin(unit - 1)
        return row.view_box.mapViewToScene(QRectF(x0, y0, 1.0, 1.0)).boundingRect()

    def thumbnail_image(self, layer: int, unit: int) -> np.ndarray:
        """Return the pixels drawn for thumbnail ``unit`` of ``layer`` (1-based), (r, r)."""
        row = self.rows[layer - 1]
        image = row.mosaic.image
        r = (image.shape[1] + row.gap_px) // COLUMNS - row.gap_px
        pitch = r + row.gap_px
        line, c = divmod(unit - 1, COLUMNS)
        bottom = (row.lines - 1 - line) * pitch
        return image[bottom: bottom + r, c * pitch: c * pitch + r]

    # ------------------------------------------------------------------ slots

    @Slot(object)
    def _on_scene_mouse_clicked(self, event: object) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return
        hit = self.unit_at(event.scenePos())
        if hit is not None:
            self.unit_clicked.emit(*hit)

    # ------------------------------------------------------------------ building

    def _show_message(self, text: str | None) -> None:
        self.message_label.setVisible(text is not None)
        self.scroll_area.setVisible(text is None)
        self.hint_label.setVisible(text is None)
        if text is not None:
            self.message_label.setText(text)

    def _build(self, snapshot: Snapshot, one_d: bool) -> None:
        """Make the label and thumbnails of every hidden layer (replacing the old ones)."""
        self.layout_widget.clear()
        self.rows = []
        self._frame_key = None
        height = 0
        arch = snapshot.arch
        r = snapshot.grid.resolution
        gap_px = max(1, round(GAP * r))
        step = 1.0 + gap_px / r
        for l, (n, activation) in enumerate(zip(arch.hidden_layers, arch.activations),
                                            start=1):
            label = self.layout_widget.addLabel("", row=2 * (l - 1), col=0, justify="left",
                                                color=colors.FOREGROUND, size="10pt")
            label.setFixedHeight(LABEL_HEIGHT)
            view_box = self.layout_widget.addViewBox(row=2 * (l - 1) + 1, col=0,
                                                     enableMouse=False, enableMenu=False,
                                                     lockAspect=True)
            row = LayerRow(l, activation, n, label, view_box, step, gap_px)
            view_box.setFixedHeight(row.lines * LINE_HEIGHT)
            height += row.lines * LINE_HEIGHT + LABEL_HEIGHT + 12
            if one_d:
                row.curve = pg.PlotCurveItem(pen=pg.mkPen(colors.FOREGROUND, width=1.5),
                                             connect="finite")
                view_box.addItem(row.curve)
            else:
                row.mosaic = pg.ImageItem(axisOrder="row-major")
                row.mosaic.setColorMap(colors.diverging_map())
                view_box.addItem(row.mosaic)
            for u in range(row.shown):
                self._add_frame(row, u)
            # Every layer spans COLUMNS thumbnails, so thumbnails are the same size everywhere.
            view_box.setRange(xRange=(0, COLUMNS * step - (step - 1.0)),
                              yRange=(-(row.lines - 1) * step, 1.0), padding=0.02)
            self.rows.append(row)
        self.layout_widget.setMinimumHeight(height)
        self.hint_label.setText(HINT_LINE if one_d else HINT_PLANE)

    def _add_frame(self, row: LayerRow, u: int) -> None:
        """Add thumbnail u's frame (which carries its tooltip) and its number."""
        x0, y0 = row.cell_origin(u)
        frame = QGraphicsRectItem(QRectF(x0, y0, 1.0, 1.0))
        frame.setPen(pg.mkPen(FRAME_COLOR, width=1, cosmetic=True))
        frame.setToolTip(f"A[{row.l}] unit {u + 1} ({row.activation}): click to show it large")
        frame.setZValue(5)
        row.view_box.addItem(frame, ignoreBounds=True)
        row.frames.append(frame)
        # A fixed-size number badge in the top-left corner, drawn in pixels (no scaling).
        badge = QGraphicsRectItem(frame)
        badge.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations)
        badge.setPos(x0, y0 + 1.0)
        badge.setPen(QPen(Qt.PenStyle.NoPen))
        badge.setBrush(QBrush(QColor(255, 255, 255, 190)))
        number = QGraphicsSimpleTextItem(str(u + 1), badge)
        number.setBrush(QBrush(QColor(colors.FOREGROUND)))
        text_rect = number.boundingRect()
        number.setPos(2, 0)
        badge.setRect(QRectF(0, 0, text_rect.width() + 4, text_rect.height()))

    # ------------------------------------------------------------------ drawing

    def _draw_row(self, row: LayerRow, maps: np.ndarray, xs: np.ndarray | None) -> None:
        lo, hi = row.current_levels
        if xs is None:
            image = mosaic(maps, row.lines, row.gap_px)
            first = row.mosaic.image is None
            row.mosaic.setImage(image, autoLevels=False, levels=(lo, hi))
            if first:          # the rect scales by the image's pixel size: set it with one
                h, w = image.shape
                r = maps.shape[1]
                row.mosaic.setRect(QRectF(0.0, 1.0 - h / r, w / r, h / r))
            return
        span = float(xs[-1] - xs[0]) or 1.0
        n = row.shown
        origins = np.array([row.cell_origin(u) for u in range(n)])      # (n, 2)
        x = origins[:, :1] + (xs - xs[0]) / span                        # (n, k)
        y = origins[:, 1:] + np.clip((maps[:n] - lo) / (hi - lo), 0.0, 1.0)
        breaks = np.full((n, 1), np.nan)             # NaN ends each unit's curve
        row.curve.setData(np.hstack([x, breaks]).ravel(), np.hstack([y, breaks]).ravel())

    def _row_title(self, row: LayerRow, distinct: int) -> str:
        units = "1 unit" if row.n_units == 1 else f"{row.n_units} units"
        parts = [f"<b>layer {row.l}</b> ({row.activation}) · {units}"]
        if row.n_units > 1 and distinct == 1:
            parts.append("<b><span style='color:#c00206'>all units identical</span></b>")
        elif row.n_units > 1:
            parts.append(f"{distinct} distinct")
        if row.n_units > MAX_THUMBNAILS:
            parts.append(f"showing the first {MAX_THUMBNAILS}")
        lo, hi = row.current_levels
        parts.append(f"colours {lo:.3g} … {hi:.3g}")
        return " · ".join(parts)


if __name__ == "__main__":
    import sys

    from playground.ui.views import run_alone

    sys.exit(run_alone(UnitsView, "UnitsView", hidden=(8, 4)))
