"""The instrument views draw the snapshot's layer histories and ask for commands by signal."""

from __future__ import annotations

import dataclasses
import math
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QTextDocument

from playground.core.gradcheck import (
    CORRECT,
    SUSPICIOUS,
    TOO_SMALL,
    WRONG,
    GradCheckResult,
    gradient_check,
)
from playground.session.config import RunConfig, make_trainer
from playground.session.snapshot import RunState, Snapshot, fake_snapshot, take_snapshot
from playground.ui.views.gradcheck_view import VERDICT_COLORS, GradCheckView
from playground.ui.views.gradient_view import GradientView
from playground.ui.views.health_view import HealthView
from playground.ui.views.instrument_plots import AMBER, GREEN, GREY, RED, layer_color
from playground.ui.views.shapes_view import ShapesView
from playground.ui.views.symmetry_view import SymmetryView, zero_floor

# Showing a top-level window on the offscreen platform logs this harmless warning.
pytestmark = pytest.mark.qt_log_ignore(r"This plugin does not support propagateSizeHints")


# --------------------------------------------------------------------------- snapshots
# Building a snapshot trains a small network; each one is made once per module.

@pytest.fixture(scope="module")
def zeros_sigmoid() -> Snapshot:
    return fake_snapshot(init="zeros", activation="sigmoid", hidden=(4,))


@pytest.fixture(scope="module")
def tanh_43() -> Snapshot:
    return fake_snapshot(hidden=(4, 3))          # xavier, tanh


@pytest.fixture(scope="module")
def relu_dying() -> Snapshot:
    return fake_snapshot(activation="relu", init="random", hidden=(8, 6, 4), iterations=100)


@pytest.fixture(scope="module")
def no_hidden() -> Snapshot:
    return fake_snapshot(hidden=(), iterations=20)


@pytest.fixture(scope="module")
def relu_linear_sigmoid() -> Snapshot:
    config = RunConfig(dataset="flower", hidden_layers=(5, 4, 3),
                       activations=("relu", "linear", "sigmoid"), seed=1, test_fraction=0.2)
    trainer = make_trainer(config)
    trainer.run(30)
    return take_snapshot(trainer, run_id=7, state=RunState.PAUSED, grid=None)


def shown(qtbot, widget):
    qtbot.addWidget(widget)
    widget.resize(480, 320)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def text_color(label_html: str, color: str) -> bool:
    return f"color:{color}" in label_html


def plain(label) -> str:
    """Return what a rich-text label reads as, with ordinary spaces."""
    document = QTextDocument()
    document.setHtml(label.text())
    return document.toPlainText().replace("\xa0", " ")


def points(item) -> int:
    return 0 if item.xData is None else len(item.xData)


# --------------------------------------------------------------------------- symmetry

def test_zero_floor_is_a_decade_below_the_smallest_positive_spread():
    assert zero_floor(np.array([[0.0, 0.03], [2.0, 0.0]])) == pytest.approx(1e-3)
    assert zero_floor(np.zeros((4, 1))) == 1e-3
    assert zero_floor(np.array([[np.inf, np.nan]])) == 1e-3


def test_symmetry_draws_the_history_with_zeros_on_the_floor_line(qtbot, zeros_sigmoid):
    assert zeros_sigmoid.distinct_units == (1,)          # 4 identical units
    view = shown(qtbot, SymmetryView())
    view.update_snapshot(zeros_sigmoid)
    x = zeros_sigmoid.layer_history["iteration"]
    spread = zeros_sigmoid.layer_history["unit_spread"][:, 0]
    assert np.all(spread == 0)
    curve, marker = view.spread_curves[0], view.zero_markers[0]
    assert np.array_equal(curve.xData, x)
    assert np.array_equal(curve.yData, np.full(len(x), view.floor))
    assert np.array_equal(marker.xData, x) and np.all(marker.yData == view.floor)
    assert view.floor_line.isVisible()
    assert view.floor_line.value() == pytest.approx(math.log10(view.floor))   # log axis
    assert "0 — identical" in view.floor_line.label.toPlainText()
    assert view.left_axis.zero_at == pytest.approx(math.log10(view.floor))
    assert view.plot_item.getViewBox().state["logMode"][1]
    assert "layer 1: 1 distinct unit of 4 — symmetric" in plain(view.distinct_label)
    assert text_color(view.distinct_label.text(), RED)


