"""The plot views draw exactly what the snapshot holds, in place, with fixed colour levels."""

from __future__ import annotations

import dataclasses
import math
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication

from playground.core.datasets import Dataset
from playground.core.grid import make_grid
from playground.session.snapshot import Snapshot, fake_snapshot
from playground.session.trainer import Divergence
from playground.ui.views import colors
from playground.ui.views.boundary_view import BoundaryView
from playground.ui.views.cost_view import CostView
from playground.ui.views.title_label import short_title
from playground.ui.views.unit_tiles import (
    LARGEST,
    SMALLEST,
    columns_fitting,
    compact,
    fit_thumbnails,
    map_sample,
    mosaic,
)
from playground.ui.views.units_view import IDENTICAL_COLOR, MAX_THUMBNAILS, UnitsView
from playground.ui.views.weights_view import WeightsView, index_ticks

# Showing a top-level window on the offscreen platform logs this harmless warning.
pytestmark = pytest.mark.qt_log_ignore(r"This plugin does not support propagateSizeHints")


# --------------------------------------------------------------------------- snapshots
# Building a snapshot trains a small network; each one is made once per module.

@pytest.fixture(scope="module")
def flower() -> Snapshot:
    return fake_snapshot()


@pytest.fixture(scope="module")
def zeros_sigmoid() -> Snapshot:
    return fake_snapshot(init="zeros", activation="sigmoid")


@pytest.fixture(scope="module")
def housing() -> Snapshot:
    return fake_snapshot(hidden=(), dataset="housing")


@pytest.fixture(scope="module")
def gaussians() -> Snapshot:
    return fake_snapshot(dataset="gaussians")


def shown(qtbot, widget):
    qtbot.addWidget(widget)
    widget.resize(600, 450)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def levels(image_item) -> tuple[float, float]:
    lo, hi = image_item.getLevels()
    return float(lo), float(hi)


# --------------------------------------------------------------------------- colours

def test_symmetric_levels_never_collapse_to_zero():
    assert colors.symmetric_levels(np.zeros((3, 2))) == (-1.0, 1.0)
    assert colors.symmetric_levels(np.array([[0.5, -2.0]])) == (-2.0, 2.0)
    assert colors.symmetric_levels(np.array([np.nan, np.inf])) == (-1.0, 1.0)
    assert colors.symmetric_levels([np.array([0.1]), np.array([[-0.3]])]) == (-0.3, 0.3)


def test_steady_levels_grow_at_once_and_shrink_slowly():
    steady = colors.SteadyLevels(decay=0.5)
    assert steady.update(np.array([2.0])) == (-2.0, 2.0)
    assert steady.update(np.array([4.0])) == (-4.0, 4.0)      # grows at once
    assert steady.update(np.array([0.1])) == (-2.0, 2.0)      # halves, not straight to 0.1
    assert steady.update(np.zeros(3)) == (-1.0, 1.0)          # all zero: neutral, forgets
    assert steady.update(np.array([0.01])) == (-0.01, 0.01)


def test_show_image_skips_only_what_would_look_the_same(qtbot):
    item, image = pg.ImageItem(axisOrder="row-major"), np.linspace(-1, 1, 12).reshape(3, 4)
    colors.show_image(item, image, (-2.0, 2.0))
    drawn = item.image
    step = 4.0 * colors.UNSEEN_CHANGE                          # the span (−2, 2) times it
    colors.show_image(item, image + 0.9 * step, (-2.0, 2.0))
    assert item.image is drawn                                 # not drawn again
    for changed, at in ((image + 1.1 * step, (-2.0, 2.0)),     # a change that shows
                        (image, (-1.0, 1.0)),                  # new levels
                        (image[:2], (-1.0, 1.0)),              # new shape
                        (np.where(image[:2] > 0, np.nan, image[:2]), (-1.0, 1.0))):  # NaN
        colors.show_image(item, changed, at)
        assert np.array_equal(item.image, changed, equal_nan=True) and levels(item) == at

def test_nice_numbers_bracket_the_value_in_small_steps():
    for v in (1e-7, 0.0123, 0.45, 1.0, 1.01, 7.3, 9.99, 12.0, 3.4e5):
        up, down = colors.nice_ceiling(v), colors.nice_floor(v)
        assert down <= v <= up and up / v < 1.26 and v / down < 1.26
    assert colors.nice_ceiling(2.0) == 2.0 and colors.nice_ceiling(2.1) == 2.5
    assert colors.nice_floor(0.0999) == pytest.approx(0.08)
    assert colors.nice_ceiling(0.0) == 0.0 and math.isnan(colors.nice_ceiling(math.nan))


def test_activation_levels_are_fixed_by_activation():
    A = np.array([[0.2, 3.0]])
    assert colors.activation_levels("sigmoid", A) == (0.0, 1.0)
    assert colors.activation_levels("tanh", A) == (-1.0, 1.0)
    assert colors.activation_levels("relu", A) == (-3.0, 3.0)


def test_binary_class_colours_are_the_ends_of_the_diverging_map():
    ends = colors.diverging_map().map(np.array([0.0, 1.0]), mode="byte")[:, :3]
    assert [tuple(int(v) for v in c) for c in ends] == [colors.class_rgb(0), colors.class_rgb(1)]
    assert len(set(colors.CLASS_COLORS)) >= 8


def test_class_shading_is_white_when_unsure_and_class_coloured_when_sure():
    P = np.zeros((3, 1, 2))
    P[:, 0, 0] = 1 / 3                       # no preference
    P[:, 0, 1] = (0.0, 0.0, 1.0)             # certain: class 2
    rgba = colors.class_shading(P)
    assert rgba.shape == (1, 2, 4) and rgba.dtype == np.uint8
    assert tuple(rgba[0, 0]) == (255, 255, 255, 255)
    green = 255 - (255 - np.array(colors.class_rgb(2))) * colors.BACKGROUND_STRENGTH
    assert np.allclose(rgba[0, 1, :3], green, atol=1)


