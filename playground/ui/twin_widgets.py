"""The twin-runs window's parts: each run's column, the value editors and the shared cost plot.

Runs are told apart by colour (purple A, green B: not class colours) wherever they appear.
"""

from __future__ import annotations

import html

import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QCheckBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from playground.session.snapshot import Snapshot
from playground.session.twin import RUN_NAMES, TwinSnapshot
from playground.ui.status_view import describe_layer
from playground.ui.views import colors
from playground.ui.views.boundary_view import BoundaryView
from playground.ui.views.cost_view import cost_plot, drawable, with_current
from playground.ui.views.network_view import NetworkView
from playground.ui.views.symmetry_view import SymmetryView

RUN_COLORS = ((148, 103, 189), (44, 160, 44))      # purple A, green B: not class colours
RED = "#c00206"
GREEN = "#1b8a2e"


def run_color(run: int) -> QColor:
    """Return run ``run``'s colour (0 = A, 1 = B)."""
    return QColor(*RUN_COLORS[run])


def run_text_color(run: int) -> str:
    """Return run ``run``'s colour darkened for text on the window background."""
    return run_color(run).darker(135).name()


class TwinCostView(QWidget):
    """Both runs' train cost J against the iteration on one plot, A and B in their colours.

    The legend sits under the plot (``legend_label``), where it can never hide a curve.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._data = [(None, None), (None, None)]      # (iterations, costs) per run
        self._names: tuple[str, str] | None = None
        self.plot_widget, self.plot_item = cost_plot()
        self.curves = tuple(self.plot_item.plot(name=name, pen=pg.mkPen(run_color(run),
                                                                         width=2.5))
                            for run, name in enumerate(RUN_NAMES))
        for curve in self.curves:
            curve.setDownsampling(auto=True, method="peak")
            curve.setClipToView(True)
        self.legend_label = QLabel()
        self.legend_label.setTextFormat(Qt.TextFormat.RichText)
        self.log_checkbox = QCheckBox("log y")
        self.log_checkbox.setToolTip("Logarithmic cost axis (costs ≤ 0 are not drawn)")
        self.log_checkbox.toggled.connect(self._on_log_checkbox_toggled)
        bar = QHBoxLayout()
        bar.setContentsMargins(4, 0, 4, 0)
        bar.addWidget(self.log_checkbox)
        bar.addStretch(1)
        bar.addWidget(self.legend_label)
        bar.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.plot_widget, 1)
        layout.addLayout(bar)
        self.set_names(*RUN_NAMES)

    def names(self) -> tuple[str, str]:
        """Return the curves' names, A's first."""
        return self._names

    def set_names(self, name_a: str, name_b: str) -> None:
        """Name the two curves (plot items and the legend under the plot)."""
        if (name_a, name_b) == self._names:
            return
        self._names = (name_a, name_b)
        keys = []
        for run, (curve, name) in enumerate(zip(self.curves, self._names)):
            curve.opts["name"] = name
            keys.append(f"<span style='color:{run_color(run).name()}'><b>━━━</b></span>"
                        f"&nbsp;{html.escape(name)}")
        self.legend_label.setText(" &nbsp; &nbsp; &nbsp; ".join(keys))

    @Slot(object)
    def update_pair(self, pair: TwinSnapshot) -> None:
        """Draw both runs' cost histories (with their current points) from ``pair``."""
        for run, s in enumerate(pair.runs):
            self._data[run] = with_current(s.cost_history, s.iteration, s.cost)
        self._draw_curves()
        a, b = pair.runs
        self.plot_item.setTitle(
            f"cost J at iteration {pair.iteration:,}: &nbsp; "
            f"<span style='color:{run_text_color(0)}'>A {a.cost:.4g}</span> &nbsp; "
            f"<span style='color:{run_text_color(1)}'>B {b.cost:.4g}</span>",
            color=colors.FOREGROUND, size="10pt")

    @Slot(bool)
    def _on_log_checkbox_toggled(self, checked: bool) -> None:
        self.plot_item.setLogMode(y=checked)
        self._draw_curves()
        self.plot_item.enableAutoRange()

    def _draw_curves(self) -> None:
        log_y = self.log_checkbox.isChecked()
        for curve, (x, y) in zip(self.curves, self._data):
            if x is not None:
                curve.setData(*drawable(x, y, log_y))


