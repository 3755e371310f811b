"""The arithmetic of the hidden-unit thumbnails: their size, their columns, their mosaic.

Pure functions (NumPy and ``math`` only) that ``units_view.UnitsView`` lays its thumbnails
out with: the largest size at which every layer's block fits the pane (``fit_thumbnails``),
how many fit side by side (``columns_fitting``), how coarsely a map may be sampled at that
size (``map_sample``), one image holding a layer's maps side by side (``mosaic``), and the
short texts drawn with them (``compact``, ``number_pixel_size``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

SMALLEST = 28              # thumbnail side in pixels: below this the pane scrolls instead
LARGEST = 160              # ... and never above this
LARGEST_SCROLLING = 96     # when the pane scrolls anyway, thumbnails stop growing here


def fit_thumbnails(counts: Sequence[int], width: float, height: float, step: float,
                   largest: float = LARGEST) -> tuple[int, int]:
    """Return (size, columns): the largest whole-pixel thumbnails that fit width × height.

    ``counts[k]`` thumbnails in block k; the blocks are stacked, and each block's
    thumbnails wrap onto ceil(count / columns) lines. The pitch is ``step`` × size (the
    rest is gap, and there is none after the last thumbnail). ``width`` × ``height`` is
    the room for the thumbnails alone: captions and margins are already taken off. Fewer
    columns win when they give thumbnails over 5 % larger (so near-ties stay on fewer
    lines), or as large on as many lines (8 units on two lines: 4 + 4, not 5 + 3).
    The size may be below any minimum (even ≤ 0): the caller decides what to do then.
    """
    best_size, best_columns, best_lines = -math.inf, 1, 0
    gap = step - 1.0
    for columns in range(max(counts), 0, -1):
        lines = sum(math.ceil(n / columns) for n in counts)
        size = min(width / (columns * step - gap),
                   height / (lines * step - gap * len(counts)),
                   largest)
        if (best_size <= 0 or size > best_size * 1.05
                or (lines == best_lines and size >= best_size)):
            best_size, best_columns, best_lines = size, columns, lines
    return math.floor(best_size + 1e-9), best_columns      # 99.99999… is 100


def columns_fitting(width: float, size: float, step: float) -> int:
    """Return how many thumbnails of ``size`` pixels fit side by side in ``width`` (≥ 1)."""
    return max(1, math.floor((width / size + step - 1.0) / step))


def compact(value: float) -> str:
    """Return ``value`` with two significant digits and a short exponent: 7.7e6, 0.83, 1e-5."""
    mantissa, e, exponent = f"{value:.2g}".partition("e")
    return mantissa + (f"e{int(exponent)}" if e else "")


def number_pixel_size(size: int) -> int:
    """Return the pixel size of the unit numbers on thumbnails of ``size`` pixels."""
    return 10 if size < 44 else 11 if size < 72 else 13


def map_sample(resolution: int, gap: int, pixels: float) -> int:
    """Return k such that every k-th pixel of an r × r map still fills a thumbnail ``pixels``
    device pixels wide: 4, 2 or 1, dividing both r and the gap so that the thumbnails keep
    their pitch. Smaller thumbnails then cost a quarter (or a sixteenth) of the pixels to
    colour and draw: with 8-8 units at 1280 × 800 the thumbnails are 50 pixels wide."""
    for k in (4, 2):
        if resolution % k == 0 and gap % k == 0 and resolution // k >= pixels:
            return k
    return 1


def mosaic(maps: np.ndarray, columns: int, gap: int) -> np.ndarray:
    """Return the maps (n, r, r) tiled ``columns`` to a line into one row-major image.

    Thumbnail u sits at line u // columns (line 0 on top: the image's last rows, since the
    block's y axis points up) and column u % columns; gaps and empty cells are NaN.
    """
    n, r = maps.shape[0], maps.shape[1]
    lines = math.ceil(n / columns)
    tiles = np.full((lines * columns, r + gap, r + gap), np.nan, dtype=maps.dtype)
    tiles[:n, :r, :r] = maps
    tiles = tiles.reshape(lines, columns, r + gap, r + gap)[::-1]     # line 0 on top
    image = tiles.transpose(0, 2, 1, 3).reshape(lines * (r + gap), columns * (r + gap))
    return image[: image.shape[0] - gap, : image.shape[1] - gap]
