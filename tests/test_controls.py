"""The control panel and the log slider: what they show, emit and return."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402
from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtWidgets import (  # noqa: E402
    QAbstractButton,
    QAbstractSpinBox,
    QComboBox,
    QSlider,
)

from playground.core.activations import ACTIVATIONS  # noqa: E402
from playground.core.datasets import DATASETS  # noqa: E402
from playground.core.initialization import INITS  # noqa: E402
from playground.core.network import MAX_HIDDEN_LAYERS  # noqa: E402
from playground.session.config import RunConfig, load_data  # noqa: E402
from playground.ui.controls import ControlPanel  # noqa: E402
from playground.ui.log_slider import LogSlider, format_number, parse_number  # noqa: E402


@pytest.fixture
def panel(qtbot) -> ControlPanel:
    widget = ControlPanel()
    qtbot.addWidget(widget)
    return widget


def select(combo: QComboBox, data: object) -> None:
    """Choose the item whose userData is ``data``, as a user would."""
    index = combo.findData(data)
    assert index >= 0, f"{data!r} not offered"
    combo.setCurrentIndex(index)


def type_into(qtbot, widget, text: str) -> None:
    """Replace the text of a line edit / spin box by typing ``text`` and Return."""
    line = widget.lineEdit() if isinstance(widget, QAbstractSpinBox) else widget
    line.selectAll()
    qtbot.keyClicks(line, text)
    qtbot.keyClick(line, Qt.Key.Key_Return)


# --------------------------------------------------------------------------- registries

def test_combos_are_filled_from_the_registries_in_order(panel):
    combo = panel.dataset_combo
    assert [combo.itemData(i) for i in range(combo.count())] == list(DATASETS)
    assert combo.itemData(0) == "flower" and combo.currentData() == "flower"
    assert [combo.itemText(i) for i in range(combo.count())] == \
        [s.label for s in DATASETS.values()]
    assert all(not combo.itemIcon(i).isNull() for i in range(combo.count()))
    init = panel.init_combo
    assert [init.itemData(i) for i in range(init.count())] == list(INITS)
    activation = panel.layer_rows[0].activation
    assert [activation.itemData(i) for i in range(activation.count())] == list(ACTIVATIONS)
    assert [activation.itemText(i) for i in range(activation.count())] == \
        [a.label for a in ACTIVATIONS.values()]


def test_default_panel_gives_the_default_config(panel):
    assert panel.config() == RunConfig()


# --------------------------------------------------------------------------- network

def test_add_and_remove_layers_emit_once_each(panel, qtbot):
    emitted = []
    panel.config_changed.connect(emitted.append)
    select(panel.layer_rows[0].activation, "relu")
    panel.layer_rows[0].units.setValue(7)
    emitted.clear()

    panel.add_layer_button.click()                  # a copy of the last layer
    assert panel.config().hidden_layers == (7, 7)
    assert panel.config().activations == ("relu", "relu")
    assert len(emitted) == 1 and emitted[0] == panel.config()

    panel.remove_layer_button.click()
    panel.remove_layer_button.click()
    assert len(emitted) == 3
    assert panel.config().hidden_layers == () and panel.config().activations == ()
    assert not panel.remove_layer_button.isEnabled()
    assert panel.no_layers_label.isVisibleTo(panel)

    panel.add_layer_button.click()                  # from none: 4 tanh units
    assert panel.config().hidden_layers == (4,) and panel.config().activations == ("tanh",)
    assert len(emitted) == 4


def test_layers_up_to_the_runconfig_limit(panel):
    for _ in range(MAX_HIDDEN_LAYERS + 3):
        panel.add_layer_button.click()
    assert len(panel.config().hidden_layers) == MAX_HIDDEN_LAYERS
    assert len(panel.layer_rows) == MAX_HIDDEN_LAYERS
    assert not panel.add_layer_button.isEnabled()


def test_units_clamp_to_1_and_64(panel, qtbot):
    units = panel.layer_rows[0].units
    units.setValue(0)
    assert panel.config().hidden_layers == (1,)
    units.setValue(500)
    assert panel.config().hidden_layers == (64,)
    type_into(qtbot, units, "99")                 # the box refuses digits beyond 64
    assert 1 <= panel.config().hidden_layers[0] <= 64


def test_typing_units_resets_once(panel, qtbot):
    with qtbot.waitSignal(panel.config_changed) as blocker:
        type_into(qtbot, panel.layer_rows[0].units, "12")
    assert blocker.args[0].hidden_layers == (12,)
    emitted = []
    panel.config_changed.connect(emitted.append)
    type_into(qtbot, panel.layer_rows[0].units, "12")       # same value: nothing
    assert emitted == []


def test_activation_per_layer(panel):
    panel.add_layer_button.click()
    select(panel.layer_rows[1].activation, "sigmoid")
    assert panel.config().activations == ("tanh", "sigmoid")
    assert "σ(z)" in panel.layer_rows[1].activation.toolTip()


# --------------------------------------------------------------------------- output / loss

def test_binary_shows_sigmoid_cross_entropy_with_loss_fixed(panel):
    assert panel.output_label.text() == "sigmoid + cross-entropy"
    assert not panel.loss_combo.isEnabled()


def test_regression_offers_mse_and_l1(panel, qtbot):
    select(panel.dataset_combo, "housing")
    losses = [panel.loss_combo.itemData(i) for i in range(panel.loss_combo.count())]
    assert losses == ["mse", "l1"] and panel.loss_combo.isEnabled()
    assert panel.output_label.text() == "linear + ½ mean squared error"
    with qtbot.waitSignal(panel.config_changed) as blocker:
        select(panel.loss_combo, "l1")
    assert blocker.args[0].loss == "l1"
    assert panel.output_label.text() == "linear + mean absolute error"
    select(panel.dataset_combo, "flower")                 # the loss follows the problem
    assert panel.config().loss is None and not panel.loss_combo.isEnabled()


def test_classes_spin_only_where_several_counts_exist(panel, qtbot):
    form, spin = panel.data_form, panel.classes_spin
    assert not form.isRowVisible(spin)
    select(panel.dataset_combo, "spiral")
    assert form.isRowVisible(spin) and (spin.minimum(), spin.maximum()) == (2, 3)
    with qtbot.waitSignal(panel.config_changed) as blocker:
        spin.setValue(3)
    assert blocker.args[0].classes == 3
    assert panel.output_label.text() == "softmax + cross-entropy"
    select(panel.dataset_combo, "gaussians")
    assert (spin.minimum(), spin.maximum()) == (2, 8) and spin.value() == 3
    assert panel.config().classes is None                  # gaussians' default is 3


def test_more_classes_raise_too_few_samples(panel):
    select(panel.dataset_combo, "gaussians")
    panel.samples_spin.setValue(10)
    panel.classes_spin.setValue(8)
    config = panel.config()
    assert config.classes == 8 and config.samples == 16
    train, _ = load_data(config)
    assert train.n_y == 8 and train.m == 16


# --------------------------------------------------------------------------- data

def test_dataset_noise_test_fraction_emit_the_new_value(panel, qtbot):
    with qtbot.waitSignal(panel.config_changed) as blocker:
        select(panel.dataset_combo, "moons")
    assert blocker.args[0].dataset == "moons"
    with qtbot.waitSignal(panel.config_changed) as blocker:
        panel.noise_slider.setValue(50)
    assert blocker.args[0].noise == 0.5
    with qtbot.waitSignal(panel.config_changed) as blocker:
        panel.test_slider.setValue(25)
    assert blocker.args[0].test_fraction == 0.25
    assert panel.test_value.text() == "25 %"
    with qtbot.waitSignal(panel.config_changed) as blocker:
        panel.samples_spin.setValue(123)
    assert blocker.args[0].samples == 123


def test_dragging_the_noise_slider_resets_once_on_release(panel):
    emitted = []
    panel.config_changed.connect(emitted.append)
    slider = panel.noise_slider
    slider.setSliderDown(True)
    for position in (30, 40, 55):
        slider.setValue(position)
    assert emitted == [] and panel.noise_value.text() == "0.55"
    slider.setSliderDown(False)                         # emits sliderReleased
    assert len(emitted) == 1 and emitted[0].noise == 0.55


def test_returning_to_the_default_gives_none(panel):
    panel.noise_slider.setValue(30)
    panel.noise_slider.setValue(20)
    assert panel.config().noise is None and panel.config() == RunConfig()


def test_regenerate_increments_the_data_seed(panel, qtbot):
    with qtbot.waitSignal(panel.config_changed) as blocker:
        panel.regenerate_button.click()
    assert blocker.args[0].data_seed == DATASETS["flower"].default_seed + 1
    panel.regenerate_button.click()
    assert panel.config().data_seed == DATASETS["flower"].default_seed + 2


def test_csv_source_and_back(panel, qtbot):
    with qtbot.waitSignal(panel.load_csv_requested):
        panel.load_csv_button.click()
    with qtbot.assertNotEmitted(panel.config_changed):      # the main window resets
        panel.set_csv_source("/data/points.csv", None, "multiclass", 4)
    assert panel.config().data_path == "/data/points.csv"
    assert panel.dataset_combo.currentText() == "CSV: points.csv"
    assert panel.dataset_combo.count() == len(DATASETS) + 1
    assert panel.output_label.text() == "softmax + cross-entropy"
    assert not panel.data_form.isRowVisible(panel.samples_spin)
    assert not panel.regenerate_button.isEnabled()         # nothing to redraw…
    panel.test_slider.setValue(20)
    assert panel.regenerate_button.isEnabled()             # …but a split to redraw
    with qtbot.waitSignal(panel.config_changed) as blocker:
        select(panel.dataset_combo, "flower")
    assert blocker.args[0].data_path is None and blocker.args[0].dataset == "flower"
    assert panel.dataset_combo.count() == len(DATASETS)


def test_csv_task_given_after_set_config_keeps_a_fitting_loss(panel):
    config = RunConfig(data_path="/data/prices.csv", loss="l1")
    panel.set_config(config)
    panel.set_csv_source("/data/prices.csv", None, "regression", None)
    assert panel.config() == config and panel.loss_combo.isEnabled()
    panel.set_csv_source("/data/prices.csv", None, "binary", 2)    # l1 no longer fits
    assert panel.config().loss is None
    assert panel.output_label.text() == "sigmoid + cross-entropy"


# --------------------------------------------------------------------------- training

def test_learning_rate_slider_is_live_log_scale_and_never_resets(panel, qtbot):
    values = []
    panel.learning_rate_changed.connect(values.append)
    slider = panel.learning_rate_slider.slider
    with qtbot.assertNotEmitted(panel.config_changed):
        for position in range(slider.minimum(), slider.maximum() + 1, 25):
            slider.setValue(position)
        slider.setValue(slider.maximum())
    assert len(values) > 30
    assert all(1e-4 <= v <= 10 for v in values)
    assert all(a < b for a, b in zip(values, values[1:]))
    assert values[-1] == 10.0
    assert panel.config().learning_rate == 10.0


def test_typed_learning_rate_is_kept_exactly(panel, qtbot):
    field = panel.learning_rate_slider.field
    type_into(qtbot, field, "0.5")
    with qtbot.waitSignal(panel.learning_rate_changed) as blocker, \
            qtbot.assertNotEmitted(panel.config_changed):
        type_into(qtbot, field, "1.2")
    assert blocker.args == [1.2] and panel.config().learning_rate == 1.2
    type_into(qtbot, field, "0.123456789")
    assert panel.config().learning_rate == 0.123456789
    type_into(qtbot, field, "3e-4")
    assert panel.config().learning_rate == 3e-4 and field.text() == "0.0003"
    with qtbot.waitSignal(panel.notice) as notice:
        type_into(qtbot, field, "50")                      # clamped, shown clamped, said
    assert panel.config().learning_rate == 10.0 and field.text() == "10"
    assert notice.args[0] == ("Learning rate α: 50 is outside the range: using the largest "
                              "value, 10 (allowed: 0.0001 to 10).")
    with qtbot.waitSignal(panel.notice) as notice:
        type_into(qtbot, field, "fast")                    # not a number: reverts, said
    assert panel.config().learning_rate == 10.0 and field.text() == "10"
    assert "'fast' is not a finite number: kept 10" in notice.args[0]
    with qtbot.waitSignal(panel.notice) as notice:
        type_into(qtbot, field, "-1")
    assert "using the smallest value, 0.0001" in notice.args[0]
    assert panel.config().learning_rate == 1e-4


def test_init_scale_only_for_random(panel, qtbot):
    assert panel.init_scale_slider.isEnabled()
    for name in INITS:
        select(panel.init_combo, name)
        assert panel.init_scale_slider.isEnabled() == (name == "random")
        assert panel.config().init == name
    select(panel.init_combo, "random")
    with qtbot.waitSignal(panel.config_changed) as blocker:
        type_into(qtbot, panel.init_scale_slider.field, "0.5")
    assert blocker.args[0].init_scale == 0.5


def test_init_and_seed_emit_the_new_value(panel, qtbot):
    with qtbot.waitSignal(panel.config_changed) as blocker:
        select(panel.init_combo, "zeros")
    assert blocker.args[0].init == "zeros"
    with qtbot.waitSignal(panel.config_changed) as blocker:
        type_into(qtbot, panel.seed_spin, "4000000000")
    assert blocker.args[0].seed == 4_000_000_000
    with qtbot.assertNotEmitted(panel.config_changed):
        panel.seed_spin.setValue(4_000_000_000)            # no change, no reset


def test_reinitialize_sets_seed_plus_one_without_config_changed(panel, qtbot):
    with qtbot.waitSignal(panel.reinitialize_requested), \
            qtbot.assertNotEmitted(panel.config_changed):
        panel.reinitialize_button.click()
    assert panel.config().seed == 3 and panel.seed_spin.value() == 3


def test_play_step_reset(panel, qtbot):
    with qtbot.waitSignal(panel.play_toggled) as blocker:
        panel.play_button.click()
    assert blocker.args == [True] and "Pause" in panel.play_button.text()
    with qtbot.waitSignal(panel.play_toggled) as blocker:
        panel.toggle_play()
    assert blocker.args == [False] and "Play" in panel.play_button.text()
    with qtbot.assertNotEmitted(panel.play_toggled):
        panel.set_playing(True)
    assert panel.play_button.isChecked() and "Pause" in panel.play_button.text()
    with qtbot.waitSignal(panel.step_requested) as blocker:
        panel.step_button.click()
    assert blocker.args == [1]
    with qtbot.waitSignal(panel.step_requested) as blocker:
        panel.request_step(100)
    assert blocker.args == [100]
    with qtbot.waitSignal(panel.reset_requested):
        panel.reset_button.click()


# --------------------------------------------------------------------------- set_config

ROUND_TRIP = [
    RunConfig(),
    RunConfig(dataset="spiral", classes=3, hidden_layers=(8, 6),
              activations=("relu", "leaky_relu"), init="he", seed=11, test_fraction=0.2),
    RunConfig(dataset="housing", output="linear", loss="l1", hidden_layers=(1,),
              activations=("relu",), learning_rate=0.05, samples=60, noise=0.35),
    RunConfig(init="zeros", hidden_layers=(4,), activations=("sigmoid",), data_seed=9,
              learning_rate=0.123456789),
    RunConfig(dataset="gaussians", classes=5, hidden_layers=(), activations=(),
              init_scale=0.37, seed=2**32 - 1, samples=250),
    RunConfig(data_path="/data/points.csv", test_data_path="/data/test.csv",
              hidden_layers=(100,), activations=("tanh",)),
]


@pytest.mark.parametrize("config", ROUND_TRIP, ids=lambda c: c.data_path or c.dataset)
def test_set_config_round_trips_silently(panel, qtbot, config):
    panel.add_layer_button.click()                          # start from something else
    select(panel.dataset_combo, "moons")
    with qtbot.assertNotEmitted(panel.config_changed), \
            qtbot.assertNotEmitted(panel.learning_rate_changed), \
            qtbot.assertNotEmitted(panel.reinitialize_requested):
        panel.set_config(config)
    assert panel.config() == config
    assert len(panel.layer_rows) == len(config.hidden_layers)


def test_set_learning_rate_is_silent(panel, qtbot):
    with qtbot.assertNotEmitted(panel.learning_rate_changed):
        panel.set_learning_rate(0.03)
    assert panel.config().learning_rate == 0.03
    assert panel.learning_rate_slider.field.text() == "0.03"


# --------------------------------------------------------------------------- looks

def test_every_interactive_widget_has_a_tooltip(panel):
    panel.add_layer_button.click()
    select(panel.dataset_combo, "spiral")
    widgets = [w for kind in (QAbstractButton, QComboBox, QAbstractSpinBox, QSlider)
               for w in panel.findChildren(kind)]
    assert len(widgets) > 15
    missing = [type(w).__name__ for w in widgets if not w.toolTip().strip()]
    assert missing == []
    assert "α" in panel.learning_rate_slider.slider.toolTip()
    assert "randn(n[l], n[l−1]) × scale" in panel.init_scale_slider.slider.toolTip()


def test_fits_a_300_pixel_column(panel):
    assert panel.minimumSizeHint().width() <= 300


# --------------------------------------------------------------------------- LogSlider

def test_log_slider_positions_and_values(qtbot):
    slider = LogSlider(1e-3, 10.0, 0.01)
    qtbot.addWidget(slider)
    assert slider.value() == 0.01
    assert slider.value_at(0) == 1e-3 and slider.value_at(slider.slider.maximum()) == 10.0
    assert slider.position_of(0.01) == 250
    with qtbot.waitSignal(slider.value_changed) as blocker:
        slider.set_value(1e6)
    assert blocker.args == [10.0] and slider.value() == 10.0
    with qtbot.assertNotEmitted(slider.value_changed):
        slider.set_value(0.2, silent=True)
    assert slider.value() == 0.2


def test_log_slider_drag_commits_on_release(qtbot):
    slider = LogSlider(1e-4, 10.0, 1.0)
    qtbot.addWidget(slider)
    live, committed = [], []
    slider.value_changed.connect(live.append)
    slider.value_committed.connect(committed.append)
    slider.slider.setSliderDown(True)
    slider.slider.setValue(100)
    slider.slider.setValue(200)
    assert len(live) == 2 and committed == []
    slider.slider.setSliderDown(False)
    assert committed == [live[-1]]


@pytest.mark.parametrize("value, text", [(1.2, "1.2"), (0.01, "0.01"), (3e-4, "0.0003"),
                                         (10.0, "10"), (3e-5, "3e-5"), (2.5e-7, "2.5e-7")])
def test_format_number(value, text):
    assert format_number(value) == text
    assert parse_number(text) == value


def test_parse_number_rejects_text_and_accepts_a_decimal_comma():
    assert parse_number("1,5") == 1.5
    assert parse_number("abc") is None and parse_number("nan") is None
    assert parse_number("inf") is None and parse_number("") is None


@pytest.mark.parametrize("dataset,expected", [("flower", "logistic regression"),
                                              ("housing", "linear regression"),
                                              ("gaussians", "softmax regression")])
def test_no_hidden_layer_names_the_model_after_its_output(qtbot, dataset, expected):
    panel = ControlPanel(RunConfig(dataset=dataset, hidden_layers=(), activations=()))
    qtbot.addWidget(panel)
    assert panel.no_layers_label.text().startswith(f"No hidden layer: {expected},")


def test_a_config_with_other_input_features_ticks_exactly_those(panel, qtbot):
    # ticked one by one, x1 and x2 off once left nothing ticked for a moment: the "keep
    # one input" guard ticked x2 back
    config = RunConfig(dataset="circles", hidden_layers=(), activations=(),
                       features=("x1^2", "x2^2"))
    with qtbot.assertNotEmitted(panel.config_changed):
        panel.set_config(config)
    toggles = panel.network_group.inputs_box.toggles
    assert [name for name, box in toggles.items() if box.isChecked()] == ["x1^2", "x2^2"]
    assert panel.config().features == ("x1^2", "x2^2")


def test_the_optimiser_numbers_read_as_the_course_writes_them(panel):
    panel.set_config(RunConfig(optimizer="adam"))
    boxes = panel.training_group.optimisation.beta_boxes
    assert [boxes[k].text() for k in ("beta1", "beta2", "epsilon")] == ["0.9", "0.999", "1e-8"]
    boxes["epsilon"].lineEdit().setText("2e-8")
    boxes["epsilon"].interpretText()
    assert panel.config().epsilon == 2e-8
