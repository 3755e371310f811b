"""The .npz model file: round trips, hostile files refused, atomic writes."""

from __future__ import annotations

import errno
import io
import os
import pathlib
import pickle
import re
import stat
import struct
import sys
import warnings
import zipfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import numpy.lib.format as npy_format
import pytest

import playground.core.atomic as atomic_module
import playground.core.npz_archive as npz_archive
from playground.core.features import FEATURES
from playground.core.initialization import initialize_parameters
from playground.core.network import Architecture
from playground.core.npz import (
    DATA_KEYS,
    FORMAT_VERSION,
    METADATA_KEYS,
    TRAINING_KEYS,
    ModelFileError,
    SavedModel,
    load_model,
    save_model,
)

ARCHITECTURES = {
    "no-hidden": Architecture((2, 1), (), "sigmoid", "cross-entropy"),
    "one-hidden": Architecture((2, 4, 1), ("tanh",), "sigmoid", "cross-entropy"),
    "softmax-3-hidden": Architecture((2, 5, 4, 6, 3), ("relu", "leaky_relu", "sigmoid"),
                                     "softmax", "cross-entropy"),
    "regression-mse": Architecture((1, 8, 1), ("relu",), "linear", "mse"),
    "regression-l1": Architecture((3, 3, 2), ("linear",), "linear", "l1"),
}


def make_model(arch: Architecture, seed: int = 3, resume: bool = False) -> SavedModel:
    rng = np.random.RandomState(seed)
    parameters = initialize_parameters(arch.layer_dims, "he", rng)
    for l in range(1, arch.L + 1):
        parameters[f"b{l}"] = rng.randn(arch.layer_dims[l], 1)
    history = np.column_stack([np.arange(0, 500, 100), rng.rand(5)])
    features = tuple(FEATURES)[:arch.n_x]
    return SavedModel(arch, parameters, init="he", init_scale=0.5, seed=seed,
                      learning_rate=1.2, iteration=400, cost_history=history,
                      dataset="flower (ünïcode)", **GENERATED, **TRAINING, features=features,
                      resume=resume_state(arch, parameters) if resume else {})


#: The data specification of a generated dataset; the CSV keys stay unrecorded.
GENERATED = {"data_samples": 400, "data_noise": 0.2, "data_seed": 1, "data_classes": 2,
             "test_fraction": 0.25}
CSV_KEYS = ("data_sha256", "test_data", "test_data_sha256")
#: Course-2 training options, every one set (the optional ones too), none the default.
TRAINING = {"normalize": True, "batch_size": 64, "shuffle_seed": 10, "optimizer": "adam",
            "beta": 0.8, "beta1": 0.85, "beta2": 0.99, "epsilon": 1e-7, "decay_rate": 0.3,
            "decay_interval": 5, "l2": 0.7, "l1": 0.01, "keep_prob": 0.86}


def resume_state(arch: Architecture, parameters: dict) -> dict[str, np.ndarray]:
    """What ``BatchedEngine.resume_arrays`` returns mid-epoch with Adam and dropout and a
    prepared mini-batch of 5 columns: moments, counters, permutation, generator, masks."""
    rng = np.random.RandomState(4)
    state = {f"{letter}{key}": rng.randn(*value.shape) for letter in "vs"
             for key, value in parameters.items()}
    _, keys, index, has_gauss, gauss = np.random.RandomState(5).get_state()
    state.update(updates=np.array(30), epoch=np.array(4), optimizer_steps=np.array(12),
                 position=np.array(2), prepared=np.array(True),
                 permutation=rng.permutation(12), rng_keys=keys, rng_index=np.array(index),
                 rng_has_gauss=np.array(has_gauss), rng_gauss=np.array(gauss))
    state.update({f"D{l}": (rng.rand(arch.layer_dims[l], 5) < 0.86).astype(float)
                  for l in range(1, arch.L)})
    return state


def expected_keys(arch: Architecture) -> set[str]:
    params = {f"{p}{l}" for l in range(1, arch.L + 1) for p in "Wb"}
    return params | set(METADATA_KEYS) - set(CSV_KEYS)


# --------------------------------------------------------------------------- round trip


@pytest.mark.parametrize("name", ARCHITECTURES)
def test_round_trip_is_exact(tmp_path: Path, name: str) -> None:
    model = make_model(ARCHITECTURES[name])
    path = tmp_path / "model.npz"
    save_model(path, model)
    loaded = load_model(path)

    assert loaded.arch == model.arch
    assert loaded.parameters.keys() == model.parameters.keys()
    for key, value in model.parameters.items():
        assert loaded.parameters[key].dtype == np.float64
        assert np.array_equal(loaded.parameters[key], value)
    assert np.array_equal(loaded.cost_history, model.cost_history)
    assert (loaded.init, loaded.init_scale, loaded.seed, loaded.learning_rate,
            loaded.iteration, loaded.dataset) == ("he", 0.5, 3, 1.2, 400, "flower (ünïcode)")


