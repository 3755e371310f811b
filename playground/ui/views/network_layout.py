"""The arithmetic of the network diagram: where nodes go, what folds, which links show.

Pure functions (NumPy and the core's limits; no Qt) that ``network_view.NetworkView`` draws
with, so that each decision is tested without a window: ``plan_diagram`` (the columns in
pixels, one node size, which columns fold into a band), ``link_drawing`` (which links of
W[l] show, at which colour-and-width step, where), ``stack_maps``, ``hit_test``,
and the texts: captions, status lines and the read-out, numbered from 1 as in the notes. Pixels:
x to the right, y DOWN; units and layers 0-based in arrays, 1-based in every text.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from playground.core.features import DEFAULT_FEATURES, FEATURES
from playground.core.network import Architecture
from playground.session.snapshot import Snapshot

MIN_NODE = 12.0          # pixels: a column whose nodes would be smaller folds into a band
MAX_NODE = 84.0          # pixels: nodes never grow beyond this
NODE_SHARE = 0.5         # a node takes at most this share of the distance between columns
GAP = 0.4                # room between two nodes of a column, in node sides (nominal)
BAND_SHARE = 0.6         # a band is this share of a node wide, within BAND_MIN … BAND_MAX
BAND_MIN, BAND_MAX = 8.0, 26.0
MARGIN = 8.0             # pixels around everything
LABEL_ROOM = 24.0        # pixels left of the input column for the x₁, x₂ labels
CAPTION_HEIGHT = 28.0    # two lines of caption at the head of each column
FOOT = 24.0              # the row of "break" buttons under the columns
TOP_K = 3                # links kept per unit next to a folded column …
BAND_K = 1               # … and between two folded columns (a dense fan either way)
FULL_LINKS = 400         # a layer with more weights keeps TOP_K per unit even unfolded
SMOOTH_LINKS = 2000      # up to this many links in all are antialiased (costly per link)
LINK_STEPS = 8           # colour-and-width steps on each side of zero
LINK_WIDTH_MIN = 1.0     # pixels: a zero weight's link

Rect = tuple[float, float, float, float]          # x0, y0, width, height


@dataclass(frozen=True)
class Column:
    """Column c (0: input, 1 … L−1: hidden layers, L: output) in pixels.

    n units centred on x; unit u (0-based) spans y ∈ [top + u·pitch, top + u·pitch + cell]
    and x ∈ [x − side/2, x + side/2]. Unfolded, a node is a square (cell = side); folded,
    the column is one band ``side`` wide whose cells are the units (cell = pitch).
    """

    c: int
    n: int
    x: float
    top: float
    side: float
    cell: float
    pitch: float
    folded: bool

    @property
    def height(self) -> float:
        return (self.n - 1) * self.pitch + self.cell

    def centres(self) -> np.ndarray:
        """Return the y of each unit's centre, (n,)."""
        return self.top + np.arange(self.n) * self.pitch + self.cell / 2

    def node_rect(self, u: int) -> Rect:
        return self.x - self.side / 2, self.top + u * self.pitch, self.side, self.cell

    def rect(self) -> Rect:
        return self.x - self.side / 2, self.top, self.side, self.height

    def unit_at(self, x: float, y: float) -> int | None:
        """Return the 0-based unit whose node (or band cell) holds (x, y), or None."""
        if abs(x - self.x) > self.side / 2 or y < self.top:
            return None
        u = math.floor((y - self.top) / self.pitch)
        return u if u < self.n and y - self.top - u * self.pitch <= self.cell else None