# --------------------------------------------------------------------------- boundary

def test_boundary_binary_draws_the_probability_with_levels_0_1(qtbot, flower):
    view = shown(qtbot, BoundaryView())
    view.update_snapshot(flower)
    assert np.array_equal(view.image_item.image, flower.outputs[0])
    assert levels(view.image_item) == (0.0, 1.0)
    assert view.image_item.isVisible() and not view.class_image_item.isVisible()
    assert len(view.train_scatter.data) == flower.train.m
    assert len(view.test_scatter.data) == flower.test.m
    assert "A[3]" in view.plot_item.titleLabel.text


def test_boundary_in_a_narrow_column_keeps_the_colour_bar_inside(qtbot, flower):
    # the long title once set the plot's minimum width: at 340 px the colour bar's
    # numbers were cut off at the right edge
    view = shown(qtbot, BoundaryView())
    view.update_snapshot(flower)
    view.resize(300, 300)
    qtbot.waitUntil(lambda: view.plot_widget.width() == 300)
    QApplication.processEvents()
    axis = view.color_bar.getAxis("right")
    right = axis.mapRectToScene(axis.boundingRect()).right()
    assert view.plot_item.geometry().width() <= 300
    assert right <= view.plot_widget.width()
    title = view.plot_item.titleLabel
    assert title.text == "A[3] = P(y = 1 | x)"          # the short form fits
    assert title.full == "A[3] = P(y = 1 | x): blue → 0, red → 1"
    view.resize(700, 400)
    qtbot.waitUntil(lambda: title.text == title.full)


def test_short_titles_name_what_is_drawn():
    assert short_title("A[1] unit 3 (tanh) over the input plane") == "A[1] unit 3 (tanh)"
    assert short_title("Predicted class (argmax A[2]), paler where less sure") == (
        "Predicted class (argmax A[2])")
    assert short_title("Predicted class (A[2] > 0.5): blue 0, red 1") == (
        "Predicted class (A[2] > 0.5)")
    assert short_title("W[1]") == "W[1]"


def test_boundary_image_sits_on_the_grid_with_y_up(qtbot, flower):
    view = shown(qtbot, BoundaryView())
    view.update_snapshot(flower)
    grid = flower.grid
    assert not view.plot_item.getViewBox().yInverted()
    assert view.plot_item.getViewBox().state["aspectLocked"]
    rect = view.image_item.mapRectToParent(view.image_item.boundingRect())
    x_min, x_max, y_min, y_max = grid.extent
    assert rect.left() == pytest.approx(x_min) and rect.right() == pytest.approx(x_max)
    assert rect.top() == pytest.approx(y_min) and rect.bottom() == pytest.approx(y_max)
    # The pixel under the data point (xs[c], ys[r]) is image row r, column c.
    r, c = 45, 7
    pixel = view.image_item.mapFromParent(QPointF(grid.xs[c], grid.ys[r]))
    assert abs(pixel.y() - r) < 1.0 and abs(pixel.x() - c) < 1.0


def test_boundary_same_picture_on_new_data_moves_to_the_new_grid(qtbot, flower):
    # The same outputs would look the same, but new data puts them on another grid.
    view = shown(qtbot, BoundaryView())
    view.update_snapshot(flower)
    X = flower.train.X * 2
    wider = dataclasses.replace(flower, train=dataclasses.replace(flower.train, X=X),
                                grid=make_grid(X, flower.outputs.shape[-1]))
    view.update_snapshot(wider)
    rect = view.image_item.mapRectToParent(view.image_item.boundingRect())
    x_min, x_max, y_min, y_max = wider.grid.extent
    assert x_min < 2 * flower.grid.extent[0] + 1e-9
    assert rect.left() == pytest.approx(x_min) and rect.right() == pytest.approx(x_max)
    assert rect.top() == pytest.approx(y_min) and rect.bottom() == pytest.approx(y_max)

def test_boundary_discretize_thresholds_at_one_half(qtbot, flower):
    view = shown(qtbot, BoundaryView())
    view.update_snapshot(flower)
    view.discretize_checkbox.setChecked(True)
    assert np.array_equal(view.image_item.image, (flower.outputs[0] > 0.5).astype(float))
    assert "a > 0.5" in view.discretize_checkbox.toolTip()
    view.discretize_checkbox.setChecked(False)
    assert np.array_equal(view.image_item.image, flower.outputs[0])


def test_boundary_shows_a_hidden_unit_until_back_to_output(qtbot, flower):
    view = shown(qtbot, BoundaryView())
    view.update_snapshot(flower)
    view.show_unit(1, 3)
    assert np.array_equal(view.image_item.image, flower.unit_maps[0][2])
    assert levels(view.image_item) == (-1.0, 1.0)             # tanh
    assert "A[1] unit 3" in view.plot_item.titleLabel.text
    assert view.back_button.isVisibleTo(view)
    view.update_snapshot(flower)                               # the choice survives frames
    assert view.shown_unit == (1, 3)
    assert np.array_equal(view.image_item.image, flower.unit_maps[0][2])
    view.back_button.click()
    assert view.shown_unit is None
    assert np.array_equal(view.image_item.image, flower.outputs[0])
    assert not view.back_button.isVisibleTo(view)


def test_boundary_forgets_a_unit_the_new_architecture_lacks(qtbot, flower, housing):
    view = shown(qtbot, BoundaryView())
    view.update_snapshot(flower)
    view.show_unit(2, 3)
    view.update_snapshot(housing)                              # no hidden layers at all
    assert view.shown_unit is None
    with pytest.raises(ValueError):
        view.show_unit(0, 1)


