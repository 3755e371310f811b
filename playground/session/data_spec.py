"""What a saved model records of the data it was trained on, and how to find it again;
and of the course-2 options it was trained with.

A model file records its data (``core/npz.py``, DATA_KEYS), so that evaluating it later
uses the same examples: a moons model is not judged on the flower. It records its
training options too (TRAINING_KEYS), so that loading it trains on as before.
"""

from __future__ import annotations

import hashlib
from typing import Any

from playground.core.datasets import DATASETS, Dataset
from playground.core.fast.batched import resume_fits
from playground.core.npz import DATA_KEYS, SavedModel
from playground.session.config import (
    RunConfig,
    architecture_for,
    load_data,
    network_inputs,
    seen_through,
    trainer_for,
)
from playground.session.trainer import Trainer


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


def training_spec(config: RunConfig) -> dict[str, Any]:
    """Return the ``SavedModel`` fields that record ``config``'s course-2 options (the
    TRAINING_KEYS: features, normalisation, batch size, shuffle seed, optimiser and its
    βs and ε, decay, L2, L1, keep-prob), named as RunConfig names them."""
    return config.training_settings()


def recorded_training(model: SavedModel) -> dict[str, Any]:
    """Return the RunConfig fields of the options ``model`` was trained with (course 1's
    plain gradient descent for a file written before files recorded them)."""
    return model.training_settings()


def trainer_for_model(model: SavedModel, config: RunConfig,
                      data: tuple[Dataset, Dataset | None] | None = None) -> Trainer:
    """Return a Trainer at ``model``'s parameters, iteration and cost curve, on
    ``config``'s data (``data``: its (train, test), when already loaded).

    The file's resume state (the optimiser's moments, the counters, the epoch's
    permutation, the generator) continues the run it saved only where ``resumes`` says;
    elsewhere the run goes on from the weights with a fresh optimiser state. Raises
    ValueError (or OSError) when the data cannot be loaded or does not fit the network.
    """
    train, test = load_data(config) if data is None else data
    seen = seen_through(network_inputs(config, train), train)
    arch = architecture_for(config, seen)
    if arch != model.arch:
        sizes = "-".join(map(str, model.arch.layer_dims))
        raise ValueError(f"the file's network ({sizes}, {model.arch.output} output) does "
                         f"not fit the data ({seen.n_x} inputs, {seen.n_y} outputs)")
    resume = dict(model.resume) if resumes(model, config, seen.m) else None
    return trainer_for(config, train, test, parameters=dict(model.parameters),
                       iteration=model.iteration, resume=resume,
                       cost_history=model.cost_history)


def resumes(model: SavedModel, config: RunConfig, m: int) -> bool:
    """Return True if ``model``'s resume state continues its run under ``config``: the
    file has one, ``config`` trains on the data and with the options the file records,
    and its epoch position and permutation fit the m training examples."""
    resume = model.resume
    if not resume or data_mismatch(model, config) or (
            recorded_training(model) != training_spec(config)):
        return False
    return resume_fits(resume, m, config.training_options().batching(m).batches_per_epoch)
