"""Twin runs: the compare window offscreen, with its real worker thread."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np
import pytest
from PySide6.QtCore import QSettings, Qt, QThread
from PySide6.QtWidgets import QToolButton
from windows import sync

from playground.session.commands import ConfigureTwins
from playground.session.config import RunConfig
from playground.session.snapshot import RunState
from playground.session.twin import (
    DEFAULT_VALUES,
    TwinSetup,
    describe_run,
    twin_setup,
)
from playground.ui.compare_window import CompareWindow
from playground.ui.views.cost_view import with_current

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")

BASE = RunConfig(samples=361, activations=("sigmoid",))


@pytest.fixture
def window(qtbot, tmp_path):
    w = CompareWindow(BASE, QSettings(str(tmp_path / "settings.ini"),
                                      QSettings.Format.IniFormat))
    qtbot.addWidget(w)
    w.show()
    sync(qtbot, w)
    yield w
    w.close()
    assert w.session.thread.isFinished()


def same_parameters(a, b) -> bool:
    return a.keys() == b.keys() and all(np.array_equal(a[k], b[k]) for k in a)


def test_default_is_zeros_against_small_random_and_only_zeros_stays_symmetric(qtbot, window):
    start = window.session.latest
    assert [c.title() for c in window.columns] == ["A: zeros", "B: random × 0.01"]
    assert start.iteration == 0 and start.a.init == "zeros" and start.b.init == "random"
    assert start.a.cost == pytest.approx(np.log(2))          # zeros: A[2] = 0.5 everywhere
    assert start.b.cost == pytest.approx(np.log(2), abs=1e-3)
    window.step(300)
    pair = sync(qtbot, window)
    assert pair.a.iteration == pair.b.iteration == 300
    assert pair.a.unit_spreads == (0.0,) and pair.a.distinct_units == (1,)
    assert pair.b.unit_spreads[0] > 0 and pair.b.distinct_units == (4,)
    assert "all 4 units identical" in window.columns[0].status_label.text()
    assert "4 of 4 units distinct" in window.columns[1].status_label.text()
    assert pair.a.train is pair.b.train                   # one dataset, drawn once


def test_identical_values_give_bit_identical_runs(qtbot, window):
    window.choose("init", ("random", 0.01), ("random", 0.01))
    window.step(200)
    pair = sync(qtbot, window)
    assert pair.a.iteration == pair.b.iteration == 200
    assert same_parameters(pair.a.parameters, pair.b.parameters)
    assert np.array_equal(pair.a.cost_history, pair.b.cost_history)


def test_learning_rates_differ_from_the_same_start(qtbot, window):
    window.choose("learning_rate", 0.1, 1.2)
    start = sync(qtbot, window)
    assert (start.a.learning_rate, start.b.learning_rate) == (0.1, 1.2)
    assert start.a.init == start.b.init == BASE.init
    assert same_parameters(start.a.parameters, start.b.parameters)
    assert [c.title() for c in window.columns] == ["A: learning rate 0.1",
                                                   "B: learning rate 1.2"]
    window.step(100)
    moved = sync(qtbot, window)
    assert moved.a.iteration == moved.b.iteration == 100
    assert moved.a.cost != moved.b.cost
    assert not same_parameters(moved.a.parameters, moved.b.parameters)


def test_activation_applies_to_every_hidden_layer(qtbot, tmp_path):
    w = CompareWindow(BASE.replace(hidden_layers=(4, 3), activations=("tanh", "tanh"),
                                   init="he"),
                      QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(w)
    w.choose("activations", "sigmoid", "relu")
    pair = sync(qtbot, w)
    assert pair.a.arch.activations == ("sigmoid", "sigmoid")
    assert pair.b.arch.activations == ("relu", "relu")
    assert same_parameters(pair.a.parameters, pair.b.parameters)     # He, same seed
    assert [c.title() for c in w.columns] == ["A: sigmoid units", "B: ReLU units"]
    w.close()
    assert w.session.thread.isFinished()


def test_the_editors_rebuild_both_runs(qtbot, window):
    window.step(50)
    sync(qtbot, window)
    window.editors[1].editor("init").scale.setValue(0.5)             # what a finished edit emits
    pair = sync(qtbot, window)
    assert pair.iteration == 0 and pair.setup.config.init_scale == 0.5
    assert window.columns[1].title() == "B: random × 0.5"
    window.field_combo.setCurrentIndex(window.field_combo.findData("learning_rate"))
    pair = sync(qtbot, window)
    assert pair.setup.field == "learning_rate"
    assert window.editors[0].pages.currentWidget().isVisible()
    assert window.editors[0].editor("learning_rate").box.isVisible()


def test_setup_from_the_editors_values():
    both_random = twin_setup(BASE, "init", ("random", 0.01), ("random", 1.0))
    assert both_random.field == "init_scale" and both_random.values == (0.01, 1.0)
    assert [describe_run(both_random, r) for r in (0, 1)] == ["random × 0.01", "random × 1"]
    schemes = twin_setup(BASE, "init", ("xavier", 0.3), ("random", 0.05))
    assert schemes.field == "init" and schemes.config.init_scale == 0.05
    assert [describe_run(schemes, r) for r in (0, 1)] == ["Xavier", "random × 0.05"]
    with pytest.raises(ValueError, match="differ in"):
        twin_setup(BASE, "seed", 1, 2)


def test_play_pause_step_and_reset_in_lock_step(qtbot, window):
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5000)
    qtbot.mouseClick(window.play_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.session.latest.iteration > 300, timeout=20_000)
    running = window.session.latest
    assert running.state is RunState.RUNNING and running.a.iteration == running.b.iteration
    assert window.session.worker.thread() is window.session.thread
    assert window.session.thread is not QThread.currentThread()
    qtbot.keyClick(window, Qt.Key.Key_Space)
    paused = sync(qtbot, window)
    assert paused.state is RunState.PAUSED and paused.a.iteration == paused.b.iteration
    assert sync(qtbot, window).iteration == paused.iteration        # nothing moves
    assert window.play_button.text().endswith("Play")
    qtbot.keyClick(window, Qt.Key.Key_S)
    assert sync(qtbot, window).iteration == paused.iteration + 1
    qtbot.keyClick(window, Qt.Key.Key_R)
    back = sync(qtbot, window)
    assert back.iteration == 0 and back.a.run_id != paused.a.run_id


def test_reset_gives_the_same_start(qtbot, window):
    start = window.session.latest
    window.step(100)
    sync(qtbot, window)
    window.reset()
    back = sync(qtbot, window)
    assert back.iteration == 0 and back.a.run_id != start.a.run_id
    for before, after in zip(start.runs, back.runs):
        assert same_parameters(before.parameters, after.parameters)


def test_break_symmetry_reaches_only_that_run(qtbot, window):
    window.step(20)
    sync(qtbot, window)
    b_before = window.session.latest.b.parameters
    group = window.columns[0].symmetry_view.break_group
    assert not group.isVisible()                          # hidden until asked for
    window.break_checkbox.setChecked(True)
    assert group.isVisible()
    window.columns[0].symmetry_view.break_button.click()
    pair = sync(qtbot, window)
    assert pair.a.unit_spreads[0] > 0 and "run A" in pair.a.message
    assert same_parameters(pair.b.parameters, b_before)


def test_shared_cost_plot_draws_both_histories(qtbot, window):
    window.step(150)
    pair = sync(qtbot, window)
    assert window.cost_view.names() == ("A: zeros", "B: random × 0.01")
    for curve, snapshot in zip(window.cost_view.curves, pair.runs):
        x, y = with_current(snapshot.cost_history, snapshot.iteration, snapshot.cost)
        assert np.array_equal(curve.xData, x) and np.array_equal(curve.yData, y)
    assert not np.array_equal(window.cost_view.curves[0].yData,
                              window.cost_view.curves[1].yData)


def test_closing_mid_run_finishes_the_thread(qtbot, tmp_path):
    for _ in range(3):
        w = CompareWindow(BASE, QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
        qtbot.addWidget(w)
        w.show()
        w.set_playing(True)
        qtbot.waitUntil(lambda w=w: w.session.latest is not None
                        and w.session.latest.iteration > 10, timeout=20_000)
        w.close()
        assert w.session.thread.isFinished()


def test_divergence_pauses_both_and_play_is_refused_with_a_reason(qtbot, window):
    setup = TwinSetup(RunConfig(hidden_layers=(8,), activations=("relu",), init="he"),
                      "learning_rate", (0.1, 1000.0))
    window.session.send(ConfigureTwins(setup))
    window.set_playing(True)
    qtbot.waitUntil(lambda: window.session.latest.b.diverged, timeout=20_000)
    pair = sync(qtbot, window)
    assert pair.state is RunState.PAUSED and not pair.a.diverged
    assert all(np.isfinite(v).all() for s in pair.runs for v in s.parameters.values())
    assert "diverged" in window.columns[1].status_label.text()
    with qtbot.waitSignal(window.session.failed):
        window.set_playing(True)
    assert "Run B diverged" in window.message_label.text()
    window.reset()
    back = sync(qtbot, window)
    assert back.iteration == 0 and not back.b.diverged
    assert window.message_label.text().startswith("Reset")


def test_the_twins_train_in_a_child_process_and_it_ends_with_the_window(qtbot, tmp_path):
    w = CompareWindow(BASE, QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(w)
    w.show()
    w.step(30)
    assert sync(qtbot, w).iteration == 30
    process = w.session.worker.link._process
    assert process.is_alive() and process.pid != os.getpid()
    w.close()
    assert w.session.thread.isFinished()
    assert not process.is_alive() and process.exitcode == 0


def test_a_lost_twin_process_is_reported_and_both_go_on_here(qtbot, window):
    window.step(40)
    shown = sync(qtbot, window)
    with qtbot.waitSignal(window.session.failed, timeout=20_000) as blocker:
        window.session.worker.link._process.kill()
    assert "training goes on in the window's process, from iteration 40" in blocker.args[0]
    window.step(10)
    after = sync(qtbot, window)
    assert after.a.iteration == after.b.iteration == 50
    assert window.session.worker.link is None
    assert after.a.unit_spreads == (0.0,) and after.b.unit_spreads[0] > 0
    for before, now in zip(shown.runs, after.runs):
        assert not same_parameters(before.parameters, now.parameters)


@pytest.mark.parametrize("field", ["hidden_layers", "optimizer", "batch_size", "l2",
                                   "keep_prob", "features"])
def test_twins_can_differ_in_a_course_2_setting_or_the_network(qtbot, window, field):
    window.choose(field, *DEFAULT_VALUES[field])
    pair = sync(qtbot, window)
    assert pair.setup.field == field
    a, b = pair.setup.configs()
    assert getattr(a, field) != getattr(b, field)
    window.step(20)
    pair = sync(qtbot, window)
    assert pair.a.iteration == pair.b.iteration == 20
    titles = [column.title() for column in window.columns]
    assert titles == [f"{name}: {describe_run(pair.setup, run)}"
                      for run, name in enumerate(("A", "B"))]
    if field == "hidden_layers":
        assert pair.a.arch.layer_dims != pair.b.arch.layer_dims
    if field == "features":
        assert pair.a.features == ("x1", "x2") and len(pair.b.features) == 5


def test_an_unreadable_list_is_marked_and_changes_nothing(qtbot, window):
    window.choose("hidden_layers", (4,), (8, 8))
    before = sync(qtbot, window)
    editor = window.editors[1].editor("hidden_layers")
    editor.edit.setText("8,x")
    editor.edit.editingFinished.emit()
    after = sync(qtbot, window)
    assert "border" in editor.edit.styleSheet() and after.run_id == before.run_id


def test_each_run_shows_its_diagram_zeros_identical_random_apart(qtbot, window):
    window.choose("init", ("zeros", 0.01), ("random", 0.01))
    window.step(50)
    sync(qtbot, window)
    window.draw_now()
    zeros, random = (column.network_view for column in window.columns)
    a = [zeros.node_image(1, u) for u in range(1, 5)]
    b = [random.node_image(1, u) for u in range(1, 5)]
    assert all(np.array_equal(a[0], image) for image in a[1:])
    assert not all(np.array_equal(b[0], image) for image in b[1:])
    shown = [b.text() for b in zeros.findChildren(QToolButton) if b.isVisibleTo(zeros)]
    assert not {"+", "−", "×"} & set(shown)             # twin diagrams are to look at
