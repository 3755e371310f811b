"""The *Network* group: the hidden layers (units and activation each), output and loss.

It shows a RunConfig (with its resolved objective) and turns edits into the RunConfig
changes they mean; the panel applies them.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
)

from playground.core.network import MAX_HIDDEN_LAYERS
from playground.core.objectives import DEFAULT_LOSS, OBJECTIVES, Objective
from playground.session.config import RunConfig
from playground.session.layer_edits import Edit, add_layer_edit, remove_layer_edit
from playground.ui.controls.course2_groups import InputsBox
from playground.ui.controls.form import buddy_label
from playground.ui.controls.layer_rows import LayerRow
from playground.ui.controls.resolved import Resolved

DEFAULT_LAYER = (4, "tanh")       # the layer "Add layer" adds when there is none to copy

LAYER_HEADERS = (
    ("layer l", "Hidden layers l = 1 … L−1; layer 0 is the input X"),
    ("units n[l]", "n[l], the number of units of layer l"),
    ("activation g[l]", "g[l] in A[l] = g[l](Z[l]), Z[l] = W[l] A[l−1] + b[l]"),
)


class NetworkGroup(QGroupBox):
    """One row per hidden layer, Add/Remove layer buttons, the output layer and the loss."""

    edited = Signal(object)             # dict of RunConfig fields to replace

    def __init__(self, config: RunConfig, resolved: Resolved) -> None:
        super().__init__("Network")
        self._updating = False
        self.layer_rows: list[LayerRow] = []        # grows and shrinks in place
        column = QVBoxLayout(self)
        self.inputs_box = InputsBox()
        column.addWidget(buddy_label("Inputs: layer 0, the columns of X", self.inputs_box))
        column.addWidget(self.inputs_box)
        self.layers_grid = QGridLayout()
        self.layers_grid.setVerticalSpacing(4)
        self.layers_grid.setColumnStretch(2, 1)
        self.layer_headers: list[QLabel] = []
        for col, (text, tip) in enumerate(LAYER_HEADERS):
            header = QLabel(text)
            header.setToolTip(tip)
            palette = header.palette()             # greyed: a caption, not a control
            palette.setColor(QPalette.ColorRole.WindowText,
                             palette.color(QPalette.ColorRole.PlaceholderText))
            header.setPalette(palette)
            self.layers_grid.addWidget(header, 0, col)
            self.layer_headers.append(header)
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
        form.addRow(buddy_label("Output", self.output_label), self.output_label)
        self.loss_combo = QComboBox()
        self.loss_combo.currentIndexChanged.connect(self._on_loss_combo_index_changed)
        form.addRow(buddy_label("Loss", self.loss_combo), self.loss_combo)
        column.addLayout(form)
        self.show_config(config, resolved)

    def show_config(self, config: RunConfig, resolved: Resolved) -> None:
        """Show ``config``'s layers and ``resolved.objective``, emitting nothing."""
        self._config, self._objective = config, resolved.objective
        self._updating = True
        try:
            self._show_layers()
            self._show_objective()
        finally:
            self._updating = False
        self.inputs_box.show_config(config)
        self.inputs_box.setEnabled(resolved.plane)

    def _show_layers(self) -> None:
        """Add or remove rows to match the hidden layers, then show each layer."""
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
        name = self._objective.shallow_name if self._objective else "a single layer"
        self.no_layers_label.setText(f"No hidden layer: {name}, Ŷ = g(W[1] X + b[1])")
        for header in self.layer_headers:
            header.setVisible(bool(c.hidden_layers))
        self.add_layer_button.setEnabled(len(c.hidden_layers) < MAX_HIDDEN_LAYERS)
        self.remove_layer_button.setEnabled(bool(c.hidden_layers))

    def _show_objective(self) -> None:
        """Show the output layer and offer the losses that fit its task."""
        objective = self._objective
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
            for candidate in losses_for(objective):
                self.loss_combo.addItem(candidate.loss, candidate.loss)
                self.loss_combo.setItemData(self.loss_combo.count() - 1,
                                            f"{candidate.label}: {candidate.formula}",
                                            Qt.ItemDataRole.ToolTipRole)
            self.loss_combo.setCurrentIndex(self.loss_combo.findData(objective.loss))
        self.loss_combo.setEnabled(self.loss_combo.count() > 1)
        self.loss_combo.setToolTip("The cost J minimised; a choice only where several fit "
                                   "the problem (regression: ½ MSE or L1)"
                                   + (f"\n{objective.formula}" if objective else ""))

    # ------------------------------------------------------------------ slots

    def _edit_layers_from_rows(self) -> None:
        """Emit the hidden layers as the rows now show them."""
        self.edited.emit({
            "hidden_layers": tuple(row.units.value() for row in self.layer_rows),
            "activations": tuple(row.activation.currentData() for row in self.layer_rows)})

    @Slot(int)
    def _on_layer_units_value_changed(self, value: int) -> None:
        if not self._updating:
            self._edit_layers_from_rows()

    @Slot(int)
    def _on_layer_activation_index_changed(self, index: int) -> None:
        if not self._updating:
            self._edit_layers_from_rows()

    @Slot()
    def _on_add_layer_button_clicked(self) -> None:
        c = self._config
        self._edit(add_layer_edit(c.hidden_layers, c.activations, len(c.hidden_layers),
                                  DEFAULT_LAYER))

    @Slot()
    def _on_remove_layer_button_clicked(self) -> None:
        c = self._config
        if c.hidden_layers:
            self._edit(remove_layer_edit(c.hidden_layers, c.activations,
                                         len(c.hidden_layers)))

    def _edit(self, edit: Edit) -> None:
        """Ask for ``edit``'s layers (the same rules as the diagram's + and −)."""
        if edit.layers is not None:
            hidden, activations = edit.layers
            self.edited.emit({"hidden_layers": hidden, "activations": activations})

    @Slot(int)
    def _on_loss_combo_index_changed(self, index: int) -> None:
        if self._updating or index < 0:
            return
        objective = self._objective
        loss = self.loss_combo.itemData(index)
        if objective is None or loss == objective.loss:
            return
        self.edited.emit({"loss": None if loss == DEFAULT_LOSS[objective.output] else loss})


def losses_for(objective: Objective) -> list[Objective]:
    """Return the objectives with ``objective``'s output and task: its choice of loss."""
    return [candidate for candidate in OBJECTIVES.values()
            if candidate.output == objective.output and candidate.task == objective.task]
