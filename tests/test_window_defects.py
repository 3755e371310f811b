"""The window defects a learner hit (issue 14), each pinned by what a learner sees."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QTabBar
from windows import recording_window, sync

from playground.core.metrics import cost_rises, recent_cost_rises
from playground.session.commands import Play, SetPace
from playground.session.config import RunConfig, make_trainer
from playground.session.lessons import INSTRUMENTS, lesson
from playground.session.snapshot import RunState, take_snapshot
from playground.ui.lesson_view import LessonView
from playground.ui.panels import INSTRUMENT_TITLES
from playground.ui.status_view import StatusView

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints",
                                      "This plugin does not support raise")


@pytest.fixture
def window(qtbot, tmp_path):
    w = recording_window(tmp_path)
    qtbot.addWidget(w)
    w.resize(1280, 800)
    w.show()
    sync(qtbot, w)
    yield w
    w.close()


def test_a_structural_change_while_playing_never_shows_a_negative_speed(qtbot, window):
    window.set_playing(True)
    qtbot.waitUntil(lambda: window.session.latest.iteration > 2000, timeout=30_000)
    window.controls.add_layer_button.click()
    latest = sync(qtbot, window)
    assert latest.arch.layer_dims == (2, 4, 4, 1) and latest.state is RunState.RUNNING
    assert "It plays on" in latest.message
    assert not window.status_view.fields["speed"].text().startswith("-")
    qtbot.waitUntil(lambda: window.session.latest.steps_per_second > 0, timeout=30_000)
    window.draw_now()
    assert window.status_view.fields["speed"].text()[0].isdigit()


def test_speed_and_hover_read_outs_start_afresh_after_a_reset(qtbot, window):
    window.show_tab("weights")
    window.step(200)
    sync(qtbot, window)
    window.weights_view.readout_label.setText("W[1] row 1 … = 0.3")     # as a hover leaves it
    window.set_playing(True)
    qtbot.waitUntil(lambda: window.session.latest.steps_per_second > 0, timeout=30_000)
    window.reset()
    after = sync(qtbot, window)
    assert after.iteration == 0 and after.steps_per_second == 0
    assert window.status_view.fields["speed"].text() == "—"
    assert window.weights_view.readout_label.text().startswith("Hover a cell")


def test_the_symmetry_plot_takes_the_new_runs_axes_after_a_lesson_or_reset(qtbot, window):
    window.show_instrument("symmetry")
    window.controls.set_config(RunConfig(init="he", seed=3))
    window.apply_config(window.controls.config())
    window.step(300)
    sync(qtbot, window)
    plot = window.instruments["symmetry"].plot_item
    qtbot.waitUntil(lambda: plot.viewRange()[0][1] >= 290)
    window.reset()
    window.step(20)
    sync(qtbot, window)
    qtbot.waitUntil(lambda: plot.viewRange()[0][1] < 100, timeout=5000)   # not 300 any more


def test_the_view_menu_raises_the_panel_it_shows_and_tabs_show_whole_names(qtbot, window):
    window.show_instrument("symmetry")
    action = window.docks["gradients"].toggleViewAction()
    action.trigger()
    qtbot.waitUntil(lambda: not window.docks["gradients"].visibleRegion().isEmpty())
    assert window.docks["symmetry"].visibleRegion().isEmpty()          # behind it now
    bars = [bar for bar in window.findChildren(QTabBar) if bar.count() > 1]
    assert bars
    for bar in bars:
        for i in range(bar.count()):
            needed = bar.fontMetrics().horizontalAdvance(bar.tabText(i))
            assert bar.tabRect(i).width() >= needed, bar.tabText(i)


def test_after_typing_a_value_and_enter_space_plays(qtbot, window):
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5000)
    field = window.controls.learning_rate_slider.field
    field.setFocus()
    qtbot.waitUntil(field.hasFocus)
    field.selectAll()
    qtbot.keyClicks(field, "0.5")
    qtbot.keyClick(field, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not field.hasFocus())
    qtbot.keyClick(window, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: window.session.latest.state is RunState.RUNNING, timeout=10_000)
    assert window.session.latest.learning_rate == 0.5


def test_a_climbing_cost_points_at_the_learning_rate(qtbot, window):
    window.controls.set_learning_rate(10.0)
    window.session.send(SetPace(None))
    window.apply_config(window.controls.config())
    window.step(300)
    sync(qtbot, window)
    text = window.status_view.message.text()
    assert "the learning rate α = 10 is probably too high" in text


def test_the_pace_control_paces_the_run_and_is_remembered(qtbot, window):
    window.controls.set_pace(10)
    window.controls.pace_slider.step(-1)                   # 5 iterations a second
    latest = sync(qtbot, window)
    assert latest.pace == 5
    frames = []
    window.session.snapshot_ready.connect(lambda frame: frames.append(frame.iteration))
    window.session.send(Play(True))
    qtbot.waitUntil(lambda: len(set(frames)) >= 5, timeout=10_000)
    seen = sorted(set(frames))
    assert seen == list(range(seen[0], seen[0] + len(seen)))      # every iteration drawn
    assert str(window.settings.value("training/pace")) in ("5", "5.0")


def test_the_boundary_is_shaded_to_the_plots_edges_after_a_resize(qtbot, window):
    # the plot keeps equal scales on both axes; the plane it shades was the data's box,
    # which left blank bands beside it in any plot of another shape
    view = window.boundary_view
    box = view.plot_item.getViewBox()
    for size in ((1280, 800), (1024, 700), (1920, 1080)):
        window.resize(*size)
        qtbot.waitUntil(lambda: view.plane_aspect is not None and abs(
            view.plane_aspect / (box.width() / box.height()) - 1) < 0.03, timeout=10_000)
        latest = sync(qtbot, window)
        x_min, x_max, y_min, y_max = latest.grid.extent
        assert (x_max - x_min) / (y_max - y_min) == pytest.approx(view.plane_aspect)
        (left, right), (bottom, top) = box.viewRange()
        span_x, span_y = x_max - x_min, y_max - y_min
        assert abs(left - x_min) < 0.03 * span_x and abs(right - x_max) < 0.03 * span_x
        assert abs(bottom - y_min) < 0.03 * span_y and abs(top - y_max) < 0.03 * span_y
        assert latest.iteration == 0 and latest.cost == pytest.approx(0.693048, abs=5e-7)


def test_the_lesson_checklist_wraps_in_a_narrow_panel_and_its_text_ticks(qtbot):
    # a check box's text never wraps: one long item once widened the panel past a
    # 1024-pixel window and squeezed the explanation to a word per line
    view = LessonView()
    qtbot.addWidget(view)
    view.show_lesson(lesson("gradient-check"))
    longest = max(len(text) for text in view.lesson.watch)
    assert longest > 100
    view.resize(560, 200)
    view.show()
    qtbot.waitExposed(view)
    assert view.minimumSizeHint().width() <= 560
    assert all(item.label.wordWrap() and item.label.width() < 400 for item in view.items)
    assert view.text.width() > 150
    qtbot.mouseClick(view.items[1].label, Qt.MouseButton.LeftButton)
    assert [check.isChecked() for check in view.checks] == [False, True, False, False]


def test_a_narrow_window_shows_instruments_under_the_views_beside_the_lesson(qtbot, window):
    # at 1024 px a panel on the right took a third of the width: the weights were cut
    window.resize(1024, 700)
    qtbot.waitUntil(lambda: window.width() == 1024)
    window.start_lesson("zero-init-symmetry")
    dock = window.docks["symmetry"]
    qtbot.waitUntil(dock.isVisible)
    assert window.dockWidgetArea(dock) == Qt.DockWidgetArea.BottomDockWidgetArea
    qtbot.waitUntil(lambda: window.lesson_dock.width() > dock.width() > 250)
    assert window.panes.main.width() > 950            # the views keep the window's width
    for name in window.docks:                          # closed, the panels may move again
        window.docks[name].hide()
    window.resize(1600, 900)
    qtbot.waitUntil(lambda: window.width() == 1600)
    window.show_instrument("gradients")
    qtbot.waitUntil(window.docks["gradients"].isVisible)
    assert (window.dockWidgetArea(window.docks["gradients"])
            == Qt.DockWidgetArea.RightDockWidgetArea)


def test_a_panel_opened_on_the_right_takes_its_room_from_every_view(qtbot, window):
    # the splitter gave all of a new panel's width to the tabs: at 1280 the weights were
    # left 200 px and their b[l] column was cut
    window.show_tab("weights")
    window.show_instrument("symmetry")
    qtbot.waitUntil(window.docks["symmetry"].isVisible)
    qtbot.waitUntil(lambda: window.panes.tabs.width() >= 300)
    controls, center, right = window.panes.main.sizes()
    assert center >= 300 and right >= 300


def test_every_instrument_a_lesson_may_open_is_a_panel_of_the_window(window):
    assert set(INSTRUMENTS) == set(INSTRUMENT_TITLES) == set(window.docks)


def test_a_noisy_mini_batch_cost_is_not_taken_for_a_too_high_learning_rate(qtbot):
    # each mini-batch's J goes up about every other step; the epoch cost falls
    config = RunConfig(batch_size=64, shuffle_seed=10, learning_rate=1.2)
    trainer = make_trainer(config)
    trainer.run(1000)
    assert cost_rises(trainer.cost_history()) is not None          # the noise alone
    view = StatusView()
    qtbot.addWidget(view)
    view.update_snapshot(take_snapshot(trainer, run_id=1, state=RunState.PAUSED, grid=None,
                                       settings=config))
    assert "keeps going up" not in view.message.text()
    hot = RunConfig(batch_size=64, shuffle_seed=10, learning_rate=40.0)
    trainer = make_trainer(hot)
    trainer.run(300)
    view.update_snapshot(take_snapshot(trainer, run_id=2, state=RunState.PAUSED, grid=None,
                                       settings=hot))
    assert "keeps going up (at epoch" in view.message.text()


def test_only_recent_rises_of_the_cost_say_it_keeps_going_up():
    """The overfitting lesson's ReLU net spikes twice near iteration 3,000 on its way to
    J = 0.0004 at 10,000: by then the status must not blame the learning rate."""
    iterations = np.arange(0, 2000, dtype=float)           # the last 500 are recent
    J = 1.0 / (1.0 + iterations)
    J[100], J[110] = J[99] * 1.5, J[109] * 1.5                   # two rises, long ago
    history = np.column_stack([iterations, J])
    assert cost_rises(history) == (110, J[109], J[110])
    assert recent_cost_rises(history) is None
    J[-50], J[-20] = J[-51] * 1.5, J[-21] * 1.5                  # two rises just now
    assert recent_cost_rises(np.column_stack([iterations, J])) == (1980, J[-21], J[-20])


def test_the_status_notice_is_read_first_beside_or_above_the_numbers(qtbot, window):
    """A divergence's explanation is three lines; under the numbers, in the status's few
    rows, it was scrolled out of sight at 1280 × 800."""
    window.controls.set_config(RunConfig(dataset="plane", hidden_layers=(8,),
                                         activations=("relu",), init="he",
                                         learning_rate=2.0))
    window.apply_config(window.controls.config())
    window.step(50)
    latest = sync(qtbot, window)
    assert latest.diverged
    status, message = window.status_view, window.status_view.message
    scroll = window.panes.center.widget(1)
    qtbot.waitUntil(lambda: status.width() >= 500)                # 1280 × 800: side by side
    state_row = status.fields["state"]
    assert message.text().startswith("Training diverged at iteration")
    assert message.x() > state_row.x() + state_row.width() - 1 and message.y() <= state_row.y()
    whole = message.rect().translated(message.mapTo(scroll.viewport(), message.rect().topLeft()))
    assert scroll.viewport().rect().contains(whole)                 # every line in sight
    window.resize(1024, 700)
    window.fit_panes()
    qtbot.waitUntil(lambda: status.width() < 500)                 # narrow: above them
    qtbot.waitUntil(lambda: message.y() + message.height() <= state_row.y())
