"""Every teaching instrument in one window of tabs, fed with a fake snapshot.

The instruments run together rather than one by one because the gradient check needs
someone to answer its request: here a stand-in for the worker checks the snapshot's own
copy of the parameters. Run it with ``python -m playground.ui.views.instruments``.
"""

from __future__ import annotations

import sys

import numpy as np
from PySide6.QtWidgets import QApplication, QTabWidget

from playground.core.gradcheck import backprop_gradients, backprop_with_bug, gradient_check
from playground.session.snapshot import fake_snapshot
from playground.ui.views.gradcheck_view import GradCheckView
from playground.ui.views.gradient_view import GradientView
from playground.ui.views.health_view import HealthView
from playground.ui.views.shapes_view import ShapesView
from playground.ui.views.symmetry_view import SymmetryView


def run_alone() -> int:
    """Return the exit code of an app showing every instrument fed with a fake snapshot."""
    app = QApplication.instance() or QApplication(sys.argv)
    snapshot = fake_snapshot(init="zeros", activation="sigmoid", hidden=(4, 3))
    tabs = QTabWidget()
    tabs.setWindowTitle("Instruments (zero initialisation, sigmoid)")
    symmetry, checker = SymmetryView(), GradCheckView()
    views = {"symmetry": symmetry, "gradients": GradientView(), "health": HealthView(),
             "gradient check": checker, "shapes": ShapesView()}
    for name, view in views.items():
        tabs.addTab(view, name)
        view.update_snapshot(snapshot)   # type: ignore[attr-defined]

    def check(bug_layer: int) -> None:      # what the worker does, on the snapshot's copy
        p, data = dict(snapshot.parameters), snapshot.train
        columns = slice(None, None, max(1, data.m // 64))
        gradients = backprop_with_bug(bug_layer) if bug_layer else backprop_gradients
        with np.errstate(all="ignore"):
            checker.show_result(gradient_check(p, data.X[:, columns], data.Y[:, columns],
                                               snapshot.arch, gradients=gradients))

    checker.gradient_check_requested.connect(check)
    symmetry.break_symmetry_requested.connect(
        lambda layer, size: tabs.setWindowTitle(f"asked: W[{layer}] += {size:g} · randn"))
    tabs.resize(700, 520)
    tabs.show()
    return app.exec()


if __name__ == "__main__":
    sys.exit(run_alone())
