"""The training of one run, in the order the course uses.

Iteration i: forward → cost → backward → update. The cost recorded for iteration i is
the cost of the parameters after i updates, so iteration 0 is the initial cost (with
mini-batches: the cost of the mini-batch that update i + 1 uses, the course's noisy
curve; the full training cost after each epoch is recorded too). With a test set, its
cost is recorded at the same iterations, for the same parameters.

The learning rate and the course-2 options (optimiser, decay, L2/L1, dropout, batch size)
may change between any two steps. A non-finite cost or parameter stops training: the
parameters of the last finite iteration are kept.

Steps run in the buffered ``BatchedEngine`` (``core/fast``), which computes plain
full-batch gradient descent bit for bit as ``Engine`` does. The costs and the instruments'
readings are computed only at the iterations the histories will keep
(``History.next_due``), and finiteness is checked once every ``CHECK_EVERY`` steps: steps
that went non-finite are rolled back and replayed one careful step at a time (same
arithmetic, same random draws, so the same numbers) to stop at exactly the iteration where
it happened. How many steps to run, and when, is the caller's business
(``session/loop.py``).
"""

from __future__ import annotations

import math

import numpy as np

from playground.core.datasets import Dataset
from playground.core.fast.batched import BatchedEngine
from playground.core.features import Inputs
from playground.core.initialization import initialize_parameters
from playground.core.instruments import read_layers, readings_columns, readings_row
from playground.core.network import Architecture, Parameters, check_data, check_parameters
from playground.core.training import TrainingOptions
from playground.session.divergence import (  # noqa: F401 (also read from here)
    Divergence,
    check_learning_rate,
    non_finite,
    quiet,
)
from playground.session.history import History
from playground.session.trainer_readings import TrainerReadings

# Small on purpose: each point costs a pass of measurements (more than a training step),
# so it thins out early.
LAYER_HISTORY_CAPACITY = 128
# The full training cost after an epoch costs a forward pass over all m examples.
EPOCH_HISTORY_CAPACITY = 256
# Steps between two finiteness checks: a divergence is found within this many steps and
# then pinned down by replaying them one by one.
CHECK_EVERY = 64
MAX_RATE_CHANGES = 256         # learning-rate changes remembered for the cost plot


