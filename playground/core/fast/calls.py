"""NumPy calls written once, then either made at once or recorded and replayed.

A training step of a playground-sized network is a few dozen NumPy calls on arrays that
never change (``engine.py``), and for small arrays most of what a call costs is Python's
share, not arithmetic: converting a Python float to an array on every call, keyword
arguments, and every Python function between the engine and NumPy.

So the in-place formulas (``kernels.py``, ``tanh_table.py``) take a ``call`` argument and
write each operation as ``call(np.multiply, A, A, s)``. With ``now`` they compute at
once. With a ``Calls`` list they record the operation, arrays bound, and ``Calls.run``
replays the whole list with nothing but a loop in between: the same numbers bit for bit.
Constants are read-only 0-d arrays made once (``constant``), and ``out`` is passed
positionally. The arrays a recording binds must outlive it and be written into, never
replaced. Matrix products are ``call(DOT, A, B, out)``. (Measured effect:
``docs/performance.md``.)
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import numpy as np


def now(function: Callable, *args, **kwargs) -> None:
    """Make the call at once: ``call`` for formulas computed a single time."""
    function(*args, **kwargs)


class Calls(list):
    """Calls recorded with their arguments bound; ``run()`` makes them all, in order."""

    def __call__(self, function: Callable, *args, **kwargs) -> None:
        self.append(functools.partial(function, *args, **kwargs))

    def run(self) -> None:
        for call in self:
            call()


@functools.cache
def _constant(value: float, dtype: np.dtype) -> np.ndarray:
    array = np.array(value, dtype=dtype)
    array.flags.writeable = False
    return array


def constant(value: float, like: np.ndarray | type) -> np.ndarray:
    """Return ``value`` as a read-only 0-d array of ``like``'s dtype (an array's, or a
    dtype), made once: NumPy converts it faster than a Python float, and float32 arrays
    stay float32."""
    return _constant(value, like.dtype if isinstance(like, np.ndarray) else np.dtype(like))


# np.dot first asks a Python function which arguments might override it (NumPy's
# __array_function__ protocol); the engine's arguments are plain arrays, so it calls the
# implementation behind it, where NumPy exposes one.
DOT: Callable = getattr(np.dot, "_implementation", np.dot)