@dataclass(frozen=True)
class Diagram:
    """Every column's place, the node side, the head's rows and the button size (pixels)."""

    columns: tuple[Column, ...]
    node: float
    slot: float            # the distance between two columns' centres
    button: float
    caption_y: float
    units_y: float         # the row of −/+ unit buttons
    layers_y: float        # the row of × and + layer buttons
    foot_y: float

    @property
    def folded(self) -> tuple[int, ...]:
        return tuple(col.c for col in self.columns if col.folded)

    def kept(self, l: int) -> int:
        """Return how many links per unit layer l keeps: 0 (all) between unfolded columns
        (TOP_K above FULL_LINKS weights), TOP_K next to a folded one, BAND_K between two."""
        a, b = self.columns[l - 1], self.columns[l]
        return (TOP_K * (a.n * b.n > FULL_LINKS), TOP_K, BAND_K)[a.folded + b.folded]

    def smooth(self) -> bool:
        """Return whether the links are few enough to antialias: at most SMOOTH_LINKS."""
        pairs = zip(self.columns, self.columns[1:])
        return sum(a.n * b.n if not (k := self.kept(b.c)) else min(a.n * b.n, k * (a.n + b.n))
                   for a, b in pairs) <= SMOOTH_LINKS


def node_step(resolution: int | None) -> tuple[int, float]:
    """Return (gap, step): the gap between two stacked maps of ``resolution`` pixels in
    whole map pixels (a column's maps make one image), and the node pitch in node sides,
    1 + gap / resolution. No maps (None): (0, 1 + GAP)."""
    if not resolution:
        return 0, 1.0 + GAP
    gap = max(1, round(GAP * resolution))
    return gap, 1.0 + gap / resolution


def plan_diagram(layer_dims: Sequence[int], width: float, height: float,
                 step: float = 1.0 + GAP) -> Diagram:
    """Return where every column of a network with ``layer_dims`` (n_x, n[1], …, n[L]) goes
    in a width × height canvas; nodes are ``step`` node sides apart within a column.

    One node side for every unfolded column: the largest that lets the tallest of them fit,
    at most NODE_SHARE of the column spacing and MAX_NODE. A column whose n nodes would not
    fit at MIN_NODE folds into a band; the others then share the room it left.
    """
    L = len(layer_dims) - 1
    slot = max(1.0, (width - 2 * MARGIN - LABEL_ROOM) / (L + 1))
    button = float(min(18, max(10, math.floor((slot - 4) / 2))))
    units_y = MARGIN + CAPTION_HEIGHT
    layers_y = units_y + button + 3
    head = layers_y + button + 6
    room = max(1.0, height - head - FOOT - MARGIN)

    def fit(n: int) -> float:
        return room / ((n - 1) * step + 1)

    folded = [fit(n) < MIN_NODE for n in layer_dims]
    node = max(2.0, min([NODE_SHARE * slot, MAX_NODE]
                        + [fit(n) for n, f in zip(layer_dims, folded) if not f]))
    band = min(BAND_MAX, max(BAND_MIN, BAND_SHARE * node))
    columns = []
    for c, (n, f) in enumerate(zip(layer_dims, folded)):
        x = MARGIN + LABEL_ROOM + slot * (c + 0.5)
        span = (n - 1) * node * step + node
        columns.append(Column(c, n, x, head, band, room / n, room / n, True) if f else
                       Column(c, n, x, head + (room - span) / 2, node, node, node * step,
                              False))
    return Diagram(tuple(columns), node, slot, button, MARGIN, units_y, layers_y,
                   height - FOOT - MARGIN + 3)


def stack_maps(maps: np.ndarray, gap: int, fill: float = np.nan) -> np.ndarray:
    """Return maps (n, r, r[, 4]) stacked into one image ((n·(r+gap) − gap), r[, 4]):
    unit 1 on top (row 0, as the screen's y points down), each map flipped so that its y
    (row k is the grid's ys[k], rising) points up, ``fill`` between them (NaN: clear)."""
    n, r = maps.shape[0], maps.shape[1]
    tiles = np.full((n, r + gap, *maps.shape[2:]), fill, dtype=maps.dtype)
    tiles[:, :r] = maps[:, ::-1]
    image = tiles.reshape(n * (r + gap), *maps.shape[2:])
    return image[: image.shape[0] - gap]


