"""What a learner reads off a network: accuracy, unit spread, gradient norms."""

from __future__ import annotations

import functools

import numpy as np

from playground.core.network import Architecture, Parameters, decide, forward


def accuracy(X: np.ndarray, Y: np.ndarray, parameters: Parameters,
             arch: Architecture) -> float | None:
    """Return the share of correct predictions on X (n_x, m), Y (n_y, m); None for regression.

    binary: 1 iff a > 0.5 (strictly); multiclass: argmax against the one-hot column.
    """
    task = arch.objective.task
    if task == "regression" or X.shape[1] == 0:
        return None
    AL = forward(X, parameters, arch).A[arch.L]
    return accuracy_from_output(AL, Y, arch)


def accuracy_from_output(AL: np.ndarray, Y: np.ndarray, arch: Architecture) -> float | None:
    """Return accuracy given network outputs A[L] (n_y, m) already computed; None for regression."""
    task = arch.objective.task
    if task == "regression":
        return None
    predictions = decide(AL, arch)
    truth = Y.astype(np.int64) if task == "binary" else np.argmax(Y, axis=0)
    return float(np.mean(predictions == truth))


def unit_spread(W: np.ndarray, b: np.ndarray) -> float:
    """Return the largest distance between two rows of [W | b]  (W : (n, n_prev), b : (n, 1)).

    Exactly 0.0 if and only if every unit of the layer computes the same function.
    Rows are measured from the first row, so identical rows give exact zeros and nearly
    identical rows keep their small distances accurately.
    """
    rows = np.hstack([W, b])
    rows = rows - rows[0]
    if not rows.any():
        return 0.0
    squares = np.einsum("ij,ij->i", rows, rows)
    distances2 = squares[:, None] + squares[None, :] - 2 * (rows @ rows.T)
    return float(np.sqrt(max(float(np.max(distances2)), 0.0)))


def unit_spreads(parameters: Parameters, arch: Architecture) -> list[float]:
    """Return the unit spread of each hidden layer l = 1..L-1 (empty with no hidden layer)."""
    return [unit_spread(parameters[f"W{l}"], parameters[f"b{l}"]) for l in range(1, arch.L)]


# Units closer than this (relative to the layer's largest weight, at least 1) count as the
# same unit: BLAS may round identical rows of a product differently, which seeds
# differences of ~1e-16 that grow only to ~1e-13 over 10⁴ iterations of a symmetric run.
IDENTICAL_TOLERANCE = 1e-9


def identical_tolerance(W: np.ndarray, b: np.ndarray) -> float:
    """Return the distance below which two units of this layer count as identical."""
    scale = max(1.0, float(np.max(np.abs(W), initial=0.0)), float(np.max(np.abs(b),
                                                                          initial=0.0)))
    return IDENTICAL_TOLERANCE * scale


def distinct_units(W: np.ndarray, b: np.ndarray) -> int:
    """Return how many different units the layer has (1 when every unit is identical):
    the number of ``unit_groups``."""
    return int(unit_groups(W, b).max(initial=-1)) + 1


def unit_groups(W: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Return each unit's group (n,): units whose [W | b] rows are closer than
    ``identical_tolerance`` are the same unit and share a number, 0, 1, … in order of
    first appearance.

    Groups are formed greedily around the first remaining row. When every two rows are
    provably further apart (``all_apart``), every unit is a group of its own.
    """
    rows = np.hstack([W, b])
    n = rows.shape[0]
    tolerance = identical_tolerance(W, b)
    if all_apart(rows, tolerance):
        return np.arange(n)
    group = np.full(n, -1)
    remaining = np.arange(n)
    count = 0
    while remaining.size:
        distances = np.linalg.norm(rows[remaining] - rows[remaining[0]], axis=1)
        group[remaining[distances <= tolerance]] = count
        remaining = remaining[distances > tolerance]
        count += 1
    return group


def all_apart(rows: np.ndarray, tolerance: float) -> bool:
    """Return True if it is certain that every two rows (n, k) are more than ``tolerance``
    apart; False if some may not be.

    Projected on a unit vector r, two rows are never further apart than in full:
    |x·r − y·r| ≤ ‖x − y‖. So if the sorted projections are all more than ``tolerance``
    apart, so are the rows. Each computed projection is within k·ε·‖x‖ of the true one
    (any order of summation); the margin allows twice that for each of the two. One
    product and a sort, where measuring the distances around each unit is a product per
    unit.
    """
    n, k = rows.shape
    if n < 2:
        return True
    r = _direction(k)
    projections = np.sort(rows @ r)
    rounding = k * np.finfo(float).eps * float(np.max(np.linalg.norm(rows, axis=1)))
    return bool(np.min(np.diff(projections)) > tolerance + 4 * rounding)


@functools.cache
def _direction(k: int) -> np.ndarray:
    """Return a fixed unit vector of length k with no zero and no repeated component, so
    that rows differing in any one column project apart."""
    r = 1 + np.sqrt(2) * np.arange(k) % 1
    r /= np.linalg.norm(r)
    r.flags.writeable = False
    return r


def gradient_norms(grads: dict[str, np.ndarray], L: int) -> list[float]:
    """Return ‖dW[l]‖ (Frobenius) for l = 1..L."""
    return [float(np.linalg.norm(grads[f"dW{l}"])) for l in range(1, L + 1)]


# A rise of the full-batch cost by more than this share between two recorded iterations
# is no rounding: gradient descent with a small enough learning rate never climbs.
RISE_SHARE = 0.1
RISE_WINDOW = 500               # recorded points of the cost a "keeps going up" judges
EPOCH_RISE_SHARE, EPOCH_RISES, EPOCH_WINDOW = 0.25, 3, 20


def cost_rises(history: np.ndarray, at_least: int = 2,
               share: float = RISE_SHARE) -> tuple[int, float, float] | None:
    """Return (iteration, J before, J after) of the latest rise of the cost by more than
    ``share`` between two recorded points of ``history`` (k, 2) [iteration, J], if it
    rose so at least ``at_least`` times; else None. Full-batch gradient descent whose cost
    climbs again and again overshoots: the learning rate is too high."""
    if len(history) < 2:
        return None
    J = history[:, 1]
    with np.errstate(invalid="ignore"):
        rises = np.flatnonzero(np.isfinite(J[1:]) & np.isfinite(J[:-1])
                               & (J[1:] > J[:-1] * (1 + share)) & (J[1:] > 0))
    if len(rises) < at_least:
        return None
    k = rises[-1] + 1
    return int(history[k, 0]), float(J[k - 1]), float(J[k])


def recent_cost_rises(history: np.ndarray) -> tuple[int, float, float] | None:
    """``cost_rises`` over the last RISE_WINDOW recorded points of ``history`` (k, 2): the
    status says the cost *keeps* going up, so rises long past (a ReLU net's spikes on its
    way down, thousands of iterations ago) no longer count once the cost has settled."""
    return cost_rises(history[-RISE_WINDOW - 1:])


def epoch_cost_rises(epoch_history: np.ndarray) -> tuple[int, float, float] | None:
    """``cost_rises`` for mini-batch runs, on the full cost after each epoch (k, 2)
    [epoch, J]: each epoch's J moves with the last batches' steps, so only a rise by more
    than EPOCH_RISE_SHARE, EPOCH_RISES times within the last EPOCH_WINDOW epochs, says the
    learning rate is too high (on the flower, B = 64 and α = 1.2 rise so once in 20)."""
    return cost_rises(epoch_history[-EPOCH_WINDOW - 1:], EPOCH_RISES, EPOCH_RISE_SHARE)
