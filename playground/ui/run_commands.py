"""Play/pause, step and reset, and their keys: the same in every window that trains."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut

from playground.session.commands import Play, Reset, Step
from playground.session.snapshot import RunState

STEP_MANY = 100
KEYS_HINT = "Space: play/pause · S: one step · Shift+S: 100 steps · R: reset"
PACE_KEYS_HINT = "[ ]: slower, faster"


class RunCommands:
    """Mixin for a QWidget window with a ``session`` (a RunSession) that trains."""

    def is_playing(self) -> bool:
        latest = self.session.latest
        return latest is not None and latest.state is RunState.RUNNING

    def set_playing(self, playing: bool) -> None:
        self.session.send(Play(playing))

    def step(self, iterations: int = 1) -> None:
        self.session.send(Step(iterations))

    def reset(self) -> None:
        self.session.send(Reset())

    def change_pace(self, steps: int) -> None:
        """Go ``steps`` notches faster (negative: slower) on the window's pace control."""
        self.controls.pace_slider.step(steps)

    def install_run_keys(self) -> None:
        """Space play/pause, S one step, Shift+S STEP_MANY steps, R reset, [ and ] slower
        and faster where the window has a pace control (this window)."""
        keys = {"Space": lambda: self.set_playing(not self.is_playing()),
                "S": lambda: self.step(1), "Shift+S": lambda: self.step(STEP_MANY),
                "R": self.reset}
        if hasattr(self, "controls"):
            keys.update({"[": lambda: self.change_pace(-1), "]": lambda: self.change_pace(1)})
        self.shortcuts = []
        for key, slot in keys.items():
            shortcut = QShortcut(QKeySequence(key), self)
            shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
            shortcut.activated.connect(slot)
            self.shortcuts.append(shortcut)
