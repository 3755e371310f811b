"""Colours for every view, in one place: colour maps, the class palette and colour levels.

Policy
------
- Signed values (weights, biases, tanh/linear/leaky-ReLU activations) use the diverging
  map ``CET-D1`` (blue — near-white — red) with **fixed symmetric levels** (−v, v), so zero
  is always the neutral middle colour and an all-zero matrix looks like zero.
- Backgrounds under data points (the boundary's probabilities over (0, 1), a hidden
  unit's map) use the same map lightened, so the points stand out on it: P = 0.5 is the
  neutral middle, class 0 is blue and class 1 red — the two ends of the map are the
  lightened class colours ``class_color(0)`` and ``class_color(1)``.
- Regression values use ``viridis`` (sequential) over the data's y range.
- More than two classes: ``CLASS_COLORS`` (10 colours, then it repeats), starting with the
  blue and red of the binary case.
"""

from __future__ import annotations

import math
from functools import cache

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QGraphicsItem

DIVERGING_MAP = "CET-D1"
VALUE_MAP = "viridis"

#: How much of the colour the boundary background keeps (the rest is white).
BACKGROUND_STRENGTH = 0.65

#: Text, axes and outlines on the white plot background.
FOREGROUND = "#303030"
BACKGROUND = "w"
OUTLINE = "#202020"

#: Class colours as RGB bytes: the ends of CET-D1 for classes 0 and 1, then tab10-like hues.
CLASS_COLORS: tuple[tuple[int, int, int], ...] = (
    (33, 81, 219),     # 0 blue   (CET-D1 at 0)
    (192, 2, 6),       # 1 red    (CET-D1 at 1)
    (44, 160, 44),     # 2 green
    (148, 103, 189),   # 3 purple
    (255, 127, 14),    # 4 orange
    (140, 86, 75),     # 5 brown
    (227, 119, 194),   # 6 pink
    (23, 190, 207),    # 7 cyan
    (188, 189, 34),    # 8 olive
    (127, 127, 127),   # 9 grey
)


@cache
def diverging_map() -> pg.ColorMap:
    """Return the diverging map for signed values: blue (−) — near-white (0) — red (+)."""
    return pg.colormap.get(DIVERGING_MAP)


@cache
def light_diverging_map() -> pg.ColorMap:
    """Return the diverging map lightened towards white, for backgrounds under data points."""
    positions = np.linspace(0.0, 1.0, 33)
    rgb = diverging_map().map(positions, mode="byte")[:, :3].astype(float)
    light = 255 - (255 - rgb) * BACKGROUND_STRENGTH
    return pg.ColorMap(positions, np.round(light).astype(np.ubyte), name="light CET-D1")


@cache
def value_map() -> pg.ColorMap:
    """Return the sequential map for regression values."""
    return pg.colormap.get(VALUE_MAP)


def class_rgb(k: int) -> tuple[int, int, int]:
    """Return the RGB bytes of class ``k`` (0-based); the palette repeats after 10."""
    return CLASS_COLORS[k % len(CLASS_COLORS)]


def class_color(k: int) -> QColor:
    """Return the QColor of class ``k`` (0-based)."""
    return QColor(*class_rgb(k))


def max_abs(values: np.ndarray | list[np.ndarray]) -> float:
    """Return max |value| over the finite entries (0.0 when there are none)."""
    arrays = values if isinstance(values, list) else [values]
    best = 0.0
    for a in arrays:
        a = np.asarray(a, dtype=float)
        finite = a[np.isfinite(a)]
        if finite.size:
            best = max(best, float(np.max(np.abs(finite))))
    return best


#: The range of |level| a colour scale keeps to. Just before a divergence is caught,
#: values can be finite but near float64's limits, either way: a nice number above 1e308
#: is inf, and 255 / (2·1e-310) overflows pyqtgraph's scale. Values beyond are shown at
#: the scale's end.
LEVEL_RANGE = (1e-300, 1e300)

#: The largest |level| at which a float32 image is rescaled in float32 (value − level
#: must stay finite); beyond it ``drawable`` works in float64.
FLOAT32_LEVELS = 1e37


def within_level_range(v: float) -> float:
    """Return ``v`` (> 0) moved into LEVEL_RANGE."""
    return min(max(v, LEVEL_RANGE[0]), LEVEL_RANGE[1])


