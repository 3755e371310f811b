"""The course-2 training loop, readable: mini-batches, an optimizer, decay, regularisation.

This is the notebook's ``model`` loop written once with this project's pieces, and the
reference the fast engine (``core/fast/batched.py``) is tested against:

    for epoch e = 1, 2, …:
        α = α₀ decayed for epoch e                              (optimizers.Decay)
        for each mini-batch (X{k}, Y{k}) of epoch e:             (minibatch.py)
            D = dropout masks drawn from the run's generator     (regularization.py)
            forward → J (with penalties) → backward (with penalties and masks)
            t += 1;  update with the rule, its moments and t   (optimizers.py)

Randomness, all from the run's generator ``rng`` unless a shuffle seed is given, in this
order: each epoch's permutation when it starts, then each update's masks, layer by layer.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import Field, dataclass, field, fields

import numpy as np

from playground.core.minibatch import Batching, epoch_mini_batches
from playground.core.network import (
    Architecture,
    Parameters,
    backward,
    check_data,
    compute_cost_with_regularization,
    forward,
)
from playground.core.optimizers import (
    SETTING_SYMBOLS,
    Decay,
    Moments,
    OptimizerSettings,
    initialize_moments,
    update_parameters,
)
from playground.core.regularization import NO_REGULARIZATION, Regularization, draw_dropout


@dataclass(frozen=True)
class TrainingOptions:
    """Everything course 2 adds to a run, each part checked by its own module.

    ``batch_size`` None is m, the whole training set; ``shuffle_seed`` None shuffles
    from the run's generator.
    """

    batch_size: int | None = None
    shuffle_seed: int | None = None
    optimizer: OptimizerSettings = field(default_factory=OptimizerSettings)
    decay: Decay = field(default_factory=Decay)
    regularization: Regularization = field(default_factory=Regularization)

    def batching(self, m: int) -> Batching:
        """Return the mini-batches for m examples (raises ValueError for B outside 1..m)."""
        return Batching(m, m if self.batch_size is None else self.batch_size,
                        self.shuffle_seed)

    def is_plain(self, m: int) -> bool:
        """True for course 1's plain full-batch gradient descent: B = m, gd, no decay, no
        penalty, no dropout (what ``core/fast/engine.Engine`` computes)."""
        return (self.batching(m).full_batch and self.optimizer.name == "gd"
                and self.decay.rate == 0 and not self.regularization.penalized
                and not self.regularization.dropout)

    def uses_generator(self, m: int) -> bool:
        """True if training draws from the run's generator (dropout masks, or shuffles
        without a shuffle seed)."""
        batching = self.batching(m)
        return self.regularization.dropout or (not batching.full_batch
                                               and batching.shuffle_seed is None)


def _setting(default, label: str, what: str):
    """A TrainingFields field: its ``default``, its ``label`` (its name in a note or a
    menu) and ``what`` it is, in words for messages."""
    return field(default=default, metadata={"label": label, "what": what})


@dataclass(frozen=True, eq=False, kw_only=True)
class TrainingFields:
    """Course 2's settings as flat fields, named as the command line and the ``.npz`` file
    name them: a run's configuration (``RunConfig``) and a saved model (``SavedModel``)
    both have them, from here. The defaults are course 1: plain full-batch gradient
    descent on the data's own inputs. ``training_options`` groups (and checks) all but the
    inputs' two.
    """

    features: tuple[str, ...] | None = _setting(                           # None: x1, x2
        None, "input features", "the input features")
    normalize: bool = _setting(False, "normalisation", "whether the inputs are normalised")
    batch_size: int | None = _setting(None, "batch size", "the mini-batch size B")  # None: m
    shuffle_seed: int | None = _setting(None, "shuffle seed",
                                        "the seed of each epoch's shuffle")
    optimizer: str = _setting("gd", "optimiser", "the update rule")
    beta: float = _setting(0.9, SETTING_SYMBOLS["beta"], "momentum's β")
    beta1: float = _setting(0.9, SETTING_SYMBOLS["beta1"], "Adam's β₁")
    beta2: float = _setting(0.999, SETTING_SYMBOLS["beta2"], "the β₂ of RMSprop and Adam")
    epsilon: float = _setting(1e-8, SETTING_SYMBOLS["epsilon"], "the ε of RMSprop and Adam")
    decay_rate: float = _setting(0.0, "decay rate", "the learning-rate decay rate")
    decay_interval: int | None = _setting(None, "decay interval",
                                          "the learning-rate decay interval in epochs")
    l2: float = _setting(0.0, "L2 λ", "the L2 penalty λ")
    l1: float = _setting(0.0, "L1 λ", "the L1 penalty λ")
    keep_prob: float = _setting(1.0, "keep-prob", "dropout's keep-prob")

    def training_options(self) -> TrainingOptions:
        """Return the mini-batch, optimiser, decay and regularisation settings (ValueError
        for any that cannot be)."""
        return TrainingOptions(
            batch_size=self.batch_size, shuffle_seed=self.shuffle_seed,
            optimizer=OptimizerSettings(self.optimizer, self.beta, self.beta1, self.beta2,
                                        self.epsilon),
            decay=Decay(self.decay_rate, self.decay_interval),
            regularization=Regularization(self.l2, self.l1, self.keep_prob))

    def training_settings(self) -> dict[str, object]:
        """Return these settings by name."""
        return {f.name: getattr(self, f.name) for f in training_fields()}


def training_fields() -> tuple[Field, ...]:
    """Return TrainingFields' fields, in order; ``metadata["label"]`` names each, and
    ``metadata["what"]`` says it in words."""
    return fields(TrainingFields)


#: Each course-2 setting's name in a note or a menu: "batch size", "L2 λ", "β₁", …
TRAINING_LABELS = {f.name: f.metadata["label"] for f in training_fields()}


@dataclass(frozen=True)
class Update:
    """What one update did: ``t`` (updates so far, from 1), its ``epoch`` (from 1), the
    ``cost`` of its mini-batch before it (with penalties), the gradients it used, and the
    parameters and moments after it."""

    t: int
    epoch: int
    cost: float
    grads: dict[str, np.ndarray]
    parameters: Parameters
    moments: Moments


def descend(X: np.ndarray, Y: np.ndarray, parameters: Parameters, arch: Architecture,
            learning_rate: float, options: TrainingOptions | None = None,
            rng: np.random.RandomState | None = None) -> Iterator[Update]:
    """Yield every update of the course-2 loop from ``parameters``, without end.

    X : (n_x, m), Y : (n_y, m); ``learning_rate`` is α₀; ``options`` default to plain
    full-batch gradient descent; ``rng`` is the run's generator (needed for dropout, and
    for shuffling without a shuffle seed).
    """
    check_data(X, arch, Y)
    options = TrainingOptions() if options is None else options
    batching = options.batching(X.shape[1])
    regularization = options.regularization
    moments = initialize_moments(parameters, options.optimizer.name)
    t = 0
    for epoch in itertools.count(1):
        rate = options.decay.learning_rate_in_epoch(learning_rate, epoch)
        for X_k, Y_k in epoch_mini_batches(X, Y, batching, epoch, rng):
            dropout = draw_dropout(arch.layer_dims, X_k.shape[1], regularization.keep_prob,
                                   rng)
            cache = forward(X_k, parameters, arch, dropout)
            cost = compute_cost_with_regularization(cache, Y_k, parameters, arch,
                                                    regularization)
            grads = backward(parameters, cache, Y_k, arch, regularization=regularization)
            t += 1
            parameters, moments = update_parameters(parameters, grads, moments, t, rate,
                                                    options.optimizer)
            yield Update(t, epoch, cost, grads, parameters, moments)


def full_cost(X: np.ndarray, Y: np.ndarray, parameters: Parameters, arch: Architecture,
              regularization: Regularization = NO_REGULARIZATION) -> float:
    """Return J on the whole of X (n_x, m), with the penalties, without dropout: the
    cost recorded after each epoch."""
    return compute_cost_with_regularization(forward(X, parameters, arch), Y, parameters,
                                            arch, regularization)