def test_boundary_multiclass_builds_an_rgba_image(qtbot, gaussians):
    view = shown(qtbot, BoundaryView())
    view.update_snapshot(gaussians)
    image = view.class_image_item.image
    r = gaussians.grid.resolution
    assert image.shape == (r, r, 4) and image.dtype == np.uint8
    assert view.class_image_item.isVisible() and not view.image_item.isVisible()
    assert np.array_equal(image, colors.class_shading(gaussians.outputs))
    assert len(view.train_scatter.data) + len(view.test_scatter.data) == 300


def test_boundary_multiclass_discretize_drops_the_confidence_shading(qtbot, gaussians):
    view = shown(qtbot, BoundaryView())
    view.update_snapshot(gaussians)
    view.discretize_checkbox.setChecked(True)
    assert np.array_equal(view.class_image_item.image,
                          colors.class_shading(gaussians.outputs, discretize=True))


def test_boundary_regression_plane_uses_the_data_range(qtbot):
    snapshot = fake_snapshot(dataset="plane", iterations=50)
    view = shown(qtbot, BoundaryView())
    view.update_snapshot(snapshot)
    y = np.concatenate([snapshot.train.Y[0], snapshot.test.Y[0]])
    assert levels(view.image_item) == (y.min(), y.max())
    assert np.array_equal(view.image_item.image, snapshot.outputs[0])
    assert not view.discretize_checkbox.isEnabled()


def test_boundary_1d_data_draws_a_curve_not_an_image(qtbot, housing):
    view = shown(qtbot, BoundaryView())
    view.update_snapshot(housing)
    assert not view.image_item.isVisible() and not view.class_image_item.isVisible()
    assert len(view.curve_items) == 1
    x, y = view.curve_items[0].getOriginalDataset()
    assert np.array_equal(x, housing.grid.xs) and np.array_equal(y, housing.outputs[0])
    assert np.array_equal(view.train_scatter.data["y"], housing.train.Y[0])
    assert not view.plot_item.getViewBox().state["aspectLocked"]
    assert view.plot_item.getAxis("bottom").labelText == "size (1000 sq ft)"


def test_boundary_without_an_input_plane_says_so(qtbot, flower):
    wide = Dataset(np.zeros((3, 4)), np.array([[0.0, 1.0, 0.0, 1.0]]), "binary", "wide")
    snapshot = dataclasses.replace(flower, train=wide, test=None, grid=None, outputs=None,
                                   unit_maps=())
    view = shown(qtbot, BoundaryView())
    view.update_snapshot(snapshot)
    assert view.message_label.isVisible()
    assert view.message_label.text() == "No input plane to draw: the data has 3 features"


def test_boundary_reuses_its_items_for_the_same_run(qtbot, flower, housing):
    view = shown(qtbot, BoundaryView())
    view.update_snapshot(housing)
    items = (view.image_item, view.train_scatter, list(view.curve_items))
    view.update_snapshot(housing)
    assert (view.image_item, view.train_scatter, list(view.curve_items)) == items
    assert items[2][0] is view.curve_items[0]


def test_boundary_export_png_writes_the_plot(qtbot, flower, tmp_path):
    view = shown(qtbot, BoundaryView())
    view.update_snapshot(flower)
    path = tmp_path / "boundary.png"
    view.export_png(str(path))
    image = QImage(str(path))
    assert not image.isNull() and image.width() > 100 and image.height() > 100
    with pytest.raises(OSError):
        view.export_png(str(tmp_path / "missing-dir" / "x.png"))


# --------------------------------------------------------------------------- cost

def test_cost_curve_is_the_history_plus_the_current_point(qtbot, flower):
    view = shown(qtbot, CostView())
    view.update_snapshot(flower)
    x, y = view.train_curve.getOriginalDataset()
    history = flower.cost_history
    assert np.array_equal(x, np.append(history[:, 0], flower.iteration))
    assert np.array_equal(y, np.append(history[:, 1], flower.cost))
    assert view.plot_item.getAxis("bottom").labelText == "iteration"
    assert view.plot_item.getAxis("left").labelText == "cost J"


def test_cost_test_curve_and_divergence_marker(qtbot, flower):
    test_history = np.array([[0.0, 0.9], [100.0, 0.5], [200.0, 0.4]])
    snapshot = dataclasses.replace(
        flower, test_cost_history=test_history,
        divergence=Divergence(iteration=250, what="cost is nan", learning_rate=9.0,
                              kept_iteration=249))
    view = shown(qtbot, CostView())
    view.update_snapshot(snapshot)
    x, y = view.test_curve.getOriginalDataset()
    assert np.array_equal(x, [0.0, 100.0, 200.0, flower.iteration])
    assert y[-1] == flower.test_cost
    assert view.test_curve.opts["pen"].style() == Qt.PenStyle.DashLine
    assert view.divergence_line.isVisible() and view.divergence_line.value() == 250
    assert view.divergence_line.label.textItem.toPlainText() == "diverged at iteration 250"
    assert view.legend() == ["train J", "test J"]
    view.update_snapshot(dataclasses.replace(flower, test_cost_history=np.zeros((0, 2))))
    assert not view.divergence_line.isVisible()
    assert view.legend() == ["train J"]                                    # no test set


@pytest.mark.parametrize("log_x", [False, True])
def test_cost_divergence_marker_and_its_label_show_past_a_nice_last_iteration(qtbot, flower,
                                                                           log_x):
    """A run diverges one iteration after its last point: ending at a nice iteration (4,
    1000), the axis used to end there too and cut the marker and its label off."""
    history = np.array([[0.0, 0.7], [2.0, 0.6], [4.0, 0.5]])
    snapshot = dataclasses.replace(
        flower, cost_history=history, iteration=4, cost=0.5, test_cost_history=np.zeros((0, 2)),
        divergence=Divergence(iteration=5, what="cost is inf", learning_rate=2.0,
                              kept_iteration=4))
    view = shown(qtbot, CostView())
    view.log_x_checkbox.setChecked(log_x)
    view.update_snapshot(snapshot)
    view_box = view.plot_item.getViewBox()
    qtbot.waitUntil(lambda: view_box.viewRange()[0][1] > view.divergence_line.value())
    view.grab()                                 # painted: the label takes its place
    label = view.divergence_line.label
    assert view_box.sceneBoundingRect().contains(label.mapRectToScene(label.boundingRect()))


