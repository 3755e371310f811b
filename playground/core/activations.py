"""Hidden-layer activations g(Z) and their derivatives g'(Z), side by side.

Each derivative receives both ``Z`` and ``A = g(Z)`` so that it can use whichever is
cheaper, exactly as the notes write them: sigmoid' = a(1 - a), tanh' = 1 - a².
For ReLU and leaky ReLU the notes set g'(0) = 1.

Each activation also comes in an in-place form for the training engine (``core/engine.py``):
``forward_into(call, Z, out, work)`` writes g(Z) into ``out`` and
``chain_into(call, dA, Z, A, work)`` turns dA into dZ = dA * g'(Z) in place; ``work`` holds
scratch arrays of Z's shape, and ``call`` makes each NumPy call at once (``calls.now``) or
records it for the engine to replay every step (``calls.Calls``). They compute the same
numbers, operation for operation, as ``forward`` and ``derivative``, only without
allocating — except tanh on large arrays, which ``core/fast_tanh.py`` computes within
4 ulp of ``np.tanh`` and up to 3× faster.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from playground.core import fast_tanh
from playground.core.calls import constant

# exp(-z) overflows float64 below z = -709.78; sigmoid(-700) ~ 1e-304 is already 0 for
# every purpose, so clipping there changes no result the course can see.
_EXP_LIMIT = 700.0
LEAKY_SLOPE = 0.01


@dataclass(frozen=True)
class Work:
    """Scratch arrays of one layer's shape (n, m), made once, for the in-place forms."""

    floats: tuple[np.ndarray, ...]
    index: np.ndarray
    mask: np.ndarray

    @classmethod
    def of_shape(cls, shape: tuple[int, ...]) -> Work:
        return cls(floats=tuple(np.zeros(shape) for _ in range(fast_tanh.SCRATCH_FLOATS)),
                   index=np.zeros(shape, dtype=np.int64), mask=np.zeros(shape, dtype=bool))

    def view(self, shape: tuple[int, int]) -> Work:
        """Return a Work of ``shape`` made of the first values of this one's arrays: no
        call keeps anything in its scratch, so one Work serves every layer."""
        size = shape[0] * shape[1]

        def first(a: np.ndarray) -> np.ndarray:
            return a.ravel()[:size].reshape(shape)

        return Work(tuple(map(first, self.floats)), first(self.index), first(self.mask))


@dataclass(frozen=True)
class Activation:
    """A named activation g with its derivative g'.

    ``forward(Z) -> A`` and ``derivative(Z, A) -> g'(Z)``; all arrays share one shape.
    """

    name: str
    label: str
    formula: str
    forward: Callable[[np.ndarray], np.ndarray]
    derivative: Callable[[np.ndarray, np.ndarray], np.ndarray]
    forward_into: Callable[..., None]      # (call, Z, out, work)
    chain_into: Callable[..., None]        # (call, dA, Z, A, work)


def sigmoid(Z: np.ndarray) -> np.ndarray:
    """Return 1 / (1 + e^(-Z)), without overflow for any finite Z."""
    return 1 / (1 + np.exp(-np.maximum(Z, -_EXP_LIMIT)))


def sigmoid_derivative(Z: np.ndarray, A: np.ndarray) -> np.ndarray:
    """Return g'(Z) = a (1 - a)."""
    slope = 1 - A
    slope *= A                  # in place: a second temporary costs page faults (see tanh)
    return slope


def tanh(Z: np.ndarray) -> np.ndarray:
    """Return tanh(Z)."""
    return np.tanh(Z)


def tanh_derivative(Z: np.ndarray, A: np.ndarray) -> np.ndarray:
    """Return g'(Z) = 1 - a².

    Computed in place in one temporary: ``1 - A * A`` holds two at once, and for a
    64 × 400 layer glibc then hands the memory back to the system and faults it in again
    on every call, which made this 14× slower.
    """
    slope = A * A
    np.subtract(1, slope, out=slope)
    return slope


def relu(Z: np.ndarray) -> np.ndarray:
    """Return max(0, Z)."""
    return np.maximum(Z, 0.0)


def relu_derivative(Z: np.ndarray, A: np.ndarray) -> np.ndarray:
    """Return g'(Z) = 1 where Z ≥ 0, else 0."""
    return (Z >= 0).astype(Z.dtype)


def leaky_relu(Z: np.ndarray) -> np.ndarray:
    """Return max(0.01 Z, Z)."""
    return np.maximum(Z, LEAKY_SLOPE * Z)


