"""The input plane on which the app draws decision boundaries and unit maps.

For 2-D data a ``resolution × resolution`` grid covering the data with a margin; for
1-D data (regression curves) a line of ``resolution`` points. Grid points are columns,
like every other X: points : (n_x, resolution²) or (1, resolution).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from playground.core.fast.calls import now
from playground.core.fast.kernels import ACTIVATION_KERNELS, OUTPUT_KERNELS
from playground.core.features import Inputs
from playground.core.network import Architecture, Parameters


@dataclass(frozen=True)
class Grid:
    """Grid coordinates: ``xs`` (r,), ``ys`` (r,) or None for 1-D, ``points`` (n_x, r²|r)."""

    xs: np.ndarray
    ys: np.ndarray | None
    points: np.ndarray

    @property
    def resolution(self) -> int:
        return self.xs.shape[0]

    @property
    def extent(self) -> tuple[float, float, float, float]:
        """Return (x_min, x_max, y_min, y_max); y range is (0, 0) for 1-D grids."""
        ys = self.ys if self.ys is not None else np.zeros(1)
        return float(self.xs[0]), float(self.xs[-1]), float(ys[0]), float(ys[-1])


def make_grid(X: np.ndarray, resolution: int = 100, margin: float = 0.1,
              aspect: float | None = None) -> Grid | None:
    """Return a grid over the range of X (n_x, m) widened by ``margin``; None if n_x > 2.

    ``aspect`` (2-D only): the width / height of the plot it fills. The shorter side is
    widened about its centre until x span / y span = aspect, so a plot with equal scales
    on both axes is shaded to its edges. Still resolution × resolution points.
    """
    n_x = X.shape[0]
    if n_x > 2 or X.shape[1] == 0:
        return None
    lows, highs = X.min(axis=1), X.max(axis=1)
    pad = np.maximum((highs - lows) * margin, 0.5)
    lows, highs = lows - pad, highs + pad
    if n_x == 2 and aspect is not None:
        spans = highs - lows
        wanted = np.maximum(spans, [spans[1] * aspect, spans[0] / aspect])
        centres = (lows + highs) / 2
        lows, highs = centres - wanted / 2, centres + wanted / 2
    axes = [np.linspace(lo, hi, resolution) for lo, hi in zip(lows, highs)]
    if n_x == 1:
        return Grid(axes[0], None, axes[0][None, :])
    # Row r of the image is ys[r]; column c is xs[c]: points are laid out row by row.
    gx, gy = np.meshgrid(axes[0], axes[1])
    return Grid(axes[0], axes[1], np.vstack([gx.ravel(), gy.ravel()]))


def grid_activations(grid: Grid, parameters: Parameters, arch: Architecture,
                     dtype: type = np.float64, inputs: Inputs | None = None
                     ) -> list[np.ndarray]:
    """Return A[l] over the grid for l = 1..L, each (n[l], r, r) for 2-D or (n[l], r) for 1-D.

    The grid is the raw input plane; ``inputs`` (features, normalisation) turns its
    points into what the network sees first, so maps stay drawn over (x1, x2).

    ``dtype`` np.float32 computes in single precision: plenty for pictures, and NumPy's
    float32 tanh and exp are faster than float64's. The forward pass is
    ``network.forward``'s, computed in place (``core/fast/kernels.py``): with 10⁴ points a
    layer's arrays are megabytes, and every new one costs page faults.
    """
    points = grid.points if inputs is None else inputs.transform(grid.points)
    A = points.astype(dtype, copy=False)
    maps = []
    for l in range(1, arch.L + 1):
        Z = parameters[f"W{l}"].astype(dtype, copy=False) @ A
        Z += parameters[f"b{l}"].astype(dtype, copy=False)
        A = np.empty_like(Z)
        if l == arch.L:
            OUTPUT_KERNELS[(arch.output, arch.loss)].activate_into(now, Z, A)
        else:
            ACTIVATION_KERNELS[arch.activations[l - 1]].forward_into(now, Z, A)
        maps.append(A)
    r = grid.resolution
    shape = (r, r) if grid.ys is not None else (r,)
    return [A.reshape((A.shape[0], *shape)) for A in maps]
