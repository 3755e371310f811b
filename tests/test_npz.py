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
from playground.core.initialization import initialize_parameters
from playground.core.network import Architecture
from playground.core.npz import (
    DATA_KEYS,
    FORMAT_VERSION,
    METADATA_KEYS,
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


def make_model(arch: Architecture, seed: int = 3) -> SavedModel:
    rng = np.random.RandomState(seed)
    parameters = initialize_parameters(arch.layer_dims, "he", rng)
    for l in range(1, arch.L + 1):
        parameters[f"b{l}"] = rng.randn(arch.layer_dims[l], 1)
    history = np.column_stack([np.arange(0, 500, 100), rng.rand(5)])
    return SavedModel(arch, parameters, init="he", init_scale=0.5, seed=seed,
                      learning_rate=1.2, iteration=400, cost_history=history,
                      dataset="flower (ünïcode)", **GENERATED)


#: The data specification of a generated dataset; the CSV keys stay unrecorded.
GENERATED = {"data_samples": 400, "data_noise": 0.2, "data_seed": 1, "data_classes": 2,
             "test_fraction": 0.25}
CSV_KEYS = ("data_sha256", "test_data", "test_data_sha256")


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
}


#: Cases whose file has more than one problem, and how many; every other case has one.
PROBLEM_COUNTS = {"only-weights": 5}


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


@pytest.mark.parametrize("build", [changed(), raw_file(valid_file_bytes)],
                         ids=["rewritten-members", "raw-bytes"])
def test_bad_files_are_built_from_a_good_one(tmp_path: Path,
                                             build: Callable[[Path], Path]) -> None:
    """Control: with no change, the builders of the hostile files give a file that loads,
    so each one above is refused for its own defect and nothing else."""
    model = make_model(BASE)
    loaded = load_model(build(tmp_path))
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