def test_symmetry_draws_positive_spreads_as_they_are(qtbot, tanh_43):
    view = shown(qtbot, SymmetryView())
    view.update_snapshot(tanh_43)
    history = tanh_43.layer_history
    assert len(view.spread_curves) == 2
    for l, curve in enumerate(view.spread_curves, start=1):
        assert np.array_equal(curve.xData, history["iteration"])
        assert np.array_equal(curve.yData, history["unit_spread"][:, l - 1])
        assert points(view.zero_markers[l - 1]) == 0
        assert curve.opts["pen"].color().getRgb()[:3] == layer_color(l)
    assert not view.floor_line.isVisible()
    assert view.left_axis.zero_at is None
    text = plain(view.distinct_label)
    assert tanh_43.distinct_units == (4, 3)
    assert "layer 1: 4 distinct units of 4" in text and "layer 2: 3 distinct units of 3" in text
    assert "symmetric" not in text and not text_color(view.distinct_label.text(), RED)


def test_symmetry_mixes_zero_and_positive_spreads(qtbot, tanh_43):
    history = dict(tanh_43.layer_history)
    spread = history["unit_spread"].copy()
    spread[:10, 0] = 0.0                            # symmetric until a break at iteration 10
    history["unit_spread"] = spread
    view = shown(qtbot, SymmetryView())
    view.update_snapshot(dataclasses.replace(tanh_43, layer_history=history))
    expected_floor = zero_floor(spread)
    assert view.floor == expected_floor < spread[spread > 0].min()
    y = view.spread_curves[0].yData
    assert np.all(y[:10] == view.floor) and np.array_equal(y[10:], spread[10:, 0])
    assert np.array_equal(view.zero_markers[0].xData, history["iteration"][:10])
    assert view.floor_line.isVisible()


def test_break_symmetry_emits_the_chosen_layer_and_size(qtbot, tanh_43):
    view = shown(qtbot, SymmetryView())
    view.update_snapshot(tanh_43)
    assert (view.layer_spin.minimum(), view.layer_spin.maximum()) == (1, 2)
    assert view.size_edit.text() == "0.001"
    with qtbot.waitSignal(view.break_symmetry_requested) as blocker:
        qtbot.mouseClick(view.break_button, Qt.MouseButton.LeftButton)
    assert blocker.args == [1, 1e-3]
    view.layer_spin.setValue(2)
    view.size_edit.setText("2e-2")
    with qtbot.waitSignal(view.break_symmetry_requested) as blocker:
        qtbot.mouseClick(view.break_button, Qt.MouseButton.LeftButton)
    assert blocker.args == [2, 0.02]
    assert "randn(n[l], n[l−1])" in view.break_button.toolTip()
    assert "seed" in view.break_button.toolTip()


@pytest.mark.parametrize("text", ["5", "1e-7", "abc", "", "nan"])
def test_break_symmetry_refuses_a_size_outside_1e_6_to_1(qtbot, tanh_43, text):
    view = shown(qtbot, SymmetryView())
    view.update_snapshot(tanh_43)
    view.size_edit.setText(text)
    assert view.noise_size() is None and not view.break_button.isEnabled()
    with qtbot.assertNotEmitted(view.break_symmetry_requested):
        view._on_break_button_clicked()
    view.size_edit.setText("1")
    assert view.noise_size() == 1.0 and view.break_button.isEnabled()


def test_symmetry_without_hidden_layers_disables_the_break(qtbot, no_hidden, tanh_43):
    view = shown(qtbot, SymmetryView())
    view.update_snapshot(no_hidden)
    assert not view.layer_spin.isEnabled() and not view.break_button.isEnabled()
    assert view.spread_curves == [] and not view.plot_widget.isVisible()
    assert "No hidden layer" in view.distinct_label.text()
    view.update_snapshot(tanh_43)                       # a new architecture rebuilds
    assert view.break_button.isEnabled() and len(view.spread_curves) == 2
    assert view.plot_widget.isVisible()


