"""The training loop: full-batch gradient descent in the order the course uses.

Iteration i: forward → cost → backward → update. The cost recorded for iteration i is
the cost of the parameters after i updates, so iteration 0 is the initial cost.

The learning rate may change between any two steps. A non-finite cost or parameter
stops training: the parameters of the last finite iteration are kept.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import time
from dataclasses import dataclass

import numpy as np

from playground.core.datasets import Dataset
from playground.core.gradcheck import backprop_gradients
from playground.core.initialization import initialize_parameters
from playground.core.instruments import LayerReadings, read_layers
from playground.core.metrics import accuracy, gradient_norms, unit_spreads
from playground.core.network import (
    Architecture,
    Parameters,
    backward,
    check_data,
    check_parameters,
    compute_cost,
    forward,
    update_parameters,
)
from playground.session.history import History

# Small on purpose: each point costs a pass of measurements, so it thins out early.
LAYER_HISTORY_CAPACITY = 256


def layer_columns(arch: Architecture) -> int:
    """Return how many numbers one LayerReadings holds for ``arch``: 3(L−1) + 2L."""
    return 3 * (arch.L - 1) + 2 * arch.L


def split_layer_rows(iterations: np.ndarray, rows: np.ndarray,
                     arch: Architecture) -> dict[str, np.ndarray]:
    """Return {"iteration": (k,), series: (k, layers)} from flattened LayerReadings rows."""
    widths = {"unit_spread": arch.L - 1, "grad_norm": arch.L, "grad_ratio": arch.L,
              "dead_fraction": arch.L - 1, "saturated_fraction": arch.L - 1}
    assert tuple(widths) == tuple(f.name for f in dataclasses.fields(LayerReadings))
    series, start = {"iteration": iterations}, 0
    for name, width in widths.items():
        series[name] = rows[:, start:start + width]
        start += width
    return series


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


class Trainer:
    """Owns one run's parameters and steps them; Qt-free and single-threaded.

    ``train`` and ``test`` are Datasets whose X is (n_x, m); ``test`` may be None.
    """

    def __init__(self, arch: Architecture, train: Dataset, test: Dataset | None = None, *,
                 init: str = "random", init_scale: float = 0.01, seed: int = 0,
                 learning_rate: float = 0.01, parameters: Parameters | None = None,
                 iteration: int = 0, history_capacity: int = 2048) -> None:
        check_data(train.X, arch, train.Y)
        if test is not None:
            check_data(test.X, arch, test.Y)
        self.arch, self.train, self.test = arch, train, test
        self.init, self.init_scale, self.seed = init, float(init_scale), int(seed)
        self.learning_rate = check_learning_rate(learning_rate)
        self.history = History(history_capacity)
        self.divergence: Divergence | None = None
        self.last_grads: dict[str, np.ndarray] | None = None
        if parameters is None:
            self.reset()
        else:
            check_parameters(parameters, arch)
            self._set_state({k: np.array(v, dtype=float) for k, v in parameters.items()},
                            iteration)

    # -- state ------------------------------------------------------------------------
    def reset(self, seed: int | None = None) -> None:
        """Re-draw the parameters from ``seed`` (default: the run's seed); iteration 0."""
        if seed is not None:
            self.seed = int(seed)
        rng = np.random.RandomState(self.seed)
        self._set_state(initialize_parameters(self.arch.layer_dims, self.init, rng,
                                              self.init_scale), 0)

    def _set_state(self, parameters: Parameters, iteration: int) -> None:
        self.parameters = parameters
        self.iteration = int(iteration)
        self.history = History(self.history.capacity)
        self.layers = History(LAYER_HISTORY_CAPACITY, columns=layer_columns(self.arch))
        self.divergence = None
        self.last_grads = None
        self._previous: Parameters | None = None
        self._cost_cache: tuple[int, float] | None = None
        self._symmetry_breaks = 0

    def set_parameters(self, parameters: Parameters, iteration: int | None = None) -> None:
        """Replace the parameters (same architecture); the iteration count is kept or set."""
        check_parameters(parameters, self.arch)
        bad = non_finite(parameters)
        if bad:
            raise ValueError(bad)
        self._set_state({k: np.array(v, dtype=float) for k, v in parameters.items()},
                        self.iteration if iteration is None else iteration)

    def set_learning_rate(self, learning_rate: float) -> None:
        """Use ``learning_rate`` from the next step on."""
        self.learning_rate = check_learning_rate(learning_rate)

    @property
    def diverged(self) -> bool:
        return self.divergence is not None

    # -- stepping ---------------------------------------------------------------------
    def run(self, iterations: int) -> int:
        """Run up to ``iterations`` steps; return how far the iteration count advanced.

        On divergence the count stops at the last finite iteration, so it may advance less.
        """
        start = self.iteration
        # Overflow on the way to divergence is expected: the checks in _step report it.
        with np.errstate(all="ignore"):
            for _ in range(iterations):
                if self.diverged:
                    break
                self._step()
        return self.iteration - start

    def run_for(self, seconds: float, max_iterations: int) -> int:
        """Run steps for about ``seconds`` of wall time, at most ``max_iterations``."""
        deadline = time.perf_counter() + seconds
        done, batch = 0, 1
        while done < max_iterations and not self.diverged and time.perf_counter() < deadline:
            done += self.run(min(batch, max_iterations - done))
            batch = min(batch * 2, 256)
        return done

    def _step(self) -> None:
        i = self.iteration
        X, Y, p, arch = self.train.X, self.train.Y, self.parameters, self.arch
        cache = forward(X, p, arch)
        cost = compute_cost(cache, Y, arch)
        if not math.isfinite(cost):
            self._diverge(i, f"the cost J became {cost}")
            return
        grads = backward(p, cache, Y, arch)
        updated = update_parameters(p, grads, self.learning_rate)
        self.history.add(i, cost)
        if self.layers.due(i):
            self.layers.add(i, np.concatenate(dataclasses.astuple(
                read_layers(p, grads, cache, arch))))
        self._cost_cache = (i, cost)
        bad = non_finite(updated)
        if bad:
            # The update itself overflowed: iteration i is the last finite one.
            self.divergence = Divergence(i + 1, bad, self.learning_rate, kept_iteration=i)
            self.last_grads = grads
            return
        self._previous, self.parameters = self.parameters, updated
        self.last_grads = grads
        self.iteration = i + 1

    def _diverge(self, i: int, what: str) -> None:
        """Stop at iteration i whose cost is non-finite; step back to i − 1 when we can."""
        if self._previous is not None:
            self.parameters, self.iteration = self._previous, i - 1
            self._previous = None
            self.history.truncate(self.iteration)
            self.layers.truncate(self.iteration)
        self.divergence = Divergence(i, what, self.learning_rate, kept_iteration=self.iteration)

    # -- reading ----------------------------------------------------------------------
    @quiet
    def cost(self) -> float:
        """Return J of the current parameters (iteration ``self.iteration``)."""
        if self._cost_cache is None or self._cost_cache[0] != self.iteration:
            cache = forward(self.train.X, self.parameters, self.arch)
            self._cost_cache = (self.iteration, compute_cost(cache, self.train.Y, self.arch))
        return self._cost_cache[1]

    @quiet
    def test_cost(self) -> float | None:
        """Return J on the test set, or None without one."""
        if self.test is None or self.test.m == 0:
            return None
        return compute_cost(forward(self.test.X, self.parameters, self.arch), self.test.Y,
                            self.arch)

    @quiet
    def train_accuracy(self) -> float | None:
        return accuracy(self.train.X, self.train.Y, self.parameters, self.arch)

    @quiet
    def test_accuracy(self) -> float | None:
        if self.test is None or self.test.m == 0:
            return None
        return accuracy(self.test.X, self.test.Y, self.parameters, self.arch)

    @quiet
    def unit_spreads(self) -> list[float]:
        return unit_spreads(self.parameters, self.arch)

    @quiet
    def readings(self) -> LayerReadings:
        """Return every instrument's reading for the current parameters (one extra pass)."""
        cache = forward(self.train.X, self.parameters, self.arch)
        grads = backward(self.parameters, cache, self.train.Y, self.arch)
        return read_layers(self.parameters, grads, cache, self.arch)

    def layer_history(self) -> dict[str, np.ndarray]:
        """Return the instruments' histories: "iteration" (k,) and, per series, (k, layers).

        Series: unit_spread, dead_fraction, saturated_fraction (hidden layers 1..L-1);
        grad_norm, grad_ratio (layers 1..L). Thinned like the cost history.
        """
        return split_layer_rows(self.layers.iterations, self.layers.rows, self.arch)

    def break_symmetry(self, layer: int, size: float = 1e-3) -> None:
        """Add size · randn(n[l], n[l-1]) to W[layer], drawn from the run's seed.

        The k-th press draws from RandomState([seed, layer, k]): reproducible, and
        independent of the initialisation's stream.
        """
        if not 1 <= layer <= self.arch.L:
            raise ValueError(f"layer must be 1..{self.arch.L}, got {layer}")
        if not (math.isfinite(size) and size > 0):
            raise ValueError(f"noise size must be a finite number > 0, got {size!r}")
        self._symmetry_breaks += 1
        rng = np.random.RandomState([self.seed, layer, self._symmetry_breaks])
        W = self.parameters[f"W{layer}"]
        self.parameters = {**self.parameters, f"W{layer}": W + size * rng.randn(*W.shape)}
        self._previous = None
        self._cost_cache = None

    @quiet
    def gradient_norms(self) -> list[float]:
        """Return ‖dW[l]‖ of the last step (of the current parameters before any step)."""
        grads = self.last_grads
        if grads is None:
            grads = backprop_gradients(self.parameters, self.train.X, self.train.Y, self.arch)
        return gradient_norms(grads, self.arch.L)
