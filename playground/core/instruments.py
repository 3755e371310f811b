"""Per-layer measurements that show *why* a network learns or does not.

    unit spread      largest distance between two units' [W[l] | b[l]] rows (0: symmetric)
    gradient norm    ‖dW[l]‖, and relative to the weights ‖dW[l]‖ / ‖W[l]‖
    dead units       ReLU / leaky ReLU: share of units with Z ≤ 0 on every example
    saturated units  sigmoid / tanh: share of units whose slope g'(Z) is below 10 % of its
                     largest value g'(0) on at least 95 % of the examples
"""

from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass

import numpy as np

from playground.core.activations import ACTIVATIONS
from playground.core.metrics import unit_groups, unit_spread
from playground.core.network import Architecture, Cache, Parameters

SATURATED_SLOPE = 0.1          # g'(Z) / g'(0) below this counts as "flat"
SATURATED_SHARE = 0.95         # … on at least this share of the examples
DEAD_ACTIVATIONS = ("relu", "leaky_relu")
SATURATING_ACTIVATIONS = ("sigmoid", "tanh")


def dead_units(Z: np.ndarray) -> np.ndarray:
    """Return which units (rows of Z (n, m)) have Z ≤ 0 on every example: (n,) bool."""
    return np.all(Z <= 0, axis=1)


def dead_fraction(Z: np.ndarray) -> float:
    """Return the share of units (rows of Z (n, m)) with Z ≤ 0 on every example."""
    return float(np.mean(dead_units(Z)))


@functools.cache
def slope_at_zero(activation: str) -> float:
    """Return g'(0), the largest slope of a sigmoid or tanh unit."""
    g, zero = ACTIVATIONS[activation], np.zeros((1, 1))
    return float(g.derivative(zero, g.forward(zero))[0, 0])


def saturated_units(Z: np.ndarray, A: np.ndarray, activation: str) -> np.ndarray:
    """Return which units have g'(Z)/g'(0) < SATURATED_SLOPE on at least SATURATED_SHARE of
    the examples: (n,) bool."""
    flat = ACTIVATIONS[activation].derivative(Z, A) < SATURATED_SLOPE * slope_at_zero(activation)
    return np.mean(flat, axis=1) >= SATURATED_SHARE


def saturated_fraction(Z: np.ndarray, A: np.ndarray, activation: str) -> float:
    """Return the share of units whose g'(Z)/g'(0) < SATURATED_SLOPE on most examples."""
    return float(np.mean(saturated_units(Z, A, activation)))


@dataclass(frozen=True)
class UnitStats:
    """What each unit of one hidden layer (n units) does on the training examples.

    z_range, a_range : (n, 2) [min, max] of Z[l] and A[l] over the examples;
    saturated, dead  : (n,) bool, by the rules above (never both; False where the
                       activation can be neither);
    group            : (n,) int, the same number for units that are identical (their
                       [W | b] rows within ``metrics.identical_tolerance``), 0, 1, … in order
                       of first appearance.
    """

    z_range: np.ndarray
    a_range: np.ndarray
    saturated: np.ndarray
    dead: np.ndarray
    group: np.ndarray


def unit_stats(Z: np.ndarray, A: np.ndarray, W: np.ndarray, b: np.ndarray,
               activation: str) -> UnitStats:
    """Return the UnitStats of a hidden layer from its Z, A (n, m) and W, b, read-only."""
    n = Z.shape[0]
    no = np.zeros(n, dtype=bool)
    stats = UnitStats(
        z_range=np.column_stack([Z.min(axis=1), Z.max(axis=1)]),
        a_range=np.column_stack([A.min(axis=1), A.max(axis=1)]),
        saturated=saturated_units(Z, A, activation) if activation in SATURATING_ACTIVATIONS
        else no,
        dead=dead_units(Z) if activation in DEAD_ACTIVATIONS else no.copy(),
        group=unit_groups(W, b))
    for array in (stats.z_range, stats.a_range, stats.saturated, stats.dead, stats.group):
        array.setflags(write=False)
    return stats


def unit_health(cache: Cache, arch: Architecture) -> tuple[list[float], list[float]]:
    """Return (dead fractions, saturated fractions) per hidden layer; 0 where n/a."""
    dead, saturated = [], []
    for l, name in enumerate(arch.activations, start=1):
        Z, A = cache.Z[l], cache.A[l]
        dead.append(dead_fraction(Z) if name in DEAD_ACTIVATIONS else 0.0)
        saturated.append(saturated_fraction(Z, A, name) if name in SATURATING_ACTIVATIONS
                         else 0.0)
    return dead, saturated


@dataclass(frozen=True)
class LayerReadings:
    """One iteration's readings; hidden-layer lists have L−1 entries, gradient lists L."""

    unit_spread: tuple[float, ...]
    grad_norm: tuple[float, ...]
    grad_ratio: tuple[float, ...]
    dead_fraction: tuple[float, ...]
    saturated_fraction: tuple[float, ...]


def readings_columns(arch: Architecture) -> int:
    """Return how many numbers one LayerReadings holds for ``arch``: 3(L−1) + 2L."""
    return 3 * (arch.L - 1) + 2 * arch.L


def readings_row(readings: LayerReadings) -> np.ndarray:
    """Return ``readings`` as one flat row, in the order of its fields."""
    return np.concatenate([getattr(readings, f.name) for f in dataclasses.fields(readings)])


def split_readings(iterations: np.ndarray, rows: np.ndarray,
                   arch: Architecture) -> dict[str, np.ndarray]:
    """Return {"iteration": (k,), series: (k, layers)} from ``readings_row`` rows."""
    widths = {"unit_spread": arch.L - 1, "grad_norm": arch.L, "grad_ratio": arch.L,
              "dead_fraction": arch.L - 1, "saturated_fraction": arch.L - 1}
    series, start = {"iteration": iterations}, 0
    for field in dataclasses.fields(LayerReadings):
        series[field.name] = rows[:, start:start + widths[field.name]]
        start += widths[field.name]
    return series


def read_layers(parameters: Parameters, grads: dict[str, np.ndarray], cache: Cache,
                arch: Architecture) -> LayerReadings:
    """Return every instrument's reading for one iteration (``cache`` of its forward pass)."""
    norms = [float(np.linalg.norm(grads[f"dW{l}"])) for l in range(1, arch.L + 1)]
    weights = [float(np.linalg.norm(parameters[f"W{l}"])) for l in range(1, arch.L + 1)]
    dead, saturated = unit_health(cache, arch)
    return LayerReadings(
        unit_spread=tuple(unit_spread(parameters[f"W{l}"], parameters[f"b{l}"])
                          for l in range(1, arch.L)),
        grad_norm=tuple(norms),
        grad_ratio=tuple(n / w if w > 0 else (0.0 if n == 0 else float("inf"))
                         for n, w in zip(norms, weights)),
        dead_fraction=tuple(dead), saturated_fraction=tuple(saturated))
