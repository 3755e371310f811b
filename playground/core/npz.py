"""Trained-weights files: a ``.npz`` archive of plain NumPy arrays, never pickles.

Layout (format version 1). Every member is an ordinary numeric or unicode array; a
model with L layers has exactly these keys (the optional ones where known), no others:

    key             dtype     shape          meaning
    W1 … WL         float64   (n[l], n[l-1]) weights of layer l
    b1 … bL         float64   (n[l], 1)      biases of layer l
    format_version  int64     ()             1
    layer_sizes     int64     (L+1,)         (n_x, n[1], …, n[L])
    activations     unicode   (L-1,)         g[1] … g[L-1], keys of ACTIVATIONS
                                             (shape (0,) when there is no hidden layer)
    output          unicode   ()             g[L]: sigmoid, softmax or linear
    loss            unicode   ()             paired with output, see OBJECTIVES
    init            unicode   ()             key of INITS: zeros, random, xavier, he
    init_scale      float64   ()             factor of the ``random`` scheme
    seed            int64     ()             seed of the run's RandomState, 0 ≤ seed < 2³²
    learning_rate   float64   ()             finite, ≥ 0
    iteration       int64     ()             number of updates applied, ≥ 0
    cost_history    float64   (k, 2)         rows [iteration, cost]; costs may be inf/nan
                                             (a diverged run is still worth keeping)
    dataset         unicode   ()             generated dataset (a key of DATASETS) or the
                                             training CSV file's path
  optional, the training data (DATA_KEYS), so a loaded model is evaluated on its own data:
    data_samples    int64     ()             m of the generated set, ≥ 2
    data_noise      float64   ()             its noise, finite, ≥ 0
    data_seed       int64     ()             its RandomState seed, 0 ≤ seed < 2³²
    data_classes    int64     ()             its classes, ≥ 2 (absent for regression)
    test_fraction   float64   ()             share held out as the test set, in [0, 1)
    data_sha256     unicode   ()             SHA-256 of the training CSV, 64 hex digits
    test_data       unicode   ()             path of the separate test CSV
    test_data_sha256 unicode  ()             its SHA-256
  the course-2 training options (TRAINING_KEYS), so that ``--load`` trains on as before;
  absent in older files, which trained with course 1's (the defaults below):
    optimizer       unicode   ()             key of OPTIMIZERS: gd, momentum, rmsprop, adam
    beta            float64   ()             momentum's β, in [0, 1) (0.9)
    beta1, beta2    float64   ()             Adam's β₁ (0.9), RMSprop's and Adam's β₂
                                             (0.999), in [0, 1)
    epsilon         float64   ()             RMSprop's and Adam's ε, > 0 (1e-8)
    decay_rate      float64   ()             learning-rate decay rate, finite, ≥ 0 (0)
    l2, l1          float64   ()             penalty strengths λ, finite, ≥ 0 (0)
    keep_prob       float64   ()             dropout's keep-prob, in (0, 1] (1)
    normalize       bool      ()             inputs normalised on the training split (False)
  optional training options, absent when not set:
    features        unicode   (n_x,)         input features, keys of FEATURES (absent: the
                                             data's own inputs)
    batch_size      int64     ()             mini-batch size B, ≥ 1 (absent: m)
    shuffle_seed    int64     ()             epoch e shuffles with RandomState(seed + e),
                                             0 ≤ seed < 2³² (absent: the run's generator)
    decay_interval  int64     ()             epochs per decay step, ≥ 1 (absent: every epoch)
  optional, what continuing the run bit for bit needs (``SavedModel.resume``, named there
  without the ``resume_`` prefix); all of the required ones or none:
    vW1 … vbL       float64   like W[l], b[l]  momentum's/Adam's v (required when the
    sW1 … sbL       float64   like W[l], b[l]  optimizer keeps it), RMSprop's/Adam's s
    resume_updates  int64     ()             updates the engine made, ≥ 0 (required)
    resume_epoch    int64     ()             epochs completed, ≥ 0 (required)
    resume_optimizer_steps int64 ()          the optimizer's t, ≤ resume_updates (required)
    resume_position int64     ()             updates made in the current epoch (required)
    resume_prepared bool      ()             the next mini-batch is drawn already (required)
    resume_permutation int64  (m,)           the current epoch's column order
    resume_rng_keys uint32    (624,)         the run generator's Mersenne Twister state;
    resume_rng_index int64    ()             index in [0, 624], has_gauss 0 or 1, gauss a
    resume_rng_has_gauss int64 ()            finite float64 scalar: all four or none
    resume_rng_gauss float64  ()             (required with keep_prob < 1)
    resume_D1 …     bool      (n[l], b)      dropout masks of the prepared mini-batch,
                                             hidden layers 1 … L−1 (required, and allowed,
                                             only when it is prepared and keep_prob < 1)

Reading needs W/b for every layer and format_version, layer_sizes, activations, output and
loss; the other metadata fall back to ``SavedModel``'s defaults when absent (None, not
recorded, for the data keys; course 1's options for the training keys), so older files
load. ``npz_fields.py`` reads and checks everything but the network. Integer parameters
are accepted and converted to float64. A file is refused (``ModelFileError`` listing
*every* problem found) when it is not a zip archive, holds anything but ``.npy`` members,
would unpack to more than ``MAX_BYTES`` or declares an array of more than
``MAX_ELEMENTS`` elements (both checked from the headers, before anything is allocated),
holds an object array (it would need unpickling: never done), or when its keys, dtypes,
shapes, values or names do not make a valid network and run. A ``format_version`` newer
than ``FORMAT_VERSION`` is reported on its own.

Writing validates the model with the very checks reading applies (so whatever is saved
loads again), writes a temporary file in the target's folder, flushes and fsyncs it and
renames it over the target: a failure at any point leaves an existing file untouched and
no temporary file behind.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from playground.core.activations import ACTIVATIONS
from playground.core.atomic import AtomicWriteError, write_atomically
from playground.core.initialization import DEFAULT_SCALE, INITS
from playground.core.network import Architecture, Parameters, check_parameters
from playground.core.npz_archive import MAX_BYTES, MAX_ELEMENTS, UnsafeArchive, read_arrays
from playground.core.npz_fields import (
    DATA_KEYS,
    METADATA_KEYS,
    SEED_LIMIT,
    TRAINING_KEYS,
    data_settings,
    describe,
    file_dtype,
    file_key,
    integer,
    is_resume_key,
    missing,
    real,
    resume_settings,
    text,
    training_settings,
)
from playground.core.objectives import LOSSES, OBJECTIVES, OUTPUTS
from playground.core.training import TrainingFields

__all__ = ["DATA_KEYS", "FORMAT_VERSION", "MAX_BYTES", "MAX_ELEMENTS", "METADATA_KEYS",
           "REQUIRED_METADATA", "TRAINING_KEYS", "ModelFileError", "SavedModel", "load_model",
           "save_model"]

FORMAT_VERSION = 1
REQUIRED_METADATA = ("format_version", "layer_sizes", "activations", "output", "loss")

_PARAMETER_KEY = re.compile(r"([Wb])([1-9][0-9]*)")


class ModelFileError(ValueError):
    """A model file that cannot be read or written.

    ``problems`` lists every problem found (str); ``path`` is the file concerned.
    The message names the path and joins the problems with "; ".
    """

    def __init__(self, problems: Sequence[str] | str, path: str | os.PathLike[str] | None = None,
                 verb: str = "load") -> None:
        self.problems: tuple[str, ...] = (
            (problems,) if isinstance(problems, str) else tuple(problems))
        self.path = None if path is None else os.fspath(path)
        self.verb = verb
        where = f"cannot {verb} {self.path}: " if self.path is not None else ""
        super().__init__(where + "; ".join(self.problems))

    def __reduce__(self):  # keep problems and path when pickled across processes
        return (type(self), (self.problems, self.path, self.verb))


@dataclass(frozen=True, eq=False)
class SavedModel(TrainingFields):
    """Return value of ``load_model``, argument of ``save_model``: a network and its run.

    ``parameters`` : {W1: (n[1], n[0]), b1: (n[1], 1), …} float64;
    ``cost_history`` : (k, 2) rows [iteration, cost]. Compared by identity (it holds arrays).
    The fields named as ``DATA_KEYS`` describe the training data; None: not recorded
    (``session.data_spec.data_spec`` fills them from a RunConfig). Those named as
    ``TRAINING_KEYS`` are the course-2 options, ``TrainingFields``' (a RunConfig's too).
    """

    arch: Architecture
    parameters: Parameters
    init: str = "random"
    init_scale: float = DEFAULT_SCALE
    seed: int = 0
    learning_rate: float = 0.01
    iteration: int = 0
    cost_history: np.ndarray = field(default_factory=lambda: np.empty((0, 2)))
    dataset: str = ""
    data_samples: int | None = None
    data_noise: float | None = None
    data_seed: int | None = None
    data_classes: int | None = None
    test_fraction: float | None = None
    data_sha256: str | None = None
    test_data: str | None = None
    test_data_sha256: str | None = None
    #: what continuing the run exactly needs besides the parameters (optimiser moments,
    #: counters, generator state: ``BatchedEngine.resume_arrays``); empty: start afresh
    resume: Mapping[str, np.ndarray] = field(default_factory=dict)


# --------------------------------------------------------------------------- writing


def save_model(path: str | os.PathLike[str], model: SavedModel) -> None:
    """Write ``model`` to exactly ``path`` (no suffix added), atomically.

    Raises ModelFileError, listing every problem, if the model is not valid (nothing is
    written) or if the file cannot be written (an existing file is left untouched).
    """
    target = os.fspath(path)
    if not (isinstance(model, SavedModel) and isinstance(model.arch, Architecture)
            and isinstance(model.parameters, Mapping)):
        raise ModelFileError("expected a SavedModel with an Architecture and a parameter "
                             "dict", target, "save")
    raw, problems = _model_arrays(model)
    if problems:
        raise ModelFileError(problems, target, "save")
    try:
        checked = _decode(raw)
    except ModelFileError as exc:
        raise ModelFileError(exc.problems, target, "save") from None
    arrays, _ = _model_arrays(checked)
    arrays = {key: np.asarray(value, dtype=file_dtype(key)) for key, value in arrays.items()}
    _write_atomically(target, arrays)


def _model_arrays(model: SavedModel) -> tuple[dict[str, np.ndarray], list[str]]:
    """Return the file's arrays for ``model`` (dtypes as given) and misnamed parameters."""
    arch = model.arch
    problems = [f"parameter {key!r} is not one of W1, b1, …, W{arch.L}, b{arch.L}"
                for key in model.parameters if not _PARAMETER_KEY.fullmatch(str(key))]
    arrays = {str(key): np.asarray(value) for key, value in model.parameters.items()
              if _PARAMETER_KEY.fullmatch(str(key))}
    arrays.update(
        format_version=np.asarray(FORMAT_VERSION, dtype=np.int64),
        layer_sizes=np.asarray(arch.layer_dims, dtype=np.int64),
        activations=np.asarray(arch.activations, dtype=np.str_),
        output=np.asarray(arch.output, dtype=np.str_),
        loss=np.asarray(arch.loss, dtype=np.str_),
        init=np.asarray(model.init),
        init_scale=np.asarray(model.init_scale),
        seed=np.asarray(model.seed),
        learning_rate=np.asarray(model.learning_rate),
        iteration=np.asarray(model.iteration),
        cost_history=np.asarray(model.cost_history),
        dataset=np.asarray(model.dataset),
    )
    arrays.update({key: np.asarray(getattr(model, key)) for key in (*DATA_KEYS, *TRAINING_KEYS)
                   if getattr(model, key) is not None})
    arrays.update({file_key(str(name)): np.asarray(value)
                   for name, value in model.resume.items()})
    return arrays, problems


