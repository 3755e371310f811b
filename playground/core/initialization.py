"""Initialisation schemes: W[l] = randn(n[l], n[l-1]) × factor, b[l] = 0.

One ``numpy.random.RandomState`` instance per run draws W1, then W2, … in order;
biases draw nothing. With seed 2, ``random`` × 0.01 reproduces the course notebook.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

DEFAULT_SCALE = 0.01


@dataclass(frozen=True)
class Init:
    """A named scheme: ``factor(n_prev, scale)`` multiplies randn(n[l], n[l-1]).

    ``factor`` is None for ``zeros`` (nothing is drawn). ``takes_scale`` says whether the
    user's scale enters ``factor``: the controls offer the scale only then, and the
    command line refuses ``--init-scale`` for a scheme that ignores it.
    """

    name: str
    label: str
    formula: str
    factor: Callable[[int, float], float] | None
    takes_scale: bool = False


INITS: dict[str, Init] = {
    i.name: i
    for i in (
        Init("zeros", "zeros", "W[l] = 0", None),
        Init("random", "random × scale", "W[l] = randn(n[l], n[l−1]) × scale",
             lambda n_prev, scale: scale, takes_scale=True),
        Init("xavier", "Xavier", "W[l] = randn(n[l], n[l−1]) × √(1/n[l−1])",
             lambda n_prev, scale: math.sqrt(1.0 / n_prev)),
        Init("he", "He", "W[l] = randn(n[l], n[l−1]) × √(2/n[l−1])",
             lambda n_prev, scale: math.sqrt(2.0 / n_prev)),
    )
}


def initialize_parameters(layer_dims: tuple[int, ...] | list[int], init: str,
                          rng: np.random.RandomState,
                          scale: float = DEFAULT_SCALE) -> dict[str, np.ndarray]:
    """Return parameters {W1, b1, …, WL, bL} for ``layer_dims`` = (n_x, n[1], …, n[L]).

    W[l] : (n[l], n[l-1]) drawn as ``rng.randn(n[l], n[l-1]) * factor`` in order l = 1..L;
    b[l] : (n[l], 1) zeros.
    """
    if init not in INITS:
        raise ValueError(f"unknown initialisation {init!r}; choose from {', '.join(INITS)}")
    factor = INITS[init].factor
    parameters: dict[str, np.ndarray] = {}
    for l in range(1, len(layer_dims)):
        shape = (layer_dims[l], layer_dims[l - 1])
        if factor is None:
            parameters[f"W{l}"] = np.zeros(shape)
        else:
            parameters[f"W{l}"] = rng.randn(*shape) * factor(layer_dims[l - 1], scale)
        parameters[f"b{l}"] = np.zeros((layer_dims[l], 1))
    return parameters
