"""Regularisation of course 2: weight penalties and inverted dropout.

Penalties (on the weights W[l] only; biases are not penalised), for a batch of m columns:

    L2   J += (λ/2m) Σ_l ‖W[l]‖²_F          dW[l] += (λ/m) W[l]         (the course)
    L1   J += (λ/m)  Σ_l Σ |W[l]|            dW[l] += (λ/m) sign(W[l])   (TensorFlow Playground)

L1 is TensorFlow Playground's penalty |w| with its derivative sign(w) (0 at w = 0), scaled
by 1/m like the course's L2 so that λ means the same for both and the penalty's share of
J does not depend on the batch size. TensorFlow Playground also clips a weight that an
update carries across zero to exactly 0; we do not: the update is plain gradient descent
on J, which the gradient check can verify.

Inverted dropout on the hidden layers l = 1 … L−1 (never the input, never the output):

    D[l] = rand(n[l], m) < keep_prob;   A[l] = A[l] * D[l] / keep_prob      (forward)
    dA[l] = dA[l] * D[l] / keep_prob                                         (backward)

The masks are drawn from the run's own generator, layer by layer, before each update's
forward pass; dropout is off when evaluating and in the gradient check.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Regularization:
    """Penalty strengths λ (``l2``, ``l1``, each ≥ 0) and dropout's ``keep_prob`` ∈ (0, 1]."""

    l2: float = 0.0
    l1: float = 0.0
    keep_prob: float = 1.0

    def __post_init__(self) -> None:
        for name, value in (("l2", self.l2), ("l1", self.l1)):
            if not (math.isfinite(value) and value >= 0):
                raise ValueError(f"λ ({name}) must be a finite number ≥ 0, got {value!r}")
        if not (math.isfinite(self.keep_prob) and 0 < self.keep_prob <= 1):
            raise ValueError(f"keep_prob must be in (0, 1], got {self.keep_prob!r}")

    def penalties(self) -> tuple[tuple[Penalty, float], ...]:
        """Return (penalty, λ) for each penalty that is on (λ > 0), L2 first."""
        pairs = ((PENALTIES["l2"], self.l2), (PENALTIES["l1"], self.l1))
        return tuple((penalty, lambd) for penalty, lambd in pairs if lambd > 0)

    @property
    def penalized(self) -> bool:
        return self.l2 > 0 or self.l1 > 0

    @property
    def dropout(self) -> bool:
        return self.keep_prob < 1


NO_REGULARIZATION = Regularization()


# -- penalties ------------------------------------------------------------------------
def l2_cost(weights: Sequence[np.ndarray], m: int, lambd: float) -> float:
    """Return (λ/2m) Σ_l ‖W[l]‖²_F (the notebook's ``compute_cost_with_regularization``)."""
    return (1 / m) * (lambd / 2) * sum(np.sum(np.square(W)) for W in weights)


def l2_gradient(W: np.ndarray, m: int, lambd: float) -> np.ndarray:
    """Return (λ/m) W, the L2 penalty's share of dW."""
    return (lambd / m) * W


def l1_cost(weights: Sequence[np.ndarray], m: int, lambd: float) -> float:
    """Return (λ/m) Σ_l Σ |W[l]|."""
    return (lambd / m) * sum(np.sum(np.abs(W)) for W in weights)


def l1_gradient(W: np.ndarray, m: int, lambd: float) -> np.ndarray:
    """Return (λ/m) sign(W), the L1 penalty's share of dW (0 where W = 0)."""
    return (lambd / m) * np.sign(W)


@dataclass(frozen=True)
class Penalty:
    """A weight penalty: ``cost(weights, m, λ)`` adds to J, ``gradient(W, m, λ)`` to dW."""

    name: str
    label: str
    formula: str
    cost: Callable[[Sequence[np.ndarray], int, float], float]
    gradient: Callable[[np.ndarray, int, float], np.ndarray]


PENALTIES: dict[str, Penalty] = {
    p.name: p
    for p in (
        Penalty("l2", "L2", "J += (λ/2m) Σ ‖W[l]‖²", l2_cost, l2_gradient),
        Penalty("l1", "L1", "J += (λ/m) Σ |W[l]|", l1_cost, l1_gradient),
    )
}


def weights(parameters: dict[str, np.ndarray], L: int) -> list[np.ndarray]:
    """Return [W[1], …, W[L]]."""
    return [parameters[f"W{l}"] for l in range(1, L + 1)]


def regularization_cost(parameters: dict[str, np.ndarray], L: int, m: int,
                        regularization: Regularization) -> float:
    """Return the penalties' share of J for a batch of m columns (0.0 with none on)."""
    return sum((penalty.cost(weights(parameters, L), m, lambd)
                for penalty, lambd in regularization.penalties()), 0.0)


def weight_norm(parameters: dict[str, np.ndarray], L: int) -> float:
    """Return √(Σ_l ‖W[l]‖²_F), the size L2 holds down."""
    return math.sqrt(sum(float(np.sum(np.square(W))) for W in weights(parameters, L)))


# -- inverted dropout -------------------------------------------------------------------
@dataclass(frozen=True)
class Dropout:
    """One forward pass's masks D[1] … D[L−1] (bool, (n[l], m)) and their ``keep_prob``."""

    keep_prob: float
    masks: tuple[np.ndarray, ...]

    def apply(self, l: int, A: np.ndarray) -> np.ndarray:
        """Return A * D[l] / keep_prob for hidden layer l: A[l] forward, dA[l] backward."""
        return A * self.masks[l - 1] / self.keep_prob


def draw_dropout(layer_dims: Sequence[int], m: int, keep_prob: float,
                 rng: np.random.RandomState) -> Dropout | None:
    """Return masks D[l] = rand(n[l], m) < keep_prob for l = 1 … L−1, drawn in that order
    from ``rng``; None (nothing drawn) when keep_prob = 1."""
    if keep_prob >= 1:
        return None
    return Dropout(keep_prob, tuple(rng.rand(n, m) < keep_prob for n in layer_dims[1:-1]))
