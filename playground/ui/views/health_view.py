"""Share of saturated (sigmoid/tanh) or dead (ReLU) units per hidden layer, against the iteration.

Which share a layer gets depends on its activation (``health_measure``); a layer whose
units can neither saturate nor die (linear) is listed as n/a. Run it with the other
instruments: ``python -m playground.ui.views.instruments``.
"""

from __future__ import annotations

import html

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Slot
from PySide6.QtWidgets import QVBoxLayout, QWidget

from playground.core.activations import ACTIVATIONS
from playground.core.instruments import (
    DEAD_ACTIVATIONS,
    SATURATED_SHARE,
    SATURATED_SLOPE,
    SATURATING_ACTIVATIONS,
)
from playground.core.network import Architecture
from playground.session.snapshot import Snapshot
from playground.ui.views.cost_view import drawable
from playground.ui.views.instrument_plots import (
    GREY,
    instrument_plot,
    layer_color,
    layer_key,
    wrapping_label,
)

HEALTH_RULE = (f"saturated: g′(Z) below {SATURATED_SLOPE * 100:g} % of g′(0) on "
               f"≥ {SATURATED_SHARE * 100:g} % of examples; dead: Z ≤ 0 on every example")


def health_measure(activation: str) -> tuple[str, str] | None:
    """Return (layer_history key, word) measuring a layer with ``activation``, or None (n/a)."""
    if activation in DEAD_ACTIVATIONS:
        return "dead_fraction", "dead"
    if activation in SATURATING_ACTIVATIONS:
        return "saturated_fraction", "saturated"
    return None


class HealthView(QWidget):
    """Share of saturated (sigmoid, tanh) or dead (ReLU, leaky ReLU) units per hidden layer."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._arch: Architecture | None = None
        self._run_id: int | None = None
        self.curves: list[tuple[int, str, pg.PlotDataItem]] = []    # (layer, key, curve)
        self._not_measured: list[str] = []                          # "layer 3 (linear): n/a"

        self.plot_widget, self.plot_item = instrument_plot(
            "share of units", "saturated or dead units per hidden layer", log_y=False)
        self.plot_item.setYRange(0.0, 1.0, padding=0.04)
        self.plot_item.enableAutoRange(x=True, y=False)
        self.plot_item.setMouseEnabled(x=True, y=False)
        self.plot_widget.setToolTip(HEALTH_RULE)
        self.legend_label = wrapping_label("no snapshot yet")
        self.rule_label = wrapping_label(html.escape(HEALTH_RULE))
        self.rule_label.setStyleSheet(f"color: {GREY}")

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.plot_widget, 1)
        layout.addWidget(self.legend_label)
        layout.addWidget(self.rule_label)
        layout.addStretch(0)               # takes the room only while the plot is hidden

    # ------------------------------------------------------------------ public API

    @Slot(object)
    def update_snapshot(self, snapshot: Snapshot) -> None:
        """Draw each measurable hidden layer's saturated or dead share from the history."""
        if snapshot.arch != self._arch:
            self._build(snapshot.arch)
        elif snapshot.run_id != self._run_id:       # a new run: its own x axis
            self.plot_item.enableAutoRange(x=True, y=False)
        self._run_id = snapshot.run_id
        history = snapshot.layer_history
        x = history.get("iteration", np.zeros(0))
        entries = []
        for l, key, curve in self.curves:
            y = history.get(key, np.zeros((len(x), snapshot.arch.L - 1)))[:, l - 1]
            curve.setData(*drawable(x, y, log_y=False))
            now = f": {y[-1]:.0%}" if len(y) and np.isfinite(y[-1]) else ""
            entries.append(layer_key(l, curve.name() + now))
        if snapshot.arch.L == 1:
            self.legend_label.setText("No hidden layer: no units to measure.")
        else:
            self.legend_label.setText(" &nbsp; ".join(entries + self._not_measured))

    # ------------------------------------------------------------------ building

    def _build(self, arch: Architecture) -> None:
        self._arch = arch
        for _, _, curve in self.curves:
            self.plot_item.removeItem(curve)
        self.curves, self._not_measured = [], []
        for l, name in enumerate(arch.activations, start=1):
            label = ACTIVATIONS[name].label
            measure = health_measure(name)
            if measure is None:
                self._not_measured.append(
                    html.escape(f"layer {l} ({label}): n/a").replace(" ", "&nbsp;"))
                continue
            key, word = measure
            curve = self.plot_item.plot(name=f"layer {l} {word} ({label})",
                                        pen=pg.mkPen(layer_color(l), width=2))
            self.curves.append((l, key, curve))
        self.plot_widget.setVisible(bool(self.curves))
        if arch.L > 1 and not self.curves:
            self._not_measured.append("— linear units neither saturate nor die")
