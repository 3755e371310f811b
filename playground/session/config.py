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
from playground.core.initialization import INITS
from playground.core.network import Architecture, check_hidden_layers
from playground.core.npz import SavedModel
from playground.core.objectives import DEFAULT_LOSS, DEFAULT_OUTPUT
from playground.session.trainer import Trainer, check_learning_rate


@dataclass(frozen=True)
class RunConfig:
    """Everything that determines a run. ``None`` means "the dataset's/problem's default"."""

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

    def replace(self, **changes: Any) -> RunConfig:
        """Return a copy with ``changes`` applied (and validated)."""
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict of every field."""
        d = dataclasses.asdict(self)
        d["hidden_layers"] = list(self.hidden_layers)
        d["activations"] = list(self.activations)
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


def load_data(config: RunConfig) -> tuple[Dataset, Dataset | None]:
    """Return (train, test) for ``config``: a CSV file (and test CSV) or a generated set."""
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
    """Return the network for ``config`` on ``data``: output and loss follow the task."""
    output = config.output or DEFAULT_OUTPUT[data.task]
    loss = config.loss or DEFAULT_LOSS[output]
    return Architecture((data.n_x, *config.hidden_layers, data.n_y), config.activations,
                        output, loss)


def make_trainer(config: RunConfig) -> Trainer:
    """Return a Trainer at iteration 0 for ``config`` (parameters drawn from its seed)."""
    train, test = load_data(config)
    arch = architecture_for(config, train)
    return Trainer(arch, train, test, init=config.init, init_scale=config.init_scale,
                   seed=config.seed, learning_rate=config.learning_rate)


def trainer_for_model(model: SavedModel, config: RunConfig) -> Trainer:
    """Return a Trainer at ``model``'s parameters and iteration, on ``config``'s data.

    Raises ValueError (or OSError) when the data cannot be loaded or does not fit the
    model's network.
    """
    train, test = load_data(config)
    arch = architecture_for(config, train)
    if arch != model.arch:
        sizes = "-".join(map(str, model.arch.layer_dims))
        raise ValueError(f"the file's network ({sizes}) does not fit the data "
                         f"({train.n_x} inputs, {train.n_y} outputs)")
    return Trainer(arch, train, test, init=config.init, init_scale=config.init_scale,
                   seed=config.seed, learning_rate=config.learning_rate,
                   parameters=dict(model.parameters), iteration=model.iteration)


# Which RunConfig fields belong to which part of the controls, for the reset message.
_CHANGE_NAMES = {
    "dataset": "data", "data_path": "data", "test_data_path": "data", "samples": "data",
    "noise": "data", "data_seed": "data", "classes": "data", "test_fraction": "data",
    "hidden_layers": "architecture", "activations": "activation", "output": "output",
    "loss": "loss", "init": "initialisation", "init_scale": "initialisation scale",
    "seed": "seed",
}


def describe_change(old: RunConfig | None, new: RunConfig) -> str:
    """Return the reset notice for going from ``old`` to ``new`` settings ("" at first)."""
    if old is None:
        return ""
    changed = [_CHANGE_NAMES[f.name] for f in dataclasses.fields(RunConfig)
               if f.name in _CHANGE_NAMES and getattr(old, f.name) != getattr(new, f.name)]
    what = ", ".join(dict.fromkeys(changed)) or "settings"
    return (f"The {what} changed: the run was reset and the parameters re-drawn from "
            f"seed {new.seed}. Press Space to train.")