def status_html(s: Snapshot) -> str:
    """Return a run's numbers and, in words, whether its units are identical (HTML)."""
    accuracy = ("—" if s.train_accuracy is None or s.arch.objective.task == "regression"
                else f"{100 * s.train_accuracy:.1f} %")
    lines = [f"iteration <b>{s.iteration:,}</b> &nbsp;·&nbsp; cost J = <b>{s.cost:.6f}</b>"
             f" &nbsp;·&nbsp; accuracy <b>{accuracy}</b>"]
    for l, (spread, distinct) in enumerate(zip(s.unit_spreads, s.distinct_units), start=1):
        units = s.arch.layer_dims[l]
        text = html.escape(describe_layer(l, units, spread, distinct))
        color = RED if units > 1 and distinct == 1 else GREEN if distinct == units else None
        lines.append(f"<b style='color:{color}'>{text}</b>" if color else text)
    if not s.unit_spreads:
        lines.append("no hidden layer")
    if s.divergence is not None:
        lines.append(f"<b style='color:{RED}'>{html.escape(s.divergence.message)}</b>")
    elif s.message:
        lines.append(html.escape(s.message))
    return "<br>".join(lines)


class RunColumn(QWidget):
    """One run's column: its title, numbers, network diagram beside its decision boundary,
    and its symmetry history: zeros against random reads at a glance.

    ``break_symmetry_requested(run, layer, size)`` re-emits the symmetry view's request
    with the column's run (0 = A, 1 = B).
    """

    break_symmetry_requested = Signal(int, int, float)

    def __init__(self, run: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.run = run
        self.title_label = QLabel(RUN_NAMES[run])
        font = self.title_label.font()
        font.setPointSizeF(font.pointSizeF() * 1.5)
        font.setBold(True)
        self.title_label.setFont(font)
        self.title_label.setStyleSheet(f"color: {run_text_color(run)}")
        self.status_label = QLabel()
        self.status_label.setTextFormat(Qt.TextFormat.RichText)
        self.status_label.setWordWrap(True)
        self.status_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.network_view = NetworkView(editable=False)
        self.boundary_view = BoundaryView()
        self.symmetry_view = SymmetryView()
        for view in (self.symmetry_view, self.network_view):
            view.break_symmetry_requested.connect(
                self._on_symmetry_view_break_symmetry_requested)

        self.pictures = QSplitter(Qt.Orientation.Horizontal)
        self.pictures.addWidget(self.network_view)
        self.pictures.addWidget(self.boundary_view)
        self.pictures.setSizes([320, 320])
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.addWidget(self.pictures)
        self.splitter.addWidget(self.symmetry_view)
        self.splitter.setStretchFactor(0, 2)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([600, 250])
        stripe = QFrame()                      # the run's colour, to find its curve
        stripe.setFixedHeight(4)
        stripe.setStyleSheet(f"background: {run_color(run).name()}")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 2, 4, 2)
        layout.setSpacing(2)
        layout.addWidget(self.title_label)
        layout.addWidget(stripe)
        layout.addWidget(self.status_label)
        layout.addWidget(self.splitter, 1)

    def title(self) -> str:
        return self.title_label.text()

    def set_title(self, text: str) -> None:
        self.title_label.setText(text)

    @Slot(object)
    def update_snapshot(self, snapshot: Snapshot) -> None:
        """Draw this run's ``snapshot`` in every part of the column."""
        self.status_label.setText(status_html(snapshot))
        self.network_view.update_snapshot(snapshot)
        self.boundary_view.update_snapshot(snapshot)
        self.symmetry_view.update_snapshot(snapshot)

    @Slot(int, float)
    def _on_symmetry_view_break_symmetry_requested(self, layer: int, size: float) -> None:
        self.break_symmetry_requested.emit(self.run, layer, size)
