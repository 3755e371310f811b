"""Gradient checking, as in the course: two-sided differences against backprop.

    dθ_approx[i] = (J(θ + ε e_i) − J(θ − ε e_i)) / 2ε,       ε = 1e-7
    difference   = ‖dθ − dθ_approx‖ / (‖dθ‖ + ‖dθ_approx‖)

A correct backprop gives a difference around 1e-7 or below; above 1e-3 is a bug.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from playground.core.network import Architecture, Parameters, backward, compute_cost, forward

EPSILON = 1e-7
Gradients = Callable[[Parameters, np.ndarray, np.ndarray, Architecture], dict[str, np.ndarray]]


@dataclass(frozen=True)
class GradCheckResult:
    """Relative differences overall and per layer (index 0 is layer 1); ``iteration`` is
    that of the parameters checked, where the caller knows it."""

    difference: float
    layer_differences: tuple[float, ...]
    epsilon: float
    iteration: int | None = None


def backprop_gradients(parameters: Parameters, X: np.ndarray, Y: np.ndarray,
                       arch: Architecture) -> dict[str, np.ndarray]:
    """Return {dW1, db1, …} from forward + backward propagation."""
    return backward(parameters, forward(X, parameters, arch), Y, arch)


def backprop_with_bug(layer: int) -> Gradients:
    """Return a backprop that forgets g'[layer](Z[layer]): the check must catch it."""

    def gradients(parameters: Parameters, X: np.ndarray, Y: np.ndarray,
                  arch: Architecture) -> dict[str, np.ndarray]:
        return backward(parameters, forward(X, parameters, arch), Y, arch,
                        drop_derivative=layer)

    return gradients


def relative_difference(grad: np.ndarray, approx: np.ndarray) -> float:
    """Return ‖grad − approx‖ / (‖grad‖ + ‖approx‖), 0.0 when both are zero."""
    denominator = np.linalg.norm(grad) + np.linalg.norm(approx)
    if denominator == 0:
        return 0.0
    return float(np.linalg.norm(grad - approx) / denominator)


def numerical_gradients(parameters: Parameters, X: np.ndarray, Y: np.ndarray,
                        arch: Architecture, epsilon: float = EPSILON) -> dict[str, np.ndarray]:
    """Return two-sided difference estimates {dW1, db1, …} of the cost's gradient."""
    approx: dict[str, np.ndarray] = {}
    for key, value in parameters.items():
        estimate = np.zeros_like(value)
        nudged = dict(parameters)
        for index in np.ndindex(value.shape):
            plus, minus = value.copy(), value.copy()
            plus[index] += epsilon
            minus[index] -= epsilon
            nudged[key] = plus
            J_plus = compute_cost(forward(X, nudged, arch), Y, arch)
            nudged[key] = minus
            J_minus = compute_cost(forward(X, nudged, arch), Y, arch)
            estimate[index] = (J_plus - J_minus) / (2 * epsilon)
        approx[f"d{key}"] = estimate
    return approx


def gradient_check(parameters: Parameters, X: np.ndarray, Y: np.ndarray, arch: Architecture,
                   epsilon: float = EPSILON,
                   gradients: Gradients = backprop_gradients) -> GradCheckResult:
    """Return the relative difference between ``gradients`` and two-sided differences.

    ``gradients`` defaults to the engine's backprop; pass another to check it instead.
    """
    grads = gradients(parameters, X, Y, arch)
    approx = numerical_gradients(parameters, X, Y, arch, epsilon)

    def flat(d: dict[str, np.ndarray], layers: range) -> np.ndarray:
        return np.concatenate([d[f"d{p}{l}"].ravel() for l in layers for p in "Wb"])

    overall = relative_difference(flat(grads, range(1, arch.L + 1)),
                                  flat(approx, range(1, arch.L + 1)))
    per_layer = tuple(relative_difference(flat(grads, range(l, l + 1)),
                                          flat(approx, range(l, l + 1)))
                      for l in range(1, arch.L + 1))
    return GradCheckResult(overall, per_layer, epsilon)
