"""Teaching instruments: what the network's layers are doing, and why it learns (or not).

- ``SymmetryView``   unit spread per hidden layer (log y; exact zeros on a "0 — identical"
                     floor line), the number of distinct units, and a "Break symmetry" button;
- ``GradientView``   ‖dW[l]‖ per layer, or ‖dW[l]‖ / ‖W[l]‖ (log y): vanishing/exploding;
- ``HealthView``     share of saturated (sigmoid/tanh) or dead (ReLU) units per hidden layer;
- ``GradCheckView``  runs a gradient check (optionally with an injected backprop bug) and
                     shows the relative differences, coloured by the course's thresholds;
- ``ShapesView``     the network in the notes' notation with the shapes filled in.

Like the other views, each is built once and updated in place from a Snapshot through its
one slot ``update_snapshot``; the plots' curves are rebuilt only when the architecture
changes. Requests (break symmetry, gradient check) leave as signals for the main window to
connect to the worker; nothing here reads anything but snapshots (and a check's result).
Layer l has the same colour in every instrument (``layer_color``).

Run alone with a fake snapshot: ``python -m playground.ui.views.instruments_view``.
"""

from __future__ import annotations

import html
import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from playground.core.activations import ACTIVATIONS
from playground.core.gradcheck import EPSILON, GradCheckResult
from playground.core.instruments import (
    DEAD_ACTIVATIONS,
    SATURATED_SHARE,
    SATURATED_SLOPE,
    SATURATING_ACTIVATIONS,
)
from playground.core.network import Architecture
from playground.core.shapes import describe_shapes
from playground.session.snapshot import Snapshot
from playground.ui.log_slider import format_number, parse_number
from playground.ui.views import colors
from playground.ui.views.cost_view import drawable

GREEN = "#1b8a2e"
AMBER = "#b86e00"
RED = "#c00206"
GREY = "#606060"

NOISE_DEFAULT = 1e-3
NOISE_RANGE = (1e-6, 1.0)
CORRECT_BELOW = 1e-7        # a gradient check difference below this: backprop is right
SUSPICIOUS_BELOW = 1e-3     # … up to this: look again; above: a bug
TABLE_ROWS = 8              # layers the check's table shows before it scrolls
TINY_GRADIENT = 1e-5        # ‖dW[l]‖ below this: the differences' rounding (~1e-9) dominates

BREAK_FORMULA = "W[l] += size · randn(n[l], n[l−1]), drawn from the run's seed"
SPREAD_FORMULA = ("unit spread = the largest distance ‖[W|b]ᵢ − [W|b]ⱼ‖ between two units' "
                  "rows of [W[l] | b[l]]; 0 means every unit of the layer is identical")
DIFFERENCE_FORMULA = "difference = ‖g − g̃‖ / (‖g‖ + ‖g̃‖)"
HEALTH_RULE = (f"saturated: g′(Z) below {SATURATED_SLOPE * 100:g} % of g′(0) on "
               f"≥ {SATURATED_SHARE * 100:g} % of examples; dead: Z ≤ 0 on every example")


#: Layer colours: the class palette without its red, which here means "something is wrong".
LAYER_COLORS = tuple(c for k, c in enumerate(colors.CLASS_COLORS) if k != 1)


def layer_color(l: int) -> tuple[int, int, int]:
    """Return the RGB bytes of layer ``l`` (1-based): the same colour in every instrument."""
    return LAYER_COLORS[(l - 1) % len(LAYER_COLORS)]


def layer_key(l: int, text: str) -> str:
    """Return HTML for one legend entry: a line in layer ``l``'s colour, then ``text``."""
    r, g, b = layer_color(l)
    return (f'<span style="color:rgb({r},{g},{b})"><b>━━</b></span>&nbsp;'
            f'{html.escape(text).replace(" ", "&nbsp;")}')


