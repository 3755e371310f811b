"""One twin run's value of the setting that differs: a small editor per setting.

``RunValueEditor`` shows the editor of the field picked (``show_field``); ``value(field)``
returns what it holds in ``TwinSetup``'s terms (an initialisation is (name, scale); hidden
layers a tuple of sizes; features a tuple of names; a batch size of None means m), and
``changed`` is emitted for user edits only (``set_value`` is silent). Text that does not
parse (hidden layers "4,x") is marked and changes nothing until it does.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QStackedWidget,
    QWidget,
)

from playground.core.activations import ACTIVATIONS
from playground.core.datasets import MAX_SAMPLES
from playground.core.features import parse_features
from playground.core.initialization import INITS
from playground.core.network import check_hidden_layers
from playground.core.optimizers import OPTIMIZERS
from playground.core.regularization import PENALTIES
from playground.session.twin import FIELD_LABELS, RUN_NAMES
from playground.ui.controls import INIT_SCALE_RANGE, LEARNING_RATE_RANGE
from playground.ui.controls.course2_groups import KEEP_PROB_RANGE, PENALTY_RANGE
from playground.ui.controls.form import NumberBox

RED = "#c00206"


def _row(*widgets: QWidget) -> QWidget:
    row = QWidget()
    layout = QHBoxLayout(row)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(4)
    for widget in widgets:
        layout.addWidget(widget)
    layout.addStretch(1)
    return row


class FieldEditor(QWidget):
    """An editor of one setting: ``value()``, a silent ``set_value``, ``changed``."""

    changed = Signal()

    def value(self) -> object:
        raise NotImplementedError

    def set_value(self, value: object) -> None:
        raise NotImplementedError

    def _silently(self, widgets: tuple[QWidget, ...], change: Callable[[], None]) -> None:
        for widget in widgets:
            widget.blockSignals(True)
        try:
            change()
        finally:
            for widget in widgets:
                widget.blockSignals(False)


class InitEditor(FieldEditor):
    """An initialisation and, for a scheme that takes one, its scale: (name, scale)."""

    def __init__(self, run: str) -> None:
        super().__init__()
        self.combo = QComboBox()
        for init in INITS.values():      # "random", not "random × scale": the scale is beside
            self.combo.addItem(init.name if init.takes_scale else init.label, init.name)
            self.combo.setItemData(self.combo.count() - 1, init.formula,
                                   Qt.ItemDataRole.ToolTipRole)
        self.combo.setToolTip(f"How run {run} draws W[l] (biases start at 0)")
        self.scale = NumberBox(*INIT_SCALE_RANGE, 0.01)
        self.scale.setToolTip(f"Run {run}'s scale: W[l] = randn(n[l], n[l−1]) × scale")
        self.times = QLabel("×")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(_row(self.combo, self.times, self.scale))
        self.combo.currentIndexChanged.connect(self._on_combo_changed)
        self.scale.valueChanged.connect(self.changed)
        self._show_scale()

    def value(self) -> tuple[str, float]:
        return self.combo.currentData(), self.scale.value()

    def set_value(self, value: object) -> None:
        name, scale = (value, None) if isinstance(value, str) else value

        def change() -> None:
            self.combo.setCurrentIndex(self.combo.findData(name))
            if scale is not None:
                self.scale.setValue(float(scale))
        self._silently((self.combo, self.scale), change)
        self._show_scale()

    @Slot(int)
    def _on_combo_changed(self, index: int) -> None:
        self._show_scale()
        self.changed.emit()

    def _show_scale(self) -> None:
        scaled = INITS[self.combo.currentData()].takes_scale
        self.scale.setEnabled(scaled)
        self.times.setEnabled(scaled)


class NumberEditor(FieldEditor):
    """A number in a range: the learning rate, λ, keep-prob."""

    def __init__(self, low: float, high: float, start: float, tip: str) -> None:
        super().__init__()
        self.box = NumberBox(low, high, start)
        self.box.setToolTip(tip)
        QHBoxLayout(self).addWidget(_row(self.box))
        self.layout().setContentsMargins(0, 0, 0, 0)
        self.box.valueChanged.connect(self.changed)

    def value(self) -> float:
        return self.box.value()

    def set_value(self, value: object) -> None:
        self._silently((self.box,), lambda: self.box.setValue(float(value)))


class ChoiceEditor(FieldEditor):
    """One name of a registry: an activation (for every hidden layer), an optimiser."""

    def __init__(self, choices: dict[str, tuple[str, str]], tip: str) -> None:
        super().__init__()
        self.combo = QComboBox()
        for name, (label, formula) in choices.items():
            self.combo.addItem(label, name)
            self.combo.setItemData(self.combo.count() - 1, formula, Qt.ItemDataRole.ToolTipRole)
        self.combo.setToolTip(tip)
        QHBoxLayout(self).addWidget(_row(self.combo))
        self.layout().setContentsMargins(0, 0, 0, 0)
        self.combo.currentIndexChanged.connect(self.changed)

    def value(self) -> str:
        return self.combo.currentData()

    def set_value(self, value: object) -> None:
        self._silently((self.combo,), lambda: self.combo.setCurrentIndex(
            self.combo.findData(value)))


class ListEditor(FieldEditor):
    """A comma-separated list: hidden layer sizes ("4,3"; "" for none) or input features
    ("x1,x2,x1^2"). Text that ``parse`` refuses is marked red and changes nothing."""

    def __init__(self, parse: Callable[[str], tuple], show: Callable[[tuple], str],
                 tip: str) -> None:
        super().__init__()
        self.parse, self.show = parse, show
        self.edit = QLineEdit()
        self.edit.setToolTip(tip)
        self.edit.setMinimumWidth(self.edit.fontMetrics().horizontalAdvance("x1,x2,x1^2,x2^2"))
        QHBoxLayout(self).addWidget(self.edit)
        self.layout().setContentsMargins(0, 0, 0, 0)
        self._value: tuple = ()
        self.edit.editingFinished.connect(self._on_edit_finished)

    def value(self) -> tuple:
        return self._value

    def set_value(self, value: object) -> None:
        self._value = tuple(value)
        self.edit.setText(self.show(self._value))
        self.edit.setStyleSheet("")

    @Slot()
    def _on_edit_finished(self) -> None:
        try:
            value = self.parse(self.edit.text())
        except ValueError as error:
            self.edit.setStyleSheet(f"QLineEdit {{ border: 1px solid {RED}; }}")
            self.edit.setToolTip(str(error))
            return
        self.edit.setStyleSheet("")
        if value != self._value:
            self._value = value
            self.changed.emit()


class BatchEditor(FieldEditor):
    """A batch size B, or "m" (0 on the box): the whole training set as one batch."""

    def __init__(self, run: str) -> None:
        super().__init__()
        self.box = QSpinBox()
        self.box.setRange(0, MAX_SAMPLES)
        self.box.setSpecialValueText("m (all)")
        self.box.setKeyboardTracking(False)
        self.box.setToolTip(f"Run {run}'s examples per update; m (all) is plain gradient "
                            "descent")
        QHBoxLayout(self).addWidget(_row(self.box))
        self.layout().setContentsMargins(0, 0, 0, 0)
        self.box.valueChanged.connect(self.changed)

    def value(self) -> int | None:
        return self.box.value() or None

    def set_value(self, value: object) -> None:
        self._silently((self.box,), lambda: self.box.setValue(int(value or 0)))


def _sizes(text: str) -> tuple[int, ...]:
    try:
        sizes = tuple(int(part) for part in text.replace(" ", "").split(",") if part)
    except ValueError:
        raise ValueError(f"hidden layers are sizes like 4,3; got {text!r}") from None
    check_hidden_layers(sizes, ("tanh",) * len(sizes))
    return sizes


def _editors(run: str) -> dict[str, FieldEditor]:
    """Return one editor per field of FIELD_LABELS, for run ``run``."""
    activations = {a.name: (a.label, a.formula) for a in ACTIVATIONS.values()}
    optimizers = {o.name: (o.label, o.formula) for o in OPTIMIZERS.values()}
    return {
        "init": InitEditor(run),
        "learning_rate": NumberEditor(*LEARNING_RATE_RANGE, 1.0,
                                      f"Run {run}'s learning rate: W := W − rate · dW"),
        "activations": ChoiceEditor(activations, f"g of every hidden layer of run {run}"),
        "hidden_layers": ListEditor(_sizes, lambda v: ",".join(map(str, v)),
                                    f"Run {run}'s hidden layer sizes, e.g. 4 or 8,8"),
        "optimizer": ChoiceEditor(optimizers, f"How run {run} updates its parameters"),
        "batch_size": BatchEditor(run),
        "l2": NumberEditor(*PENALTY_RANGE, 0.0,
                           f"Run {run}'s λ: {PENALTIES['l2'].formula}"),
        "keep_prob": NumberEditor(*KEEP_PROB_RANGE, 1.0,
                                  f"Run {run}'s keep-prob: each hidden unit kept with it"),
        "features": ListEditor(parse_features, ",".join,
                               f"Run {run}'s inputs, from x1, x2, x1^2, x2^2, x1x2, "
                               "sin(x1), sin(x2)"),
    }


class RunValueEditor(QWidget):
    """One run's value of the setting that differs: the editor of each field, one shown."""

    changed = Signal()

    def __init__(self, run: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._editors = _editors(RUN_NAMES[run])
        assert self._editors.keys() == FIELD_LABELS.keys()
        self.pages = QStackedWidget()
        for editor in self._editors.values():
            self.pages.addWidget(editor)
            editor.changed.connect(self.changed)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.pages)

    def editor(self, field: str) -> FieldEditor:
        return self._editors[field]

    def show_field(self, field: str) -> None:
        """Show the editor of ``field``."""
        self.pages.setCurrentWidget(self._editors[field])

    def value(self, field: str) -> object:
        """Return the value of ``field`` shown in its editor."""
        return self._editors[field].value()

    def set_value(self, field: str, value: object) -> None:
        """Show ``value`` for ``field`` without emitting ``changed``; an init may be a name."""
        self._editors[field].set_value(value)