def symmetric_levels(values: np.ndarray | list[np.ndarray]) -> tuple[float, float]:
    """Return (−v, v) with v = max |values|; (−1, 1) when every value is 0 (or none is finite).

    Symmetric levels put 0 on the neutral middle colour of the diverging map.
    """
    v = max_abs(values)
    if v == 0.0 or not math.isfinite(v):
        v = 1.0
    v = within_level_range(v)
    return -v, v


def activation_levels(activation: str, values: np.ndarray | list[np.ndarray]
                      ) -> tuple[float, float]:
    """Return fixed levels for activations ``values`` of a layer with ``activation``.

    sigmoid → (0, 1); tanh → (−1, 1); relu, leaky_relu, linear → ``symmetric_levels``.
    """
    if activation == "sigmoid":
        return 0.0, 1.0
    if activation == "tanh":
        return -1.0, 1.0
    return symmetric_levels(values)


def layer_levels(activation: str, values: np.ndarray, steady: SteadyLevels
                 ) -> tuple[float, float]:
    """Return the levels of a layer's activation maps: sigmoid's and tanh's fixed range,
    else ``steady``'s levels after ``values`` (a range that grows at once, shrinks slowly)."""
    if activation in ("sigmoid", "tanh"):
        return activation_levels(activation, values)
    return steady.update(values)


#: Mantissas of the "nice" numbers a colour scale or an axis end moves between.
NICE_STEPS = (1.0, 1.2, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0)


def value_levels(train_Y: np.ndarray, test_Y: np.ndarray | None = None) -> tuple[float, float]:
    """Return (min, max) of a regression's targets, train and test: the levels of ŷ over
    the plane (widened by ½ each way when every target is the same)."""
    y = train_Y.ravel() if test_Y is None else np.concatenate([train_Y.ravel(),
                                                                test_Y.ravel()])
    lo, hi = float(np.min(y)), float(np.max(y))
    return (lo, hi) if hi - lo >= 1e-12 else (lo - 0.5, hi + 0.5)


def nice_ceiling(v: float) -> float:
    """Return the smallest s·10^k ≥ v with s in NICE_STEPS (v > 0 and finite; else v)."""
    if not (v > 0 and math.isfinite(v)):
        return v
    scale = 10.0 ** math.floor(math.log10(v))
    mantissa = v / scale
    step = next(s for s in NICE_STEPS if s >= mantissa * (1 - 1e-12))
    return step * scale


def nice_floor(v: float) -> float:
    """Return the largest s·10^k ≤ v with s in NICE_STEPS (v > 0 and finite; else v)."""
    if not (v > 0 and math.isfinite(v)):
        return v
    scale = 10.0 ** math.floor(math.log10(v))
    mantissa = v / scale
    step = next(s for s in reversed(NICE_STEPS) if s <= mantissa * (1 + 1e-12))
    return step * scale


class SteadyLevels:
    """Symmetric levels that grow at once and shrink slowly, so colours do not jump.

    ``update(values)`` returns (−v, v) with v the ``nice_ceiling`` of
    max(max |values|, decay · previous): a new extreme is shown immediately, while after
    the values shrink the scale follows at ``decay`` per update (0.98: half-way in about
    35 updates). Rounding to nice numbers keeps the colour bar's
    axis still between steps (redrawing it every frame would cost more than the maps).
    All-zero values give (−1, 1) and forget the history, so the first non-zero values
    after them get their own scale straight away.
    v stays within LEVEL_RANGE, so the levels are finite and far enough apart to divide by.
    """

    def __init__(self, decay: float = 0.98) -> None:
        if not 0.0 < decay <= 1.0:
            raise ValueError(f"decay must be in (0, 1], got {decay!r}")
        self.decay = decay
        self._v: float | None = None

    def reset(self) -> None:
        """Forget the history (a new run)."""
        self._v = None

    def update(self, values: np.ndarray | list[np.ndarray]) -> tuple[float, float]:
        """Return the new symmetric levels (−v, v) after seeing ``values``."""
        v = max_abs(values)
        if v == 0.0:
            self._v = None
            return -1.0, 1.0
        v = within_level_range(v)
        self._v = v if self._v is None else max(v, self.decay * self._v)
        nice = within_level_range(nice_ceiling(self._v))
        return -nice, nice


