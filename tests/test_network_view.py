"""The network diagram draws what the snapshot holds and asks for edits the controls' way."""

from __future__ import annotations

import dataclasses
import os
import re
from types import MappingProxyType

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt

from playground.core.grid import make_grid
from playground.core.instruments import UnitStats
from playground.core.network import MAX_HIDDEN_LAYERS
from playground.session.config import RunConfig, make_trainer
from playground.session.snapshot import RunState, Snapshot, fake_snapshot, take_snapshot
from playground.ui.controls.layer_rows import MAX_PANEL_UNITS
from playground.ui.controls.panel import ControlPanel
from playground.ui.views import colors
from playground.ui.views import network_layout as nl
from playground.ui.views.network_view import FRAME_COLOR, GROUP_COLORS, NetworkView

# Showing a top-level window on the offscreen platform logs this harmless warning.
pytestmark = pytest.mark.qt_log_ignore(r"This plugin does not support propagateSizeHints")


# --------------------------------------------------------------------------- snapshots

@pytest.fixture(scope="module")
def net_241() -> Snapshot:
    return fake_snapshot(hidden=(4,), iterations=50)


@pytest.fixture(scope="module")
def net_2881() -> Snapshot:
    return fake_snapshot(hidden=(8, 8), iterations=50)


@pytest.fixture(scope="module")
def zeros() -> Snapshot:
    trainer = make_trainer(RunConfig(samples=361, activations=("sigmoid",), init="zeros"))
    trainer.run(5)
    return take_snapshot(trainer, run_id=1, state=RunState.PAUSED,
                         grid=make_grid(trainer.train.X, 60))


def shown(qtbot, snapshot: Snapshot, width: int = 700, height: int = 450) -> NetworkView:
    """Return a NetworkView at width × height, laid out and drawing ``snapshot``."""
    view = NetworkView()
    qtbot.addWidget(view)
    view.resize(width, height)
    view.show()
    qtbot.waitExposed(view)
    view.update_snapshot(snapshot)
    qtbot.waitUntil(lambda: view.canvas.viewport().width() > 0.9 * width)
    return view


def with_parameters(snapshot: Snapshot, iteration: int | None = None, **arrays) -> Snapshot:
    """Return ``snapshot`` with some parameters replaced (read-only, as a snapshot's are)."""
    parameters = dict(snapshot.parameters)
    for key, value in arrays.items():
        parameters[key] = np.array(value, dtype=float)
        parameters[key].setflags(write=False)
    return dataclasses.replace(snapshot, parameters=MappingProxyType(parameters),
                               iteration=snapshot.iteration if iteration is None else iteration)


def status(view: NetworkView) -> str:
    """Return the status line as the user reads it (without its HTML)."""
    return re.sub(r"<[^>]+>", "", view.status_label.text()).replace("&gt;", ">")


def outlines(view: NetworkView, c: int) -> dict[str, int]:
    """Return how many node outlines column c draws in each colour."""
    return {pen.color().name(): path.elementCount() // 5          # 5 elements per rectangle
            for pen, path in view.columns[c].outlines.batches if path.elementCount()}


def viewport_point(view: NetworkView, scene_point: QPointF):
    return view.canvas.mapFromScene(scene_point)


def link_middle(view: NetworkView, l: int, i: int, j: int) -> QPointF:
    drawing = view.links[l - 1].drawing
    x0, y0, x1, y1 = drawing.segments[drawing.find(i - 1, j - 1)]
    return QPointF((x0 + x1) / 2, (y0 + y1) / 2)


def node_centre(view: NetworkView, c: int, u: int) -> QPointF:
    col = view.diagram.columns[c]
    return QPointF(col.x, float(col.centres()[u - 1]))


# --------------------------------------------------------------------------- layout

