"""A plot title that fits its plot: the whole title where it fits, else the part that
names what is drawn, and never a plot widened by its title."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtGui import QFont, QFontMetricsF

TITLE_CUTS = (": ", ", ", " over ", " against ")   # where a title is cut when it must be short


def short_title(text: str) -> str:
    """Return ``text`` up to its first ": ", ", ", " over " or " against " (the part
    that names what is drawn); ``text`` if it has none."""
    cuts = [i for i in (text.find(mark) for mark in TITLE_CUTS) if i > 0]
    return text[:min(cuts)] if cuts else text


class TitleLabel(pg.LabelItem):
    """A plot title that fits the plot: the whole title where it fits, else its short
    form (``short_title``), and it never sets the plot's minimum width.

    pyqtgraph's title asks for its text's width; in a narrow column that widens the plot
    past its widget, and the colour bar's numbers are cut off at the right.
    """

    full = ""                         # the whole title; ``text`` is what is shown

    def setText(self, text: str, **args: object) -> None:  # noqa: N802 (pyqtgraph's name)
        self.full = text
        super().setText(self._fitting(text, args), **args)

    def resizeEvent(self, event: object) -> None:  # noqa: N802 (Qt's name)
        super().resizeEvent(event)
        if self.full and self._fitting(self.full, self.opts) != self.text:
            super().setText(self._fitting(self.full, self.opts))

    def updateMin(self) -> None:  # noqa: N802 (pyqtgraph's name)
        super().updateMin()
        self.setMinimumWidth(0)

    def _fitting(self, text: str, style: dict) -> str:
        font = QFont()
        size = str(style.get("size", self.opts.get("size", "")))
        if size.endswith("pt"):
            font.setPointSizeF(float(size[:-2]))
        fits = QFontMetricsF(font).horizontalAdvance(text) <= self.width()
        return text if fits else short_title(text)

    @classmethod
    def put_in(cls, plot: pg.PlotItem) -> None:
        """Replace ``plot``'s title label with one of these (in its place in the layout)."""
        old = plot.titleLabel
        plot.layout.removeItem(old)
        old.setParentItem(None)
        plot.titleLabel = cls("", size="11pt", parent=plot)
        plot.layout.addItem(plot.titleLabel, 0, 1)
        plot.setTitle(None)