def class_shading(probabilities: np.ndarray, discretize: bool = False) -> np.ndarray:
    """Return an RGBA image (r, r, 4) uint8: argmax class colours shaded by confidence.

    ``probabilities`` : (k, r, r), one map per class (softmax outputs). A pixel whose
    top probability is 1/k (no preference) is white, a certain one has the class colour at
    ``BACKGROUND_STRENGTH``; with ``discretize`` every pixel gets the full shade.
    """
    k = probabilities.shape[0]
    winner = np.argmax(probabilities, axis=0)
    palette = np.array([class_rgb(j) for j in range(k)], dtype=float)
    if discretize:
        strength = np.full(winner.shape, BACKGROUND_STRENGTH)
    else:
        confidence = np.nan_to_num(np.max(probabilities, axis=0), nan=1.0 / k)
        t = np.clip((confidence - 1.0 / k) / (1.0 - 1.0 / k), 0.0, 1.0)
        strength = BACKGROUND_STRENGTH * t
    rgb = 255.0 - (255.0 - palette[winner]) * strength[..., None]
    rgba = np.empty((*winner.shape, 4), dtype=np.ubyte)
    rgba[..., :3] = np.round(rgb)
    rgba[..., 3] = 255
    return rgba


# Colour maps are drawn with 256 colours, each 1/256 of the levels' span. An image none of
# whose values moved by half of that since it was drawn looks the same (a pixel at most
# one colour step off), so it is not drawn again; most frames of a converging run.
UNSEEN_CHANGE = 1 / 512


def drawable(image: np.ndarray, levels: tuple[float, float]) -> np.ndarray:
    """Return a float ``image`` clipped to ``levels`` (NaN stays NaN, for gaps); any other
    image as it is.

    It looks the same: pyqtgraph clips to the levels too, but only after rescaling
    (value − lo)·255/(hi − lo) in the image's own float type, which overflows for a value
    far outside them (a float32 map of a run about to diverge). Levels too large for
    float32 get a float64 image.
    """
    if image.dtype.kind != "f":
        return image
    lo, hi = levels
    if image.dtype == np.float32 and max(abs(lo), abs(hi)) <= FLOAT32_LEVELS:
        return np.clip(image, np.float32(lo), np.float32(hi))
    return np.clip(image.astype(np.float64, copy=False), lo, hi)


def show_image(item: pg.ImageItem, image: np.ndarray, levels: tuple[float, float],
               **options) -> None:
    """``item.setImage(image)`` at ``levels`` (and ``options``), unless ``item`` shows an
    image of the same shape at the same levels that ``image`` would look the same as:
    no value further from it than UNSEEN_CHANGE of the span. NaN anywhere: drawn again.
    The image is ``drawable`` first."""
    image = drawable(image, levels)
    shown, lo, hi = item.image, *levels
    if shown is not None and shown.shape == image.shape and np.array_equal(item.getLevels(),
                                                                            levels):
        with np.errstate(invalid="ignore", over="ignore"):    # inf − inf: NaN, so redraw
            moved = np.max(np.abs(image - shown), initial=0.0)
        if moved < (hi - lo) * UNSEEN_CHANGE:
            return
    item.setImage(image, autoLevels=False, levels=levels, **options)


def set_levels(color_bar: pg.ColorBarItem, levels: tuple[float, float]) -> None:
    """Give ``color_bar`` (and its images) ``levels`` if they differ: setting them always
    redraws the bar's axis, even to the same values."""
    if tuple(levels) != tuple(color_bar.levels()):
        color_bar.setLevels(levels)


def style_plot(plot: pg.PlotItem) -> None:
    """Give ``plot``'s axes dark text and lines on the white background, and plain numbers.

    Axes show values as they are: no SI prefix like "(x0.001)" moved into the label.
    """
    for name in ("left", "bottom", "right", "top"):
        axis = plot.getAxis(name)
        axis.setPen(pg.mkPen(FOREGROUND))
        axis.setTextPen(pg.mkPen(FOREGROUND))
        axis.enableAutoSIPrefix(False)
        cache_item(axis)
        cache_item(axis.label)
    if hasattr(plot, "titleLabel"):
        cache_item(plot.titleLabel)


def cache_item(item: QGraphicsItem) -> None:
    """Keep ``item`` painted in a pixmap: when a live image or curve next to it changes,
    Qt copies the pixmap instead of calling the item's (Python) paint again."""
    item.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)


#: Items that change rarely (titles, labels, legends, axes, fixed data points).
STATIC_ITEMS = (pg.AxisItem, pg.LabelItem, pg.LegendItem, pg.ScatterPlotItem, pg.TextItem)


def cache_static_items(scene) -> None:
    """``cache_item`` every item of ``scene`` that is one of STATIC_ITEMS (and its text).

    Call after building a view: a frame then repaints only what changed.
    """
    for item in scene.items():
        if isinstance(item, STATIC_ITEMS):
            cache_item(item)
            for child in item.childItems():
                cache_item(child)