def test_symmetry_rebuilds_curves_only_for_a_new_architecture(qtbot, tanh_43):
    view = shown(qtbot, SymmetryView())
    view.update_snapshot(tanh_43)
    curves = list(view.spread_curves)
    view.update_snapshot(dataclasses.replace(tanh_43, iteration=301, run_id=2))
    assert view.spread_curves == curves
    assert len(view.plot_item.listDataItems()) == 4        # 2 curves + 2 zero markers


# --------------------------------------------------------------------------- gradients

def test_gradient_view_draws_one_curve_per_layer_on_a_log_axis(qtbot, tanh_43):
    view = shown(qtbot, GradientView())
    view.update_snapshot(tanh_43)
    history = tanh_43.layer_history
    assert len(view.curves) == tanh_43.arch.L == 3
    assert view.plot_item.getViewBox().state["logMode"][1]
    for l, curve in enumerate(view.curves, start=1):
        assert curve.name() == f"layer {l}"
        assert np.array_equal(curve.xData, history["iteration"])
        assert np.array_equal(curve.yData, history["grad_norm"][:, l - 1])
        assert curve.opts["pen"].color().getRgb()[:3] == layer_color(l)
    assert f"at iteration {history['iteration'][-1]:.0f}: " in plain(view.legend_label)
    assert f"layer 3: {history['grad_norm'][-1, 2]:.3g}" in plain(view.legend_label)
    view.relative_checkbox.setChecked(True)
    for l, curve in enumerate(view.curves, start=1):
        assert np.array_equal(curve.yData, history["grad_ratio"][:, l - 1])
    assert "‖W[l]‖" in view.plot_item.getAxis("left").labelText


def test_gradient_view_masks_zero_and_infinite_values(qtbot, zeros_sigmoid):
    view = shown(qtbot, GradientView())
    view.update_snapshot(zeros_sigmoid)
    history = zeros_sigmoid.layer_history
    norm = history["grad_norm"][:, 0]
    assert norm[0] == 0                               # zero init: dW[1] = 0 at iteration 0
    keep = np.isfinite(norm) & (norm > 0)
    assert np.array_equal(view.curves[0].yData, norm[keep])
    assert np.array_equal(view.curves[0].xData, history["iteration"][keep])
    view.relative_checkbox.setChecked(True)
    ratio = history["grad_ratio"][:, 1]
    assert np.isinf(ratio[0])                         # ‖W[2]‖ = 0 at iteration 0
    assert np.all(np.isfinite(view.curves[1].yData)) and len(view.curves[1].yData) < len(ratio)


# --------------------------------------------------------------------------- health

def test_health_view_shows_dead_units_for_relu(qtbot, relu_dying):
    view = shown(qtbot, HealthView())
    view.update_snapshot(relu_dying)
    names = [curve.name() for _, _, curve in view.curves]
    assert names == ["layer 1 dead (ReLU)", "layer 2 dead (ReLU)", "layer 3 dead (ReLU)"]
    dead = relu_dying.layer_history["dead_fraction"]
    assert dead.max() > 0                             # some units die in this run
    for l, key, curve in view.curves:
        assert key == "dead_fraction"
        assert np.array_equal(curve.yData, dead[:, l - 1])
    assert view.plot_item.getViewBox().viewRange()[1] == pytest.approx([-0.04, 1.04])
    assert "Z ≤ 0 on every example" in view.rule_label.text()
    assert "95 %" in view.rule_label.text() and "10 %" in view.rule_label.text()


def test_health_view_shows_saturated_units_for_tanh(qtbot, tanh_43):
    view = shown(qtbot, HealthView())
    view.update_snapshot(tanh_43)
    assert [curve.name() for _, _, curve in view.curves] == ["layer 1 saturated (tanh)",
                                                            "layer 2 saturated (tanh)"]
    saturated = tanh_43.layer_history["saturated_fraction"]
    for l, key, curve in view.curves:
        assert key == "saturated_fraction"
        assert np.array_equal(curve.yData, saturated[:, l - 1])


def test_health_view_says_n_a_for_linear_layers(qtbot, relu_linear_sigmoid, no_hidden):
    view = shown(qtbot, HealthView())
    view.update_snapshot(relu_linear_sigmoid)
    assert [curve.name() for _, _, curve in view.curves] == ["layer 1 dead (ReLU)",
                                                            "layer 3 saturated (sigmoid)"]
    assert "layer 2 (linear): n/a" in plain(view.legend_label)
    view.update_snapshot(no_hidden)
    assert view.curves == [] and "No hidden layer" in view.legend_label.text()


