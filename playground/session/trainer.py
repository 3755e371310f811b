"""The training loop of one run: full-batch gradient descent in the order the course uses.

Iteration i: forward → cost → backward → update. The cost recorded for iteration i is
the cost of the parameters after i updates, so iteration 0 is the initial cost. With a
test set, its cost is recorded at the same iterations, for the same parameters.

The learning rate may change between any two steps. A non-finite cost or parameter
stops training: the parameters of the last finite iteration are kept.

Steps run in the buffered ``Engine`` (``core/fast``). The costs and the instruments'
readings are computed only at the iterations the histories will keep
(``History.next_due``), and finiteness is checked once every ``CHECK_EVERY`` steps: steps
that went non-finite are rolled back and replayed one careful step at a time (same
arithmetic, so the same numbers) to stop at exactly the iteration where it happened.
How many steps to run, and when, is the caller's business (``session/loop.py``).
"""

from __future__ import annotations

import dataclasses
import functools
import math
from dataclasses import dataclass

import numpy as np

from playground.core.datasets import Dataset
from playground.core.fast.engine import Engine
from playground.core.gradcheck import (
    GradCheckResult,
    backprop_gradients,
    backprop_with_bug,
    gradient_check,
)
from playground.core.initialization import initialize_parameters
from playground.core.instruments import LayerReadings, UnitStats, read_layers, unit_stats
from playground.core.metrics import accuracy_from_output, gradient_norms, unit_spreads
from playground.core.network import (
    Architecture,
    Parameters,
    backward,
    check_data,
    check_parameters,
    compute_cost,
    forward,
)
from playground.session.history import History

