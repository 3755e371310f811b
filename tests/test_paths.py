"""What differs on macOS and Windows, checked here where it can be: every file the app
reads or writes works at a path with spaces and non-ASCII names (.npz, CSV, session
JSON, the screenshot PNG, the ``--state`` JSON, the kernel cache), and the window's run
session trains in a process started with ``spawn``, as it is there."""

from __future__ import annotations

import json
import multiprocessing
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from playground.cli import dispatch as cli
from playground.core.atomic import write_atomically
from playground.core.csv_data import load_csv, write_csv
from playground.core.datasets import make_dataset
from playground.core.npz import load_model
from playground.session.config import RunConfig
from playground.session.session_file import session_from_json, session_to_json

NAMES = ["with spaces", "Élève — ünïcödé", "数据 データ", "emoji 🌸 petals"]
ALL_AT_ONCE = "Élève 数据 🌸 with spaces"


def encodable(name: str) -> bool:
    """True if this system can put ``name`` in a file path."""
    try:
        os.fsencode(name)
    except UnicodeEncodeError:
        return False
    return True


def make_folder(base: Path, name: str) -> Path:
    if not encodable(name):
        pytest.skip(f"this file system's encoding ({sys.getfilesystemencoding()}) cannot "
                    f"name {name!r}")
    path = base / name / "and a sub folder"
    path.mkdir(parents=True)
    return path


@pytest.fixture(params=NAMES)
def folder(request, tmp_path):
    return make_folder(tmp_path, request.param)


def test_npz_export_and_load_through_the_command_line(folder, capsys):
    first, both = folder / "modèle 1.npz", folder / "modèle 2.npz"
    assert cli.main(["train", "--iterations", "20", "--export", str(first)]) == 0
    assert cli.main(["train", "--load", str(first), "--iterations", "20",
                     "--export", str(both)]) == 0
    capsys.readouterr()
    assert load_model(first).iteration == 20 and load_model(both).iteration == 40


def test_csv_written_read_and_trained_on(folder, capsys):
    path = folder / "points ü.csv"
    data = make_dataset("moons", samples=60)
    write_csv(path, data)
    again = load_csv(path)
    np.testing.assert_allclose(again.X, data.X)
    assert np.array_equal(again.labels, data.labels)
    assert cli.main(["train", "--data", str(path), "--iterations", "5", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["iterations"] == 5


def test_session_json_written_and_opened_by_the_window_launcher(folder):
    from playground.app import launch_from_args

    path = folder / "séance.json"
    config = RunConfig(hidden_layers=(3,), learning_rate=0.5)
    write_atomically(path, lambda h: h.write(session_to_json(config).encode("utf-8")))
    assert session_from_json(path.read_text(encoding="utf-8")) == config
    launch = launch_from_args(["--session", str(path)])
    assert launch.config == config and launch.session == str(path)


def test_the_kernel_cache_goes_where_xdg_cache_home_says(folder):
    if sys.platform in ("win32", "darwin"):
        pytest.skip("XDG_CACHE_HOME is the Linux/BSD convention")
    code = ("from playground.core.fast import calibrate; c = calibrate.choices(); "
            "print(c.how); print(c.detail)")
    env = {**os.environ, "XDG_CACHE_HOME": str(folder)}
    env.pop("PLAYGROUND_KERNELS", None)
    outputs = [subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                              text=True, encoding="utf-8", check=True).stdout.split("\n")
               for _ in range(2)]
    assert outputs[0][0] == "measured" and outputs[1][0] == "cached"
    files = list((folder / "playground").glob("kernels-*.json"))
    assert len(files) == 1 and str(files[0]) in outputs[1][1]


def test_screenshot_and_state_written_by_a_scripted_window(tmp_path):
    folder = make_folder(tmp_path, ALL_AT_ONCE)
    shot, state = folder / "fenêtre 图.png", folder / "état.json"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    result = subprocess.run(
        [sys.executable, "-m", "playground", "--hidden", "3", "--iterations", "30",
         "--screenshot", str(shot), "--state", str(state), "--size", "900x600"],
        env=env, capture_output=True, text=True, encoding="utf-8", timeout=180)
    assert result.returncode == 0, result.stderr
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "Aborted" not in result.stderr and "Fatal" not in result.stderr
    report = json.loads(state.read_text(encoding="utf-8"))
    assert report["iteration"] == 30 and len(report["distinct_units"]) == 1


# -- the spawn start method (macOS, Windows) ------------------------------------------------
@pytest.mark.skipif("spawn" not in multiprocessing.get_all_start_methods(),
                    reason="this system cannot start a process with spawn")
def test_the_windows_run_session_trains_in_a_spawned_process(qtbot, monkeypatch):
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from playground.session import process
    from playground.session.commands import Configure, Step
    from playground.ui.worker import RunSession

    started = []
    start_method = process.start_method
    monkeypatch.setattr(process, "start_method",
                        lambda: started.append("spawn") or "spawn")
    session = RunSession()
    try:
        session.send(Configure(RunConfig(hidden_layers=(5,))))
        session.send(Step(120))
        token = session.sync()
        with qtbot.waitSignal(session.synced, timeout=60_000,
                              check_params_cb=lambda t: t == token):
            pass
        link = session.worker.link
        assert started == ["spawn"] and link is not None and link.alive
        assert link.pid != os.getpid()
        frame = session.latest
        assert frame.iteration == 120 and frame.train.m == 400
    finally:
        assert session.shutdown()
    assert start_method() in ("forkserver", "spawn")