def test_plan_gives_every_column_one_node_size_and_folds_only_tall_columns():
    diagram = nl.plan_diagram((2, 8, 8, 1), 700, 450)
    assert diagram.folded == ()
    assert {col.side for col in diagram.columns} == {diagram.node}
    assert diagram.node <= nl.NODE_SHARE * diagram.slot
    xs = [col.x for col in diagram.columns]
    assert xs == sorted(xs) and all(0 < x < 700 for x in xs)
    for col in diagram.columns:                             # every node inside the canvas
        assert col.top >= diagram.layers_y and col.top + col.height <= diagram.foot_y
    tall = nl.plan_diagram((2, 256, 8, 1), 700, 450)
    assert tall.folded == (1,) and tall.node > diagram.node * 0.5
    assert tall.columns[1].top + tall.columns[1].height <= tall.foot_y


def test_strongest_links_keep_k_per_unit_on_both_sides():
    rng = np.random.RandomState(0)
    W = rng.randn(20, 30)
    rows, cols = nl.strongest_links(W, k=3)
    kept = np.zeros(W.shape, dtype=bool)
    kept[rows, cols] = True
    for i in range(20):                                     # each unit of layer l
        assert set(np.argsort(-np.abs(W[i]))[:3]) <= set(np.flatnonzero(kept[i]))
    for j in range(30):                                     # each unit of layer l − 1
        assert set(np.argsort(-np.abs(W[:, j]))[:3]) <= set(np.flatnonzero(kept[:, j]))
    assert kept.sum() <= 3 * (20 + 30)
    assert nl.strongest_links(np.ones((2, 50)))[0].size == 100     # 2 ≤ k: all kept


def test_link_steps_are_signed_and_zero_is_its_own_step():
    steps = nl.link_steps(np.array([-2.0, -1.0, 0.0, 0.01, 0.5, 1.0]), 1.0)
    assert list(steps) == [-nl.LINK_STEPS, -nl.LINK_STEPS, 0, 0, nl.LINK_STEPS // 2,
                           nl.LINK_STEPS]
    assert list(nl.link_steps(np.zeros(3), 0.0)) == [0, 0, 0]
    palette = nl.link_palette(np.full((2 * nl.LINK_STEPS + 1, 3), 200.0), node=48)
    widths = [width for _, width in palette]
    assert widths[nl.LINK_STEPS] == nl.LINK_WIDTH_MIN and widths[0] == widths[-1] == 6.0
    assert palette[nl.LINK_STEPS][0] < palette[0][0] == (200, 200, 200)   # zero: darker


def test_texts_number_units_from_one():
    assert nl.unit_ranges([1, 2, 3, 4, 7, 9, 10]) == "1–4, 7, 9, 10"
    assert nl.group_text(np.array([0, 1, 0, 1, 2])) == (
        "units 1, 3 identical; units 2, 4 identical")
    assert nl.group_text(np.arange(4)) is None
    assert nl.layer_runs([(1, "a"), (2, "a"), (3, None), (4, "a"), (5, "b"), (6, "b")]) == [
        "layers 1–2: a", "layer 4: a", "layers 5–6: b"]
    assert nl.input_names(("x1", "x2"), 2) == ["x₁", "x₂"]
    assert nl.input_names(("size",), 1) == ["size"] and nl.input_names((), 3)[2] == "x₃"


# --------------------------------------------------------------------------- drawing

@pytest.mark.parametrize(("name", "dims", "links"), [
    ("net_241", (2, 4, 1), [8, 4]), ("net_2881", (2, 8, 8, 1), [16, 64, 8])])
def test_one_node_per_unit_and_one_link_per_weight(qtbot, request, name, dims, links):
    view = shown(qtbot, request.getfixturevalue(name))
    assert tuple(col.n for col in view.diagram.columns) == dims
    assert view.diagram.folded == ()
    assert [links.drawing.rows.size for links in view.links] == links
    for c in range(1, len(dims) - 1):                       # every hidden node a map …
        assert view.columns[c].image.image.shape[0] > (dims[c] - 1) * view.node_image(c, 1).shape[0]
        assert tuple(view.columns[c].image.getLevels()) == (-1.0, 1.0)   # … tanh: ±1 fixed
    # each layer's links are one item: the scene's items do not grow with the links
    assert len(view.canvas.scene().items()) < 8 * len(dims) + 2


