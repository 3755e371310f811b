"""The window's run session: its real thread, the loop in a child process (or here), commands
in and frames out. Every wait is on a condition or a signal, never on time."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np
import pytest
from PySide6.QtCore import QThread

from playground.session.commands import (
    BreakSymmetry,
    CheckGradients,
    Configure,
    Play,
    Reset,
    SetLearningRate,
    SetPace,
    SetStopAt,
    Step,
)
from playground.session.config import RunConfig
from playground.session.snapshot import RunState
from playground.ui import worker as worker_module
from playground.ui.worker import RunSession


@pytest.fixture
def session(qtbot):
    s = RunSession()
    yield s
    assert s.shutdown()
    assert s.thread.isFinished()


def sync(qtbot, session):
    token = session.sync()
    with qtbot.waitSignal(session.synced, timeout=20_000, check_params_cb=lambda t: t == token):
        pass
    return session.latest


def test_configure_then_step_counts_iterations(qtbot, session):
    session.send(Configure(RunConfig(), "hello"))
    first = sync(qtbot, session)
    assert first.iteration == 0 and first.state is RunState.PAUSED and first.message == "hello"
    assert first.cost == pytest.approx(0.693048, abs=5e-7)
    assert first.train.m == 400 and first.grid is not None      # the data is put back
    session.send(Step(1))
    session.send(Step(100))
    latest = sync(qtbot, session)
    assert latest.iteration == 101 and latest.run_id == first.run_id
    assert latest.outputs.shape == (1, 100, 100) and latest.unit_maps[0].shape == (4, 100, 100)
    assert latest.train is first.train                 # the same object all run long


def test_training_runs_off_the_gui_thread_and_pauses(qtbot, session):
    session.send(Configure(RunConfig()))
    sync(qtbot, session)
    session.send(Play(True))
    qtbot.waitUntil(lambda: session.latest.iteration > 200, timeout=20_000)
    assert session.worker.thread() is session.thread
    assert session.thread is not QThread.currentThread()
    session.send(Play(False))
    paused = sync(qtbot, session)
    assert paused.state is RunState.PAUSED
    again = sync(qtbot, session)
    assert again.iteration == paused.iteration         # nothing moves while paused
    assert again.steps_per_second > 0


def test_learning_rate_reaches_the_running_loop(qtbot, session):
    session.send(Configure(RunConfig()))
    session.send(Play(True))
    qtbot.waitUntil(lambda: session.latest is not None and session.latest.iteration > 50,
                    timeout=20_000)
    session.send(SetLearningRate(0.05))
    latest = sync(qtbot, session)
    assert latest.learning_rate == 0.05 and latest.state is RunState.RUNNING
    qtbot.waitUntil(lambda: session.latest.iteration > latest.iteration + 50, timeout=20_000)
    assert session.latest.learning_rate == 0.05


def test_a_paced_run_stops_at_its_stop_point_and_says_so(qtbot, session):
    session.send(Configure(RunConfig()))
    session.send(SetPace(200))
    session.send(SetStopAt(30))
    session.send(Play(True))
    qtbot.waitUntil(lambda: session.latest is not None and session.latest.iteration == 30
                    and session.latest.state is RunState.PAUSED, timeout=20_000)
    stopped = sync(qtbot, session)
    assert stopped.iteration == 30 and "Stopped at iteration 30" in stopped.message
    assert stopped.pace == 200 and stopped.stop_at == 30


def test_reset_gives_the_same_initial_parameters(qtbot, session):
    session.send(Configure(RunConfig(init="he", seed=5)))
    start = sync(qtbot, session)
    session.send(Step(300))
    moved = sync(qtbot, session)
    assert not np.array_equal(moved.parameters["W1"], start.parameters["W1"])
    session.send(Reset())
    back = sync(qtbot, session)
    assert back.iteration == 0 and back.run_id != start.run_id
    assert all(np.array_equal(back.parameters[k], start.parameters[k]) for k in start.parameters)


def test_divergence_pauses_and_keeps_finite_parameters(qtbot, session):
    session.send(Configure(RunConfig(hidden_layers=(8,), activations=("relu",), init="he",
                                     learning_rate=1000.0)))
    session.send(Play(True))
    qtbot.waitUntil(lambda: session.latest is not None and session.latest.diverged,
                    timeout=20_000)
    latest = sync(qtbot, session)
    assert latest.state is RunState.PAUSED and "diverged" in latest.divergence.message
    assert all(np.isfinite(v).all() for v in latest.parameters.values())
    with qtbot.waitSignal(session.failed) as blocker:     # play again: refused, told why
        session.send(Play(True))
    assert "Reset to start again" in blocker.args[0]


def test_a_failed_configure_keeps_the_run_and_says_which(qtbot, session, tmp_path):
    good = RunConfig(seed=7)
    session.send(Configure(good))
    session.send(Step(10))
    before = sync(qtbot, session)
    with qtbot.waitSignal(session.failed) as blocker:
        session.send(Configure(RunConfig(data_path=str(tmp_path / "missing.csv"))))
    message, kept = blocker.args
    assert "missing.csv" in message and kept == good
    after = sync(qtbot, session)
    assert after.run_id == before.run_id and after.iteration == 10


def test_a_configure_says_what_changed_since_the_last_run(qtbot, session):
    session.send(Configure(RunConfig()))
    session.send(Configure(RunConfig(hidden_layers=(3,))))
    latest = sync(qtbot, session)
    assert latest.message.startswith("The architecture changed: the run was reset")


def test_frames_are_read_only_copies(qtbot, session):
    session.send(Configure(RunConfig()))
    snap = sync(qtbot, session)
    with pytest.raises(ValueError):
        snap.parameters["W1"][0, 0] = 1.0
    session.send(Step(5))
    later = sync(qtbot, session)
    assert not np.array_equal(later.parameters["W1"], snap.parameters["W1"])


def test_shutdown_while_training_is_clean(qtbot):
    for _ in range(5):
        s = RunSession()
        s.send(Configure(RunConfig(hidden_layers=(32, 32), activations=("tanh", "tanh"))))
        s.send(Play(True))
        qtbot.waitUntil(lambda s=s: s.latest is not None and s.latest.iteration > 10,
                        timeout=20_000)
        process = s.worker.link._process
        assert s.shutdown() and s.thread.isFinished()
        assert not process.is_alive() and process.exitcode == 0


def test_break_symmetry_and_layer_history_reach_the_frame(qtbot, session):
    session.send(Configure(RunConfig(samples=361, activations=("sigmoid",), init="zeros")))
    session.send(Step(100))
    before = sync(qtbot, session)
    assert before.layer_history["unit_spread"].shape == (100, 1)     # every step so far
    assert (before.layer_history["unit_spread"] == 0).all()
    session.send(BreakSymmetry(1, 1e-3))
    session.send(Step(200))
    after = sync(qtbot, session)
    assert after.unit_spreads[0] > 0 and after.distinct_units == (4,)
    assert after.layer_history["grad_norm"].shape[1] == 2


def test_gradient_check_command_reports_pass_and_injected_failure(qtbot, session):
    session.send(Configure(RunConfig(init="xavier")))
    sync(qtbot, session)
    with qtbot.waitSignal(session.gradient_checked, timeout=20_000) as good:
        session.send(CheckGradients(0))
    with qtbot.waitSignal(session.gradient_checked, timeout=20_000) as bad:
        session.send(CheckGradients(1))
    assert good.args[0].difference < 1e-7 and bad.args[0].difference > 1e-3


def test_the_loop_runs_in_a_child_process_and_stops_with_the_session(qtbot):
    s = RunSession()
    s.send(Configure(RunConfig()))
    s.send(Step(30))
    assert sync(qtbot, s).iteration == 30
    process = s.worker.link._process
    assert process.is_alive() and process.pid != os.getpid()
    assert s.shutdown()
    assert not process.is_alive() and process.exitcode == 0


def test_without_a_child_process_the_same_loop_runs_in_the_thread(qtbot, monkeypatch):
    def refuse():
        raise worker_module.TrainingProcessError("cannot start the training process: test")

    monkeypatch.setattr(worker_module, "ProcessLink", refuse)
    s = RunSession()
    try:
        s.send(Configure(RunConfig()))
        assert "training in the window's process instead" in sync(qtbot, s).message
        s.send(Step(25))
        assert sync(qtbot, s).iteration == 25 and s.worker.link is None
    finally:
        assert s.shutdown()


def test_in_thread_and_child_process_runs_agree_bit_for_bit(qtbot):
    sessions = [RunSession(), RunSession(separate_process=False)]
    try:
        for s in sessions:
            s.send(Configure(RunConfig(hidden_layers=(3,))))
            s.send(Step(40))
        a, b = (sync(qtbot, s) for s in sessions)
        assert a.iteration == b.iteration == 40 and a.cost == b.cost
        assert all(np.array_equal(a.parameters[k], b.parameters[k]) for k in a.parameters)
    finally:
        assert all(s.shutdown() for s in sessions)


def test_a_lost_training_process_is_reported_and_training_goes_on_here(qtbot):
    s = RunSession()
    try:
        s.send(Configure(RunConfig()))
        s.send(Step(40))
        shown = sync(qtbot, s)
        assert shown.iteration == 40
        with qtbot.waitSignal(s.failed, timeout=20_000) as blocker:
            s.worker.link._process.kill()
        assert "training goes on in the window's process, from iteration 40" in \
            blocker.args[0]
        s.send(Step(10))
        after = sync(qtbot, s)
        assert after.iteration == 50 and s.worker.link is None
        assert np.isfinite(after.cost) and after.train.m == 400
    finally:
        assert s.shutdown()