# Small on purpose: each point costs a pass of measurements (more than a training step),
# so it thins out early.
LAYER_HISTORY_CAPACITY = 128
# Steps between two finiteness checks: a divergence is found within this many steps and
# then pinned down by replaying them one by one.
CHECK_EVERY = 64
CHECK_EXAMPLES = 64            # a gradient check uses at most this many examples
MAX_RATE_CHANGES = 256         # learning-rate changes remembered for the cost plot


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
        self.history = History(history_capacity, columns=2)      # [J, test J]
        self.divergence: Divergence | None = None
        self.engine = Engine(arch, train.X, train.Y)
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
        self.engine.load(parameters)
        self.iteration = int(iteration)
        self.history = History(self.history.capacity, columns=2)
        self.layers = History(LAYER_HISTORY_CAPACITY, columns=layer_columns(self.arch))
        self.divergence = None
        self._stepped = False          # the engine's gradient buffers hold the last step's
        self._previous: np.ndarray | None = None     # the parameters of iteration − 1
        self._symmetry_breaks = 0
        #: (iteration, new learning rate) of every change since iteration 0 (the newest ones)
        self.rate_changes: list[tuple[int, float]] = []

    @property
    def parameters(self) -> Parameters:
        """Return a copy of the current parameters {W1, b1, …, WL, bL}."""
        return {key: value.copy() for key, value in self.engine.parameters().items()}

    @property
    def last_grads(self) -> dict[str, np.ndarray] | None:
        """Return a copy of the last step's gradients {dW1, db1, …}, or None before one."""
        if not self._stepped:
            return None
        return {key: value.copy() for key, value in self.engine.gradients().items()}

    def set_parameters(self, parameters: Parameters, iteration: int | None = None) -> None:
        """Replace the parameters (same architecture); the iteration count is kept or set."""
        check_parameters(parameters, self.arch)
        bad = non_finite(parameters)
        if bad:
            raise ValueError(bad)
        self._set_state({k: np.array(v, dtype=float) for k, v in parameters.items()},
                        self.iteration if iteration is None else iteration)

    def set_learning_rate(self, learning_rate: float) -> None:
        """Use ``learning_rate`` from the next step on, and note the change (``rate_changes``)."""
        self.learning_rate = check_learning_rate(learning_rate)
        changes = self.rate_changes
        if changes and changes[-1][0] == self.iteration:
            changes.pop()                      # several changes between two steps: the last
        changes.append((self.iteration, self.learning_rate))
        del changes[:-MAX_RATE_CHANGES]

    @property
    def diverged(self) -> bool:
        return self.divergence is not None

    # -- stepping ---------------------------------------------------------------------
    def run(self, iterations: int) -> int:
        """Run up to ``iterations`` steps; return how far the iteration count advanced.

        On divergence the count stops at the last finite iteration, so it may advance less.
        """
        start = self.iteration
        # Overflow on the way to divergence is expected: the chunk checks report it.
        with np.errstate(all="ignore"):
            while not self.diverged and self.iteration - start < iterations:
                self._run_chunk(min(CHECK_EVERY, iterations - (self.iteration - start)))
        return self.iteration - start

    def _run_chunk(self, k: int) -> None:
        """Run k steps fast; if they went non-finite, roll back and replay them carefully.

        The state one step before the end is kept too, so that the replay of the next
        chunk can step back from its first iteration just as from any other.
        """
        engine, mark = self.engine, self.checkpoint()
        self._stepped = True
        if self._run_fast(k - 1):
            self._previous = engine.save()
            if self._run_fast(1) and engine.finite():
                return
        self.rewind(mark)
        for _ in range(k):
            if self.diverged:
                break
            self._step_carefully()

    def checkpoint(self) -> tuple:
        """Return what ``rewind`` needs to put the run back where it stands now: the
        parameters, the last step's gradients (``last_grads``) and the counters."""
        return (self.engine.save(), self.engine.m_dWb_all.copy(), self._stepped, self.iteration,
                self._previous, self.divergence)

    def rewind(self, checkpoint: tuple) -> None:
        """Put the run back where it stood at ``checkpoint``, forgetting the costs and
        readings recorded since (steps replayed from there give the same numbers)."""
        saved, gradients, self._stepped, self.iteration, self._previous, self.divergence = (
            checkpoint)
        self.engine.restore(saved)
        np.copyto(self.engine.m_dWb_all, gradients)
        self.history.truncate(self.iteration - 1)
        self.layers.truncate(self.iteration - 1)

    def _run_fast(self, k: int) -> bool:
        """Run k steps, recording what is due; return False if a recorded cost is not finite."""
        engine, learning_rate = self.engine, self.learning_rate
        i, end = self.iteration, self.iteration + k
        while i < end:
            due = min(self.history.next_due(i), self.layers.next_due(i), end)
            engine.steps(due - i, learning_rate)
            i = due
            if i == end:
                break
            engine.forward()
            cost = engine.cost()
            if not math.isfinite(cost):
                return False
            engine.backward()
            self._record(i, cost)
            engine.update(learning_rate)
            i += 1
        self.iteration = end
        return True

    def _step_carefully(self) -> None:
        """One step that checks the cost and the new parameters before committing them."""
        i, engine = self.iteration, self.engine
        engine.forward()
        cost = engine.cost()
        if not math.isfinite(cost):
            self._diverge(i, f"the cost J became {cost}")
            return
        engine.backward()
        self._record(i, cost)
        before = engine.save()
        engine.update(self.learning_rate)
        if not engine.finite():
            # The update itself overflowed: iteration i is the last finite one.
            bad = non_finite(engine.parameters())
            engine.restore(before)
            self.divergence = Divergence(i + 1, bad, self.learning_rate, kept_iteration=i)
            return
        self._previous = before
        self.iteration = i + 1

    def _record(self, i: int, cost: float) -> None:
        """Keep iteration i's cost (and test cost) and, when due, its readings (after
        backward, before update)."""
        self.history.add(i, (cost, self._test_cost()))
        if self.layers.due(i):
            e = self.engine
            readings = read_layers(e.parameters(), e.gradients(), e.cache(), self.arch)
            self.layers.add(i, np.concatenate([getattr(readings, f.name)
                                               for f in dataclasses.fields(readings)]))

    def _diverge(self, i: int, what: str) -> None:
        """Stop at iteration i whose cost is non-finite; step back to i − 1 when we can."""
        if self._previous is not None:
            self.engine.restore(self._previous)
            self.iteration = i - 1
            self._previous = None
            self.history.truncate(self.iteration)
            self.layers.truncate(self.iteration)
        self.divergence = Divergence(i, what, self.learning_rate, kept_iteration=self.iteration)

    # -- reading ----------------------------------------------------------------------
    @quiet
    def evaluate(self, data: Dataset | None) -> tuple[float | None, float | None]:
        """Return (J, accuracy) of the current parameters on ``data`` from one forward
        pass; (None, None) without data, accuracy None for regression.

        On the training set that pass is the engine's, in its own buffers (the next step
        computes them afresh): cheaper than a fresh pass, and J is then exactly what the
        cost history records."""
        if data is None or data.m == 0:
            return None, None
        if data is self.train:
            engine = self.engine
            engine.forward()
            return engine.cost(), accuracy_from_output(engine.output.A, data.Y, self.arch)
        cache = forward(data.X, self.parameters, self.arch)
        AL = cache.A[self.arch.L]
        return compute_cost(cache, data.Y, self.arch), accuracy_from_output(AL, data.Y, self.arch)

    def _test_cost(self) -> float:
        """Return J on the test set (NaN without one), in the engine's arithmetic order
        for the forward pass of ``network.py``."""
        if self.test is None:
            return math.nan
        with np.errstate(all="ignore"):
            cache = forward(self.test.X, self.engine.parameters(), self.arch)
            return compute_cost(cache, self.test.Y, self.arch)

    def cost_history(self) -> np.ndarray:
        """Return rows [iteration, J] (k, 2), thinned evenly (see ``History``)."""
        return self.history.as_array()[:, :2]

    def test_history(self) -> np.ndarray:
        """Return rows [iteration, test J] (k, 2) at the same iterations; (0, 2) without a
        test set."""
        if self.test is None:
            return np.zeros((0, 2))
        return self.history.as_array()[:, ::2]

    def cost(self) -> float:
        """Return J of the current parameters (iteration ``self.iteration``)."""
        return self.evaluate(self.train)[0]

    def test_cost(self) -> float | None:
        """Return J on the test set, or None without one."""
        return self.evaluate(self.test)[0]

    def train_accuracy(self) -> float | None:
        return self.evaluate(self.train)[1]

    def test_accuracy(self) -> float | None:
        return self.evaluate(self.test)[1]

    @quiet
    def unit_stats(self) -> tuple[UnitStats, ...]:
        """Return what each hidden layer's units do on the training set now (one forward
        pass, in the engine's buffers)."""
        engine = self.engine
        engine.forward()
        cache, p = engine.cache(), engine.parameters()
        return tuple(unit_stats(cache.Z[l], cache.A[l], p[f"W{l}"], p[f"b{l}"], activation)
                     for l, activation in enumerate(self.arch.activations, start=1))

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

    def break_symmetry(self, layer: int, size: float = 1e-3, which: int = 0) -> None:
        """Add size · randn(n[l], n[l-1]) to W[layer], drawn from the run's seed.

        The k-th press draws from RandomState([seed, layer, k]): reproducible, and
        independent of the initialisation's stream. (``which`` must be 0: a single run.)
        """
        if which != 0:
            raise ValueError(f"a single run has no run {which}")
        if not 1 <= layer <= self.arch.L:
            raise ValueError(f"layer must be 1..{self.arch.L}, got {layer}")
        if not (math.isfinite(size) and size > 0):
            raise ValueError(f"noise size must be a finite number > 0, got {size!r}")
        self._symmetry_breaks += 1
        rng = np.random.RandomState([self.seed, layer, self._symmetry_breaks])
        W = self.engine.parameters()[f"W{layer}"]
        W += size * rng.randn(*W.shape)
        self._previous = None          # not one gradient step back any more

    def set_weight(self, layer: int, row: int, column: int, value: float) -> float:
        """Set W[layer][row, column] (numbered from 1, as the notes do) to ``value``; return
        the value it had. The run goes on from the edited weights."""
        if not 1 <= layer <= self.arch.L:
            raise ValueError(f"layer must be 1..{self.arch.L}, got {layer}")
        n, n_prev = self.arch.layer_dims[layer], self.arch.layer_dims[layer - 1]
        if not (1 <= row <= n and 1 <= column <= n_prev):
            raise ValueError(f"W[{layer}] is ({n}, {n_prev}): no entry [{row}, {column}]")
        if not math.isfinite(value):
            raise ValueError(f"a weight must be a finite number, got {value!r}")
        W = self.engine.parameters()[f"W{layer}"]
        old = float(W[row - 1, column - 1])
        W[row - 1, column - 1] = value
        self._previous = None          # not one gradient step back any more
        return old

    def check_gradients(self, bug_layer: int = 0) -> GradCheckResult:
        """Return a gradient check of the current parameters on at most CHECK_EXAMPLES
        examples (the check does two forward passes per parameter); ``bug_layer`` > 0
        checks a backprop that forgets g'[bug_layer] instead."""
        columns = slice(None, None, max(1, self.train.m // CHECK_EXAMPLES))
        gradients = backprop_with_bug(bug_layer) if bug_layer > 0 else backprop_gradients
        with np.errstate(all="ignore"):
            result = gradient_check(self.parameters, self.train.X[:, columns],
                                    self.train.Y[:, columns], self.arch, gradients=gradients)
        return dataclasses.replace(result, iteration=self.iteration)

    def refusal(self) -> str:
        """Return why the run does not play on: its divergence, and what to do."""
        return f"{self.divergence.message} Reset to start again."

    @quiet
    def gradient_norms(self) -> list[float]:
        """Return ‖dW[l]‖ of the last step (of the current parameters before any step)."""
        grads = self.last_grads
        if grads is None:
            grads = backprop_gradients(self.parameters, self.train.X, self.train.Y, self.arch)
        return gradient_norms(grads, self.arch.L)
