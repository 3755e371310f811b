"""Every hidden unit's activation A[l]_u over the input plane, as thumbnails sized to the pane.

One block per hidden layer: a caption ("layer 1 · tanh · 4 units · 4 distinct · colours ±1")
and the layer's units, numbered from 1 like the notes, wrapping onto as many lines as
needed. All thumbnails share one size: the largest, between SMALLEST and LARGEST pixels,
at which every block fits the pane (``unit_tiles.fit_thumbnails``). When even SMALLEST
does not fit, each layer gets the size it would have alone and the pane scrolls
vertically; it never scrolls sideways. A resize only moves items (and re-tiles a mosaic
whose columns change); a snapshot only sets pixels. For 1-D data a thumbnail is the
unit's activation curve against x instead of an image. Clicking a thumbnail emits
``unit_clicked(layer, unit)`` (both 1-based) so the boundary view can show it large.

Levels: ONE fixed scale per layer, by activation — sigmoid (0, 1), tanh (−1, 1), ReLU /
leaky ReLU / linear symmetric (−v, v) from the layer's max |A| (growing at once, shrinking
slowly) — on the diverging map, never auto-levelled per thumbnail: units that compute the
same function look identical, which is the point of the zero-initialisation lesson.

Geometry changes: the items live directly in the scene (no clipping ViewBox), so Qt's BSP
index holds them, and it must hear of every bounding-rect change *before* it happens
(``prepareGeometryChange``). pyqtgraph's ``ImageItem.setImage`` (on a new image shape) and
``PlotCurveItem.setData`` tell it only after swapping the data, so the index drops the item
from the leaves of the new rectangle and keeps stale pointers in the old one's; once a
rebuild deleted the item, the next paint walked into freed memory (a segfault in
``QGraphicsView.paintEvent``). ``_set_mosaic`` and ``_set_curves`` announce it first.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt, Signal, Slot
from PySide6.QtGui import QBrush, QColor, QFont, QPen, QResizeEvent, QTransform
from PySide6.QtWidgets import (
    QFrame,
    QGraphicsItem,
    QGraphicsRectItem,
    QGraphicsSimpleTextItem,
    QGraphicsTextItem,
    QLabel,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from playground.core.activations import ACTIVATIONS
from playground.session.snapshot import Snapshot
from playground.ui.views import colors
from playground.ui.views.unit_tiles import (
    LARGEST_SCROLLING,
    SMALLEST,
    columns_fitting,
    compact,
    fit_thumbnails,
    map_sample,
    mosaic,
    number_pixel_size,
)

MAX_THUMBNAILS = 64        # per layer; the rest of a wider layer is not drawn
GAP = 0.12                 # space between thumbnails, in thumbnail widths
MARGIN = 6                 # pixels around everything
CAPTION_SPACING = 3        # pixels between a caption and its thumbnails
BLOCK_SPACING = 10         # pixels between one layer's thumbnails and the next caption
CAPTION_POINT_SIZE = 9.0
FRAME_COLOR = "#b0b0b0"
IDENTICAL_COLOR = "#c00206"
HINT_PLANE = "Each unit's activation over the input plane; click one to show it large."
HINT_LINE = "Each unit's activation against x; click one to show it large."


@dataclass
class LayerRow:
    """The items of hidden layer l: its caption and one block holding its thumbnails.

    The block's coordinates are thumbnail units with y up: thumbnail u's lower-left corner
    is ``cell_origin(u)``, a thumbnail is 1 × 1 and the pitch is ``step``; line 0 spans
    y ∈ [0, 1] and later lines lie below it. Laying out only changes the block's transform
    (scale = the thumbnail size in pixels) and, when ``columns`` changes, the cells.

    All the layer's thumbnails are ONE image (2-D data: the unit maps side by side, NaN —
    transparent — between them) or ONE curve item (1-D data: the curves joined by NaN
    breaks), so a frame costs one ``setImage``/``setData`` per layer, not one per unit.
    """

    l: int
    activation: str
    n_units: int
    caption: QGraphicsTextItem
    block: pg.ItemGroup
    step: float                                    # thumbnail pitch in thumbnail units
    gap_px: int                                    # map pixels between thumbnails
    columns: int = 0                               # 0 until laid out
    mosaic: pg.ImageItem | None = None             # 2-D data
    curve: pg.PlotCurveItem | None = None          # 1-D data
    frames: list[QGraphicsRectItem] = field(default_factory=list)
    badges: list[QGraphicsRectItem] = field(default_factory=list)
    levels: colors.SteadyLevels = field(default_factory=colors.SteadyLevels)
    current_levels: tuple[float, float] = (-1.0, 1.0)
    title: str = ""

    @property
    def shown(self) -> int:
        return min(self.n_units, MAX_THUMBNAILS)

    @property
    def lines(self) -> int:
        return math.ceil(self.shown / self.columns)

    @property
    def height(self) -> float:
        """Return the block's height in thumbnail units."""
        return self.lines * self.step - (self.step - 1.0)

    def cell_origin(self, u: int) -> tuple[float, float]:
        """Return the block coordinates (x0, y0) of the lower-left corner of thumbnail u."""
        return (u % self.columns) * self.step, -(u // self.columns) * self.step

    def cell_at(self, x: float, y: float) -> int | None:
        """Return the 0-based thumbnail under block point (x, y), or None between them."""
        c, q = math.floor(x / self.step), 1.0 - y
        r = math.floor(q / self.step)
        if (c < 0 or c >= self.columns or r < 0 or x - c * self.step > 1.0
                or q - r * self.step > 1.0):
            return None
        u = r * self.columns + c
        return u if u < self.shown else None


class ScrollPane(QScrollArea):
    """A scroll area that says when its own size changes (not when a scroll bar toggles)."""

    resized = Signal()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.resized.emit()


class UnitsView(QWidget):
    """Thumbnails of every hidden unit's activation, sized to the pane; click one to inspect it."""

    #: (layer, unit), both 1-based, of the thumbnail clicked.
    unit_clicked = Signal(int, int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._snapshot: Snapshot | None = None
        self._build_key: object = None
        self._frame_key: tuple[int, int] | None = None
        self.rows: list[LayerRow] = []
        self._resolution = 0                     # the grid's, as of the last build
        #: The mosaics show every ``sample``-th pixel of the maps (``map_sample``).
        self.sample = 1
        #: The thumbnail side in pixels, as last laid out (0 before the first layout).
        self.thumbnail_size = 0

        self.graphics_view = pg.GraphicsView(background=colors.BACKGROUND)
        self.graphics_view.scene().sigMouseClicked.connect(self._on_scene_mouse_clicked)
        self.scroll_area = ScrollPane()
        self.scroll_area.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroll_area.setWidget(self.graphics_view)
        self.scroll_area.resized.connect(self._on_scroll_area_resized)
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
        grid = snapshot.grid
        if grid is None or not snapshot.arch.hidden_layers:
            self._show_message(
                "No hidden layers: the network is a single layer, so there are no hidden "
                "units to draw." if grid is not None else
                f"No input plane to draw the units on: the data has {snapshot.train.n_x} "
                "features.")
            return
        self._show_message(None)
        self._snapshot = snapshot                  # the last one drawn, for re-tiling
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
                row.current_levels = colors.layer_levels(row.activation, maps, row.levels)
        self._draw_rows()
        if self._update_captions(snapshot):     # a caption now takes more or fewer lines
            self._lay_out()

    def unit_at(self, scene_pos: QPointF) -> tuple[int, int] | None:
        """Return (layer, unit), 1-based, of the thumbnail at ``scene_pos``, or None."""
        for row in self.rows:
            p = row.block.mapFromScene(scene_pos)
            u = row.cell_at(p.x(), p.y())
            if u is not None:
                return row.l, u + 1
        return None

    def thumbnail_scene_rect(self, layer: int, unit: int) -> QRectF:
        """Return the scene rectangle of thumbnail ``unit`` of ``layer`` (1-based)."""
        row = self.rows[layer - 1]
        x0, y0 = row.cell_origin(unit - 1)
        return row.block.mapRectToScene(QRectF(x0, y0, 1.0, 1.0))

    def thumbnail_image(self, layer: int, unit: int) -> np.ndarray:
        """Return the pixels drawn for thumbnail ``unit`` of ``layer`` (1-based), (r, r):
        the unit's map, every ``sample``-th pixel of it (``map_sample``)."""
        row = self.rows[layer - 1]
        image, gap = row.mosaic.image, row.gap_px // self.sample
        r = (image.shape[1] + gap) // row.columns - gap
        pitch = r + gap
        line, c = divmod(unit - 1, row.columns)
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

    @Slot()
    def _on_scroll_area_resized(self) -> None:
        self._lay_out()

    # ------------------------------------------------------------------ building

    def _show_message(self, text: str | None) -> None:
        self.message_label.setVisible(text is not None)
        self.scroll_area.setVisible(text is None)
        self.hint_label.setVisible(text is None)
        if text is not None:
            self.message_label.setText(text)

    def _build(self, snapshot: Snapshot, one_d: bool) -> None:
        """Make the caption and thumbnails of every hidden layer (replacing the old ones)."""
        for row in self.rows:
            self.graphics_view.removeItem(row.caption)
            self.graphics_view.removeItem(row.block)
        self.rows = []
        self._frame_key = None
        self.thumbnail_size = 0
        arch = snapshot.arch
        r = self._resolution = snapshot.grid.resolution
        gap_px = max(1, round(GAP * r))
        step = 1.0 + gap_px / r
        font = QFont(self.font())
        font.setPointSizeF(CAPTION_POINT_SIZE)
        for l, (n, activation) in enumerate(zip(arch.hidden_layers, arch.activations),
                                            start=1):
            caption = QGraphicsTextItem()
            caption.document().setDocumentMargin(0)
            caption.setDefaultTextColor(QColor(colors.FOREGROUND))
            caption.setFont(font)
            block = pg.ItemGroup()
            self.graphics_view.addItem(caption)
            self.graphics_view.addItem(block)
            row = LayerRow(l, activation, n, caption, block, step, gap_px)
            if one_d:
                row.curve = pg.PlotCurveItem(pen=pg.mkPen(colors.FOREGROUND, width=1.5),
                                             connect="finite")
                row.curve.setParentItem(block)
            else:
                row.mosaic = pg.ImageItem(axisOrder="row-major")
                row.mosaic.setColorMap(colors.diverging_map())
                row.mosaic.setParentItem(block)
            for u in range(row.shown):
                self._add_frame(row, u)
            self.rows.append(row)
        self.hint_label.setText(HINT_LINE if one_d else HINT_PLANE)
        self._update_captions(snapshot)
        self._lay_out()

    def _add_frame(self, row: LayerRow, u: int) -> None:
        """Add thumbnail u's frame (which carries its tooltip) and its number badge."""
        frame = QGraphicsRectItem(row.block)
        frame.setPen(pg.mkPen(FRAME_COLOR, width=1, cosmetic=True))
        name = ACTIVATIONS[row.activation].label
        frame.setToolTip(f"A[{row.l}] unit {u + 1} ({name}): click to show it large")
        frame.setZValue(5)
        row.frames.append(frame)
        # A badge in the top-left corner, drawn in pixels whatever the block's scale.
        badge = QGraphicsRectItem(frame)
        badge.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations)
        badge.setPen(QPen(Qt.PenStyle.NoPen))
        badge.setBrush(QBrush(QColor(255, 255, 255, 190)))
        number = QGraphicsSimpleTextItem(str(u + 1), badge)
        number.setBrush(QBrush(QColor(colors.FOREGROUND)))
        number.setPos(2, 0)
        row.badges.append(badge)

    # ------------------------------------------------------------------ laying out

    def _lay_out(self) -> None:
        """Size the thumbnails to the pane and place every caption and block."""
        if not self.rows:
            return
        room = self.scroll_area.maximumViewportSize()
        size, columns, width = self._choose_size(room.width() - 2 * MARGIN, room.height())
        sample = map_sample(self._resolution, self.rows[0].gap_px,
                            size * self.devicePixelRatioF())
        retiled, self.sample = sample != self.sample, sample
        for row in self.rows:
            if min(columns, row.shown) != row.columns:
                row.columns = min(columns, row.shown)
                self._place_cells(row)
                retiled = True
        if size != self.thumbnail_size:
            self._size_badges(number_pixel_size(size))
            self.thumbnail_size = size
        if retiled and self._frame_key is not None:
            self._draw_rows()
        y = float(MARGIN)
        for row in self.rows:
            row.caption.setTextWidth(width)
            row.caption.setPos(MARGIN, y)
            y += row.caption.boundingRect().height() + CAPTION_SPACING
            row.block.setTransform(QTransform(size, 0.0, 0.0, -size, MARGIN, y + size))
            y += row.height * size + BLOCK_SPACING
        self.graphics_view.setMinimumHeight(math.ceil(y - BLOCK_SPACING + MARGIN))

    def _choose_size(self, width: int, height: int) -> tuple[int, int, int]:
        """Return (thumbnail size, columns, width used) for a pane of width × height.

        Everything stacked if it fits at SMALLEST or larger; otherwise (the pane will
        scroll, a scroll bar takes some width) the size the largest layer has alone.
        """
        step = self.rows[0].step
        counts = [row.shown for row in self.rows]
        spacing = 2 * MARGIN + len(counts) * CAPTION_SPACING + (len(counts) - 1) * BLOCK_SPACING
        captions = self._caption_heights(width)
        size, columns = fit_thumbnails(counts, width, height - spacing - sum(captions), step)
        if size < SMALLEST:
            width -= self.scroll_area.verticalScrollBar().sizeHint().width()
            largest = max(self._caption_heights(width))
            size, columns = fit_thumbnails(
                [max(counts)], width, height - 2 * MARGIN - CAPTION_SPACING - largest, step,
                largest=LARGEST_SCROLLING)
            size = max(size, SMALLEST)
        return size, min(columns, columns_fitting(width, size, step)), width

    def _caption_heights(self, width: float) -> list[float]:
        for row in self.rows:
            row.caption.setTextWidth(width)
        return [row.caption.boundingRect().height() for row in self.rows]

    def _place_cells(self, row: LayerRow) -> None:
        """Move thumbnail frames and badges to the cells of ``row.columns`` columns."""
        for u, (frame, badge) in enumerate(zip(row.frames, row.badges, strict=True)):
            x0, y0 = row.cell_origin(u)
            frame.setRect(QRectF(x0, y0, 1.0, 1.0))
            badge.setPos(x0, y0 + 1.0)

    def _size_badges(self, pixel_size: int) -> None:
        font = QFont(self.font())
        font.setPixelSize(pixel_size)
        for row in self.rows:
            for badge in row.badges:
                number = badge.childItems()[0]
                number.setFont(font)
                text_rect = number.boundingRect()
                badge.setRect(QRectF(0, 0, text_rect.width() + 4, text_rect.height()))

    # ------------------------------------------------------------------ drawing

    def _draw_rows(self) -> None:
        """Set every layer's pixels (or curves) from the current snapshot and levels."""
        xs = self._snapshot.grid.xs if self._snapshot.grid.ys is None else None
        for row in self.rows:
            self._draw_row(row, self._snapshot.unit_maps[row.l - 1], xs)

    def _draw_row(self, row: LayerRow, maps: np.ndarray, xs: np.ndarray | None) -> None:
        lo, hi = row.current_levels
        if xs is None:
            k = self.sample
            self._set_mosaic(row, mosaic(maps[: row.shown, ::k, ::k], row.columns,
                                         row.gap_px // k), r=maps.shape[1] // k)
            return
        span = float(xs[-1] - xs[0]) or 1.0
        n = row.shown
        origins = np.array([row.cell_origin(u) for u in range(n)])      # (n, 2)
        x = origins[:, :1] + (xs - xs[0]) / span                        # (n, k)
        y = origins[:, 1:] + np.clip((maps[:n] - lo) / (hi - lo), 0.0, 1.0)
        breaks = np.full((n, 1), np.nan)             # NaN ends each unit's curve
        self._set_curves(row, np.hstack([x, breaks]).ravel(), np.hstack([y, breaks]).ravel())

    @staticmethod
    def _set_mosaic(row: LayerRow, image: np.ndarray, r: int) -> None:
        """Show ``image`` (maps of r × r pixels) in the row's mosaic, one block unit per map.

        A new shape changes the item's bounding rect: the scene index is told first (see
        the module docstring), since ``setImage`` only tells it after the change.
        """
        old = row.mosaic.image
        reshaped = old is None or old.shape != image.shape
        if reshaped:
            row.mosaic.prepareGeometryChange()
        lo, hi = row.current_levels
        row.mosaic.setImage(colors.drawable(image, (lo, hi)), autoLevels=False,
                            levels=(lo, hi))
        if reshaped:                                  # the rect scales by pixel size
            h, w = image.shape
            row.mosaic.setRect(QRectF(0.0, 1.0 - h / r, w / r, h / r))

    @staticmethod
    def _set_curves(row: LayerRow, x: np.ndarray, y: np.ndarray) -> None:
        """Show the row's curves (x, y) with NaN breaks; new data can move the bounding rect,
        so the scene index is told first (see the module docstring)."""
        row.curve.prepareGeometryChange()
        row.curve.setData(x, y)

    def _update_captions(self, snapshot: Snapshot) -> bool:
        """Retitle the layers; return whether a caption's height changed."""
        moved = False
        for row in self.rows:
            title = self._row_title(row, snapshot.distinct_units[row.l - 1])
            lo, hi = row.current_levels
            row.caption.setToolTip(f"Layer {row.l}: one colour scale for all its units: "
                                   f"blue {lo:.4g}, white {(lo + hi) / 2:.4g}, red {hi:.4g}")
            if title != row.title:             # re-laying out HTML is the costly part
                height = row.caption.boundingRect().height()
                row.title = title
                row.caption.setHtml(title)
                moved |= row.caption.boundingRect().height() != height
        return moved

    def _row_title(self, row: LayerRow, distinct: int) -> str:
        units = "1 unit" if row.n_units == 1 else f"{row.n_units} units"
        parts = [f"<b>layer {row.l}</b>", ACTIVATIONS[row.activation].label, units]
        if row.n_units > 1 and distinct == 1:
            parts.append(f"<b><span style='color:{IDENTICAL_COLOR}'>all units identical"
                         "</span></b>")
        elif row.n_units > 1:
            parts.append(f"{distinct} distinct")
        if row.n_units > MAX_THUMBNAILS:
            parts.append(f"showing the first {MAX_THUMBNAILS}")
        lo, hi = row.current_levels
        parts.append(f"colours ±{compact(hi)}" if lo == -hi else
                     f"colours {compact(lo)} … {compact(hi)}")
        return " · ".join(parts)


if __name__ == "__main__":
    import sys

    from playground.ui.views import run_alone

    sys.exit(run_alone(UnitsView, "UnitsView", hidden=(8, 4)))
