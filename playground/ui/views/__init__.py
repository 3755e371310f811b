"""The plot views: each one QWidget, built once, redrawn from a Snapshot.

- ``boundary_view.BoundaryView``  the decision boundary (or fitted curve) with the data;
- ``cost_view.CostView``          train/test cost J against the iteration;
- ``weights_view.WeightsView``    every W[l] and b[l] as a heat map;
- ``units_view.UnitsView``        every hidden unit's activation over the input plane
                                  (laid out by ``unit_tiles``);
- ``network_view.NetworkView``    the network as nodes and links: each unit's map, each
                                  weight's sign and size, identical units marked; edits
                                  asked for by signals (laid out by ``network_layout``);

and the teaching instruments, which share ``instrument_plots`` (colours, plot, labels):

- ``symmetry_view.SymmetryView``    unit spread per hidden layer (log y; exact zeros on a
                                    "0 — identical" floor line), the number of distinct
                                    units, and a "Break symmetry" button;
- ``gradient_view.GradientView``    ‖dW[l]‖ per layer, or ‖dW[l]‖ / ‖W[l]‖ (log y):
                                    vanishing/exploding;
- ``health_view.HealthView``        share of saturated (sigmoid/tanh) or dead (ReLU) units
                                    per hidden layer;
- ``gradcheck_view.GradCheckView``  runs a gradient check (optionally with an injected
                                    backprop bug) and shows the relative differences,
                                    coloured by the course's thresholds;
- ``shapes_view.ShapesView``        the network in the notes' notation with the shapes
                                    filled in.

Every view takes a Snapshot through its one slot ``update_snapshot`` and reads nothing
else. Each module runs alone with a fake snapshot (``python -m
playground.ui.views.weights_view``); the instruments run together, in tabs, from
``python -m playground.ui.views.instruments``. The modules are not imported here so that
doing so does not import them twice.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

from PySide6.QtWidgets import QApplication, QWidget


def run_alone(make_view: Callable[[], QWidget], title: str, **fake: object) -> int:
    """Return the exit code of an app that shows ``make_view()`` fed with ``fake_snapshot``.

    ``fake`` is passed on to ``playground.session.snapshot.fake_snapshot``.
    """
    from playground.session.snapshot import fake_snapshot

    app = QApplication.instance() or QApplication(sys.argv)
    view = make_view()
    view.setWindowTitle(title)
    view.resize(700, 520)
    view.update_snapshot(fake_snapshot(**fake))  # type: ignore[attr-defined]
    view.show()
    return app.exec()
