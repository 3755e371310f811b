"""The network in the course notes' notation, with the shapes filled in for n[l] and m.

Every W[l], b[l], Z[l] and A[l] with its shape (rows, columns), the forward and backward
equations that produce them, and the parameter count (``shapes_html``). Run it with the
other instruments: ``python -m playground.ui.views.instruments``.
"""

from __future__ import annotations

import html

from PySide6.QtCore import Slot
from PySide6.QtWidgets import QTextBrowser, QVBoxLayout, QWidget

from playground.core.network import Architecture
from playground.core.shapes import describe_shapes
from playground.session.snapshot import Snapshot
from playground.ui.views.instrument_plots import GREY


def _code(text: str) -> str:
    return f"<code>{html.escape(text)}</code>"


def _shape(name: str, shape: tuple[int, int]) -> str:
    return _code(f"{name} ({shape[0]}, {shape[1]})")


def shapes_html(arch: Architecture, m: int) -> str:
    """Return the network of ``arch`` for ``m`` examples as simple HTML, in the notes' notation."""
    gap = "&nbsp;&nbsp;&nbsp;"
    layers = describe_shapes(arch, m)
    parts = [f"<p><b>input</b>{gap}{_shape('X', (arch.n_x, m))}{gap}"
             f"{_code('A[0] = X')}{gap}(one column per example, m = {m})</p>"]
    indent = "<br>" + gap * 4
    for s in layers:
        kind = "output layer" if s.layer == arch.L else "layer"
        n, n_prev = s.W
        unit_word = "unit" if n == 1 else "units"
        parts.append(
            f"<p><b>{kind} {s.layer}</b> — {n} {unit_word}, {html.escape(s.activation)}<br>"
            f"{_shape(f'W[{s.layer}]', s.W)}{gap}{_shape(f'b[{s.layer}]', s.b)}{gap}"
            f"{_shape(f'Z[{s.layer}], A[{s.layer}]', s.Z)}<br>"
            f"forward:{indent}{indent.join(_code(e) for e in s.forward)}"
            f"{indent}<span style='color:{GREY}'>shapes: "
            f"{_code(f'{s.Z} = {s.W} {(n_prev, m)} + {s.b}')}</span><br>"
            f"backward:{indent}{indent.join(_code(e) for e in s.backward)}<br>"
            f"parameters: {n}·{n_prev} + {n} = {s.parameters}</p>")
    counts = [s.parameters for s in layers]
    total = sum(counts)
    sum_text = " + ".join(str(c) for c in counts) + f" = {total}" if len(counts) > 1 else str(total)
    parts.append(f"<p>output {_shape('Ŷ = A[' + str(arch.L) + ']', (arch.n_y, m))}{gap}"
                 f"{_shape('Y', (arch.n_y, m))}</p>")
    parts.append(f"<p><b>total: {sum_text} parameters</b></p>")
    parts.append(f"<p style='color:{GREY}'>b[l] (n, 1) is added to each of the m columns of "
                 "W[l] A[l−1] (broadcasting); ᵀ is the transpose.</p>")
    return "\n".join(parts)


class ShapesView(QWidget):
    """The network's shapes and equations with live numbers (n[l] and m)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._key: tuple[Architecture, int] | None = None
        self.browser = QTextBrowser()
        self.browser.setOpenLinks(False)
        self.browser.setToolTip("The network in the course notes' notation: every matrix "
                                "with its shape (rows, columns), and the equations that "
                                "produce it")
        self.browser.setHtml("<p>no snapshot yet</p>")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.browser)

    @Slot(object)
    def update_snapshot(self, snapshot: Snapshot) -> None:
        """Show ``snapshot``'s shapes; rewrite the text only when the architecture or m changes."""
        key = (snapshot.arch, snapshot.train.m)
        if key != self._key:
            self._key = key
            self.browser.setHtml(shapes_html(*key))