def strongest_links(W: np.ndarray, k: int = TOP_K) -> tuple[np.ndarray, np.ndarray]:
    """Return (rows i, columns j), sorted, of the links kept next to a folded column: each
    unit of layer l keeps its k largest |W[i, j]|, and each unit of layer l−1 its k largest
    too, so that every node keeps a link. W : (n[l], n[l-1])."""
    keep = np.zeros(W.shape, dtype=bool)
    if min(W.shape) <= k:
        keep[:] = True
        return np.nonzero(keep)
    n, m = W.shape            # exact ties (a zero W) go to the diagonal i/n ≈ j/m, not to unit 1
    diagonal = 1.0 - np.abs(np.arange(n)[:, None] / n - np.arange(m)[None, :] / m)
    magnitude = np.abs(W).astype(np.float32)           # k argmax passes: cheaper than a sort
    magnitude += diagonal.astype(np.float32) * (1e-5 * magnitude.max() or 1e-30)
    for M, kept in ((magnitude, keep), (np.ascontiguousarray(magnitude.T), keep.T)):
        rows = np.arange(M.shape[0])
        for _ in range(k):
            best = M.argmax(axis=1)
            kept[rows, best] = True
            M[rows, best] = -1.0
    return np.nonzero(keep)


def link_steps(values: np.ndarray, v: float) -> np.ndarray:
    """Return each weight's step −LINK_STEPS … LINK_STEPS on the scale (−v, v): its sign is
    the side of the diverging map, |step| the depth of colour and the width. 0: a zero
    weight (or one rounding to it), the neutral colour and thinnest link."""
    if not v > 0:
        return np.zeros(np.shape(values), dtype=int)
    return np.rint(np.clip(np.nan_to_num(values / v), -1.0, 1.0) * LINK_STEPS).astype(int)


def link_palette(rgb: np.ndarray, node: float, darken: float = 0.22
                 ) -> list[tuple[tuple[int, int, int], float]]:
    """Return (RGB, width) of each link step, −LINK_STEPS first, from the diverging map's
    colours at the steps, rgb (2·LINK_STEPS + 1, 3): the neutral middle made ``darken``
    darker (fading out to the ends) so that a zero weight still shows on white; widths from
    LINK_WIDTH_MIN at 0 to ⅛ of a node (2.5 … 6 pixels) at ±LINK_STEPS."""
    depth = np.abs(np.linspace(-1.0, 1.0, len(rgb)))
    widest = min(6.0, max(2.5, node / 8))
    return [(tuple(int(v) for v in np.round(color * (1 - darken * (1 - d)))),
             LINK_WIDTH_MIN + (widest - LINK_WIDTH_MIN) * d)
            for color, d in zip(np.asarray(rgb, float), depth)]


def segment_distances(x: float, y: float, segments: np.ndarray) -> np.ndarray:
    """Return the distance from (x, y) to each segment, (k,); segments : (k, 4) x0 y0 x1 y1."""
    p0, d = segments[:, :2], segments[:, 2:] - segments[:, :2]
    t = np.clip(((x - p0[:, 0]) * d[:, 0] + (y - p0[:, 1]) * d[:, 1])
                / np.maximum(np.sum(d * d, axis=1), 1e-12), 0.0, 1.0)
    return np.hypot(p0[:, 0] + t * d[:, 0] - x, p0[:, 1] + t * d[:, 1] - y)


@dataclass(frozen=True)
class LinkDrawing:
    """The k links of one layer as drawn: rows i and columns j of W (0-based), each one's
    step (``link_steps``) and segment (k, 4) x0 y0 x1 y1, from column l−1 to column l."""

    rows: np.ndarray
    cols: np.ndarray
    steps: np.ndarray
    segments: np.ndarray

    def looks_like(self, other: LinkDrawing) -> bool:
        """Return whether ``other`` draws the same links at the same steps and places."""
        return all(np.array_equal(getattr(self, name), getattr(other, name))
                   for name in ("rows", "cols", "steps", "segments"))

    def find(self, i: int, j: int) -> int | None:
        """Return the index of link W[i, j] (0-based) among those drawn, or None."""
        k = np.flatnonzero((self.rows == i) & (self.cols == j))
        return int(k[0]) if k.size else None


