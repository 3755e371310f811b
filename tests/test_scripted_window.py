"""The window as a script drives it: flags of train, a lesson to its stop, a screenshot and
the state as JSON; bad input is one line on stderr and exit code 2, never a dialog."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from PySide6.QtGui import QImage

from playground.session.config import RunConfig
from playground.session.lessons import lesson, lessons
from playground.session.session_file import session_to_json
from playground.ui.launch import FIRST_LESSON

ENV = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}


def window(*args: str, timeout: float = 180) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "playground", *args], capture_output=True,
                          text=True, timeout=timeout, env=ENV)


def train_json(*args: str) -> dict:
    done = subprocess.run([sys.executable, "-m", "playground", "train", *args, "--json"],
                          capture_output=True, text=True, timeout=180, env=ENV, check=True)
    return json.loads(done.stdout)


def test_a_lesson_trains_to_its_stop_and_agrees_with_train_preset(tmp_path):
    shot, state = tmp_path / "lesson shot ü.png", tmp_path / "state.json"
    done = window("--lesson", "zero-init-symmetry", "--screenshot", str(shot),
                  "--state", str(state), "--size", "1024x700")
    assert done.returncode == 0, done.stderr
    s = json.loads(state.read_text(encoding="utf-8"))
    stop = lesson("zero-init-symmetry").stop
    assert s["iteration"] == stop and s["lesson"] == "zero-init-symmetry"
    assert s["distinct_units"] == [1] and s["unit_spread"] == [0.0] and not s["diverged"]
    assert "network" in s["views"] and "lesson" in s["views"] and "symmetry" in s["views"]
    assert f"Stopped at iteration {stop:,}" in s["status"]
    cli = train_json("--preset", "zero-init-symmetry")
    assert cli["iterations"] == stop and s["cost"] == pytest.approx(cli["final_cost"],
                                                                    rel=1e-12)
    assert (QImage(str(shot)).width(), QImage(str(shot)).height()) == (1024, 700)


@pytest.mark.parametrize(("size", "place"), [("1024x700", "bottom"), ("1920x1080", "right")])
def test_a_lessons_instruments_are_placed_for_the_size_asked(tmp_path, size, place):
    """A narrow window puts them beside the lesson. The size used to be set only after the
    lesson had opened them, at the window's first size (1280 × 800, wide) on a first
    launch: at 1024 × 700 the instruments took the right side and squeezed the diagram."""
    state = tmp_path / "state.json"
    done = subprocess.run(
        [sys.executable, "-m", "playground", "--lesson", "zero-init-symmetry", "--size", size,
         "--iterations", "0", "--state", str(state)], capture_output=True, text=True,
        timeout=180, env={**ENV, "XDG_CONFIG_HOME": str(tmp_path / "config")})
    assert done.returncode == 0, done.stderr
    assert json.loads(state.read_text(encoding="utf-8"))["instruments"] == {"symmetry": place}


def test_a_scripted_window_has_the_size_asked_or_1280_by_800_whatever_was_left(tmp_path):
    env = {**ENV, "XDG_CONFIG_HOME": str(tmp_path / "config")}
    shots = [tmp_path / "first.png", tmp_path / "second.png"]
    for shot, size in zip(shots, (["--size", "900x600"], [])):
        done = subprocess.run([sys.executable, "-m", "playground", *size, "--screenshot",
                               str(shot)], capture_output=True, text=True, timeout=180, env=env)
        assert done.returncode == 0, done.stderr
    assert [(QImage(str(s)).width(), QImage(str(s)).height()) for s in shots] == [
        (900, 600), (1280, 800)]


def test_the_flags_of_train_set_up_the_window_and_iterations_train_it(tmp_path):
    state = tmp_path / "state.json"
    done = window("--dataset", "moons", "--hidden", "8,8", "--activation", "relu",
                  "--init", "he", "--learning-rate", "0.3", "--iterations", "400",
                  "--pace", "max", "--state", str(state))
    assert done.returncode == 0, done.stderr
    s = json.loads(state.read_text(encoding="utf-8"))
    cli = train_json("--dataset", "moons", "--hidden", "8,8", "--activation", "relu",
                     "--init", "he", "--learning-rate", "0.3", "--iterations", "400")
    assert s["iteration"] == 400 and s["pace"] == "max"
    assert s["cost"] == pytest.approx(cli["final_cost"], rel=1e-12)
    assert s["train_accuracy"] == pytest.approx(cli["train_accuracy"])


def test_the_course_2_flags_set_up_the_window_as_they_set_up_train(tmp_path):
    state = tmp_path / "state.json"
    flags = ("--dataset", "moons", "--hidden", "5,2", "--activation", "relu", "--init", "he",
             "--learning-rate", "0.0007", "--optimizer", "adam", "--batch-size", "64",
             "--iterations", "300")
    done = window(*flags, "--state", str(state))
    assert done.returncode == 0, done.stderr
    s = json.loads(state.read_text(encoding="utf-8"))
    cli = train_json(*flags)
    assert cli["options"]["optimizer"] == "adam" and cli["options"]["batch_size"] == 64
    assert s["iteration"] == 300
    assert s["cost"] == pytest.approx(cli["final_cost"], rel=1e-12)
    assert s["train_accuracy"] == pytest.approx(cli["train_accuracy"])


@pytest.mark.parametrize("args, says", [
    (["--lesson", "no-such-lesson"], "unknown lesson"),
    (["--pace", "fast"], "--pace"),
    (["--hidden", "4,x"], "--hidden"),
    (["--size", "big"], "--size"),
    (["--size", "0x600"], "--size"),
    (["--data", "missing file.csv"], "missing file.csv"),
    (["--json"], "--json"),
    (["--load", "model.npz"], "--load"),
    (["--batch-size", "0"], "batch size"),
    (["--learning-rate", "0"], "learning"),
    (["--keep-prob", "1.5"], "keep_prob"),
    (["--optimizer", "sgdx"], "--optimizer"),
])
def test_bad_input_is_one_line_and_exit_2_before_any_window(tmp_path, args, says):
    done = window(*args, "--screenshot", str(tmp_path / "x.png"), timeout=60)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("playground: error:") and says in lines[0]
    assert not (tmp_path / "x.png").exists()


def test_a_bad_session_file_exits_2_instead_of_waiting_for_a_dialog(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"format": "playground-session", "version": 1,
                               "config": {"hidden": "x"}}), encoding="utf-8")
    done = window("--session", str(bad), "--screenshot", str(tmp_path / "x.png"), timeout=60)
    assert done.returncode == 2 and "unknown setting(s): hidden" in done.stderr
    good = tmp_path / "good.json"
    good.write_text(session_to_json(RunConfig(hidden_layers=(3,))), encoding="utf-8")
    state = tmp_path / "s.json"
    done = window("--session", str(good), "--state", str(state), "--iterations", "5")
    assert done.returncode == 0, done.stderr
    assert json.loads(state.read_text(encoding="utf-8"))["iteration"] == 5


def test_the_first_launch_lesson_exists():
    assert FIRST_LESSON == next(iter(lessons()))


def test_the_windows_help_lists_only_what_the_window_takes():
    done = window("--help", timeout=60)
    assert done.returncode == 0 and "--lesson" in done.stdout and "--optimizer" in done.stdout
    assert not any(flag in done.stdout for flag in ("--load", "--preset", "--json"))