def test_cost_log_mode_hides_costs_that_have_no_logarithm(qtbot, flower):
    history = np.array([[0.0, 1.0], [1.0, 0.0], [2.0, np.inf], [3.0, 0.5]])
    snapshot = dataclasses.replace(flower, cost_history=history, iteration=4, cost=0.25)
    view = shown(qtbot, CostView())
    view.update_snapshot(snapshot)
    assert np.array_equal(view.train_curve.getOriginalDataset()[0], [0, 1, 3, 4])
    view.log_checkbox.setChecked(True)
    assert view.plot_item.ctrl.logYCheck.isChecked()
    assert view.train_curve.opts["logMode"] == [False, True]
    assert np.array_equal(view.train_curve.getOriginalDataset()[0], [0, 3, 4])
    view.log_checkbox.setChecked(False)
    assert not view.plot_item.ctrl.logYCheck.isChecked()


def test_cost_hover_reads_the_nearest_point(qtbot, flower):
    view = shown(qtbot, CostView())
    view.update_snapshot(flower)
    view_box = view.plot_item.getViewBox()
    qtbot.waitUntil(lambda: view_box.viewRange()[0][1] >= 100)    # the auto-range settled
    scene_pos = view_box.mapViewToScene(QPointF(100.2, float(flower.cost_history[100, 1])))
    view._on_scene_mouse_moved((scene_pos,))
    assert view.readout_label.text() == (f"iteration 100: J = {flower.cost_history[100, 1]:.6g}"
                                         f"    test J = {flower.test_cost_history[100, 1]:.6g}")
    assert view.hover_marker.isVisible()


# --------------------------------------------------------------------------- weights

def test_weights_one_panel_per_layer_with_symmetric_shared_levels(qtbot, flower):
    view = shown(qtbot, WeightsView())
    view.update_snapshot(flower)
    assert len(view.panels) == flower.arch.L == 3
    for panel in view.panels:
        W, b = flower.parameters[f"W{panel.l}"], flower.parameters[f"b{panel.l}"]
        assert np.array_equal(panel.w_image.image, W)
        assert np.array_equal(panel.b_image.image, b)
        lo, hi = levels(panel.w_image)
        biggest = max(np.abs(W).max(), np.abs(b).max())
        assert lo == -hi and hi == colors.nice_ceiling(biggest) and biggest <= hi < 1.25 * biggest
        assert levels(panel.b_image) == (lo, hi)
        assert panel.w_plot.getViewBox().yInverted()          # unit 1 on top, like the matrix
    assert view.panels[0].w_plot.titleLabel.text == "W[1]  (4, 2)"
    assert view.panels[0].b_plot.titleLabel.text == "b[1]  (4, 1)"


def test_weights_all_zero_matrix_shows_the_neutral_colour(qtbot):
    snapshot = fake_snapshot(init="zeros", iterations=5)
    view = shown(qtbot, WeightsView())
    view.update_snapshot(snapshot)
    panel = view.panels[0]                                     # W[1] stays 0 with tanh
    assert not np.any(panel.w_image.image)
    lo, hi = levels(panel.w_image)
    assert hi > 0 and lo == -hi


def test_weights_levels_shrink_slowly_and_only_with_training(qtbot, flower):
    view = shown(qtbot, WeightsView())
    view.update_snapshot(flower)
    p = flower.parameters
    biggest = max(np.abs(p["W1"]).max(), np.abs(p["b1"]).max())
    hi = levels(view.panels[0].w_image)[1]
    view.update_snapshot(flower)                               # same frame: same levels
    assert levels(view.panels[0].w_image)[1] == hi
    small = {k: v / 10 for k, v in flower.parameters.items()}
    view.update_snapshot(dataclasses.replace(flower, parameters=small, iteration=301))
    assert levels(view.panels[0].w_image)[1] == colors.nice_ceiling(0.98 * biggest)
    view.update_snapshot(dataclasses.replace(flower, parameters=small, run_id=2))
    assert levels(view.panels[0].w_image)[1] == colors.nice_ceiling(biggest / 10)  # fresh


def test_weights_rebuild_only_when_the_architecture_changes(qtbot, flower):
    view = shown(qtbot, WeightsView())
    view.update_snapshot(flower)
    panels = list(view.panels)
    view.update_snapshot(dataclasses.replace(flower, iteration=400))
    assert all(a is b for a, b in zip(view.panels, panels, strict=True))
    smaller = fake_snapshot(hidden=(5,), iterations=2)
    view.update_snapshot(smaller)                    # fewer layers: rows re-used, one gone
    assert len(view.panels) == 2 and view.panels[0] is panels[0]
    assert panels[2].w_plot.scene() is None
    assert view.panels[0].w_plot.titleLabel.text == "W[1]  (5, 2)"
    assert view.panels[1].w_plot.titleLabel.text == "W[2]  (1, 5)"
    assert view.panels[1].w_image.image.shape == (1, 5)
    assert view.panels[0].w_plot.getViewBox().viewRange()[1] == [0, 5]
    view.update_snapshot(flower)                      # and back: a row is added again
    assert len(view.panels) == 3 and view.panels[1] is panels[1]
    assert view.panels[2].w_plot.titleLabel.text == panels[2].w_plot.titleLabel.text
    assert all(np.array_equal(p.w_image.image, flower.parameters[f"W{p.l}"])
               for p in view.panels)


