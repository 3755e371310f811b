"""‖dW[l]‖ per layer against the iteration (log y), or ‖dW[l]‖ / ‖W[l]‖: vanishing/exploding.

One curve per layer, in the layer's colour (``layer_color``); the legend under the plot
gives each layer's newest value. Run it with the other instruments:
``python -m playground.ui.views.instruments``.
"""

from __future__ import annotations

import math

import pyqtgraph as pg
from PySide6.QtCore import Slot
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QVBoxLayout, QWidget

from playground.core.network import Architecture
from playground.session.snapshot import Snapshot
from playground.ui.views import colors
from playground.ui.views.cost_view import drawable
from playground.ui.views.instrument_plots import (
    history_series,
    instrument_plot,
    layer_color,
    layer_key,
    wrapping_label,
)


class GradientView(QWidget):
    """‖dW[l]‖ per layer against the iteration on a log axis, or relative to ‖W[l]‖."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._arch: Architecture | None = None
        self._run_id: int | None = None
        self._snapshot: Snapshot | None = None
        self.curves: list[pg.PlotDataItem] = []

        self.plot_widget, self.plot_item = instrument_plot("‖dW[l]‖", "", log_y=True)
        self.plot_widget.setToolTip("‖dW[l]‖ = √(Σᵢⱼ dW[l]ᵢⱼ²), the size of layer l's weight "
                                    "gradient; zeros and non-finite values are not drawn on "
                                    "the log axis")
        self.relative_checkbox = QCheckBox("relative to the weights: ‖dW[l]‖ / ‖W[l]‖")
        self.relative_checkbox.setToolTip(
            "Show ‖dW[l]‖ / ‖W[l]‖ instead of ‖dW[l]‖: how big a step learning_rate · dW[l] is "
            "compared with the weights it changes")
        self.relative_checkbox.toggled.connect(self._on_relative_checkbox_toggled)
        self.legend_label = wrapping_label("no snapshot yet")
        self._show_titles()

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.plot_widget, 1)
        layout.addWidget(self.legend_label)
        bar = QHBoxLayout()
        bar.setContentsMargins(4, 0, 4, 2)
        bar.addWidget(self.relative_checkbox)
        layout.addLayout(bar)

    @property
    def series_key(self) -> str:
        """Return the layer_history key drawn now: "grad_norm" or "grad_ratio"."""
        return "grad_ratio" if self.relative_checkbox.isChecked() else "grad_norm"

    # ------------------------------------------------------------------ public API

    @Slot(object)
    def update_snapshot(self, snapshot: Snapshot) -> None:
        """Draw the gradient norms (or ratios) of ``snapshot``'s history, one curve per layer."""
        self._snapshot = snapshot
        if snapshot.arch != self._arch:
            self._build(snapshot.arch)
        elif snapshot.run_id != self._run_id:       # a new run: its own axes, not the last's
            self.plot_item.enableAutoRange()
        self._run_id = snapshot.run_id
        self._draw()

    # ------------------------------------------------------------------ slots

    @Slot(bool)
    def _on_relative_checkbox_toggled(self, checked: bool) -> None:
        self._show_titles()
        self._draw()
        self.plot_item.enableAutoRange()

    # ------------------------------------------------------------------ building and drawing

    def _build(self, arch: Architecture) -> None:
        self._arch = arch
        for curve in self.curves:
            self.plot_item.removeItem(curve)
        self.curves = []
        for l in range(1, arch.L + 1):
            curve = self.plot_item.plot(name=f"layer {l}", pen=pg.mkPen(layer_color(l), width=2))
            curve.setDownsampling(auto=True, method="peak")
            self.curves.append(curve)
        self.plot_item.enableAutoRange()

    def _show_titles(self) -> None:
        relative = self.relative_checkbox.isChecked()
        self.plot_item.setLabel("left", "‖dW[l]‖ / ‖W[l]‖" if relative else "‖dW[l]‖")
        # Short titles: a long one would make the plot wider than a narrow dock.
        self.plot_item.setTitle("‖dW[l]‖ / ‖W[l]‖ per layer" if relative else
                                "‖dW[l]‖ per layer (near 0: vanishing)",
                                color=colors.FOREGROUND, size="9pt")

    def _draw(self) -> None:
        if self._snapshot is None:
            return
        x, series = history_series(self._snapshot, self.series_key, len(self.curves))
        for l, curve in enumerate(self.curves, start=1):
            curve.setData(*drawable(x, series[:, l - 1], log_y=True))
        newest = series[-1] if len(series) else [math.nan] * len(self.curves)
        entries = [layer_key(l, f"layer {l}: {v:.3g}" if len(series) else f"layer {l}")
                   for l, v in enumerate(newest, start=1)]
        when = f"at iteration {x[-1]:.0f}: " if len(series) else ""
        self.legend_label.setText(when + " &nbsp; ".join(entries))
