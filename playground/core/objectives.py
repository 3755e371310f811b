"""Output layers with their losses: the cost J and the output gradient dZ[L].

Every pairing here has the property the notes rely on: for sigmoid + cross-entropy,
softmax + categorical cross-entropy and linear + ½MSE, dZ[L] = A[L] − Y. The cost is
computed from Z[L] (log-sum-exp form), so it stays finite for any finite parameters:
a saturated network gets a large finite cost, never ``inf`` or ``nan``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from playground.core.activations import sigmoid


@dataclass(frozen=True)
class Objective:
    """An output activation paired with a loss.

    ``output(ZL) -> AL``; ``cost(ZL, AL, Y) -> float``; ``dZ(AL, Y) -> dZ[L]``.
    ``task`` is "binary", "multiclass" or "regression". The engine computes the same
    output and dZ[L] in place (``core/fast/kernels.py``, under the same key).
    """

    output: str
    loss: str
    task: str
    label: str
    formula: str
    shallow_name: str          # what the network is with no hidden layer
    activate: Callable[[np.ndarray], np.ndarray]
    cost: Callable[[np.ndarray, np.ndarray, np.ndarray], float]
    dZ: Callable[[np.ndarray, np.ndarray], np.ndarray]


def binary_cross_entropy(ZL: np.ndarray, AL: np.ndarray, Y: np.ndarray) -> float:
    """Return J = −(1/m) Σ [y ln a + (1−y) ln(1−a)], with a = σ(z), computed from z.

    ln σ(z) = −ln(1 + e^(−z)) and ln(1 − σ(z)) = −ln(1 + e^z), so the loss per example
    is ln(1 + e^z) − y·z; ``np.logaddexp(0, z)`` computes ln(1 + e^z) without overflow,
    so J is finite for every finite z.
    """
    m = Y.shape[1]
    return float((np.logaddexp(0, ZL).sum() - np.vdot(ZL, Y)) / m)


def log_softmax(ZL: np.ndarray) -> np.ndarray:
    """Return ln softmax(Z) column by column: Z − max − ln Σ e^(Z − max).  (k, m)."""
    shifted = ZL - np.max(ZL, axis=0, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=0, keepdims=True))


def softmax(ZL: np.ndarray) -> np.ndarray:
    """Return e^Z / Σ e^Z column by column, shifted by the column maximum.  (k, m)."""
    E = np.exp(ZL - np.max(ZL, axis=0, keepdims=True))
    return E / np.sum(E, axis=0, keepdims=True)


def categorical_cross_entropy(ZL: np.ndarray, AL: np.ndarray, Y: np.ndarray) -> float:
    """Return J = −(1/m) Σ y ln a over classes and examples; Y is one-hot (k, m)."""
    m = Y.shape[1]
    return float(-np.sum(Y * log_softmax(ZL)) / m)


def half_mean_squared_error(ZL: np.ndarray, AL: np.ndarray, Y: np.ndarray) -> float:
    """Return J = (1/2m) Σ (a − y)²."""
    m = Y.shape[1]
    diff = AL - Y
    return float(np.sum(diff * diff) / (2 * m))


def mean_absolute_error(ZL: np.ndarray, AL: np.ndarray, Y: np.ndarray) -> float:
    """Return J = (1/m) Σ |a − y|."""
    m = Y.shape[1]
    return float(np.sum(np.abs(AL - Y)) / m)


def residual(AL: np.ndarray, Y: np.ndarray) -> np.ndarray:
    """Return dZ[L] = A[L] − Y (the gradient of m·J with respect to Z[L])."""
    return AL - Y


def sign_residual(AL: np.ndarray, Y: np.ndarray) -> np.ndarray:
    """Return dZ[L] = sign(A[L] − Y), the L1 loss's gradient (0 where a = y)."""
    return np.sign(AL - Y)


def identity(ZL: np.ndarray) -> np.ndarray:
    """Return Z[L] itself (linear output)."""
    return ZL


OBJECTIVES: dict[tuple[str, str], Objective] = {
    (o.output, o.loss): o
    for o in (
        Objective("sigmoid", "cross-entropy", "binary", "sigmoid + cross-entropy",
                  "J = −(1/m) Σ [y ln a + (1−y) ln(1−a)]", "logistic regression",
                  sigmoid, binary_cross_entropy, residual),
        Objective("softmax", "cross-entropy", "multiclass", "softmax + cross-entropy",
                  "J = −(1/m) Σ y ln a", "softmax regression",
                  softmax, categorical_cross_entropy, residual),
        Objective("linear", "mse", "regression", "linear + ½ mean squared error",
                  "J = (1/2m) Σ (a − y)²", "linear regression",
                  identity, half_mean_squared_error, residual),
        Objective("linear", "l1", "regression", "linear + mean absolute error",
                  "J = (1/m) Σ |a − y|", "linear regression (L1)",
                  identity, mean_absolute_error, sign_residual),
    )
}

OUTPUTS: tuple[str, ...] = tuple(dict.fromkeys(o for o, _ in OBJECTIVES))
LOSSES: tuple[str, ...] = tuple(dict.fromkeys(loss for _, loss in OBJECTIVES))
DEFAULT_LOSS: dict[str, str] = {"sigmoid": "cross-entropy", "softmax": "cross-entropy",
                                "linear": "mse"}
DEFAULT_OUTPUT: dict[str, str] = {"binary": "sigmoid", "multiclass": "softmax",
                                  "regression": "linear"}