def test_weights_a_change_too_small_to_see_is_not_drawn_but_reads_out(qtbot, flower):
    view = shown(qtbot, WeightsView())
    view.update_snapshot(flower)
    panel = view.panels[1]
    drawn, (lo, hi) = panel.w_image.image, levels(panel.w_image)
    W2 = flower.parameters["W2"] + (hi - lo) * colors.UNSEEN_CHANGE / 2
    nudged = dataclasses.replace(flower, iteration=flower.iteration + 1,
                                 parameters={**flower.parameters, "W2": W2})
    view.update_snapshot(nudged)
    assert levels(panel.w_image) == (lo, hi) and panel.w_image.image is drawn
    box = panel.w_plot.getViewBox()            # the read-out is the snapshot's own value
    assert f"{W2[0, 2]:.4g}" != f"{flower.parameters['W2'][0, 2]:.4g}"
    assert f"= {W2[0, 2]:.4g} " in view.cell_text(box.mapViewToScene(QPointF(2.5, 0.5)))
    W2 = flower.parameters["W2"] + (hi - lo) * colors.UNSEEN_CHANGE * 2
    view.update_snapshot(dataclasses.replace(nudged, iteration=flower.iteration + 2,
                                             parameters={**flower.parameters, "W2": W2}))
    assert np.array_equal(panel.w_image.image, W2)

def test_weights_hover_names_the_cell_one_based(qtbot, flower):
    view = shown(qtbot, WeightsView())
    view.update_snapshot(flower)
    view_box = view.panels[1].w_plot.getViewBox()
    W2 = flower.parameters["W2"]
    text = view.cell_text(view_box.mapViewToScene(QPointF(2.5, 0.5)))   # row 0, column 2
    assert text.startswith(f"W[2] row 1 (unit 1), column 3 (input a[1]₃) = {W2[0, 2]:.4g}")
    b_box = view.panels[0].b_plot.getViewBox()
    b1 = flower.parameters["b1"]
    assert view.cell_text(b_box.mapViewToScene(QPointF(0.5, 3.5))) == (
        f"b[1] row 4 (unit 4) = {b1[3, 0]:.4g}")


def test_weights_ticks_stay_readable_for_wide_layers():
    assert [label for _, label in index_ticks(4, "x")] == ["x₁", "x₂", "x₃", "x₄"]
    assert [label for _, label in index_ticks(256, most=6)] == [
        "1", "50", "100", "150", "200", "250"]
    assert len(index_ticks(256)) <= 12
    assert index_ticks(3)[0][0] == 0.5                         # centred on the cell


# --------------------------------------------------------------------------- units

def shown_at(qtbot, view, width, height):
    """Show ``view`` at width × height and let it lay out."""
    qtbot.addWidget(view)
    view.resize(width, height)
    view.show()
    qtbot.waitExposed(view)
    return resized(qtbot, view, width, height)


def resized(qtbot, view, width, height):
    view.resize(width, height)
    qtbot.waitUntil(lambda: (view.width(), view.height()) == (width, height))
    QApplication.processEvents()                 # the scroll area's own layout request
    return view


def in_pane(view, scene_rect) -> bool:
    """Return whether ``scene_rect`` shows entirely inside the scroll area's viewport."""
    graphics, pane = view.graphics_view, view.scroll_area.viewport()
    rect = graphics.mapFromScene(scene_rect).boundingRect()
    rect.moveTopLeft(graphics.viewport().mapTo(pane, rect.topLeft()))
    return pane.rect().contains(rect)


def thumbnail_width(view) -> float:
    return view.thumbnail_scene_rect(1, 1).width()


def test_units_one_thumbnail_per_unit_on_a_fixed_scale(qtbot, flower):
    view = shown(qtbot, UnitsView())
    view.update_snapshot(flower)
    assert [len(row.frames) for row in view.rows] == [4, 3]
    for row in view.rows:
        assert levels(row.mosaic) == (-1.0, 1.0)               # tanh, never auto-levelled
        for u in range(row.n_units):
            assert np.array_equal(view.thumbnail_image(row.l, u + 1),
                                  flower.unit_maps[row.l - 1][u])
    assert view.rows[0].caption.toPlainText() == (
        "layer 1 · tanh · 4 units · 4 distinct · colours ±1")
    assert view.rows[0].caption.toolTip().endswith("blue -1, white 0, red 1")
    assert thumbnail_width(view) == view.thumbnail_scene_rect(2, 3).width()   # one size


def test_units_fit_thumbnails_takes_the_largest_size_and_balances_lines():
    step = 1.1
    assert fit_thumbnails([8], 430, 60, step) == (49, 8)       # one line: all it can be
    assert fit_thumbnails([8], 430, 230, step) == (100, 4)     # two lines of 4, not 5 + 3
    assert fit_thumbnails([8], 430, 100, step) == (49, 8)      # a near-tie stays on one
    assert fit_thumbnails([4], 2000, 1000, step) == (LARGEST, 4)
    size, columns = fit_thumbnails([64, 64], 430, 230, step)
    assert size < SMALLEST                                      # the caller scrolls then
    assert columns_fitting(430, 49, step) == 8 and columns_fitting(10, 49, step) == 1


def test_units_compact_numbers():
    assert [compact(v) for v in (7.69e6, 0.8312, 1.0, 1.2e-5, 250.0)] == [
        "7.7e6", "0.83", "1", "1.2e-5", "2.5e2"]


def test_units_mosaic_keeps_line_one_on_top_and_gaps_transparent():
    maps = np.arange(10 * 2 * 2, dtype=float).reshape(10, 2, 2)
    image = mosaic(maps, columns=8, gap=1)
    assert image.shape == (2 * 3 - 1, 8 * 3 - 1)
    assert np.array_equal(image[3:5, 0:2], maps[0])            # unit 1: top line, first cell
    assert np.array_equal(image[0:2, 3:5], maps[9])            # unit 10: second line
    assert np.isnan(image[2]).all() and np.isnan(image[0:2, 6:8]).all()   # gap, empty cell
    assert mosaic(maps, columns=3, gap=1).shape == (4 * 3 - 1, 3 * 3 - 1)


