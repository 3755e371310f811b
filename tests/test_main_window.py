"""The main window, offscreen, with its real worker thread: the issue's GUI behaviours."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import json
import subprocess
import sys

import numpy as np
import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QImage
from windows import recording_window, sync

from playground.core.npz import load_model
from playground.session.config import RunConfig
from playground.session.session_file import session_from_json, session_to_json
from playground.session.snapshot import RunState
from playground.ui.display import display_problem
from playground.ui.main_window import MainWindow

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints",
                                      "This plugin does not support raise")


@pytest.fixture
def window(qtbot, tmp_path):
    w = recording_window(tmp_path)
    qtbot.addWidget(w)
    w.show()
    sync(qtbot, w)
    yield w
    w.close()
    assert w.session.thread.isFinished()


def configure(qtbot, w, **changes):
    config = w.controls.config().replace(**changes)
    w.controls.set_config(config)
    w.apply_config(config)
    return sync(qtbot, w)


def test_starts_with_the_course_setup(qtbot, window):
    s = window.session.latest
    assert s.iteration == 0 and s.arch.layer_dims == (2, 4, 1) and s.learning_rate == 1.2
    assert s.cost == pytest.approx(0.693048, abs=5e-7)
    assert window.status_view.fields["iteration"].text() == "0"


def test_keys_play_pause_step_and_reset(qtbot, window):
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5000)
    qtbot.keyClick(window, Qt.Key.Key_S)
    assert sync(qtbot, window).iteration == 1
    qtbot.keyClick(window, Qt.Key.Key_S, Qt.KeyboardModifier.ShiftModifier)
    assert sync(qtbot, window).iteration == 101
    qtbot.keyClick(window, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: window.session.latest.iteration > 300, timeout=30_000)
    assert window.session.latest.state is RunState.RUNNING
    qtbot.keyClick(window, Qt.Key.Key_Space)
    paused = sync(qtbot, window)
    assert paused.state is RunState.PAUSED
    assert sync(qtbot, window).iteration == paused.iteration
    qtbot.keyClick(window, Qt.Key.Key_R)
    assert sync(qtbot, window).iteration == 0


def test_reset_with_the_same_seed_gives_identical_parameters(qtbot, window):
    start = window.session.latest
    window.step(250)
    assert sync(qtbot, window).iteration == 250
    window.controls.reset_button.click()
    again = sync(qtbot, window)
    assert again.iteration == 0
    assert all(np.array_equal(again.parameters[k], start.parameters[k]) for k in start.parameters)


def test_learning_rate_slider_changes_the_running_trainer(qtbot, window):
    window.set_playing(True)
    qtbot.waitUntil(lambda: window.session.latest.iteration > 100, timeout=30_000)
    run_id = window.session.latest.run_id
    slider = window.controls.learning_rate_slider
    slider.slider.setValue(slider.slider.minimum() + 10)
    expected = slider.value()
    assert expected < 1e-3
    latest = sync(qtbot, window)
    assert latest.learning_rate == expected and latest.run_id == run_id   # not restarted
    assert latest.state is RunState.RUNNING


def test_a_clamped_learning_rate_is_explained_in_the_status_bar(qtbot, window):
    field = window.controls.learning_rate_slider.field
    field.setText("1e9")
    field.editingFinished.emit()
    assert "outside the range: using the largest value, 10" in \
        window.statusBar().currentMessage()
    assert sync(qtbot, window).learning_rate == 10.0


def test_adding_and_removing_layers_resets_with_the_new_shapes(qtbot, window):
    window.step(20)
    sync(qtbot, window)
    window.controls.add_layer_button.click()
    s = sync(qtbot, window)
    assert s.iteration == 0 and s.arch.layer_dims == (2, 4, 4, 1)
    assert s.parameters["W2"].shape == (4, 4) and "architecture" in s.message
    window.show_tab("weights")
    assert len(window.weights_view.panels) == 3
    window.controls.remove_layer_button.click()
    window.controls.remove_layer_button.click()
    s = sync(qtbot, window)
    assert s.arch.layer_dims == (2, 1) and s.parameters["W1"].shape == (1, 2)


def test_changing_the_initialisation_resets(qtbot, window):
    window.step(20)
    sync(qtbot, window)
    combo = window.controls.init_combo
    combo.setCurrentIndex(combo.findData("he"))
    s = sync(qtbot, window)
    assert s.iteration == 0 and s.init == "he" and "initialisation" in s.message
    expected = np.random.RandomState(2).randn(4, 2) * np.sqrt(2 / 2)
    np.testing.assert_array_equal(s.parameters["W1"], expected)


def _thumbnails(window, units):
    window.show_tab("units")
    window.draw_now()
    return [window.units_view.thumbnail_image(1, u) for u in range(1, units + 1)]


def test_zero_init_shows_identical_units_random_init_does_not(qtbot, window):
    s = configure(qtbot, window, samples=361, activations=("sigmoid",), init="zeros")
    window.step(200)
    s = sync(qtbot, window)
    assert s.iteration == 200 and s.unit_spreads == (0.0,) and s.distinct_units == (1,)
    assert np.abs(s.parameters["W1"]).max() > 0
    images = _thumbnails(window, 4)
    assert all(np.array_equal(images[0], image) for image in images[1:])
    assert "identical" in window.status_view.symmetry.text()
    configure(qtbot, window, init="random")
    window.step(200)
    s = sync(qtbot, window)
    assert s.unit_spreads[0] > 0 and s.distinct_units == (4,)
    images = _thumbnails(window, 4)
    assert not all(np.array_equal(images[0], image) for image in images[1:])
    assert "distinct" in window.status_view.symmetry.text()


def test_export_equals_the_engine_and_import_reproduces_it(qtbot, window, tmp_path):
    window.step(50)
    s = sync(qtbot, window)
    path = tmp_path / "w.npz"
    assert window.export_weights(str(path))
    model = load_model(path)
    assert model.iteration == 50 and model.arch == s.arch and model.seed == 2
    for key, value in model.parameters.items():
        assert np.array_equal(value, s.parameters[key])
    configure(qtbot, window, hidden_layers=(3, 3), activations=("relu", "relu"))
    assert window.import_weights(str(path))
    s = sync(qtbot, window)
    assert s.iteration == 50 and s.arch == model.arch
    assert window.controls.config().hidden_layers == (4,)
    assert all(np.array_equal(s.parameters[k], model.parameters[k]) for k in model.parameters)
    np.testing.assert_array_equal(s.cost_history[:50], model.cost_history[:50])  # the curve
    window.step(10)
    assert sync(qtbot, window).iteration == 60            # and it trains on


def test_exported_weights_record_the_course_2_options_and_import_restores_them(
        qtbot, window, tmp_path):
    configure(qtbot, window, features=("x1", "x2", "x1^2"), optimizer="adam",
              batch_size=64, l2=0.5, keep_prob=0.9)
    window.step(5)
    s = sync(qtbot, window)
    assert s.arch.n_x == 3
    path = tmp_path / "adam.npz"
    assert window.export_weights(str(path))
    model = load_model(path)
    assert (model.features, model.optimizer, model.batch_size, model.l2,
            model.keep_prob) == (("x1", "x2", "x1^2"), "adam", 64, 0.5, 0.9)
    configure(qtbot, window, features=("x1", "x2"), optimizer="gd", batch_size=None,
              l2=0.0, keep_prob=1.0)
    assert window.import_weights(str(path)), window.errors
    config = window.controls.config()
    assert (config.features, config.optimizer, config.batch_size, config.l2,
            config.keep_prob) == (("x1", "x2", "x1^2"), "adam", 64, 0.5, 0.9)
    s = sync(qtbot, window)
    assert s.arch.n_x == 3 and s.iteration == 5
    assert np.array_equal(s.parameters["W1"], model.parameters["W1"])


def test_a_bad_weights_file_shows_an_error_and_changes_nothing(qtbot, window, tmp_path):
    window.step(30)
    before = sync(qtbot, window)
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"this is not a zip file")
    assert not window.import_weights(str(bad))
    assert window.errors and "bad.npz" in window.errors[-1]
    after = sync(qtbot, window)
    assert after.run_id == before.run_id and after.iteration == 30
    assert window.controls.config().hidden_layers == (4,)


def test_a_bad_csv_keeps_the_run_and_the_controls(qtbot, window, tmp_path):
    good = window.controls.config()
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b,label\n1,2,0\n1,x,1\n")
    assert not window.load_csv(str(bad))
    assert "row 3" in window.errors[-1]
    assert window.controls.config() == good and sync(qtbot, window).arch.n_x == 2


def test_export_into_a_missing_folder_fails_cleanly(qtbot, window, tmp_path):
    assert not window.export_weights(str(tmp_path / "nope" / "w.npz"))
    assert "does not exist" in window.errors[-1] and not (tmp_path / "nope").exists()


def test_session_save_and_open_restore_every_control(qtbot, window, tmp_path):
    config = configure(qtbot, window, dataset="spiral", classes=3, hidden_layers=(8, 6),
                       activations=("relu", "tanh"), init="he", seed=9, test_fraction=0.25)
    path = tmp_path / "s.json"
    assert window.save_session(str(path))
    saved = window.controls.config()
    configure(qtbot, window, dataset="flower", classes=None, hidden_layers=(4,),
              activations=("tanh",), init="random", seed=2, test_fraction=0.0)
    assert window.open_session(str(path))
    s = sync(qtbot, window)
    assert window.controls.config() == saved and s.arch.layer_dims == (2, 8, 6, 3)
    assert session_from_json(session_to_json(saved)) == saved
    assert config.arch.layer_dims == (2, 8, 6, 3)


def test_a_broken_session_file_is_refused(qtbot, window, tmp_path):
    path = tmp_path / "s.json"
    path.write_text(json.dumps({"format": "playground-session", "version": 1,
                                "config": {"hidden_layers": [0]}}))
    before = window.controls.config()
    assert not window.open_session(str(path))
    assert "hidden layer 1 has 0 units" in window.errors[-1]
    assert window.controls.config() == before


def test_clicking_a_unit_shows_it_in_the_boundary_view(qtbot, window):
    window.units_view.unit_clicked.emit(1, 3)
    window.draw_now()
    assert window.boundary_view.shown_unit == (1, 3)


def test_closing_mid_training_stops_the_thread(qtbot, tmp_path):
    for _ in range(3):
        w = MainWindow(settings=QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
        w.show()
        w.set_playing(True)
        qtbot.waitUntil(lambda w=w: w.session.latest is not None
                        and w.session.latest.iteration > 50, timeout=30_000)
        w.close()
        assert w.session.thread.isFinished()


def test_geometry_is_remembered(qtbot, tmp_path):
    settings = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    w = MainWindow(settings=settings)
    w.show()
    w.resize(w.width(), 555)    # the offscreen screen is 800 wide: Qt clamps widths on restore
    w.close()
    again = MainWindow(settings=QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    try:
        assert again.height() == 555
    finally:
        again.close()


def test_no_display_gives_a_hint_instead_of_an_abort():
    assert display_problem({"QT_QPA_PLATFORM": "offscreen"}) is None
    if sys.platform.startswith("linux"):
        assert display_problem({}) == "DISPLAY is not set"
    done = subprocess.run([sys.executable, "-m", "playground"], capture_output=True, text=True,
                          timeout=60, env={k: v for k, v in os.environ.items()
                                           if k not in ("DISPLAY", "WAYLAND_DISPLAY",
                                                        "QT_QPA_PLATFORM")})
    assert done.returncode == 1
    assert "QT_QPA_PLATFORM=offscreen" in done.stderr and "playground train" in done.stderr


def test_screenshot_mode_writes_a_picture_with_a_boundary(tmp_path):
    out = tmp_path / "shot.png"
    done = subprocess.run([sys.executable, "-m", "playground", "--screenshot", str(out),
                           "--iterations", "500"], capture_output=True, text=True,
                          timeout=120, env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert done.returncode == 0, done.stderr
    image = QImage(str(out))
    assert (image.width(), image.height()) == (1280, 800)
    # the decision-boundary plot sits in the upper right
    colours = {image.pixel(x, y) for x in range(880, 1240, 6) for y in range(60, 400, 6)}
    assert len(colours) > 50


def test_export_plot_png_and_data_csv(qtbot, window, tmp_path):
    from playground.core.csv_data import load_csv

    window.step(100)
    s = sync(qtbot, window)
    png = tmp_path / "plot.png"
    assert window.export_png(str(png))
    image = QImage(str(png))
    assert image.width() > 200 and image.height() > 200
    csv_path = tmp_path / "data.csv"
    assert window.export_csv(str(csv_path))
    data = load_csv(csv_path)
    assert np.array_equal(data.X, s.train.X) and np.array_equal(data.Y, s.train.Y)
    assert window.load_csv(str(csv_path))                      # and it loads back
    s = sync(qtbot, window)
    assert s.train.m == 400 and s.iteration == 0 and window.controls.config().data_path


def test_an_opened_session_runs_what_the_controls_show(qtbot, window, tmp_path):
    path = tmp_path / "fast.json"
    path.write_text(session_to_json(RunConfig(learning_rate=1000.0)))
    assert window.open_session(str(path))
    s = sync(qtbot, window)
    assert window.controls.config().learning_rate == 10.0 == s.learning_rate
    assert "outside the control's range: using 10" in s.message


def test_every_lesson_loads_from_the_menu_and_runs_100_iterations(qtbot, window):
    from playground.session.lessons import lessons

    for name, preset in lessons().items():
        window.actions[f"lesson:{name}"].trigger()
        s = sync(qtbot, window)
        assert s.iteration == 0 and preset.title in s.message
        assert window.lesson_view.lesson is preset and window.lesson_dock.isVisible()
        hidden = window.controls.config().hidden_layers
        assert hidden == preset.config.hidden_layers and s.arch.hidden_layers == hidden
        window.step(100)
        s = sync(qtbot, window)
        assert s.iteration == 100 or s.diverged, name
        assert not window.errors, window.errors


def test_instrument_panels_update_and_their_buttons_reach_the_trainer(qtbot, window):
    configure(qtbot, window, samples=361, activations=("sigmoid",), init="zeros")
    window.show_instrument("symmetry")
    window.step(200)
    s = sync(qtbot, window)
    symmetry = window.instruments["symmetry"]
    assert "symmetric" in symmetry.distinct_label.text()
    assert len(symmetry.spread_curves) == 1
    symmetry.break_button.click()                   # layer 1, noise 1e-3
    window.step(300)
    s = sync(qtbot, window)
    assert s.unit_spreads[0] > 0 and s.distinct_units == (4,)
    assert "symmetric" not in symmetry.distinct_label.text()
    window.show_instrument("gradcheck")
    gradcheck = window.instruments["gradcheck"]
    with qtbot.waitSignal(window.session.gradient_checked, timeout=20_000):
        gradcheck.run_button.click()
    assert "correct" in gradcheck.result_label.text()
    window.show_instrument("shapes")
    sync(qtbot, window)
    assert "W[1] (4, 2)" in window.instruments["shapes"].browser.toPlainText()


def test_a_lesson_raises_the_instrument_that_shows_its_point(qtbot, window):
    window.start_lesson("deep-sigmoid-vanishing")
    window.step(5)
    s = sync(qtbot, window)
    assert window.docks["gradients"].isVisible() and window.lesson_dock.isVisible()
    gradients = window.instruments["gradients"]
    assert len(gradients.curves) == s.arch.L == 7


def test_compare_window_opens_from_the_view_menu_with_the_current_settings(qtbot, window):
    configure(qtbot, window, samples=361, activations=("sigmoid",))
    window.actions["compare"].trigger()
    compare = window.compare_window
    assert compare is not None and compare.isVisible()
    assert compare.setup().config.samples == 361
    compare.step(50)
    qtbot.waitUntil(lambda: compare.session.latest is not None
                    and compare.session.latest.iteration == 50, timeout=30_000)
    twin = compare.session.latest
    assert twin.a.unit_spreads == (0.0,) and twin.b.unit_spreads[0] > 0
    window.close()                                   # closes the twin runs too
    assert compare.session.thread.isFinished()
