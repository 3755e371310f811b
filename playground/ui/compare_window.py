"""Twin runs: two copies of one network, trained side by side in lock-step.

Same data, same seed, same network; the runs differ only in the one setting the learner
picks (by default the initialisation: A = zeros, B = random × 0.01), so any difference on
screen is caused by that choice. Each run has its own column — title, numbers, decision
boundary, symmetry history — and one shared plot shows both cost curves.

The twin runs are one ``TwinRun`` (``session/twin.py``) driven by a run loop of their own,
through a ``RunSession`` exactly like the main window's run: in a training process of its
own, drawn from the newest frame at display rate. Closing the window shuts it down
(stop → quit → wait); the main window's run is independent.

Open it from the main window with ``CompareWindow(config, settings, parent=self).show()``;
run it alone with ``python -m playground.ui.compare_window``.
"""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QSettings, Qt, QTimer, Slot
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from playground.session.commands import BreakSymmetry, ConfigureTwins, SetPlaneAspect
from playground.session.config import RunConfig
from playground.session.snapshot import RunState
from playground.session.twin import (
    DEFAULT_VALUES,
    FIELD_LABELS,
    RUN_NAMES,
    TWIN_FIELDS,
    TwinSetup,
    TwinSnapshot,
    describe_common,
    describe_run,
    twin_setup,
)
from playground.ui.application import make_application
from playground.ui.controls import PAUSE_TEXT, PLAY_TEXT
from playground.ui.run_commands import KEYS_HINT, RunCommands
from playground.ui.twin_editors import RunValueEditor
from playground.ui.twin_widgets import RED, RunColumn, TwinCostView, run_text_color
from playground.ui.worker import RunSession

DISPLAY_INTERVAL_MS = 16        # draw the newest pair at most ~60 times a second


# ------------------------------------------------------------------------------ the window

