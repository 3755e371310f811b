"""tanh of a float64 array, in place, from a table and a short polynomial.

Why: NumPy's float64 ``np.tanh`` is a vector kernel that looks up, for every value, a
degree-16 polynomial in a 16-interval table; on this AVX2 machine it costs ~14 ns a
value (float32's costs 2.6), more than half of a training step on a 2-64-64-1 net.
Whole-array passes of + − × ÷ cost ~0.3 ns a value, so tanh written as seventeen
NumPy calls is faster once there are enough values to pay for the calls: measured,
1.6× at 8 × 400 values and 2.6× at 64 × 400.

How: split x = a + d, with a = k/H the nearest point of a grid of step 1/H and
|d| ≤ 1/2H. Then

    tanh(x) = (tanh a + tanh d) / (1 + tanh a · tanh d)

with tanh a read from a table (a ∈ [−R, R]; |x| ≥ 19.1 rounds to ±1 in float64) and
tanh d = d − d³/3 + 2d⁵/15 (for H = 128 the next term, 17d⁷/315, is below 2·10⁻¹⁶·|d|).
When a ≠ 0, |tanh a| > |tanh d|, so the sum never cancels; when a = 0 the result is
tanh d itself. Within 4 ulp of ``np.tanh`` (tests check 1e-15 relative), exactly odd,
NaN stays NaN and ±inf gives ±1.

Below ``TABLE_MIN_SIZE`` values the seventeen calls cost more than ``np.tanh``, which the
caller (``activations.tanh_into``) then uses instead; ``uses_table`` says which.
"""

from __future__ import annotations

import numpy as np

H = 128                          # grid points per unit of x
R = 20                           # the table covers a ∈ [−R, R]
K = H * R                        # grid index k ∈ [−K, K]
TABLE_MIN_SIZE = 2048
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


def tanh_into(x: np.ndarray, out: np.ndarray, floats: tuple[np.ndarray, ...],
              index: np.ndarray) -> None:
    """Write tanh(x) into ``out``, for x that ``uses_table``. ``floats``: SCRATCH_FLOATS
    float64 scratch arrays; ``index``: an int64 scratch array; all contiguous and of x's
    shape."""
    s, v, ta = floats
    np.minimum(x, R, out=s)                    # beyond ±R (and at ±inf) tanh is ±1
    np.maximum(s, -R, out=s)
    np.add(s, ROUNDER, out=v)                  # ROUNDER + a
    np.subtract(v.view(np.int64), ROUNDER_BITS - K, out=index)     # k + K
    TABLE.take(index, out=ta, mode="clip")     # tanh a (for NaN: any entry)
    np.subtract(v, ROUNDER, out=v)             # a
    np.subtract(s, v, out=s)                   # d, exactly
    np.multiply(s, s, out=v)                   # d²
    np.multiply(v, D5, out=out)
    np.add(out, D3, out=out)
    np.multiply(out, v, out=out)
    np.multiply(out, s, out=out)
    np.add(out, s, out=out)                    # tanh d
    np.multiply(ta, out, out=v)
    np.add(v, 1.0, out=v)                      # 1 + tanh a · tanh d
    np.add(out, ta, out=out)
    np.divide(out, v, out=out)
