"""What a Trainer can be asked about its run: costs, accuracies, histories and the
instruments' readings. A mixin of ``Trainer`` (``session/trainer.py``), which owns the
state these read: ``engine``, ``arch``, ``train``, ``test``, ``options``, the histories.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from playground.core.datasets import Dataset
from playground.core.gradcheck import (
    GradCheckResult,
    backprop_gradients,
    backprop_with_bug,
    gradient_check,
)
from playground.core.instruments import LayerReadings, UnitStats, read_layers, split_readings
from playground.core.instruments import unit_stats as layer_unit_stats
from playground.core.metrics import accuracy_from_output, gradient_norms, unit_spreads
from playground.core.network import Cache, Parameters, backward, compute_cost, forward
from playground.core.regularization import weight_norm
from playground.session.divergence import quiet

CHECK_EXAMPLES = 64            # a gradient check uses at most this many examples


class TrainerReadings:
    """The reading half of a Trainer (see the module docstring)."""

    @property
    def parameters(self) -> Parameters:
        """Return a copy of the current parameters {W1, b1, …, WL, bL}."""
        return {key: value.copy() for key, value in self.engine.parameters().items()}

    @property
    def last_grads(self) -> dict[str, np.ndarray] | None:
        """Return a copy of the last step's gradients {dW1, db1, …} (penalties included),
        or None before one."""
        if not self._stepped:
            return None
        return {key: value.copy() for key, value in self.engine.gradients().items()}

    @quiet
    def evaluate(self, data: Dataset | None, cache: Cache | None = None
                 ) -> tuple[float | None, float | None]:
        """Return (J, accuracy) of the current parameters on ``data`` from one forward
        pass, without dropout; (None, None) without data, accuracy None for regression.

        On the training set J includes the L2/L1 penalties (the cost training minimises)
        and the pass is the engine's, in its own buffers (``cache``: that pass, already
        run by ``engine.full_cache()`` at these parameters); on the test set J is the
        data's cost alone, the one to compare across settings."""
        if data is None or data.m == 0:
            return None, None
        if data is self.train:
            cache = self.engine.full_cache() if cache is None else cache
            return (self.engine.full_cost(run_forward=False),
                    accuracy_from_output(cache.A[self.arch.L], data.Y, self.arch))
        cache = forward(data.X, self.engine.parameters(), self.arch)
        AL = cache.A[self.arch.L]
        return compute_cost(cache, data.Y, self.arch), accuracy_from_output(AL, data.Y, self.arch)

    def _test_cost(self) -> float:
        """Return J on the test set (NaN without one)."""
        if self.test is None:
            return math.nan
        with np.errstate(all="ignore"):
            cache = forward(self.test.X, self.engine.parameters(), self.arch)
            return compute_cost(cache, self.test.Y, self.arch)

    def cost_history(self) -> np.ndarray:
        """Return rows [iteration, J] (k, 2), thinned evenly (see ``History``). With
        mini-batches J at iteration i is the cost of the mini-batch that update i + 1
        uses (the course's noisy curve)."""
        return self.history.as_array()[:, :2]

    def test_history(self) -> np.ndarray:
        """Return rows [iteration, test J] (k, 2) at the same iterations; (0, 2) without a
        test set."""
        if self.test is None:
            return np.zeros((0, 2))
        return self.history.as_array()[:, ::2]

    def epoch_history(self) -> np.ndarray:
        """Return rows [epoch, full training J after it] (k, 2), thinned evenly. With the
        whole set as one batch an epoch is an iteration, and these are the cost history's
        rows from iteration 1 on."""
        if self.epochs_are_iterations:
            rows = self.cost_history()
            return rows[rows[:, 0] >= 1]
        return self.epochs.as_array()

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

    def weight_norm(self) -> float:
        """Return √Σ‖W[l]‖²_F of the current weights (what L2 keeps small)."""
        return weight_norm(self.engine.parameters(), self.arch.L)

    @quiet
    def unit_stats(self, cache: Cache | None = None) -> tuple[UnitStats, ...]:
        """Return what each hidden layer's units do on the training set now (one forward
        pass over all of it, without dropout, in the engine's buffers; ``cache``: that
        pass, already run by ``engine.full_cache()``)."""
        cache = self.engine.full_cache() if cache is None else cache
        p = self.engine.parameters()
        return tuple(layer_unit_stats(cache.Z[l], cache.A[l], p[f"W{l}"], p[f"b{l}"], g)
                     for l, g in enumerate(self.arch.activations, start=1))

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
        return split_readings(self.layers.iterations, self.layers.rows, self.arch)

    @quiet
    def gradient_norms(self) -> list[float]:
        """Return ‖dW[l]‖ of the last step (of the current parameters before any step)."""
        grads = self.last_grads
        if grads is None:
            grads = backprop_gradients(self.parameters, self.train.X, self.train.Y, self.arch,
                                       regularization=self.options.regularization)
        return gradient_norms(grads, self.arch.L)

    def check_gradients(self, bug_layer: int = 0) -> GradCheckResult:
        """Return a gradient check of the current parameters on at most CHECK_EXAMPLES
        examples (the check does two forward passes per parameter), with the L2/L1
        penalties and without dropout; ``bug_layer`` > 0 checks a backprop that forgets
        g'[bug_layer] instead."""
        columns = slice(None, None, max(1, self.train.m // CHECK_EXAMPLES))
        gradients = backprop_with_bug(bug_layer) if bug_layer > 0 else backprop_gradients
        with np.errstate(all="ignore"):
            result = gradient_check(self.parameters, self.train.X[:, columns],
                                    self.train.Y[:, columns], self.arch, gradients=gradients,
                                    regularization=self.options.regularization)
        return dataclasses.replace(result, iteration=self.iteration)