def test_a_tall_layer_folds_into_a_band_with_its_strongest_links(qtbot):
    snapshot = fake_snapshot(hidden=(256,), iterations=3)
    view = shown(qtbot, snapshot)
    assert view.diagram.folded == (1,)
    band = view.columns[1].image.image
    assert band.shape == (256, 1)                           # one cell per unit
    assert np.allclose(band[:, 0], snapshot.unit_maps[0][:, ::8, ::8].mean(axis=(1, 2)))
    for l in (1, 2):
        rows, cols = nl.strongest_links(snapshot.parameters[f"W{l}"])
        assert view.links[l - 1].drawing.rows.size == rows.size
    assert view.links[0].drawing.rows.size == 2 * 256      # 2 inputs ≤ k: all kept
    assert view.links[1].drawing.rows.size == 256
    assert ("layer 1: folded, 256 units shown as a band of their mean activation over the "
            "input plane; links: the 3 strongest per unit") in status(view)
    assert not view.button("more", 1).isEnabled()          # above the controls' 64 …
    assert emitted_by(qtbot, view, "fewer", 1) == ((255,), ("tanh",))   # … down is fine


def test_a_ten_layer_net_folds_what_does_not_fit_and_unfolds_when_there_is_room(qtbot):
    snapshot = fake_snapshot(hidden=(32,) * 10, iterations=2)
    view = shown(qtbot, snapshot, 700, 450)
    assert view.diagram.folded == tuple(range(1, 11))
    for links in view.links[1:-1]:                          # between two bands: 1 per unit
        assert 32 <= links.drawing.rows.size <= nl.BAND_K * 64
    text = "folded, 32 units shown as a band of their mean activation over the input plane"
    assert f"layers 2–9: {text}; links: the 1 strongest per unit" in status(view)
    assert f"layer 1: {text}; links: the 1 or 3 strongest per unit" in status(view)
    view.resize(1900, 1400)
    qtbot.waitUntil(lambda: view.diagram.folded == ())
    rows, cols = nl.strongest_links(snapshot.parameters["W5"], nl.TOP_K)   # 1024 > FULL_LINKS
    assert view.links[4].drawing.rows.size == rows.size < 32 * 32
    assert "folded" not in status(view)
    assert ("layers 2–10: 32 × 32 weights in W[l], the 3 strongest links per unit drawn"
            in status(view))


def test_links_are_coloured_by_sign_and_sized_by_magnitude(qtbot, net_241):
    view = shown(qtbot, net_241)
    known = with_parameters(net_241, W2=[[1.0, -1.0, 0.0, 0.5]], b2=[[0.0]])
    view.update_snapshot(dataclasses.replace(known, run_id=2))       # a fresh scale: (−1, 1)
    widest = min(6.0, max(2.5, view.diagram.node / 8))
    red, width = view.link_style(2, 1, 1)
    assert red.getRgb()[:3] == colors.class_rgb(1) and width == widest   # +max: end of map
    blue, width = view.link_style(2, 1, 2)
    assert blue.getRgb()[:3] == colors.class_rgb(0) and width == widest
    grey, width = view.link_style(2, 1, 3)
    r, g, b, _ = grey.getRgb()
    assert width == nl.LINK_WIDTH_MIN and max(r, g, b) - min(r, g, b) < 12 and r < 230
    half, width = view.link_style(2, 1, 4)
    assert nl.LINK_WIDTH_MIN < width < widest and half.red() > half.blue()


def test_an_all_zero_matrix_looks_like_zero(qtbot, net_2881):
    view = shown(qtbot, net_2881)
    view.update_snapshot(with_parameters(net_2881, iteration=999, W2=np.zeros((8, 8)),
                                         b2=np.zeros((8, 1))))
    styles = {(c.getRgb(), w) for c, w in
              (view.link_style(2, i, j) for i in range(1, 9) for j in range(1, 9))}
    assert len(styles) == 1 and styles.pop()[1] == nl.LINK_WIDTH_MIN
    assert view.links[1].current == (-1.0, 1.0)


