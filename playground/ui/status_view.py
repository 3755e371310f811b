"""The status line: iteration, cost, accuracy, speed, state, and the symmetry read-out."""

from __future__ import annotations

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import QFormLayout, QLabel, QVBoxLayout, QWidget

from playground.session.snapshot import RunState, Snapshot

STATE_TEXT = {RunState.IDLE: "idle", RunState.RUNNING: "training…",
              RunState.PAUSED: "paused", RunState.STOPPING: "stopping"}


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.1f} %"


def _cost(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:.6f}" if abs(value) < 1e6 else f"{value:.4g}"


def describe_layer(layer: int, units: int, spread: float, distinct: int) -> str:
    """Return one line saying in words whether the units of a hidden layer differ."""
    if units == 1:
        return f"layer {layer}: a single unit"
    if spread == 0.0:
        return (f"layer {layer}: all {units} units identical (spread exactly 0) — "
                f"the symmetry is not broken")
    if distinct == 1:
        return (f"layer {layer}: all {units} units identical up to rounding "
                f"(spread {spread:.1e}) — the symmetry is not broken")
    return f"layer {layer}: {distinct} of {units} units distinct (spread {spread:.3g})"


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
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.symmetry)
        layout.addWidget(self.message)
        layout.addStretch(1)

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
        self.fields["speed"].setText(f"{s.steps_per_second:,.0f} iterations/s"
                                     if s.steps_per_second else "—")
        lines = [describe_layer(l, s.arch.layer_dims[l], spread, distinct)
                 for l, (spread, distinct) in enumerate(zip(s.unit_spreads, s.distinct_units),
                                                        start=1)]
        self.symmetry.setText("\n".join(lines) if lines else
                              f"no hidden layer ({s.arch.objective.shallow_name})")
        if s.divergence is not None:
            self.message.setStyleSheet("color: #b00020; font-weight: bold;")
            self.message.setText(s.divergence.message)
        else:
            self.message.setStyleSheet("color: #555;")
            self.message.setText(s.message)
