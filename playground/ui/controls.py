"""The control panel: the left column that edits the RunConfig of the next run.

``ControlPanel`` holds one ``RunConfig`` (the single source of truth) and shows it in
three group boxes — *Data*, *Network*, *Training* — inside its own ``QScrollArea``, so it
fits a ~300 px column at any window height. Every combo box is filled from the core
registries (DATASETS, ACTIVATIONS, INITS, OBJECTIVES); nothing lists names by hand.

Decisions worth knowing
-----------------------
- ``None`` fields of RunConfig ("the dataset's default") survive: ``set_config(c)`` then
  ``config()`` gives ``c`` back exactly. A user edit that lands on the dataset's default
  (samples, noise, classes, loss) stores ``None`` again, so returning to the defaults of
  ``flower`` gives the course's data bit for bit.
- Choosing another dataset resets samples, noise, classes, data seed, output and loss to
  that dataset's defaults; the test fraction is kept.
- Sliders (noise, test fraction, init scale) emit ``config_changed`` once, when released
  (or per keyboard step), never while dragging. The learning-rate slider emits
  ``learning_rate_changed`` live while dragging and never ``config_changed``.
- Regenerate: data seed + 1 (from the dataset's default seed 1, or 0 for CSV splits).
- Re-initialise: seed + 1 (wrapping at 2³²), reproducible and visible in the seed box;
  it emits ``reinitialize_requested`` only — read ``config()`` and reset with it.
- Every ``set_*`` method is silent: ``set_config``, ``set_learning_rate``, ``set_playing``
  and ``set_csv_source`` (after which the main window resets with ``config()`` itself).
- Values the widgets cannot show are clamped by them: learning rate to [1e-4, 10], init
  scale to [1e-3, 10]. Units above 64 from a loaded config are kept (that row's box
  widens its range); samples, noise and test-fraction sliders stretch to show them.
- The panel registers no shortcuts. The main window binds Space / S / Shift+S / R to
  ``toggle_play()``, ``request_step(1 | 100)``, ``request_reset()``; the tooltips name them.

Run alone: ``python -m playground.ui.controls`` prints every signal it emits.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal, Slot
from PySide6.QtGui import QColor, QGuiApplication, QIcon, QPainter, QPalette, QPixmap
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSlider,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from playground.core.activations import ACTIVATIONS
from playground.core.datasets import DATASETS, MAX_SAMPLES, DatasetSpec, make_dataset
from playground.core.initialization import INITS
from playground.core.objectives import DEFAULT_LOSS, DEFAULT_OUTPUT, OBJECTIVES, Objective
from playground.session.config import MAX_HIDDEN_LAYERS, RunConfig
from playground.ui.log_slider import LogSlider

CLASS_COLORS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b",
                "#e377c2", "#7f7f7f")
THUMBNAIL_SIZE = 48
THUMBNAIL_SAMPLES = 150
MAX_PANEL_UNITS = 64
DEFAULT_LAYER = (4, "tanh")
LEARNING_RATE_RANGE = (1e-4, 10.0)
INIT_SCALE_RANGE = (1e-3, 10.0)
MAX_TEST_PERCENT = 50
MAX_SEED = 2**32 - 1
CSV_ITEM = ""                     # userData of the "CSV: name.csv" item in the dataset combo

PLAY_TEXT = "▶  Play"
PAUSE_TEXT = "❚❚  Pause"


def noise_maximum(spec: DatasetSpec) -> float:
    """Return the right end of the noise slider for ``spec``: 1, or 4 × its default noise."""
    return max(1.0, 4 * spec.default_noise)


# --------------------------------------------------------------------------- thumbnails

def _value_color(t: float) -> QColor:
    """Return the colour for a regression value at ``t`` in [0, 1]: blue → green → orange."""
    low, high = QColor(CLASS_COLORS[0]).hsvHueF(), QColor(CLASS_COLORS[1]).hsvHueF()
    return QColor.fromHsvF(low + t * (high - low), 0.85, 0.85)


def dataset_thumbnail(name: str, size: int = THUMBNAIL_SIZE) -> QPixmap:
    """Return a ``size`` × ``size`` scatter of dataset ``name``, y up like the main plot.

    Classes are coloured CLASS_COLORS[k] (blue for 0, orange for 1, …); a regression set
    is drawn as (x1, x2) coloured by y, or as (x, y) when it has one feature.
    """
    data = make_dataset(name, samples=THUMBNAIL_SAMPLES)
    if data.n_x >= 2:
        xs, ys = data.X[0], data.X[1]
    else:
        xs, ys = data.X[0], data.Y[0]
    if data.task == "regression":
        y = data.Y[0]
        spread = float(np.ptp(y)) or 1.0
        colors = [_value_color(float(v - y.min()) / spread) for v in y]
    else:
        colors = [QColor(CLASS_COLORS[k % len(CLASS_COLORS)]) for k in data.labels]

    pixmap = QPixmap(size, size)
    pixmap.fill(QColor("white"))
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(QColor("#b0b0b0"))
    painter.drawRect(QRectF(0.5, 0.5, size - 1, size - 1))
    margin = 4.0
    span = size - 2 * margin
    x_low, x_span = float(xs.min()), float(np.ptp(xs)) or 1.0
    y_low, y_span = float(ys.min()), float(np.ptp(ys)) or 1.0
    if data.n_x >= 2:                                   # same scale on both axes
        x_low -= (max(x_span, y_span) - x_span) / 2
        y_low -= (max(x_span, y_span) - y_span) / 2
        x_span = y_span = max(x_span, y_span)
    painter.translate(0, size)                          # flip: y grows upwards
    painter.scale(1, -1)
    painter.setPen(Qt.PenStyle.NoPen)
    for x, y, color in zip(xs, ys, colors):
        painter.setBrush(color)
        center = QPointF(margin + (x - x_low) / x_span * span,
                         margin + (y - y_low) / y_span * span)
        painter.drawEllipse(center, 1.5, 1.5)
    painter.end()
    return pixmap


# --------------------------------------------------------------------------- layer rows

class LayerRow:
    """One hidden layer's widgets: its number, a units spin box and an activation combo.

    They sit in a row of the panel's layer grid, so the columns line up.
    """

    def __init__(self, layer: int) -> None:
        self.layer = layer
        self.label = QLabel(f"{layer}")
        self.label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.units = QSpinBox()
        self.units.setRange(1, MAX_PANEL_UNITS)
        self.units.setKeyboardTracking(False)
        self.units.setToolTip(f"n[{layer}]: the number of units in hidden layer {layer} "
                              f"(1–{MAX_PANEL_UNITS}); W[{layer}] is (n[{layer}], "
                              f"n[{layer - 1}])")
        self.activation = QComboBox()
        for activation in ACTIVATIONS.values():
            self.activation.addItem(activation.label, activation.name)
            self.activation.setItemData(self.activation.count() - 1, activation.formula,
                                        Qt.ItemDataRole.ToolTipRole)
        self.activation.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.activation.setMinimumContentsLength(8)

    def widgets(self) -> tuple[QWidget, QWidget, QWidget]:
        """Return the row's widgets, left to right."""
        return self.label, self.units, self.activation

    def set_layer(self, units: int, activation: str) -> None:
        """Show ``units`` and ``activation`` (the caller blocks the slots)."""
        self.units.setMaximum(max(MAX_PANEL_UNITS, units))
        self.units.setValue(units)
        self.activation.setCurrentIndex(self.activation.findData(activation))
        formula = ACTIVATIONS[activation].formula if activation in ACTIVATIONS else ""
        self.activation.setToolTip(f"g[{self.layer}], the activation of hidden layer "
                                   f"{self.layer}: A[{self.layer}] = g[{self.layer}]"
                                   f"(Z[{self.layer}])\n{formula}")