def leaky_relu_derivative(Z: np.ndarray, A: np.ndarray) -> np.ndarray:
    """Return g'(Z) = 1 where Z ≥ 0, else 0.01."""
    return np.where(Z >= 0, 1.0, LEAKY_SLOPE)


def linear(Z: np.ndarray) -> np.ndarray:
    """Return Z unchanged (a copy, so callers may write into it)."""
    return Z.copy()


def linear_derivative(Z: np.ndarray, A: np.ndarray) -> np.ndarray:
    """Return g'(Z) = 1."""
    return np.ones_like(Z)


# -- in place: out = g(Z); dA *= g'(Z); work: scratch arrays of Z's shape -------------
# ``call`` makes or records each operation (``core/calls.py``); constants are 0-d arrays.
def sigmoid_into(call, Z: np.ndarray, out: np.ndarray, work: Work | None = None) -> None:
    call(np.maximum, Z, constant(-_EXP_LIMIT, Z), out=out)
    call(np.negative, out, out)
    call(np.exp, out, out)
    call(np.add, out, constant(1, Z), out)
    call(np.divide, constant(1, Z), out, out)


def sigmoid_chain(call, dA: np.ndarray, Z: np.ndarray, A: np.ndarray, work: Work) -> None:
    scratch = work.floats[0]
    call(np.subtract, constant(1, A), A, scratch)
    call(np.multiply, A, scratch, scratch)
    call(np.multiply, dA, scratch, dA)


def tanh_into(call, Z: np.ndarray, out: np.ndarray, work: Work | None = None) -> None:
    if not fast_tanh.uses_table(Z):             # small or single precision
        call(np.tanh, Z, out)
        return
    work = work or Work.of_shape(Z.shape)
    fast_tanh.tanh_into(call, Z, out, work.floats, work.index)


def tanh_chain(call, dA: np.ndarray, Z: np.ndarray, A: np.ndarray, work: Work) -> None:
    scratch = work.floats[0]
    call(np.multiply, A, A, scratch)
    call(np.subtract, constant(1, A), scratch, scratch)
    call(np.multiply, dA, scratch, dA)


def relu_into(call, Z: np.ndarray, out: np.ndarray, work: Work | None = None) -> None:
    call(np.maximum, Z, constant(0, Z), out=out)


def relu_chain(call, dA: np.ndarray, Z: np.ndarray, A: np.ndarray, work: Work) -> None:
    scratch = work.floats[0]
    call(np.greater_equal, Z, constant(0, Z), scratch)     # 1.0 / 0.0, as (Z >= 0).astype(float)
    call(np.multiply, dA, scratch, dA)


def leaky_relu_into(call, Z: np.ndarray, out: np.ndarray, work: Work | None = None) -> None:
    call(np.multiply, Z, constant(LEAKY_SLOPE, Z), out)
    call(np.maximum, Z, out, out=out)


def leaky_relu_chain(call, dA: np.ndarray, Z: np.ndarray, A: np.ndarray, work: Work) -> None:
    call(np.less, Z, constant(0, Z), work.mask)    # where g' = 0.01; elsewhere dA * 1 = dA
    call(np.multiply, dA, constant(LEAKY_SLOPE, dA), dA, where=work.mask)


def linear_into(call, Z: np.ndarray, out: np.ndarray, work: Work | None = None) -> None:
    call(np.copyto, out, Z)


def linear_chain(call, dA: np.ndarray, Z: np.ndarray, A: np.ndarray, work: Work) -> None:
    """g' = 1: dA is already dZ."""


ACTIVATIONS: dict[str, Activation] = {
    a.name: a
    for a in (
        Activation("sigmoid", "sigmoid", "σ(z) = 1 / (1 + e^(−z))", sigmoid, sigmoid_derivative,
                   sigmoid_into, sigmoid_chain),
        Activation("tanh", "tanh", "tanh(z) = (e^z − e^(−z)) / (e^z + e^(−z))", tanh,
                   tanh_derivative, tanh_into, tanh_chain),
        Activation("relu", "ReLU", "ReLU(z) = max(0, z)", relu, relu_derivative, relu_into,
                   relu_chain),
        Activation("leaky_relu", "leaky ReLU", "max(0.01 z, z)", leaky_relu,
                   leaky_relu_derivative, leaky_relu_into, leaky_relu_chain),
        Activation("linear", "linear", "g(z) = z", linear, linear_derivative, linear_into,
                   linear_chain),
    )
}
