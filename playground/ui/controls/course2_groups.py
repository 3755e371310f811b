"""Course 2's controls: the inputs, and two collapsible groups of the *Training* panel.

- ``InputsBox``: a toggle per input feature (x1, x2, x1², x2², x1x2, sin x1, sin x2, as
  TensorFlow Playground has them) and "normalise"; n_x follows, so a change resets.
- ``OptimisationGroup``: batch size (m: plain gradient descent), shuffle seed, optimiser
  with its β's and ε, learning-rate decay.
- ``RegularisationGroup``: L2 λ, L1 λ, keep-prob (inverted dropout on hidden layers).

Each shows a RunConfig and emits ``edited`` with the RunConfig fields an edit changes; the
panel applies them (``panel.LIVE_FIELDS`` change the running training without a reset).
Collapsed, a group says in one line what it is set to.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGridLayout,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from playground.core.datasets import MAX_SAMPLES
from playground.core.features import DEFAULT_FEATURES, FEATURES
from playground.core.numbers import format_number
from playground.core.optimizers import OPTIMIZERS, SETTING_SYMBOLS
from playground.core.regularization import PENALTIES
from playground.session.config import RunConfig
from playground.ui.controls.form import NumberBox, buddy_label

MAX_SHUFFLE_SEED = 2**31 - 1


class Collapsible(QWidget):
    """A header button that shows or hides its content, with a summary when closed."""

    def __init__(self, title: str, content: QWidget, open_: bool = False) -> None:
        super().__init__()
        self.title = title
        self.button = QToolButton()
        self.button.setStyleSheet("QToolButton { border: none; font-weight: bold; }")
        self.button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.button.setCheckable(True)
        self.button.setChecked(open_)
        self.button.setToolTip(f"Show or hide the {title.lower()} settings")
        self.content = content
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 2, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.button)
        layout.addWidget(content)
        self.button.toggled.connect(self._on_button_toggled)
        self._summary = ""
        self._on_button_toggled(open_)

    def set_summary(self, summary: str) -> None:
        """Say in one line what the group is set to (shown beside the title when closed)."""
        self._summary = summary
        self._on_button_toggled(self.button.isChecked())

    @Slot(bool)
    def _on_button_toggled(self, shown: bool) -> None:
        self.content.setVisible(shown)
        self.button.setArrowType(Qt.ArrowType.DownArrow if shown else Qt.ArrowType.RightArrow)
        self.button.setText(self.title if shown or not self._summary
                            else f"{self.title}: {self._summary}")


class _Group(QWidget):
    """What the groups share: ``edited`` and a guard against echoing ``show_config``."""

    edited = Signal(object)             # dict of RunConfig fields to replace

    def __init__(self) -> None:
        super().__init__()
        self._updating = False

    def _emit(self, **changes: object) -> None:
        if not self._updating:
            self.edited.emit(changes)

    def show_config(self, config: RunConfig) -> None:
        self._updating = True
        try:
            self._show(config)
        finally:
            self._updating = False

    def _show(self, config: RunConfig) -> None:
        raise NotImplementedError


class InputsBox(_Group):
    """A toggle per input feature, and "normalise" (fitted on the training split)."""

    def __init__(self) -> None:
        super().__init__()
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(8)
        self.toggles: dict[str, QCheckBox] = {}
        for k, feature in enumerate(FEATURES.values()):
            box = QCheckBox(feature.label)
            box.setToolTip(f"Input {feature.label} (\"{feature.name}\"): a row of X, one "
                           "value per example")
            box.toggled.connect(self._on_toggle_toggled)
            grid.addWidget(box, k // 4, k % 4)
            self.toggles[feature.name] = box
        self.normalize_box = QCheckBox("normalise")
        self.normalize_box.setToolTip("Zero mean, unit variance per input, measured on the "
                                      "training split only (course 2)")
        self.normalize_box.toggled.connect(self._on_normalize_box_toggled)
        grid.addWidget(self.normalize_box, 2, 0, 1, 4)

    def _show(self, config: RunConfig) -> None:
        chosen = config.features or DEFAULT_FEATURES
        for name, box in self.toggles.items():
            box.setChecked(name in chosen)
        self.normalize_box.setChecked(config.normalize)

    def chosen(self) -> tuple[str, ...]:
        return tuple(name for name, box in self.toggles.items() if box.isChecked())

    @Slot(bool)
    def _on_toggle_toggled(self, checked: bool) -> None:
        if self._updating:                   # show_config ticks them one by one
            return
        chosen = self.chosen()
        if not chosen:                       # the network needs an input: keep this one
            self.sender().setChecked(True)
            return
        self._emit(features=None if chosen == DEFAULT_FEATURES else chosen)

    @Slot(bool)
    def _on_normalize_box_toggled(self, checked: bool) -> None:
        self._emit(normalize=checked)


#: λ's range for L2 and L1, and keep-prob's (1: no dropout), here and in the twin runs
PENALTY_RANGE = (0.0, 100.0)
KEEP_PROB_RANGE = (0.05, 1.0)


class OptimisationGroup(_Group):
    """Batch size, shuffle seed, optimiser (β's, ε) and learning-rate decay."""

    def __init__(self) -> None:
        super().__init__()
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        self.form = form
        self.batch_spin = QSpinBox()
        self.batch_spin.setRange(0, MAX_SAMPLES)
        self.batch_spin.setSpecialValueText("m (all)")
        self.batch_spin.setKeyboardTracking(False)
        self.batch_spin.setToolTip("B, examples per update: m (all) is plain gradient "
                                   "descent; 64 is the course's mini-batch; 1 is stochastic")
        self.batch_spin.valueChanged.connect(
            lambda value: self._emit(batch_size=value or None))
        form.addRow(buddy_label("Batch size", self.batch_spin), self.batch_spin)
        self.shuffle_spin = QSpinBox()
        self.shuffle_spin.setRange(-1, MAX_SHUFFLE_SEED)
        self.shuffle_spin.setSpecialValueText("run's seed")
        self.shuffle_spin.setKeyboardTracking(False)
        self.shuffle_spin.setToolTip("Epoch e shuffles with RandomState(seed + e) (the "
                                     "notebook's is 10); 'run's seed': the run's generator")
        self.shuffle_spin.valueChanged.connect(
            lambda value: self._emit(shuffle_seed=None if value < 0 else value))
        form.addRow(buddy_label("Shuffle seed", self.shuffle_spin), self.shuffle_spin)
        self.optimizer_combo = QComboBox()
        for optimizer in OPTIMIZERS.values():
            self.optimizer_combo.addItem(optimizer.label, optimizer.name)
            self.optimizer_combo.setItemData(self.optimizer_combo.count() - 1,
                                             optimizer.formula, Qt.ItemDataRole.ToolTipRole)
        self.optimizer_combo.setToolTip("How an update uses the gradient: plain gradient "
                                        "descent, momentum, RMSprop or Adam")
        self.optimizer_combo.currentIndexChanged.connect(
            lambda index: self._emit(optimizer=self.optimizer_combo.itemData(index)))
        form.addRow(buddy_label("Optimiser", self.optimizer_combo), self.optimizer_combo)
        self.beta_boxes = {
            "beta": NumberBox(0.0, 0.9999, 0.9, 4, "Momentum's β: v = βv + (1−β)dW"),
            "beta1": NumberBox(0.0, 0.9999, 0.9, 4, "Adam's β₁ (first moment)"),
            "beta2": NumberBox(0.0, 0.99999, 0.999, 5,
                               "RMSprop's and Adam's β₂ (second moment)"),
            "epsilon": NumberBox(1e-12, 1e-2, 1e-8, 12, "ε in dW / (√s + ε)"),
        }
        for name, box in self.beta_boxes.items():
            box.valueChanged.connect(lambda value, name=name: self._emit(**{name: value}))
            form.addRow(buddy_label(SETTING_SYMBOLS[name], box), box)
        self.decay_box = NumberBox(0.0, 10.0, 0.0, 4, "Learning-rate decay: α = α₀ / (1 + "
                                   "rate · epoch) (0: none)")
        self.decay_box.valueChanged.connect(lambda value: self._emit(decay_rate=value))
        form.addRow(buddy_label("Decay rate", self.decay_box), self.decay_box)
        self.interval_spin = QSpinBox()
        self.interval_spin.setRange(0, 100_000)
        self.interval_spin.setSpecialValueText("every epoch")
        self.interval_spin.setKeyboardTracking(False)
        self.interval_spin.setToolTip("Scheduled decay: α = α₀ / (1 + rate · ⌊epoch / "
                                      "interval⌋)")
        self.interval_spin.valueChanged.connect(
            lambda value: self._emit(decay_interval=value or None))
        form.addRow(buddy_label("Decay interval", self.interval_spin), self.interval_spin)

    def _show(self, config: RunConfig) -> None:
        self.batch_spin.setValue(config.batch_size or 0)
        self.shuffle_spin.setValue(-1 if config.shuffle_seed is None else config.shuffle_seed)
        self.optimizer_combo.setCurrentIndex(self.optimizer_combo.findData(config.optimizer))
        for name, box in self.beta_boxes.items():
            box.setValue(getattr(config, name))
        uses = OPTIMIZERS[config.optimizer].settings
        for name, box in self.beta_boxes.items():
            self.form.setRowVisible(box, name in uses)
        self.decay_box.setValue(config.decay_rate)
        self.interval_spin.setValue(config.decay_interval or 0)

    @staticmethod
    def summary(config: RunConfig) -> str:
        batch = "B = m" if config.batch_size is None else f"B = {config.batch_size}"
        decay = f", decay {format_number(config.decay_rate)}" if config.decay_rate else ""
        return f"{config.optimizer}, {batch}{decay}"


class RegularisationGroup(_Group):
    """L2 λ, L1 λ (0: none) and keep-prob (1: no dropout)."""

    def __init__(self) -> None:
        super().__init__()
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        self.l2_box = NumberBox(*PENALTY_RANGE, 0.0, 4,
                                f"L2: {PENALTIES['l2'].formula}, dW += (λ/m) W")
        self.l2_box.valueChanged.connect(lambda value: self._emit(l2=value))
        form.addRow(buddy_label("L2 λ", self.l2_box), self.l2_box)
        self.l1_box = NumberBox(*PENALTY_RANGE, 0.0, 4,
                                f"L1: {PENALTIES['l1'].formula}, dW += (λ/m) sign(W)")
        self.l1_box.valueChanged.connect(lambda value: self._emit(l1=value))
        form.addRow(buddy_label("L1 λ", self.l1_box), self.l1_box)
        self.keep_box = NumberBox(*KEEP_PROB_RANGE, 1.0, 2, "Inverted dropout on the hidden "
                                  "layers: each unit kept with this probability, A /= "
                                  "keep-prob (1: no dropout; off when evaluating)")
        self.keep_box.setSingleStep(0.05)
        self.keep_box.valueChanged.connect(lambda value: self._emit(keep_prob=value))
        form.addRow(buddy_label("Keep-prob", self.keep_box), self.keep_box)

    def _show(self, config: RunConfig) -> None:
        self.l2_box.setValue(config.l2)
        self.l1_box.setValue(config.l1)
        self.keep_box.setValue(config.keep_prob)

    @staticmethod
    def summary(config: RunConfig) -> str:
        parts = [f"L2 {format_number(config.l2)}" if config.l2 else "",
                 f"L1 {format_number(config.l1)}" if config.l1 else "",
                 f"keep {format_number(config.keep_prob)}" if config.keep_prob < 1 else ""]
        return ", ".join(filter(None, parts)) or "none"