@pytest.mark.parametrize("name", ARCHITECTURES)
def test_file_layout_is_the_documented_one(tmp_path: Path, name: str) -> None:
    arch = ARCHITECTURES[name]
    path = tmp_path / "model.npz"
    save_model(path, make_model(arch))
    with np.load(path, allow_pickle=False) as npz:
        assert set(npz.files) == expected_keys(arch)
        for l in range(1, arch.L + 1):
            assert npz[f"W{l}"].shape == (arch.layer_dims[l], arch.layer_dims[l - 1])
            assert npz[f"b{l}"].shape == (arch.layer_dims[l], 1)
            assert npz[f"W{l}"].dtype == npz[f"b{l}"].dtype == np.float64
        for key in ("format_version", "seed", "iteration"):
            assert npz[key].dtype == np.int64 and npz[key].shape == ()
        for key in ("init_scale", "learning_rate"):
            assert npz[key].dtype == np.float64 and npz[key].shape == ()
        for key in ("output", "loss", "init", "dataset"):
            assert npz[key].dtype.kind == "U" and npz[key].shape == ()
        assert npz["format_version"] == FORMAT_VERSION
        assert npz["layer_sizes"].dtype == np.int64
        assert tuple(npz["layer_sizes"]) == arch.layer_dims
        assert npz["activations"].dtype.kind == "U"
        assert npz["activations"].shape == (arch.L - 1,)
        assert tuple(npz["activations"]) == arch.activations
        assert (str(npz["output"]), str(npz["loss"])) == (arch.output, arch.loss)
        assert npz["cost_history"].dtype == np.float64 and npz["cost_history"].shape == (5, 2)


def test_file_goes_exactly_where_asked_without_a_suffix(tmp_path: Path) -> None:
    path = tmp_path / "trained.weights"
    save_model(str(path), make_model(ARCHITECTURES["one-hidden"]))
    assert os.listdir(tmp_path) == ["trained.weights"]
    assert load_model(str(path)).arch == ARCHITECTURES["one-hidden"]


def test_defaults_and_conversions(tmp_path: Path) -> None:
    arch = ARCHITECTURES["one-hidden"]
    parameters = {"W1": np.ones((4, 2), dtype=np.float32), "b1": np.zeros((4, 1), dtype=int),
                  "W2": np.full((1, 4), 0.5), "b2": np.zeros((1, 1))}
    path = tmp_path / "m.npz"
    save_model(path, SavedModel(arch, parameters))
    loaded = load_model(path)
    assert all(v.dtype == np.float64 for v in loaded.parameters.values())
    assert np.array_equal(loaded.parameters["W1"], np.ones((4, 2)))
    assert loaded.cost_history.shape == (0, 2) and loaded.iteration == 0
    assert (loaded.init, loaded.init_scale, loaded.seed, loaded.dataset) == ("random", 0.01, 0, "")


def test_minimal_hand_made_file_gets_defaults(tmp_path: Path) -> None:
    path = tmp_path / "hand.npz"
    np.savez(path, W1=np.ones((1, 2)), b1=np.zeros((1, 1)), format_version=1,
             layer_sizes=[2, 1], activations=np.array([], dtype=str), output="sigmoid",
             loss="cross-entropy")
    loaded = load_model(path)
    assert loaded.arch == ARCHITECTURES["no-hidden"]
    assert np.array_equal(loaded.parameters["W1"], np.ones((1, 2)))
    assert np.array_equal(loaded.parameters["b1"], np.zeros((1, 1)))
    assert (loaded.init, loaded.init_scale, loaded.seed, loaded.learning_rate,
            loaded.iteration, loaded.dataset) == ("random", 0.01, 0, 0.01, 0, "")
    assert loaded.cost_history.shape == (0, 2)


def test_the_data_specification_round_trips(tmp_path: Path) -> None:
    model = make_model(ARCHITECTURES["one-hidden"])
    path = tmp_path / "generated.npz"
    save_model(path, model)
    loaded = load_model(path)
    assert {key: getattr(loaded, key) for key in GENERATED} == GENERATED
    assert all(getattr(loaded, key) is None for key in CSV_KEYS)
    with np.load(path, allow_pickle=False) as npz:
        for key in ("data_samples", "data_seed", "data_classes"):
            assert npz[key].dtype == np.int64 and npz[key].shape == ()
        for key in ("data_noise", "test_fraction"):
            assert npz[key].dtype == np.float64 and npz[key].shape == ()
    csv = {"dataset": "train.csv", "test_fraction": 0.0, "data_sha256": "0" * 64,
           "test_data": "test.csv", "test_data_sha256": "f" * 64}
    path = tmp_path / "csv.npz"
    save_model(path, SavedModel(model.arch, model.parameters, **csv))
    loaded = load_model(path)
    assert {key: getattr(loaded, key) for key in csv} == csv
    assert loaded.data_samples is None and loaded.data_seed is None
    with np.load(path, allow_pickle=False) as npz:
        assert set(DATA_KEYS) & set(npz.files) == set(csv) - {"dataset"}


def test_a_file_without_the_data_specification_loads_with_none(tmp_path: Path) -> None:
    path = tmp_path / "old.npz"
    model = make_model(ARCHITECTURES["one-hidden"])
    save_model(path, SavedModel(model.arch, model.parameters, dataset="flower"))
    with np.load(path, allow_pickle=False) as npz:
        assert not set(DATA_KEYS) & set(npz.files)
    loaded = load_model(path)
    assert loaded.dataset == "flower"
    assert all(getattr(loaded, key) is None for key in DATA_KEYS)


