"""The status line: iteration, cost, accuracy, speed, state, and the symmetry read-out."""

from __future__ import annotations

from PySide6.QtCore import Qt, Slot
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QBoxLayout, QFormLayout, QLabel, QVBoxLayout, QWidget

from playground.core.metrics import epoch_cost_rises, recent_cost_rises
from playground.session.snapshot import RunState, Snapshot
from playground.session.wording import describe_layer

#: The least width at which the notice stands beside the numbers (both keep ~250 px).
SIDE_BY_SIDE_WIDTH = 500

STATE_TEXT = {RunState.IDLE: "idle", RunState.RUNNING: "training…",
              RunState.PAUSED: "paused", RunState.STOPPING: "stopping"}


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.1f} %"


def _cost(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:.6f}" if abs(value) < 1e6 else f"{value:.4g}"


def speed_text(rate: float, running: bool) -> str:
    """Return the speed as a learner reads it: "—" before any, and what it was while the
    run last ran when it is paused."""
    if not rate:
        return "—"
    text = f"{rate:,.0f}" if rate >= 10 else f"{rate:.1g}" if rate < 1 else f"{rate:.1f}"
    return f"{text} iterations/s" + ("" if running else " (while it ran)")


class StatusView(QWidget):
    """Numbers of the newest snapshot, in words where words help."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.fields: dict[str, QLabel] = {}
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        tips = {
            "state": "What the trainer is doing: training, paused, …",
            "iteration": "Number of gradient-descent updates applied so far",
            "cost": "J of the current parameters on the training set (test set in brackets)",
            "accuracy": "Share of correct predictions: 1 iff a > 0.5 (binary), argmax (classes)",
            "speed": "Gradient-descent iterations per second",
        }
        for name, tip in tips.items():
            label = QLabel("—")
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            label.setToolTip(tip)
            form.addRow(f"{name.capitalize()}:", label)
            self.fields[name] = label
        self.symmetry = QLabel()
        self.symmetry.setWordWrap(True)
        self.symmetry.setToolTip("Unit spread: the largest distance between two units' "
                                 "[W[l] | b[l]] rows. Exactly 0 means every unit of the layer "
                                 "computes the same function.")
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        numbers = QVBoxLayout()
        numbers.addLayout(form)
        numbers.addWidget(self.symmetry)
        numbers.addStretch(1)
        # The notice beside the numbers (above them when that is too narrow), not under
        # them: in the status's few rows it is read first and never scrolled away (a
        # divergence's explanation is three lines).
        self._layout = QBoxLayout(QBoxLayout.Direction.LeftToRight, self)
        self._layout.addLayout(numbers, 1)
        self._layout.addWidget(self.message, 1)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt's name)
        """Put the notice beside the numbers where both fit, else above them."""
        wide = event.size().width() >= SIDE_BY_SIDE_WIDTH
        self._layout.setDirection(QBoxLayout.Direction.LeftToRight if wide
                                  else QBoxLayout.Direction.BottomToTop)
        self._layout.setStretch(1, 1 if wide else 0)      # above: only the notice's lines
        super().resizeEvent(event)

    def text(self) -> str:
        """Return what the status shows, one line per row, as plain text."""
        rows = [f"{name.capitalize()}: {label.text()}" for name, label in self.fields.items()]
        return "\n".join(rows + [t for t in (self.symmetry.text(), self.message.text()) if t])

    @Slot(object)
    def update_snapshot(self, snapshot: Snapshot) -> None:
        s = snapshot
        state = "diverged — paused" if s.diverged else STATE_TEXT[s.state]
        self.fields["state"].setText(state)
        self.fields["iteration"].setText(f"{s.iteration:,}")
        test = f"  (test {_cost(s.test_cost)})" if s.test_cost is not None else ""
        self.fields["cost"].setText(_cost(s.cost) + test)
        if s.arch.objective.task == "regression":
            self.fields["accuracy"].setText("— (regression)")
        else:
            test_acc = f"  (test {_percent(s.test_accuracy)})" if s.test is not None else ""
            self.fields["accuracy"].setText(_percent(s.train_accuracy) + test_acc)
        self.fields["speed"].setText(speed_text(s.steps_per_second,
                                                s.state is RunState.RUNNING))
        lines = [describe_layer(l, s.arch.layer_dims[l], spread, distinct)
                 for l, (spread, distinct) in enumerate(zip(s.unit_spreads, s.distinct_units),
                                                        start=1)]
        self.symmetry.setText("\n".join(lines) if lines else
                              f"no hidden layer ({s.arch.objective.shallow_name})")
        # mini-batches and dropout make the recorded cost noisy: judge the epoch cost
        unit, rise = ("epoch", epoch_cost_rises(s.epoch_history)) if s.noisy_cost else (
            "iteration", recent_cost_rises(s.cost_history))
        if s.divergence is not None:
            self.message.setStyleSheet("color: #b00020; font-weight: bold;")
            self.message.setText(s.divergence.message)
        elif rise is not None:
            iteration, before, after = rise
            self.message.setStyleSheet("color: #b86e00; font-weight: bold;")
            self.message.setText(" ".join(filter(None, (s.message, (
                f"The cost keeps going up (at {unit} {iteration:,}: J {before:.4g} → "
                f"{after:.4g}): the learning rate α = {s.learning_rate:g} is probably too "
                "high; try a smaller one.")))))
        else:
            self.message.setStyleSheet("color: #555;")
            self.message.setText(s.message)