def test_zero_initialisation_draws_identical_nodes_in_one_group(qtbot, zeros):
    view = shown(qtbot, zeros)
    assert tuple(view.columns[1].image.getLevels()) == (0.0, 1.0)   # sigmoid: fixed
    first = view.node_image(1, 1)
    assert all(np.array_equal(view.node_image(1, u), first) for u in range(2, 5))
    k = zeros.grid.resolution // first.shape[1]            # every k-th pixel is drawn
    assert np.array_equal(first, zeros.unit_maps[0][0, ::k, ::k][::-1])   # y up
    assert outlines(view, 1) == {GROUP_COLORS[0]: 4}        # one group, one colour
    assert "layer 1: units 1–4 identical" in status(view)
    assert view.button("break", 1).isVisible()
    for j in (1, 2):                        # every link out of an input looks the same
        assert len({view.link_style(1, i, j)[0].getRgb() for i in range(1, 5)}) == 1


def test_random_initialisation_has_no_group_and_no_break_button(qtbot, net_241):
    view = shown(qtbot, net_241)
    assert outlines(view, 1) == {FRAME_COLOR: 4}
    assert "identical" not in status(view)
    assert not view.button("break", 1).isVisible()


def test_items_are_made_once_per_architecture(qtbot, net_241, net_2881):
    view = shown(qtbot, net_241)
    image, batch = view.columns[1].image, view.links[0].batch
    moved = with_parameters(net_241, iteration=net_241.iteration + 1,
                            W1=-np.asarray(net_241.parameters["W1"]))
    moved = dataclasses.replace(moved, unit_maps=(-net_241.unit_maps[0],))
    view.update_snapshot(moved)
    assert view.columns[1].image is image and view.links[0].batch is batch
    k = net_241.grid.resolution // view.node_image(1, 2).shape[1]
    assert np.array_equal(view.node_image(1, 2), -net_241.unit_maps[0][1, ::k, ::k][::-1])
    view.update_snapshot(net_2881)
    assert view.columns[1].image is not image and len(view.links) == 3


def test_one_dimensional_data_draws_curves_and_many_classes_draw_class_colours(qtbot):
    view = shown(qtbot, fake_snapshot(hidden=(3,), dataset="housing", iterations=20))
    assert view.columns[1].curves.batches[0][1].elementCount() > 3 * 50
    view.update_snapshot(fake_snapshot(hidden=(3,), dataset="gaussians", iterations=20))
    output = view.columns[2].image.image
    assert output.dtype == np.uint8 and output.shape[-1] == 4 and view.diagram.columns[2].n == 3


def test_without_an_input_plane_the_nodes_stay_empty_and_say_why(qtbot, net_241):
    view = shown(qtbot, dataclasses.replace(net_241, grid=None, unit_maps=(), outputs=None))
    assert view.columns[1].image is None and view.links[0].drawing.rows.size == 8
    assert "no input plane to draw on" in status(view)


# --------------------------------------------------------------------------- reading

def test_hovering_a_link_names_the_weight_from_one(qtbot, net_2881):
    view = shown(qtbot, net_2881)
    value = net_2881.parameters["W2"][0, 2]
    text = view.hover_text(link_middle(view, 2, 1, 3))
    assert text.startswith(f"W[2][1, 3] = {value:.4g}   from layer 1, unit 3 to layer 2, unit 1")
    assert view.hover_text(link_middle(view, 1, 5, 2)).startswith(
        f"W[1][5, 2] = {net_2881.parameters['W1'][4, 1]:.4g}   from x₂ to layer 1, unit 5")
    qtbot.mouseMove(view.canvas.viewport(), viewport_point(view, link_middle(view, 2, 1, 3)))
    qtbot.waitUntil(lambda: view.readout_label.text() == text)


