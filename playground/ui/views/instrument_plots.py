"""What the teaching instruments share: their colours, their plot and their labels.

The instruments (``symmetry_view``, ``gradient_view``, ``health_view``, ``gradcheck_view``,
``shapes_view``) show what the network's layers are doing and why it learns (or not).
Like the other views, each is built once and updated in place from a Snapshot through its
one slot ``update_snapshot``; the plots' curves are rebuilt only when the architecture
changes. Requests (break symmetry, gradient check) leave as signals for the main window to
connect to the worker; nothing in them reads anything but snapshots (and a check's result).

This module holds the pieces several of them use: the verdict colours (GREEN, AMBER, RED,
GREY), layer l's colour — the same in every instrument (``layer_color``) — and its legend
entry, a log axis labelled only at 1, 2 and 5 × 10ᵏ, the plot every instrument draws on,
a wrapping rich-text label, and the per-layer series of a snapshot's history.
"""

from __future__ import annotations

import html
import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from playground.session.snapshot import Snapshot
from playground.ui.views import colors

GREEN = "#1b8a2e"
AMBER = "#b86e00"
RED = "#c00206"
GREY = "#606060"

#: Layer colours: the class palette without its red, which here means "something is wrong".
LAYER_COLORS = tuple(c for k, c in enumerate(colors.CLASS_COLORS) if k != 1)


def layer_color(l: int) -> tuple[int, int, int]:
    """Return the RGB bytes of layer ``l`` (1-based): the same colour in every instrument."""
    return LAYER_COLORS[(l - 1) % len(LAYER_COLORS)]


def layer_key(l: int, text: str) -> str:
    """Return HTML for one legend entry: a line in layer ``l``'s colour, then ``text``."""
    r, g, b = layer_color(l)
    return (f'<span style="color:rgb({r},{g},{b})"><b>━━</b></span>&nbsp;'
            f'{html.escape(text).replace(" ", "&nbsp;")}')


class LogAxis(pg.AxisItem):
    """An axis whose log-mode labels are only 1, 2 and 5 × 10ᵏ, and that can name a floor "0".

    ``zero_at`` (log10 of a value, or None): the tick there reads "0" and nothing below it
    is labelled — for a log plot that draws exact zeros on a floor line.
    """

    def __init__(self, orientation: str = "left", **kwargs: object) -> None:
        super().__init__(orientation, **kwargs)
        self.zero_at: float | None = None
        self._thin = True          # label only 1, 2, 5 × 10ᵏ (off when less than a decade shows)

    def logTickValues(self, minVal, maxVal, size, stdTicks):  # pyqtgraph's names
        levels = super().logTickValues(minVal, maxVal, size, stdTicks)
        self._thin = maxVal - minVal > 1.0
        seen: set[float] = set()
        unique = []                # a decade is in the major AND the minor level: draw it once
        for spacing, values in levels:
            fresh = [v for v in values if round(v, 9) not in seen]
            seen.update(round(v, 9) for v in fresh)
            unique.append((spacing, fresh))
        if self.zero_at is None:
            return unique
        z = self.zero_at
        unique = [(spacing, [v for v in values if v > z + 0.25]) for spacing, values in unique]
        return [(1.0, [z] if minVal <= z <= maxVal else []), *unique]

    def logTickStrings(self, values, scale, spacing):  # pyqtgraph's name
        strings = super().logTickStrings(values, scale, spacing)
        shown = []
        for v, text in zip(values, strings):
            if self.zero_at is not None and abs(v - self.zero_at) < 1e-9:
                shown.append("0")
            else:
                leading = round(10 ** (v - math.floor(v)), 6)
                thin_out = self._thin and leading not in (1.0, 2.0, 5.0, 10.0)
                shown.append("" if thin_out else text)
        return shown


def instrument_plot(left: str, title: str, log_y: bool) -> tuple[pg.PlotWidget, pg.PlotItem]:
    """Return a white plot styled like the cost view, iteration along x, with a LogAxis."""
    widget = pg.PlotWidget(background=colors.BACKGROUND, axisItems={"left": LogAxis("left")})
    plot = widget.getPlotItem()
    colors.style_plot(plot)
    plot.setLabel("bottom", "iteration")
    plot.setLabel("left", left)
    plot.setTitle(title, color=colors.FOREGROUND, size="9pt")
    plot.showGrid(x=True, y=True, alpha=0.15)
    plot.setMenuEnabled(False)
    plot.setLogMode(y=log_y)
    return widget, plot


def wrapping_label(text: str = "") -> QLabel:
    """Return a rich-text label that wraps its lines, with a little room on either side."""
    label = QLabel(text)
    label.setTextFormat(Qt.TextFormat.RichText)
    label.setWordWrap(True)
    label.setContentsMargins(4, 0, 4, 0)
    return label


def history_series(snapshot: Snapshot, key: str,
                   columns: int) -> tuple[np.ndarray, np.ndarray]:
    """Return (iterations (k,), series (k, columns)) of ``snapshot.layer_history[key]``."""
    history = snapshot.layer_history
    x = history.get("iteration", np.zeros(0))
    series = history.get(key, np.zeros((len(x), columns)))
    return x, series
