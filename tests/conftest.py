"""Shared fixtures: small deterministic data and architectures."""

from __future__ import annotations

import numpy as np
import pytest


@pytest.fixture
def rng() -> np.random.RandomState:
    return np.random.RandomState(0)


def labels_to_Y(labels: np.ndarray, k: int) -> np.ndarray:
    """Return Y for integer labels: (1, m) for k = 2, one-hot (k, m) otherwise."""
    if k == 2:
        return labels[None, :].astype(float)
    return np.eye(k)[:, labels]


def assert_same_parameters(actual: dict, expected: dict, rtol: float = 1e-12) -> None:
    """Assert the same keys and shapes, and for each layer l
    ‖[W|b]actual − [W|b]expected‖ ≤ rtol·‖[W|b]expected‖: the engine groups sums
    differently from the plain formulas, so results agree to rounding, not bit for bit
    (and a bias that is itself tiny is judged against its layer's scale)."""
    assert actual.keys() == expected.keys()
    for key, value in expected.items():
        assert actual[key].shape == value.shape, key
    for l in range(1, len(expected) // 2 + 1):
        a, e = (np.hstack([p[f"W{l}"], p[f"b{l}"]]) for p in (actual, expected))
        error = np.linalg.norm(a - e)
        assert error <= rtol * np.linalg.norm(e), f"layer {l}: ‖difference‖ = {error:g}"