def test_the_training_options_round_trip(tmp_path: Path) -> None:
    model = make_model(ARCHITECTURES["softmax-3-hidden"])
    path = tmp_path / "options.npz"
    save_model(path, model)
    loaded = load_model(path)
    assert {key: getattr(loaded, key) for key in TRAINING} == TRAINING
    assert loaded.features == ("x1", "x2") and loaded.resume == {}
    with np.load(path, allow_pickle=False) as npz:
        for key in ("batch_size", "shuffle_seed", "decay_interval"):
            assert npz[key].dtype == np.int64 and npz[key].shape == ()
        for key in ("beta", "beta1", "beta2", "epsilon", "decay_rate", "l2", "l1", "keep_prob"):
            assert npz[key].dtype == np.float64 and npz[key].shape == ()
        assert npz["normalize"].dtype == np.bool_ and npz["optimizer"].dtype.kind == "U"
        assert npz["features"].dtype.kind == "U" and npz["features"].shape == (2,)


def test_the_resume_state_round_trips_under_its_documented_keys(tmp_path: Path) -> None:
    model = make_model(BASE, resume=True)
    path = tmp_path / "resume.npz"
    save_model(path, model)
    loaded = load_model(path)
    assert set(loaded.resume) == set(model.resume)
    for key, value in model.resume.items():
        assert np.array_equal(loaded.resume[key], value), key
    with np.load(path, allow_pickle=False) as npz:
        resume_keys = set(npz.files) - expected_keys(BASE)
        assert resume_keys == ({f"{m}{p}{l}" for m in "vs" for p in "Wb" for l in (1, 2)}
                               | {f"resume_{name}" for name in (
                                   "updates", "epoch", "optimizer_steps", "position",
                                   "prepared", "permutation", "rng_keys", "rng_index",
                                   "rng_has_gauss", "rng_gauss", "D1")})
        assert npz["resume_D1"].dtype == np.bool_ and npz["resume_D1"].shape == (4, 5)
        assert npz["resume_rng_keys"].dtype == np.uint32
        assert npz["resume_prepared"].dtype == np.bool_
        assert npz["vW1"].dtype == np.float64 and npz["vW1"].shape == (4, 2)
        for key in ("updates", "epoch", "optimizer_steps", "position", "permutation"):
            assert npz[f"resume_{key}"].dtype == np.int64


def test_a_file_without_the_training_keys_loads_as_course_1(tmp_path: Path) -> None:
    arrays = {key: value for key, value in base_arrays(tmp_path).items()
              if key not in TRAINING_KEYS}
    loaded = load_model(write_members(tmp_path / "old.npz", arrays))
    defaults = SavedModel(BASE, {})
    assert all(getattr(loaded, key) == getattr(defaults, key) for key in TRAINING_KEYS)
    assert (loaded.optimizer, loaded.batch_size, loaded.keep_prob, loaded.features,
            loaded.resume) == ("gd", None, 1.0, None, {})
    assert loaded.training_options().is_plain(400)          # course 1's gradient descent


def test_diverged_cost_history_is_kept(tmp_path: Path) -> None:
    model = make_model(ARCHITECTURES["regression-mse"])
    history = np.array([[0.0, 1.0], [1.0, np.inf], [2.0, np.nan]])
    path = tmp_path / "m.npz"
    save_model(path, SavedModel(model.arch, model.parameters, cost_history=history))
    assert np.array_equal(load_model(path).cost_history, history, equal_nan=True)


# --------------------------------------------------------------------------- hostile files

BASE = ARCHITECTURES["one-hidden"]  # (2, 4, 1): W1 (4, 2), b1 (4, 1), W2 (1, 4), b2 (1, 1)


def base_arrays(tmp_path: Path) -> dict[str, np.ndarray]:
    path = tmp_path / "base.npz"
    save_model(path, make_model(BASE))
    with np.load(path, allow_pickle=False) as npz:
        arrays = {key: npz[key] for key in npz.files}
    path.unlink()
    return arrays