def test_hovering_a_node_reads_its_bias_ranges_and_health(qtbot, net_241):
    view = shown(qtbot, net_241)
    stats = net_241.unit_stats[0]
    text = view.hover_text(node_centre(view, 1, 2))
    assert text.startswith(f"layer 1, unit 2 (tanh): b[1][2] = "
                           f"{net_241.parameters['b1'][1, 0]:.4g}")
    assert f"Z[1] ∈ [{stats.z_range[1, 0]:.3g}, {stats.z_range[1, 1]:.3g}]" in text
    assert f"A[1] ∈ [{stats.a_range[1, 0]:.3g}, {stats.a_range[1, 1]:.3g}]" in text
    assert "saturated" not in text and "dead" not in text
    sick = UnitStats(stats.z_range, stats.a_range, np.array([False, True, False, False]),
                     np.array([False, False, False, True]), np.array([0, 1, 0, 2]))
    view.update_snapshot(dataclasses.replace(net_241, unit_stats=(sick,)))
    assert "saturated" in view.hover_text(node_centre(view, 1, 2))
    assert "dead" in view.hover_text(node_centre(view, 1, 4))
    assert view.hover_text(node_centre(view, 1, 1)).endswith("identical to unit 3")
    assert view.hover_text(node_centre(view, 0, 2)).startswith("x₂: input feature 2")
    assert view.hover_text(QPointF(2, 2)) is None


# --------------------------------------------------------------------------- editing

def click_link(qtbot, view: NetworkView, l: int, i: int, j: int) -> None:
    qtbot.mouseClick(view.canvas.viewport(), Qt.MouseButton.LeftButton,
                     pos=viewport_point(view, link_middle(view, l, i, j)))


def test_clicking_a_link_while_paused_asks_to_set_that_weight(qtbot, net_2881):
    view = shown(qtbot, net_2881)
    click_link(qtbot, view, 2, 1, 3)
    qtbot.waitUntil(view.editor.isVisible)
    assert float(view.editor.text()) == net_2881.parameters["W2"][0, 2]
    view.editor.clear()
    qtbot.keyClicks(view.editor, "abc")
    with qtbot.assertNotEmitted(view.weight_edit_requested):
        qtbot.keyClick(view.editor, Qt.Key.Key_Return)
    assert view.editor.isVisible() and "not a number" in view.readout_label.text()
    view.editor.clear()
    qtbot.keyClicks(view.editor, "0,25")                   # a decimal comma is fine
    with qtbot.waitSignal(view.weight_edit_requested) as blocker:
        qtbot.keyClick(view.editor, Qt.Key.Key_Return)
    assert blocker.args == [2, 1, 3, 0.25]
    assert not view.editor.isVisible()
    click_link(qtbot, view, 1, 8, 1)                       # Escape: nothing asked
    qtbot.waitUntil(view.editor.isVisible)
    with qtbot.assertNotEmitted(view.weight_edit_requested):
        qtbot.keyClick(view.editor, Qt.Key.Key_Escape)
    assert not view.editor.isVisible()


def test_clicking_a_link_while_running_edits_nothing(qtbot, net_2881):
    view = shown(qtbot, dataclasses.replace(net_2881, state=RunState.RUNNING))
    with qtbot.assertNotEmitted(view.weight_edit_requested):
        click_link(qtbot, view, 2, 1, 3)
        qtbot.waitUntil(lambda: view.readout_label.text().startswith("Pause the run"))
    assert not view.editor.isVisible()
    view.update_snapshot(net_2881)                         # paused: an editor opens …
    click_link(qtbot, view, 2, 1, 3)
    qtbot.waitUntil(view.editor.isVisible)
    view.update_snapshot(dataclasses.replace(net_2881, state=RunState.RUNNING))
    assert not view.editor.isVisible()                     # … and closes when it runs


# --------------------------------------------------------------------------- +/−

def panel_layers(qtbot, hidden: tuple[int, ...], act) -> tuple[ControlPanel, list]:
    """Return a control panel showing ``hidden`` layers and the configs it will emit."""
    panel = ControlPanel(RunConfig(hidden_layers=hidden, activations=(act,) * len(hidden)))
    qtbot.addWidget(panel)
    emitted: list = []
    panel.config_changed.connect(lambda config: emitted.append(
        (config.hidden_layers, config.activations)))
    return panel, emitted


def emitted_by(qtbot, view: NetworkView, role: str, c: int):
    with qtbot.waitSignal(view.layers_change_requested) as blocker:
        qtbot.mouseClick(view.button(role, c), Qt.MouseButton.LeftButton)
    return blocker.args[0]


