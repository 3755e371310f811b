"""A frozen description of a run, and how to build its data, network and trainer.

The same ``RunConfig`` is what the CLI parses, what the GUI's controls edit and what a
saved session stores as JSON, so a run can be reproduced exactly.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from playground.core import csv_data
from playground.core.datasets import DATASETS, Dataset, make_dataset, split
from playground.core.features import RAW_INPUTS, Inputs, check_features
from playground.core.initialization import INITS
from playground.core.network import Architecture, check_hidden_layers
from playground.core.objectives import DEFAULT_LOSS, DEFAULT_OUTPUT, OBJECTIVES
from playground.core.training import TrainingFields
from playground.session.trainer import Trainer, check_learning_rate


@dataclass(frozen=True)
class RunConfig(TrainingFields):
    """Everything that determines a run. ``None`` means "the dataset's/problem's default".

    Course 2's settings (inputs, mini-batches, optimiser, decay, regularisation) are
    ``TrainingFields``'; the fields here come after them (``to_dict``'s order).
    """

    dataset: str = "flower"
    data_path: str | None = None
    test_data_path: str | None = None
    samples: int | None = None
    noise: float | None = None
    data_seed: int | None = None
    classes: int | None = None
    test_fraction: float = 0.0
    hidden_layers: tuple[int, ...] = (4,)
    activations: tuple[str, ...] = ("tanh",)
    output: str | None = None
    loss: str | None = None
    init: str = "random"
    init_scale: float = 0.01
    seed: int = 2
    learning_rate: float = 1.2

    def __post_init__(self) -> None:
        object.__setattr__(self, "hidden_layers", tuple(int(n) for n in self.hidden_layers))
        object.__setattr__(self, "activations", tuple(self.activations))
        if self.features is not None:
            object.__setattr__(self, "features", tuple(self.features))
        self.validate()

    def validate(self) -> None:
        """Raise ValueError with a clear message for the first setting that cannot work."""
        if self.data_path is None and self.dataset not in DATASETS:
            raise ValueError(f"unknown dataset {self.dataset!r}; choose from "
                             f"{', '.join(DATASETS)} or give a CSV file")
        check_hidden_layers(self.hidden_layers, self.activations)
        if self.init not in INITS:
            raise ValueError(f"unknown initialisation {self.init!r}; choose from "
                             f"{', '.join(INITS)}")
        if not (math.isfinite(self.init_scale) and self.init_scale > 0):
            raise ValueError(f"init scale must be a finite number > 0, got {self.init_scale!r}")
        if not 0 <= self.test_fraction < 1:
            raise ValueError(f"test fraction must be in [0, 1), got {self.test_fraction!r}")
        if self.noise is not None and not (math.isfinite(self.noise) and self.noise >= 0):
            raise ValueError(f"noise must be a finite number ≥ 0, got {self.noise!r}")
        if self.samples is not None and self.samples < 2:
            raise ValueError(f"samples must be at least 2, got {self.samples!r}")
        if not 0 <= self.seed < 2**32 or (self.data_seed is not None
                                          and not 0 <= self.data_seed < 2**32):
            raise ValueError("seeds must be integers in [0, 2³²)")
        check_learning_rate(self.learning_rate)
        if self.features is not None:
            check_features(self.features)
        if self.batch_size is not None and self.batch_size < 1:
            raise ValueError(f"the batch size must be at least 1, got {self.batch_size!r}")
        self.training_options()

    def replace(self, **changes: Any) -> RunConfig:
        """Return a copy with ``changes`` applied (and validated)."""
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict of every field."""
        d = dataclasses.asdict(self)
        d["hidden_layers"] = list(self.hidden_layers)
        d["activations"] = list(self.activations)
        if self.features is not None:
            d["features"] = list(self.features)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> RunConfig:
        """Return the config in ``d``; ValueError names unknown or ill-typed fields."""
        if not isinstance(d, dict):
            raise ValueError("a run configuration must be a JSON object")
        fields = {f.name: f for f in dataclasses.fields(cls)}
        unknown = sorted(set(d) - set(fields))
        if unknown:
            raise ValueError(f"unknown setting(s): {', '.join(unknown)}")
        try:
            return cls(**d)
        except (TypeError, ValueError) as error:
            raise ValueError(f"invalid run configuration: {error}") from None


@dataclass(frozen=True, eq=False)
class OneHotPairs(Dataset):
    """Two classes with one-hot targets Y (2, m): what a softmax output over two classes
    learns from. Task "multiclass" (argmax decides); built by ``one_hot_pairs`` from a
    binary dataset, whose checks it reuses. ``Dataset`` keeps "multiclass" for k ≥ 3, so
    that two classes are binary (a sigmoid output) unless a softmax output is asked for.
    """

    def __post_init__(self) -> None:
        Y = np.asarray(self.Y, dtype=np.float64)
        if self.task != "multiclass" or Y.ndim != 2 or Y.shape[0] != 2:
            raise ValueError(f"two one-hot classes need task 'multiclass' and Y (2, m), got "
                             f"{self.task!r} and shape {Y.shape}")
        binary = Dataset(self.X, Y[1:], "binary", self.name, self.feature_names)
        if not np.array_equal(Y[0], 1 - Y[1]):
            raise ValueError("Y must be one-hot: one 1.0 per column, 0.0 elsewhere")
        one_hot = np.vstack([1 - binary.Y, binary.Y])
        one_hot.setflags(write=False)
        for name, value in (("X", binary.X), ("Y", one_hot),
                            ("feature_names", binary.feature_names)):
            object.__setattr__(self, name, value)