# --------------------------------------------------------------------------- gradient check

def test_verdict_colours_cover_every_word_of_the_core_verdict():
    assert VERDICT_COLORS == {CORRECT: GREEN, SUSPICIOUS: AMBER, WRONG: RED, TOO_SMALL: GREY}


def test_grad_check_emits_0_or_the_bug_layer(qtbot, tanh_43):
    view = shown(qtbot, GradCheckView())
    view.update_snapshot(tanh_43)
    with qtbot.waitSignal(view.gradient_check_requested) as blocker:
        qtbot.mouseClick(view.run_button, Qt.MouseButton.LeftButton)
    assert blocker.args == [0]
    assert not view.bug_spin.isEnabled()
    view.bug_checkbox.setChecked(True)
    assert view.bug_spin.isEnabled() and view.bug_spin.maximum() == 2
    view.bug_spin.setValue(2)
    with qtbot.waitSignal(view.gradient_check_requested) as blocker:
        qtbot.mouseClick(view.run_button, Qt.MouseButton.LeftButton)
    assert blocker.args == [2]
    assert "never affects training" in view.bug_checkbox.toolTip()
    assert "‖g − g̃‖ / (‖g‖ + ‖g̃‖)" in view.formula_label.text()
    assert "ε = 1e-7" in view.formula_label.text()


def test_grad_check_without_hidden_layers_has_no_bug_to_inject(qtbot, no_hidden):
    view = shown(qtbot, GradCheckView())
    view.update_snapshot(no_hidden)
    assert not view.bug_checkbox.isEnabled() and not view.bug_spin.isEnabled()
    with qtbot.waitSignal(view.gradient_check_requested) as blocker:
        qtbot.mouseClick(view.run_button, Qt.MouseButton.LeftButton)
    assert blocker.args == [0]


def test_grad_check_result_is_coloured_by_the_core_verdict(qtbot, tanh_43):
    view = shown(qtbot, GradCheckView())
    view.update_snapshot(tanh_43)
    view.show_result(GradCheckResult(2e-9, (0.4, 2e-5, 3e-9), 1e-7))
    rows = [(view.table.item(r, 0).text(), view.table.item(r, 2).text(),
             view.table.item(r, 1).foreground().color().name()) for r in range(3)]
    assert rows == [("1", "wrong", RED), ("2", "suspicious", AMBER), ("3", "correct", GREEN)]
    assert view.table.item(0, 1).text() == "0.4"
    # A bug in one layer is a bug, however small the overall difference it hides in.
    assert "wrong" in view.result_label.text() and RED in view.result_label.text()
    assert view.note_label.text().startswith("Layer 1: the difference 4.0e-01 is above 0.001")
    view.show_result(GradCheckResult(1.5e-7, (1.5e-7,), 1e-7))     # the course's 2e-7
    assert "correct" in view.result_label.text() and GREEN in view.result_label.text()
    assert view.table.rowCount() == 1


def test_grad_check_says_too_small_to_judge_where_rounding_explains_it(qtbot, zeros_sigmoid):
    """Zero weights on the flower: A[1] = tanh(0) = 0 and the classes balance, so dθ[2] is
    exactly 0, yet rounding gives the two-sided differences ~1e-9: the relative difference
    is 1.0 for a correct backprop."""
    t = make_trainer(RunConfig(init="zeros"))
    result = gradient_check(t.parameters, t.train.X, t.train.Y, t.arch)
    assert result.difference > 0.5
    view = shown(qtbot, GradCheckView())
    view.update_snapshot(zeros_sigmoid)
    view.show_result(result)
    assert "too small to judge" in view.result_label.text() and GREY in view.result_label.text()
    assert "wrong" not in view.result_label.text()
    assert view.table.item(1, 2).text() == "too small to judge"
    assert view.table.item(1, 1).foreground().color().name() == GREY
    assert view.note_label.isVisible() and "rounding" in view.note_label.text()
    assert "rounding" in view.table.item(1, 2).toolTip()