def link_drawing(W: np.ndarray, before: Column, after: Column, kept: int,
                 v: float) -> LinkDrawing:
    """Return the links of W (n[l], n[l-1]) from column ``before`` to ``after`` on the
    scale (−v, v): all of them (``kept`` 0), or the ``kept`` strongest per unit."""
    rows, cols = strongest_links(W, kept) if kept else np.indices(W.shape).reshape(2, -1)
    segments = np.column_stack([
        np.full(rows.shape, before.x + before.side / 2), before.centres()[cols],
        np.full(rows.shape, after.x - after.side / 2), after.centres()[rows]])
    return LinkDrawing(rows, cols, link_steps(W[rows, cols], v), segments)


def hit_test(diagram: Diagram, drawings: Sequence[LinkDrawing | None],
             widths: Sequence[float], x: float, y: float) -> tuple[str, int, int, int] | None:
    """Return ("node", c, u, 0) or ("link", l, i, j), 1-based, at pixel (x, y), or None.

    Nodes first (drawn over the links); then the nearest link of the layer whose
    ``drawings[l − 1]`` spans x, if within 4 pixels or its half width plus 2 (``widths``:
    the width of each step, −LINK_STEPS first)."""
    for col in diagram.columns:
        u = col.unit_at(x, y)
        if u is not None:
            return "node", col.c, u + 1, 0
    for l, d in enumerate(drawings, start=1):
        if d is None or not d.segments.size or not d.segments[0, 0] <= x <= d.segments[0, 2]:
            continue
        distance = segment_distances(x, y, d.segments)
        k = int(np.argmin(distance))
        if distance[k] <= max(4.0, widths[d.steps[k] + LINK_STEPS] / 2 + 2):
            return "link", l, int(d.rows[k]) + 1, int(d.cols[k]) + 1
    return None


def outline_rects(col: Column, group: np.ndarray) -> tuple[list[Rect], list[list[Rect]]]:
    """Return (frames, one list of rectangles per group of identical units): a node not
    in a group of two or more gets a plain frame; a band one frame round itself, and its
    grouped cells a line (a rectangle 0 wide) just right of it, so the band shows."""
    groups, right = groups_of(group), col.x + col.side / 2 + 3
    grouped = {u for members in groups for u in members}
    frames = [col.rect()] if col.folded else [col.node_rect(u) for u in range(col.n)
                                              if u + 1 not in grouped]
    return frames, [[(right, col.top + (u - 1) * col.pitch, 0.0, col.cell) if col.folded
                     else col.node_rect(u - 1) for u in members] for members in groups]


