"""tanh of a float64 or float32 array, in place, from a table and a short polynomial.

Why: on CPUs whose vector unit NumPy's own ``np.tanh`` does not use, it evaluates tanh one
value at a time, while whole-array passes of + − × ÷ are cheap. There, tanh written as
sixteen NumPy calls (fourteen in float32) beats it once there are enough values to pay
for the calls; on others (a wide vector unit that ``np.tanh`` uses well) it loses. Which
one a machine gets, and from what size, is decided by measuring on it (``calibrate.py``);
``kernels.tanh_into`` asks.

How: split x = a + d, with a = k/H the nearest point of a grid of step 1/H and
|d| ≤ 1/2H. Then

    tanh(x) = (tanh a + tanh d) / (1 + tanh a · tanh d)

with tanh a read from a table (a ∈ [−R, R]; |x| ≥ 19.1 rounds to ±1 in float64) and
tanh d = d − d³/3 + 2d⁵/15 (for H = 128 the next term, 17d⁷/315, is below 2·10⁻¹⁶·|d|);
in float32, d − d³/3 is already exact to its precision. When a ≠ 0, |tanh a| > |tanh d|,
so the sum never cancels; when a = 0 the result is tanh d itself. Within 4 ulp of
``math.tanh`` (tests check 1e-15 relative in float64, 1e-6 in float32), exactly odd,
NaN stays NaN and ±inf gives ±1.

A finer grid would need fewer terms (at H = 4096, d − d³/3 is enough in float64 too), but
its table would be 1.3 MB instead of 40 KB, and inside a training step, where the matrix
products have just filled the caches, the lookups then miss.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from playground.core.fast.calls import constant

# np.clip and ndarray.clip both pass through a Python function before the clip ufunc
# they call; the table calls the ufunc itself where NumPy has one where it is expected.
try:
    from numpy._core.umath import clip as CLIP  # NumPy 2
except ImportError:                                             # pragma: no cover
    try:
        from numpy.core.umath import clip as CLIP  # NumPy 1.x
    except ImportError:
        CLIP = None

H = 128                          # grid points per unit of x
R = 20                           # the table covers a ∈ [−R, R]
K = H * R                        # grid index k ∈ [−K, K]
SCRATCH_FLOATS = 3               # float arrays of x's shape that ``tanh_into`` needs
DTYPES = (np.dtype(np.float64), np.dtype(np.float32))
D3, D5 = -1 / 3, 2 / 15          # tanh d = d + d³·(D3 + d²·D5)


def _odd_table() -> np.ndarray:
    """Return tanh(k/H) for k = −K..K, made exactly odd (entry −k = −entry k)."""
    t = np.tanh(np.arange(-K, K + 1) / H)
    return (t - t[::-1]) / 2


TABLE = _odd_table()


@dataclass(frozen=True)
class _Format:
    """The table path's constants in one float format (0-d arrays, ``calls.constant``).

    ROUNDER = 1.5·2^(p−1)/H, p the format's significand bits, has ulp 1/H: for |x| ≤ R,
    x + ROUNDER rounds x to the grid (ties to even, as np.rint does) and keeps k = H·a in
    the low bits, so read as an integer of the same width the sum is ROUNDER's bits + k.
    So a is one subtraction away and the table index k + K another, with no
    multiplication and no float-to-int conversion (which alone costs more than the rest
    of the lookup).
    """

    table: np.ndarray
    bits: type                   # the integer type of the float's width
    rounder: np.ndarray
    index_offset: np.ndarray     # ROUNDER's bits − K, as int64 (the index array's type)
    r: np.ndarray
    minus_r: np.ndarray
    d3: np.ndarray
    d5: np.ndarray | None        # None: d − d³/3 is exact enough (float32)
    one: np.ndarray

    @classmethod
    def of(cls, dtype: type, bits: type, significand: int, fifth_power: bool) -> _Format:
        rounder = dtype(1.5 * 2.0 ** (significand - 1) / H)
        rounder_bits = int(np.array(rounder, dtype=dtype).view(bits))
        return cls(table=TABLE.astype(dtype), bits=bits, rounder=constant(rounder, dtype),
                   index_offset=constant(rounder_bits - K, np.int64),
                   r=constant(R, dtype), minus_r=constant(-R, dtype),
                   d3=constant(D3, dtype), d5=constant(D5, dtype) if fifth_power else None,
                   one=constant(1.0, dtype))


FORMATS = {np.dtype(np.float64): _Format.of(np.float64, np.int64, 53, True),
           np.dtype(np.float32): _Format.of(np.float32, np.int32, 24, False)}


def tanh_into(call, x: np.ndarray, out: np.ndarray, floats: tuple[np.ndarray, ...],
              index: np.ndarray) -> None:
    """Write tanh(x) into ``out`` through ``call`` (``core/calls``), for float64 or float32 x.

    ``floats``: SCRATCH_FLOATS scratch arrays of x's dtype; ``index``: an int64 scratch
    array; all contiguous and of x's shape.
    """
    f = FORMATS[x.dtype]
    s, v, ta = floats
    if CLIP is not None:                      # beyond ±R (and at ±inf) tanh is ±1
        call(CLIP, x, f.minus_r, f.r, s)
    else:                                     # pragma: no cover
        call(x.clip, f.minus_r, f.r, s)
    call(np.add, s, f.rounder, v)             # ROUNDER + a
    call(np.subtract, v.view(f.bits), f.index_offset, index)        # k + K
    call(f.table.take, index, None, ta, "clip")     # tanh a (for NaN: any entry)
    call(np.subtract, v, f.rounder, v)        # a
    call(np.subtract, s, v, s)                # d, exactly
    call(np.multiply, s, s, v)                # d²
    if f.d5 is None:
        call(np.multiply, v, f.d3, out)
    else:
        call(np.multiply, v, f.d5, out)
        call(np.add, out, f.d3, out)
        call(np.multiply, out, v, out)
    call(np.multiply, out, s, out)
    call(np.add, out, s, out)                 # tanh d
    call(np.multiply, ta, out, v)
    call(np.add, v, f.one, v)                 # 1 + tanh a · tanh d
    call(np.add, out, ta, out)
    call(np.divide, out, v, out)


def tanh_in_passes(call, x: np.ndarray, out: np.ndarray, block: int,
                   floats: tuple[np.ndarray, ...], index: np.ndarray) -> None:
    """``tanh_into`` over 1-D contiguous x in passes of ``block`` values (each pass's
    scratch stays in the cache); ``floats`` and ``index``: 1-D, min(block, x.size) long
    or longer."""
    for start in range(0, x.size, block):
        k = min(block, x.size - start)
        tanh_into(call, x[start:start + k], out[start:start + k],
                  tuple(f[:k] for f in floats), index[:k])
