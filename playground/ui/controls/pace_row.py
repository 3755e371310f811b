"""The pace of training and where it stops: two rows of the *Training* group.

- ``PaceSlider``: iterations per second on the loop's log scale (``loop.PACES``: 1, 2, 5,
  10, … 10k, then "max", as fast as the machine goes). At a pace of 30 or less every
  iteration is drawn. ``pace_changed(pace)`` carries a number or None for max.
- ``StopAtEdit``: "stop at iteration N" (blank: never). A playing run pauses there and
  says so; Play goes on past it. ``stop_at_changed(iteration)`` carries an int or None.

Both are settings of the run loop, not of the run (a new run keeps them): the window
sends them as ``SetPace`` and ``SetStopAt`` commands and remembers the pace between
sessions; lessons set both.
"""

from __future__ import annotations

from PySide6.QtCore import QRegularExpression, Qt, Signal, Slot
from PySide6.QtGui import QRegularExpressionValidator
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QSlider, QWidget

from playground.session.loop import EVERY_STEP_PACE, PACES


def pace_text(pace: float | None) -> str:
    """Return "max", "20 it/s", "10k it/s", … for a pace."""
    if pace is None:
        return "max"
    if pace >= 1000 and pace % 1000 == 0:
        return f"{pace / 1000:g}k it/s"
    return f"{pace:g} it/s"


def nearest_pace_index(pace: float | None) -> int:
    """Return the index in PACES of ``pace`` or of the listed pace nearest to it."""
    if pace is None:
        return len(PACES) - 1
    listed = [(abs(p - pace), k) for k, p in enumerate(PACES) if p is not None]
    return min(listed)[1]


class PaceSlider(QWidget):
    """A slider over the loop's paces with its value beside it."""

    pace_changed = Signal(object)        # float iterations per second, or None for max

    def __init__(self, pace: float | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(0, len(PACES) - 1)
        self.slider.setPageStep(1)
        self.slider.setTickPosition(QSlider.TickPosition.TicksBelow)
        self.slider.setToolTip(
            "Iterations per second: 1, 2, 5, 10 … 10k, or max (as fast as this machine "
            f"goes). At {EVERY_STEP_PACE} or slower every iteration is drawn. "
            "Keys: [ slower, ] faster")
        self.value_label = QLabel()
        self.value_label.setMinimumWidth(self.value_label.fontMetrics().horizontalAdvance(
            "10k it/s") + 4)
        self.value_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.slider, 1)
        layout.addWidget(self.value_label)
        self.slider.valueChanged.connect(self._on_slider_value_changed)
        self.set_pace(pace)

    def pace(self) -> float | None:
        """Return the pace shown: iterations per second, or None for max."""
        return PACES[self.slider.value()]

    def set_pace(self, pace: float | None) -> None:
        """Show ``pace`` (or the listed pace nearest to it), emitting nothing."""
        blocked = self.slider.blockSignals(True)
        self.slider.setValue(nearest_pace_index(pace))
        self.slider.blockSignals(blocked)
        self.value_label.setText(pace_text(self.pace()))

    def step(self, steps: int) -> None:
        """Go ``steps`` notches faster (negative: slower), as the user would."""
        self.slider.setValue(max(0, min(len(PACES) - 1, self.slider.value() + steps)))

    @Slot(int)
    def _on_slider_value_changed(self, index: int) -> None:
        self.value_label.setText(pace_text(PACES[index]))
        self.pace_changed.emit(PACES[index])


class StopAtEdit(QLineEdit):
    """The iteration at which a playing run pauses; blank for never."""

    stop_at_changed = Signal(object)     # int, or None for never

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setPlaceholderText("never")
        # digits or nothing: an empty field is a finished edit too ("never")
        self.setValidator(QRegularExpressionValidator(QRegularExpression(r"\d{0,9}"), self))
        self.setToolTip("Pause when the run reaches this iteration (blank: never). "
                        "Press Space to go on past it. Lessons set it to their stop.")
        self._shown: int | None = None
        self.editingFinished.connect(self._on_editing_finished)

    def stop_at(self) -> int | None:
        """Return the stop iteration shown, or None."""
        return self._shown

    def set_stop_at(self, iteration: int | None) -> None:
        """Show ``iteration`` (None: blank), emitting nothing."""
        self._shown = iteration
        self.setText("" if iteration is None else str(iteration))

    @Slot()
    def _on_editing_finished(self) -> None:
        text = self.text().strip()
        value = int(text) if text else None
        if value != self._shown:
            self._shown = value
            self.stop_at_changed.emit(value)