def curve_points(maps: np.ndarray, col: Column, levels: tuple[float, float]
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Return (x, y) of every node's curve (1-D data, maps (n, r)) across its node, scaled
    to ``levels`` bottom to top, a NaN between two curves."""
    (n, r), (lo, hi) = maps.shape, levels
    x = col.x - col.side / 2 + np.linspace(0.0, col.side, r)
    bottoms = col.top + np.arange(n) * col.pitch + col.cell
    y = bottoms[:, None] - np.clip((maps - lo) / (hi - lo), 0.0, 1.0) * col.cell
    breaks = np.full((n, 1), np.nan)
    return np.hstack([np.tile(x, (n, 1)), breaks]).ravel(), np.hstack([y, breaks]).ravel()


def band_values(maps: np.ndarray, every: int = 8) -> np.ndarray:
    """Return a folded layer's band (n, 1): each unit's mean activation over the grid,
    maps (n, r[, r]); every ``every``-th grid point is plenty for one colour."""
    axes = tuple(range(1, maps.ndim))
    sample = maps[(slice(None),) + (slice(None, None, every),) * len(axes)]
    return sample.mean(axis=axes)[:, None]


def input_maps(xs: np.ndarray, ys: np.ndarray | None,
               features: Sequence[str] = DEFAULT_FEATURES) -> np.ndarray:
    """Return what the input nodes show over the grid, (n_x, r[, r]): x₁ (and x₂), or on
    the plane each input feature the network sees (x₁², sin x₂, …), each scaled to
    max |value| = 1 (so x₁² beside sin x₁ shows as much contrast)."""
    if ys is None:
        maps = xs[None, :]
    else:
        x1, x2 = np.meshgrid(xs, ys)
        if not all(name in FEATURES for name in features):      # a CSV's own columns
            features = DEFAULT_FEATURES
        maps = np.stack([FEATURES[name].compute(x1, x2) for name in features])
    largest = np.max(np.abs(maps), axis=tuple(range(1, maps.ndim)), keepdims=True)
    return maps / np.where(largest > 0, largest, 1.0)


def button_place(diagram: Diagram, role: str, c: int) -> tuple[float, float]:
    """Return the centre x and top y of button ``role`` of column c: "fewer"/"more" side by
    side under the caption, "remove" (×) below them, "add" (+) half-way to column c + 1,
    "break" just under the column's last node."""
    col, half = diagram.columns[c], diagram.button / 2 + 1
    x = col.x + {"fewer": -half, "more": half, "add": diagram.slot / 2}.get(role, 0.0)
    return x, (diagram.units_y if role in ("fewer", "more") else
               min(col.top + col.height + 4, diagram.foot_y) if role == "break" else
               diagram.layers_y)


def input_names(feature_names: Sequence[str], n_x: int) -> list[str]:
    """Return the input nodes' names: the inputs' names (x₁², sin x₂, a CSV's columns),
    else x₁ … x_n."""
    def sub(k: int) -> str:
        return "x" + str(k).translate(str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉"))
    pretty = {f"x{k}": sub(k) for k in range(1, n_x + 1)}
    pretty.update({name: feature.label for name, feature in FEATURES.items()})
    if len(feature_names) == n_x:
        return [pretty.get(name, name) for name in feature_names]
    return [sub(k) for k in range(1, n_x + 1)]


def caption(c: int, arch: Architecture, wide: bool) -> str:
    """Return column c's two-line caption (HTML): "layer 2<br>8 tanh", or "2<br>8" when
    narrow; the input is layer 0, the output layer L."""
    if c in (0, arch.L):
        name = "input X" if c == 0 else arch.output
        return f"layer {c}<br>{name}" if wide else f"{c}<br>{'in' if c == 0 else 'out'}"
    n, activation = arch.layer_dims[c], arch.activations[c - 1]
    return f"layer {c}<br>{n} {activation}" if wide else f"{c}<br>{n}"


def unit_ranges(units: Sequence[int]) -> str:
    """Return 1-based unit numbers as ranges: [1, 2, 3, 4, 7] → "1–4, 7"."""
    runs: list[list[int]] = []
    for u in sorted(units):
        if runs and runs[-1][1] == u - 1:
            runs[-1][1] = u
        else:
            runs.append([u, u])
    return ", ".join(str(a) if a == b else f"{a}, {b}" if b == a + 1 else f"{a}–{b}"
                     for a, b in runs)


def groups_of(group: np.ndarray) -> list[list[int]]:
    """Return the 1-based members of each group of two or more units, in group order."""
    labels, counts = np.unique(group, return_counts=True)
    return [list(np.flatnonzero(group == g) + 1) for g in labels[counts >= 2]]


def group_text(group: np.ndarray,
               mark: Callable[[int, str], str] = lambda k, text: text) -> str | None:
    """Return "units 1–4 identical" (groups joined by "; "), or None if none;
    ``mark(k, text)`` dresses group k's part (the view colours it as its outline)."""
    groups = groups_of(group)
    return "; ".join(mark(k, f"units {unit_ranges(g)} identical")
                     for k, g in enumerate(groups)) if groups else None


def layer_runs(entries: Sequence[tuple[int, str | None]]) -> list[str]:
    """Return "layer l: text" for each (l, text) in layer order (None: nothing to say),
    consecutive layers saying the same as one line: "layers 1–10: text"."""
    lines, k = [], 0
    while k < len(entries):
        (first, text), last = entries[k], entries[k][0]
        while k + 1 < len(entries) and entries[k + 1] == (last + 1, text):
            k, last = k + 1, last + 1
        if text is not None:
            lines.append(f"layers {first}–{last}: {text}" if last > first else
                         f"layer {first}: {text}")
        k += 1
    return lines


def status_lines(snapshot: Snapshot, diagram: Diagram,
                 mark: Callable[[int, str], str] = lambda k, text: text) -> list[str]:
    """Return the status lines: the hidden layers' groups of identical units
    (``group_text``), the folded columns (layer 0 is the input) and the thinned links,
    and that there is no input plane to draw on."""
    arch, L = snapshot.arch, snapshot.arch.L
    folds = [(c, f"folded, {arch.layer_dims[c]} {'features' if c == 0 else 'units'} shown as "
                 "a band" + (" of their mean activation over the input plane" if 0 < c < L
                             else "") + "; links: the " + " or ".join(
                 str(k) for k in sorted({diagram.kept(l) for l in (c, c + 1) if 0 < l <= L}))
              + " strongest per unit") for c in diagram.folded]
    thinned = [(l, f"{arch.layer_dims[l]} × {arch.layer_dims[l - 1]} weights in W[l], the "
                   f"{diagram.kept(l)} strongest links per unit drawn") for l in range(1, L + 1)
               if diagram.kept(l) and not {l - 1, l} & set(diagram.folded)]
    lines = layer_runs([(l, group_text(stats.group, mark)) for l, stats in
                        enumerate(snapshot.unit_stats[: L - 1], start=1)])
    lines += layer_runs(folds) + layer_runs(thinned)
    if snapshot.grid is None:
        lines.append(f"no input plane to draw on: the data has {arch.n_x} features")
    return lines


def hover_text(hit: tuple[str, int, int, int] | None, snapshot: Snapshot,
               inputs: Sequence[str]) -> str | None:
    """Return the read-out for ``hit`` (from ``hit_test``), or None: a link's W[l][i, j] and
    what it connects; an input's name; a unit's b[l][i], and for a hidden unit the Z and A
    ranges on the training set, saturated or dead, and the units identical to it."""
    if not hit:
        return None
    (kind, c, u, j), arch, parameters = hit, snapshot.arch, snapshot.parameters
    L, unit_stats = arch.L, snapshot.unit_stats
    if kind == "link":
        source = inputs[j - 1] if c == 1 else f"layer {c - 1}, unit {j}"
        target = f"output unit {u}" if c == L else f"layer {c}, unit {u}"
        return (f"W[{c}][{u}, {j}] = {parameters[f'W{c}'][u - 1, j - 1]:.4g}   from "
                f"{source} to {target} (row {u}, column {j}, numbered from 1 as in the notes)")
    if c == 0:
        return f"{inputs[u - 1]}: input feature {u} (row {u} of A[0] = X)"
    name = arch.output if c == L else arch.activations[c - 1]
    head = (f"{'output unit' if c == L else f'layer {c}, unit'} {u} ({name}): "
            f"b[{c}][{u}] = {parameters[f'b{c}'][u - 1, 0]:.4g}")
    if c == L:
        return head + f" · it draws the decision boundary Ŷ = A[{L}] over the input plane"
    if len(unit_stats) < c:                     # a snapshot without unit stats
        return head
    stats, k = unit_stats[c - 1], u - 1
    parts = [head, "Z[{0}] ∈ [{1:.3g}, {2:.3g}], A[{0}] ∈ [{3:.3g}, {4:.3g}] on the training "
             "set".format(c, *stats.z_range[k], *stats.a_range[k])]
    parts += [text for flag, text in (
        (stats.saturated[k], "saturated: g′(Z) is nearly 0 on almost every example"),
        (stats.dead[k], "dead: Z ≤ 0 on every example, so it never learns")) if flag]
    twins = [t + 1 for t in np.flatnonzero(stats.group == stats.group[k]) if t != k]
    if twins:
        parts.append(f"identical to unit{'s' if len(twins) > 1 else ''} {unit_ranges(twins)}")
    return " · ".join(parts)
