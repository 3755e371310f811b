"""tanh of a float64 array, in place, from a table and a short polynomial.

Why: NumPy's float64 ``np.tanh`` evaluates a long polynomial per value, while whole-array
passes of + − × ÷ are cheap. On some CPUs tanh written as sixteen NumPy calls beats it once
there are enough values to pay for the calls; on others (a wide vector unit that NumPy's
own tanh uses well) it loses. Which one this machine gets is decided by measuring
(``kernels.tanh_into`` asks ``uses_table``); the figures are in ``docs/performance.md``.

How: split x = a + d, with a = k/H the nearest point of a grid of step 1/H and
|d| ≤ 1/2H. Then

    tanh(x) = (tanh a + tanh d) / (1 + tanh a · tanh d)

with tanh a read from a table (a ∈ [−R, R]; |x| ≥ 19.1 rounds to ±1 in float64) and
tanh d = d − d³/3 + 2d⁵/15 (for H = 128 the next term, 17d⁷/315, is below 2·10⁻¹⁶·|d|).
When a ≠ 0, |tanh a| > |tanh d|, so the sum never cancels; when a = 0 the result is
tanh d itself. Within 4 ulp of ``math.tanh`` (tests check 1e-15 relative), exactly odd,
NaN stays NaN and ±inf gives ±1.

A finer grid would need fewer terms (at H = 4096, d − d³/3 is enough), but its table
would be 1.3 MB instead of 40 KB, and inside a training step, where the matrix products
have just filled the caches, the lookups then miss: the step was slower.
"""

from __future__ import annotations

import numpy as np

from playground.core.fast.calls import constant

H = 128                          # grid points per unit of x
R = 20                           # the table covers a ∈ [−R, R]
K = H * R                        # grid index k ∈ [−K, K]
TABLE_MIN_SIZE = 1024             # below this many values the calls cost more than np.tanh
SCRATCH_FLOATS = 3               # float arrays of x's shape that ``tanh_into`` needs

# ROUNDER = 1.5·2⁴⁵ has ulp 2⁻⁷ = 1/H, so for |x| ≤ R, x + ROUNDER rounds x to the grid
# (ties to even, as np.rint does) and keeps k = H·a in the low bits: read as an int64,
# the sum is ROUNDER_BITS + k. So a is one subtraction away and the table index k + K
# another, with no multiplication and no float-to-int conversion (which alone costs
# more than the rest of the lookup).
ROUNDER = 1.5 * 2.0**52 / H
ROUNDER_BITS = int(np.array(ROUNDER).view(np.int64))
D3, D5 = -1 / 3, 2 / 15          # tanh d = d + d³·(D3 + d²·D5)


def _odd_table() -> np.ndarray:
    """Return tanh(k/H) for k = −K..K, made exactly odd (entry −k = −entry k)."""
    t = np.tanh(np.arange(-K, K + 1) / H)
    return (t - t[::-1]) / 2


TABLE = _odd_table()


def uses_table(x: np.ndarray) -> bool:
    """Return True if tanh(x) is worth computing from the table (else: np.tanh)."""
    return x.size >= TABLE_MIN_SIZE and x.dtype == np.float64


def tanh_into(call, x: np.ndarray, out: np.ndarray, floats: tuple[np.ndarray, ...],
              index: np.ndarray) -> None:
    """Write tanh(x) into ``out``, for x that ``uses_table``, through ``call`` (``core/calls``).
    ``floats``: SCRATCH_FLOATS float64 scratch arrays; ``index``: an int64 scratch array;
    all contiguous and of x's shape."""
    s, v, ta = floats
    call(x.clip, _MINUS_R, _R, s)             # beyond ±R (and at ±inf) tanh is ±1
                                              # (the method skips np.clip's wrapper)
    call(np.add, s, _ROUNDER, v)              # ROUNDER + a
    call(np.subtract, v.view(np.int64), _INDEX_OFFSET, index)        # k + K
    call(TABLE.take, index, None, ta, "clip")     # tanh a (for NaN: any entry)
    call(np.subtract, v, _ROUNDER, v)         # a
    call(np.subtract, s, v, s)                # d, exactly
    call(np.multiply, s, s, v)                # d²
    call(np.multiply, v, _D5, out)
    call(np.add, out, _D3, out)
    call(np.multiply, out, v, out)
    call(np.multiply, out, s, out)
    call(np.add, out, s, out)                 # tanh d
    call(np.multiply, ta, out, v)
    call(np.add, v, _ONE, v)                  # 1 + tanh a · tanh d
    call(np.add, out, ta, out)
    call(np.divide, out, v, out)


# The constants above as 0-d arrays (``calls.constant``): float64, as the table path is.
_R, _MINUS_R, _ROUNDER, _D3, _D5, _ONE = (
    constant(value, np.float64) for value in (R, -R, ROUNDER, D3, D5, 1.0))
_INDEX_OFFSET = constant(ROUNDER_BITS - K, np.int64)
