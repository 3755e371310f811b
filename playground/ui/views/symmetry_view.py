"""Unit spread per hidden layer, the number of distinct units, and a "Break symmetry" control.

The spread of a layer is how far apart its units' rows of [W[l] | b[l]] are; after a zero
initialisation it stays exactly 0 — every unit identical, the symmetry problem. The plot
has a log y axis, so exact zeros are drawn on a "0 — identical" floor line a decade below
the smallest positive spread (``zero_floor``). Below the plot, each layer's number of
distinct units (``distinct_text``), and a request to add noise to W[l] that leaves as the
signal ``break_symmetry_requested`` for the main window to pass to the worker.

Run it with the other instruments: ``python -m playground.ui.views.instruments``.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from playground.core.network import Architecture
from playground.session.snapshot import Snapshot
from playground.ui.log_slider import format_number, parse_number
from playground.ui.views.instrument_plots import (
    AMBER,
    RED,
    LogAxis,
    history_series,
    instrument_plot,
    layer_color,
    layer_key,
    wrapping_label,
)

NOISE_DEFAULT = 1e-3
NOISE_RANGE = (1e-6, 1.0)

BREAK_FORMULA = "W[l] += size · randn(n[l], n[l−1]), drawn from the run's seed"
SPREAD_FORMULA = ("unit spread = the largest distance ‖[W|b]ᵢ − [W|b]ⱼ‖ between two units' "
                  "rows of [W[l] | b[l]]; 0 means every unit of the layer is identical")


def zero_floor(spreads: np.ndarray) -> float:
    """Return where a log axis draws spread 0: a decade below the smallest positive spread.

    1e-3 when no spread is positive (every unit identical all along).
    """
    with np.errstate(invalid="ignore"):
        positive = spreads[np.isfinite(spreads) & (spreads > 0)]
    if positive.size == 0:
        return 1e-3
    return 10.0 ** (math.floor(math.log10(float(np.min(positive)))) - 1)


def distinct_text(l: int, distinct: int, units: int) -> tuple[str, str | None]:
    """Return ("layer 1: 1 distinct unit of 4 — symmetric", colour or None) for layer ``l``."""
    noun = "unit" if distinct == 1 else "units"
    text = f"layer {l}: {distinct} distinct {noun} of {units}"
    if units > 1 and distinct == 1:
        return text + " — symmetric", RED
    if distinct < units:
        return text + " — some units are copies", AMBER
    return text, None


class SymmetryView(QWidget):
    """Unit spread per hidden layer, the distinct-unit count and a "Break symmetry" control.

    Signals
    -------
    break_symmetry_requested(layer, size)  the user asked for W[layer] += size · randn(…).
    """

    break_symmetry_requested = Signal(int, float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._arch: Architecture | None = None
        self._run_id: int | None = None
        self._all_zero = False
        self.floor = 1e-3                             # where spread 0 is drawn
        self.spread_curves: list[pg.PlotDataItem] = []
        self.zero_markers: list[pg.PlotDataItem] = []

        self.plot_widget, self.plot_item = instrument_plot(
            "unit spread", "unit spread per hidden layer", log_y=True)
        self.left_axis: LogAxis = self.plot_item.getAxis("left")
        self.plot_widget.setToolTip(SPREAD_FORMULA)
        self.floor_line = pg.InfiniteLine(
            angle=0, movable=False,
            pen=pg.mkPen(RED, width=1.5, style=Qt.PenStyle.DashLine),
            label="0 — identical", labelOpts={"position": 0.03, "color": RED,
                                              "fill": (255, 255, 255, 220),
                                              "anchors": [(0.0, 1.0), (0.0, 1.0)]})
        self.floor_line.setZValue(-5)
        self.floor_line.setVisible(False)
        # Not log-transformed by the PlotItem: its value is set as log10(floor).
        self.plot_item.addItem(self.floor_line, ignoreBounds=True)

        self.distinct_label = wrapping_label("no snapshot yet")
        self.distinct_label.setToolTip("Units whose [W | b] rows are equal (up to rounding) "
                                       "compute the same function: they count once")

        self.layer_spin = QSpinBox()
        self.layer_spin.setRange(1, 1)
        self.layer_spin.setToolTip(f"Hidden layer l whose weights get the noise: {BREAK_FORMULA}")
        self.size_edit = QLineEdit(format_number(NOISE_DEFAULT))
        self.size_edit.setMaximumWidth(80)
        self.size_edit.setToolTip(f"Noise size, {format_number(NOISE_RANGE[0])} … "
                                  f"{format_number(NOISE_RANGE[1])}: {BREAK_FORMULA}")
        self.size_edit.textChanged.connect(self._on_size_edit_text_changed)
        self.break_button = QPushButton("Break symmetry")
        self.break_button.setToolTip(BREAK_FORMULA)
        self.break_button.clicked.connect(self._on_break_button_clicked)
        self.break_group = QGroupBox("Break the symmetry: add noise to W[l]")
        row = QHBoxLayout(self.break_group)
        row.setContentsMargins(6, 2, 6, 4)
        row.addWidget(QLabel("layer"))
        row.addWidget(self.layer_spin)
        row.addSpacing(8)
        row.addWidget(QLabel("size"))
        row.addWidget(self.size_edit)
        row.addSpacing(8)
        row.addWidget(self.break_button)
        row.addStretch(1)
        self._set_controls_enabled(False)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.plot_widget, 1)
        layout.addWidget(self.distinct_label)
        layout.addStretch(0)               # takes the room only while the plot is hidden
        layout.addWidget(self.break_group)

    # ------------------------------------------------------------------ public API

    @Slot(object)
    def update_snapshot(self, snapshot: Snapshot) -> None:
        """Draw the unit spreads of ``snapshot``'s history and its distinct-unit counts."""
        arch = snapshot.arch
        if arch != self._arch:
            self._build(arch)
        elif snapshot.run_id != self._run_id:       # a new run: its own axes, not the last's
            self._all_zero = False
            self.plot_item.enableAutoRange()
        self._run_id = snapshot.run_id
        x, spreads = history_series(snapshot, "unit_spread", arch.L - 1)
        self.floor = zero_floor(spreads)
        any_zero = False
        for l, (curve, marker) in enumerate(zip(self.spread_curves, self.zero_markers),
                                            start=1):
            y = spreads[:, l - 1]
            keep = np.isfinite(y)
            zero = keep & (y == 0)
            any_zero |= bool(zero.any())
            curve.setData(x[keep], np.where(zero, self.floor, y)[keep])
            marker.setData(x[zero], np.full(int(zero.sum()), self.floor))
        self.floor_line.setVisible(any_zero)
        self.floor_line.setValue(math.log10(self.floor))
        self.left_axis.zero_at = math.log10(self.floor) if any_zero else None
        self.left_axis.picture = None            # the labels depend on zero_at: redraw them
        self.left_axis.update()
        all_zero = any_zero and not np.any(spreads[np.isfinite(spreads)] > 0)
        if all_zero != self._all_zero:           # a single value has no range: give it one
            self._all_zero = all_zero
            if all_zero:
                floor_log = math.log10(self.floor)
                self.plot_item.setYRange(floor_log - 0.5, floor_log + 2.0, padding=0)
            else:
                self.plot_item.enableAutoRange(y=True)
        self._show_distinct(snapshot)

    def noise_size(self) -> float | None:
        """Return the noise size typed in the field, or None if it is not in 1e-6 … 1."""
        size = parse_number(self.size_edit.text())
        if size is None or not NOISE_RANGE[0] <= size <= NOISE_RANGE[1]:
            return None
        return size

    # ------------------------------------------------------------------ slots

    @Slot()
    def _on_break_button_clicked(self) -> None:
        size = self.noise_size()
        if size is not None and self.layer_spin.isEnabled():
            self.break_symmetry_requested.emit(self.layer_spin.value(), size)

    @Slot(str)
    def _on_size_edit_text_changed(self, text: str) -> None:
        valid = self.noise_size() is not None
        self.size_edit.setStyleSheet("" if valid else f"QLineEdit {{ border: 1px solid {RED}; }}")
        self.break_button.setEnabled(valid and self.layer_spin.isEnabled())

    # ------------------------------------------------------------------ building

    def _build(self, arch: Architecture) -> None:
        """Make one spread curve and one zero marker per hidden layer of ``arch``."""
        self._arch = arch
        for item in self.spread_curves + self.zero_markers:
            self.plot_item.removeItem(item)
        self.spread_curves, self.zero_markers = [], []
        for l in range(1, arch.L):
            color = layer_color(l)
            curve = self.plot_item.plot(name=f"layer {l}", pen=pg.mkPen(color, width=2))
            curve.setDownsampling(auto=True, method="peak")
            marker = self.plot_item.plot(name=f"layer {l} identical", pen=None, symbol="o",
                                         symbolSize=6, symbolPen=pg.mkPen(color),
                                         symbolBrush=pg.mkBrush(color))
            self.spread_curves.append(curve)
            self.zero_markers.append(marker)
        hidden = arch.L - 1
        self.plot_widget.setVisible(hidden > 0)
        self.layer_spin.setRange(1, max(hidden, 1))
        self._set_controls_enabled(hidden > 0)
        self._all_zero = False
        self.plot_item.enableAutoRange()

    def _set_controls_enabled(self, enabled: bool) -> None:
        self.layer_spin.setEnabled(enabled)
        self.size_edit.setEnabled(enabled)
        self.break_button.setEnabled(enabled and self.noise_size() is not None)
        self.break_group.setToolTip("" if enabled else "No hidden layer: nothing to break")

    def _show_distinct(self, snapshot: Snapshot) -> None:
        arch = snapshot.arch
        if arch.L == 1:
            self.distinct_label.setText("No hidden layer: the network has no units that could "
                                        "be identical, and nothing to plot here.")
            return
        lines = []
        for l, distinct in enumerate(snapshot.distinct_units, start=1):
            text, color = distinct_text(l, distinct, arch.layer_dims[l])
            entry = layer_key(l, text)
            lines.append(f'<span style="color:{color}"><b>{entry}</b></span>' if color else entry)
        self.distinct_label.setText("<br>".join(lines))