class LogAxis(pg.AxisItem):
    """An axis whose log-mode labels are only 1, 2 and 5 × 10ᵏ, and that can name a floor "0".

    ``zero_at`` (log10 of a value, or None): the tick there reads "0" and nothing below it
    is labelled — for a log plot that draws exact zeros on a floor line.
    """

    def __init__(self, orientation: str = "left", **kwargs: object) -> None:
        super().__init__(orientation, **kwargs)
        self.zero_at: float | None = None
        self._thin = True          # label only 1, 2, 5 × 10ᵏ (off when less than a decade shows)

    def logTickValues(self, minVal, maxVal, size, stdTicks):  # pyqtgraph's names
        levels = super().logTickValues(minVal, maxVal, size, stdTicks)
        self._thin = maxVal - minVal > 1.0
        seen: set[float] = set()
        unique = []                # a decade is in the major AND the minor level: draw it once
        for spacing, values in levels:
            fresh = [v for v in values if round(v, 9) not in seen]
            seen.update(round(v, 9) for v in fresh)
            unique.append((spacing, fresh))
        if self.zero_at is None:
            return unique
        z = self.zero_at
        unique = [(spacing, [v for v in values if v > z + 0.25]) for spacing, values in unique]
        return [(1.0, [z] if minVal <= z <= maxVal else []), *unique]

    def logTickStrings(self, values, scale, spacing):  # pyqtgraph's name
        strings = super().logTickStrings(values, scale, spacing)
        shown = []
        for v, text in zip(values, strings):
            if self.zero_at is not None and abs(v - self.zero_at) < 1e-9:
                shown.append("0")
            else:
                leading = round(10 ** (v - math.floor(v)), 6)
                thin_out = self._thin and leading not in (1.0, 2.0, 5.0, 10.0)
                shown.append("" if thin_out else text)
        return shown


def _plot(left: str, title: str, log_y: bool) -> tuple[pg.PlotWidget, pg.PlotItem]:
    """Return a white plot styled like the cost view, iteration along x."""
    widget = pg.PlotWidget(background=colors.BACKGROUND, axisItems={"left": LogAxis("left")})
    plot = widget.getPlotItem()
    colors.style_plot(plot)
    plot.setLabel("bottom", "iteration")
    plot.setLabel("left", left)
    plot.setTitle(title, color=colors.FOREGROUND, size="9pt")
    plot.showGrid(x=True, y=True, alpha=0.15)
    plot.setMenuEnabled(False)
    plot.setLogMode(y=log_y)
    return widget, plot


def _wrapping_label(text: str = "") -> QLabel:
    label = QLabel(text)
    label.setTextFormat(Qt.TextFormat.RichText)
    label.setWordWrap(True)
    label.setContentsMargins(4, 0, 4, 0)
    return label


def _history(snapshot: Snapshot, key: str, columns: int) -> tuple[np.ndarray, np.ndarray]:
    """Return (iterations (k,), series (k, columns)) of ``snapshot.layer_history[key]``."""
    history = snapshot.layer_history
    x = history.get("iteration", np.zeros(0))
    series = history.get(key, np.zeros((len(x), columns)))
    return x, series


