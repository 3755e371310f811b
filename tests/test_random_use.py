"""Random use: a hypothesis state machine drives the real main window offscreen.

Each step is one thing a curious learner might do (play, pause, step, reset, add or remove
a layer, change an activation, the initialisation, the seed, the dataset or the learning
rate, export and re-import the weights). After every
step the window and the trainer must agree and nothing may have gone wrong.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import gc
import tempfile

import numpy as np
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule
from PySide6.QtCore import QEvent, QEventLoop, QSettings, QTimer
from PySide6.QtWidgets import QApplication

from playground.session.config import architecture_for
from playground.session.snapshot import RunState
from playground.ui.main_window import MainWindow

# Left out of the default run (pytest -m soak runs it, ~6 minutes): after a few hundred
# random actions the process has segfaulted inside QGraphicsView.paintEvent while
# painting the hidden-units view's scene (open issue; not yet isolated). A crash would
# take the whole suite down with it.
pytestmark = [pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints"),
              pytest.mark.soak]
TIMEOUT_MS = 30_000


def wait_synced(window: MainWindow):
    """Wait until every command sent so far is done; draw; return the newest snapshot."""
    loop = QEventLoop()
    token = window.session.sync()
    done = {"ok": False}

    def on_synced(received: int) -> None:
        if received == token:
            done["ok"] = True
            loop.quit()

    window.session.synced.connect(on_synced)
    QTimer.singleShot(TIMEOUT_MS, loop.quit)
    loop.exec()
    window.session.synced.disconnect(on_synced)
    assert done["ok"], "the worker did not answer: hung?"
    window.draw_now()
    return window.session.latest


def dispose(window: MainWindow) -> None:
    """Close ``window`` and delete it now, at a safe point, rather than whenever the
    cyclic garbage collector gets to it (possibly in the middle of another paint)."""
    window.close()
    assert window.session.thread.isFinished()
    window.deleteLater()
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    gc.collect()


class RandomUse(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.folder = tempfile.mkdtemp()
        self.window = self._open()
        self.last = wait_synced(self.window)
        self.playing = False

    def _open(self) -> MainWindow:
        window = MainWindow(settings=QSettings(os.path.join(self.folder, "s.ini"),
                                              QSettings.Format.IniFormat))
        window.errors = []
        window.show_error = lambda title, message: window.errors.append(message)
        window.show()
        return window

    def _changes(self, action) -> None:
        """Do ``action``; a real change of settings resets the run, which then stays paused."""
        before = self.window.controls.config()
        action()
        if self.window.controls.config() != before:
            self.playing = False

    # -- actions ----------------------------------------------------------------------
    @rule(playing=st.booleans())
    def play_or_pause(self, playing):
        diverged = self.window.session.latest is not None and self.window.session.latest.diverged
        self.window.set_playing(playing)
        self.playing = playing
        if playing and diverged:               # refused, with a message: expected
            wait_synced(self.window)
            assert self.window.errors and "Reset to start again" in self.window.errors[-1]
            self.window.errors.clear()

    @rule(n=st.integers(1, 40))
    def step(self, n):
        self.window.step(n)
        self.playing = False

    @rule()
    def reset(self):
        self.window.controls.reset_button.click()
        self.playing = False

    @precondition(lambda self: len(self.window.controls.config().hidden_layers) < 4)
    @rule()
    def add_layer(self):
        self._changes(self.window.controls.add_layer_button.click)

    @precondition(lambda self: self.window.controls.config().hidden_layers)
    @rule()
    def remove_layer(self):
        self._changes(self.window.controls.remove_layer_button.click)

    @precondition(lambda self: self.window.controls.layer_rows)
    @rule(data=st.data())
    def change_activation(self, data):
        row = data.draw(st.sampled_from(self.window.controls.layer_rows))
        index = data.draw(st.integers(0, row.activation.count() - 1))
        self._changes(lambda: row.activation.setCurrentIndex(index))

    @rule(data=st.data())
    def change_init(self, data):
        combo = self.window.controls.init_combo
        index = data.draw(st.integers(0, combo.count() - 1))
        self._changes(lambda: combo.setCurrentIndex(index))

    @rule(seed=st.integers(0, 2**32 - 1))
    def change_seed(self, seed):
        spin = self.window.controls.seed_spin

        def type_seed():
            spin.setValue(seed)
            spin.editingFinished.emit()
        self._changes(type_seed)

    @rule(data=st.data())
    def change_dataset(self, data):
        combo = self.window.controls.dataset_combo
        index = data.draw(st.integers(0, combo.count() - 1))
        self._changes(lambda: combo.setCurrentIndex(index))

    @rule(position=st.integers(0, 1000))
    def drag_learning_rate(self, position):
        self.window.controls.learning_rate_slider.slider.setValue(position)

    @rule()
    def export_then_import(self):
        path = os.path.join(self.folder, "w.npz")
        before = wait_synced(self.window)
        assert self.window.export_weights(path), self.window.errors
        assert self.window.import_weights(path), self.window.errors
        after = wait_synced(self.window)
        assert after.iteration == before.iteration
        for key, value in before.parameters.items():
            assert np.array_equal(after.parameters[key], value)
        self.playing = False

    # Not a rule yet: closing a main window and opening another in the same process, in
    # the middle of random use, has crashed inside QGraphicsView.paintEvent (a segfault,
    # not yet isolated). The 100-cycle and close-mid-training tests cover closing alone.
    def close_and_reopen(self):
        dispose(self.window)
        self.window = self._open()
        self.playing = False
        self.last = None

    # -- what must always hold -------------------------------------------------------
    @invariant()
    def window_and_trainer_agree(self):
        s = wait_synced(self.window)
        assert not self.window.errors, self.window.errors
        config = self.window.controls.config()
        assert s.arch == architecture_for(config, s.train)
        assert s.learning_rate == config.learning_rate
        for l in range(1, s.arch.L + 1):
            shape = (s.arch.layer_dims[l], s.arch.layer_dims[l - 1])
            assert s.parameters[f"W{l}"].shape == shape
            assert s.parameters[f"b{l}"].shape == (shape[0], 1)
        assert all(np.isfinite(v).all() for v in s.parameters.values())
        expect_running = self.playing and not s.diverged
        assert (s.state is RunState.RUNNING) == expect_running
        assert self.window.controls.play_button.isChecked() == expect_running or \
            not self.window.controls.play_button.isCheckable()
        if self.last is not None and s.run_id == self.last.run_id:
            assert s.iteration >= self.last.iteration
        self.last = s

    def teardown(self):
        dispose(self.window)


RandomUse.TestCase.settings = settings(
    max_examples=20, stateful_step_count=50, deadline=None, derandomize=True,
    suppress_health_check=[HealthCheck.too_slow])


def test_random_use(qapp):
    """20 runs × 50 actions: 1,000 random actions, each followed by the invariants."""
    RandomUse.TestCase("runTest").runTest()
