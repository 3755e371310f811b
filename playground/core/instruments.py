"""Per-layer measurements that show *why* a network learns or does not.

    unit spread      largest distance between two units' [W[l] | b[l]] rows (0: symmetric)
    gradient norm    ‖dW[l]‖, and relative to the weights ‖dW[l]‖ / ‖W[l]‖
    dead units       ReLU / leaky ReLU: share of units with Z ≤ 0 on every example
    saturated units  sigmoid / tanh: share of units whose slope g'(Z) is below 10 % of its
                     largest value g'(0) on at least 95 % of the examples
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from playground.core.activations import ACTIVATIONS
from playground.core.metrics import unit_spread
from playground.core.network import Architecture, Cache, Parameters

SATURATED_SLOPE = 0.1          # g'(Z) / g'(0) below this counts as "flat"
SATURATED_SHARE = 0.95         # … on at least this share of the examples
DEAD_ACTIVATIONS = ("relu", "leaky_relu")
SATURATING_ACTIVATIONS = ("sigmoid", "tanh")


def dead_fraction(Z: np.ndarray) -> float:
    """Return the share of units (rows of Z (n, m)) with Z ≤ 0 on every example."""
    return float(np.mean(np.all(Z <= 0, axis=1)))


@functools.cache
def slope_at_zero(activation: str) -> float:
    """Return g'(0), the largest slope of a sigmoid or tanh unit."""
    g, zero = ACTIVATIONS[activation], np.zeros((1, 1))
    return float(g.derivative(zero, g.forward(zero))[0, 0])


def saturated_fraction(Z: np.ndarray, A: np.ndarray, activation: str) -> float:
    """Return the share of units whose g'(Z)/g'(0) < SATURATED_SLOPE on most examples."""
    flat = ACTIVATIONS[activation].derivative(Z, A) < SATURATED_SLOPE * slope_at_zero(activation)
    return float(np.mean(np.mean(flat, axis=1) >= SATURATED_SHARE))


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
