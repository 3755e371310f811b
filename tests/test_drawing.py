"""Frames stay cheap: what did not change is not redrawn (the window draws ~35 a second).

Judged by what the user sees (the window's pixels, grabbed) and by counting calls to public
methods (``paint``, ``setImage``) on the items the project's views build.
"""

from __future__ import annotations

import dataclasses
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtCore import QPoint, QPointF, QRect, QRectF, QSettings
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QGraphicsItem, QGraphicsView, QGraphicsWidget, QWidget

from playground.core.grid import make_grid
from playground.session.config import RunConfig, make_trainer
from playground.session.snapshot import RunState, take_snapshot
from playground.ui.main_window import MainWindow
from playground.ui.views.boundary_view import BoundaryView
from playground.ui.views.colors import nice_ceiling
from playground.ui.views.cost_view import CostView, range_frame

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


def run_snapshots(frames: int, every: int, start: int = 0, **config) -> list:
    """Return ``frames`` snapshots of one run, ``every`` iterations apart after ``start``."""
    trainer = make_trainer(RunConfig(**config))
    grid = make_grid(trainer.train.X, 50)
    if start:
        trainer.run(start)
    shots = []
    for _ in range(frames):
        trainer.run(every)
        shots.append(take_snapshot(trainer, run_id=1, state=RunState.RUNNING, grid=grid))
    return shots


