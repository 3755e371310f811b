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