def test_plus_minus_buttons_ask_for_what_the_controls_would_make(qtbot, net_2881):
    view = shown(qtbot, net_2881)
    panel, emitted = panel_layers(qtbot, (8, 8), "tanh")
    panel.add_layer_button.click()                         # the panel adds after the last
    assert emitted_by(qtbot, view, "add", 2) == emitted[-1] == ((8, 8, 8), ("tanh",) * 3)
    panel.remove_layer_button.click()
    panel, emitted = panel_layers(qtbot, (8, 8), "tanh")
    panel.layer_rows[0].units.setValue(9)
    assert emitted_by(qtbot, view, "more", 1) == emitted[-1] == ((9, 8), ("tanh", "tanh"))
    panel.layer_rows[1].units.setValue(7)
    assert emitted_by(qtbot, view, "fewer", 2) == ((8, 7), ("tanh", "tanh"))
    assert emitted_by(qtbot, view, "remove", 1) == ((8,), ("tanh",))
    assert emitted_by(qtbot, view, "add", 0) == ((4, 8, 8), ("tanh",) * 3)   # 4 tanh first
    assert emitted_by(qtbot, view, "add", 1) == ((8, 8, 8), ("tanh",) * 3)


def test_buttons_that_would_break_a_limit_are_off_and_say_why(qtbot):
    view = shown(qtbot, fake_snapshot(hidden=(1,) * MAX_HIDDEN_LAYERS, iterations=1))
    assert not view.button("add", 3).isEnabled()
    assert view.button("add", 3).toolTip() == f"At most {MAX_HIDDEN_LAYERS} hidden layers"
    assert not view.button("fewer", 1).isEnabled() and "fewest" in view.button(
        "fewer", 1).toolTip()
    assert view.button("remove", 20).isEnabled() and view.button("more", 20).isEnabled()
    view.update_snapshot(fake_snapshot(hidden=(MAX_PANEL_UNITS,), iterations=1))
    assert not view.button("more", 1).isEnabled() and view.button("fewer", 1).isEnabled()
    with qtbot.assertNotEmitted(view.layers_change_requested):
        view.button("more", 1).click()


def test_break_asks_to_break_the_symmetry_of_its_layer(qtbot, zeros):
    view = shown(qtbot, zeros)
    with qtbot.waitSignal(view.break_symmetry_requested) as blocker:
        qtbot.mouseClick(view.button("break", 1), Qt.MouseButton.LeftButton)
    assert blocker.args == [1, view.noise_size]


def test_a_view_that_cannot_edit_shows_no_buttons_and_opens_no_editor(qtbot, zeros):
    view = NetworkView(editable=False)
    qtbot.addWidget(view)
    view.resize(700, 450)
    view.show()
    view.update_snapshot(zeros)
    qtbot.waitUntil(lambda: view.button("break", 1).isVisible())    # "break" still asks
    assert not any(view.button(role, 1).isVisible() for role in ("add", "remove", "more"))
    click_link(qtbot, view, 1, 1, 1)
    assert not view.editor.isVisible() and view.editing is None


def test_input_nodes_show_the_features_the_network_sees_over_the_raw_plane(qtbot):
    trainer = make_trainer(RunConfig(dataset="circles", hidden_layers=(), activations=(),
                                     features=("x1^2", "sin(x2)"), learning_rate=0.5))
    trainer.run(20)
    grid = make_grid(trainer.shown_train.X, 40)
    view = shown(qtbot, take_snapshot(trainer, run_id=1, state=RunState.PAUSED, grid=grid))
    labels = [label.text() for label in view.columns[0].labels]
    assert labels == ["x₁²", "sin x₂"]
    maps = nl.input_maps(grid.xs, grid.ys, ("x1^2", "sin(x2)"))
    x1, x2 = np.meshgrid(grid.xs, grid.ys)
    np.testing.assert_allclose(maps[0], x1 ** 2 / np.max(x1 ** 2))
    np.testing.assert_allclose(maps[1], np.sin(x2) / np.max(np.abs(np.sin(x2))))
    assert nl.input_names(("x1^2", "x1x2"), 2) == ["x₁²", "x₁x₂"]
