"""Where the main window's views sit.

    ┌──────────┬───────────────────────────┬──────────────┐
    │ controls │ Network │ Hidden units │ W │ decision     │
    │ (scroll) │  (tabs: the diagram first) │ boundary     │
    │          │                           ├──────────────┤
    │          ├───────────────────────────┤ cost J       │
    │          │ status                    │              │
    └──────────┴───────────────────────────┴──────────────┘
    lesson (bottom dock) · instruments (right docks, tabbed)

The diagram is the picture every playground user knows: each hidden unit's map on its
node, the links coloured by their weights, identical units marked. The units and the
weight matrices are one tab away; the boundary and the cost stay in view beside it.
Splitters let the learner move every border; ``fit`` sizes the panes for the window's
size so nothing is cut at 1024 × 700, 1280 × 800 or 1920 × 1080.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QScrollArea, QSplitter, QTabWidget, QWidget

CONTROLS_WIDTH = (250, 300)        # the left column: least, most
STATUS_HEIGHT = 150                # six rows and a notice, scrolling beyond
TAB_NAMES = {"network": "Network", "units": "Hidden units",
             "weights": "Weights W[l], b[l]"}


@dataclass(frozen=True)
class Panes:
    """The splitters and tabs of the central area."""

    main: QSplitter            # controls | center | right
    center: QSplitter          # tabs over status
    right: QSplitter           # boundary over cost
    tabs: QTabWidget


def build_panes(controls: QWidget, tabbed: dict[str, QWidget], status: QWidget,
                boundary: QWidget, cost: QWidget) -> Panes:
    """Return the central area holding the views (``tabbed`` keyed as TAB_NAMES)."""
    tabs = QTabWidget()
    tabs.setDocumentMode(True)
    for key, view in tabbed.items():
        tabs.addTab(view, TAB_NAMES[key])
    status_scroll = QScrollArea()                  # many layers: the read-out scrolls
    status_scroll.setWidgetResizable(True)
    status_scroll.setFrameShape(QFrame.Shape.NoFrame)
    status_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    status_scroll.setWidget(status)
    status_scroll.setMinimumHeight(90)
    center = QSplitter(Qt.Orientation.Vertical)
    center.addWidget(tabs)
    center.addWidget(status_scroll)
    center.setStretchFactor(0, 1)
    center.setCollapsible(1, False)
    right = QSplitter(Qt.Orientation.Vertical)
    right.addWidget(boundary)
    right.addWidget(cost)
    right.setStretchFactor(0, 3)
    right.setStretchFactor(1, 2)
    main = QSplitter(Qt.Orientation.Horizontal)
    main.addWidget(controls)
    main.addWidget(center)
    main.addWidget(right)
    main.setStretchFactor(1, 1)
    for splitter in (main, center, right):
        splitter.setChildrenCollapsible(False)
    return Panes(main, center, right, tabs)


def fit(panes: Panes) -> None:
    """Share the room out for the window's size: a left column of controls, a right column
    about as wide as the boundary plot is high (its plot keeps the data's aspect), the
    diagram the rest; the status gets its rows, the cost a third of the right column."""
    width, height = panes.main.width(), panes.main.height()
    if width <= 0 or height <= 0:
        return
    controls = max(CONTROLS_WIDTH[0], min(CONTROLS_WIDTH[1], round(0.22 * width)))
    boundary_height = round(0.58 * height)
    right = min(boundary_height + 60, round(0.36 * width))   # + axis and colour bar
    panes.main.setSizes([controls, width - controls - right, right])
    panes.right.setSizes([boundary_height, height - boundary_height])
    status = min(STATUS_HEIGHT, round(0.28 * height))
    panes.center.setSizes([height - status, status])
