"""The main window: controls on the left, the live views on the right, a File menu.

The window never touches training arrays: it sends commands (``session/commands.py``) to
its ``RunSession`` and draws the newest ``Snapshot`` at display rate. It keeps no copy of
the run's configuration: the controls hold what the learner set, the frames say what runs.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QByteArray, QSettings, Qt, QTimer, Slot
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence, QShowEvent
from PySide6.QtWidgets import (
    QMainWindow,
    QMessageBox,
)

from playground.session.commands import (
    BreakSymmetry,
    CheckGradients,
    Configure,
    SetLearningRate,
    SetPace,
    SetPlaneAspect,
    SetStopAt,
    SetTrainingOptions,
    SetWeight,
)
from playground.session.config import RunConfig
from playground.session.lessons import lesson, lessons
from playground.session.snapshot import RunState, Snapshot
from playground.ui.compare_window import CompareWindow
from playground.ui.controls import ControlPanel
from playground.ui.file_actions import FileActions
from playground.ui.focus import ReturnFocus
from playground.ui.lesson_view import LessonView
from playground.ui.main_layout import build_panes, fit
from playground.ui.panels import LESSON_HEIGHT, Panels
from playground.ui.run_commands import KEYS_HINT, PACE_KEYS_HINT, RunCommands
from playground.ui.status_view import StatusView
from playground.ui.views.boundary_view import BoundaryView
from playground.ui.views.cost_view import CostView
from playground.ui.views.gradcheck_view import GradCheckView
from playground.ui.views.gradient_view import GradientView
from playground.ui.views.health_view import HealthView
from playground.ui.views.network_view import NetworkView
from playground.ui.views.shapes_view import ShapesView
from playground.ui.views.symmetry_view import SymmetryView
from playground.ui.views.units_view import UnitsView
from playground.ui.views.weights_view import WeightsView
from playground.ui.worker import RunSession

NOTICE_MS = 10_000             # how long a control's notice stays in the status bar
DISPLAY_INTERVAL_MS = 16       # draw the newest snapshot at most ~60 times a second

class MainWindow(FileActions, RunCommands, Panels, QMainWindow):
    """The playground window. ``settings`` defaults to the user's QSettings."""

    def __init__(self, session: RunSession | None = None,
                 settings: QSettings | None = None,
                 report_errors: Callable[[str, str], None] | None = None) -> None:
        """``report_errors(title, message)`` replaces the error dialog (scripted runs)."""
        super().__init__()
        self._report_errors = report_errors
        self.setWindowTitle("playground — watch a neural network learn")
        self.settings = settings if settings is not None else QSettings()
        self.session = session if session is not None else RunSession(self)
        self.controls = ControlPanel()
        self.boundary_view = BoundaryView()
        self.cost_view = CostView()
        self.weights_view = WeightsView()
        self.units_view = UnitsView()
        self.network_view = NetworkView()
        self.status_view = StatusView()
        self.lesson_view = LessonView()
        self.instruments = {"symmetry": SymmetryView(), "gradients": GradientView(),
                            "health": HealthView(), "gradcheck": GradCheckView(),
                            "shapes": ShapesView()}
        self._drawn: Snapshot | None = None
        self.frames_drawn = 0          # snapshots drawn so far (for playground bench --gui)
        self._shown_once = False
        self.compare_window: CompareWindow | None = None
        self._build_layout()
        self._build_menus()
        self._connect()
        self._display_timer = QTimer(self)
        self._display_timer.setInterval(DISPLAY_INTERVAL_MS)
        self._display_timer.timeout.connect(self._on_display_timer_timeout)
        self._display_timer.start()
        self._restore_settings()
        self.return_focus = ReturnFocus(self)
        self.apply_config(self.controls.config(), message="")
        self.session.send(SetPace(self.controls.pace_slider.pace()))

    # -- building -----------------------------------------------------------------------
    def _build_layout(self) -> None:
        self.panes = build_panes(
            self.controls, {"network": self.network_view, "units": self.units_view,
                            "weights": self.weights_view},
            self.status_view, self.boundary_view, self.cost_view)
        self.setCentralWidget(self.panes.main)
        self.statusBar().showMessage(f"{KEYS_HINT} · {PACE_KEYS_HINT}")
        self._build_panels()

    def _action(self, menu, text: str, slot, shortcut: QKeySequence | str | None = None,
                tip: str = "") -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.setStatusTip(tip)
        action.setToolTip(tip)
        action.triggered.connect(slot)
        menu.addAction(action)
        return action

    def _build_menus(self) -> None:
        menu = self.menuBar().addMenu("&File")
        self.actions = {
            "export": self._action(menu, "&Export weights…", self.export_weights_dialog,
                                   "Ctrl+E", "Save W1, b1, … and the run's settings as .npz"),
            "import": self._action(menu, "&Import weights…", self.import_weights_dialog,
                                   "Ctrl+I", "Load a .npz weights file and continue from it"),
        }
        menu.addSeparator()
        self.actions["save"] = self._action(menu, "&Save session…", self.save_session_dialog,
                                            QKeySequence.StandardKey.Save,
                                            "Save every control's value as JSON")
        self.actions["open"] = self._action(menu, "&Open session…", self.open_session_dialog,
                                            QKeySequence.StandardKey.Open,
                                            "Restore the controls from a saved session")
        menu.addSeparator()
        self.actions["png"] = self._action(menu, "Export plot as &PNG…", self.export_png_dialog,
                                           None, "Save the decision-boundary plot as an image")
        self.actions["csv"] = self._action(menu, "Export data as &CSV…", self.export_csv_dialog,
                                           None, "Save the training data as CSV")
        menu.addSeparator()
        self.actions["quit"] = self._action(menu, "&Quit", self.close, "Ctrl+Q", "Quit")
        view_menu = self.menuBar().addMenu("&View")
        self.lesson_dock.toggleViewAction().triggered.connect(
            lambda checked: checked and self.lesson_dock.raise_())
        view_menu.addAction(self.lesson_dock.toggleViewAction())
        for name, dock in self.docks.items():
            action = dock.toggleViewAction()
            action.triggered.connect(
                lambda checked, name=name: checked and self.show_instrument(name))
            view_menu.addAction(action)
        view_menu.addSeparator()
        self.actions["compare"] = self._action(
            view_menu, "&Compare twin runs…", self.open_compare_window, "Ctrl+T",
            "Train two copies of this network side by side, differing in one setting "
            "(zero against random initialisation by default)")
        lessons_menu = self.menuBar().addMenu("&Lessons")
        for number, preset in enumerate(lessons().values(), start=1):
            self.actions[f"lesson:{preset.name}"] = self._action(
                lessons_menu, f"&{number}  {preset.title}",
                lambda checked=False, name=preset.name: self.start_lesson(name),
                None, preset.explanation)
        self.install_run_keys()

    def _connect(self) -> None:
        c = self.controls
        c.config_changed.connect(self._on_controls_config_changed)
        c.options_changed.connect(self._on_controls_options_changed)
        c.learning_rate_changed.connect(self._on_controls_learning_rate_changed)
        c.play_toggled.connect(self.set_playing)
        c.step_requested.connect(self.step)
        c.reset_requested.connect(self.reset)
        c.reinitialize_requested.connect(self._on_controls_reinitialize_requested)
        c.load_csv_requested.connect(self.load_csv_dialog)
        c.notice.connect(lambda text: self.statusBar().showMessage(text, NOTICE_MS))
        c.pace_changed.connect(self._on_controls_pace_changed)
        c.stop_at_changed.connect(self._on_controls_stop_at_changed)
        self.units_view.unit_clicked.connect(self._on_units_unit_clicked)
        self.boundary_view.plane_aspect_changed.connect(self._on_boundary_plane_aspect_changed)
        self.lesson_view.step_requested.connect(self._on_lesson_step_requested)
        self.panes.tabs.currentChanged.connect(self._on_tabs_current_changed)
        net = self.network_view
        net.weight_edit_requested.connect(self._on_network_weight_edit_requested)
        net.layers_change_requested.connect(self._on_network_layers_change_requested)
        net.break_symmetry_requested.connect(self._on_symmetry_break_symmetry_requested)
        self.instruments["symmetry"].break_symmetry_requested.connect(
            self._on_symmetry_break_symmetry_requested)
        gradcheck = self.instruments["gradcheck"]
        gradcheck.gradient_check_requested.connect(self._on_gradcheck_requested)
        self.session.gradient_checked.connect(gradcheck.show_result)
        self.session.snapshot_ready.connect(self._on_session_snapshot_ready)
        self.session.failed.connect(self._on_session_failed)

    # -- commands -----------------------------------------------------------------------
    def apply_config(self, config: RunConfig, message: str | None = None,
                     keep_playing: bool = True) -> None:
        """Reset the run to ``config`` (a playing run plays on unless ``keep_playing`` is
        False); ``message`` None says what changed. The loop reports failures
        (``failed``), and the run that was there goes on."""
        self.session.send(Configure(config, message, keep_playing))

    @Slot(object)
    def _on_controls_options_changed(self, config: RunConfig) -> None:
        self.session.send(SetTrainingOptions(config))

    @Slot(float)
    def _on_controls_learning_rate_changed(self, learning_rate: float) -> None:
        self.session.send(SetLearningRate(learning_rate))

    @Slot(float)
    def _on_boundary_plane_aspect_changed(self, aspect: float) -> None:
        self.session.send(SetPlaneAspect(aspect))

    @Slot(object)
    def _on_controls_pace_changed(self, pace: float | None) -> None:
        self.session.send(SetPace(pace))
        self.settings.setValue("training/pace", "max" if pace is None else pace)

    @Slot(object)
    def _on_controls_stop_at_changed(self, iteration: int | None) -> None:
        self.session.send(SetStopAt(iteration))

    @Slot(int, float)
    def _on_symmetry_break_symmetry_requested(self, layer: int, size: float) -> None:
        self.session.send(BreakSymmetry(layer, size))

    @Slot(int)
    def _on_gradcheck_requested(self, bug_layer: int) -> None:
        self.session.send(CheckGradients(bug_layer))

    @Slot(object)
    def _on_controls_config_changed(self, config: RunConfig) -> None:
        self.apply_config(config)

    @Slot()
    def _on_controls_reinitialize_requested(self) -> None:
        self.apply_config(self.controls.config())

    @Slot(int, int, int, float)
    def _on_network_weight_edit_requested(self, layer: int, row: int, column: int,
                                          value: float) -> None:
        self.session.send(SetWeight(layer, row, column, value))

    @Slot(object)
    def _on_network_layers_change_requested(self, layers: tuple) -> None:
        self.controls.change_layers(*layers)

    @Slot(int, int)
    def _on_units_unit_clicked(self, layer: int, unit: int) -> None:
        self.boundary_view.show_unit(layer, unit)

    # -- snapshots ----------------------------------------------------------------------
    @Slot(object)
    def _on_session_snapshot_ready(self, snapshot: Snapshot) -> None:
        self.controls.set_playing(snapshot.state is RunState.RUNNING)

    @Slot()
    def _on_display_timer_timeout(self) -> None:
        snapshot = self.session.latest
        if snapshot is None or snapshot is self._drawn:
            return
        self._drawn = snapshot
        for view in (self.boundary_view, self.cost_view, self.status_view):
            view.update_snapshot(snapshot)
        self._draw_tab(snapshot)
        self._draw_instruments(snapshot)
        self.frames_drawn += 1

    def show_tab(self, name: str) -> None:
        """Bring the central tab ``name`` (network, units, weights) to the front."""
        tabbed = {"network": self.network_view, "units": self.units_view,
                  "weights": self.weights_view}
        self.panes.tabs.setCurrentWidget(tabbed[name])

    def _draw_tab(self, snapshot: Snapshot) -> None:
        """Update the tab shown (the others catch up when shown)."""
        view = self.panes.tabs.currentWidget()
        if view is not None:
            view.update_snapshot(snapshot)

    @Slot(int)
    def _on_tabs_current_changed(self, index: int) -> None:
        if self._drawn is not None:                 # catch up with the newest frame
            self._draw_tab(self._drawn)

    def _draw_instruments(self, snapshot: Snapshot) -> None:
        """Update the instrument panels that can be seen (hidden ones catch up when shown)."""
        for name, view in self.instruments.items():
            if not self.docks[name].visibleRegion().isEmpty():
                view.update_snapshot(snapshot)

    def draw_now(self) -> None:
        """Draw the newest snapshot immediately (tests and the screenshot mode)."""
        self._on_display_timer_timeout()

    def views_shown(self) -> list[str]:
        """Return the names of the views a learner can see now."""
        named = {"network": self.network_view, "boundary": self.boundary_view,
                 "cost": self.cost_view, "units": self.units_view, "weights": self.weights_view,
                 "status": self.status_view, "lesson": self.lesson_view, **self.instruments}
        return [name for name, view in named.items()
                if view.isVisible() and not view.visibleRegion().isEmpty()]

    def state(self) -> dict:
        """Return what the window shows now, as JSON-ready values (``--state``)."""
        s = self.session.latest
        shown = self.lesson_view.lesson
        return {
            "iteration": s.iteration if s else None,
            "cost": s.cost if s else None,
            "train_accuracy": s.train_accuracy if s else None,
            "test_accuracy": s.test_accuracy if s else None,
            "unit_spread": list(s.unit_spreads) if s else [],
            "distinct_units": list(s.distinct_units) if s else [],
            "diverged": bool(s and s.diverged),
            "status": self.status_view.text(),
            "lesson": shown.name if shown is not None else None,
            "pace": "max" if s is None or s.pace is None else s.pace,
            "views": self.views_shown(),
            "instruments": self.instrument_places(),
        }

    @Slot(str, object)
    def _on_session_failed(self, message: str, kept: RunConfig | None) -> None:
        """Show why a command failed; the controls return to the run that was kept."""
        if isinstance(kept, RunConfig):
            self.controls.set_config(kept)
        self.show_error("Cannot do that", message)

    def show_error(self, title: str, message: str) -> None:
        """Tell the user what went wrong (a modal dialog, unless errors are reported
        elsewhere: a scripted run waits for no one)."""
        if self._report_errors is not None:
            self._report_errors(title, message)
        else:
            QMessageBox.warning(self, title, message)

    def set_pace(self, pace: float | None) -> None:
        """Train at ``pace`` iterations per second (None: full speed), shown on the control."""
        self.controls.set_pace(pace)
        self.session.send(SetPace(self.controls.pace_slider.pace()))

    def show_config_and_apply(self, config: RunConfig, message: str | None = None,
                              keep_playing: bool = True) -> str:
        """Show ``config`` in the controls and start a run from what they show; return the
        note on any value a control had to clamp."""
        note = self._show_config(config)
        self.apply_config(self.controls.config(), message, keep_playing)
        return note

    # -- twin runs ----------------------------------------------------------------------
    @Slot()
    def open_compare_window(self) -> CompareWindow:
        """Open (or bring forward) twin runs of the current settings."""
        if self.compare_window is None or not self.compare_window.isVisible():
            self.compare_window = CompareWindow(self.controls.config(), self.settings,
                                                parent=self)
        self.compare_window.show()
        self.compare_window.raise_()
        return self.compare_window

    # -- lessons ------------------------------------------------------------------------
    def start_lesson(self, name: str) -> None:
        """Set every control to the lesson's settings, reset, and explain what to watch: the
        run plays at the lesson's pace when the learner presses Space and pauses at its
        stop."""
        preset = lesson(name)
        note = self._show_config(preset.config)
        self.lesson_view.show_lesson(preset)
        self._set_stage(preset.stages()[0])
        self.apply_config(self.controls.config(),
                          f"Lesson: {preset.title}. Press Space to play; it pauses at "
                          f"iteration {preset.stop:,}." + note, keep_playing=False)
        self.lesson_dock.show()
        self.lesson_dock.raise_()
        self.resizeDocks([self.lesson_dock], [LESSON_HEIGHT], Qt.Orientation.Vertical)
        if preset.instrument in self.docks:
            self.show_instrument(preset.instrument)

    def _set_stage(self, stage) -> None:
        """Play at the stage's pace and pause at its stop (both shown on the controls)."""
        self.set_pace(stage.pace)
        self.controls.set_stop_at(stage.stop)
        self.session.send(SetStopAt(stage.stop))

    @Slot(int)
    def _on_lesson_step_requested(self, index: int) -> None:
        """Take the lesson's next step ``index``: its settings, then play to its stop."""
        step = self.lesson_view.lesson.steps[index]
        note = self._show_config(step.config)
        self._set_stage(step)
        if step.reset:
            self.apply_config(self.controls.config(), f"{step.label}: the run starts again; "
                              f"it pauses at iteration {step.stop:,}." + note,
                              keep_playing=False)
        else:
            self.session.send(SetLearningRate(self.controls.config().learning_rate))
        self.set_playing(True)
        self.lesson_view.show_step(index)

    # -- lifetime -----------------------------------------------------------------------
    def _restore_settings(self) -> None:
        geometry = self.settings.value("window/geometry")
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            self.restoreGeometry(geometry)
        else:
            self.resize(1280, 800)
        pace = self.settings.value("training/pace", "max")
        try:
            self.controls.set_pace(None if pace == "max" else float(pace))
        except (TypeError, ValueError):
            self.controls.set_pace(None)           # an unreadable setting: full speed

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt's name)
        super().showEvent(event)
        if not self._shown_once:
            self._shown_once = True
            self.fit_panes()
        self._show_whole_tab_names()

    def fit_panes(self) -> None:
        """Share the window's room out between the panes (``main_layout.fit``)."""
        fit(self.panes)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt's name)
        self._display_timer.stop()
        if self.compare_window is not None:
            self.compare_window.close()
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.sync()
        self.session.shutdown()
        super().closeEvent(event)