class Trainer(TrainerReadings):
    """Owns one run's parameters and steps them; Qt-free and single-threaded.

    ``train`` and ``test`` are Datasets whose X is (n_x, m), as the network sees them;
    ``test`` may be None. ``inputs`` turns raw points into what the network sees
    (features, normalisation; default: as they are) and ``shown`` holds the raw data the
    pictures draw (default: ``train``, ``test``). ``options`` adds course 2 (default: plain
    full-batch gradient descent); ``resume`` holds what an exact continuation needs
    besides the parameters (moments, counters, the generator's state: ``resume_arrays()``
    of the run saved) and ``cost_history`` its cost curve so far, rows [iteration, J].
    """

    def __init__(self, arch: Architecture, train: Dataset, test: Dataset | None = None, *,
                 init: str = "random", init_scale: float = 0.01, seed: int = 0,
                 learning_rate: float = 0.01, parameters: Parameters | None = None,
                 iteration: int = 0, history_capacity: int = 2048,
                 options: TrainingOptions | None = None,
                 resume: dict[str, np.ndarray] | None = None, inputs: Inputs | None = None,
                 shown: tuple[Dataset, Dataset | None] | None = None,
                 cost_history: np.ndarray | None = None) -> None:
        check_data(train.X, arch, train.Y)
        if test is not None:
            check_data(test.X, arch, test.Y)
        self.arch, self.train, self.test = arch, train, test
        self.inputs = Inputs() if inputs is None else inputs
        self.shown_train, self.shown_test = (train, test) if shown is None else shown
        self.init, self.init_scale, self.seed = init, float(init_scale), int(seed)
        self.learning_rate = check_learning_rate(learning_rate)
        self.options = TrainingOptions() if options is None else options
        self.history = History(history_capacity, columns=2)      # [J, test J]
        self.divergence: Divergence | None = None
        self.rng = np.random.RandomState(self.seed)
        self.engine = BatchedEngine(arch, train.X, train.Y, self.options, self.rng)
        if parameters is None:
            self.reset()
        else:
            check_parameters(parameters, arch)
            self._set_state({k: np.array(v, dtype=float) for k, v in parameters.items()},
                            iteration)
            if resume is not None:
                self.engine.resume(resume)
            for i, cost in np.asarray(cost_history if cost_history is not None
                                      else np.zeros((0, 2))).reshape(-1, 2):
                if i < self.iteration:        # the saved run's curve, up to where it stops
                    self.history.add(int(i), (cost, math.nan))

    # -- state ------------------------------------------------------------------------
    def reset(self, seed: int | None = None) -> None:
        """Re-draw the parameters from ``seed`` (default: the run's seed); iteration 0.
        The same generator then shuffles and draws dropout masks, as in the course."""
        if seed is not None:
            self.seed = int(seed)
        self.rng = np.random.RandomState(self.seed)
        parameters = initialize_parameters(self.arch.layer_dims, self.init, self.rng,
                                           self.init_scale)
        self._set_state(parameters, 0)

    def _set_state(self, parameters: Parameters, iteration: int) -> None:
        self.engine.load(parameters)
        self.engine.restart(self.rng)
        self.iteration = int(iteration)
        self.history = History(self.history.capacity, columns=2)
        self.layers = History(LAYER_HISTORY_CAPACITY, columns=readings_columns(self.arch))
        self.epochs = History(EPOCH_HISTORY_CAPACITY)
        self.divergence = None
        self._stepped = False          # the engine's gradient buffers hold the last step's
        self._previous = None          # the engine's state at iteration − 1
        self._symmetry_breaks = 0
        #: (iteration, new learning rate) of every change since iteration 0 (the newest ones)
        self.rate_changes: list[tuple[int, float]] = []

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

    def set_options(self, options: TrainingOptions) -> str:
        """Train with ``options`` from the next step on, keeping the weights; return what
        happened in words. A new optimiser or batch size zeroes the optimiser's moments
        (and a new batch size starts a fresh epoch); α, β, ε, decay, λ and keep_prob just
        change. ValueError, and nothing changes, for options this data refuses."""
        old = self.options
        self.engine.set_options(options)
        self.options = options
        self._previous = None
        m = self.train.m
        if options.batching(m) != old.batching(m):
            return ("The batch size changed: the optimiser's state was reset (not the "
                    "weights) and a new epoch begins.")
        if options.optimizer.name != old.optimizer.name:
            return "The optimiser changed: its state was reset, not the weights."
        return ""

    def resume_arrays(self) -> dict[str, np.ndarray]:
        """Return what continuing this run exactly needs besides the parameters and the
        iteration (for the .npz file): ``BatchedEngine.resume_arrays``."""
        return self.engine.resume_arrays()

    @property
    def diverged(self) -> bool:
        return self.divergence is not None

    @property
    def epoch(self) -> int:
        """Epochs completed (passes through the training set)."""
        return self.engine.epoch

    @property
    def at_epoch_start(self) -> bool:
        """Whether the next update begins an epoch (a new pass through the training set)."""
        return self.engine.position == 0

    def learning_rate_now(self) -> float:
        """Return the α the next update uses: the learning rate after its decay."""
        return self.engine.learning_rate(self.learning_rate)

    def batch_cost(self) -> float:
        """Return J (with penalties) of the mini-batch the next update uses, with the
        current parameters: what the cost history records for the next iteration."""
        return self.engine.batch_cost()

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
        engine's state (parameters, gradients, moments, position, generator) and the
        counters."""
        return (self.engine.save(), self._stepped, self.iteration, self._previous,
                self.divergence)

    def rewind(self, checkpoint: tuple) -> None:
        """Put the run back where it stood at ``checkpoint``, forgetting the costs and
        readings recorded since (steps replayed from there give the same numbers)."""
        saved, self._stepped, self.iteration, self._previous, self.divergence = checkpoint
        self.engine.restore(saved)
        self._forget_after(self.iteration - 1)

    def _forget_after(self, iteration: int) -> None:
        self.history.truncate(iteration)
        self.layers.truncate(iteration)
        self.epochs.truncate(self.engine.epoch)

    def _run_fast(self, k: int) -> bool:
        """Run k steps, recording what is due; return False if a recorded cost is not finite."""
        engine, learning_rate = self.engine, self.learning_rate
        i, end = self.iteration, self.iteration + k
        while i < end:
            due = min(self.history.next_due(i), self.layers.next_due(i),
                      self._next_epoch_end(i), end)
            engine.steps(due - i, learning_rate)
            i = due
            if not self._record_epoch():
                return False
            if i == end:
                break
            if self.history.due(i) or self.layers.due(i):
                engine.forward()
                cost = engine.cost()
                if not math.isfinite(cost):
                    return False
                engine.backward()
                self._record(i, cost)
                engine.update(learning_rate)
                i += 1
                if not self._record_epoch():
                    return False
        self.iteration = end
        return True

    @property
    def epochs_are_iterations(self) -> bool:
        """True when every iteration is an epoch whose recorded cost is the full training
        cost (the whole set as one batch, no dropout): no separate epoch history then."""
        return (self.engine.batching.full_batch
                and not self.options.regularization.dropout)

    def _next_epoch_end(self, i: int) -> float:
        """Return the iteration at which an epoch whose cost is due ends (inf when epochs
        are iterations: then the cost history is the epoch history)."""
        engine = self.engine
        if self.epochs_are_iterations:
            return math.inf
        epoch = self.epochs.next_due(engine.epoch + 1)
        return (i + engine.updates_left_in_epoch
                + (epoch - engine.epoch - 1) * engine.batching.batches_per_epoch)

    def _record_epoch(self) -> bool:
        """After an update that ended a due epoch, record the full training cost; return
        False if it is not finite."""
        engine = self.engine
        if (self.epochs_are_iterations or engine.position != 0 or engine.epoch == 0
                or not self.epochs.due(engine.epoch)):
            return True
        cost = engine.full_cost()
        self.epochs.add(engine.epoch, cost)
        return math.isfinite(cost)

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
        if not engine.finite() or not self._record_epoch():
            # The update itself overflowed: iteration i is the last finite one.
            bad = non_finite(engine.parameters()) or "the training cost became non-finite"
            engine.restore(before)
            self._forget_after(i)
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
            self.layers.add(i, readings_row(readings))

    def _diverge(self, i: int, what: str) -> None:
        """Stop at iteration i whose cost is non-finite; step back to i − 1 when we can."""
        if self._previous is not None:
            self.engine.restore(self._previous)
            self.iteration = i - 1
            self._previous = None
            self._forget_after(self.iteration)
        self.divergence = Divergence(i, what, self.learning_rate, kept_iteration=self.iteration)

    # -- the learner's hands on the weights ---------------------------------------------
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

    def refusal(self) -> str:
        """Return why the run does not play on: its divergence, and what to do."""
        return f"{self.divergence.message} Reset to start again."
