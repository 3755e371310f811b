"""Gradient checking, as in the course: two-sided differences against backprop.

    dθ_approx[i] = (J(θ + ε e_i) − J(θ − ε e_i)) / 2ε,       ε = 1e-7
    difference   = ‖dθ − dθ_approx‖ / (‖dθ‖ + ‖dθ_approx‖)

The course notebook calls backprop correct when the difference is below 2e-7 and points
at a bug above 1e-3. ``verdict`` applies that rule, and says where it cannot hold:

- **Too small to judge.** Each evaluation of J is rounded, so each two-sided difference
  carries an error of up to about ε_machine·S/ε, where S is the size of the numbers J is
  summed from (``cost_magnitude``): about 2e-9 for the flower's J ≈ 0.69. When backprop
  and the differences disagree by no more than that rounding allows (``rounding``), the
  gradients are too small beside it for the relative difference to mean anything — at
  W ≈ 0 or near convergence it reads 1.0 for a correct backprop. The check then cannot
  tell a bug from rounding, and says so instead of calling it wrong.
- **Kinks.** ReLU's slope jumps at z = 0. When nudging a parameter by ±ε moves some
  example's z across 0, that component's two-sided difference averages two slopes and
  disagrees with backprop's g′(0) = 1 without any bug. Such components are counted
  (``Comparison.kinks``) and judged apart: the verdict rests on the others.

Everything that shows a verdict (the command line, the window) asks ``verdict`` and
``layer_verdicts``; nothing else holds the thresholds.

With a ``Regularization`` (course 2), J and backprop's gradients both include its L2/L1
penalties (L1's |w| has a kink at 0 too: keep weights away from 0 to check it). Dropout
is never on in a check: J must be one fixed function of θ, and fresh masks would change
it between the two nudges. The result says when the run's dropout was left out.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from playground.core.activations import ACTIVATIONS
from playground.core.network import (
    Architecture,
    Cache,
    Parameters,
    backward,
    compute_cost_with_regularization,
    forward,
)
from playground.core.regularization import NO_REGULARIZATION, Regularization

EPSILON = 1e-7
CORRECT_BELOW = 2e-7        # the course notebook: "Your backward propagation works perfectly"
WRONG_FROM = 1e-3           # … from here on: "There is a mistake in the backward propagation"
UNIT_ROUNDOFF = float(np.finfo(float).eps)

CORRECT, SUSPICIOUS, WRONG, TOO_SMALL = "correct", "suspicious", "wrong", "too small to judge"
_SEVERITY = {CORRECT: 0, TOO_SMALL: 1, SUSPICIOUS: 2, WRONG: 3}

# (parameters, X, Y, arch) -> {dW1, db1, …}; called with ``regularization=`` as well when
# the check has penalties to include.
Gradients = Callable[..., dict[str, np.ndarray]]


@dataclass(frozen=True)
class Comparison:
    """Backprop's dθ against the two-sided dθ_approx over a set of components (all of
    them, or one layer's dW[l] and db[l]).

    ``difference`` is the course's relative difference over every component;
    ``grad_norm`` ‖dθ‖ and ``approx_norm`` ‖dθ_approx‖ are over every component too.
    ``kinks`` components had a nudge cross a kink; ``smooth_difference`` and
    ``smooth_error`` (‖dθ − dθ_approx‖) are over the others, and ``rounding`` is how far
    rounding alone may move their ‖dθ_approx‖.
    """

    difference: float
    grad_norm: float
    approx_norm: float
    rounding: float
    size: int
    kinks: int = 0
    smooth_difference: float = math.nan
    smooth_error: float = math.nan


@dataclass(frozen=True)
class GradCheckResult:
    """Relative differences overall and per layer (index 0 is layer 1); ``iteration`` is
    that of the parameters checked, where the caller knows it. ``overall`` and ``layers``
    hold what ``verdict`` needs beyond the differences (absent: judged on them alone)."""

    difference: float
    layer_differences: tuple[float, ...]
    epsilon: float
    iteration: int | None = None
    overall: Comparison | None = None
    layers: tuple[Comparison, ...] = ()
    dropout_left_out: bool = False      # the run trains with dropout; the check has none


@dataclass(frozen=True)
class Verdict:
    """What a gradient check says: ``word`` (CORRECT, SUSPICIOUS, WRONG or TOO_SMALL) and
    ``reason``, one sentence a learner can act on."""

    word: str
    reason: str

    @property
    def finds_bug(self) -> bool:
        """Return True if the check shows backprop computing something else than J's
        gradient (the command line exits 1)."""
        return self.word == WRONG


def backprop_gradients(parameters: Parameters, X: np.ndarray, Y: np.ndarray,
                       arch: Architecture, regularization: Regularization = NO_REGULARIZATION
                       ) -> dict[str, np.ndarray]:
    """Return {dW1, db1, …} from forward + backward propagation (penalties included)."""
    return backward(parameters, forward(X, parameters, arch), Y, arch,
                    regularization=regularization)


def backprop_with_bug(layer: int) -> Gradients:
    """Return a backprop that forgets g'[layer](Z[layer]): the check must catch it."""

    def gradients(parameters: Parameters, X: np.ndarray, Y: np.ndarray, arch: Architecture,
                  regularization: Regularization = NO_REGULARIZATION
                  ) -> dict[str, np.ndarray]:
        return backward(parameters, forward(X, parameters, arch), Y, arch,
                        drop_derivative=layer, regularization=regularization)

    return gradients