def _write_atomically(target: str, arrays: Mapping[str, np.ndarray]) -> None:
    """Write ``arrays`` as an .npz file at ``target``, atomically."""
    try:
        write_atomically(target, lambda handle: np.savez(handle, **arrays))
    except AtomicWriteError as exc:
        raise ModelFileError(str(exc).removeprefix(f"cannot write {target}: "), target,
                             "save") from exc


# --------------------------------------------------------------------------- reading


def load_model(path: str | os.PathLike[str]) -> SavedModel:
    """Return the model stored at ``path``.

    Raises ModelFileError listing every problem found if the file is missing, unreadable,
    not a safe .npz archive, or does not describe a valid network (see the module doc).
    """
    source = os.fspath(path)
    try:
        return _decode(read_arrays(source))
    except (ModelFileError, UnsafeArchive) as exc:
        raise ModelFileError(exc.problems, source) from None


# --------------------------------------------------------------------------- validation


def _decode(arrays: Mapping[str, np.ndarray]) -> SavedModel:
    """Return the model the arrays describe; raise ModelFileError listing every problem."""
    problems: list[str] = []
    _check_version(arrays, problems)
    layer_dims = _layer_dims(arrays, problems)
    names = _names(arrays, layer_dims, problems)
    settings = _settings(arrays, problems)
    settings.update(training_settings(arrays, layer_dims and layer_dims[0], problems))
    settings["resume"] = resume_settings(arrays, layer_dims, settings, problems)
    parameters = _parameters(arrays, layer_dims, problems)
    for key in arrays:
        if (key not in METADATA_KEYS and not _PARAMETER_KEY.fullmatch(key)
                and not is_resume_key(key)):
            problems.append(f"unexpected member {key!r} (not part of the model format)")
    arch = None
    if not problems:
        try:
            arch = Architecture(layer_dims, *names)
            check_parameters(parameters, arch)
        except ValueError as exc:
            problems.append(str(exc))
    if problems or arch is None:
        raise ModelFileError(problems)
    return SavedModel(arch, parameters, **settings)


