"""One hidden layer's row of the *Network* group: its number, units and activation."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QLabel, QSpinBox, QWidget

from playground.core.activations import ACTIVATIONS

#: The units box's range; a loaded config with more units widens that row's box.
MAX_PANEL_UNITS = 64


class LayerRow:
    """One hidden layer's widgets: its number, a units spin box and an activation combo.

    They sit in a row of the network group's layer grid, so the columns line up.
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
