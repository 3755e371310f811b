"""Keys belong to the window again once a typed value is done.

While a text field or spin box has the keyboard, Space types a space instead of playing.
``ReturnFocus`` watches a window's editors: Return, Enter or Escape in one of them hands
the keyboard back to the window (after the editor has taken the value, or dropped the
edit), so Space, S and R work at once. It watches each editor from the moment it first
gets the keyboard, so rows added later (a new layer's spin box) are watched too.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Slot
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QAbstractSpinBox, QApplication, QLineEdit, QWidget

DONE_KEYS = (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Escape)
EDITORS = (QLineEdit, QAbstractSpinBox)


class ReturnFocus(QObject):
    """Returns the keyboard to ``window`` when an edit in one of its editors is done."""

    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self.window = window
        QApplication.instance().focusChanged.connect(self._on_app_focus_changed)

    @Slot(QWidget, QWidget)
    def _on_app_focus_changed(self, old: QWidget | None, new: QWidget | None) -> None:
        if isinstance(new, EDITORS) and new.window() is self.window:
            new.installEventFilter(self)        # once: installing again only moves it first

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        if (event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent)
                and event.key() in DONE_KEYS):
            QTimer.singleShot(0, self._give_back)        # after the editor took the key
        return False

    def _give_back(self) -> None:
        focused = QApplication.focusWidget()
        if isinstance(focused, EDITORS):
            focused.clearFocus()
        self.window.setFocus(Qt.FocusReason.OtherFocusReason)
