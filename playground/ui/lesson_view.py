"""The lesson panel: what the lesson shows, a "watch for" checklist, and its next steps.

Wide and short, it sits under the views: the explanation on the left, the checklist in
the middle (a learner ticks off what they saw), on the right the stop and pace the lesson
plays at and a button for each next step, offered in turn. A click asks the window to
go on (``step_requested(index)``); after it the panel says what to watch then.
"""

from __future__ import annotations

import html

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from playground.session.lessons import Lesson, Step
from playground.ui.controls.pace_row import pace_text

EMPTY_TEXT = ("<p>Pick a lesson from the <b>Lessons</b> menu: it sets every control, plays "
              "at a pace you can follow and pauses where its text is true.</p>")


def lesson_html(lesson: Lesson) -> str:
    """Return the explanation's HTML for ``lesson``."""
    return (f"<h3 style='margin:0'>{html.escape(lesson.title)}</h3>"
            f"<p>{html.escape(lesson.explanation)}</p>")


def stage_text(stage: Step) -> str:
    """Return where a stage pauses and how fast it plays, in words."""
    return f"Pauses at iteration {stage.stop:,}, at {pace_text(stage.pace)}."


class WatchItem(QWidget):
    """One line of the checklist: a tick box and its text, wrapped to the panel's width
    (a QCheckBox's own text never wraps: a long item would widen the whole panel)."""

    def __init__(self, text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.check = QCheckBox()
        self.label = QLabel(text)
        self.label.setWordWrap(True)
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        self.label.setMinimumWidth(80)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        layout.addWidget(self.check, 0, Qt.AlignmentFlag.AlignTop)
        layout.addWidget(self.label, 1)

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt's name)
        """A click on the text ticks the box, as on a check box's own text."""
        self.check.toggle()
        event.accept()


class LessonView(QWidget):
    """One lesson's explanation, checklist and steps; ``show_lesson(None)``: how to pick one.

    ``step_requested(index)``: the learner clicked next step ``index`` (0-based into
    ``lesson.steps``). The window carries it out and calls ``show_step(index)``.
    """

    step_requested = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.lesson: Lesson | None = None
        self.stage = -1                    # the step shown last; -1: the lesson's own stage
        self.text = QTextBrowser()
        self.text.setOpenExternalLinks(False)
        self.text.setHtml(EMPTY_TEXT)
        self.watch_title = QLabel("<b>Watch for</b> (tick what you saw)")
        self.watch_title.setWordWrap(True)
        self.watch_box = QWidget()
        self.watch_layout = QVBoxLayout(self.watch_box)
        self.watch_layout.setContentsMargins(0, 0, 0, 0)
        self.watch_layout.setSpacing(2)
        self.items: list[WatchItem] = []
        self.checks: list[QCheckBox] = []
        self.stop_label = QLabel()
        self.stop_label.setWordWrap(True)
        self.say_label = QLabel()
        self.say_label.setWordWrap(True)
        self.say_label.setTextFormat(Qt.TextFormat.PlainText)
        self.next_button = QPushButton()
        self.next_button.clicked.connect(self._on_next_button_clicked)
        self.watch_layout.addStretch(1)
        scroll = QScrollArea()                  # a long checklist in a short panel scrolls
        scroll.setWidget(self.watch_box)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        watch = QVBoxLayout()
        watch.addWidget(self.watch_title)
        watch.addWidget(scroll, 1)
        steps = QVBoxLayout()
        steps.addWidget(self.stop_label)
        steps.addWidget(self.next_button)
        steps.addWidget(self.say_label)
        steps.addStretch(1)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 2, 4, 2)
        layout.addWidget(self.text, 5)
        layout.addLayout(watch, 4)
        layout.addLayout(steps, 3)
        self.show_lesson(None)

    def show_lesson(self, lesson: Lesson | None) -> None:
        """Show ``lesson`` at its first stage (None: how to pick one)."""
        self.lesson, self.stage = lesson, -1
        self.text.setHtml(EMPTY_TEXT if lesson is None else lesson_html(lesson))
        for item in self.items:
            self.watch_layout.removeWidget(item)
            item.deleteLater()
        self.items = [WatchItem(text) for text in (lesson.watch if lesson else ())]
        self.checks = [item.check for item in self.items]
        for k, item in enumerate(self.items):
            self.watch_layout.insertWidget(k, item)
        self.watch_title.setVisible(bool(self.checks))
        self.say_label.clear()
        self._show_stage()

    def show_step(self, index: int) -> None:
        """Show that next step ``index`` has been taken: what to watch now, and the next."""
        self.stage = index
        step = self.lesson.steps[index]
        self.say_label.setText(step.say)
        for check in self.checks:
            check.setChecked(False)
        self._show_stage()

    def _show_stage(self) -> None:
        lesson = self.lesson
        if lesson is None:
            self.stop_label.clear()
            self.next_button.hide()
            return
        stage = lesson.stages()[self.stage + 1]
        self.stop_label.setText(stage_text(stage))
        following = self.stage + 1
        if following < len(lesson.steps):
            self.next_button.setText(f"Next: {lesson.steps[following].label}")
            self.next_button.setToolTip(lesson.steps[following].say)
            self.next_button.show()
        else:
            self.next_button.hide()

    @Slot()
    def _on_next_button_clicked(self) -> None:
        self.step_requested.emit(self.stage + 1)
