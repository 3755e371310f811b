"""The training worker in its real thread, driven through TrainingSession's commands."""

from __future__ import annotations

import os
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np
import pytest
from PySide6.QtCore import QThread

from playground.session.config import RunConfig
from playground.session.snapshot import RunState
from playground.ui import worker as worker_module
from playground.ui.worker import TrainingSession


@pytest.fixture
def session(qtbot):
    s = TrainingSession()
    yield s
    assert s.shutdown()
    assert s.thread.isFinished()


def sync(qtbot, session):
    token = session.sync()
    with qtbot.waitSignal(session.synced, timeout=20_000, check_params_cb=lambda t: t == token):
        pass
    return session.latest


def test_configure_then_step_counts_iterations(qtbot, session):
    session.configure(RunConfig(), "hello")
    first = sync(qtbot, session)
    assert first.iteration == 0 and first.state is RunState.PAUSED and first.message == "hello"
    assert first.cost == pytest.approx(0.693048, abs=5e-7)
    session.step(1)
    session.step(100)
    latest = sync(qtbot, session)
    assert latest.iteration == 101 and latest.run_id == first.run_id
    assert latest.outputs.shape == (1, 100, 100) and latest.unit_maps[0].shape == (4, 100, 100)


def test_training_runs_in_the_worker_thread_and_pauses(qtbot, session):
    session.configure(RunConfig())
    sync(qtbot, session)
    session.set_playing(True)
    qtbot.waitUntil(lambda: session.latest.iteration > 200, timeout=20_000)
    assert session.worker.thread() is session.thread
    assert session.thread is not QThread.currentThread()
    session.set_playing(False)
    paused = sync(qtbot, session)
    assert paused.state is RunState.PAUSED
    again = sync(qtbot, session)
    assert again.iteration == paused.iteration         # nothing moves while paused
    assert again.steps_per_second > 0


def test_learning_rate_reaches_the_running_trainer(qtbot, session):
    session.configure(RunConfig())
    session.set_playing(True)
    qtbot.waitUntil(lambda: session.latest is not None and session.latest.iteration > 50,
                    timeout=20_000)
    session.set_learning_rate(0.05)
    latest = sync(qtbot, session)
    assert latest.learning_rate == 0.05 and latest.state is RunState.RUNNING
    assert session.worker.trainer.learning_rate == 0.05
    qtbot.waitUntil(lambda: session.latest.iteration > latest.iteration + 50, timeout=20_000)


def test_reset_gives_the_same_initial_parameters(qtbot, session):
    session.configure(RunConfig(init="he", seed=5))
    start = sync(qtbot, session)
    session.step(300)
    moved = sync(qtbot, session)
    assert not np.array_equal(moved.parameters["W1"], start.parameters["W1"])
    session.reset()
    back = sync(qtbot, session)
    assert back.iteration == 0 and back.run_id != start.run_id
    assert all(np.array_equal(back.parameters[k], start.parameters[k]) for k in start.parameters)


def test_divergence_pauses_and_keeps_finite_parameters(qtbot, session):
    session.configure(RunConfig(hidden_layers=(8,), activations=("relu",), init="he",
                                learning_rate=1000.0))
    session.set_playing(True)
    qtbot.waitUntil(lambda: session.latest is not None and session.latest.diverged,
                    timeout=20_000)
    latest = sync(qtbot, session)
    assert latest.state is RunState.PAUSED and "diverged" in latest.divergence.message
    assert all(np.isfinite(v).all() for v in latest.parameters.values())
    with qtbot.waitSignal(session.failed) as blocker:     # play again: refused, told why
        session.set_playing(True)
    assert "Reset to start again" in blocker.args[0]


def test_a_failed_configure_keeps_the_run_and_says_which(qtbot, session, tmp_path):
    good = RunConfig(seed=7)
    session.configure(good)
    session.step(10)
    before = sync(qtbot, session)
    with qtbot.waitSignal(session.failed) as blocker:
        session.configure(RunConfig(data_path=str(tmp_path / "missing.csv")))
    message, kept = blocker.args
    assert "missing.csv" in message and kept == good
    after = sync(qtbot, session)
    assert after.run_id == before.run_id and after.iteration == 10


def test_snapshots_are_read_only_copies(qtbot, session):
    session.configure(RunConfig())
    snap = sync(qtbot, session)
    with pytest.raises(ValueError):
        snap.parameters["W1"][0, 0] = 1.0
    assert snap.parameters["W1"] is not session.worker.trainer.parameters["W1"]


def test_shutdown_while_training_is_clean(qtbot):
    for _ in range(5):
        s = TrainingSession()
        s.configure(RunConfig(hidden_layers=(32, 32), activations=("tanh", "tanh")))
        s.set_playing(True)
        qtbot.waitUntil(lambda s=s: s.latest is not None and s.latest.iteration > 10,
                        timeout=20_000)
        assert s.shutdown() and s.thread.isFinished()