def test_grad_check_result_is_cleared_by_a_new_architecture_or_run(qtbot, tanh_43, no_hidden):
    view = shown(qtbot, GradCheckView())
    view.update_snapshot(tanh_43)
    result = GradCheckResult(1e-9, (1e-9, 1e-9, 1e-9), 1e-7, iteration=tanh_43.iteration)
    view.show_result(result)
    view.update_snapshot(dataclasses.replace(tanh_43, iteration=400))     # same run: kept
    assert view.table.rowCount() == 3 and "correct" in view.result_label.text()
    view.update_snapshot(dataclasses.replace(tanh_43, run_id=9))         # a reset: cleared
    assert view.table.rowCount() == 0 and "correct" not in view.result_label.text()
    view.show_result(result)
    view.update_snapshot(no_hidden)                                      # new architecture
    assert view.table.rowCount() == 0 and not view.table.isVisible()


def test_grad_check_result_is_marked_stale_once_training_moves_on(qtbot, tanh_43):
    view = shown(qtbot, GradCheckView())
    at = tanh_43.iteration
    view.update_snapshot(tanh_43)
    view.show_result(GradCheckResult(1e-9, (1e-9, 1e-9, 1e-9), 1e-7, iteration=at))
    assert not view.stale and not view.stale_label.isVisible()
    assert GREEN in view.result_label.text() and f"at iteration {at}" in view.result_label.text()
    view.update_snapshot(dataclasses.replace(tanh_43, iteration=at + 400))
    assert view.stale and view.stale_label.isVisible()
    assert view.stale_label.text() == (f"Checked at iteration {at}; the run is at {at + 400} — "
                                       "run the check again.")
    assert GREEN not in view.result_label.text() and GREY in view.result_label.text()
    assert {view.table.item(r, c).foreground().color().name()
            for r in range(3) for c in range(3)} == {GREY}
    # A result that arrives after training moved on is stale at once.
    view.show_result(GradCheckResult(1e-9, (1e-9, 1e-9, 1e-9), 1e-7, iteration=at + 100))
    assert view.stale and f"iteration {at + 100}; the run is at {at + 400}" in (
        view.stale_label.text())
    view.show_result(GradCheckResult(1e-9, (1e-9, 1e-9, 1e-9), 1e-7, iteration=at + 400))
    assert not view.stale and not view.stale_label.isVisible()
    assert view.table.item(0, 2).foreground().color().name() == GREEN


# --------------------------------------------------------------------------- shapes

def test_shapes_view_shows_the_notation_with_live_numbers(qtbot, tanh_43):
    view = shown(qtbot, ShapesView())
    view.update_snapshot(tanh_43)
    text = view.browser.toPlainText()
    m = tanh_43.train.m
    assert text.index(f"X (2, {m})") < text.index("W[1] (4, 2)")
    for fragment in ("W[1] (4, 2)", "b[1] (4, 1)", f"Z[1], A[1] (4, {m})", "W[2] (3, 4)",
                     "b[2] (3, 1)", "W[3] (1, 3)", "Z[1] = W[1] A[0] + b[1]",
                     "A[1] = tanh(Z[1])", "dW[2] = dZ[2] A[1]ᵀ / m", "dZ[3] = A[3] − Y",
                     "parameters: 4·2 + 4 = 12", "total: 12 + 15 + 4 = 31 parameters"):
        assert fragment in text, fragment
    assert "<code>" in view.browser.toHtml() or "monospace" in view.browser.toHtml()


def test_shapes_view_follows_the_architecture_and_m(qtbot, tanh_43, zeros_sigmoid):
    view = shown(qtbot, ShapesView())
    view.update_snapshot(tanh_43)
    document = view.browser.document()
    revision = document.revision()
    view.update_snapshot(dataclasses.replace(tanh_43, iteration=999))   # same arch and m
    assert document.revision() == revision
    view.update_snapshot(zeros_sigmoid)
    text = view.browser.toPlainText()
    assert "W[2] (1, 4)" in text and "W[3]" not in text and "sigmoid(Z[1])" in text
    smaller = dataclasses.replace(zeros_sigmoid, train=dataclasses.replace(
        zeros_sigmoid.train, X=zeros_sigmoid.train.X[:, :50], Y=zeros_sigmoid.train.Y[:, :50]))
    view.update_snapshot(smaller)
    assert "X (2, 50)" in view.browser.toPlainText()
