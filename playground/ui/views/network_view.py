"""The network diagram: input, hidden layers and output as columns of nodes joined by links.

Hidden nodes draw their unit's live response A[l]_u over the input plane (a curve for 1-D
data) on ONE colour scale per layer, as in ``units_view``, so units computing the same
function look the same; units of one ``UnitStats.group`` share an outline colour, named in
the status line. The output nodes draw the boundary; the inputs x₁, x₂. Links: coloured by
sign and as wide as |w| on a symmetric scale per layer kept as the weights view keeps its
(``colors.SteadyLevels`` of [W | b]: it grows at once, shrinks slowly), in LINK_STEPS
steps a side (0: the neutral middle, a little darker to show on white, thinnest), ONE item
per layer. ``network_layout`` decides where things go and what folds. Built once per
architecture and grid kind; a resize moves items (re-makes them if a column folds or
unfolds); a snapshot sets pixels and the paths that changed. It only asks, by signals.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QLineF, QObject, QPointF, QRectF, Qt, Signal, Slot
from PySide6.QtGui import QColor, QPainterPath, QPen
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsScene,
    QGraphicsSimpleTextItem,
    QGraphicsTextItem,
    QLabel,
    QLineEdit,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from playground.core.numbers import format_number, parse_number
from playground.session.layer_edits import Edit, diagram_edits
from playground.session.snapshot import RunState, Snapshot
from playground.ui.controls.layer_rows import MAX_PANEL_UNITS
from playground.ui.controls.network_group import DEFAULT_LAYER
from playground.ui.views import colors
from playground.ui.views import network_layout as nl
from playground.ui.views.path_batch import PathBatch
from playground.ui.views.symmetry_view import NOISE_DEFAULT
from playground.ui.views.unit_tiles import map_sample

FRAME_COLOR = "#a0a0a0"
#: Group k's outline colour, GROUP_COLORS[k]: the class palette without blue and red, repeated.
GROUP_COLORS = tuple(QColor(*colors.class_rgb(k)).name() for k in (4, 2, 3, 6, 7, 5, 8) * 37)
BUTTON_TEXT = {"add": "+", "remove": "×", "fewer": "−", "more": "+", "break": "break"}
HINT = "Hover a link or a node to read it; pause, then click a link to edit its weight."
KEY = ("links: <span style='color:#c00206'>red w &gt; 0</span>, <span style='color:#2151db'>"
       "blue w &lt; 0</span>, wider = larger |w| (each layer on its own scale)")


@dataclass
class ColumnItems:
    """The items of column c (0 input, 1 … L−1 hidden, L output) and its colour scale."""

    col: nl.Column
    kind: str                                      # "input", "hidden" or "output"
    caption: QGraphicsTextItem
    outlines: PathBatch
    image: pg.ImageItem | None = None              # the maps stacked, or the band
    curves: PathBatch | None = None                # 1-D data
    labels: list[QGraphicsSimpleTextItem] = field(default_factory=list)
    levels: colors.SteadyLevels = field(default_factory=colors.SteadyLevels)
    current: tuple[float, float] = (-1.0, 1.0)
    groups: np.ndarray | None = None               # as last outlined


@dataclass
class LinkItems:
    """The links of layer l (W[l]): one item, their scale and what is drawn."""

    l: int
    batch: PathBatch
    kept: int                                      # links per unit (0: all)
    levels: colors.SteadyLevels = field(default_factory=colors.SteadyLevels)
    current: tuple[float, float] = (-1.0, 1.0)
    drawing: nl.LinkDrawing | None = None


class NetworkView(QWidget):
    """The network as nodes and links, live from snapshots; asks for edits by signals.

    Signals (layers, rows and columns 1-based, as in the notes)
    -------
    weight_edit_requested(l, i, j, value)  set W[l][i, j] = value (typed while paused);
    layers_change_requested((hidden_layers, activations))  from a +/− button;
    break_symmetry_requested(l, size)      W[l] += size · randn(n[l], n[l−1]) ("break").
    ``editable`` False (twin runs): no +/− buttons, no weight editor; "break" stays.
    """

    weight_edit_requested = Signal(int, int, int, float)
    layers_change_requested = Signal(object)
    break_symmetry_requested = Signal(int, float)

    def __init__(self, parent: QWidget | None = None, noise_size: float = NOISE_DEFAULT,
                 editable: bool = True) -> None:
        super().__init__(parent)
        self.noise_size, self.editable = noise_size, editable    # noise_size: what "break" asks
        self._snapshot: Snapshot | None = None
        self._build_key: object = None
        self._frame_key: tuple[int, int] | None = None      # (run id, iteration) drawn
        self.diagram: nl.Diagram | None = None
        self.columns: list[ColumnItems] = []
        self.links: list[LinkItems] = []
        self._items: list[QGraphicsItem] = []       # every item made for the architecture
        self.buttons: dict[QToolButton, tuple[str, int, Edit]] = {}   # role, column, edit
        self.pens: list[QPen] = []                  # per link step, −LINK_STEPS first
        self._inputs: list[str] = []
        self._sample, self._gap = 1, 0               # map pixels drawn, between maps
        self._input_for: tuple = (None, ())           # (grid, features) of _input_cache
        self._input_cache = np.zeros((0, 0))
        self.editing: tuple[int, int, int] | None = None    # (l, i, j) of the editor

        self.canvas = pg.GraphicsView(background=colors.BACKGROUND)
        self.canvas.sigDeviceRangeChanged.connect(self._on_canvas_device_range_changed)
        scene = self.canvas.scene()
        scene.setItemIndexMethod(QGraphicsScene.ItemIndexMethod.NoIndex)
        scene.sigMouseClicked.connect(self._on_scene_mouse_clicked)
        self._mouse_proxy = pg.SignalProxy(scene.sigMouseMoved, rateLimit=30,  # as the
                                           slot=self._on_scene_mouse_moved)  # other views
        self.editor = QLineEdit(self.canvas.viewport(), visible=False, maximumWidth=150,
                                returnPressed=self._on_editor_return_pressed)
        self.editor.installEventFilter(self)          # Escape cancels
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.canvas, 1)
        self.status_label, self.readout_label = QLabel(KEY), QLabel(HINT)
        for label in (self.status_label, self.readout_label):
            label.setWordWrap(True)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            layout.addWidget(label)

    # ------------------------------------------------------------------ public API

    @Slot(object)
    def update_snapshot(self, snapshot: Snapshot) -> None:
        """Draw ``snapshot``; re-make the items only for a new architecture or grid kind."""
        self._snapshot, grid = snapshot, snapshot.grid
        build_key = (snapshot.arch, snapshot.features,
                     None if grid is None else (grid.ys is None, grid.resolution))
        if build_key != self._build_key:
            self._build(build_key)
        frame_key = (snapshot.run_id, snapshot.iteration)
        if frame_key != self._frame_key:           # a repeated frame keeps its scales
            new_run = self._frame_key is None or frame_key[0] != self._frame_key[0]
            self._frame_key = frame_key
            self._update_levels(new_run)
        self._draw()
        if self.editing is not None and snapshot.state is not RunState.PAUSED:
            self._close_editor("The run is training again: the weight was not changed.")

    def link_style(self, l: int, i: int, j: int) -> tuple[QColor, float] | None:
        """Return (colour, width) of link W[l][i, j] (1-based) as drawn; None if not drawn."""
        drawing = self.links[l - 1].drawing
        k = drawing.find(i - 1, j - 1)
        pen = self.pens[drawing.steps[k] + nl.LINK_STEPS] if k is not None else None
        return (pen.color(), pen.widthF()) if pen else None

    def node_image(self, c: int, u: int) -> np.ndarray:
        """Return the pixels drawn for unit ``u`` (1-based) of unfolded column ``c``, (r, r)."""
        r, pitch = (np.array([0, self._gap]) + self._snapshot.grid.resolution) // self._sample
        return self.columns[c].image.image[(u - 1) * pitch: (u - 1) * pitch + r]

    def hit(self, scene_pos: QPointF) -> tuple[str, int, int, int] | None:
        """Return ("node", c, u, 0) or ("link", l, i, j) (1-based) under ``scene_pos``."""
        return nl.hit_test(self.diagram, [links.drawing for links in self.links],
                           [pen.widthF() for pen in self.pens], scene_pos.x(), scene_pos.y())

    def hover_text(self, scene_pos: QPointF) -> str | None:
        """Return the read-out for what is under ``scene_pos``, or None."""
        return nl.hover_text(self.hit(scene_pos), self._snapshot, self._inputs)

    # ------------------------------------------------------------------ slots

    @Slot(object, object)
    def _on_canvas_device_range_changed(self, canvas: object, rect: object) -> None:
        if self._snapshot is not None:                # resized
            self._lay_out()

    @Slot(object)
    def _on_scene_mouse_moved(self, args: tuple[QPointF]) -> None:
        if self._snapshot is not None and self.editing is None:
            self.readout_label.setText(self.hover_text(args[0]) or HINT)

    @Slot(object)
    def _on_scene_mouse_clicked(self, event: object) -> None:
        """A left click on a link opens the weight editor there, if the run is paused."""
        s = self._snapshot
        hit = (s and self.editable and event.button() == Qt.MouseButton.LeftButton
               and self.hit(event.scenePos()))
        if not hit or hit[0] != "link":
            if self.editing is not None:
                self._close_editor(HINT)
            return
        l, i, j = hit[1:]
        if s.state is not RunState.PAUSED:
            self.readout_label.setText(f"Pause the run to edit W[{l}][{i}, {j}].")
            return
        self.editing, at = (l, i, j), self.canvas.mapFromScene(event.scenePos())
        room = self.canvas.viewport().rect()
        self.editor.move(min(max(0, at.x() - 20), room.width() - self.editor.width()),
                         min(max(0, at.y() + 6), room.height() - self.editor.height()))
        self.editor.setText(text := format_number(float(s.parameters[f"W{l}"][i - 1, j - 1])))
        self.editor.setSelection(len(text), -len(text))    # all selected, its start in view
        self.editor.raise_()                      # over the buttons
        self.editor.show()
        self.editor.setFocus()
        self.readout_label.setText(f"W[{l}][{i}, {j}]: type a new value, Enter sets it, "
                                   "Escape cancels.")

    @Slot()
    def _on_editor_return_pressed(self) -> None:          # only shown while editing
        (l, i, j), value = self.editing, parse_number(self.editor.text())
        if value is None:
            self.readout_label.setText(f"“{self.editor.text()}” is not a number: "
                                       f"W[{l}][{i}, {j}] is unchanged.")
            return
        self._close_editor(f"Asked to set W[{l}][{i}, {j}] = {format_number(value)}.")
        self.weight_edit_requested.emit(l, i, j, value)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.KeyPress and event.key() == Qt.Key.Key_Escape:
            self._close_editor(HINT)                    # only the editor is watched
            return True
        return super().eventFilter(watched, event)

    @Slot()
    def _on_button_clicked(self) -> None:
        role, c, edit = self.buttons[self.sender()]
        if role == "break":
            self.break_symmetry_requested.emit(c, self.noise_size)
        elif edit.layers is not None:
            self.layers_change_requested.emit(edit.layers)

    # ------------------------------------------------------------------ building

    def _build(self, build_key: object) -> None:
        """Forget the diagram; ``_lay_out`` makes the items again for the new architecture."""
        self._build_key = build_key
        self._close_editor(HINT)
        self.diagram, self._frame_key, s = None, None, self._snapshot
        self._inputs = nl.input_names(s.features, s.arch.n_x)
        self._gap = nl.node_step(s.grid.resolution if s.grid is not None else None)[0]
        self._lay_out()

    def _lay_out(self) -> None:
        """Plan for the canvas's size; re-make items if what folds changed; place; draw."""
        s, size = self._snapshot, self.canvas.viewport().size()
        r = s.grid.resolution if s.grid is not None else 0
        diagram = nl.plan_diagram(s.arch.layer_dims, size.width(), size.height(),
                                  nl.node_step(r)[1])
        if diagram == self.diagram:
            return
        remade = self.diagram is None or diagram.folded != self.diagram.folded
        if remade:                                     # forget every item, make new ones
            for item in self._items:
                self.canvas.removeItem(item)
            for button in self.buttons:
                button.deleteLater()
            self.columns, self.links, self._items, self.buttons = [], [], [], {}
            self._make_items(diagram)
        self.diagram = diagram
        # smooth maps: sampled to 70 % of the node's pixels, they look the same, cost half
        self._sample = map_sample(r, self._gap, 0.7 * diagram.node * self.devicePixelRatioF())
        rgb = colors.diverging_map().map(np.linspace(0.0, 1.0, 2 * nl.LINK_STEPS + 1), "byte")
        self.pens = [pg.mkPen(QColor(*color), width=width)
                     for color, width in nl.link_palette(rgb[:, :3], diagram.node)]
        for items, col in zip(self.columns, diagram.columns):
            items.col, items.groups = col, None
            self._place_column(items, diagram)
        self._place_buttons(diagram)
        if self._frame_key is not None:
            if remade:                       # new items start from the frame's own scales
                self._update_levels(new_run=True)
            self._draw()

    def _make_items(self, diagram: nl.Diagram) -> None:
        """Make every column's and layer's items (placed later), and the buttons."""
        s, L = self._snapshot, self._snapshot.arch.L
        for col in diagram.columns:
            kind = "input" if col.c == 0 else "output" if col.c == L else "hidden"
            items = ColumnItems(col, kind, QGraphicsTextItem(), PathBatch(z=2.0))
            items.caption.document().setDocumentMargin(0)
            items.caption.setDefaultTextColor(QColor(colors.FOREGROUND))
            if s.grid is not None and s.grid.ys is None and not col.folded:
                items.curves = PathBatch(z=1.5)
            elif s.grid is not None:
                items.image = pg.ImageItem(axisOrder="row-major", colorMap=colors.diverging_map()
                                           if kind != "output" else colors.value_map()
                                           if s.train.task == "regression"
                                           else colors.light_diverging_map())
            if kind == "input":
                items.labels = [QGraphicsSimpleTextItem(name) for name in self._inputs]
            self._items += [item for item in (items.caption, items.outlines, items.image,
                                              items.curves, *items.labels) if item is not None]
            self.columns.append(items)
        for l in range(1, L + 1):
            batch = PathBatch(0.0, antialias=diagram.smooth())
            self.links.append(LinkItems(l, batch, diagram.kept(l)))
            self._items.append(self.links[-1].batch)
        for item in self._items:
            self.canvas.addItem(item)
        self._make_buttons()

    def _make_buttons(self) -> None:
        """Make the +/− buttons (``session/layer_edits.diagram_edits``) and each hidden layer's
        "break" button (shown while the layer has identical units)."""
        arch, noise = self._snapshot.arch, format_number(self.noise_size)
        breaks = [("break", l, Edit(None, f"Break the symmetry of layer {l}: W[{l}] += "
                                       f"{noise} · randn(n[{l}], n[{l - 1}]), drawn from the "
                                       "run's seed")) for l in range(1, arch.L)]
        for role, c, edit in diagram_edits(arch.hidden_layers, arch.activations,
                                              MAX_PANEL_UNITS, DEFAULT_LAYER) + breaks:
            button = QToolButton(self.canvas.viewport())
            button.setText(BUTTON_TEXT[role])
            button.setToolTip(edit.tip)
            button.setStyleSheet("QToolButton { padding: 0px; }")
            button.setEnabled(edit.layers is not None or role == "break")
            button.setVisible(role != "break" and self.editable)
            button.clicked.connect(self._on_button_clicked)
            self.buttons[button] = (role, c, edit)

    def button(self, role: str, c: int) -> QToolButton:
        """Return the button ``role`` of column c: "add" (a layer after it), "remove",
        "fewer" or "more" (units), "break" (the symmetry of layer c)."""
        return next(b for b, (r, k, _) in self.buttons.items() if (r, k) == (role, c))

    def _place_column(self, items: ColumnItems, diagram: nl.Diagram) -> None:
        """Move column ``items.col``'s caption and input labels (pixels come with _draw)."""
        col, text = items.col, nl.caption(items.col.c, self._snapshot.arch, diagram.slot >= 64)
        items.caption.setHtml(f"<div align='center'>{text}</div>")
        items.caption.setTextWidth(diagram.slot)
        items.caption.setPos(col.x - diagram.slot / 2, diagram.caption_y)
        if items.image is not None:                # an image drawn before may stay as it is
            items.image.setRect(QRectF(*col.rect()))
        for u, (label, y) in enumerate(zip(items.labels, col.centres())):
            y, rect = y if not col.folded else col.top + col.height / 2, label.boundingRect()
            label.setVisible(not col.folded or u == 0)
            wide = rect.width() > nl.LABEL_ROOM            # a long name goes under its node
            label.setPos(col.x - (rect.width() / 2 if wide else col.side / 2 + rect.width() + 3),
                         y + (col.cell / 2 if wide else -rect.height() / 2))

    def _place_buttons(self, diagram: nl.Diagram) -> None:
        size = int(diagram.button)
        for button, (role, c, _) in self.buttons.items():
            x, y = nl.button_place(diagram, role, c)
            if role == "break":                  # a word where there is room for it
                button.setText("break" if diagram.slot >= 56 else "≠")
                button.setFixedSize(button.sizeHint().width(), size + 2)
            else:
                button.setFixedSize(size, size)
            button.move(round(x - button.width() / 2), round(y))

    # ------------------------------------------------------------------ drawing

    def _update_levels(self, new_run: bool) -> None:
        """A new frame: move each layer's link scale and each hidden layer's map scale."""
        s = self._snapshot
        if new_run:
            for items in [*self.links, *self.columns]:
                items.levels.reset()
        for links in self.links:
            links.current = links.levels.update(
                [s.parameters[f"W{links.l}"], s.parameters[f"b{links.l}"]])
        for items in self.columns:
            if items.kind == "hidden" and len(s.unit_maps) >= items.col.c:
                maps, g = s.unit_maps[items.col.c - 1], s.arch.activations[items.col.c - 1]
                items.current = colors.layer_levels(g, maps, items.levels)

    def _draw(self) -> None:
        for items in self.columns:
            self._draw_column(items)
        if [self._draw_outlines(items) for items in self.columns].count(True):
            lines = nl.status_lines(      # under the diagram: links' key, groups, what folded
                self._snapshot, self.diagram,
                lambda k, text: f"<b style='color:{GROUP_COLORS[k]}'>{text}</b>")
            self.status_label.setText("<br>".join([KEY, *lines]))
        for links in self.links:
            self._draw_links(links)

    def _input_maps(self) -> np.ndarray:
        """Return the input nodes' maps (``network_layout.input_maps``), computed once per
        grid and inputs, not every frame."""
        s = self._snapshot
        if self._input_for[0] is not s.grid or self._input_for[1] != s.features:
            self._input_for = (s.grid, s.features)          # held: its id is not reused
            self._input_cache = nl.input_maps(s.grid.xs, s.grid.ys, s.features)
        return self._input_cache

    def _draw_column(self, items: ColumnItems) -> None:
        """Draw what column ``items`` shows over the grid, (n, r, r) or (n, r) maps: x₁, x₂
        for the inputs, A[l] for a hidden layer, A[L] for the output (a band when folded)."""
        s, col, k = self._snapshot, items.col, self._sample
        if s.grid is None:
            return
        if items.kind == "input":
            maps, levels = self._input_maps(), (-1.0, 1.0)
        elif items.kind == "hidden":
            maps, levels = s.unit_maps[col.c - 1], items.current
        else:
            maps, levels = s.outputs, (0.0, 1.0)
            if s.train.task == "regression":           # as the boundary view shows ŷ
                levels = colors.value_levels(s.train.Y, None if s.test is None else s.test.Y)
        if items.curves is not None:
            path = pg.arrayToQPath(*nl.curve_points(maps, col, levels), connect="finite")
            items.curves.set_batches([(pg.mkPen(colors.FOREGROUND, width=1.5), path)])
            return
        if col.folded:                           # one cell per unit: its mean activation
            image = nl.band_values(maps)
        elif items.kind == "output" and s.train.task == "multiclass":
            shading = colors.class_shading(maps[:, ::k, ::k])    # node c: where c wins
            wins = np.argmax(maps[:, ::k, ::k], axis=0) == np.arange(col.n)[:, None, None]
            image, levels = nl.stack_maps(np.where(wins[..., None], shading, np.uint8(255)),
                                          self._gap // k, fill=0), (0, 255)
        else:
            image = nl.stack_maps(maps[:, ::k, ::k], self._gap // k)
        shown = items.image.image                # a new shape needs its rectangle again
        rect = {} if shown is not None and shown.shape == image.shape else {
            "rect": QRectF(*col.rect())}
        colors.show_image(items.image, image, levels, **rect)

    def _draw_outlines(self, items: ColumnItems) -> bool:
        """Frame every node (a band: the band); outline each group of identical units, node
        by node or cell by cell, in its colour; show "break" while a layer has a group.
        Return whether anything changed."""
        s, col = self._snapshot, items.col
        group = (s.unit_stats[col.c - 1].group if items.kind == "hidden"
                 and len(s.unit_stats) >= col.c else np.arange(col.n))
        if items.groups is not None and np.array_equal(group, items.groups):
            return False
        items.groups = group
        frames, groups = nl.outline_rects(col, group)
        width = 3.0 if col.folded else max(2.0, min(4.0, col.side / 12))
        batches = []
        for k, rects in enumerate([frames, *groups]):
            path = QPainterPath()
            for rect in rects:
                path.addRect(QRectF(*rect))
            batches.append((pg.mkPen(GROUP_COLORS[k - 1], width=width)
                            if k else pg.mkPen(FRAME_COLOR, width=1), path))
        items.outlines.set_batches(batches)
        if items.kind == "hidden":
            self.button("break", col.c).setVisible(bool(groups))
        return True

    def _draw_links(self, links: LinkItems) -> None:
        """Draw layer l's links, one path per step, when what is drawn changed."""
        before, after = self.diagram.columns[links.l - 1], self.diagram.columns[links.l]
        new = nl.link_drawing(self._snapshot.parameters[f"W{links.l}"], before, after,
                              links.kept, links.current[1])
        if links.drawing is not None and links.drawing.looks_like(new):
            return
        links.drawing, order = new, np.lexsort((new.steps, np.abs(new.steps)))  # widest last
        lines = [QLineF(*segment) for segment in new.segments[order].tolist()]
        starts = np.flatnonzero(np.diff(new.steps[order], prepend=2 * nl.LINK_STEPS + 1))
        ys, w = new.segments[:, [1, 3]], self.pens[0].widthF()
        bounds = QRectF(before.x, ys.min(), after.x - before.x, ys.max() - ys.min())
        links.batch.set_batches([(self.pens[new.steps[order[a]] + nl.LINK_STEPS], lines[a:b])
                                 for a, b in zip(starts, [*starts[1:], len(lines)])],
                                bounds.adjusted(-w, -w, w, w))

    def _close_editor(self, message: str) -> None:
        self.editing = None
        self.editor.hide()
        self.readout_label.setText(message)


if __name__ == "__main__":
    import sys

    from playground.ui.views import run_alone

    # python -m playground.ui.views.network_view [8,8] [xavier|zeros|…] [tanh|sigmoid|…]
    hidden, init, activation = (sys.argv[1:] + ["8,8", "xavier", "tanh"][len(sys.argv) - 1:])[:3]
    sys.exit(run_alone(NetworkView, "NetworkView", init=init, activation=activation,
                       hidden=tuple(int(n) for n in hidden.split(",") if n)))