# --------------------------------------------------------------------------- the panel

class ControlPanel(QWidget):
    """Data, network and training controls; emits a new RunConfig per user change."""

    config_changed = Signal(object)
    learning_rate_changed = Signal(float)
    play_toggled = Signal(bool)
    step_requested = Signal(int)
    reset_requested = Signal()
    reinitialize_requested = Signal()
    load_csv_requested = Signal()
    notice = Signal(str)                 # a typed value was clamped or refused, and why

    def __init__(self, config: RunConfig | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._config = RunConfig() if config is None else config
        self._csv_task: str | None = None
        self._csv_classes: int | None = None
        self._updating = False
        self.layer_rows: list[LayerRow] = []

        content = QWidget()
        column = QVBoxLayout(content)
        column.setContentsMargins(6, 6, 6, 6)
        column.addWidget(self._build_data_group())
        column.addWidget(self._build_network_group())
        column.addWidget(self._build_training_group())
        column.addStretch(1)

        self.scroll_area = QScrollArea()
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroll_area.setWidget(content)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.scroll_area)
        self._refresh()

    # ------------------------------------------------------------------ building

    def _build_data_group(self) -> QGroupBox:
        box = QGroupBox("Data")
        form = QFormLayout(box)
        self.data_form = form

        self.dataset_combo = QComboBox()
        self.dataset_combo.setIconSize(QSize(THUMBNAIL_SIZE, THUMBNAIL_SIZE))
        self.dataset_combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.dataset_combo.setMinimumContentsLength(10)
        for spec in DATASETS.values():
            self.dataset_combo.addItem(QIcon(dataset_thumbnail(spec.name)), spec.label,
                                       spec.name)
            self.dataset_combo.setItemData(self.dataset_combo.count() - 1, spec.description,
                                           Qt.ItemDataRole.ToolTipRole)
        self.dataset_combo.view().setMinimumWidth(
            self.dataset_combo.view().sizeHintForColumn(0) + 8)
        self.dataset_combo.currentIndexChanged.connect(self._on_dataset_combo_index_changed)
        form.addRow(self.dataset_combo)

        self.classes_spin = QSpinBox()
        self.classes_spin.setKeyboardTracking(False)
        self.classes_spin.setToolTip("How many classes the generator draws (k); k ≥ 3 uses a "
                                     "softmax output with one-hot Y (k, m)")
        self.classes_spin.valueChanged.connect(self._on_classes_spin_value_changed)
        form.addRow(self._label("Classes", self.classes_spin), self.classes_spin)

        self.samples_spin = QSpinBox()
        self.samples_spin.setKeyboardTracking(False)
        self.samples_spin.setSingleStep(50)
        self.samples_spin.setToolTip("m, the number of examples generated: X is (n_x, m)")
        self.samples_spin.valueChanged.connect(self._on_samples_spin_value_changed)
        form.addRow(self._label("Samples m", self.samples_spin), self.samples_spin)

        self.noise_slider = QSlider(Qt.Orientation.Horizontal)
        self.noise_slider.setToolTip("Standard deviation of the Gaussian noise added to the "
                                     "generated data")
        self.noise_value = QLabel()
        self.noise_slider.valueChanged.connect(self._on_noise_slider_value_changed)
        self.noise_slider.sliderReleased.connect(self._on_noise_slider_released)
        self.noise_row = self._with_value(self.noise_slider, self.noise_value)
        form.addRow(self._label("Noise", self.noise_slider), self.noise_row)

        self.test_slider = QSlider(Qt.Orientation.Horizontal)
        self.test_slider.setRange(0, MAX_TEST_PERCENT)
        self.test_slider.setPageStep(5)
        self.test_slider.setToolTip("Share of the examples held out as a test set (seeded "
                                    "random split); the network never trains on them")
        self.test_value = QLabel()
        self.test_slider.valueChanged.connect(self._on_test_slider_value_changed)
        self.test_slider.sliderReleased.connect(self._on_test_slider_released)
        form.addRow(self._label("Test set", self.test_slider),
                    self._with_value(self.test_slider, self.test_value))

        self.regenerate_button = QPushButton("Regenerate")
        self.regenerate_button.clicked.connect(self._on_regenerate_button_clicked)
        self.load_csv_button = QPushButton("Load CSV…")
        self.load_csv_button.setToolTip("Train on your own data: a CSV whose last column is "
                                        "the label (or value) and the others the features")
        self.load_csv_button.clicked.connect(self._on_load_csv_button_clicked)
        buttons = QHBoxLayout()
        buttons.addWidget(self.regenerate_button)
        buttons.addWidget(self.load_csv_button)
        form.addRow(buttons)
        return box

    def _build_network_group(self) -> QGroupBox:
        box = QGroupBox("Network")
        column = QVBoxLayout(box)
        self.layers_grid = QGridLayout()
        self.layers_grid.setVerticalSpacing(4)
        self.layers_grid.setColumnStretch(2, 1)
        for col, (text, tip) in enumerate((
                ("layer l", "Hidden layers l = 1 … L−1; layer 0 is the input X"),
                ("units n[l]", "n[l], the number of units of layer l"),
                ("activation g[l]", "g[l] in A[l] = g[l](Z[l]), Z[l] = W[l] A[l−1] + b[l]"))):
            header = QLabel(text)
            header.setToolTip(tip)
            palette = header.palette()             # greyed: a caption, not a control
            palette.setColor(QPalette.ColorRole.WindowText,
                             palette.color(QPalette.ColorRole.PlaceholderText))
            header.setPalette(palette)
            self.layers_grid.addWidget(header, 0, col)
        self.layer_headers = [self.layers_grid.itemAtPosition(0, col).widget()
                              for col in range(3)]
        column.addLayout(self.layers_grid)
        self.no_layers_label = QLabel()
        self.no_layers_label.setWordWrap(True)
        column.addWidget(self.no_layers_label)

        self.add_layer_button = QPushButton("Add layer")
        self.add_layer_button.setToolTip("Add a hidden layer after the last one (a copy of "
                                         f"it); at most {MAX_HIDDEN_LAYERS}")
        self.add_layer_button.clicked.connect(self._on_add_layer_button_clicked)
        self.remove_layer_button = QPushButton("Remove layer")
        self.remove_layer_button.setToolTip("Remove the last hidden layer (none left: "
                                            "logistic, softmax or linear regression)")
        self.remove_layer_button.clicked.connect(self._on_remove_layer_button_clicked)
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_layer_button)
        buttons.addWidget(self.remove_layer_button)
        column.addLayout(buttons)

        form = QFormLayout()
        self.output_label = QLabel()
        self.output_label.setWordWrap(True)
        self.output_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        form.addRow(self._label("Output", self.output_label), self.output_label)
        self.loss_combo = QComboBox()
        self.loss_combo.currentIndexChanged.connect(self._on_loss_combo_index_changed)
        form.addRow(self._label("Loss", self.loss_combo), self.loss_combo)
        column.addLayout(form)
        return box

    def _build_training_group(self) -> QGroupBox:
        box = QGroupBox("Training")
        form = QFormLayout(box)

        self.learning_rate_slider = LogSlider(*LEARNING_RATE_RANGE, self._config.learning_rate)
        self.learning_rate_slider.setToolTip("Learning rate α in W[l] := W[l] − α·dW[l], "
                                             "b[l] := b[l] − α·db[l]; changes apply at once "
                                             "without a reset")
        self.learning_rate_slider.value_changed.connect(
            self._on_learning_rate_slider_value_changed)
        self.learning_rate_slider.notice.connect(
            lambda text: self.notice.emit(f"Learning rate α: {text}"))
        form.addRow(self._label("Learning rate α", self.learning_rate_slider))
        form.addRow(self.learning_rate_slider)

        self.init_combo = QComboBox()
        for init in INITS.values():
            self.init_combo.addItem(init.label, init.name)
            self.init_combo.setItemData(self.init_combo.count() - 1, init.formula,
                                        Qt.ItemDataRole.ToolTipRole)
        self.init_combo.currentIndexChanged.connect(self._on_init_combo_index_changed)
        form.addRow(self._label("Initialisation", self.init_combo), self.init_combo)

        self.init_scale_slider = LogSlider(*INIT_SCALE_RANGE, self._config.init_scale)
        self.init_scale_slider.setToolTip("Scale of the random initialisation: "
                                          f"{INITS['random'].formula} (only for 'random')")
        self.init_scale_slider.value_committed.connect(
            self._on_init_scale_slider_value_committed)
        self.init_scale_slider.notice.connect(
            lambda text: self.notice.emit(f"Initialisation scale: {text}"))
        form.addRow(self._label("Scale", self.init_scale_slider), self.init_scale_slider)

        self.seed_spin = QDoubleSpinBox()
        self.seed_spin.setDecimals(0)
        self.seed_spin.setRange(0, MAX_SEED)
        self.seed_spin.setKeyboardTracking(False)
        self.seed_spin.setButtonSymbols(QAbstractSpinBox.ButtonSymbols.UpDownArrows)
        self.seed_spin.setToolTip("Seed of the RandomState that draws W[1], W[2], … "
                                  "(0 … 2³²−1); seed 2 with random × 0.01 is the course's")
        self.seed_spin.valueChanged.connect(self._on_seed_spin_value_changed)
        form.addRow(self._label("Seed", self.seed_spin), self.seed_spin)

        self.play_button = QPushButton(PLAY_TEXT)
        self.play_button.setCheckable(True)
        self.play_button.setToolTip("Start or pause gradient descent (Space)")
        self.play_button.toggled.connect(self._on_play_button_toggled)
        self.step_button = QPushButton("Step")
        self.step_button.setToolTip("Run one iteration: forward, cost, backward, update (S); "
                                    "Shift+S or Shift+click runs 100")
        self.step_button.clicked.connect(self._on_step_button_clicked)
        self.reset_button = QPushButton("Reset")
        self.reset_button.setToolTip("Back to iteration 0 with the same seed: the same "
                                     "initial weights (R)")
        self.reset_button.clicked.connect(self._on_reset_button_clicked)
        self.reinitialize_button = QPushButton("Re-initialise")
        self.reinitialize_button.setToolTip("Draw new initial weights: seed + 1, then back "
                                            "to iteration 0")
        self.reinitialize_button.clicked.connect(self._on_reinitialize_button_clicked)
        grid = QGridLayout()
        grid.addWidget(self.play_button, 0, 0)
        grid.addWidget(self.step_button, 0, 1)
        grid.addWidget(self.reset_button, 1, 0)
        grid.addWidget(self.reinitialize_button, 1, 1)
        form.addRow(grid)
        return box

    @staticmethod
    def _label(text: str, buddy: QWidget) -> QLabel:
        label = QLabel(text)
        label.setBuddy(buddy)
        return label

    @staticmethod
    def _with_value(slider: QSlider, value: QLabel) -> QWidget:
        """Return ``slider`` with its value label to the right."""
        value.setMinimumWidth(value.fontMetrics().horizontalAdvance("0.00 ") + 4)
        value.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        row = QWidget()
        layout = QHBoxLayout(row)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(slider, 1)
        layout.addWidget(value)
        return row

    # ------------------------------------------------------------------ public API

    def config(self) -> RunConfig:
        """Return the current settings as a validated RunConfig."""
        return self._config.replace(learning_rate=self.learning_rate_slider.value())

    def set_config(self, config: RunConfig) -> None:
        """Show ``config`` in every control, emitting nothing."""
        if config.data_path != self._config.data_path:
            self._csv_task = self._csv_classes = None
        self._config = config
        self._refresh()

    def set_playing(self, playing: bool) -> None:
        """Show the Play/Pause button as ``playing``, emitting nothing."""
        blocked = self.play_button.blockSignals(True)
        self.play_button.setChecked(playing)
        self.play_button.setText(PAUSE_TEXT if playing else PLAY_TEXT)
        self.play_button.blockSignals(blocked)

    def set_learning_rate(self, value: float) -> None:
        """Show learning rate ``value`` (clamped to [1e-4, 10]), emitting nothing."""
        self.learning_rate_slider.set_value(value, silent=True)
        self._config = self.config()

    def set_csv_source(self, path: str, test_path: str | None = None, task: str | None = None,
                       n_classes: int | None = None) -> None:
        """Make the CSV at ``path`` (and test CSV ``test_path``) the data source, silently.

        ``task`` ("binary", "multiclass", "regression") and ``n_classes`` describe its
        labels: the output and loss follow them. The caller resets with ``config()``.
        Choosing a registry dataset in the combo returns to generated data.
        """
        same_source = (path == self._config.data_path
                       and test_path == self._config.test_data_path)
        self._csv_task, self._csv_classes = task, n_classes
        changes: dict[str, object] = {}
        if not same_source:
            changes.update(data_path=str(path), test_data_path=test_path, samples=None,
                           noise=None, classes=None, data_seed=None, output=None, loss=None)
        elif self._config.output is not None or self._config.loss is not None:
            kept = self._objective_for(task)           # keep a loaded loss if it still fits
            if kept is None or (task is not None and kept.task != task):
                changes.update(output=None, loss=None)
        self._config = self._config.replace(**changes)
        self._refresh()

    def toggle_play(self) -> None:
        """Flip Play/Pause as if the button were clicked (emits ``play_toggled``)."""
        self.play_button.toggle()

    def request_step(self, count: int = 1) -> None:
        """Emit ``step_requested(count)``."""
        self.step_requested.emit(int(count))

    def request_reset(self) -> None:
        """Emit ``reset_requested``."""
        self.reset_requested.emit()

    def reinitialize(self) -> None:
        """Set seed + 1 (silently) and emit ``reinitialize_requested``."""
        self._config = self._config.replace(seed=(self._config.seed + 1) % (MAX_SEED + 1))
        self._refresh()
        self.reinitialize_requested.emit()

    def regenerate(self) -> None:
        """Draw new data: data seed + 1, emitting ``config_changed``."""
        self._commit(data_seed=(self._data_seed() + 1) % (MAX_SEED + 1))

    # ------------------------------------------------------------------ derived state

    def _spec(self) -> DatasetSpec | None:
        """Return the generator's spec, or None when a CSV file is the source."""
        if self._config.data_path is not None:
            return None
        return DATASETS[self._config.dataset]

    def _classes(self) -> int | None:
        spec = self._spec()
        if spec is None:
            return self._csv_classes
        return spec.default_classes if self._config.classes is None else self._config.classes

    def _samples(self, spec: DatasetSpec) -> int:
        return spec.default_samples if self._config.samples is None else self._config.samples

    def _noise(self, spec: DatasetSpec) -> float:
        return spec.default_noise if self._config.noise is None else self._config.noise

    def _data_seed(self) -> int:
        if self._config.data_seed is not None:
            return self._config.data_seed
        spec = self._spec()
        return 0 if spec is None else spec.default_seed

    def _task(self) -> str | None:
        """Return the task of the data: from the spec, the CSV, or None if unknown."""
        spec = self._spec()
        if spec is not None:
            return spec.task_for(self._classes())
        if self._csv_task is not None:
            return self._csv_task
        objective = self._objective_for(None)
        return None if objective is None else objective.task

    def _objective_for(self, task: str | None) -> Objective | None:
        """Return the (output, loss) pair in use for ``task``, or None if unknown."""
        output = self._config.output or (DEFAULT_OUTPUT[task] if task else None)
        if output is None:
            return None
        loss = self._config.loss or DEFAULT_LOSS.get(output)
        return OBJECTIVES.get((output, loss))

    # ------------------------------------------------------------------ updating

    def _commit(self, **changes: object) -> None:
        """Apply ``changes``; emit ``config_changed`` once if the config really changed."""
        try:
            new = self._config.replace(**changes)
        except ValueError:
            new = self._config
        changed = new != self._config
        self._config = new
        self._refresh()
        if changed:
            self.config_changed.emit(self.config())

    def _refresh(self) -> None:
        """Show ``self._config`` in every control without reacting to it."""
        self._updating = True
        try:
            self._refresh_data()
            self._refresh_network()
            self._refresh_training()
        finally:
            self._updating = False

    def _refresh_data(self) -> None:
        c, spec = self._config, self._spec()
        combo = self.dataset_combo
        csv_index = combo.findData(CSV_ITEM)
        if c.data_path is not None:
            text = f"CSV: {Path(c.data_path).name}"
            if csv_index < 0:
                combo.addItem(text, CSV_ITEM)
                csv_index = combo.count() - 1
            combo.setItemText(csv_index, text)
            tip = c.data_path if c.test_data_path is None else \
                f"{c.data_path}\ntest set: {c.test_data_path}"
            combo.setItemData(csv_index, tip, Qt.ItemDataRole.ToolTipRole)
            combo.setCurrentIndex(csv_index)
            combo.setToolTip(f"Training data from the CSV file {tip}. Choose a dataset here "
                             "to go back to generated data.")
        else:
            if csv_index >= 0:
                combo.removeItem(csv_index)
            combo.setCurrentIndex(combo.findData(c.dataset))
            combo.setToolTip(f"Training data: {spec.description}")

        many_classes = spec is not None and len(spec.classes) > 1
        self.data_form.setRowVisible(self.classes_spin, many_classes)
        if many_classes:
            self.classes_spin.setRange(min(spec.classes), max(spec.classes))
            self.classes_spin.setValue(self._classes())

        generated = spec is not None
        self.data_form.setRowVisible(self.samples_spin, generated)
        self.data_form.setRowVisible(self.noise_row, generated)
        if spec is not None:
            samples = self._samples(spec)
            self.samples_spin.setRange(min(spec.min_samples(self._classes()), samples),
                                       max(MAX_SAMPLES, samples))
            self.samples_spin.setValue(samples)
            noise = self._noise(spec)
            self.noise_slider.setRange(0, round(100 * max(noise_maximum(spec), noise)))
            self.noise_slider.setValue(round(100 * noise))
            self.noise_value.setText(f"{noise:.2f}")

        fraction = c.test_fraction
        self.test_slider.setMaximum(max(MAX_TEST_PERCENT, math.ceil(100 * fraction)))
        self.test_slider.setValue(round(100 * fraction))
        self.test_slider.setEnabled(c.test_data_path is None)
        self.test_value.setText("file" if c.test_data_path else f"{100 * fraction:.0f} %")
        self.regenerate_button.setEnabled(spec is not None or (c.test_data_path is None
                                                               and fraction > 0))
        self.regenerate_button.setToolTip(
            f"Draw new data: data seed {self._data_seed()} → {self._data_seed() + 1}"
            + (" (for a CSV: a new random train/test split)" if spec is None else ""))

    def _refresh_network(self) -> None:
        c = self._config
        while len(self.layer_rows) < len(c.hidden_layers):
            row = LayerRow(len(self.layer_rows) + 1)
            row.units.valueChanged.connect(self._on_layer_units_value_changed)
            row.activation.currentIndexChanged.connect(self._on_layer_activation_index_changed)
            for col, widget in enumerate(row.widgets()):
                self.layers_grid.addWidget(widget, row.layer, col)
            self.layer_rows.append(row)
        while len(self.layer_rows) > len(c.hidden_layers):
            row = self.layer_rows.pop()
            for widget in row.widgets():
                self.layers_grid.removeWidget(widget)
                widget.setParent(None)
                widget.deleteLater()
        for row, units, activation in zip(self.layer_rows, c.hidden_layers, c.activations):
            row.set_layer(units, activation)
        self.no_layers_label.setVisible(not c.hidden_layers)
        objective = self._objective_for(self._task())
        name = objective.shallow_name if objective else "a single layer"
        self.no_layers_label.setText(f"No hidden layer: {name}, Ŷ = g(W[1] X + b[1])")
        for header in self.layer_headers:
            header.setVisible(bool(c.hidden_layers))
        self.add_layer_button.setEnabled(len(c.hidden_layers) < MAX_HIDDEN_LAYERS)
        self.remove_layer_button.setEnabled(bool(c.hidden_layers))

        task = self._task()
        objective = self._objective_for(task)
        if objective is None:
            self.output_label.setText("follows the CSV's labels")
            self.output_label.setToolTip("The output layer and loss follow the labels of "
                                         "the CSV file")
        else:
            self.output_label.setText(objective.label)
            self.output_label.setToolTip(f"Output layer g[L] and cost for a {objective.task} "
                                         f"problem: {objective.formula}")
        self.loss_combo.clear()
        if objective is not None:
            for (output, loss), candidate in OBJECTIVES.items():
                if output == objective.output and candidate.task == objective.task:
                    self.loss_combo.addItem(loss, loss)
                    self.loss_combo.setItemData(self.loss_combo.count() - 1,
                                                f"{candidate.label}: {candidate.formula}",
                                                Qt.ItemDataRole.ToolTipRole)
            self.loss_combo.setCurrentIndex(self.loss_combo.findData(objective.loss))
        self.loss_combo.setEnabled(self.loss_combo.count() > 1)
        self.loss_combo.setToolTip("The cost J minimised; a choice only where several fit "
                                   "the problem (regression: ½ MSE or L1)"
                                   + (f"\n{objective.formula}" if objective else ""))

    def _refresh_training(self) -> None:
        c = self._config
        self.learning_rate_slider.set_value(c.learning_rate, silent=True)
        self.init_combo.setCurrentIndex(self.init_combo.findData(c.init))
        formula = INITS[c.init].formula
        self.init_combo.setToolTip(f"How W[l] starts (b[l] = 0 always): {formula}")
        self.init_scale_slider.set_value(c.init_scale, silent=True)
        self.init_scale_slider.setEnabled(c.init == "random")
        self.seed_spin.setValue(c.seed)

    # ------------------------------------------------------------------ slots: data

    @Slot(int)
    def _on_dataset_combo_index_changed(self, index: int) -> None:
        name = self.dataset_combo.itemData(index)
        if self._updating or name == CSV_ITEM or name is None:
            return
        if self._config.data_path is None and name == self._config.dataset:
            return
        self._csv_task = self._csv_classes = None
        self._commit(dataset=name, data_path=None, test_data_path=None, samples=None,
                     noise=None, classes=None, data_seed=None, output=None, loss=None)

    @Slot(int)
    def _on_classes_spin_value_changed(self, value: int) -> None:
        spec = self._spec()
        if self._updating or spec is None or value == self._classes():
            return
        if value not in spec.classes:                  # a gap in the allowed counts
            value = min(spec.classes, key=lambda k: abs(k - value))
        changes: dict[str, object] = {
            "classes": None if value == spec.default_classes else value}
        if self._samples(spec) < spec.min_samples(value):
            changes["samples"] = spec.min_samples(value)
        if spec.task_for(value) != self._task():
            changes.update(output=None, loss=None)
        self._commit(**changes)

    @Slot(int)
    def _on_samples_spin_value_changed(self, value: int) -> None:
        spec = self._spec()
        if self._updating or spec is None or value == self._samples(spec):
            return
        self._commit(samples=None if value == spec.default_samples else value)

    @Slot(int)
    def _on_noise_slider_value_changed(self, position: int) -> None:
        if self._updating:
            return
        self.noise_value.setText(f"{position / 100:.2f}")
        if not self.noise_slider.isSliderDown():
            self._commit_noise(position)

    @Slot()
    def _on_noise_slider_released(self) -> None:
        self._commit_noise(self.noise_slider.value())

    def _commit_noise(self, position: int) -> None:
        spec = self._spec()
        if spec is None or position == round(100 * self._noise(spec)):
            self._refresh()
            return
        noise = position / 100
        self._commit(noise=None if noise == spec.default_noise else noise)

    @Slot(int)
    def _on_test_slider_value_changed(self, position: int) -> None:
        if self._updating:
            return
        self.test_value.setText(f"{position} %")
        if not self.test_slider.isSliderDown():
            self._commit_test_fraction(position)

    @Slot()
    def _on_test_slider_released(self) -> None:
        self._commit_test_fraction(self.test_slider.value())

    def _commit_test_fraction(self, position: int) -> None:
        if position == round(100 * self._config.test_fraction):
            self._refresh()
            return
        self._commit(test_fraction=position / 100)

    @Slot()
    def _on_regenerate_button_clicked(self) -> None:
        self.regenerate()

    @Slot()
    def _on_load_csv_button_clicked(self) -> None:
        self.load_csv_requested.emit()

    # ------------------------------------------------------------------ slots: network

    def _layers_from_rows(self) -> None:
        self._commit(hidden_layers=tuple(row.units.value() for row in self.layer_rows),
                     activations=tuple(row.activation.currentData() for row in self.layer_rows))

    @Slot(int)
    def _on_layer_units_value_changed(self, value: int) -> None:
        if not self._updating:
            self._layers_from_rows()

    @Slot(int)
    def _on_layer_activation_index_changed(self, index: int) -> None:
        if not self._updating:
            self._layers_from_rows()

    @Slot()
    def _on_add_layer_button_clicked(self) -> None:
        c = self._config
        if len(c.hidden_layers) >= MAX_HIDDEN_LAYERS:
            return
        units, activation = ((c.hidden_layers[-1], c.activations[-1]) if c.hidden_layers
                             else DEFAULT_LAYER)
        self._commit(hidden_layers=(*c.hidden_layers, units),
                     activations=(*c.activations, activation))

    @Slot()
    def _on_remove_layer_button_clicked(self) -> None:
        c = self._config
        if c.hidden_layers:
            self._commit(hidden_layers=c.hidden_layers[:-1], activations=c.activations[:-1])

    @Slot(int)
    def _on_loss_combo_index_changed(self, index: int) -> None:
        if self._updating or index < 0:
            return
        objective = self._objective_for(self._task())
        loss = self.loss_combo.itemData(index)
        if objective is None or loss == objective.loss:
            return
        self._commit(loss=None if loss == DEFAULT_LOSS[objective.output] else loss)

    # ------------------------------------------------------------------ slots: training

    @Slot(float)
    def _on_learning_rate_slider_value_changed(self, value: float) -> None:
        self._config = self._config.replace(learning_rate=value)
        self.learning_rate_changed.emit(value)

    @Slot(int)
    def _on_init_combo_index_changed(self, index: int) -> None:
        if not self._updating:
            self._commit(init=self.init_combo.itemData(index))

    @Slot(float)
    def _on_init_scale_slider_value_committed(self, value: float) -> None:
        if not self._updating:
            self._commit(init_scale=value)

    @Slot(float)
    def _on_seed_spin_value_changed(self, value: float) -> None:
        if not self._updating:
            self._commit(seed=int(round(value)))

    @Slot(bool)
    def _on_play_button_toggled(self, checked: bool) -> None:
        self.play_button.setText(PAUSE_TEXT if checked else PLAY_TEXT)
        self.play_toggled.emit(checked)

    @Slot()
    def _on_step_button_clicked(self) -> None:
        shift = QGuiApplication.keyboardModifiers() & Qt.KeyboardModifier.ShiftModifier
        self.request_step(100 if shift else 1)

    @Slot()
    def _on_reset_button_clicked(self) -> None:
        self.request_reset()

    @Slot()
    def _on_reinitialize_button_clicked(self) -> None:
        self.reinitialize()

    def sizeHint(self) -> QSize:  # Qt's name
        """Return the size of a comfortable left column: 300 × 760."""
        return QSize(max(300, self.minimumSizeHint().width()), 760)

    def minimumSizeHint(self) -> QSize:  # Qt's name
        """Return the content's minimum width plus a vertical scroll bar; any height."""
        content = self.scroll_area.widget().minimumSizeHint().width()
        bar = self.scroll_area.verticalScrollBar().sizeHint().width()
        return QSize(content + bar, 200)


def main() -> None:
    """Show the panel alone and print every signal it emits."""
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    panel = ControlPanel()
    panel.config_changed.connect(lambda c: print("config_changed", c))
    panel.learning_rate_changed.connect(lambda v: print("learning_rate_changed", v))
    panel.play_toggled.connect(lambda p: print("play_toggled", p))
    panel.step_requested.connect(lambda n: print("step_requested", n))
    panel.reset_requested.connect(lambda: print("reset_requested"))
    panel.reinitialize_requested.connect(lambda: print("reinitialize_requested", panel.config()))
    panel.load_csv_requested.connect(lambda: print("load_csv_requested"))
    panel.resize(300, 760)
    panel.show()
    app.exec()


if __name__ == "__main__":
    main()
