"""What the window tests share: a main window with its own settings file whose error
dialogs are recorded instead of shown, and a wait until the run has done every command."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QSettings

from playground.ui.main_window import MainWindow


def recording_window(folder) -> MainWindow:
    """Return a MainWindow (not yet shown) that keeps its settings in ``folder``/s.ini and
    appends each error message to ``window.errors`` instead of opening a dialog."""
    window = MainWindow(settings=QSettings(os.path.join(str(folder), "s.ini"),
                                           QSettings.Format.IniFormat))
    window.errors = []
    window.show_error = lambda title, message: window.errors.append(message)
    return window


def sync(qtbot, w, timeout: int = 30_000):
    """Wait until every command ``w`` (a main or a compare window) has sent so far is
    done, draw, and return the newest snapshot."""
    token = w.session.sync()
    with qtbot.waitSignal(w.session.synced, timeout=timeout,
                          check_params_cb=lambda t: t == token):
        pass
    w.draw_now()
    return w.session.latest