class CompareWindow(RunCommands, QMainWindow):
    """Twin runs of ``base_config`` differing in one setting, side by side, in lock-step.

    ``settings`` (default: the user's QSettings) keeps the window's geometry; ``session``
    is made here unless given. Space plays/pauses, S steps, Shift+S steps 100, R resets.
    """

    def __init__(self, base_config: RunConfig, settings: QSettings | None = None,
                 parent: QWidget | None = None, session: RunSession | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("playground — twin runs: what does one choice change?")
        self.base_config = base_config
        self.settings = settings if settings is not None else QSettings()
        self.session = (session if session is not None
                        else RunSession(self, thread_name="playground-twin-runs"))
        self._drawn: TwinSnapshot | None = None
        self._titled: TwinSetup | None = None
        self._error_run_id: int | None = None     # an error shows until the run changes

        self.field_combo = QComboBox()
        for field in TWIN_FIELDS:
            if field in FIELD_LABELS:
                self.field_combo.addItem(FIELD_LABELS[field], field)
        self.field_combo.setToolTip("The one setting in which runs A and B differ")
        self.editors = (RunValueEditor(0), RunValueEditor(1))
        for field, values in DEFAULT_VALUES.items():
            for editor, value in zip(self.editors, values):
                editor.set_value(field, value)
        self.play_button = QPushButton(PLAY_TEXT)
        self.play_button.setToolTip("Train both runs together (Space)")
        self.step_button = QPushButton("Step")
        self.step_button.setToolTip("One iteration of each run (S); Shift+S: 100")
        self.reset_button = QPushButton("Reset")
        self.reset_button.setToolTip("Both runs back to iteration 0, re-drawn from the same "
                                     "seed (R)")
        self.break_checkbox = QCheckBox("Break-symmetry controls")
        self.break_checkbox.setToolTip("Show each run's “Break symmetry” controls: add noise "
                                       "to W[l] of that run only")
        self.common_label = QLabel()
        self.common_label.setWordWrap(True)
        self.message_label = QLabel()
        self.message_label.setWordWrap(True)
        self.columns = (RunColumn(0), RunColumn(1))
        self.cost_view = TwinCostView()
        self._build_layout()
        self.install_run_keys()
        self._connect()
        self._display_timer = QTimer(self)
        self._display_timer.setInterval(DISPLAY_INTERVAL_MS)
        self._display_timer.timeout.connect(self._on_display_timer_timeout)
        self._display_timer.start()
        self._restore_settings()
        self._show_field(self.field())
        self.apply()

    # -- building -----------------------------------------------------------------------
    def _build_layout(self) -> None:
        bar = QHBoxLayout()
        bar.setContentsMargins(6, 4, 6, 0)
        bar.addWidget(QLabel("Differ in"))
        bar.addWidget(self.field_combo)
        for run, editor in enumerate(self.editors):
            bar.addSpacing(14)
            label = QLabel(f"<b style='color:{run_text_color(run)}'>{RUN_NAMES[run]}:</b>")
            bar.addWidget(label)
            bar.addWidget(editor)
        bar.addSpacing(20)
        for button in (self.play_button, self.step_button, self.reset_button):
            bar.addWidget(button)
        bar.addSpacing(12)
        bar.addWidget(self.break_checkbox)
        bar.addSpacing(12)
        bar.addWidget(self.message_label, 1)
        columns = QSplitter(Qt.Orientation.Horizontal)
        for column in self.columns:
            columns.addWidget(column)
        columns.setSizes([640, 640])
        body = QSplitter(Qt.Orientation.Vertical)
        body.addWidget(columns)
        body.addWidget(self.cost_view)
        body.setStretchFactor(0, 3)
        body.setStretchFactor(1, 1)
        body.setSizes([580, 190])
        self.splitters = {"columns": columns, "body": body}
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(bar)
        self.common_label.setContentsMargins(8, 0, 8, 0)
        layout.addWidget(self.common_label)
        layout.addWidget(body, 1)
        self.setCentralWidget(central)
        self.statusBar().showMessage(KEYS_HINT)

    def _connect(self) -> None:
        self.field_combo.currentIndexChanged.connect(self._on_field_combo_changed)
        for editor in self.editors:
            editor.changed.connect(self._on_editor_changed)
        self.play_button.clicked.connect(self._on_play_button_clicked)
        self.step_button.clicked.connect(self._on_step_button_clicked)
        self.reset_button.clicked.connect(self.reset)
        self.break_checkbox.toggled.connect(self._on_break_checkbox_toggled)
        self._on_break_checkbox_toggled(False)
        for column in self.columns:
            column.break_symmetry_requested.connect(self._on_column_break_symmetry_requested)
        # the two runs share one plane: it takes the first column's plot's shape
        self.columns[0].boundary_view.plane_aspect_changed.connect(
            lambda aspect: self.session.send(SetPlaneAspect(aspect)))
        self.session.snapshot_ready.connect(self._on_session_snapshot_ready)
        self.session.failed.connect(self._on_session_failed)

    # -- the setup ----------------------------------------------------------------------
    def field(self) -> str:
        """Return the setting the runs differ in now: a key of FIELD_LABELS."""
        return self.field_combo.currentData()

    def setup(self) -> TwinSetup:
        """Return the TwinSetup the controls show (ValueError if it cannot work)."""
        field = self.field()
        return twin_setup(self.base_config, field, *(e.value(field) for e in self.editors))

    def choose(self, field: str, value_a: object, value_b: object) -> None:
        """Make the runs differ in ``field`` with these values, and rebuild both.

        Values as ``RunValueEditor.value``: an initialisation is a name or (name, scale).
        """
        self.field_combo.blockSignals(True)
        self.field_combo.setCurrentIndex(self.field_combo.findData(field))
        self.field_combo.blockSignals(False)
        for editor, value in zip(self.editors, (value_a, value_b)):
            editor.set_value(field, value)
        self._show_field(field)
        self.apply()

    def apply(self, message: str = "") -> bool:
        """Rebuild both runs from the controls' setup, paused at iteration 0."""
        try:
            setup = self.setup()
            setup.configs()
        except ValueError as error:
            self._show_error(str(error))
            return False
        self._error_run_id = None
        self._show_message("")
        self.session.send(ConfigureTwins(setup, message))
        return True

    def _show_field(self, field: str) -> None:
        for editor in self.editors:
            editor.show_field(field)

    # -- commands -----------------------------------------------------------------------
    @Slot(int)
    def _on_field_combo_changed(self, index: int) -> None:
        self._show_field(self.field())
        self.apply()

    @Slot()
    def _on_editor_changed(self) -> None:
        self.apply()

    @Slot()
    def _on_play_button_clicked(self) -> None:
        self.set_playing(not self.is_playing())

    @Slot()
    def _on_step_button_clicked(self) -> None:
        self.step(1)

    @Slot(int, int, float)
    def _on_column_break_symmetry_requested(self, run: int, layer: int, size: float) -> None:
        self.session.send(BreakSymmetry(layer, size, which=run))

    @Slot(bool)
    def _on_break_checkbox_toggled(self, checked: bool) -> None:
        for column in self.columns:
            column.symmetry_view.break_group.setVisible(checked)

    # -- snapshots ----------------------------------------------------------------------
    @Slot(object)
    def _on_session_snapshot_ready(self, pair: TwinSnapshot) -> None:
        self.play_button.setText(PAUSE_TEXT if pair.state is RunState.RUNNING else PLAY_TEXT)

    @Slot(str)
    def _on_session_failed(self, message: str) -> None:
        self._show_error(message)

    def _show_error(self, text: str) -> None:
        """Show why something was refused until the runs are rebuilt or reset."""
        latest = self.session.latest
        self._error_run_id = latest.a.run_id if latest is not None else -1
        self._show_message(text, error=True)

    def _show_message(self, text: str, error: bool = False) -> None:
        self.message_label.setStyleSheet(f"color: {RED}; font-weight: bold" if error else "")
        self.message_label.setText(text)

    @Slot()
    def _on_display_timer_timeout(self) -> None:
        pair = self.session.latest
        if pair is None or pair is self._drawn:
            return
        self._drawn = pair
        if pair.setup is not self._titled:
            self._titled = pair.setup
            names = tuple(f"{RUN_NAMES[run]}: {describe_run(pair.setup, run)}"
                          for run in range(2))
            for column, name in zip(self.columns, names):
                column.set_title(name)
            self.cost_view.set_names(*names)
            self.common_label.setText(describe_common(pair.setup, pair.a))
        for column, snapshot in zip(self.columns, pair.runs):
            column.update_snapshot(snapshot)
        self.cost_view.update_pair(pair)
        if self._error_run_id is None or self._error_run_id != pair.a.run_id:
            self._error_run_id = None
            self._show_message(pair.message)

    def draw_now(self) -> None:
        """Draw the newest pair immediately (tests and screenshots)."""
        self._on_display_timer_timeout()

    # -- lifetime -----------------------------------------------------------------------
    def _restore_settings(self) -> None:
        geometry = self.settings.value("compare/geometry")
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            self.restoreGeometry(geometry)
        else:
            self.resize(1280, 800)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt's name)
        self._display_timer.stop()
        self.settings.setValue("compare/geometry", self.saveGeometry())
        self.settings.sync()
        self.session.shutdown()
        super().closeEvent(event)


def _run_alone() -> int:
    """Return the exit code of an app showing the compare window on its own."""
    app = make_application()
    window = CompareWindow(RunConfig(samples=361, activations=("sigmoid",)))
    window.show()
    return app.exec()


if __name__ == "__main__":
    import sys

    sys.exit(_run_alone())
