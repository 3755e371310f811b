"""Hidden-layer activations g(Z) and their derivatives g'(Z), side by side.

Each derivative receives both ``Z`` and ``A = g(Z)`` so that it can use whichever is
cheaper, exactly as the notes write them: sigmoid' = a(1 - a), tanh' = 1 - a².
For ReLU and leaky ReLU the notes set g'(0) = 1. The training engine computes the same
formulas in place (``core/fast/kernels.py``, registered there under the same names).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

# exp(-z) overflows float64 below z = -709.78; sigmoid(-700) ~ 1e-304 is already 0 for
# every purpose, so clipping there changes no result the course can see.
EXP_LIMIT = 700.0
LEAKY_SLOPE = 0.01


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


def sigmoid(Z: np.ndarray) -> np.ndarray:
    """Return 1 / (1 + e^(-Z)), without overflow for any finite Z."""
    return 1 / (1 + np.exp(-np.maximum(Z, -EXP_LIMIT)))


def sigmoid_derivative(Z: np.ndarray, A: np.ndarray) -> np.ndarray:
    """Return g'(Z) = a (1 - a)."""
    slope = 1 - A
    slope *= A                  # in place: one temporary, not two (see tanh)
    return slope


def tanh(Z: np.ndarray) -> np.ndarray:
    """Return tanh(Z)."""
    return np.tanh(Z)


def tanh_derivative(Z: np.ndarray, A: np.ndarray) -> np.ndarray:
    """Return g'(Z) = 1 - a².

    Computed in one temporary: ``1 - A * A`` holds two at once, and for a large layer
    glibc then hands the memory back to the system and faults it in again on every call.
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


ACTIVATIONS: dict[str, Activation] = {
    a.name: a
    for a in (
        Activation("sigmoid", "sigmoid", "σ(z) = 1 / (1 + e^(−z))", sigmoid,
                   sigmoid_derivative),
        Activation("tanh", "tanh", "tanh(z) = (e^z − e^(−z)) / (e^z + e^(−z))", tanh,
                   tanh_derivative),
        Activation("relu", "ReLU", "ReLU(z) = max(0, z)", relu, relu_derivative),
        Activation("leaky_relu", "leaky ReLU", "max(0.01 z, z)", leaky_relu,
                   leaky_relu_derivative),
        Activation("linear", "linear", "g(z) = z", linear, linear_derivative),
    )
}