@pytest.fixture
def window(qtbot, tmp_path):
    w = MainWindow(settings=QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(w)
    w.resize(1280, 800)
    w.show()
    w.show_tab("weights")                   # the views these tests watch: weights, boundary, cost
    qtbot.waitExposed(w)
    yield w
    w.close()


def show_frame(window: MainWindow, snapshot) -> QImage:
    """Draw ``snapshot`` in ``window`` and return what the window then looks like."""
    window.session.latest = snapshot
    window.draw_now()
    return window.grab().toImage()


def record_calls(items: list, method: str) -> list:
    """Wrap the public ``method`` of each item so that every call appends the item to the
    returned list (Qt calls ``paint`` only when it cannot reuse what it painted before)."""
    calls: list = []
    for item in items:
        setattr(item, method, counted(getattr(item, method), item, calls))
    return calls


def counted(method, item, calls: list):
    """Return ``method`` that first appends ``item`` to ``calls``."""

    def wrapper(*args, **kwargs):
        calls.append(item)
        return method(*args, **kwargs)

    return wrapper


def axes_and_labels(window: QWidget) -> list[QGraphicsItem]:
    """Return every axis and label item of the window's plots, with the text they hold."""
    items = []
    for view in window.findChildren(QGraphicsView):
        for item in view.scene().items():
            if isinstance(item, (pg.AxisItem, pg.LabelItem)):
                items += [item, *item.childItems()]
    return list(dict.fromkeys(items))


def place_of(item: QGraphicsWidget, view: QGraphicsView, widget: QWidget) -> QRect:
    """Return the pixels of ``widget`` that show ``item``'s own rectangle (for an axis: its
    ticks and numbers, not the grid it draws across the plot), one pixel in from the edges."""
    rect = item.mapRectToScene(QRectF(QPointF(0, 0), item.size()))
    in_view = view.mapFromScene(rect).boundingRect()
    top_left = view.viewport().mapTo(widget, in_view.topLeft())
    return QRect(top_left, in_view.size()).adjusted(1, 1, -1, -1)


def pixel_at(image: QImage, view: QGraphicsView, view_box: pg.ViewBox, x: float,
             y: float) -> QColor:
    """Return the colour ``image`` (a grab of ``view``) shows at data point (x, y)."""
    scene = view_box.mapViewToScene(QPointF(x, y))
    point: QPoint = view.viewport().mapTo(view, view.mapFromScene(scene))
    return image.pixelColor(point)


# --------------------------------------------------------------------------- the window


def weights_levels(window: MainWindow) -> list[tuple[float, float]]:
    """Return the levels of each layer's colour bar in the weights view."""
    return [tuple(panel.color_bar.levels()) for panel in window.weights_view.panels]


def test_a_frame_repaints_no_axis_or_label_when_only_data_changed(window):
    before, after = run_snapshots(2, 40, start=320)      # iterations 360 and 400
    first = show_frame(window, before)
    cost_range = window.cost_view.plot_item.getViewBox().viewRange()
    levels = weights_levels(window)
    items = axes_and_labels(window)
    assert len(items) > 20
    painted = record_calls(items, "paint")

    second = show_frame(window, after)

    assert second != first                       # the curves and maps changed …
    assert window.cost_view.plot_item.getViewBox().viewRange() == cost_range
    assert weights_levels(window) == levels      # … no range or colour scale did …
    assert painted == []                         # … so Qt reused every axis and label


def test_axes_move_only_at_nice_steps(window):
    shots = run_snapshots(21, 40)                # iterations 40 … 840
    cost_view = window.cost_view
    bottom = cost_view.plot_item.getAxis("bottom")
    show_frame(window, shots[0])
    axes = [item for item in axes_and_labels(window) if isinstance(item, pg.AxisItem)]
    # A vertical colour bar writes its numbers on its right axis.
    bar_axes = [panel.color_bar.getAxis("right") for panel in window.weights_view.panels]
    names = {bottom: "cost iteration axis"} | {
        axis: f"W[{l}] colour bar" for l, axis in enumerate(bar_axes, start=1)}
    painted = record_calls(axes, "paint")
    strip = place_of(bottom, cost_view.plot_widget, window)
    numbers = show_frame(window, shots[0]).copy(strip)
    levels = weights_levels(window)
    seen = {"cost axis moved": 0, "colour scale moved": 0, "nothing painted": 0}

    for before, shot in zip(shots, shots[1:]):
        painted.clear()
        last, numbers = numbers, show_frame(window, shot).copy(strip)
        last_levels, levels = levels, weights_levels(window)
        # The numbers under the cost plot change exactly when the iteration passes a nice
        # number (40, 80, 120, 200, 250, 300, 400, …); a layer's colour scale when its
        # largest |weight| does. Only those axes are painted again; the others (the
        # boundary's, the cost's J axis, …) are not, whatever the frame drew.
        step = nice_ceiling(shot.iteration) != nice_ceiling(before.iteration)
        assert (numbers != last) == step, shot.iteration
        expected = ["cost iteration axis"] if step else []
        expected += [names[axis] for axis, old, new in zip(bar_axes, last_levels, levels,
                                                             strict=True) if old != new]
        assert sorted(names.get(axis, "another axis") for axis in painted) == sorted(
            expected), f"iteration {shot.iteration}"
        seen["cost axis moved"] += step
        seen["colour scale moved"] += last_levels != levels
        seen["nothing painted"] += not painted

    # The run exercised all three cases, and most frames painted no axis at all.
    assert seen["cost axis moved"] >= 5 and seen["colour scale moved"] >= 3
    assert seen["nothing painted"] >= 5


def test_a_repeated_frame_redraws_no_image(window):
    shots = run_snapshots(2, 40)
    first = show_frame(window, shots[0])
    images = [window.boundary_view.image_item]
    images += [item for panel in window.weights_view.panels
               for item in (panel.w_image, panel.b_image)]
    assert len(images) == 5                      # the boundary, W1, b1, W2, b2
    redrawn = record_calls(images, "setImage")

    again = show_frame(window, dataclasses.replace(shots[0]))   # the same state, resent
    assert redrawn == [] and again == first

    show_frame(window, shots[1])                 # 40 iterations on, the output moved
    assert window.boundary_view.image_item in redrawn


# --------------------------------------------------------------------------- the cost plot


def test_the_cost_range_frame_moves_in_nice_steps():
    x, y = np.array([0.0, 10.0, 730.0]), np.array([0.69, 0.5, 0.27])
    corners = range_frame(x, y, log_y=False)
    assert corners[0].tolist() == [0.0, 800.0] and corners[1].tolist() == [0.0, 0.8]
    corners = range_frame(x, y, log_y=True)      # in the plot's units: log10 on a log axis
    assert corners[1].tolist() == pytest.approx(np.log10([0.25, 0.8]).tolist())
    corners = range_frame(x[1:], y[1:], log_y=False, log_x=True)
    assert corners[0].tolist() == pytest.approx([1.0, np.log10(800.0)])
    assert range_frame(np.zeros(0), np.zeros(0), False) is None


def test_the_cost_view_range_holds_still_within_a_step_and_moves_past_it(qtbot):
    view = CostView()
    qtbot.addWidget(view)
    view.resize(500, 300)
    view.show()
    qtbot.waitExposed(view)
    view_box = view.plot_item.getViewBox()
    shots = run_snapshots(4, 40, start=370)      # iterations 410, 450, 490: below 500; 530

    ranges = []
    for shot in shots:
        view.update_snapshot(shot)
        view.grab()                              # the plot fits its range as it is painted
        ranges.append(view_box.viewRange())

    assert ranges[0] == ranges[1] == ranges[2]
    (x_low, x_high), (y_low, y_high) = ranges[0]
    assert x_low <= 0 and 500 <= x_high < 600    # the frame's corner: 500, not 490
    assert y_low <= 0 and 0.8 <= y_high < 1.0    # J started at 0.69: its nice ceiling 0.8
    assert 600 <= ranges[3][0][1] < 800 and ranges[3][1] == ranges[0][1]
    assert view.title_label.text().startswith(f"J = {shots[3].cost:.4g} at iteration 530")


# --------------------------------------------------------------------------- the boundary


def test_the_boundary_image_moves_to_a_new_grid(qtbot):
    view = BoundaryView()
    qtbot.addWidget(view)
    view.resize(500, 500)
    view.show()
    qtbot.waitExposed(view)
    shot = run_snapshots(1, 10)[0]
    # Two runs whose pictures look the same (P = 0.9 everywhere) on different planes: the
    # second must still be drawn, at its own place.
    first = dataclasses.replace(shot, outputs=np.full_like(shot.outputs, 0.9))
    far = make_grid(shot.train.X + 100.0, shot.grid.resolution)
    second = dataclasses.replace(first, run_id=2, grid=far)
    white = QColor("white")

    def colours_inside(grid) -> list[QColor]:
        """Return the colours shown at eight points of ``grid``'s margin, 4 % in from its
        edges (the grid reaches 10 % of the data's range beyond the data points)."""
        image = view.plot_widget.grab().toImage()
        x_min, x_max, y_min, y_max = grid.extent
        dx, dy = 0.04 * (x_max - x_min), 0.04 * (y_max - y_min)
        xs = (x_min + dx, (x_min + x_max) / 2, x_max - dx)
        ys = (y_min + dy, (y_min + y_max) / 2, y_max - dy)
        return [pixel_at(image, view.plot_widget, view.plot_item.getViewBox(), x, y)
                for i, x in enumerate(xs) for j, y in enumerate(ys) if (i, j) != (1, 1)]

    view.update_snapshot(first)
    shown = colours_inside(first.grid)
    assert shown[0] != white and all(c == shown[0] for c in shown)

    view.update_snapshot(second)
    assert colours_inside(far) == shown          # the same picture, over the new plane