def relative_difference(grad: np.ndarray, approx: np.ndarray) -> float:
    """Return ‖grad − approx‖ / (‖grad‖ + ‖approx‖), 0.0 when both are zero."""
    denominator = np.linalg.norm(grad) + np.linalg.norm(approx)
    if denominator == 0:
        return 0.0
    return float(np.linalg.norm(grad - approx) / denominator)


# --------------------------------------------------------------------------- rounding


def cost_magnitude(cache: Cache, Y: np.ndarray, arch: Architecture, cost: float) -> float:
    """Return S, the size of the numbers J is computed from, per example: |J| plus
    mean Σ|Z[L]| plus mean Σ |A[L] − Y|·(|A[L]| + |Y|).

    The cross-entropies subtract numbers of size |z| (ln(1 + e^z) − y·z; z − max z), and
    the squared error squares a − y, computed from numbers of size |a| + |y|. So J, when
    small, is small by cancellation, and its rounding is about ε_machine·S, not
    ε_machine·|J|.
    """
    m = Y.shape[1]
    ZL, AL = cache.Z[arch.L], cache.A[arch.L]
    return float(abs(cost) + np.sum(np.abs(ZL)) / m
                 + np.sum(np.abs(AL - Y) * (np.abs(AL) + np.abs(Y))) / m)


def rounding_bound(count: int, magnitude: float, approx_norm: float, largest: float,
                   epsilon: float) -> float:
    """Return how far rounding may move ‖dθ_approx‖ over ``count`` components.

    J(θ ± ε e_i) are each off by up to ε_machine·S (S = ``magnitude``): their difference
    over 2ε is off by up to ε_machine·S/ε, so the vector by √count·ε_machine·S/ε. The
    nudged θ_i ± ε is itself rounded, off by up to ε_machine·|θ_i|: that scales the
    estimate by up to ε_machine·max|θ|/ε (``largest`` = max|θ|).
    """
    return (math.sqrt(count) * UNIT_ROUNDOFF * magnitude
            + approx_norm * UNIT_ROUNDOFF * largest) / epsilon


# --------------------------------------------------------------------------- kinks


@functools.cache
def has_kink(activation: str) -> bool:
    """Return True if the activation's slope jumps at z = 0 (ReLU, leaky ReLU)."""
    g = ACTIVATIONS[activation]
    Z = np.array([-1e-12, 1e-12])
    slopes = g.derivative(Z, g.forward(Z))
    return bool(abs(slopes[1] - slopes[0]) > 1e-6)


