"""Starting the window: the normal event loop, or a scripted run that trains, saves a
screenshot and the window's state, and exits without waiting for anyone.

``playground/app.py`` checks the command line (one line on stderr and exit code 2 for
anything wrong, before any window opens) and hands over a ``Launch``.
"""

from __future__ import annotations

import json
import sys
import time
from dataclasses import dataclass

from PySide6.QtCore import QObject, QTimer, Slot
from PySide6.QtWidgets import QApplication

from playground.core.atomic import write_atomically
from playground.session.commands import Play, SetStopAt
from playground.session.config import RunConfig
from playground.session.lessons import lesson as find_lesson
from playground.session.snapshot import RunState, Snapshot
from playground.ui.application import make_application
from playground.ui.main_window import MainWindow

SCRIPT_TIMEOUT_MS = 300_000
SCRIPTED_SIZE = (1280, 800)     # a script's pictures do not depend on the last session
FIRST_LESSON = "start-here"
EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2


@dataclass(frozen=True)
class Launch:
    """What the window is to do. ``config`` None: the defaults (or the lesson's).

    Scripted (``screenshot`` or ``state`` given): train ``iterations`` (None: to the
    lesson's stop, or none) at ``pace`` ("max" or iterations per second; None: full speed
    when scripted, else as the lesson or the saved setting says), save, exit.
    """

    config: RunConfig | None = None
    lesson: str | None = None
    session: str | None = None          # the file ``config`` came from, to say so
    pace: float | str | None = None
    iterations: int | None = None
    size: tuple[int, int] | None = None       # None: as the window was left (scripted: 1280x800)
    screenshot: str | None = None
    state: str | None = None
    report_shown: bool = False

    @property
    def scripted(self) -> bool:
        return self.screenshot is not None or self.state is not None


def run_app(launch: Launch) -> int:
    """Show the main window as ``launch`` says; return the process exit code."""
    app = make_application()
    window = MainWindow(report_errors=_print_error if launch.scripted else None)
    # The size first: a lesson places its instruments by the window's width. Left as it
    # was (or 1280 × 800 at first), the window is kept within the screen.
    if launch.size is None and not launch.scripted:
        room = window.screen().availableGeometry()
        window.resize(min(window.width(), room.width()), min(window.height(), room.height()))
    else:
        window.resize(*(launch.size or SCRIPTED_SIZE))
    lesson = launch.lesson
    if lesson is None and not launch.scripted and launch.config is None and not (
            window.settings.value("lessons/seen", False, type=bool)):
        lesson = FIRST_LESSON                    # first launch: where to start
    window.settings.setValue("lessons/seen", True)
    if lesson is not None:
        window.start_lesson(lesson)
    if launch.config is not None:
        opened = f"Opened session {launch.session}." if launch.session else None
        window.show_config_and_apply(launch.config, opened, keep_playing=False)
    pace = "max" if launch.pace is None and launch.scripted else launch.pace
    if pace is not None:
        window.set_pace(None if pace == "max" else float(pace))
    if launch.report_shown:
        window.show()
        app.processEvents()
        print(f"shown {time.time():.6f}", flush=True)
        window.close()
        return EXIT_OK
    window.show()
    if not launch.scripted:
        return app.exec()
    return Script(app, window, launch).run()


def _print_error(title: str, message: str) -> None:
    print(f"playground: error: {title}: {message}", file=sys.stderr)


class Script(QObject):
    """Trains the window's run as far as asked, then saves and quits (scripted mode)."""

    def __init__(self, app: QApplication, window: MainWindow, launch: Launch) -> None:
        super().__init__(window)
        self.app, self.window, self.launch = app, window, launch
        self.code = EXIT_FAILED
        self._target: int | None = None       # the iteration to train to, once set up
        self._token: int | None = None
        self._saving = False

    def run(self) -> int:
        """Start training, run the event loop until saved (or timed out); return the code."""
        session = self.window.session
        session.snapshot_ready.connect(self._on_session_snapshot_ready)
        session.synced.connect(self._on_session_synced)
        session.failed.connect(self._on_session_failed)
        QTimer.singleShot(SCRIPT_TIMEOUT_MS, self._give_up)
        self._token = session.sync()          # the first frame of the run set up above
        self.app.exec()
        return self.code

    def _iterations(self) -> int:
        if self.launch.iterations is not None:
            return self.launch.iterations
        if self.launch.lesson is not None:
            return find_lesson(self.launch.lesson).iterations
        return 0

    @Slot(int)
    def _on_session_synced(self, token: int) -> None:
        if token != self._token:
            return
        if self._target is None:                       # set up: now train
            start = self.window.session.latest.iteration
            self._target = start + self._iterations()
            if self._target > start:
                self.window.session.send(SetStopAt(self._target))
                self.window.session.send(Play(True))
                return
            self._saving = True                        # nothing to train: settle, save
            self._token = self._settle()
            return
        self._saving = True
        self._save()

    @Slot(object)
    def _on_session_snapshot_ready(self, frame: Snapshot) -> None:
        if (self._target is not None and not self._saving
                and frame.state is RunState.PAUSED
                and (frame.iteration >= self._target or frame.diverged)):
            self._saving = True
            self._token = self._settle()

    @Slot(str, object)
    def _on_session_failed(self, message: str, kept: object) -> None:
        self.code = EXIT_BAD_INPUT
        self._quit()

    def _settle(self) -> int:
        """Have the run draw its plane to the plot's shape now (not after the resize delay),
        then ask for a sync: its answer comes once every command sent is done."""
        self.window.boundary_view.report_plane_aspect()
        return self.window.session.sync()

    def _save(self) -> None:
        self.window.draw_now()
        self.app.processEvents()
        ok = True
        if self.launch.screenshot is not None:
            ok = self.window.grab().save(self.launch.screenshot)
            if not ok:
                print(f"playground: error: cannot write {self.launch.screenshot}",
                      file=sys.stderr)
        if ok and self.launch.state is not None:
            text = json.dumps(self.window.state(), indent=2).encode("utf-8")
            try:
                write_atomically(self.launch.state, lambda handle: handle.write(text))
            except OSError as error:
                print(f"playground: error: {error}", file=sys.stderr)
                ok = False
        self.code = EXIT_OK if ok else EXIT_BAD_INPUT
        self._quit()

    def _give_up(self) -> None:
        print("playground: error: the scripted run timed out", file=sys.stderr)
        self._quit()

    def _quit(self) -> None:
        self.window.close()
        self.app.quit()
