"""Runs a gradient check (optionally with an injected backprop bug) and shows its result.

The overall and per-layer relative differences ‖g − g̃‖ / (‖g‖ + ‖g̃‖) are judged by
``core.gradcheck.verdict`` and ``layer_verdicts`` — the one place that holds the course's
thresholds and knows when gradients are too small to judge — and coloured by the word
(``VERDICT_COLORS``); the verdict's reason is shown beneath the table.

A result is about the parameters of one iteration. Once training moves on, the view greys
it out and says so ("checked at iteration N; the run is at M"), rather than re-running the
check by itself: a check costs two forward passes per parameter, and the learner decides
when to spend them. The request leaves as the signal ``gradient_check_requested`` for the
main window to pass to the worker; the result comes back through ``show_result``.
Run it with the other instruments: ``python -m playground.ui.views.instruments``.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from playground.core.gradcheck import (
    CORRECT,
    CORRECT_BELOW,
    EPSILON,
    SUSPICIOUS,
    TOO_SMALL,
    WRONG,
    WRONG_FROM,
    GradCheckResult,
    layer_verdicts,
    verdict,
)
from playground.core.network import Architecture
from playground.session.snapshot import Snapshot
from playground.ui.log_slider import format_number
from playground.ui.views.instrument_plots import AMBER, GREEN, GREY, RED, wrapping_label

TABLE_ROWS = 8              # layers the check's table shows before it scrolls
VERDICT_COLORS = {CORRECT: GREEN, SUSPICIOUS: AMBER, WRONG: RED, TOO_SMALL: GREY}

DIFFERENCE_FORMULA = "difference = ‖g − g̃‖ / (‖g‖ + ‖g̃‖)"


class GradCheckView(QWidget):
    """Asks for a gradient check (optionally with a backprop bug) and shows its result.

    Signals
    -------
    gradient_check_requested(bug_layer)  0 for the real backprop, k to forget g′ in layer k.

    Slots
    -----
    update_snapshot(snapshot)  follows the architecture; a new one (or run) clears the result,
                               a later iteration marks it stale.
    show_result(result)        shows a GradCheckResult (connect gradient_checked to it).
    """

    gradient_check_requested = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._arch: Architecture | None = None
        self._run_id: int | None = None
        self._iteration: int | None = None              # of the newest snapshot
        self._result: GradCheckResult | None = None      # the result shown
        self._shown_stale = False                        # … greyed out as stale
        self._requested_bug = 0

        self.run_button = QPushButton("Run gradient check")
        self.run_button.setToolTip(
            "Compare backprop's gradient g with two-sided differences g̃ᵢ = "
            "(J(θ + ε eᵢ) − J(θ − ε eᵢ)) / 2ε on the current parameters (at most 64 examples); "
            f"{DIFFERENCE_FORMULA}")
        self.run_button.clicked.connect(self._on_run_button_clicked)
        self.bug_checkbox = QCheckBox("Inject a bug: forget g′ in layer")
        bug_tip = ("Check a backprop that computes dZ[l] = W[l+1]ᵀ dZ[l+1] without the factor "
                   "g[l]′(Z[l]), to see the check catch it. Only the check uses it: it never "
                   "affects training")
        self.bug_checkbox.setToolTip(bug_tip)
        self.bug_checkbox.toggled.connect(self._on_bug_checkbox_toggled)
        self.bug_spin = QSpinBox()
        self.bug_spin.setRange(1, 1)
        self.bug_spin.setToolTip(bug_tip)
        self.formula_label = QLabel(
            f"{DIFFERENCE_FORMULA},   ε = {format_number(EPSILON)}   —   "
            f"<span style='color:{GREEN}'>correct</span> below {CORRECT_BELOW:g}, "
            f"<span style='color:{AMBER}'>suspicious</span> below {WRONG_FROM:g}, "
            f"<span style='color:{RED}'>wrong</span> above — "
            f"<span style='color:{GREY}'>too small to judge</span> where rounding alone "
            "could explain the difference")
        self.formula_label.setTextFormat(Qt.TextFormat.RichText)
        self.formula_label.setWordWrap(True)
        self.result_label = QLabel()
        self.result_label.setTextFormat(Qt.TextFormat.RichText)
        self.result_label.setWordWrap(True)
        self.table = QTableWidget(0, 3)
        self.table.setHorizontalHeaderLabels(["layer", "difference", "verdict"])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.setToolTip(f"Each layer's {DIFFERENCE_FORMULA} over its dW[l] and db[l]")
        self.note_label = wrapping_label()            # the verdict's reason
        self.note_label.setStyleSheet(f"color: {GREY}")
        self.stale_label = wrapping_label()           # "checked at iteration N; …"
        self.stale_label.setStyleSheet(f"color: {AMBER}")
        self.clear_result()
        self._set_bug_enabled(False)
        self.run_button.setEnabled(False)

        bug_row = QHBoxLayout()               # on its own row: the panel fits a narrow dock
        bug_row.addWidget(self.bug_checkbox)
        bug_row.addWidget(self.bug_spin)
        bug_row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.run_button)
        layout.addLayout(bug_row)
        layout.addWidget(self.formula_label)
        layout.addWidget(self.stale_label)
        layout.addWidget(self.result_label)
        layout.addWidget(self.table)
        layout.addWidget(self.note_label)
        layout.addStretch(1)               # a short table (or none) stays at the top

    def bug_layer(self) -> int:
        """Return the layer whose g′ the checked backprop forgets, 0 for none."""
        if self.bug_checkbox.isEnabled() and self.bug_checkbox.isChecked():
            return self.bug_spin.value()
        return 0

    # ------------------------------------------------------------------ public API

    @property
    def stale(self) -> bool:
        """Return True if the shown result is about an earlier iteration than the run's."""
        r = self._result
        return (r is not None and r.iteration is not None and self._iteration is not None
                and self._iteration != r.iteration)

    @Slot(object)
    def update_snapshot(self, snapshot: Snapshot) -> None:
        """Follow ``snapshot``: a new architecture or run clears the result; a result of
        an earlier iteration is greyed out and marked stale."""
        self._iteration = snapshot.iteration
        if snapshot.arch != self._arch or snapshot.run_id != self._run_id:
            self._arch, self._run_id = snapshot.arch, snapshot.run_id
            hidden = snapshot.arch.L - 1
            self.bug_spin.setRange(1, max(hidden, 1))
            self._set_bug_enabled(hidden > 0)
            self.run_button.setEnabled(True)
            self.clear_result()
        elif self._result is not None and self.stale != self._shown_stale:
            self._draw()

    @Slot(object)
    def show_result(self, result: GradCheckResult) -> None:
        """Show ``result``'s overall and per-layer differences with their verdicts."""
        self._result = result
        self._draw()

    def clear_result(self) -> None:
        """Forget the shown result (it was for other parameters)."""
        self._result = None
        self._shown_stale = False
        self.result_label.setText("Press “Run gradient check” to compare backprop with "
                                  "two-sided differences.")
        self.table.setRowCount(0)
        self.table.setVisible(False)
        self.note_label.setVisible(False)
        self.stale_label.setVisible(False)

    # ------------------------------------------------------------------ drawing

    def _draw(self) -> None:
        """Draw the result, in its verdicts' colours, or greyed out when stale."""
        result = self._result
        assert result is not None
        stale = self._shown_stale = self.stale

        def color(word: str) -> str:
            return GREY if stale else VERDICT_COLORS[word]

        overall = verdict(result)
        checked = (f"backprop with g′ forgotten in layer {self._requested_bug}"
                   if self._requested_bug else "backprop")
        at = "" if result.iteration is None else f" at iteration {result.iteration:,}"
        self.result_label.setText(
            f"{checked}{at}: difference = <b style='color:{color(overall.word)}'>"
            f"{result.difference:.3g} — {overall.word}</b>   "
            f"(ε = {format_number(result.epsilon)})")
        self.note_label.setText(overall.reason[:1].upper() + overall.reason[1:] + ".")
        self.note_label.setVisible(True)
        self.stale_label.setText(
            f"Checked at iteration {result.iteration:,}; the run is at {self._iteration:,} — "
            "run the check again." if stale else "")
        self.stale_label.setVisible(stale)
        self.table.setRowCount(len(result.layer_differences))
        for row, (difference, v) in enumerate(zip(result.layer_differences,
                                                  layer_verdicts(result))):
            cells = (f"{row + 1}", f"{difference:.3g}", v.word)
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                item.setToolTip(f"Layer {row + 1}: {v.reason}")
                if column or stale:
                    item.setForeground(QColor(color(v.word)))
                self.table.setItem(row, column, item)
        self.table.resizeRowsToContents()
        shown_rows = min(self.table.rowCount(), TABLE_ROWS)     # more rows scroll
        rows = sum(self.table.rowHeight(r) for r in range(shown_rows))
        self.table.setFixedHeight(self.table.horizontalHeader().sizeHint().height() + rows
                                  + 2 * self.table.frameWidth())
        self.table.setVisible(True)

    # ------------------------------------------------------------------ slots

    @Slot()
    def _on_run_button_clicked(self) -> None:
        self._requested_bug = self.bug_layer()
        self.result_label.setText("Checking… (two forward passes per parameter)")
        self.gradient_check_requested.emit(self._requested_bug)

    @Slot(bool)
    def _on_bug_checkbox_toggled(self, checked: bool) -> None:
        self.bug_spin.setEnabled(checked and self.bug_checkbox.isEnabled())

    def _set_bug_enabled(self, enabled: bool) -> None:
        self.bug_checkbox.setEnabled(enabled)
        if not enabled:
            self.bug_checkbox.setChecked(False)
        self.bug_spin.setEnabled(enabled and self.bug_checkbox.isChecked())