@pytest.mark.parametrize("units", [8, 16])
def test_units_every_thumbnail_and_caption_fits_a_small_pane(qtbot, units):
    snapshot = fake_snapshot(hidden=(units,), activation="relu", iterations=5)
    view = shown_at(qtbot, UnitsView(), 430, 250)
    view.update_snapshot(snapshot)
    assert all(in_pane(view, view.thumbnail_scene_rect(1, u)) for u in range(1, units + 1))
    assert in_pane(view, view.rows[0].caption.sceneBoundingRect())
    assert not view.scroll_area.verticalScrollBar().isVisible()
    assert thumbnail_width(view) >= 40


def test_units_few_units_get_larger_thumbnails_and_resizing_relays_out(qtbot):
    view = shown_at(qtbot, UnitsView(), 430, 250)
    view.update_snapshot(fake_snapshot(hidden=(8,), iterations=5))
    eight = thumbnail_width(view)
    snapshot = fake_snapshot(hidden=(4,), iterations=5)
    view.update_snapshot(snapshot)
    four = thumbnail_width(view)
    assert four >= 60 and four >= eight        # 8 units wrap to 4 + 4 at the same size
    items = [(row.mosaic, row.caption, *row.frames) for row in view.rows]
    pixels = [view.thumbnail_image(1, u).copy() for u in range(1, 5)]
    resized(qtbot, view, 900, 400)
    assert thumbnail_width(view) > four
    assert [(row.mosaic, row.caption, *row.frames) for row in view.rows] == items
    assert all(np.array_equal(view.thumbnail_image(1, u), pixels[u - 1]) for u in range(1, 5))
    assert all(in_pane(view, view.thumbnail_scene_rect(1, u)) for u in range(1, 5))
    resized(qtbot, view, 200, 400)                             # too narrow for one line
    assert view.rows[0].columns < 4
    assert all(np.array_equal(view.thumbnail_image(1, u), snapshot.unit_maps[0][u - 1])
               for u in range(1, 5))
    assert view.unit_at(view.thumbnail_scene_rect(1, 4).center()) == (1, 4)


def test_units_map_sample_keeps_the_pitch_and_the_display_resolution():
    assert map_sample(100, 12, 50) == 2            # 50 of 100 pixels fill 50 on screen
    assert map_sample(100, 12, 51) == 1
    assert map_sample(100, 12, 25) == 4
    assert map_sample(100, 12, 100) == 1
    assert map_sample(60, 7, 10) == 1              # 7 does not halve: the pitch would drift


def test_units_small_thumbnails_show_every_other_pixel_in_place(qtbot):
    snapshot = fake_snapshot(hidden=(16,), iterations=5, resolution=100)
    view = shown_at(qtbot, UnitsView(), 430, 150)
    view.update_snapshot(snapshot)
    size = thumbnail_width(view)
    assert 28 <= size <= 50 and view.sample == 2
    image = view.rows[0].mosaic
    columns = view.rows[0].columns
    assert image.image.shape[1] == columns * 56 - 6     # columns of 50 pixels, gaps of 6
    for u in range(1, 17):
        assert np.array_equal(view.thumbnail_image(1, u), snapshot.unit_maps[0][u - 1][::2, ::2])
    # the image spans exactly the thumbnails' frames
    first, last = view.thumbnail_scene_rect(1, 1), view.thumbnail_scene_rect(1, 16)
    assert image.sceneBoundingRect() == first.united(last)
    resized(qtbot, view, 1400, 700)                # large thumbnails: every pixel again
    assert thumbnail_width(view) > 50 and view.sample == 1
    assert np.array_equal(view.thumbnail_image(1, 16), snapshot.unit_maps[0][15])


def test_units_many_layers_scroll_down_never_sideways(qtbot):
    snapshot = fake_snapshot(hidden=(40, 40, 40), iterations=1)
    view = shown_at(qtbot, UnitsView(), 430, 250)
    view.update_snapshot(snapshot)
    QApplication.processEvents()
    assert view.scroll_area.verticalScrollBar().isVisible()
    assert thumbnail_width(view) >= SMALLEST
    pane_width = view.scroll_area.viewport().width()
    for l in (1, 2, 3):
        rect = view.thumbnail_scene_rect(l, 40)                # the widest line's last cell
        assert view.graphics_view.mapFromScene(rect).boundingRect().right() < pane_width


def test_units_zero_init_sigmoid_units_look_identical(qtbot, zeros_sigmoid):
    view = shown(qtbot, UnitsView())
    view.update_snapshot(zeros_sigmoid)
    first = view.rows[0]
    assert zeros_sigmoid.distinct_units[0] == 1
    thumbnails = [view.thumbnail_image(1, u) for u in range(1, first.n_units + 1)]
    assert all(np.array_equal(t, thumbnails[0]) for t in thumbnails)
    assert levels(first.mosaic) == (0.0, 1.0)
    assert "all units identical" in first.caption.toPlainText()
    assert IDENTICAL_COLOR in first.title                       # in red


def test_units_click_emits_layer_and_unit_one_based(qtbot, flower):
    view = shown(qtbot, UnitsView())
    view.update_snapshot(flower)
    graphics = view.graphics_view
    centre = view.thumbnail_scene_rect(1, 3).center()
    assert view.unit_at(centre) == (1, 3)
    with qtbot.waitSignal(view.unit_clicked, timeout=1000) as blocker:
        qtbot.mouseClick(graphics.viewport(), Qt.MouseButton.LeftButton,
                         pos=graphics.mapFromScene(centre))
    assert blocker.args == [1, 3]
    assert view.unit_at(view.thumbnail_scene_rect(2, 2).center()) == (2, 2)
    corner = view.thumbnail_scene_rect(1, 1).bottomRight() + QPointF(2, 2)   # in the gap
    assert view.unit_at(corner) is None


