"""The main window's docked panels: the lesson under the views, the instruments tabbed.

A mixin for ``MainWindow``. The instruments open on the right; in a window narrower
than NARROW_WIDTH they open under the views, beside the lesson, where they take no
width from the diagram. Opening the first panel on the right, or closing the last,
shares the room out again between the views (``fit_panes``).
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Slot
from PySide6.QtWidgets import QDockWidget, QTabBar, QWidget

INSTRUMENT_WIDTH = 320         # an instrument panel's width when it is shown on the right
NARROW_WIDTH = 1200            # a narrower window shows its instruments under the views
LESSON_HEIGHT = 190            # the lesson panel's height when a lesson starts
INSTRUMENT_TITLES = {"symmetry": "Symmetry", "gradients": "Gradients",
                     "health": "Unit health", "gradcheck": "Gradient check",
                     "shapes": "Shapes"}


class Panels:
    """The lesson dock (``lesson_dock``) and the instrument docks (``docks``, by name).

    Needs of the window: ``lesson_view``, ``instruments`` (name → view), ``_drawn`` and
    ``_draw_instruments(snapshot)``, ``fit_panes()``; QMainWindow's dock methods.
    """

    def _build_panels(self) -> None:
        self.lesson_dock = self._dock("lesson", "Lesson", self.lesson_view,
                                      Qt.DockWidgetArea.BottomDockWidgetArea)
        self.docks = {name: self._dock(name, INSTRUMENT_TITLES[name], view)
                      for name, view in self.instruments.items()}
        first, *others = self.docks.values()
        for dock in others:
            self.tabifyDockWidget(first, dock)
        self._show_whole_tab_names()
        for dock in self.docks.values():
            dock.visibilityChanged.connect(self._on_dock_visibility_changed)

    def _show_whole_tab_names(self) -> None:
        """Tabbed panels show their whole names ("Symmetry", not "Sy…"), scrolling the
        tab bar where the names do not fit."""
        for bar in self.findChildren(QTabBar):
            bar.setElideMode(Qt.TextElideMode.ElideNone)
            bar.setUsesScrollButtons(True)

    def _dock(self, name: str, title: str, view: QWidget,
              area: Qt.DockWidgetArea = Qt.DockWidgetArea.RightDockWidgetArea) -> QDockWidget:
        """Return a hidden dock in ``area`` (the right by default) holding ``view``."""
        dock = QDockWidget(title, self)
        dock.setObjectName(name)
        dock.setWidget(view)
        self.addDockWidget(area, dock)
        dock.hide()
        return dock

    def show_instrument(self, name: str) -> None:
        """Show the instrument panel ``name`` (a key of ``self.instruments``) in front, on
        the right or, in a narrow window, beside the lesson (see the module docstring)."""
        dock = self.docks[name]
        opening = not any(d.isVisible() for d in self.docks.values())
        if opening:
            self._place_instruments(below=self.width() < NARROW_WIDTH)
        dock.show()
        dock.raise_()
        if self.dockWidgetArea(dock) == Qt.DockWidgetArea.RightDockWidgetArea:
            self.resizeDocks([dock], [INSTRUMENT_WIDTH], Qt.Orientation.Horizontal)
            if opening:                     # the views share the narrower room out again
                QTimer.singleShot(0, self.fit_panes)
        else:                       # beside the lesson: the lesson keeps most of the width
            self.resizeDocks([dock], [LESSON_HEIGHT], Qt.Orientation.Vertical)
            if self.lesson_dock.isVisible():
                self.resizeDocks([self.lesson_dock, dock],
                                 [round(0.6 * self.width()), round(0.4 * self.width())],
                                 Qt.Orientation.Horizontal)

    def instrument_places(self) -> dict[str, str]:
        """Return where each open instrument panel is: "right", "bottom" (beside the
        lesson) or "floating"."""
        places = {Qt.DockWidgetArea.RightDockWidgetArea: "right",
                  Qt.DockWidgetArea.BottomDockWidgetArea: "bottom"}
        return {name: "floating" if dock.isFloating()
                else places.get(self.dockWidgetArea(dock), "elsewhere")
                for name, dock in self.docks.items() if dock.isVisible()}

    def _place_instruments(self, below: bool) -> None:
        """Put the (hidden) instrument panels, tabbed, on the right or beside the lesson."""
        area = (Qt.DockWidgetArea.BottomDockWidgetArea if below
                else Qt.DockWidgetArea.RightDockWidgetArea)
        first, *others = self.docks.values()
        if self.dockWidgetArea(first) == area:
            return
        for dock in self.docks.values():
            self.addDockWidget(area, dock)
        if below:
            self.splitDockWidget(self.lesson_dock, first, Qt.Orientation.Horizontal)
        for dock in others:
            self.tabifyDockWidget(first, dock)
        self._show_whole_tab_names()

    @Slot(bool)
    def _on_dock_visibility_changed(self, visible: bool) -> None:
        if visible and self._drawn is not None:     # catch up with the newest frame
            self._draw_instruments(self._drawn)
        if not visible and not any(d.isVisible() for d in self.docks.values()):
            QTimer.singleShot(0, self.fit_panes)     # the last panel closed: room again
