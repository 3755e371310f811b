"""Small helpers the groups (and the twin runs' editors) share: a buddy label, a slider
with its value, a number box that shows numbers as the course writes them."""

from __future__ import annotations

from PySide6.QtCore import QLocale, Qt
from PySide6.QtWidgets import QDoubleSpinBox, QHBoxLayout, QLabel, QSlider, QWidget

from playground.core.numbers import format_number


def buddy_label(text: str, buddy: QWidget) -> QLabel:
    """Return a form label reading ``text`` whose buddy (mnemonic target) is ``buddy``."""
    label = QLabel(text)
    label.setBuddy(buddy)
    return label


def with_value(slider: QSlider, value: QLabel) -> QWidget:
    """Return ``slider`` with its value label to the right."""
    value.setMinimumWidth(value.fontMetrics().horizontalAdvance("0.00 ") + 4)
    value.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    row = QWidget()
    layout = QHBoxLayout(row)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.addWidget(slider, 1)
    layout.addWidget(value)
    return row


class NumberBox(QDoubleSpinBox):
    """A spin box for a number that shows it as typed: 1.2, 0.01, 0.0003, 1e-8 (with
    ``decimals`` places at most), in the C locale as in the course."""

    def __init__(self, minimum: float, maximum: float, value: float, decimals: int = 4,
                 tip: str = "") -> None:
        super().__init__()
        self.setLocale(QLocale.c())          # "1.2" everywhere, as in the course
        self.setDecimals(decimals)
        self.setRange(minimum, maximum)
        self.setStepType(QDoubleSpinBox.StepType.AdaptiveDecimalStepType)
        self.setKeyboardTracking(False)      # valueChanged once the edit is done
        self.setValue(value)
        if tip:
            self.setToolTip(tip)

    def textFromValue(self, value: float) -> str:  # noqa: N802 (Qt's name)
        return format_number(round(value, self.decimals()))
