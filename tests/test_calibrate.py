"""The per-machine kernel choice: measured once, cached per machine and NumPy version,
forced by PLAYGROUND_KERNELS, safe with a corrupt file, an unwritable folder or a race,
and handed to the training process."""

from __future__ import annotations

import json
import os
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

from playground.core.fast import calibrate, tanh_table
from playground.core.fast.calibrate import KernelChoices, TanhPlan
from playground.session.commands import Configure, Step, Stop, Sync
from playground.session.config import RunConfig, make_trainer
from playground.session.messages import Synced
from playground.session.process import ProcessLink
from playground.session.snapshot import Snapshot

DTYPES = [d.name for d in tanh_table.DTYPES]


@pytest.fixture
def measured(monkeypatch):
    """Replace the measurement by a quick fake that counts its calls."""
    calls: list[str] = []

    def fake_measure(dtype, *args, **kwargs):
        calls.append(np.dtype(dtype).name)
        return TanhPlan(np.dtype(dtype).name, 2048, 8192, ((2048, 16.0, 9.0),),
                        ((8192, 5.0),))

    monkeypatch.setattr(calibrate, "measure_tanh", fake_measure)
    monkeypatch.delenv(calibrate.ENVIRONMENT_VARIABLE, raising=False)
    return calls


@pytest.fixture
def folder(tmp_path):
    return tmp_path / "cache" / "playground"


def only_file(folder: Path) -> Path:
    files = list(folder.glob("kernels-*.json"))
    assert len(files) == 1, files
    return files[0]


# -- the cache ------------------------------------------------------------------------------
def test_a_measurement_is_written_and_read_back(measured, folder):
    first = calibrate.decide(folder=folder)
    assert first.how == "measured" and measured == DTYPES
    assert "cached in" in first.detail
    path = only_file(folder)
    assert path.name == calibrate.cache_name(calibrate.machine_key())
    again = calibrate.decide(folder=folder)
    assert again.how == "cached" and measured == DTYPES          # not measured twice
    assert again.plans == first.plans and again.key == calibrate.machine_key()
    assert str(path) in again.detail and again.measured_on == first.measured_on
    assert not list(folder.glob("*.tmp"))                         # written atomically


def test_a_new_numpy_or_another_cpu_measures_again(measured, folder, monkeypatch):
    calibrate.decide(folder=folder)
    key = calibrate.machine_key()
    for field, value in (("numpy", "99.0.0"), ("cpu_flags", "0" * 16), ("cpu", "other")):
        monkeypatch.setattr(calibrate, "machine_key", lambda f=field, v=value: key | {f: v})
        measured.clear()
        assert calibrate.decide(folder=folder).how == "measured" and measured == DTYPES
        assert calibrate.decide(folder=folder).how == "cached"
    assert len(list(folder.glob("kernels-*.json"))) == 4


def test_a_file_holding_another_key_is_not_believed(measured, folder):
    key = calibrate.machine_key()
    calibrate.decide(folder=folder)
    path = only_file(folder)
    data = json.loads(path.read_text(encoding="utf-8"))
    data["key"]["numpy"] = "0.1"                 # e.g. copied from another machine
    path.write_text(json.dumps(data), encoding="utf-8")
    assert calibrate.read_cache(path, key) is None
    measured.clear()
    assert calibrate.decide(folder=folder).how == "measured" and measured == DTYPES
    assert calibrate.read_cache(path, key) is not None            # and put right


@pytest.mark.parametrize("content", [b"", b"{not json", b"\xff\xfe garbage", b"[]",
                                     b'{"format": 1}', b"null"])
def test_a_corrupt_file_is_ignored_and_replaced(measured, folder, content):
    key = calibrate.machine_key()
    folder.mkdir(parents=True)
    path = folder / calibrate.cache_name(key)
    path.write_bytes(content)
    choices = calibrate.decide(folder=folder)
    assert choices.how == "measured" and choices.plan(np.float64).table_from == 2048
    assert calibrate.read_cache(path, key).plans == choices.plans