# ------------------------------------------------------------------------------ symmetry

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
        self._all_zero = False
        self.floor = 1e-3                             # where spread 0 is drawn
        self.spread_curves: list[pg.PlotDataItem] = []
        self.zero_markers: list[pg.PlotDataItem] = []

        self.plot_widget, self.plot_item = _plot(
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

        self.distinct_label = _wrapping_label("no snapshot yet")
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
        x, spreads = _history(snapshot, "unit_spread", arch.L - 1)
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


# ------------------------------------------------------------------------------ gradients

class GradientView(QWidget):
    """‖dW[l]‖ per layer against the iteration on a log axis, or relative to ‖W[l]‖."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._arch: Architecture | None = None
        self._snapshot: Snapshot | None = None
        self.curves: list[pg.PlotDataItem] = []

        self.plot_widget, self.plot_item = _plot("‖dW[l]‖", "", log_y=True)
        self.plot_widget.setToolTip("‖dW[l]‖ = √(Σᵢⱼ dW[l]ᵢⱼ²), the size of layer l's weight "
                                    "gradient; zeros and non-finite values are not drawn on "
                                    "the log axis")
        self.relative_checkbox = QCheckBox("relative to the weights: ‖dW[l]‖ / ‖W[l]‖")
        self.relative_checkbox.setToolTip(
            "Show ‖dW[l]‖ / ‖W[l]‖ instead of ‖dW[l]‖: how big a step learning_rate · dW[l] is "
            "compared with the weights it changes")
        self.relative_checkbox.toggled.connect(self._on_relative_checkbox_toggled)
        self.legend_label = _wrapping_label("no snapshot yet")
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
        x, series = _history(self._snapshot, self.series_key, len(self.curves))
        for l, curve in enumerate(self.curves, start=1):
            curve.setData(*drawable(x, series[:, l - 1], log_y=True))
        newest = series[-1] if len(series) else [math.nan] * len(self.curves)
        entries = [layer_key(l, f"layer {l}: {v:.3g}" if len(series) else f"layer {l}")
                   for l, v in enumerate(newest, start=1)]
        when = f"at iteration {x[-1]:.0f}: " if len(series) else ""
        self.legend_label.setText(when + " &nbsp; ".join(entries))


# ------------------------------------------------------------------------------ health

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
        self.curves: list[tuple[int, str, pg.PlotDataItem]] = []    # (layer, key, curve)
        self._not_measured: list[str] = []                          # "layer 3 (linear): n/a"

        self.plot_widget, self.plot_item = _plot(
            "share of units", "saturated or dead units per hidden layer", log_y=False)
        self.plot_item.setYRange(0.0, 1.0, padding=0.04)
        self.plot_item.enableAutoRange(x=True, y=False)
        self.plot_item.setMouseEnabled(x=True, y=False)
        self.plot_widget.setToolTip(HEALTH_RULE)
        self.legend_label = _wrapping_label("no snapshot yet")
        self.rule_label = _wrapping_label(html.escape(HEALTH_RULE))
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


# ------------------------------------------------------------------------------ gradient check

def verdict(difference: float) -> tuple[str, str]:
    """Return (word, colour) for a relative difference: correct, suspicious or wrong."""
    if not math.isfinite(difference) or difference >= SUSPICIOUS_BELOW:
        return "wrong", RED
    if difference >= CORRECT_BELOW:
        return "suspicious", AMBER
    return "correct", GREEN


class GradCheckView(QWidget):
    """Asks for a gradient check (optionally with a backprop bug) and shows its result.

    Signals
    -------
    gradient_check_requested(bug_layer)  0 for the real backprop, k to forget g′ in layer k.

    Slots
    -----
    update_snapshot(snapshot)  follows the architecture; a new one (or run) clears the result.
    show_result(result)        shows a GradCheckResult (connect gradient_checked to it).
    """

    gradient_check_requested = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._arch: Architecture | None = None
        self._run_id: int | None = None
        self._grad_norms: tuple[float, ...] = ()        # ‖dW[l]‖ of the newest snapshot
        self._requested_bug = 0

        self.run_button = QPushButton("Run gradient check")
        self.run_button.setToolTip(
            "Compare backprop's gradient g with two-sided differences g̃ᵢ = "
            "(J(θ + ε eᵢ) − J(θ − ε eᵢ)) / 2ε on the current parameters (at most 64 examples); "
            f"{DIFFERENCE_FORMULA}")
        self.run_button.clicked.connect(self._on_run_button_clicked)
        self.bug_checkbox = QCheckBox("Inject a bug: forget g′ in layer")
        bug_tip = ("Check a backprop that computes dZ[l] = W[l+1]ᵀ dZ[l+1] without the factor "
                   "g[l]′(Z[l]), to see the check catch it. Only the check uses it: it never "
                   "affects training")
        self.bug_checkbox.setToolTip(bug_tip)
        self.bug_checkbox.toggled.connect(self._on_bug_checkbox_toggled)
        self.bug_spin = QSpinBox()
        self.bug_spin.setRange(1, 1)
        self.bug_spin.setToolTip(bug_tip)
        self.formula_label = QLabel(
            f"{DIFFERENCE_FORMULA},   ε = {format_number(EPSILON)}   —   "
            f"<span style='color:{GREEN}'>correct</span> below 1e-7, "
            f"<span style='color:{AMBER}'>suspicious</span> below 1e-3, "
            f"<span style='color:{RED}'>wrong</span> above")
        self.formula_label.setTextFormat(Qt.TextFormat.RichText)
        self.formula_label.setWordWrap(True)
        self.result_label = QLabel()
        self.result_label.setTextFormat(Qt.TextFormat.RichText)
        self.result_label.setWordWrap(True)
        self.table = QTableWidget(0, 3)
        self.table.setHorizontalHeaderLabels(["layer", "difference", "verdict"])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.setToolTip(f"Each layer's {DIFFERENCE_FORMULA} over its dW[l] and db[l]")
        self.note_label = _wrapping_label()
        self.note_label.setStyleSheet(f"color: {GREY}")
        self.clear_result()
        self._set_bug_enabled(False)
        self.run_button.setEnabled(False)

        bug_row = QHBoxLayout()               # on its own row: the panel fits a narrow dock
        bug_row.addWidget(self.bug_checkbox)
        bug_row.addWidget(self.bug_spin)
        bug_row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.run_button)
        layout.addLayout(bug_row)
        layout.addWidget(self.formula_label)
        layout.addWidget(self.result_label)
        layout.addWidget(self.table)
        layout.addWidget(self.note_label)
        layout.addStretch(1)               # a short table (or none) stays at the top

    def bug_layer(self) -> int:
        """Return the layer whose g′ the checked backprop forgets, 0 for none."""
        if self.bug_checkbox.isEnabled() and self.bug_checkbox.isChecked():
            return self.bug_spin.value()
        return 0

    # ------------------------------------------------------------------ public API

    @Slot(object)
    def update_snapshot(self, snapshot: Snapshot) -> None:
        """Follow ``snapshot``'s architecture; a new architecture or run clears the result."""
        self._grad_norms = snapshot.grad_norms
        if snapshot.arch != self._arch or snapshot.run_id != self._run_id:
            self._arch, self._run_id = snapshot.arch, snapshot.run_id
            hidden = snapshot.arch.L - 1
            self.bug_spin.setRange(1, max(hidden, 1))
            self._set_bug_enabled(hidden > 0)
            self.run_button.setEnabled(True)
            self.clear_result()

    @Slot(object)
    def show_result(self, result: GradCheckResult) -> None:
        """Show ``result``'s overall and per-layer differences with their verdicts."""
        word, color = verdict(result.difference)
        checked = (f"backprop with g′ forgotten in layer {self._requested_bug}"
                   if self._requested_bug else "backprop")
        self.result_label.setText(
            f"{checked}: difference = <b style='color:{color}'>{result.difference:.3g} — "
            f"{word}</b>   (ε = {format_number(result.epsilon)})")
        self.table.setRowCount(len(result.layer_differences))
        tiny = []
        for row, difference in enumerate(result.layer_differences):
            word, color = verdict(difference)
            norm = self._grad_norms[row] if row < len(self._grad_norms) else math.nan
            if word != "correct" and norm < TINY_GRADIENT:
                tiny.append(f"‖dW[{row + 1}]‖ = {norm:.2g}")
                word += " *"
            cells = (f"{row + 1}", f"{difference:.3g}", word)
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                if column:
                    item.setForeground(QColor(color))
                self.table.setItem(row, column, item)
        self.note_label.setText(
            f"* {', '.join(tiny)}: with a gradient this small, the rounding of the two-sided "
            "differences (about 1e-9) is a large share of it, so even a correct backprop can "
            "read badly here — check again where the gradient is larger." if tiny else "")
        self.note_label.setVisible(bool(tiny))
        self.table.resizeRowsToContents()
        shown_rows = min(self.table.rowCount(), TABLE_ROWS)     # more rows scroll
        rows = sum(self.table.rowHeight(r) for r in range(shown_rows))
        self.table.setFixedHeight(self.table.horizontalHeader().sizeHint().height() + rows
                                  + 2 * self.table.frameWidth())
        self.table.setVisible(True)

    def clear_result(self) -> None:
        """Forget the shown result (it was for other parameters)."""
        self.result_label.setText("Press “Run gradient check” to compare backprop with "
                                  "two-sided differences.")
        self.table.setRowCount(0)
        self.table.setVisible(False)
        self.note_label.setVisible(False)

    # ------------------------------------------------------------------ slots

    @Slot()
    def _on_run_button_clicked(self) -> None:
        self._requested_bug = self.bug_layer()
        self.result_label.setText("Checking… (two forward passes per parameter)")
        self.gradient_check_requested.emit(self._requested_bug)

    @Slot(bool)
    def _on_bug_checkbox_toggled(self, checked: bool) -> None:
        self.bug_spin.setEnabled(checked and self.bug_checkbox.isEnabled())

    def _set_bug_enabled(self, enabled: bool) -> None:
        self.bug_checkbox.setEnabled(enabled)
        if not enabled:
            self.bug_checkbox.setChecked(False)
        self.bug_spin.setEnabled(enabled and self.bug_checkbox.isChecked())


# ------------------------------------------------------------------------------ shapes

def _code(text: str) -> str:
    return f"<code>{html.escape(text)}</code>"


def _shape(name: str, shape: tuple[int, int]) -> str:
    return _code(f"{name} ({shape[0]}, {shape[1]})")


def shapes_html(arch: Architecture, m: int) -> str:
    """Return the network of ``arch`` for ``m`` examples as simple HTML, in the notes' notation."""
    gap = "&nbsp;&nbsp;&nbsp;"
    layers = describe_shapes(arch, m)
    parts = [f"<p><b>input</b>{gap}{_shape('X', (arch.n_x, m))}{gap}"
             f"{_code('A[0] = X')}{gap}(one column per example, m = {m})</p>"]
    indent = "<br>" + gap * 4
    for s in layers:
        kind = "output layer" if s.layer == arch.L else "layer"
        n, n_prev = s.W
        unit_word = "unit" if n == 1 else "units"
        parts.append(
            f"<p><b>{kind} {s.layer}</b> — {n} {unit_word}, {html.escape(s.activation)}<br>"
            f"{_shape(f'W[{s.layer}]', s.W)}{gap}{_shape(f'b[{s.layer}]', s.b)}{gap}"
            f"{_shape(f'Z[{s.layer}], A[{s.layer}]', s.Z)}<br>"
            f"forward:{indent}{indent.join(_code(e) for e in s.forward)}"
            f"{indent}<span style='color:{GREY}'>shapes: "
            f"{_code(f'{s.Z} = {s.W} {(n_prev, m)} + {s.b}')}</span><br>"
            f"backward:{indent}{indent.join(_code(e) for e in s.backward)}<br>"
            f"parameters: {n}·{n_prev} + {n} = {s.parameters}</p>")
    counts = [s.parameters for s in layers]
    total = sum(counts)
    sum_text = " + ".join(str(c) for c in counts) + f" = {total}" if len(counts) > 1 else str(total)
    parts.append(f"<p>output {_shape('Ŷ = A[' + str(arch.L) + ']', (arch.n_y, m))}{gap}"
                 f"{_shape('Y', (arch.n_y, m))}</p>")
    parts.append(f"<p><b>total: {sum_text} parameters</b></p>")
    parts.append(f"<p style='color:{GREY}'>b[l] (n, 1) is added to each of the m columns of "
                 "W[l] A[l−1] (broadcasting); ᵀ is the transpose.</p>")
    return "\n".join(parts)


class ShapesView(QWidget):
    """The network's shapes and equations with live numbers (n[l] and m)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._key: tuple[Architecture, int] | None = None
        self.browser = QTextBrowser()
        self.browser.setOpenLinks(False)
        self.browser.setToolTip("The network in the course notes' notation: every matrix "
                                "with its shape (rows, columns), and the equations that "
                                "produce it")
        self.browser.setHtml("<p>no snapshot yet</p>")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.browser)

    @Slot(object)
    def update_snapshot(self, snapshot: Snapshot) -> None:
        """Show ``snapshot``'s shapes; rewrite the text only when the architecture or m changes."""
        key = (snapshot.arch, snapshot.train.m)
        if key != self._key:
            self._key = key
            self.browser.setHtml(shapes_html(*key))


# ------------------------------------------------------------------------------ alone

def _run_alone() -> int:
    """Return the exit code of an app showing every instrument fed with a fake snapshot."""
    import sys

    from PySide6.QtWidgets import QApplication, QTabWidget

    from playground.core.gradcheck import backprop_gradients, backprop_with_bug, gradient_check
    from playground.session.snapshot import fake_snapshot

    app = QApplication.instance() or QApplication(sys.argv)
    snapshot = fake_snapshot(init="zeros", activation="sigmoid", hidden=(4, 3))
    tabs = QTabWidget()
    tabs.setWindowTitle("Instruments (zero initialisation, sigmoid)")
    views = {"symmetry": SymmetryView(), "gradients": GradientView(), "health": HealthView(),
             "gradient check": GradCheckView(), "shapes": ShapesView()}
    for name, view in views.items():
        tabs.addTab(view, name)
        view.update_snapshot(snapshot)   # type: ignore[attr-defined]
    checker = views["gradient check"]

    def check(bug_layer: int) -> None:      # what the worker does, on the snapshot's copy
        p, data = dict(snapshot.parameters), snapshot.train
        columns = slice(None, None, max(1, data.m // 64))
        gradients = backprop_with_bug(bug_layer) if bug_layer else backprop_gradients
        with np.errstate(all="ignore"):
            checker.show_result(gradient_check(p, data.X[:, columns], data.Y[:, columns],
                                               snapshot.arch, gradients=gradients))

    checker.gradient_check_requested.connect(check)  # type: ignore[attr-defined]
    views["symmetry"].break_symmetry_requested.connect(  # type: ignore[attr-defined]
        lambda layer, size: tabs.setWindowTitle(f"asked: W[{layer}] += {size:g} · randn"))
    tabs.resize(700, 520)
    tabs.show()
    return app.exec()


if __name__ == "__main__":
    import sys

    sys.exit(_run_alone())
