"""A frozen description of a run, and how to build its data, network and trainer.

The same ``RunConfig`` is what the CLI parses, what the GUI's controls edit and what a
saved session stores as JSON, so a run can be reproduced exactly.
"""

from __future__ import annotations

import dataclasses
import hashlib
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from playground.core import csv_data
from playground.core.datasets import DATASETS, Dataset, make_dataset, split
from playground.core.initialization import INITS
from playground.core.network import Architecture, check_hidden_layers
from playground.core.npz import DATA_KEYS, SavedModel
from playground.core.objectives import DEFAULT_LOSS, DEFAULT_OUTPUT, OBJECTIVES
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


# --------------------------------------------------------------------------- data on file
# A saved model records the data it was trained on (``core/npz.py``, DATA_KEYS), so that
# evaluating it later uses the same examples: a moons model is not judged on the flower.


def file_sha256(path: str) -> str | None:
    """Return the SHA-256 of the file at ``path`` in hex, or None if it cannot be read."""
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    except OSError:
        return None
    return digest.hexdigest()


def data_spec(config: RunConfig) -> dict[str, Any]:
    """Return the ``SavedModel`` fields that record ``config``'s data (``dataset`` and the
    DATA_KEYS): a generated set's name, samples, noise, classes, test fraction and data
    seed; or the CSV files' paths and SHA-256s.

    Samples, noise and classes are recorded with the dataset's defaults resolved. The data
    seed is recorded only when set: unset, the generator takes its default but the
    train/test split takes seed 0 (``load_data``), so "unset" is part of the data.

    ``SavedModel(arch, parameters, …, **data_spec(config))`` writes them to the file.
    """
    if config.data_path is not None:
        test = config.test_data_path
        return {"dataset": config.data_path, "test_fraction": config.test_fraction,
                "data_sha256": file_sha256(config.data_path), "test_data": test,
                "test_data_sha256": None if test is None else file_sha256(test)}
    spec = DATASETS[config.dataset]
    return {"dataset": config.dataset,
            "data_samples": spec.default_samples if config.samples is None else config.samples,
            "data_noise": float(spec.default_noise if config.noise is None else config.noise),
            "data_seed": config.data_seed,
            "data_classes": spec.default_classes if config.classes is None else config.classes,
            "test_fraction": config.test_fraction}


def recorded_data(model: SavedModel) -> dict[str, Any] | None:
    """Return the RunConfig fields of the data ``model`` was trained on, or None if its
    file does not say (written before files recorded it, and not a generated set).

    A file that names a generated dataset but records nothing else gets that dataset with
    its defaults.
    """
    generated = {"data_path": None, "test_data_path": None}
    if model.test_fraction is None:
        if model.dataset in DATASETS:
            return {**generated, "dataset": model.dataset, "samples": None, "noise": None,
                    "data_seed": None, "classes": None}
        return None
    common = {"samples": model.data_samples, "noise": model.data_noise,
              "data_seed": model.data_seed, "classes": model.data_classes,
              "test_fraction": model.test_fraction}
    if model.data_sha256 is not None or model.dataset not in DATASETS:
        return {**common, "data_path": model.dataset, "test_data_path": model.test_data}
    return {**common, **generated, "dataset": model.dataset}


def describe_data(spec: dict[str, Any]) -> str:
    """Return a data specification (``data_spec``'s fields) in words."""
    if spec.get("data_sha256") is not None or spec.get("dataset") not in DATASETS:
        sha = spec.get("data_sha256")
        text = f"{spec['dataset']}" + (f" (SHA-256 {sha[:12]}…)" if sha else "")
        if spec.get("test_data"):
            test_sha = spec.get("test_data_sha256")
            text += f" and {spec['test_data']}" + (f" ({test_sha[:12]}…)" if test_sha else "")
    else:
        parts = [f"{spec[key]} {word}" for key, word in (
            ("data_classes", "classes"), ("data_samples", "samples")) if spec.get(key)]
        parts += [f"{word} {spec[key]:g}" for key, word in (
            ("data_noise", "noise"), ("data_seed", "data seed")) if spec.get(key) is not None]
        text = f"{spec['dataset']} ({', '.join(parts)})" if parts else spec["dataset"]
    fraction = spec.get("test_fraction")
    return text + (f", test fraction {fraction:g}" if fraction else "")


def data_mismatch(model: SavedModel, config: RunConfig) -> str | None:
    """Return how ``config``'s data differ from those ``model`` records ("trained on …;
    evaluated on …"), or None if they are the same or the file records none."""
    recorded = {key: getattr(model, key) for key in ("dataset", *DATA_KEYS)}
    if recorded_data(model) is None:
        return None
    given = data_spec(config)
    csv = model.data_sha256 is not None or model.dataset not in DATASETS
    keys = (("data_sha256", "test_data_sha256", "test_fraction") if csv and
            model.data_sha256 is not None else ("dataset", *DATA_KEYS))
    if all(recorded[k] is None or recorded[k] == given.get(k) for k in keys):
        return None
    known = {k: v for k, v in recorded.items() if v is not None}
    return f"trained on {describe_data(known)}; evaluated on {describe_data(given)}"


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
