"""Small layout helpers the three groups share: a buddy label, a slider with its value."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSlider, QWidget


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