def write_members(path: Path, members: dict[str, np.ndarray | bytes]) -> Path:
    """Write a zip whose members are .npy arrays (pickled if object) or raw bytes."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # duplicate names are deliberate in one case
        with zipfile.ZipFile(path, "w") as zf:
            for name, value in members.items():
                if isinstance(value, bytes):
                    zf.writestr(name, value)
                else:
                    with zf.open(f"{name}.npy", "w") as fp:
                        npy_format.write_array(fp, np.asanyarray(value), allow_pickle=True)
    return path


def marker_payload(marker: Path) -> np.ndarray:
    """An object array whose unpickling creates ``marker``: proof that code ran."""

    class Plant:
        def __reduce__(self):
            return (pathlib.Path.touch, (pathlib.Path(marker),))

    payload = np.empty(1, dtype=object)
    payload[0] = Plant()
    return payload


def changed(**changes: object) -> Callable[[Path], Path]:
    """A case: the base file with members replaced (value None removes the member)."""

    def build(tmp_path: Path) -> Path:
        arrays: dict[str, np.ndarray | bytes] = dict(base_arrays(tmp_path))
        for key, value in changes.items():
            if value is None:
                del arrays[key]
            else:
                arrays[key] = value(arrays) if callable(value) else value
        return write_members(tmp_path / "bad.npz", arrays)

    return build


def with_resume(**changes: object) -> Callable[[Path], Path]:
    """A case: a file that resumes a run (Adam, dropout, a prepared mini-batch), with
    members replaced (value None removes the member)."""

    def build(tmp_path: Path) -> Path:
        path = tmp_path / "resumed.npz"
        save_model(path, make_model(BASE, resume=True))
        with np.load(path, allow_pickle=False) as npz:
            arrays: dict[str, np.ndarray | bytes] = {key: npz[key] for key in npz.files}
        path.unlink()
        for key, value in changes.items():
            if value is None:
                del arrays[key]
            else:
                arrays[key] = value
        return write_members(tmp_path / "bad.npz", arrays)

    return build


def raw_file(content: Callable[[Path], bytes]) -> Callable[[Path], Path]:
    def build(tmp_path: Path) -> Path:
        path = tmp_path / "bad.npz"
        path.write_bytes(content(tmp_path))
        return path

    return build


def valid_file_bytes(tmp_path: Path) -> bytes:
    path = tmp_path / "valid.npz"
    save_model(path, make_model(BASE))
    data = path.read_bytes()
    path.unlink()
    return data


def npy_bytes(header: dict, data: bytes) -> bytes:
    fp = io.BytesIO()
    npy_format.write_array_header_1_0(fp, header)
    return fp.getvalue() + data


def forged_size_zip(tmp_path: Path) -> bytes:
    """A zip whose central directory claims W1.npy unpacks to ~4 GB (a zip bomb's promise)."""
    fp = io.BytesIO()
    with zipfile.ZipFile(fp, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("W1.npy", npy_bytes({"descr": "<f8", "fortran_order": False,
                                         "shape": (4, 2)}, bytes(64)))
    data = bytearray(fp.getvalue())
    central = data.index(b"PK\x01\x02")
    struct.pack_into("<I", data, central + 24, 0xFFFFFFF0)  # uncompressed size field
    return bytes(data)


def flipped_crc_byte(tmp_path: Path) -> bytes:
    """A valid file with the last data byte of W2 changed: its CRC-32 no longer matches."""
    data = bytearray(valid_file_bytes(tmp_path))
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as zf:
        info = zf.getinfo("W2.npy")
    name_len, extra_len = struct.unpack_from("<HH", data, info.header_offset + 26)
    last = info.header_offset + 30 + name_len + extra_len + info.compress_size - 1
    data[last] ^= 0xFF
    return bytes(data)


def with_pickle_payload(key: str) -> Callable[[Path], Path]:
    def build(tmp_path: Path) -> Path:
        return changed(**{key: marker_payload(tmp_path / "PWNED")})(tmp_path)

    return build


BAD_FILES: dict[str, tuple[Callable[[Path], Path], str]] = {
    "pickle-in-W1": (with_pickle_payload("W1"), r"W1 is an object array.*refused to unpickle"),
    "pickle-in-metadata": (with_pickle_payload("output"),
                           r"output is an object array.*refused to unpickle"),
    "pickle-file-not-zip": (raw_file(lambda t: pickle.dumps(marker_payload(t / "PWNED"))),
                            r"not a valid \.npz file \(it is not a zip archive\)"),
    "missing-W2": (changed(W2=None), r"W2 is missing \(layer_sizes \(2, 4, 1\) has 2 layer"),
    "missing-b1": (changed(b1=None), r"b1 is missing \(layer_sizes \(2, 4, 1\) has 2 layer"),
    "missing-layer_sizes": (changed(layer_sizes=None), r"layer_sizes is missing"),
    "only-weights": (changed(**{k: None for k in METADATA_KEYS if k not in CSV_KEYS}),
                     r"format_version is missing.*layer_sizes is missing.*"
                     r"activations is missing.*output is missing.*loss is missing"),
    "extra-W9": (changed(W9=np.ones((2, 2))), r"W9 is unexpected: layer_sizes \(2, 4, 1\)"),
    "extra-member": (changed(notes=np.array("hi")), r"unexpected member 'notes'"),
    "shapes-do-not-connect": (changed(W2=np.ones((1, 5))),
                              r"W2 has shape \(1, 5\) but layer 1 has 4 units: "
                              r"expected \(1, 4\)"),
    "b-flat": (changed(b1=np.zeros(4)), r"b1 has shape \(4,\) but must be a column: "
                                        r"expected \(4, 1\)"),
    "W-3d": (changed(W1=np.ones((4, 2, 1))), r"W1 has shape \(4, 2, 1\) but must be 2-D"),
    "nan": (changed(W1=lambda a: np.where(np.eye(4, 2) > 0, np.nan, a["W1"])),
            r"W1 contains 2 non-finite value\(s\) \(NaN/inf\)"),
    "inf": (changed(b2=np.array([[-np.inf]])),
            r"b2 contains 1 non-finite value\(s\) \(NaN/inf\)"),
    "unknown-activation": (changed(activations=np.array(["swish"])),
                           r"unknown activation 'swish' for hidden layer 1; choose from "
                           r"sigmoid, tanh, relu"),
    "activation-count": (changed(activations=np.array(["relu", "relu"])),
                         r"activations has 2 name\(s\) but layer_sizes \(2, 4, 1\) has 1"),
    "unknown-output": (changed(output=np.array("tanh")),
                       r"unknown output 'tanh'; choose from sigmoid, softmax, linear"),
    "unknown-loss": (changed(loss=np.array("hinge")),
                     r"unknown loss 'hinge'; choose from cross-entropy, mse, l1"),
    "loss-does-not-fit-output": (changed(loss=np.array("mse")),
                                 r"output 'sigmoid' with loss 'mse' is not supported"),
    "sigmoid-with-3-units": (changed(layer_sizes=np.array([2, 4, 3]),
                                     W2=np.ones((3, 4)), b2=np.zeros((3, 1))),
                             r"a sigmoid output has 1 unit, got 3"),
    "unknown-init": (changed(init=np.array("magic")),
                     r"unknown init 'magic'; choose from zeros, random, xavier, he"),
    "string-weights": (changed(W1=np.full((4, 2), "0.1")), r"W1 has dtype <U3; parameters "
                                                           r"must be real numbers"),
    "complex-weights": (changed(W1=np.ones((4, 2), dtype=complex)),
                        r"W1 has dtype complex128"),
    "bool-weights": (changed(b1=np.zeros((4, 1), dtype=bool)), r"b1 has dtype bool"),
    "bytes-metadata": (changed(output=np.array(b"sigmoid")),
                       r"output must be a unicode text scalar"),
    "float-layer-sizes": (changed(layer_sizes=np.array([2.0, 4.0, 1.0])),
                          r"layer_sizes must be a 1-D integer array"),
    "zero-units": (changed(layer_sizes=np.array([2, 0, 1])),
                   r"layer_sizes \(2, 0, 1\) has a layer with fewer than 1 unit"),
    "format-version-99": (changed(format_version=np.array(99)),
                          r"format_version 99 is newer than this program reads"),
    "nan-learning-rate": (changed(learning_rate=np.array(np.nan)),
                          r"learning_rate is nan; expected a finite number"),
    "negative-seed": (changed(seed=np.array(-1)), r"seed is -1; expected 0 ≤ seed"),
    "cost-history-shape": (changed(cost_history=np.arange(5.0)),
                           r"cost_history must be a real \(k, 2\) array"),
    "truncated": (raw_file(lambda t: valid_file_bytes(t)[:len(valid_file_bytes(t)) // 2]),
                  r"not a valid \.npz file \(truncated or damaged zip archive"),
    "random-bytes": (raw_file(lambda t: np.random.RandomState(0).bytes(3000)),
                     r"not a valid \.npz file \(it is not a zip archive\)"),
    "random-bytes-after-zip-magic": (
        raw_file(lambda t: b"PK\x03\x04" + np.random.RandomState(1).bytes(3000)),
        r"not a valid \.npz file \(truncated or damaged zip archive"),
    "empty-file": (raw_file(lambda t: b""), r"not a valid \.npz file \(the file is empty\)"),
    "plain-npy": (raw_file(lambda t: npy_bytes({"descr": "<f8", "fortran_order": False,
                                                "shape": (1,)}, bytes(8))),
                  r"not a valid \.npz file \(it is not a zip archive\)"),
    "non-npy-member": (changed(**{"readme.txt": b"hello"}),
                       r"member 'readme.txt' is not a NumPy \.npy array"),
    "garbage-npy-member": (changed(W1=None, **{"W1.npy": b"\x93NUMPY\x01\x00garbage"}),
                           r"W1 is damaged or not a valid \.npy array"),
    "duplicate-member": (changed(**{"W1.npy": npy_bytes({"descr": "<f8", "fortran_order": False,
                                                         "shape": (4, 2)}, bytes(64))}),
                         r"W1 appears more than once"),
    "huge-declared-array": (changed(W1=None, **{"W1.npy": npy_bytes(
        {"descr": "<f8", "fortran_order": False, "shape": (10**9, 10**9)}, bytes(16))}),
        r"W1 declares shape \(1000000000, 1000000000\).*too large"),
    "declared-more-than-held": (changed(W2=None, **{"W2.npy": npy_bytes(
        {"descr": "<f8", "fortran_order": False, "shape": (1000, 1000)}, bytes(16))}),
        r"W2 declares shape \(1000, 1000\) of float64 \(8000000 bytes\) but holds only 16"),
    "bad-crc": (raw_file(flipped_crc_byte), r"W2 is damaged .*Bad CRC-32"),
    "zip-bomb": (raw_file(forged_size_zip), r"would unpack to \d+ bytes.*zip bomb"),
    # course 2: the training options
    "unknown-optimizer": (changed(optimizer=np.array("sgd")),
                          r"unknown optimizer 'sgd'; choose from gd, momentum, rmsprop, adam"),
    "keep-prob-zero": (changed(keep_prob=np.array(0.0)),
                       r"keep_prob is 0.0; expected a number in \(0, 1\]"),
    "keep-prob-above-1": (changed(keep_prob=np.array(1.5)),
                          r"keep_prob is 1.5; expected a number in \(0, 1\]"),
    "negative-l2": (changed(l2=np.array(-0.5)), r"l2 is -0.5; expected a finite number ≥ 0"),
    "inf-l1": (changed(l1=np.array(np.inf)), r"l1 is inf; expected a finite number ≥ 0"),
    "beta1-one": (changed(beta1=np.array(1.0)), r"beta1 is 1.0; expected a number in \[0, 1\)"),
    "epsilon-zero": (changed(epsilon=np.array(0.0)), r"epsilon is 0.0; expected a number in \(0"),
    "batch-size-zero": (changed(batch_size=np.array(0)), r"batch_size is 0; expected "
                                                         r"batch_size ≥ 1"),
    "float-batch-size": (changed(batch_size=np.array(64.0)),
                         r"batch_size must be an integer scalar"),
    "negative-shuffle-seed": (changed(shuffle_seed=np.array(-3)),
                              r"shuffle_seed is -3; expected 0 ≤ shuffle_seed < 4294967296"),
    "decay-interval-zero": (changed(decay_interval=np.array(0)),
                            r"decay_interval is 0; expected decay_interval ≥ 1"),
    "negative-decay-rate": (changed(decay_rate=np.array(-1.0)), r"decay_rate is -1.0"),
    "normalize-not-bool": (changed(normalize=np.array(1)),
                           r"normalize must be a boolean scalar"),
    "unknown-feature": (changed(features=np.array(["x1", "x9"])),
                        r"features: unknown feature 'x9'; choose from x1, x2"),
    "repeated-feature": (changed(features=np.array(["x1", "x1"])),
                         r"features: feature 'x1' is chosen twice"),
    "features-do-not-fit-n_x": (changed(features=np.array(["x1", "x2", "x1^2"])),
                                r"features lists 3 feature\(s\) but the network has n_x = 2"),
    "features-2d": (changed(features=np.array([["x1", "x2"]])),
                    r"features must be a 1-D unicode array"),
    # course 2: the state an exact continuation needs
    "moment-shape": (with_resume(vW1=np.zeros((2, 4))),
                     r"vW1 must be a real array of shape \(4, 2\) like W1"),
    "moment-missing": (with_resume(sb2=None),
                       r"sb2 is missing \(optimizer adam keeps its s moments"),
    "moment-the-optimizer-does-not-keep": (with_resume(optimizer=np.array("momentum")),
                                           r"sW1 is unexpected: optimizer momentum keeps no "
                                           r"s moment"),
    "moment-of-a-missing-layer": (with_resume(vW3=np.zeros((1, 1))),
                                  r"vW3 is unexpected: layer_sizes \(2, 4, 1\) has only 2"),
    "moment-nan": (with_resume(vb1=np.full((4, 1), np.nan)),
                   r"vb1 contains non-finite values"),
    "moment-text": (with_resume(sW2=np.full((1, 4), "0")), r"sW2 must be a real array"),
    "negative-counter": (with_resume(resume_epoch=np.array(-1)),
                         r"resume_epoch is -1; expected resume_epoch ≥ 0"),
    "float-counter": (with_resume(resume_position=np.array(2.0)),
                      r"resume_position must be an integer scalar"),
    "counter-missing": (with_resume(resume_updates=None), r"resume_updates is missing"),
    "t-above-updates": (with_resume(resume_optimizer_steps=np.array(31)),
                        r"resume_optimizer_steps is 31 but only 30 update\(s\) were made"),
    "prepared-not-bool": (with_resume(resume_prepared=np.array(1)),
                          r"resume_prepared must be a boolean scalar"),
    "not-a-permutation": (with_resume(resume_permutation=np.array([0, 0, 1])),
                          r"resume_permutation is not a permutation of 0 … 2"),
    "float-permutation": (with_resume(resume_permutation=np.arange(3.0)),
                          r"resume_permutation must be a 1-D integer array"),
    "rng-keys-shape": (with_resume(resume_rng_keys=np.zeros(10, dtype=np.uint32)),
                       r"resume_rng_keys must be 624 uint32 words"),
    "rng-keys-signed": (with_resume(resume_rng_keys=np.zeros(624, dtype=np.int64)),
                        r"resume_rng_keys must be 624 uint32 words"),
    "rng-index-range": (with_resume(resume_rng_index=np.array(700)),
                        r"resume_rng_index is 700; expected 0 ≤ resume_rng_index < 625"),
    "rng-gauss-nan": (with_resume(resume_rng_gauss=np.array(np.nan)),
                      r"resume_rng_gauss must be a finite real scalar"),
    "rng-partial": (with_resume(resume_rng_index=None),
                    r"resume_rng_index missing: the generator's state needs all of"),
    "rng-missing-with-dropout": (
        with_resume(**{f"resume_rng_{k}": None for k in ("keys", "index", "has_gauss",
                                                          "gauss")}),
        r"resume_rng_keys is missing \(dropout draws its masks from the run's generator"),
    "mask-shape": (with_resume(resume_D1=np.ones((3, 5), dtype=bool)),
                   r"resume_D1 must be a 0/1 mask of shape \(4, b\)"),
    "mask-not-0-or-1": (with_resume(resume_D1=np.full((4, 5), 0.5)),
                        r"resume_D1 must be a 0/1 mask"),
    "mask-missing": (with_resume(resume_D1=None),
                     r"resume_D1 is missing \(the prepared mini-batch's dropout mask"),
    "mask-not-prepared": (with_resume(resume_prepared=np.array(False)),
                          r"resume_D1 is unexpected: no mini-batch is prepared"),
    "mask-without-dropout": (with_resume(keep_prob=np.array(1.0)),
                             r"resume_D1 is unexpected: keep_prob is 1 \(no dropout\)"),
    "mask-of-the-output-layer": (with_resume(resume_D2=np.ones((1, 5), dtype=bool)),
                                 r"resume_D2 is unexpected: the network has 1 hidden layer"),
    "unknown-resume-member": (with_resume(resume_velocity=np.zeros(3)),
                              r"unexpected member 'resume_velocity' \(not part of the resume"),
}


#: Cases whose file has more than one problem, and how many; every other case has one.
PROBLEM_COUNTS = {"only-weights": 5, "moment-the-optimizer-does-not-keep": 4}


@pytest.mark.parametrize("case", BAD_FILES)
def test_bad_file_is_refused_naming_the_file_and_its_problem(tmp_path: Path,
                                                              case: str) -> None:
    build, problem = BAD_FILES[case]
    path = build(tmp_path)
    with pytest.raises(ModelFileError) as info:
        load_model(path)
    error = info.value
    assert error.path == str(path)
    assert str(error) == f"cannot load {path}: " + "; ".join(error.problems)
    # The problem is named in the problems themselves (not matched by chance in the path),
    # and it is the only one: the file is refused for the defect it was built with.
    assert re.search(problem, "; ".join(error.problems)), error.problems
    assert len(error.problems) == PROBLEM_COUNTS.get(case, 1), error.problems
    assert not (tmp_path / "PWNED").exists()


@pytest.mark.parametrize("build", [changed(), raw_file(valid_file_bytes), with_resume()],
                         ids=["rewritten-members", "raw-bytes", "resumed"])
def test_bad_files_are_built_from_a_good_one(tmp_path: Path,
                                             build: Callable[[Path], Path]) -> None:
    """Control: with no change, the builders of the hostile files give a file that loads,
    so each one above is refused for its own defect and nothing else."""
    model = make_model(BASE)
    loaded = load_model(build(tmp_path))
    assert {key: getattr(loaded, key) for key in TRAINING} == TRAINING
    assert loaded.arch == BASE
    for key, value in model.parameters.items():
        assert np.array_equal(loaded.parameters[key], value)
    assert np.array_equal(loaded.cost_history, model.cost_history)
    assert (loaded.seed, loaded.iteration, loaded.dataset) == (3, 400, "flower (ünïcode)")


@pytest.mark.parametrize("case", ["pickle-in-W1", "pickle-in-metadata"])
def test_pickle_payloads_are_live(tmp_path: Path, case: str) -> None:
    """Control: the hostile files really would run code if loaded with allow_pickle=True."""
    path = BAD_FILES[case][0](tmp_path)
    assert not (tmp_path / "PWNED").exists()
    with np.load(path, allow_pickle=True) as npz:
        for key in npz.files:
            npz[key]
    assert (tmp_path / "PWNED").exists()


def test_pickle_file_payload_is_live(tmp_path: Path) -> None:
    """Control: the pickle handed over as a model file runs code when unpickled."""
    path = BAD_FILES["pickle-file-not-zip"][0](tmp_path)
    assert not (tmp_path / "PWNED").exists()
    pickle.loads(path.read_bytes())
    assert (tmp_path / "PWNED").exists()


def test_all_problems_are_collected(tmp_path: Path) -> None:
    path = changed(b2=None, activations=np.array(["swish"]),
                   W1=np.full((4, 2), np.inf), init=np.array("magic"))(tmp_path)
    with pytest.raises(ModelFileError) as info:
        load_model(path)
    text = " | ".join(info.value.problems)
    for fragment in ("b2 is missing", "unknown activation 'swish'",
                     "W1 contains 8 non-finite", "unknown init 'magic'"):
        assert fragment in text
    assert len(info.value.problems) == 4


def test_directory_and_missing_paths(tmp_path: Path) -> None:
    with pytest.raises(ModelFileError) as info:
        load_model(tmp_path)
    assert str(info.value) == f"cannot load {tmp_path}: it is a folder, not a .npz file"
    with pytest.raises(ModelFileError) as info:
        load_model(tmp_path / "nowhere.npz")
    assert str(info.value) == f"cannot load {tmp_path / 'nowhere.npz'}: no such file"


@pytest.mark.skipif(sys.platform == "win32" or os.geteuid() == 0,
                    reason="needs POSIX permissions that apply to this user")
def test_unreadable_file(tmp_path: Path) -> None:
    path = tmp_path / "m.npz"
    save_model(path, make_model(BASE))
    path.chmod(0)
    with pytest.raises(ModelFileError, match="permission denied"):
        load_model(path)


def test_permission_errors_are_reported(tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """The same paths as the POSIX tests above, for any user (root ignores permissions)."""
    path = tmp_path / "m.npz"
    save_model(path, make_model(BASE))

    def denied(*args, **kwargs):
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES))

    monkeypatch.setattr(npz_archive, "open", denied, raising=False)
    with pytest.raises(ModelFileError, match=r"m\.npz: permission denied"):
        load_model(path)
    monkeypatch.setattr(atomic_module.tempfile, "mkstemp", denied)
    with pytest.raises(ModelFileError, match=r"cannot create a file in .*Permission denied"):
        save_model(tmp_path / "other.npz", make_model(BASE))
    assert os.listdir(tmp_path) == ["m.npz"]


def test_error_survives_pickling() -> None:
    error = ModelFileError(["a", "b"], "x.npz")
    copy = pickle.loads(pickle.dumps(error))
    assert copy.problems == ("a", "b") and str(copy) == str(error) == "cannot load x.npz: a; b"


# --------------------------------------------------------------------------- writing


@pytest.mark.parametrize("change, message", [
    ({"W1": np.full((4, 2), np.nan)}, r"W1 contains 8 non-finite"),
    ({"W2": np.ones((1, 3))}, r"W2 has shape \(1, 3\) but layer 1 has 4 units"),
    ({"b1": np.zeros(4)}, r"b1 has shape \(4,\)"),
    ({"W3": np.ones((1, 1))}, r"W3 is unexpected"),
    ({"weights": np.ones(2)}, r"parameter 'weights' is not one of W1, b1"),
    ({"W1": np.ones((4, 2), dtype=complex)}, r"W1 has dtype complex128"),
])
def test_invalid_parameters_are_never_written(tmp_path: Path, change: dict,
                                              message: str) -> None:
    model = make_model(BASE)
    bad = SavedModel(BASE, {**model.parameters, **change})
    with pytest.raises(ModelFileError, match=message):
        save_model(tmp_path / "m.npz", bad)
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("field, value, message", [
    ("init", "magic", r"unknown init 'magic'"),
    ("init", 3, r"init must be a unicode text scalar"),
    ("learning_rate", float("inf"), r"learning_rate is inf"),
    ("seed", 2**32, r"seed is 4294967296"),
    ("seed", 1.5, r"seed must be an integer"),
    ("iteration", -1, r"iteration is -1"),
    ("cost_history", np.zeros((3, 3)), r"cost_history must be a real \(k, 2\) array"),
    ("data_samples", 1, r"data_samples is 1; expected data_samples ≥ 2"),
    ("data_noise", -0.1, r"data_noise is -0.1; expected a finite number ≥ 0"),
    ("data_seed", 2**32, r"data_seed is 4294967296"),
    ("data_classes", 1, r"data_classes is 1"),
    ("test_fraction", 1.0, r"test_fraction is 1.0; expected a number in \[0, 1\)"),
    ("data_sha256", "abc", r"data_sha256 must be 64 lower-case hex digits"),
    ("test_data", 3, r"test_data must be a unicode text scalar"),
    ("optimizer", "sgd", r"unknown optimizer 'sgd'"),
    ("keep_prob", 0.0, r"keep_prob is 0.0"),
    ("l2", -1.0, r"l2 is -1.0"),
    ("batch_size", 0, r"batch_size is 0"),
    ("features", ("x1", "x9"), r"unknown feature 'x9'"),
    ("features", ("x1",), r"features lists 1 feature\(s\) but the network has n_x = 2"),
    ("resume", {"vW1": np.zeros((4, 2))}, r"resume_updates is missing"),
    ("resume", {"velocity": np.zeros(2)}, r"unexpected member 'resume_velocity'"),
])
def test_invalid_settings_are_never_written(tmp_path: Path, field: str, value: object,
                                            message: str) -> None:
    model = make_model(BASE)
    bad = SavedModel(**{**model.__dict__, field: value})
    with pytest.raises(ModelFileError, match=f"cannot save .*m.npz: .*{message}"):
        save_model(tmp_path / "m.npz", bad)
    assert os.listdir(tmp_path) == []


def test_unwritable_targets(tmp_path: Path) -> None:
    model = make_model(BASE)
    with pytest.raises(ModelFileError, match=r"folder .*missing does not exist"):
        save_model(tmp_path / "missing" / "m.npz", model)
    (tmp_path / "adir").mkdir()
    with pytest.raises(ModelFileError, match="it is a folder, not a file"):
        save_model(tmp_path / "adir", model)
    assert sorted(os.listdir(tmp_path)) == ["adir"]
    assert os.listdir(tmp_path / "adir") == []


@pytest.mark.skipif(sys.platform == "win32" or os.geteuid() == 0,
                    reason="needs POSIX permissions that apply to this user")
def test_read_only_folder(tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        with pytest.raises(ModelFileError, match=r"cannot create a file in .*ro"):
            save_model(folder / "m.npz", make_model(BASE))
    finally:
        folder.chmod(stat.S_IRWXU)
    assert os.listdir(folder) == []


def fail_midway_in_write_array(monkeypatch: pytest.MonkeyPatch) -> None:
    real = npy_format.write_array
    calls = []

    def write_array(fp, array, *args, **kwargs):
        calls.append(1)
        if len(calls) == 3:  # two members written, the third half-written, then disk full
            fp.write(b"\x93NUMPY" + bytes(40))
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real(fp, array, *args, **kwargs)

    monkeypatch.setattr(npy_format, "write_array", write_array)


def fail_in(module: object, name: str) -> Callable[[pytest.MonkeyPatch], None]:
    def patch(monkeypatch: pytest.MonkeyPatch) -> None:
        def boom(*args, **kwargs):
            raise OSError(errno.EIO, os.strerror(errno.EIO))

        monkeypatch.setattr(module, name, boom)

    return patch


@pytest.mark.parametrize("inject", [fail_midway_in_write_array, fail_in(os, "fsync"),
                                    fail_in(os, "replace")],
                         ids=["disk-full-midway", "fsync", "replace"])
def test_failure_midway_leaves_existing_file_untouched(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        inject: Callable[[pytest.MonkeyPatch], None]) -> None:
    path = tmp_path / "m.npz"
    save_model(path, make_model(BASE, seed=1))
    before = path.read_bytes()
    inject(monkeypatch)
    with pytest.raises(ModelFileError, match=r"cannot save .*m.npz: writing failed") as info:
        save_model(path, make_model(BASE, seed=2))
    assert isinstance(info.value.__cause__, OSError)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["m.npz"]
    assert load_model(path).seed == 1


def test_interrupt_midway_cleans_up_and_propagates(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(np, "savez", interrupted)
    with pytest.raises(KeyboardInterrupt):
        save_model(tmp_path / "m.npz", make_model(BASE))
    assert os.listdir(tmp_path) == []


def test_overwrite_replaces_the_content(tmp_path: Path) -> None:
    path = tmp_path / "m.npz"
    save_model(path, make_model(BASE, seed=1))
    save_model(path, make_model(ARCHITECTURES["softmax-3-hidden"], seed=2))
    assert load_model(path).arch == ARCHITECTURES["softmax-3-hidden"]
    assert os.listdir(tmp_path) == ["m.npz"]


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions and symlinks")
def test_permissions_and_symlinks_are_respected(tmp_path: Path) -> None:
    path = tmp_path / "m.npz"
    old = os.umask(0o027)
    try:
        save_model(path, make_model(BASE))
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    path.chmod(0o604)
    link = tmp_path / "link.npz"
    link.symlink_to(path)
    save_model(link, make_model(BASE, seed=9))
    assert link.is_symlink() and load_model(path).seed == 9
    assert stat.S_IMODE(path.stat().st_mode) == 0o604