def _crossed(plus: Cache, minus: Cache, kinked: tuple[int, ...]) -> bool:
    """Return True if some input of a kinked layer lies on different sides of 0 in the
    two forward passes."""
    return any(not np.array_equal(plus.Z[l] >= 0, minus.Z[l] >= 0) for l in kinked)


def two_sided_differences(parameters: Parameters, X: np.ndarray, Y: np.ndarray,
                          arch: Architecture, epsilon: float = EPSILON,
                          regularization: Regularization = NO_REGULARIZATION
                          ) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Return ({dW1, db1, …} two-sided estimates, {dW1, db1, …} boolean masks of the
    components whose two nudges put some input of a ReLU-like layer on different sides
    of its kink). J includes the penalties of ``regularization`` (never its dropout)."""
    kinked = tuple(l for l, name in enumerate(arch.activations, start=1) if has_kink(name))
    approx: dict[str, np.ndarray] = {}
    kinks: dict[str, np.ndarray] = {}
    for key, value in parameters.items():
        estimate = np.zeros_like(value)
        crossed = np.zeros(value.shape, dtype=bool)
        nudged = dict(parameters)
        for index in np.ndindex(value.shape):
            plus, minus = value.copy(), value.copy()
            plus[index] += epsilon
            minus[index] -= epsilon
            nudged[key] = plus
            cache_plus = forward(X, nudged, arch)
            J_plus = compute_cost_with_regularization(cache_plus, Y, nudged, arch,
                                                      regularization)
            nudged[key] = minus
            cache_minus = forward(X, nudged, arch)
            J_minus = compute_cost_with_regularization(cache_minus, Y, nudged, arch,
                                                       regularization)
            estimate[index] = (J_plus - J_minus) / (2 * epsilon)
            crossed[index] = _crossed(cache_plus, cache_minus, kinked)
        approx[f"d{key}"] = estimate
        kinks[f"d{key}"] = crossed
    return approx, kinks


def compare(grad: np.ndarray, approx: np.ndarray, kinked: np.ndarray, magnitude: float,
            largest: float, epsilon: float = EPSILON) -> Comparison:
    """Return the Comparison of flat vectors ``grad`` and ``approx`` (n,), ``kinked`` (n,)
    marking components whose nudges crossed a kink, for a cost of size ``magnitude``
    (``cost_magnitude``) and parameters of size up to ``largest``."""
    smooth = ~kinked
    g, a = grad[smooth], approx[smooth]
    approx_norm = float(np.linalg.norm(a))
    return Comparison(
        difference=relative_difference(grad, approx),
        grad_norm=float(np.linalg.norm(grad)), approx_norm=float(np.linalg.norm(approx)),
        rounding=rounding_bound(g.size, magnitude, approx_norm, largest, epsilon),
        size=int(grad.size), kinks=int(np.count_nonzero(kinked)),
        smooth_difference=relative_difference(g, a),
        smooth_error=float(np.linalg.norm(g - a)))


def gradient_check(parameters: Parameters, X: np.ndarray, Y: np.ndarray, arch: Architecture,
                   epsilon: float = EPSILON,
                   gradients: Gradients = backprop_gradients,
                   regularization: Regularization | None = None) -> GradCheckResult:
    """Return the relative difference between ``gradients`` and two-sided differences.

    ``gradients`` defaults to the engine's backprop; pass another to check it instead.
    ``regularization``: its penalties are part of J and of the gradients; its dropout is
    left out (the result's ``dropout_left_out`` says so). X : (n_x, m), Y : (n_y, m).
    """
    regularization = regularization or NO_REGULARIZATION
    if regularization.penalized:
        grads = gradients(parameters, X, Y, arch, regularization=regularization)
    else:
        grads = gradients(parameters, X, Y, arch)
    approx, kinks = two_sided_differences(parameters, X, Y, arch, epsilon, regularization)
    cache = forward(X, parameters, arch)
    magnitude = cost_magnitude(cache, Y, arch, compute_cost_with_regularization(
        cache, Y, parameters, arch, regularization))

    def flat(d: dict[str, np.ndarray], layers: range) -> np.ndarray:
        return np.concatenate([d[f"d{p}{l}"].ravel() for l in layers for p in "Wb"])

    def part(layers: range) -> Comparison:
        largest = max(float(np.max(np.abs(parameters[f"{p}{l}"]), initial=0.0))
                      for l in layers for p in "Wb")
        return compare(flat(grads, layers), flat(approx, layers), flat(kinks, layers),
                       magnitude, largest, epsilon)

    overall = part(range(1, arch.L + 1))
    layers = tuple(part(range(l, l + 1)) for l in range(1, arch.L + 1))
    return GradCheckResult(overall.difference, tuple(c.difference for c in layers), epsilon,
                           overall=overall, layers=layers,
                           dropout_left_out=regularization.dropout)


# --------------------------------------------------------------------------- verdicts


def judge(difference: float, comparison: Comparison | None = None) -> Verdict:
    """Return the verdict on one relative ``difference`` (the course's), using
    ``comparison``, where known, for kinks and rounding."""
    if comparison is None:
        comparison = Comparison(difference, math.nan, math.nan, 0.0, 0,
                                smooth_difference=difference, smooth_error=math.inf)
    c = comparison
    d = c.smooth_difference
    if not (math.isfinite(difference) and math.isfinite(d)):
        return Verdict(WRONG, "the difference is not a finite number: backprop or the "
                              "cost gave NaN or infinity")
    if difference < CORRECT_BELOW:
        return Verdict(CORRECT, f"the difference {difference:.1e} is below "
                                f"{CORRECT_BELOW:g}, the course's threshold")
    kinked = (f"{c.kinks} of {c.size} components nudge a ReLU input across its kink at 0, "
              f"where the two-sided difference averages two slopes; "
              if c.kinks else "")
    if c.kinks and d < CORRECT_BELOW:
        return Verdict(CORRECT, f"{kinked}the other components agree to {d:.1e}, below "
                                f"{CORRECT_BELOW:g}")
    if c.smooth_error <= c.rounding:
        return Verdict(TOO_SMALL, f"{kinked}backprop and the two-sided differences "
                                  f"disagree by {c.smooth_error:.1e} (‖dθ‖ = "
                                  f"{c.grad_norm:.1e}, ‖dθ_approx‖ = {c.approx_norm:.1e}), "
                                  f"no more than rounding alone may cause "
                                  f"({c.rounding:.1e}): the gradients are too small for "
                                  f"the relative difference to mean anything; check again "
                                  f"where they are larger")
    if d < WRONG_FROM:
        return Verdict(SUSPICIOUS, f"{kinked}the difference {d:.1e} is above "
                                   f"{CORRECT_BELOW:g} and below {WRONG_FROM:g}: "
                                   f"look again")
    return Verdict(WRONG, f"{kinked}the difference {d:.1e} is above {WRONG_FROM:g}: "
                          f"backprop does not compute the gradient of J")


def layer_verdicts(result: GradCheckResult) -> tuple[Verdict, ...]:
    """Return the verdict on each layer's dW[l] and db[l] (index 0 is layer 1)."""
    comparisons = result.layers or (None,) * len(result.layer_differences)
    return tuple(judge(d, c) for d, c in zip(result.layer_differences, comparisons))


def verdict(result: GradCheckResult) -> Verdict:
    """Return the verdict on the whole check: the overall difference's, unless a layer
    says worse (a bug in a layer with small gradients hides in the overall norm)."""
    overall = judge(result.difference, result.overall)
    worst = max(enumerate(layer_verdicts(result), start=1),
                key=lambda pair: _SEVERITY[pair[1].word], default=None)
    if worst is not None and _SEVERITY[worst[1].word] > max(_SEVERITY[overall.word],
                                                           _SEVERITY[TOO_SMALL]):
        layer, v = worst
        return Verdict(v.word, f"layer {layer}: {v.reason}")
    return overall
