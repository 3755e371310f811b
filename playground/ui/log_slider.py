"""A log-scale slider with an editable number beside it.

The slider moves in equal steps of log10(value) (``steps`` ticks across the range) and
rounds what it produces to ``significant`` digits, so dragging gives friendly numbers
(0.0316, 1.2, 3.16). The number field accepts any value typed into it and keeps it
*exactly* (typing 1.2 gives 1.2, not the nearest slider tick); the slider then shows the
nearest position. Typed values outside [minimum, maximum] are **clamped**, and the field
shows the clamped value; text that is not a number reverts to the current value.

Signals
-------
value_changed(float)    every change, live while the slider is dragged.
value_committed(float)  once per finished edit: slider released after a drag, a keyboard
                        or click step of the slider, or Return / focus-out in the field.
notice(str)             why typed text was not taken as it stands: clamped to the range,
                        or not a (finite) number — for the window to show.

Run alone for a quick look: ``python -m playground.ui.log_slider``.
"""

from __future__ import annotations

import math

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import QHBoxLayout, QLineEdit, QSlider, QWidget

from playground.core.numbers import format_number, parse_number


class LogSlider(QWidget):
    """A QSlider on a log10 scale plus a QLineEdit that shows and accepts exact values."""

    value_changed = Signal(float)
    value_committed = Signal(float)
    notice = Signal(str)

    def __init__(self, minimum: float, maximum: float, value: float, steps: int = 1000,
                 significant: int = 3, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        if not 0 < minimum < maximum:
            raise ValueError(f"need 0 < minimum < maximum, got {minimum!r}, {maximum!r}")
        self._minimum = float(minimum)
        self._maximum = float(maximum)
        self._log_min = math.log10(self._minimum)
        self._log_max = math.log10(self._maximum)
        self._steps = int(steps)
        self._significant = int(significant)
        self._value = self._clamp(float(value))
        self._value_at_press = self._value

        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(0, self._steps)
        self.slider.setSingleStep(max(1, self._steps // 100))
        self.slider.setPageStep(max(1, self._steps // 10))
        self.slider.setMinimumWidth(60)
        self.field = QLineEdit()
        self.field.setAlignment(Qt.AlignmentFlag.AlignRight)
        width = self.field.fontMetrics().horizontalAdvance("0.00316") + 18
        self.field.setFixedWidth(width)

        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        layout.addWidget(self.slider, 1)
        layout.addWidget(self.field)

        self._show(self._value)
        self.slider.valueChanged.connect(self._on_slider_value_changed)
        self.slider.sliderPressed.connect(self._on_slider_pressed)
        self.slider.sliderReleased.connect(self._on_slider_released)
        self.field.editingFinished.connect(self._on_field_editing_finished)

    # ------------------------------------------------------------------ public API

    def value(self) -> float:
        """Return the current value (exactly as typed or set, clamped to the range)."""
        return self._value

    def minimum(self) -> float:
        """Return the smallest value allowed."""
        return self._minimum

    def maximum(self) -> float:
        """Return the largest value allowed."""
        return self._maximum

    def set_value(self, value: float, silent: bool = False) -> None:
        """Show ``value`` (clamped to the range); emit both signals unless ``silent``."""
        value = self._clamp(float(value))
        changed = value != self._value
        self._value = value
        self._show(value)
        if changed and not silent:
            self.value_changed.emit(value)
            self.value_committed.emit(value)

    def setToolTip(self, text: str) -> None:  # Qt's name, so every caller reaches it
        """Set the tooltip of the widget, its slider and its number field."""
        super().setToolTip(text)
        self.slider.setToolTip(text)
        self.field.setToolTip(f"{text}\nType any value from {format_number(self._minimum)} "
                              f"to {format_number(self._maximum)}.")

    def position_of(self, value: float) -> int:
        """Return the slider tick nearest to ``value`` on the log scale."""
        value = self._clamp(value)
        fraction = (math.log10(value) - self._log_min) / (self._log_max - self._log_min)
        return round(fraction * self._steps)

    def value_at(self, position: int) -> float:
        """Return the (rounded) value the slider stands for at tick ``position``."""
        fraction = position / self._steps
        raw = 10 ** (self._log_min + fraction * (self._log_max - self._log_min))
        return self._clamp(float(f"{raw:.{self._significant}g}"))

    # ------------------------------------------------------------------ internals

    def _clamp(self, value: float) -> float:
        return min(max(value, self._minimum), self._maximum)

    def _show(self, value: float) -> None:
        """Put ``value`` in the field and the slider at its tick, without signals."""
        self.field.setText(format_number(value))
        self.field.setCursorPosition(0)
        blocked = self.slider.blockSignals(True)
        self.slider.setValue(self.position_of(value))
        self.slider.blockSignals(blocked)

    @Slot(int)
    def _on_slider_value_changed(self, position: int) -> None:
        value = self.value_at(position)
        if value == self._value:
            return
        self._value = value
        self.field.setText(format_number(value))
        self.field.setCursorPosition(0)
        self.value_changed.emit(value)
        if not self.slider.isSliderDown():
            self.value_committed.emit(value)

    @Slot()
    def _on_slider_pressed(self) -> None:
        self._value_at_press = self._value

    @Slot()
    def _on_slider_released(self) -> None:
        if self._value != self._value_at_press:
            self.value_committed.emit(self._value)

    @Slot()
    def _on_field_editing_finished(self) -> None:
        text = self.field.text().strip()
        typed = parse_number(text)
        if typed is None:
            self._show(self._value)         # not a number: revert
            if text != format_number(self._value):
                self.notice.emit(f"'{text}' is not a finite number: kept "
                                 f"{format_number(self._value)}.")
            return
        if typed != self._clamp(typed):
            bound = "largest" if typed > self._maximum else "smallest"
            self.notice.emit(f"{text} is outside the range: using the {bound} value, "
                             f"{format_number(self._clamp(typed))} (allowed: "
                             f"{format_number(self._minimum)} to "
                             f"{format_number(self._maximum)}).")
        self.set_value(typed)


def main() -> None:
    """Show a learning-rate slider alone and print what it emits."""
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    slider = LogSlider(1e-4, 10.0, 1.2)
    slider.setToolTip("learning rate α")
    slider.value_changed.connect(lambda v: print("changed", v))
    slider.value_committed.connect(lambda v: print("committed", v))
    slider.resize(280, 40)
    slider.show()
    app.exec()


if __name__ == "__main__":
    main()
