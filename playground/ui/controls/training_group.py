"""The *Training* group: learning rate, initialisation, seed, pace, stop and the run buttons.

It shows a RunConfig and turns edits of the initialisation and seed into the RunConfig
changes they mean; the panel applies them. The learning rate, the pace, the stop and the
run buttons (Play, Step, Reset, Re-initialise) are the panel's commands, which it
connects itself.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QPushButton,
)

from playground.core.initialization import INITS
from playground.session.config import RunConfig
from playground.ui.controls.course2_groups import (
    Collapsible,
    OptimisationGroup,
    RegularisationGroup,
)
from playground.ui.controls.form import buddy_label
from playground.ui.controls.pace_row import PaceSlider, StopAtEdit
from playground.ui.log_slider import LogSlider

LEARNING_RATE_RANGE = (1e-4, 10.0)
INIT_SCALE_RANGE = (1e-3, 10.0)
MAX_SEED = 2**32 - 1

PLAY_TEXT = "▶  Play"
PAUSE_TEXT = "❚❚  Pause"


def init_scale_tooltip() -> str:
    """Return the scale slider's tooltip, naming the schemes whose factor is the scale."""
    scaled = [init for init in INITS.values() if init.takes_scale]
    formulas = "; ".join(init.formula for init in scaled)
    names = ", ".join(f"'{init.name}'" for init in scaled)
    return f"Scale of the initialisation: {formulas} (only for {names})"


class TrainingGroup(QGroupBox):
    """The learning-rate and scale sliders, initialisation, seed and the run buttons."""

    edited = Signal(object)             # dict of RunConfig fields to replace
    notice = Signal(str)                # a typed value was clamped or refused, and why

    def __init__(self, config: RunConfig) -> None:
        super().__init__("Training")
        self._updating = False
        form = QFormLayout(self)

        self.learning_rate_slider = LogSlider(*LEARNING_RATE_RANGE, config.learning_rate)
        self.learning_rate_slider.setToolTip("Learning rate α in W[l] := W[l] − α·dW[l], "
                                             "b[l] := b[l] − α·db[l]; changes apply at once "
                                             "without a reset")
        self.learning_rate_slider.notice.connect(
            lambda text: self.notice.emit(f"Learning rate α: {text}"))
        form.addRow(buddy_label("Learning rate α", self.learning_rate_slider))
        form.addRow(self.learning_rate_slider)

        self.init_combo = QComboBox()
        for init in INITS.values():
            self.init_combo.addItem(init.label, init.name)
            self.init_combo.setItemData(self.init_combo.count() - 1, init.formula,
                                        Qt.ItemDataRole.ToolTipRole)
        self.init_combo.currentIndexChanged.connect(self._on_init_combo_index_changed)
        form.addRow(buddy_label("Initialisation", self.init_combo), self.init_combo)

        self.init_scale_slider = LogSlider(*INIT_SCALE_RANGE, config.init_scale)
        self.init_scale_slider.setToolTip(init_scale_tooltip())
        self.init_scale_slider.value_committed.connect(
            self._on_init_scale_slider_value_committed)
        self.init_scale_slider.notice.connect(
            lambda text: self.notice.emit(f"Initialisation scale: {text}"))
        form.addRow(buddy_label("Scale", self.init_scale_slider), self.init_scale_slider)

        self.seed_spin = QDoubleSpinBox()
        self.seed_spin.setDecimals(0)
        self.seed_spin.setRange(0, MAX_SEED)
        self.seed_spin.setKeyboardTracking(False)
        self.seed_spin.setButtonSymbols(QAbstractSpinBox.ButtonSymbols.UpDownArrows)
        self.seed_spin.setToolTip("Seed of the RandomState that draws W[1], W[2], … "
                                  "(0 … 2³²−1); seed 2 with random × 0.01 is the course's")
        self.seed_spin.valueChanged.connect(self._on_seed_spin_value_changed)
        form.addRow(buddy_label("Seed", self.seed_spin), self.seed_spin)

        self.pace_slider = PaceSlider()
        form.addRow(buddy_label("Pace", self.pace_slider), self.pace_slider)
        self.stop_at_edit = StopAtEdit()
        form.addRow(buddy_label("Stop at", self.stop_at_edit), self.stop_at_edit)

        self.play_button = QPushButton(PLAY_TEXT)
        self.play_button.setCheckable(True)
        self.play_button.setToolTip("Start or pause gradient descent (Space)")
        self.play_button.toggled.connect(self._on_play_button_toggled)
        self.step_button = QPushButton("Step")
        self.step_button.setToolTip("Run one iteration: forward, cost, backward, update (S); "
                                    "Shift+S or Shift+click runs 100")
        self.reset_button = QPushButton("Reset")
        self.reset_button.setToolTip("Back to iteration 0 with the same seed: the same "
                                     "initial weights (R)")
        self.reinitialize_button = QPushButton("Re-initialise")
        self.reinitialize_button.setToolTip("Draw new initial weights: seed + 1, then back "
                                            "to iteration 0")
        grid = QGridLayout()
        grid.addWidget(self.play_button, 0, 0)
        grid.addWidget(self.step_button, 0, 1)
        grid.addWidget(self.reset_button, 1, 0)
        grid.addWidget(self.reinitialize_button, 1, 1)
        form.addRow(grid)
        self.optimisation = OptimisationGroup()
        self.regularisation = RegularisationGroup()
        self.optimisation_box = Collapsible("Optimisation", self.optimisation)
        self.regularisation_box = Collapsible("Regularisation", self.regularisation)
        for box in (self.optimisation_box, self.regularisation_box):
            form.addRow(box)
        self.show_config(config)

    def show_config(self, config: RunConfig) -> None:
        """Show ``config``'s learning rate, initialisation and seed, emitting nothing."""
        self._updating = True
        try:
            self.learning_rate_slider.set_value(config.learning_rate, silent=True)
            self.init_combo.setCurrentIndex(self.init_combo.findData(config.init))
            init = INITS[config.init]
            self.init_combo.setToolTip(f"How W[l] starts (b[l] = 0 always): {init.formula}")
            self.init_scale_slider.set_value(config.init_scale, silent=True)
            self.init_scale_slider.setEnabled(init.takes_scale)
            self.seed_spin.setValue(config.seed)
        finally:
            self._updating = False
        self.optimisation.show_config(config)
        self.regularisation.show_config(config)
        self.optimisation_box.set_summary(OptimisationGroup.summary(config))
        self.regularisation_box.set_summary(RegularisationGroup.summary(config))

    def show_playing(self, playing: bool) -> None:
        """Show the Play/Pause button as ``playing``, emitting nothing."""
        blocked = self.play_button.blockSignals(True)
        self.play_button.setChecked(playing)
        self.play_button.setText(PAUSE_TEXT if playing else PLAY_TEXT)
        self.play_button.blockSignals(blocked)

    # ------------------------------------------------------------------ slots

    @Slot(int)
    def _on_init_combo_index_changed(self, index: int) -> None:
        if not self._updating:
            self.edited.emit({"init": self.init_combo.itemData(index)})

    @Slot(float)
    def _on_init_scale_slider_value_committed(self, value: float) -> None:
        if not self._updating:
            self.edited.emit({"init_scale": value})

    @Slot(float)
    def _on_seed_spin_value_changed(self, value: float) -> None:
        if not self._updating:
            self.edited.emit({"seed": int(round(value))})

    @Slot(bool)
    def _on_play_button_toggled(self, checked: bool) -> None:
        self.play_button.setText(PAUSE_TEXT if checked else PLAY_TEXT)