@pytest.mark.parametrize("change", [
    lambda d: d["plans"][0].update(table_from="many"),
    lambda d: d["plans"][0].update(block=0),
    lambda d: d["plans"][0].update(dtype="float16"),
    lambda d: d["plans"].pop(),
    lambda d: d.update(format=0),
    lambda d: d["plans"][0].pop("timings"),
])
def test_a_file_with_wrong_fields_is_ignored(measured, folder, change):
    key = calibrate.machine_key()
    calibrate.decide(folder=folder)
    path = only_file(folder)
    data = json.loads(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(json.dumps(data), encoding="utf-8")
    assert calibrate.read_cache(path, key) is None


def test_a_folder_that_cannot_be_made_costs_a_measurement_not_a_failure(measured, tmp_path):
    blocker = tmp_path / "a file"
    blocker.write_text("not a folder")
    choices = calibrate.decide(folder=blocker / "playground")
    assert choices.how == "measured" and choices.plan(np.float64).table_from == 2048
    assert "not cached" in choices.detail


@pytest.mark.skipif(sys.platform == "win32" or (hasattr(os, "geteuid") and os.geteuid() == 0),
                    reason="needs POSIX permissions that bind this user (root ignores them)")
def test_a_read_only_folder_costs_a_measurement_not_a_failure(measured, folder):
    folder.mkdir(parents=True)
    folder.chmod(0o500)
    try:
        choices = calibrate.decide(folder=folder)
    finally:
        folder.chmod(0o700)
    assert choices.how == "measured" and "not cached" in choices.detail


def test_no_cache_folder_at_all_still_decides(measured):
    choices = calibrate.decide(folder=None)
    assert choices.how == "measured" and "no cache folder" in choices.detail


def test_processes_racing_to_write_leave_one_whole_file(measured, folder):
    key = calibrate.machine_key()
    results: list[KernelChoices] = []
    threads = [threading.Thread(target=lambda: results.append(calibrate.decide(folder=folder)))
               for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 8 and len({r.plans for r in results}) == 1
    assert calibrate.read_cache(only_file(folder), key).plans == results[0].plans
    assert not list(folder.glob("*.tmp"))


def test_a_cache_folder_with_spaces_and_accents_works(measured, tmp_path):
    folder = tmp_path / "Dossier de l’élève" / "caché ünïcode 缓存"
    assert calibrate.decide(folder=folder).how == "measured"
    assert calibrate.decide(folder=folder).how == "cached"


# -- where the cache lives -------------------------------------------------------------------
HOME = Path("/home/ana")


@pytest.mark.parametrize(("system", "environ", "expected"), [
    ("linux", {}, HOME / ".cache" / "playground"),
    ("linux", {"XDG_CACHE_HOME": "/var/cache/ana"}, Path("/var/cache/ana/playground")),
    ("linux", {"XDG_CACHE_HOME": "relative/ignored"}, HOME / ".cache" / "playground"),
    ("freebsd13", {}, HOME / ".cache" / "playground"),
    ("darwin", {"XDG_CACHE_HOME": "/ignored"}, HOME / "Library" / "Caches" / "playground"),
    ("win32", {"LOCALAPPDATA": r"C:\Users\Ana\AppData\Local"},
     Path(r"C:\Users\Ana\AppData\Local") / "playground"),
    ("win32", {}, HOME / "AppData" / "Local" / "playground"),
])
def test_the_cache_folder_follows_each_platforms_convention(system, environ, expected):
    assert calibrate.cache_folder(system, environ, HOME) == expected


def test_the_default_cache_folder_follows_xdg_cache_home(monkeypatch, tmp_path):
    if sys.platform in ("win32", "darwin"):
        pytest.skip("XDG_CACHE_HOME is the Linux/BSD convention")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert calibrate.cache_folder() == tmp_path / "playground"


# -- the key -------------------------------------------------------------------------------
def test_the_key_names_the_machine_numpy_and_the_format():
    key = calibrate.machine_key()
    assert key["numpy"] == np.__version__ and key["format"] == str(calibrate.FORMAT)
    assert {"system", "machine", "cpu", "cpu_flags", "numpy_simd", "python"} <= key.keys()
    assert all(isinstance(value, str) for value in key.values())
    assert calibrate.cache_name(key) == calibrate.cache_name(dict(reversed(key.items())))
    assert calibrate.cache_name(key) != calibrate.cache_name(key | {"numpy": "0"})


@pytest.mark.skipif(not Path("/proc/cpuinfo").exists(), reason="reads Linux's /proc/cpuinfo")
def test_the_key_carries_the_cpu_model_on_linux():
    assert calibrate.machine_key()["cpu"]


# -- forcing a path ----------------------------------------------------------------------------
@pytest.mark.parametrize(("setting", "table_from"), [("plain", None), ("table", 256),
                                                     ("TABLE ", 256)])
def test_the_environment_variable_forces_a_path(monkeypatch, measured, folder, setting,
                                                table_from):
    monkeypatch.setenv(calibrate.ENVIRONMENT_VARIABLE, setting)
    choices = calibrate.decide(folder=folder)
    assert choices.how == "forced" and not measured and not folder.exists()
    assert [p.table_from for p in choices.plans] == [table_from] * len(DTYPES)


def test_an_unknown_setting_measures_and_says_so(monkeypatch, measured, folder):
    monkeypatch.setenv(calibrate.ENVIRONMENT_VARIABLE, "fastest")
    choices = calibrate.decide(folder=folder)
    assert choices.how == "measured" and "'fastest' is not one of" in choices.detail


def test_forced_and_using_restore_the_choices_from_before():
    before = calibrate.choices()
    with calibrate.forced("plain") as plain:
        assert calibrate.choices() is plain
        assert calibrate.tanh_block(np.zeros(10**6)) == 0
        with calibrate.forced("table"):
            assert calibrate.tanh_block(np.zeros(10**6)) == calibrate.FORCED_BLOCK
        assert calibrate.choices() is plain
    assert calibrate.choices() is before
    with pytest.raises(ValueError, match="plain"):
        calibrate.fixed("measure")


def test_the_process_decides_once(monkeypatch):
    decided = []
    monkeypatch.setattr(calibrate, "decide",
                        lambda: decided.append(1) or calibrate.fixed("plain"))
    with calibrate.using(None):
        first = calibrate.choices()
        assert calibrate.choices() is first and decided == [1]


# -- the decision by size -------------------------------------------------------------------
def test_the_plan_takes_the_table_by_size_and_type():
    plan = TanhPlan("float64", 1152, 16384)
    assert plan.block_for(1151) == 0 and plan.block_for(1152) == 16384
    assert TanhPlan("float64", None).block_for(10**7) == 0
    assert TanhPlan("float64", 10).block_for(calibrate.MIN_TABLE_SIZE - 1) == 0   # small
    choices = KernelChoices((plan,), "given")
    with calibrate.using(choices):
        assert calibrate.tanh_block(np.zeros(2000)) == 16384
        assert calibrate.tanh_block(np.zeros(2000, np.float32)) == 0     # no float32 plan
        assert calibrate.tanh_block(np.zeros(1000)) == 0


@pytest.mark.parametrize(("timings", "expected"), [
    ([(256, 18, 44), (512, 17, 27), (1024, 16.5, 15.8), (2048, 16, 10), (4096, 16, 7)], 1152),
    ([(256, 2, 40), (512, 1.8, 20), (1024, 1.7, 12), (2048, 1.7, 6)], None),
    ([(256, 40, 10), (512, 40, 8)], 256),
    ([(256, 18, 44), (512, 17, 5), (1024, 16, 20)], None),        # lost at the largest
    ([(256, 18, 44), (512, 10, 8.9), (1024, 16, 5)], 512),         # at MARGIN exactly: won
])
def test_the_table_is_taken_from_where_it_wins_for_good(timings, expected):
    assert calibrate._table_from(timings) == expected


def test_a_real_measurement_gives_a_plan_with_its_reasons():
    plan = calibrate.measure_tanh(np.float64, rounds=1, sizes=(256, 4096),
                                  blocks=(1024, 4096))
    assert plan.dtype == "float64" and plan.block in (1024, 4096)
    assert [t[0] for t in plan.timings] == [256, 4096]
    assert all(p > 0 and t > 0 for _, p, t in plan.timings)
    assert [b for b, _ in plan.block_timings] == [1024, 4096]
    assert plan.table_from == calibrate._table_from(list(plan.timings))   # from its race
    assert "tanh float64" in plan.describe()


def test_a_plan_survives_its_json():
    plan = TanhPlan("float32", 3072, 8192, ((256, 5.0, 40.0),), ((8192, 3.5),))
    assert TanhPlan.from_json(json.loads(json.dumps(plan.as_json()))) == plan


# -- the training process computes with the window's choices ---------------------------------
@pytest.mark.parametrize("mode", ["plain", "table"])
def test_the_training_process_adopts_this_processs_choices(mode):
    config = RunConfig(hidden_layers=(64,), learning_rate=0.5)
    with calibrate.forced(mode):
        link = ProcessLink("spawn")
        try:
            for command in (Configure(config), Step(40), Sync(1)):
                link.send(command)
            frames = []
            while not isinstance(message := link.receive(), Synced):
                frames.append(message)
            link.send(Stop())
        finally:
            link.close()
        local = make_trainer(config)
        local.run(40)
    frame = [m for m in frames if isinstance(m, Snapshot)][-1]
    for key, value in local.parameters.items():
        np.testing.assert_array_equal(frame.parameters[key], value)
    with calibrate.forced("plain" if mode == "table" else "table"):
        other = make_trainer(config)
        other.run(40)
    assert any(not np.array_equal(other.parameters[k], v) for k, v in local.parameters.items())
