"""Robustness: closing mid-run over and over, and (marked soak) a 10⁶-iteration run."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import gc
import multiprocessing
import threading

import numpy as np
import pytest

from playground.session.commands import Configure, Play
from playground.session.config import RunConfig, make_trainer
from playground.session.process import resident_mb
from playground.ui.worker import RunSession


def test_a_hundred_create_train_close_cycles(qtbot):
    """No abort, no 'QThread: Destroyed while thread is still running', no leaked threads
    and no training process left behind (pytest-qt fails the test on any Qt warning)."""
    threads_before = threading.active_count()
    for cycle in range(100):
        session = RunSession()
        session.send(Configure(RunConfig(hidden_layers=(8,), seed=cycle)))
        session.send(Play(True))
        qtbot.waitUntil(lambda s=session: s.latest is not None and s.latest.iteration > 0,
                        timeout=20_000)
        process = session.worker.link._process
        assert session.shutdown(), f"cycle {cycle}: the thread did not finish"
        assert session.thread.isFinished()
        assert not process.is_alive() and process.exitcode == 0, f"cycle {cycle}"
    gc.collect()
    assert threading.active_count() == threads_before
    assert multiprocessing.active_children() == []


@pytest.mark.soak
def test_a_million_iterations_keep_memory_flat_and_count_exactly():
    """Soak (about a minute): pytest -m soak."""
    trainer = make_trainer(RunConfig())
    trainer.run(20_000)
    start = resident_mb()
    for _ in range(98):
        trainer.run(10_000)
    assert trainer.iteration == 1_000_000
    assert resident_mb() - start < 50
    assert len(trainer.history) <= trainer.history.capacity
    iterations = trainer.history.iterations
    assert iterations[0] == 0 and len(set(np.diff(iterations))) == 1
    assert len(trainer.layer_history()["iteration"]) <= trainer.layers.capacity