def one_hot_pairs(data: Dataset) -> Dataset:
    """Return binary ``data`` with one-hot targets (2, m): row 0 is class 0, row 1 class 1."""
    return OneHotPairs(data.X, np.vstack([1 - data.Y, data.Y]), "multiclass", data.name,
                       data.feature_names)


def output_task(output: str) -> str:
    """Return the task an output layer serves: binary, multiclass or regression."""
    return next(o.task for o in OBJECTIVES.values() if o.output == output)


def load_data(config: RunConfig) -> tuple[Dataset, Dataset | None]:
    """Return (train, test) for ``config``: a CSV file (and test CSV) or a generated set.

    Two classes with a softmax output get one-hot targets (2, m) (``one_hot_pairs``).
    """
    train, test = _load_data(config)
    if config.output is not None and output_task(config.output) == "multiclass" and (
            train.task == "binary"):
        return one_hot_pairs(train), None if test is None else one_hot_pairs(test)
    return train, test


def _load_data(config: RunConfig) -> tuple[Dataset, Dataset | None]:
    if config.data_path is not None:
        if config.test_data_path is not None:
            return csv_data.load_csv_pair(config.data_path, config.test_data_path)
        data = csv_data.load_csv(config.data_path)
    else:
        options = {} if config.classes is None else {"classes": config.classes}
        data = make_dataset(config.dataset, samples=config.samples, noise=config.noise,
                            seed=config.data_seed, **options)
    if config.test_fraction == 0:
        return data, None
    seed = config.data_seed if config.data_seed is not None else 0
    return split(data, config.test_fraction, np.random.RandomState(seed))


def architecture_for(config: RunConfig, data: Dataset) -> Architecture:
    """Return the network for ``config`` on ``data``: output and loss follow the task.

    Raises ValueError for a classifying output (sigmoid, softmax) on regression data: its
    cost would be a cross-entropy of real-valued targets, meaningless (even negative).
    """
    output = config.output or DEFAULT_OUTPUT[data.task]
    if data.task == "regression" and output_task(output) != "regression":
        raise ValueError(f"a {output} output predicts classes, but {data.name} is regression "
                         f"data (real-valued targets): use a linear output")
    loss = config.loss or DEFAULT_LOSS[output]
    return Architecture((data.n_x, *config.hidden_layers, data.n_y), config.activations,
                        output, loss)


def network_inputs(config: RunConfig, train: Dataset) -> Inputs:
    """Return what the network sees of the raw inputs: ``config``'s features (of the plane
    (x1, x2) only) and normalisation, fitted on the training split alone."""
    if config.features is not None and train.n_x != RAW_INPUTS:
        raise ValueError(f"input features are functions of (x1, x2); {train.name} has "
                         f"{train.n_x} input(s)")
    return Inputs.fit(train.X, config.features, config.normalize)


def seen_through(inputs: Inputs, data: Dataset | None) -> Dataset | None:
    """Return ``data`` as the network sees it: X (n_x, m) of ``inputs``' features."""
    if data is None or (inputs.features is None and inputs.normalization is None):
        return data
    names = inputs.features or data.feature_names
    return dataclasses.replace(data, X=inputs.transform(data.X), feature_names=names)


def trainer_for(config: RunConfig, train: Dataset, test: Dataset | None,
                **start: Any) -> Trainer:
    """Return a Trainer for ``config`` on raw data ``train``/``test`` (``start``: the
    parameters, iteration and resume arrays of a saved run, if any)."""
    inputs = network_inputs(config, train)
    seen_train, seen_test = seen_through(inputs, train), seen_through(inputs, test)
    arch = architecture_for(config, seen_train)
    options = config.training_options()
    options.batching(seen_train.m)             # a batch size above m: refused here
    return Trainer(arch, seen_train, seen_test, init=config.init,
                   init_scale=config.init_scale, seed=config.seed,
                   learning_rate=config.learning_rate, options=options, inputs=inputs,
                   shown=(train, test), **start)


def make_trainer(config: RunConfig) -> Trainer:
    """Return a Trainer at iteration 0 for ``config`` (parameters drawn from its seed)."""
    return trainer_for(config, *load_data(config))


# Which RunConfig fields belong to which part of the controls, for the reset message.
_CHANGE_NAMES = {
    "dataset": "data", "data_path": "data", "test_data_path": "data", "samples": "data",
    "noise": "data", "data_seed": "data", "classes": "data", "test_fraction": "data",
    "hidden_layers": "architecture", "activations": "activation", "output": "output",
    "loss": "loss", "init": "initialisation", "init_scale": "initialisation scale",
    "seed": "seed",
}


def describe_change(old: RunConfig | None, new: RunConfig, playing: bool = False) -> str:
    """Return the reset notice for going from ``old`` to ``new`` settings ("" at first);
    ``playing``: the new run plays on at once."""
    if old is None:
        return ""
    changed = [_CHANGE_NAMES[f.name] for f in dataclasses.fields(RunConfig)
               if f.name in _CHANGE_NAMES and getattr(old, f.name) != getattr(new, f.name)]
    what = ", ".join(dict.fromkeys(changed)) or "settings"
    then = "It plays on with them." if playing else "Press Space to train."
    return (f"The {what} changed: the run was reset and the parameters re-drawn from "
            f"seed {new.seed}. {then}")
