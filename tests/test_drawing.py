"""Frames stay cheap: what did not change is not redrawn (the window draws ~35 a second)."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QGraphicsItem, QGraphicsView

from playground.core.grid import make_grid
from playground.session.config import RunConfig, make_trainer
from playground.session.snapshot import RunState, take_snapshot
from playground.ui.main_window import MainWindow
from playground.ui.views.cost_view import CostView, range_frame

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


def run_snapshots(frames: int, every: int, **config) -> list:
    """Return ``frames`` snapshots of one run, ``every`` iterations apart."""
    trainer = make_trainer(RunConfig(**config))
    grid = make_grid(trainer.train.X, 50)
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
    qtbot.waitExposed(w)
    yield w
    w.close()


def test_axes_and_labels_are_painted_from_a_cache(window):
    views = [v for v in window.findChildren(QGraphicsView)]
    items = [item for v in views for item in v.scene().items()
             if isinstance(item, (pg.AxisItem, pg.LabelItem))]
    assert len(items) > 10
    assert all(item.cacheMode() == QGraphicsItem.CacheMode.DeviceCoordinateCache
               for item in items)


def test_axes_are_regenerated_only_at_nice_steps(window, qtbot, monkeypatch):
    shots = run_snapshots(21, 40)
    window.session.latest = shots[0]
    window.draw_now()
    qtbot.wait(10)
    regenerated = []
    original = pg.AxisItem.generateDrawSpecs

    def counting(self, painter):
        regenerated.append(self)
        return original(self, painter)

    monkeypatch.setattr(pg.AxisItem, "generateDrawSpecs", counting)
    for shot in shots[1:]:
        window.session.latest = shot
        window.draw_now()
        window.repaint()
    # 20 frames over iterations 40..840: the cost's x axis moves at nice numbers (a few
    # times), nothing else moves; without the frame it was ~5 axes at every frame.
    assert len(regenerated) <= 12


def test_the_cost_range_frame_moves_in_nice_steps():
    x, y = np.array([0.0, 10.0, 730.0]), np.array([0.69, 0.5, 0.27])
    corners = range_frame(x, y, log_y=False)
    assert corners[0].tolist() == [0.0, 800.0] and corners[1].tolist() == [0.0, 0.8]
    corners = range_frame(x, y, log_y=True)
    assert corners[1].tolist() == pytest.approx([0.25, 0.8])
    assert range_frame(np.zeros(0), np.zeros(0), False) is None


def test_the_cost_view_range_holds_still_within_a_step(qtbot):
    view = CostView()
    qtbot.addWidget(view)
    view.resize(500, 300)
    view.show()
    shots = run_snapshots(3, 100)            # iterations 100, 200, 300: all below 400
    view.update_snapshot(shots[1])
    before = view.plot_item.getViewBox().viewRange()
    view.update_snapshot(shots[2])
    assert view.plot_item.getViewBox().viewRange() == before
    assert view.title_label.text().startswith(f"J = {shots[2].cost:.4g} at iteration 300")
