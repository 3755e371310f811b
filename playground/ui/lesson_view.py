"""The lesson panel: what the current lesson shows and what to watch."""

from __future__ import annotations

import html

from PySide6.QtWidgets import QTextBrowser, QVBoxLayout, QWidget

from playground.session.lessons import Lesson

EMPTY_TEXT = ("<p>Pick a lesson from the <b>Lessons</b> menu: it sets every control and "
              "explains what to watch.</p>")


def lesson_html(lesson: Lesson) -> str:
    """Return the panel's HTML for ``lesson``."""
    watch = "".join(f"<li>{html.escape(item)}</li>" for item in lesson.watch)
    return (f"<h3>{html.escape(lesson.title)}</h3>"
            f"<p>{html.escape(lesson.explanation)}</p>"
            f"<p><b>Press Space, then watch:</b></p><ul>{watch}</ul>"
            f"<p style='color:#555'>About {lesson.iterations:,} iterations show it "
            f"(<code>playground train --preset {html.escape(lesson.name)}</code> runs it "
            f"headless).</p>")


class LessonView(QWidget):
    """Shows one lesson's explanation; ``show_lesson(None)`` shows how to pick one."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.text = QTextBrowser()
        self.text.setOpenExternalLinks(False)
        self.text.setHtml(EMPTY_TEXT)
        self.lesson: Lesson | None = None
        QVBoxLayout(self).addWidget(self.text)

    def show_lesson(self, lesson: Lesson | None) -> None:
        self.lesson = lesson
        self.text.setHtml(EMPTY_TEXT if lesson is None else lesson_html(lesson))
