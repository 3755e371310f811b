"""Starting the window: the normal event loop, and the scripted screenshot mode."""

from __future__ import annotations

import sys
import time

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from playground.ui.application import make_application
from playground.ui.main_window import MainWindow

SCREENSHOT_TIMEOUT_MS = 120_000


def run_app(screenshot: str | None = None, session: str | None = None,
            lesson: str | None = None, iterations: int = 0,
            size: tuple[int, int] = (1280, 800), report_shown: bool = False) -> int:
    """Show the main window; in screenshot mode train, save the picture and return.

    ``report_shown`` prints "shown <time.time()>" once the window has been shown and
    painted, then closes it (``playground bench --gui`` measures start-up with it).
    """
    app = make_application()
    window = MainWindow()
    if lesson is not None:
        window.start_lesson(lesson)
    if session is not None and not window.open_session(session):
        if screenshot is not None:
            window.session.shutdown()
            return 2
    if report_shown:
        window.show()
        app.processEvents()
        print(f"shown {time.time():.6f}", flush=True)
        window.close()
        return 0
    if screenshot is None:
        window.show()
        return app.exec()
    window.resize(*size)
    window.show()
    return take_screenshot(app, window, screenshot, iterations)


def take_screenshot(app: QApplication, window: MainWindow, path: str, iterations: int) -> int:
    """Train ``iterations`` steps in the window, save it to ``path``; return an exit code."""
    result = {"code": 1}
    if iterations:
        window.step(iterations)
    token = window.session.sync()

    def on_synced(received: int) -> None:
        if received != token:
            return
        window.draw_now()
        app.processEvents()
        ok = window.grab().save(path)
        if not ok:
            print(f"playground: error: cannot write {path}", file=sys.stderr)
        result["code"] = 0 if ok else 2
        window.close()
        app.quit()

    def give_up() -> None:
        print("playground: error: the screenshot timed out", file=sys.stderr)
        window.close()
        app.quit()

    window.session.synced.connect(on_synced)
    QTimer.singleShot(SCREENSHOT_TIMEOUT_MS, give_up)
    app.exec()
    return result["code"]