def _check_version(arrays: Mapping[str, np.ndarray], problems: list[str]) -> None:
    """Check format_version; a newer or invalid version stops all other checks."""
    version = integer(arrays, "format_version", problems, None)
    if version is None or version == FORMAT_VERSION:
        return
    if version > FORMAT_VERSION:
        raise ModelFileError(f"format_version {version} is newer than this program reads "
                             f"(version {FORMAT_VERSION}); update playground")
    raise ModelFileError(f"format_version {version} is not a valid version "
                         f"(this program reads version {FORMAT_VERSION})")


def _layer_dims(arrays: Mapping[str, np.ndarray], problems: list[str]) -> tuple[int, ...] | None:
    """Return layer_sizes (n_x, n[1], …, n[L]) if present and sane, else None."""
    if "layer_sizes" not in arrays:
        missing("layer_sizes", problems)
        return None
    a = arrays["layer_sizes"]
    if a.ndim != 1 or a.dtype.kind not in "iu":
        problems.append(f"layer_sizes must be a 1-D integer array (n_x, n[1], …, n[L]), "
                        f"got {describe(a)}")
        return None
    dims = tuple(int(n) for n in a)
    if len(dims) < 2:
        problems.append(f"layer_sizes {dims} needs at least 2 entries (n_x and n_y)")
        return None
    if min(dims) < 1:
        problems.append(f"layer_sizes {dims} has a layer with fewer than 1 unit")
        return None
    return dims