def test_units_wide_layer_shows_the_first_64(qtbot):
    snapshot = fake_snapshot(hidden=(70,), iterations=1)
    view = shown_at(qtbot, UnitsView(), 250, 400)               # the caption has to wrap
    view.update_snapshot(snapshot)
    row = view.rows[0]
    assert len(row.frames) == MAX_THUMBNAILS
    assert np.array_equal(view.thumbnail_image(1, 64), snapshot.unit_maps[0][63])
    assert "showing the first 64" in row.caption.toPlainText()
    assert in_pane(view, row.caption.sceneBoundingRect())


def test_units_1d_data_draws_curves(qtbot):
    snapshot = fake_snapshot(hidden=(3,), dataset="housing", activation="relu", iterations=5)
    view = shown(qtbot, UnitsView())
    view.update_snapshot(snapshot)
    row = view.rows[0]
    assert row.mosaic is None and len(row.frames) == 3 and row.columns == 3
    lo, hi = row.current_levels
    assert lo == -hi                                            # relu: symmetric from max |A|
    x, y = row.curve.getData()
    k = snapshot.grid.resolution
    unit_2 = slice(k + 1, 2 * k + 1)                            # curves are NaN-separated
    expected = np.clip((snapshot.unit_maps[0][1] - lo) / (hi - lo), 0, 1)
    assert np.allclose(y[unit_2], expected) and x[unit_2].min() >= 1.0   # in cell 2
    assert np.isnan(y[k])


def test_units_rebuild_only_when_the_architecture_changes(qtbot, flower, housing):
    view = shown(qtbot, UnitsView())
    view.update_snapshot(flower)
    items = [(row.mosaic, row.caption, *row.frames) for row in view.rows]
    view.update_snapshot(dataclasses.replace(flower, iteration=301))
    assert [(row.mosaic, row.caption, *row.frames) for row in view.rows] == items
    view.update_snapshot(housing)                               # no hidden layer
    assert view.message_label.isVisibleTo(view) and "No hidden layers" in (
        view.message_label.text())
    resized(qtbot, view, 300, 300)                              # no snapshot to re-tile from
    view.update_snapshot(flower)
    assert not view.message_label.isVisibleTo(view)


EVERYWHERE = QRectF(-1e5, -1e5, 2e5, 2e5)      # a scene query that asks the BSP index


def stale_index_entries(view, kept_rows, dataset="flower") -> list:
    """Return the items the scene's index still finds although a rebuild took them out.

    ``kept_rows`` keeps the removed items alive, so a stale entry is found, not a crash.
    """
    view.update_snapshot(fake_snapshot(hidden=(2,), dataset=dataset, iterations=1))
    scene = view.graphics_view.scene()
    assert kept_rows and all(row.block.scene() is None for row in kept_rows)
    return [item for item in scene.items(EVERYWHERE) if item.scene() is not scene]


def test_units_retiling_keeps_the_scene_index_exact(qtbot):
    """Re-tiling reshapes the mosaic image; the scene index must drop its old extent,
    or deleting the item on the next rebuild leaves a dangling pointer (a segfault)."""
    snapshot = fake_snapshot(hidden=(8,), iterations=1)
    view = shown_at(qtbot, UnitsView(), 200, 400)
    view.update_snapshot(snapshot)
    scene = view.graphics_view.scene()
    for width in (900, 200):                      # 8 columns, then fewer: a new shape
        resized(qtbot, view, width, 400)
        scene.items(EVERYWHERE)                               # index the items now
    assert view.rows[0].columns < 8
    assert stale_index_entries(view, list(view.rows)) == []


def test_units_new_curves_keep_the_scene_index_exact(qtbot):
    """1-D data: every frame's curves have new bounds, which the index must follow."""
    view = shown_at(qtbot, UnitsView(), 600, 450)
    scene = view.graphics_view.scene()
    for iterations in (1, 100):
        view.update_snapshot(fake_snapshot(hidden=(8, 8), dataset="housing",
                                           iterations=iterations))
        scene.items(EVERYWHERE)                               # index the items now
    assert stale_index_entries(view, list(view.rows), "housing") == []


def test_cost_legend_sits_under_the_plot_and_rate_changes_are_marked(qtbot, flower):
    view = shown(qtbot, CostView())
    snapshot = dataclasses.replace(flower, rate_changes=((120, 0.3), (121, 0.2), (250, 0.9)))
    view.update_snapshot(snapshot)
    assert view.legend() == ["train J", "test J", "α changed"]
    plot_rect = view.plot_widget.geometry()
    assert view.legend_label.geometry().top() >= plot_rect.bottom()     # never over the curve
    x, _ = view.rate_lines.getOriginalDataset()
    assert list(x) == [121, 121, 250, 250]          # 120 and 121 merge: the last one counts
    view_box = view.plot_item.getViewBox()
    qtbot.waitUntil(lambda: view_box.viewRange()[0][1] >= 260)
    point = view_box.mapViewToScene(QPointF(260.0, float(flower.cost_history[260, 1])))
    view._on_scene_mouse_moved((point,))
    assert "α = 0.9 since iteration 250" in view.readout_label.text()


def test_cost_log_x_leaves_out_iteration_zero_and_reads_hover_on_the_log_axis(qtbot, flower):
    view = shown(qtbot, CostView())
    view.update_snapshot(flower)
    view.log_x_checkbox.setChecked(True)
    x, _ = view.train_curve.getData()
    assert x[0] == pytest.approx(0.0)                     # log10(1): iteration 0 is gone
    view_box = view.plot_item.getViewBox()
    qtbot.waitUntil(lambda: view_box.viewRange()[0][0] < 0.5 < 2 < view_box.viewRange()[0][1])
    point = view_box.mapViewToScene(QPointF(2.0, float(flower.cost_history[100, 1])))
    view._on_scene_mouse_moved((point,))
    assert view.readout_label.text().startswith("iteration 100:")


