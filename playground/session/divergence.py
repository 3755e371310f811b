"""How a run ends before its time: a cost or parameter gone non-finite, and what to say."""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np

from playground.core.network import Parameters


@dataclass(frozen=True)
class Divergence:
    """Why a run stopped: the iteration whose state went non-finite, what, and a hint."""

    iteration: int
    what: str
    learning_rate: float
    kept_iteration: int

    @property
    def message(self) -> str:
        return (f"Training diverged at iteration {self.iteration}: {self.what}. "
                f"Kept the parameters of iteration {self.kept_iteration}, the last finite "
                f"one. The learning rate {self.learning_rate:g} is probably too high: "
                f"try a smaller one.")


def quiet(method):
    """Run ``method`` with NumPy's floating-point warnings off: near divergence, costs and
    accuracies of finite parameters may overflow to inf, which the caller handles."""
    @functools.wraps(method)
    def wrapper(*args, **kwargs):
        with np.errstate(all="ignore"):
            return method(*args, **kwargs)
    return wrapper


def check_learning_rate(learning_rate: float) -> float:
    """Return ``learning_rate`` as a float, or raise ValueError unless it is finite and > 0."""
    value = float(learning_rate)
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"learning rate must be a finite number > 0, got {learning_rate!r}")
    return value


def non_finite(parameters: Parameters) -> str | None:
    """Return a description of the first parameter with NaN/inf values, or None."""
    for key, value in parameters.items():
        if not np.isfinite(value).all():
            return f"{key} contains {int(np.size(value) - np.isfinite(value).sum())} NaN/inf values"
    return None