def _names(arrays: Mapping[str, np.ndarray], layer_dims: tuple[int, ...] | None,
           problems: list[str]) -> tuple[tuple[str, ...], str | None, str | None]:
    """Return (activations, output, loss), each checked against the registries."""
    activations: tuple[str, ...] = ()
    if "activations" not in arrays:
        missing("activations", problems)
    elif (a := arrays["activations"]).ndim != 1 or a.dtype.kind != "U":
        problems.append(f"activations must be a 1-D unicode array, got {describe(a)}")
    else:
        activations = tuple(str(name) for name in a)
        for l, name in enumerate(activations, start=1):
            if name not in ACTIVATIONS:
                problems.append(f"unknown activation {name!r} for hidden layer {l}; "
                                f"choose from {', '.join(ACTIVATIONS)}")
        if layer_dims is not None and len(activations) != len(layer_dims) - 2:
            problems.append(f"activations has {len(activations)} name(s) but layer_sizes "
                            f"{layer_dims} has {len(layer_dims) - 2} hidden layer(s)")
    output = text(arrays, "output", problems, None)
    loss = text(arrays, "loss", problems, None)
    if output is not None and output not in OUTPUTS:
        problems.append(f"unknown output {output!r}; choose from {', '.join(OUTPUTS)}")
    if loss is not None and loss not in LOSSES:
        problems.append(f"unknown loss {loss!r}; choose from {', '.join(LOSSES)}")
    if output in OUTPUTS and loss in LOSSES and (output, loss) not in OBJECTIVES:
        pairs = ", ".join(f"{o}+{l}" for o, l in OBJECTIVES)
        problems.append(f"output {output!r} with loss {loss!r} is not supported; "
                        f"choose one of {pairs}")
    return activations, output, loss


