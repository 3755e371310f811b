"""The QApplication, made once with the project's names and plot options."""

from __future__ import annotations

import sys

import pyqtgraph as pg
from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QApplication


def make_application() -> QApplication:
    """Return the QApplication, created once with the project's names and plot options."""
    QCoreApplication.setOrganizationName("playground")
    QCoreApplication.setApplicationName("playground")
    pg.setConfigOptions(antialias=True, background="w", foreground="k")
    app = QApplication.instance() or QApplication(sys.argv[:1])
    return app
