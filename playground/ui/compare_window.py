"""Twin runs: two copies of one network, trained side by side in lock-step.

Same data, same seed, same network; the runs differ only in the one setting the learner
picks (by default the initialisation: A = zeros, B = random × 0.01), so any difference on
screen is caused by that choice. Each run has its own column — title, numbers, decision
boundary, symmetry history — and one shared plot shows both cost curves.

Threads and processes follow the main window's rules: ``TwinWorker`` (a ``HostedWorker``)
drives the ``TwinRun`` from its own long-lived QThread; the TwinRun lives in a training
process of its own (or in that thread if none can be started), advances both trainers
together in time-budgeted chunks and builds an immutable ``TwinSnapshot`` (a pair of
Snapshots) at most ``FRAME_SECONDS`` apart; the window draws the newest pair at display
rate. Closing the window shuts the worker and its process down (stop → quit → wait); the
main window's run is independent.

Open it from the main window with ``CompareWindow(config, settings, parent=self).show()``;
run it alone with ``python -m playground.ui.compare_window``.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

import pyqtgraph as pg
from PySide6.QtCore import QByteArray, QLocale, QObject, QSettings, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QCloseEvent, QColor
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from playground.core.activations import ACTIVATIONS
from playground.core.grid import Grid, make_grid
from playground.core.initialization import INITS
from playground.session.config import RunConfig
from playground.session.remote import RemoteTrainer
from playground.session.snapshot import RunState, Snapshot
from playground.session.twin import TWIN_FIELDS, TwinRun, TwinSetup, take_twin_snapshots
from playground.ui.controls import (
    INIT_SCALE_RANGE,
    LEARNING_RATE_RANGE,
    PAUSE_TEXT,
    PLAY_TEXT,
)
from playground.ui.log_slider import format_number
from playground.ui.run_commands import KEYS_HINT, RunCommands
from playground.ui.status_view import describe_layer
from playground.ui.views import colors
from playground.ui.views.boundary_view import BoundaryView
from playground.ui.views.cost_view import cost_plot, drawable, with_current
from playground.ui.views.symmetry_view import SymmetryView
from playground.ui.worker import GRID_RESOLUTION, HostedWorker, WorkerSession, recovering

DISPLAY_INTERVAL_MS = 16        # draw the newest pair at most ~60 times a second
RUN_NAMES = ("A", "B")
RUN_COLORS = ((148, 103, 189), (44, 160, 44))      # purple A, green B: not class colours
RED = "#c00206"
GREEN = "#1b8a2e"

#: What the learner can make differ, in words. "init_scale" has no entry: the
#: initialisation editor has its scale beside it (two random inits differ in scale).
FIELD_LABELS = {"init": "initialisation", "learning_rate": "learning rate",
                "activations": "activation"}
#: The inits whose W is multiplied by the user's scale.
SCALED_INITS = ("random",)
#: The values A and B start with when the learner picks a field.
DEFAULT_VALUES: dict[str, tuple[object, object]] = {
    "init": (("zeros", 0.01), ("random", 0.01)),
    "learning_rate": (0.1, 1.2),
    "activations": ("sigmoid", "tanh"),
}


# ------------------------------------------------------------------------------ the setup

def twin_setup(base: RunConfig, field: str, value_a: object, value_b: object) -> TwinSetup:
    """Return the TwinSetup for runs differing in ``field`` (a key of FIELD_LABELS).

    Initialisation values are (name, scale) pairs: two random inits differ in their
    scale (field "init_scale"); otherwise in the scheme (field "init"), with the scale of
    the random one (if any) shared. Activations apply to every hidden layer.
    """
    if field not in FIELD_LABELS:
        raise ValueError(f"twin runs can differ in {', '.join(FIELD_LABELS)}, not {field!r}")
    if field != "init":
        return TwinSetup(base, field, (value_a, value_b))
    (init_a, scale_a), (init_b, scale_b) = value_a, value_b
    if init_a == init_b and init_a in SCALED_INITS:
        return TwinSetup(base.replace(init=init_a), "init_scale", (scale_a, scale_b))
    scale = (scale_a if init_a in SCALED_INITS else scale_b if init_b in SCALED_INITS
             else base.init_scale)
    return TwinSetup(base.replace(init_scale=scale), "init", (init_a, init_b))


def init_text(init: str, scale: float) -> str:
    """Return "zeros", "random × 0.01", "Xavier", … for an initialisation."""
    if init in SCALED_INITS:
        return f"{init} × {format_number(scale)}"
    return INITS[init].label


def describe_run(setup: TwinSetup, run: int) -> str:
    """Return what run ``run`` (0 = A, 1 = B) uses of the setting that differs."""
    config = setup.configs()[run]
    if setup.field in ("init", "init_scale"):
        return init_text(config.init, config.init_scale)
    if setup.field == "learning_rate":
        return f"learning rate {format_number(config.learning_rate)}"
    names = dict.fromkeys(ACTIVATIONS[a].label for a in config.activations)
    return f"{' / '.join(names) or 'no hidden'} units"


def describe_common(setup: TwinSetup, snapshot: Snapshot) -> str:
    """Return one line on what the runs share: data, network, seed (and what differs)."""
    c = setup.config
    sizes = "-".join(map(str, snapshot.arch.layer_dims))
    shared = [f"data {c.data_path or c.dataset} (m = {snapshot.train.m})",
              f"network {sizes}", f"seed {c.seed}"]
    if setup.field != "learning_rate":
        shared.append(f"learning rate {format_number(c.learning_rate)}")
    if setup.field != "activations" and c.activations:
        shared.append(" / ".join(dict.fromkeys(ACTIVATIONS[a].label for a in c.activations)))
    if setup.field not in ("init", "init_scale"):
        shared.append(f"init {init_text(c.init, c.init_scale)}")
    what = "initialisation" if setup.field == "init_scale" else FIELD_LABELS[setup.field]
    return f"Same {', '.join(shared)} — only the {what} differs."


# ------------------------------------------------------------------------------ the worker

@dataclass(frozen=True)
class TwinSnapshot:
    """One frame of the twin runs: a Snapshot of each, taken at the same moment."""

    a: Snapshot
    b: Snapshot
    setup: TwinSetup
    message: str = ""

    @property
    def runs(self) -> tuple[Snapshot, Snapshot]:
        return self.a, self.b

    @property
    def state(self) -> RunState:
        return self.a.state

    @property
    def iteration(self) -> int:
        return min(self.a.iteration, self.b.iteration)


class TwinWorker(HostedWorker):
    """Owns the TwinRun, in a training process of its own when one can be started (as the
    main window's run is); ``snapshot_ready`` carries TwinSnapshots."""

    failed = Signal(str)

    def __init__(self, separate_process: bool = True) -> None:
        super().__init__(separate_process)
        self.twin: TwinRun | RemoteTrainer | None = None
        self.setup: TwinSetup | None = None
        self.grid: Grid | None = None
        self._message = ""
        self._run_messages = ["", ""]

    def _run(self) -> TwinRun | RemoteTrainer | None:
        return self.twin

    def _recover(self, error: Exception) -> None:
        """The training process is gone: go on here, from the last pair published."""
        self._drop_host()
        self._set_state(RunState.PAUSED)
        last = self._last_published
        if last is None:
            self.twin = None
            self.failed.emit(f"{error}. Start a new run.")
            return
        self.twin = TwinRun(last.setup, start=tuple((dict(s.parameters), s.iteration)
                                                    for s in last.runs))
        self._message = self._going_on_here(error, last.iteration)
        self.failed.emit(self._message)
        self._publish(force=True)

    # -- commands ---------------------------------------------------------------------
    @Slot(object, str)
    @recovering
    def configure(self, setup: TwinSetup, message: str) -> None:
        """Build both runs from ``setup`` (parameters drawn from its seed), paused."""
        try:
            twin = self._new_run(TwinRun, setup)
        except (ValueError, OSError) as error:
            self.failed.emit(str(error))
            self._publish(force=True)
            return
        self.twin, self.setup = twin, setup
        self.run_id += 1
        self.grid = make_grid(twin.train.X, GRID_RESOLUTION)
        self._message = " ".join(filter(None, (self._notice, message)))
        self._notice, self._run_messages = "", ["", ""]
        self._set_state(RunState.PAUSED)
        self._publish(force=True)

    def _refuse_play(self) -> None:
        diverged = (self.twin.get("diverged_runs") if self.twin is self.host
                    else self.twin.diverged_runs)
        self.failed.emit("Run " + " and ".join(
            name for name, gone in zip(RUN_NAMES, diverged) if gone)
            + " diverged. Reset to start again.")

    @Slot()
    @recovering
    def reset(self) -> None:
        """Back to iteration 0: both runs re-drawn from the setup's seed, as at the start."""
        if self.twin is None:
            return
        self.twin.reset()
        self.run_id += 1
        self._message = "Reset: both runs re-drawn from the same seed."
        self._run_messages = ["", ""]
        self._set_state(RunState.PAUSED)
        self._publish(force=True)

    @Slot(int, int, float)
    @recovering
    def break_symmetry(self, run: int, layer: int, size: float) -> None:
        """Add noise of ``size`` to W[layer] of run ``run`` (0 = A, 1 = B) only."""
        if self.twin is None:
            return
        try:
            self.twin.break_symmetry(run, layer, size)
        except (ValueError, IndexError) as error:
            self.failed.emit(str(error))
            return
        self._run_messages[run] = (f"Added noise of size {size:g} to W[{layer}] of run "
                                   f"{RUN_NAMES[run]} only.")
        self._publish(force=True)

    # -- frames -----------------------------------------------------------------------
    def snapshot(self) -> TwinSnapshot:
        """Return both runs' snapshots now (call in the worker's thread)."""
        a, b = self._build(take_twin_snapshots, messages=tuple(self._run_messages),
                           run_id=self.run_id, state=self.state, grid=self.grid,
                           steps_per_second=self._steps_per_second)
        return TwinSnapshot(a, b, self.setup, self._message)


class TwinSession(WorkerSession):
    """The GUI thread's handle on a TwinWorker; ``latest`` is the newest TwinSnapshot."""

    failed = Signal(str)

    _configure = Signal(object, str)
    _set_playing = Signal(bool)
    _step = Signal(int)
    _reset = Signal()
    _break_symmetry = Signal(int, int, float)

    def __init__(self, parent: QObject | None = None, separate_process: bool = True) -> None:
        super().__init__(TwinWorker(separate_process), "playground-twin-runs", parent)
        self.latest: TwinSnapshot | None = None
        self._configure.connect(self.worker.configure)
        self._set_playing.connect(self.worker.set_playing)
        self._step.connect(self.worker.step)
        self._reset.connect(self.worker.reset)
        self._break_symmetry.connect(self.worker.break_symmetry)
        self.worker.failed.connect(self.failed)
        self._start()

    # commands (all asynchronous)
    def configure(self, setup: TwinSetup, message: str = "") -> None:
        self._configure.emit(setup, message)

    def set_playing(self, playing: bool) -> None:
        self._set_playing.emit(playing)

    def step(self, iterations: int = 1) -> None:
        self._step.emit(iterations)

    def reset(self) -> None:
        self._reset.emit()

    def break_symmetry(self, run: int, layer: int, size: float = 1e-3) -> None:
        self._break_symmetry.emit(run, layer, size)


# ------------------------------------------------------------------------------ widgets

def run_color(run: int) -> QColor:
    """Return run ``run``'s colour (0 = A, 1 = B)."""
    return QColor(*RUN_COLORS[run])


def run_text_color(run: int) -> str:
    """Return run ``run``'s colour darkened for text on the window background."""
    return run_color(run).darker(135).name()


class NumberBox(QDoubleSpinBox):
    """A spin box for a positive number that shows it as typed: 1.2, 0.01, 0.0003."""

    def __init__(self, minimum: float, maximum: float, value: float) -> None:
        super().__init__()
        self.setLocale(QLocale.c())          # "1.2" everywhere, as in the course
        self.setDecimals(4)
        self.setRange(minimum, maximum)
        self.setStepType(QDoubleSpinBox.StepType.AdaptiveDecimalStepType)
        self.setKeyboardTracking(False)      # valueChanged once the edit is done
        self.setValue(value)

    def textFromValue(self, value: float) -> str:  # noqa: N802 (Qt's name)
        return format_number(round(value, self.decimals()))


class RunValueEditor(QWidget):
    """One run's value of the setting that differs: a page per field of FIELD_LABELS.

    ``value(field)``: init → (name, scale); learning_rate → float; activations → name.
    ``changed`` is emitted for user edits only; ``set_value`` is silent.
    """

    changed = Signal()

    def __init__(self, run: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        name = RUN_NAMES[run]
        self.init_combo = QComboBox()
        for init in INITS.values():      # "random", not "random × scale": the scale is beside
            self.init_combo.addItem(init.name if init.name in SCALED_INITS else init.label,
                                    init.name)
            self.init_combo.setItemData(self.init_combo.count() - 1, init.formula,
                                        Qt.ItemDataRole.ToolTipRole)
        self.init_combo.setToolTip(f"How run {name} draws W[l] (biases start at 0)")
        self.scale_box = NumberBox(*INIT_SCALE_RANGE, 0.01)
        self.scale_box.setToolTip(f"Run {name}'s scale: W[l] = randn(n[l], n[l−1]) × scale")
        self.learning_rate_box = NumberBox(*LEARNING_RATE_RANGE, 1.0)
        self.learning_rate_box.setToolTip(f"Run {name}'s learning rate: W := W − rate · dW")
        self.activation_combo = QComboBox()
        for activation in ACTIVATIONS.values():
            self.activation_combo.addItem(activation.label, activation.name)
            self.activation_combo.setItemData(self.activation_combo.count() - 1,
                                              activation.formula, Qt.ItemDataRole.ToolTipRole)
        self.activation_combo.setToolTip(f"g of every hidden layer of run {name}")

        self.scale_label = QLabel("×")
        init_page = _row(self.init_combo, self.scale_label, self.scale_box)
        self.pages = QStackedWidget()
        self._page_of = {"init": init_page, "learning_rate": _row(self.learning_rate_box),
                         "activations": _row(self.activation_combo)}
        for page in self._page_of.values():
            self.pages.addWidget(page)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.pages)

        self.init_combo.currentIndexChanged.connect(self._on_init_combo_changed)
        self.scale_box.valueChanged.connect(self._on_value_changed)
        self.learning_rate_box.valueChanged.connect(self._on_value_changed)
        self.activation_combo.currentIndexChanged.connect(self._on_value_changed)
        self._show_scale()

    def show_field(self, field: str) -> None:
        """Show the editor of ``field``."""
        self.pages.setCurrentWidget(self._page_of[field])

    def value(self, field: str) -> object:
        """Return the value of ``field`` shown in its editor."""
        if field == "init":
            return self.init_combo.currentData(), self.scale_box.value()
        if field == "learning_rate":
            return self.learning_rate_box.value()
        return self.activation_combo.currentData()

    def set_value(self, field: str, value: object) -> None:
        """Show ``value`` for ``field`` without emitting ``changed``; an init may be a name."""
        widgets = (self.init_combo, self.scale_box, self.learning_rate_box,
                   self.activation_combo)
        for widget in widgets:
            widget.blockSignals(True)
        try:
            if field == "init":
                name, scale = (value, None) if isinstance(value, str) else value
                self.init_combo.setCurrentIndex(self.init_combo.findData(name))
                if scale is not None:
                    self.scale_box.setValue(float(scale))
            elif field == "learning_rate":
                self.learning_rate_box.setValue(float(value))
            else:
                self.activation_combo.setCurrentIndex(self.activation_combo.findData(value))
        finally:
            for widget in widgets:
                widget.blockSignals(False)
        self._show_scale()

    @Slot(int)
    def _on_init_combo_changed(self, index: int) -> None:
        self._show_scale()
        self.changed.emit()

    @Slot()
    def _on_value_changed(self) -> None:
        self.changed.emit()

    def _show_scale(self) -> None:
        scaled = self.init_combo.currentData() in SCALED_INITS
        self.scale_box.setEnabled(scaled)
        self.scale_label.setEnabled(scaled)


def _row(*widgets: QWidget) -> QWidget:
    row = QWidget()
    layout = QHBoxLayout(row)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(4)
    for widget in widgets:
        layout.addWidget(widget)
    layout.addStretch(1)
    return row


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
    """One run's column: its title, numbers, decision boundary and symmetry history.

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
        self.boundary_view = BoundaryView()
        self.symmetry_view = SymmetryView()
        self.symmetry_view.break_symmetry_requested.connect(
            self._on_symmetry_view_break_symmetry_requested)

        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.addWidget(self.boundary_view)
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
        self.boundary_view.update_snapshot(snapshot)
        self.symmetry_view.update_snapshot(snapshot)

    @Slot(int, float)
    def _on_symmetry_view_break_symmetry_requested(self, layer: int, size: float) -> None:
        self.break_symmetry_requested.emit(self.run, layer, size)


# ------------------------------------------------------------------------------ the window

class CompareWindow(RunCommands, QMainWindow):
    """Twin runs of ``base_config`` differing in one setting, side by side, in lock-step.

    ``settings`` (default: the user's QSettings) keeps the window's geometry; ``session``
    is made here unless given. Space plays/pauses, S steps, Shift+S steps 100, R resets.
    """

    def __init__(self, base_config: RunConfig, settings: QSettings | None = None,
                 parent: QWidget | None = None, session: TwinSession | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("playground — twin runs: what does one choice change?")
        self.base_config = base_config
        self.settings = settings if settings is not None else QSettings()
        self.session = session if session is not None else TwinSession(self)
        self._drawn: TwinSnapshot | None = None
        self._titled: TwinSetup | None = None
        self._error_run_id: int | None = None     # an error shows until the run changes

        self.field_combo = QComboBox()
        for field in TWIN_FIELDS:
            if field in FIELD_LABELS:
                self.field_combo.addItem(FIELD_LABELS[field], field)
        self.field_combo.setToolTip("The one setting in which runs A and B differ")
        self.editors = (RunValueEditor(0), RunValueEditor(1))
        for field, values in DEFAULT_VALUES.items():
            for editor, value in zip(self.editors, values):
                editor.set_value(field, value)
        self.play_button = QPushButton(PLAY_TEXT)
        self.play_button.setToolTip("Train both runs together (Space)")
        self.step_button = QPushButton("Step")
        self.step_button.setToolTip("One iteration of each run (S); Shift+S: 100")
        self.reset_button = QPushButton("Reset")
        self.reset_button.setToolTip("Both runs back to iteration 0, re-drawn from the same "
                                     "seed (R)")
        self.break_checkbox = QCheckBox("Break-symmetry controls")
        self.break_checkbox.setToolTip("Show each run's “Break symmetry” controls: add noise "
                                       "to W[l] of that run only")
        self.common_label = QLabel()
        self.common_label.setWordWrap(True)
        self.message_label = QLabel()
        self.message_label.setWordWrap(True)
        self.columns = (RunColumn(0), RunColumn(1))
        self.cost_view = TwinCostView()
        self._build_layout()
        self.install_run_keys()
        self._connect()
        self._display_timer = QTimer(self)
        self._display_timer.setInterval(DISPLAY_INTERVAL_MS)
        self._display_timer.timeout.connect(self._on_display_timer_timeout)
        self._display_timer.start()
        self._restore_settings()
        self._show_field(self.field())
        self.apply()

    # -- building -----------------------------------------------------------------------
    def _build_layout(self) -> None:
        bar = QHBoxLayout()
        bar.setContentsMargins(6, 4, 6, 0)
        bar.addWidget(QLabel("Differ in"))
        bar.addWidget(self.field_combo)
        for run, editor in enumerate(self.editors):
            bar.addSpacing(14)
            label = QLabel(f"<b style='color:{run_text_color(run)}'>{RUN_NAMES[run]}:</b>")
            bar.addWidget(label)
            bar.addWidget(editor)
        bar.addSpacing(20)
        for button in (self.play_button, self.step_button, self.reset_button):
            bar.addWidget(button)
        bar.addSpacing(12)
        bar.addWidget(self.break_checkbox)
        bar.addSpacing(12)
        bar.addWidget(self.message_label, 1)
        columns = QSplitter(Qt.Orientation.Horizontal)
        for column in self.columns:
            columns.addWidget(column)
        columns.setSizes([640, 640])
        body = QSplitter(Qt.Orientation.Vertical)
        body.addWidget(columns)
        body.addWidget(self.cost_view)
        body.setStretchFactor(0, 3)
        body.setStretchFactor(1, 1)
        body.setSizes([580, 190])
        self.splitters = {"columns": columns, "body": body}
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(bar)
        self.common_label.setContentsMargins(8, 0, 8, 0)
        layout.addWidget(self.common_label)
        layout.addWidget(body, 1)
        self.setCentralWidget(central)
        self.statusBar().showMessage(KEYS_HINT)

    def _connect(self) -> None:
        self.field_combo.currentIndexChanged.connect(self._on_field_combo_changed)
        for editor in self.editors:
            editor.changed.connect(self._on_editor_changed)
        self.play_button.clicked.connect(self._on_play_button_clicked)
        self.step_button.clicked.connect(self._on_step_button_clicked)
        self.reset_button.clicked.connect(self.reset)
        self.break_checkbox.toggled.connect(self._on_break_checkbox_toggled)
        self._on_break_checkbox_toggled(False)
        for column in self.columns:
            column.break_symmetry_requested.connect(self.session.break_symmetry)
        self.session.snapshot_ready.connect(self._on_session_snapshot_ready)
        self.session.failed.connect(self._on_session_failed)

    # -- the setup ----------------------------------------------------------------------
    def field(self) -> str:
        """Return the setting the runs differ in now: a key of FIELD_LABELS."""
        return self.field_combo.currentData()

    def setup(self) -> TwinSetup:
        """Return the TwinSetup the controls show (ValueError if it cannot work)."""
        field = self.field()
        return twin_setup(self.base_config, field, *(e.value(field) for e in self.editors))

    def choose(self, field: str, value_a: object, value_b: object) -> None:
        """Make the runs differ in ``field`` with these values, and rebuild both.

        Values as ``RunValueEditor.value``: an initialisation is a name or (name, scale).
        """
        self.field_combo.blockSignals(True)
        self.field_combo.setCurrentIndex(self.field_combo.findData(field))
        self.field_combo.blockSignals(False)
        for editor, value in zip(self.editors, (value_a, value_b)):
            editor.set_value(field, value)
        self._show_field(field)
        self.apply()

    def apply(self, message: str = "") -> bool:
        """Rebuild both runs from the controls' setup, paused at iteration 0."""
        try:
            setup = self.setup()
            setup.configs()
        except ValueError as error:
            self._show_error(str(error))
            return False
        self._error_run_id = None
        self._show_message("")
        self.session.configure(setup, message)
        return True

    def _show_field(self, field: str) -> None:
        for editor in self.editors:
            editor.show_field(field)

    # -- commands -----------------------------------------------------------------------
    @Slot(int)
    def _on_field_combo_changed(self, index: int) -> None:
        self._show_field(self.field())
        self.apply()

    @Slot()
    def _on_editor_changed(self) -> None:
        self.apply()

    @Slot()
    def _on_play_button_clicked(self) -> None:
        self.set_playing(not self.is_playing())

    @Slot()
    def _on_step_button_clicked(self) -> None:
        self.step(1)

    @Slot(bool)
    def _on_break_checkbox_toggled(self, checked: bool) -> None:
        for column in self.columns:
            column.symmetry_view.break_group.setVisible(checked)

    # -- snapshots ----------------------------------------------------------------------
    @Slot(object)
    def _on_session_snapshot_ready(self, pair: TwinSnapshot) -> None:
        self.play_button.setText(PAUSE_TEXT if pair.state is RunState.RUNNING else PLAY_TEXT)

    @Slot(str)
    def _on_session_failed(self, message: str) -> None:
        self._show_error(message)

    def _show_error(self, text: str) -> None:
        """Show why something was refused until the runs are rebuilt or reset."""
        latest = self.session.latest
        self._error_run_id = latest.a.run_id if latest is not None else -1
        self._show_message(text, error=True)

    def _show_message(self, text: str, error: bool = False) -> None:
        self.message_label.setStyleSheet(f"color: {RED}; font-weight: bold" if error else "")
        self.message_label.setText(text)

    @Slot()
    def _on_display_timer_timeout(self) -> None:
        pair = self.session.latest
        if pair is None or pair is self._drawn:
            return
        self._drawn = pair
        if pair.setup is not self._titled:
            self._titled = pair.setup
            names = tuple(f"{RUN_NAMES[run]}: {describe_run(pair.setup, run)}"
                          for run in range(2))
            for column, name in zip(self.columns, names):
                column.set_title(name)
            self.cost_view.set_names(*names)
            self.common_label.setText(describe_common(pair.setup, pair.a))
        for column, snapshot in zip(self.columns, pair.runs):
            column.update_snapshot(snapshot)
        self.cost_view.update_pair(pair)
        if self._error_run_id is None or self._error_run_id != pair.a.run_id:
            self._error_run_id = None
            self._show_message(pair.message)

    def draw_now(self) -> None:
        """Draw the newest pair immediately (tests and screenshots)."""
        self._on_display_timer_timeout()

    # -- lifetime -----------------------------------------------------------------------
    def _restore_settings(self) -> None:
        geometry = self.settings.value("compare/geometry")
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            self.restoreGeometry(geometry)
        else:
            self.resize(1280, 800)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt's name)
        self._display_timer.stop()
        self.settings.setValue("compare/geometry", self.saveGeometry())
        self.settings.sync()
        self.session.shutdown()
        super().closeEvent(event)


def _run_alone() -> int:
    """Return the exit code of an app showing the compare window on its own."""
    from playground.ui.application import make_application

    app = make_application()
    window = CompareWindow(RunConfig(samples=361, activations=("sigmoid",)))
    window.show()
    return app.exec()


if __name__ == "__main__":
    import sys

    sys.exit(_run_alone())