def _settings(arrays: Mapping[str, np.ndarray], problems: list[str]) -> dict[str, object]:
    """Return the optional run settings, defaults filled in, for SavedModel(**settings)."""
    settings: dict[str, object] = {
        "init": text(arrays, "init", problems, "random"),
        "init_scale": real(arrays, "init_scale", problems, DEFAULT_SCALE),
        "seed": integer(arrays, "seed", problems, 0, upper=SEED_LIMIT),
        "learning_rate": real(arrays, "learning_rate", problems, 0.01),
        "iteration": integer(arrays, "iteration", problems, 0),
        "dataset": text(arrays, "dataset", problems, ""),
        "cost_history": np.empty((0, 2)),
    }
    settings.update(data_settings(arrays, problems))
    if settings["init"] is not None and settings["init"] not in INITS:
        problems.append(f"unknown init {settings['init']!r}; choose from {', '.join(INITS)}")
    if "cost_history" in arrays:
        a = arrays["cost_history"]
        if a.ndim != 2 or a.shape[1] != 2 or a.dtype.kind not in "fiu":
            problems.append(f"cost_history must be a real (k, 2) array of rows "
                            f"[iteration, cost], got {describe(a)}")
        else:
            settings["cost_history"] = np.array(a, dtype=np.float64)
    return settings


def _parameters(arrays: Mapping[str, np.ndarray], layer_dims: tuple[int, ...] | None,
                problems: list[str]) -> Parameters:
    """Return {W1, b1, …} as float64, checking keys, dtypes, shapes and finiteness."""
    L = None if layer_dims is None else len(layer_dims) - 1
    if L is not None:
        for l in range(1, L + 1):
            for key in (f"W{l}", f"b{l}"):
                if key not in arrays:
                    problems.append(f"{key} is missing (layer_sizes {layer_dims} has {L} "
                                    f"layer(s), so W1…W{L} and b1…b{L} are required)")
    parameters: Parameters = {}
    keys = sorted((m for k in arrays if (m := _PARAMETER_KEY.fullmatch(k))),
                  key=lambda m: (int(m[2]), m[1] == "b"))
    for match in keys:
        key, l = match[0], int(match[2])
        a = arrays[key]
        if L is not None and l > L:
            problems.append(f"{key} is unexpected: layer_sizes {layer_dims} has only "
                            f"{L} layer(s)")
            continue
        if a.dtype.kind not in "fiu":
            problems.append(f"{key} has dtype {a.dtype}; parameters must be real numbers")
            continue
        expected = None if layer_dims is None else (
            (layer_dims[l], layer_dims[l - 1]) if match[1] == "W" else (layer_dims[l], 1))
        problem = _shape_problem(key, a.shape, expected)
        if problem:
            problems.append(problem)
            continue
        value = np.array(a, dtype=np.float64)
        bad = value.size - int(np.count_nonzero(np.isfinite(value)))
        if bad:
            problems.append(f"{key} contains {bad} non-finite value(s) (NaN/inf)")
            continue
        parameters[key] = value
    return parameters


def _shape_problem(key: str, shape: tuple[int, ...],
                   expected: tuple[int, int] | None) -> str | None:
    """Return why ``shape`` is wrong for parameter ``key`` (expected from layer_sizes)."""
    if expected is None:
        return None if len(shape) == 2 else f"{key} has shape {shape} but must be 2-D"
    if shape == expected:
        return None
    l = int(key[1:])
    if len(shape) != 2:
        why = "must be 2-D" if key[0] == "W" else "must be a column"
    elif key[0] == "b":
        why = f"layer {l} has {expected[0]} units and b is a column"
    else:
        parts = []
        if shape[0] != expected[0]:
            parts.append(f"layer {l} has {expected[0]} units")
        if shape[1] != expected[1]:
            parts.append(f"layer {l - 1} has {expected[1]} units")
        why = " and ".join(parts)
    return f"{key} has shape {shape} but {why}: expected {expected}"
