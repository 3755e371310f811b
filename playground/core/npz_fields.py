"""The fields of a model file besides its network: what each key means, which dtype it is
written with, and how it is read without trusting it (every problem is reported).

``npz.py`` owns the format (the table in its docstring), the network and its parameters;
this module owns the scalar settings, the recorded data (``DATA_KEYS``), the course-2
training options (``TRAINING_KEYS``) and the optional state an exact continuation needs
(``resume_settings``): the optimiser's moments ``vW1, vb1, …, sW1, …`` under their own
names, and the engine's counters, epoch permutation, generator state and prepared
dropout masks under ``resume_…`` keys (``BatchedEngine.resume_arrays`` names them without
the prefix, which ``SavedModel.resume`` keeps).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping

import numpy as np

from playground.core.features import FEATURES, check_features
from playground.core.optimizers import OPTIMIZERS
from playground.core.training import training_fields

SEED_LIMIT = 2**32           # numpy.random.RandomState accepts 0 ≤ seed < 2³²
MT_WORDS = 624               # the Mersenne Twister's state: 624 uint32 words

METADATA_KEYS: dict[str, str] = {
    "format_version": "the file format version",
    "layer_sizes": "the layer sizes (n_x, n[1], …, n[L])",
    "activations": "the hidden activations g[1] … g[L-1]",
    "output": "the output activation g[L]",
    "loss": "the loss",
    "init": "the initialisation scheme",
    "init_scale": "the scale of random initialisation",
    "seed": "the random seed",
    "learning_rate": "the learning rate",
    "iteration": "the number of updates applied",
    "cost_history": "the cost history [iteration, cost]",
    "dataset": "the dataset name",
}
DATA_KEYS: dict[str, str] = {
    "data_samples": "the number of examples generated",
    "data_noise": "the noise of the generated data",
    "data_seed": "the seed of the generated data",
    "data_classes": "the number of classes generated",
    "test_fraction": "the share of examples held out for testing",
    "data_sha256": "the SHA-256 of the training CSV file",
    "test_data": "the test CSV file",
    "test_data_sha256": "the SHA-256 of the test CSV file",
}
TRAINING_KEYS: dict[str, str] = {f.name: f.metadata["what"] for f in training_fields()}
METADATA_KEYS.update(DATA_KEYS)
METADATA_KEYS.update(TRAINING_KEYS)

RESUME_PREFIX = "resume_"
COUNTERS = ("updates", "epoch", "optimizer_steps", "position")
RNG_KEYS = ("rng_keys", "rng_index", "rng_has_gauss", "rng_gauss")
_MOMENT = re.compile(r"([vs])([Wb])([1-9][0-9]*)")
_MASK = re.compile(r"D([1-9][0-9]*)")
_SHA256 = re.compile(r"[0-9a-f]{64}")

_DTYPES = {"format_version": np.int64, "layer_sizes": np.int64, "activations": np.str_,
           "output": np.str_, "loss": np.str_, "init": np.str_, "init_scale": np.float64,
           "seed": np.int64, "learning_rate": np.float64, "iteration": np.int64,
           "cost_history": np.float64, "dataset": np.str_, "data_samples": np.int64,
           "data_noise": np.float64, "data_seed": np.int64, "data_classes": np.int64,
           "test_fraction": np.float64, "data_sha256": np.str_, "test_data": np.str_,
           "test_data_sha256": np.str_, "features": np.str_, "normalize": np.bool_,
           "batch_size": np.int64, "shuffle_seed": np.int64, "optimizer": np.str_,
           "decay_interval": np.int64,
           "resume_prepared": np.bool_, "resume_permutation": np.int64,
           "resume_rng_keys": np.uint32, "resume_rng_index": np.int64,
           "resume_rng_has_gauss": np.int64,
           **{f"{RESUME_PREFIX}{name}": np.int64 for name in COUNTERS}}


def file_dtype(key: str) -> type:
    """Return the dtype member ``key`` is written with (parameters, moments and reals:
    float64; dropout masks: bool)."""
    if _MASK.fullmatch(key.removeprefix(RESUME_PREFIX)) and key.startswith(RESUME_PREFIX):
        return np.bool_
    return _DTYPES.get(key, np.float64)


# --------------------------------------------------------------------------- scalars


def describe(a: np.ndarray) -> str:
    return f"dtype {a.dtype}, shape {a.shape}"


def missing(key: str, problems: list[str], meaning: str | None = None) -> None:
    problems.append(f"{key} is missing ({meaning or METADATA_KEYS[key]})")


def scalar(arrays: Mapping[str, np.ndarray], key: str, problems: list[str], kinds: str,
           noun: str) -> np.ndarray | None:
    """Return the 0-d array ``key`` (present) if its dtype kind is one of ``kinds``; else
    record that it must be ``noun`` ("an integer scalar") and return None."""
    a = arrays[key]
    if a.ndim != 0 or a.dtype.kind not in kinds:
        problems.append(f"{key} must be {noun}, got {describe(a)}")
        return None
    return a


def integer(arrays: Mapping[str, np.ndarray], key: str, problems: list[str],
            default: int | None, lower: int = 0, upper: int | None = None) -> int | None:
    """Return the integer scalar ``key`` (or ``default``, None if required and missing)."""
    if key not in arrays:
        if default is None:
            missing(key, problems)
        return default
    a = scalar(arrays, key, problems, "iu", "an integer scalar")
    if a is None:
        return None
    value = int(a)
    if value < lower or (upper is not None and value >= upper):
        bound = f"{lower} ≤ {key} < {upper}" if upper is not None else f"{key} ≥ {lower}"
        problems.append(f"{key} is {value}; expected {bound}")
        return None
    return value


def optional_integer(arrays: Mapping[str, np.ndarray], key: str, problems: list[str],
                     **bounds: int) -> int | None:
    """Return the integer scalar ``key``, or None when the file does not record it."""
    return integer(arrays, key, problems, None, **bounds) if key in arrays else None


def real(arrays: Mapping[str, np.ndarray], key: str, problems: list[str],
         default: float | None) -> float | None:
    """Return the finite, non-negative real scalar ``key`` (or ``default`` if missing)."""
    if key not in arrays:
        return default
    a = scalar(arrays, key, problems, "fiu", "a real scalar")
    if a is None:
        return None
    value = float(a)
    if not math.isfinite(value) or value < 0:
        problems.append(f"{key} is {value}; expected a finite number ≥ 0")
        return None
    return value


def bounded(arrays: Mapping[str, np.ndarray], key: str, problems: list[str], default: float,
            low: float, high: float, closed_high: bool = False, open_low: bool = False
            ) -> float | None:
    """Return ``real`` ``key`` checked to lie in [low, high) (or (low, …], as flagged)."""
    value = real(arrays, key, problems, default)
    if value is None:
        return None
    if (value <= low if open_low else value < low) or (
            value > high if closed_high else value >= high):
        interval = (("(" if open_low else "[") + f"{low:g}, {high:g}"
                    + ("]" if closed_high else ")"))
        problems.append(f"{key} is {value}; expected a number in {interval}")
        return None
    return value


def text(arrays: Mapping[str, np.ndarray], key: str, problems: list[str],
         default: str | None) -> str | None:
    """Return the unicode scalar ``key`` (or ``default``, None if required and missing)."""
    if key not in arrays:
        if default is None:
            missing(key, problems)
        return default
    a = scalar(arrays, key, problems, "U", "a unicode text scalar")
    return None if a is None else str(a[()])


def flag(arrays: Mapping[str, np.ndarray], key: str, problems: list[str],
         default: bool | None) -> bool | None:
    """Return the boolean scalar ``key`` (or ``default``, None if required and missing)."""
    if key not in arrays:
        if default is None:
            missing(key, problems, RESUME_MEANINGS.get(key))
        return default
    a = scalar(arrays, key, problems, "b", "a boolean scalar")
    return None if a is None else bool(a)


# --------------------------------------------------------------------------- data, options


def data_settings(arrays: Mapping[str, np.ndarray], problems: list[str]) -> dict[str, object]:
    """Return the recorded data specification (None where absent), checked."""
    data: dict[str, object] = {
        "data_samples": optional_integer(arrays, "data_samples", problems, lower=2),
        "data_noise": real(arrays, "data_noise", problems, None),
        "data_seed": optional_integer(arrays, "data_seed", problems, upper=SEED_LIMIT),
        "data_classes": optional_integer(arrays, "data_classes", problems, lower=2),
        "test_fraction": real(arrays, "test_fraction", problems, None),
        **{key: text(arrays, key, problems, None) if key in arrays else None
           for key in ("data_sha256", "test_data", "test_data_sha256")},
    }
    if data["test_fraction"] is not None and data["test_fraction"] >= 1:
        problems.append(f"test_fraction is {data['test_fraction']}; expected a number in [0, 1)")
    for key in ("data_sha256", "test_data_sha256"):
        if data[key] is not None and not _SHA256.fullmatch(data[key]):
            problems.append(f"{key} must be 64 lower-case hex digits, got {data[key]!r}")
    return data


def training_settings(arrays: Mapping[str, np.ndarray], n_x: int | None,
                      problems: list[str]) -> dict[str, object]:
    """Return the course-2 training options, course 1's where absent (old files), checked;
    ``n_x`` (the network's inputs, if known) must match the number of features."""
    settings: dict[str, object] = {
        "features": _features(arrays, n_x, problems),
        "normalize": flag(arrays, "normalize", problems, False),
        "batch_size": optional_integer(arrays, "batch_size", problems, lower=1),
        "shuffle_seed": optional_integer(arrays, "shuffle_seed", problems, upper=SEED_LIMIT),
        "optimizer": text(arrays, "optimizer", problems, "gd"),
        "beta": bounded(arrays, "beta", problems, 0.9, 0, 1),
        "beta1": bounded(arrays, "beta1", problems, 0.9, 0, 1),
        "beta2": bounded(arrays, "beta2", problems, 0.999, 0, 1),
        "epsilon": bounded(arrays, "epsilon", problems, 1e-8, 0, math.inf, open_low=True),
        "decay_rate": real(arrays, "decay_rate", problems, 0.0),
        "decay_interval": optional_integer(arrays, "decay_interval", problems, lower=1),
        "l2": real(arrays, "l2", problems, 0.0),
        "l1": real(arrays, "l1", problems, 0.0),
        "keep_prob": bounded(arrays, "keep_prob", problems, 1.0, 0, 1, closed_high=True,
                             open_low=True),
    }
    if settings["optimizer"] is not None and settings["optimizer"] not in OPTIMIZERS:
        problems.append(f"unknown optimizer {settings['optimizer']!r}; choose from "
                        f"{', '.join(OPTIMIZERS)}")
        settings["optimizer"] = None
    return settings


def _features(arrays: Mapping[str, np.ndarray], n_x: int | None,
              problems: list[str]) -> tuple[str, ...] | None:
    if "features" not in arrays:
        return None
    a = arrays["features"]
    if a.ndim != 1 or a.dtype.kind != "U":
        problems.append(f"features must be a 1-D unicode array of names from "
                        f"{', '.join(FEATURES)}, got {describe(a)}")
        return None
    try:
        names = check_features(tuple(str(name) for name in a))
    except ValueError as error:
        problems.append(f"features: {error}")
        return None
    if n_x is not None and len(names) != n_x:
        problems.append(f"features lists {len(names)} feature(s) but the network has "
                        f"n_x = {n_x} input(s)")
        return None
    return names


# --------------------------------------------------------------------------- resuming

RESUME_MEANINGS = {
    **{f"{RESUME_PREFIX}{name}": f"the engine's {name.replace('_', ' ')} counter, which "
       "resuming needs" for name in COUNTERS},
    f"{RESUME_PREFIX}prepared": "whether the next mini-batch was prepared, which resuming needs",
}


def file_key(name: str) -> str:
    """Return the file's key for a ``resume`` array named as ``BatchedEngine`` names it:
    moments keep their names (vW1, sb2, …), the rest take the ``resume_`` prefix."""
    return name if _MOMENT.fullmatch(name) else f"{RESUME_PREFIX}{name}"


def is_resume_key(key: str) -> bool:
    """True for a member that belongs to the state an exact continuation needs."""
    return key.startswith(RESUME_PREFIX) or bool(_MOMENT.fullmatch(key))


def resume_settings(arrays: Mapping[str, np.ndarray], layer_dims: tuple[int, ...] | None,
                    training: Mapping[str, object], problems: list[str]
                    ) -> dict[str, np.ndarray]:
    """Return the resume arrays (named as ``BatchedEngine.resume_arrays`` names them), or
    {} when the file holds none; check each against the network and the options."""
    present = sorted(key for key in arrays if is_resume_key(key))
    if not present:
        return {}
    resume: dict[str, np.ndarray] = {}
    counters = {name: integer(arrays, f"{RESUME_PREFIX}{name}", problems, None)
                for name in COUNTERS if _required(arrays, f"{RESUME_PREFIX}{name}", problems)}
    resume.update({name: np.array(value, dtype=np.int64) for name, value in counters.items()
                   if value is not None})
    if None not in (counters.get("updates"), counters.get("optimizer_steps")) and (
            counters["optimizer_steps"] > counters["updates"]):
        problems.append(f"resume_optimizer_steps is {counters['optimizer_steps']} but only "
                        f"{counters['updates']} update(s) were made (resume_updates)")
    prepared = flag(arrays, f"{RESUME_PREFIX}prepared", problems, None)
    if prepared is not None:
        resume["prepared"] = np.array(prepared)
    _moments(arrays, layer_dims, training.get("optimizer"), resume, problems)
    _permutation(arrays, resume, problems)
    _generator(arrays, training.get("keep_prob"), resume, problems)
    _masks(arrays, layer_dims, prepared, training.get("keep_prob"), resume, problems)
    for key in present:
        if not _known_resume_key(key):
            problems.append(f"unexpected member {key!r} (not part of the resume state)")
    return resume


def _known_resume_key(key: str) -> bool:
    name = key.removeprefix(RESUME_PREFIX)
    return bool(_MOMENT.fullmatch(key)) or (key != name and (
        name in (*COUNTERS, "prepared", "permutation", *RNG_KEYS)
        or bool(_MASK.fullmatch(name))))


def _required(arrays: Mapping[str, np.ndarray], key: str, problems: list[str]) -> bool:
    if key in arrays:
        return True
    missing(key, problems, RESUME_MEANINGS[key])
    return False


def _moments(arrays: Mapping[str, np.ndarray], layer_dims: tuple[int, ...] | None,
             optimizer: object, resume: dict[str, np.ndarray], problems: list[str]) -> None:
    """Check vW1, vb1, …, sW1, …: exactly the moments ``optimizer`` keeps, each shaped
    like its parameter, real and finite."""
    if layer_dims is None or optimizer not in OPTIMIZERS:
        return
    L, letters = len(layer_dims) - 1, OPTIMIZERS[optimizer].moments
    for key in sorted(k for k in arrays if _MOMENT.fullmatch(k)):
        letter, kind, l = _MOMENT.fullmatch(key).groups()
        if letter not in letters or int(l) > L:
            why = (f"layer_sizes {layer_dims} has only {L} layer(s)" if int(l) > L else
                   f"optimizer {optimizer} keeps no {letter} moment")
            problems.append(f"{key} is unexpected: {why}")
    for letter in letters:
        for l in range(1, L + 1):
            for kind, shape in (("W", (layer_dims[l], layer_dims[l - 1])),
                                ("b", (layer_dims[l], 1))):
                key = f"{letter}{kind}{l}"
                if key not in arrays:
                    problems.append(f"{key} is missing (optimizer {optimizer} keeps its "
                                    f"{letter} moments, which resuming needs)")
                    continue
                a = arrays[key]
                if a.dtype.kind not in "fiu" or a.shape != shape:
                    problems.append(f"{key} must be a real array of shape {shape} like "
                                    f"{kind}{l}, got {describe(a)}")
                elif not np.isfinite(a).all():
                    problems.append(f"{key} contains non-finite values (NaN/inf)")
                else:
                    resume[key] = np.array(a, dtype=np.float64)


def _permutation(arrays: Mapping[str, np.ndarray], resume: dict[str, np.ndarray],
                 problems: list[str]) -> None:
    """Check the current epoch's column order: a permutation of 0 … k−1."""
    key = f"{RESUME_PREFIX}permutation"
    if key not in arrays:
        return
    a = arrays[key]
    if a.ndim != 1 or a.dtype.kind not in "iu" or a.size == 0:
        problems.append(f"{key} must be a 1-D integer array, got {describe(a)}")
    elif not np.array_equal(np.sort(a), np.arange(a.size)):
        problems.append(f"{key} is not a permutation of 0 … {a.size - 1}")
    else:
        resume["permutation"] = np.array(a, dtype=np.int64)


def _generator(arrays: Mapping[str, np.ndarray], keep_prob: object,
               resume: dict[str, np.ndarray], problems: list[str]) -> None:
    """Check the run's generator state (all four keys or none; needed with dropout)."""
    keys = [f"{RESUME_PREFIX}{name}" for name in RNG_KEYS]
    given = [key for key in keys if key in arrays]
    if not given:
        if isinstance(keep_prob, float) and keep_prob < 1:
            problems.append("resume_rng_keys is missing (dropout draws its masks from the "
                            "run's generator, whose state resuming needs)")
        return
    if len(given) < len(keys):
        absent = ", ".join(key for key in keys if key not in arrays)
        problems.append(f"{absent} missing: the generator's state needs all of "
                        f"{', '.join(keys)}")
        return
    words = arrays[keys[0]]
    if words.shape != (MT_WORDS,) or words.dtype != np.uint32:
        problems.append(f"{keys[0]} must be {MT_WORDS} uint32 words, got {describe(words)}")
        return
    index = integer(arrays, keys[1], problems, None, upper=MT_WORDS + 1)
    has_gauss = integer(arrays, keys[2], problems, None, upper=2)
    gauss = arrays[keys[3]]
    if gauss.ndim != 0 or gauss.dtype.kind != "f" or not math.isfinite(float(gauss)):
        problems.append(f"{keys[3]} must be a finite real scalar, got {describe(gauss)}")
    elif index is not None and has_gauss is not None:
        resume.update(rng_keys=np.array(words), rng_index=np.array(index, dtype=np.int64),
                      rng_has_gauss=np.array(has_gauss, dtype=np.int64),
                      rng_gauss=np.array(gauss, dtype=np.float64))


def _masks(arrays: Mapping[str, np.ndarray], layer_dims: tuple[int, ...] | None,
           prepared: bool | None, keep_prob: object, resume: dict[str, np.ndarray],
           problems: list[str]) -> None:
    """Check a prepared mini-batch's dropout masks D1 … D[L−1]: bool (n[l], b), one b."""
    given = sorted((int(match[1]), key) for key in arrays
                   if key.startswith(RESUME_PREFIX)
                   and (match := _MASK.fullmatch(key.removeprefix(RESUME_PREFIX))))
    if layer_dims is None or prepared is None or not isinstance(keep_prob, float):
        return
    hidden = len(layer_dims) - 2
    needed = prepared and keep_prob < 1 and hidden > 0
    if not needed:
        for _, key in given:
            why = ("no mini-batch is prepared" if not prepared else
                   "keep_prob is 1 (no dropout)" if keep_prob >= 1 else
                   "the network has no hidden layer")
            problems.append(f"{key} is unexpected: {why}")
        return
    columns = set()
    for l in range(1, hidden + 1):
        key = f"{RESUME_PREFIX}D{l}"
        if key not in arrays:
            problems.append(f"{key} is missing (the prepared mini-batch's dropout mask of "
                            f"hidden layer {l})")
            continue
        D = arrays[key]
        if (D.dtype.kind not in "biuf" or D.ndim != 2 or D.shape[0] != layer_dims[l]
                or not D.shape[1] or not np.isin(D, (0, 1)).all()):
            problems.append(f"{key} must be a 0/1 mask of shape ({layer_dims[l]}, b), "
                            f"got {describe(D)}")
            continue
        columns.add(D.shape[1])
        resume[f"D{l}"] = np.array(D, dtype=bool)
    if len(columns) > 1:
        problems.append(f"the dropout masks resume_D… cover different mini-batch sizes "
                        f"{sorted(columns)}")
    for l, key in given:
        if l > hidden:
            problems.append(f"{key} is unexpected: the network has {hidden} hidden layer(s)")