def test_break_symmetry_and_layer_history_reach_the_snapshot(qtbot, session):
    session.configure(RunConfig(samples=361, activations=("sigmoid",), init="zeros"))
    session.step(100)
    before = sync(qtbot, session)
    assert before.layer_history["unit_spread"].shape == (100, 1)     # every step so far
    assert (before.layer_history["unit_spread"] == 0).all()
    session.break_symmetry(1, 1e-3)
    session.step(200)
    after = sync(qtbot, session)
    assert after.unit_spreads[0] > 0 and after.distinct_units == (4,)
    assert after.layer_history["grad_norm"].shape[1] == 2


def test_gradient_check_command_reports_pass_and_injected_failure(qtbot, session):
    session.configure(RunConfig(init="xavier"))
    sync(qtbot, session)
    with qtbot.waitSignal(session.gradient_checked, timeout=20_000) as good:
        session.gradient_check(0)
    with qtbot.waitSignal(session.gradient_checked, timeout=20_000) as bad:
        session.gradient_check(1)
    assert good.args[0].difference < 1e-7 and bad.args[0].difference > 1e-3


def test_the_run_trains_in_a_child_process_and_stops_with_the_session(qtbot):
    s = TrainingSession()
    s.configure(RunConfig())
    s.step(30)
    assert sync(qtbot, s).iteration == 30
    process = s.worker.host._process
    assert process.is_alive() and process.pid != os.getpid()
    assert s.shutdown()
    assert not process.is_alive() and process.exitcode == 0


def test_without_a_child_process_it_trains_in_the_thread(qtbot, monkeypatch):
    def refuse():
        raise worker_module.TrainingProcessError("cannot start the training process: test")

    monkeypatch.setattr(worker_module, "RemoteTrainer", refuse)
    s = TrainingSession()
    try:
        s.configure(RunConfig())
        assert "training in the window's process instead" in sync(qtbot, s).message
        s.step(25)
        assert sync(qtbot, s).iteration == 25 and s.worker.host is None
    finally:
        assert s.shutdown()


def test_in_thread_and_child_process_runs_agree(qtbot):
    sessions = [TrainingSession(), TrainingSession(separate_process=False)]
    try:
        for s in sessions:
            s.configure(RunConfig(hidden_layers=(3,)))
            s.step(40)
        a, b = (sync(qtbot, s) for s in sessions)
        assert a.iteration == b.iteration == 40 and a.cost == b.cost
        assert all(np.array_equal(a.parameters[k], b.parameters[k]) for k in a.parameters)
    finally:
        assert all(s.shutdown() for s in sessions)


def test_a_lost_training_process_is_reported_and_training_goes_on_here(qtbot):
    s = TrainingSession()
    try:
        s.configure(RunConfig())
        s.step(40)
        shown = sync(qtbot, s)
        assert shown.iteration == 40
        s.worker.host._process.kill()
        s.worker.host._process.join(5)
        with qtbot.waitSignal(s.failed, timeout=20_000) as blocker:
            s.step(10)
        assert "training goes on in the window's process, from iteration 40" in \
            blocker.args[0]
        s.step(10)
        after = sync(qtbot, s)
        assert after.iteration == 50 and s.worker.host is None
        assert np.isfinite(after.cost)
    finally:
        assert s.shutdown()


def test_costly_snapshots_come_less_often_so_the_run_keeps_most_of_the_time(qtbot,
                                                                            monkeypatch):
    # A 20 ms snapshot may take a quarter of the time: about one frame per 80 ms, where
    # cheap snapshots come every FRAME_SECONDS (~29 ms), ~50 in the same 1.5 s.
    take = worker_module.take_snapshot

    def slow(*args, **kwargs):
        time.sleep(0.020)
        return take(*args, **kwargs)

    monkeypatch.setattr(worker_module, "take_snapshot", slow)
    s = TrainingSession(separate_process=False)
    frames = []
    s.snapshot_ready.connect(lambda snapshot: frames.append(snapshot.iteration))
    try:
        s.configure(RunConfig())
        sync(qtbot, s)
        s.set_playing(True)
        qtbot.wait(300)                           # the first frames measure the cost
        frames.clear()
        qtbot.wait(1500)
        s.set_playing(False)
        playing = list(frames)
        assert 3 <= len(playing) <= 25
        assert playing == sorted(playing) and playing[-1] > playing[0]
    finally:
        assert s.shutdown()


def test_a_run_that_diverges_in_its_process_between_calls_is_published_paused(qtbot):
    # While running, the child trains on between two of the worker's calls and may
    # diverge there; the next snapshot, whoever asks for it (here a sync), must show the
    # run paused, as the loop would have made it. The worker is driven directly, without
    # its thread and timer, so nothing else notices the divergence first.
    worker = worker_module.TrainingWorker()
    frames = []
    worker.snapshot_ready.connect(frames.append)
    worker._started()
    try:
        assert worker.host is not None
        worker.configure(RunConfig(hidden_layers=(8,), activations=("relu",), init="he",
                                   learning_rate=1000.0), "")
        worker.set_playing(True)               # the child goes on until it diverges
        assert frames[-1].state is RunState.RUNNING and not frames[-1].diverged
        time.sleep(1.0)
        worker.sync(1)
        latest = frames[-1]
        assert latest.diverged and latest.state is RunState.PAUSED
        assert worker.state is RunState.PAUSED and not worker.host.running
    finally:
        worker._stopping()