def test_an_image_of_infinite_values_is_drawn_again_without_a_warning(qtbot):
    import pyqtgraph as pg

    from playground.ui.views import colors
    item = pg.ImageItem()
    image = np.array([[np.inf, 1.0], [-np.inf, 0.0]], dtype=np.float32)
    colors.show_image(item, image, (-1.0, 1.0))
    colors.show_image(item, image.copy(), (-1.0, 1.0))      # inf − inf: no RuntimeWarning
    item.render()
    assert item.image.tolist() == [[1.0, 1.0], [-1.0, 0.0]]   # drawn at the scale's ends


@pytest.mark.parametrize(("value", "dtype", "levels"), [
    (1e37, np.float32, (-2.6, 4.4)),          # a float32 map of ŷ far beyond the targets
    (3e38, np.float32, (-1e300, 1e300)),      # levels beyond float32: drawn in float64
    (1e306, np.float64, (-1.0, 1.0)),
    (1e-320, np.float64, colors.symmetric_levels(np.array([1e-320]))),
])
def test_values_far_outside_the_levels_draw_at_the_scale_end_without_overflow(qtbot, value,
                                                                             dtype, levels):
    item = pg.ImageItem(colorMap=colors.diverging_map())
    image = np.array([[value, -value], [np.nan, 0.0]], dtype=dtype)
    colors.show_image(item, image, levels)
    item.render()                           # pyqtgraph's rescaling: the suite errs on warnings
    drawn = item.image
    assert drawn[0, 0] == pytest.approx(min(value, levels[1]), rel=1e-6)
    assert drawn[0, 1] == pytest.approx(max(-value, levels[0]), rel=1e-6)
    assert np.isnan(drawn[1, 0]) and drawn[1, 1] == 0.0


def test_levels_stay_finite_and_wide_enough_to_divide_by():
    """Near float64's limits a nice ceiling is inf, and 255 / (2·1e-320) overflows."""
    for values in (np.array([1.7e308]), np.array([1e-320])):
        lo, hi = colors.symmetric_levels(values)
        assert math.isfinite(255.0 / (hi - lo)) and math.isfinite(hi - lo)
        steady = colors.SteadyLevels()
        lo, hi = steady.update(values)
        assert math.isfinite(255.0 / (hi - lo)) and math.isfinite(hi - lo)
    assert colors.SteadyLevels().update(np.array([1.7e308])) == (-1e300, 1e300)


@pytest.mark.parametrize("activation", ["relu", "linear", "sigmoid"])
def test_every_view_draws_a_run_about_to_diverge(qtbot, activation):
    """Just before a divergence is caught, parameters and maps can be finite but huge: the
    random-use test once drew ŷ ≈ 1e37 (float32) against targets in (−3, 4) and pyqtgraph
    overflowed while painting."""
    from playground.session.config import RunConfig, make_trainer
    from playground.session.snapshot import RunState, take_snapshot
    from playground.ui.views.network_view import NetworkView
    trainer = make_trainer(RunConfig(hidden_layers=(8,), activations=(activation,),
                                     output="linear", loss="mse", dataset="plane"))
    trainer.run(3)
    shot = take_snapshot(trainer, run_id=1, state=RunState.PAUSED,
                         grid=make_grid(trainer.train.X, 40))
    for big in (1e37, 3e38):
        with np.errstate(over="ignore"):
            huge = dataclasses.replace(
                shot, outputs=np.full_like(shot.outputs, big),
                unit_maps=tuple(np.full_like(m, big) for m in shot.unit_maps),
                parameters={k: np.full_like(v, big * 1e270) for k, v in shot.parameters.items()})
        for view_type in (NetworkView, BoundaryView, UnitsView, WeightsView):
            view = view_type()
            qtbot.addWidget(view)
            view.resize(600, 400)
            view.show()
            qtbot.waitExposed(view)
            view.update_snapshot(huge)
            assert not view.grab().toImage().isNull()


def test_cost_shows_the_epoch_cost_apart_from_the_noisy_mini_batch_cost(qtbot):
    from playground.core.grid import make_grid
    from playground.session.config import RunConfig, make_trainer
    from playground.session.snapshot import RunState, take_snapshot
    trainer = make_trainer(RunConfig(batch_size=100, shuffle_seed=1, learning_rate=0.5))
    trainer.run(40)                                     # 10 epochs of 4 mini-batches
    frame = take_snapshot(trainer, run_id=1, state=RunState.PAUSED,
                          grid=make_grid(trainer.shown_train.X, 20))
    view = shown(qtbot, CostView())
    view.update_snapshot(frame)
    assert view.legend() == ["mini-batch J", "epoch J"]
    x, y = view.epoch_curve.getData()
    assert list(x) == [4 * e for e in range(1, 11)]
    np.testing.assert_array_equal(y, trainer.epoch_history()[:, 1])
    plain = make_trainer(RunConfig())
    plain.run(10)
    view.update_snapshot(take_snapshot(plain, run_id=2, state=RunState.PAUSED, grid=None))
    assert view.legend() == ["train J"] and len(view.epoch_curve.getData()[0] or []) == 0
    dropout = make_trainer(RunConfig(keep_prob=0.8))     # one batch, but a noisy J
    dropout.run(10)
    view.update_snapshot(take_snapshot(dropout, run_id=3, state=RunState.PAUSED, grid=None))
    assert view.legend() == ["train J, dropped out", "epoch J"]
    x, y = view.epoch_curve.getData()
    assert list(x) == list(range(1, 11))
    np.testing.assert_array_equal(y, dropout.epoch_history()[:, 1])
