"""Dataset thumbnails: the small scatter plot beside each entry of the dataset combo.

The points take the plots' colours (``views.colors``), so a class looks the same in the
combo as on the decision boundary: classes ``colors.class_color(k)``, regression values
the sequential ``colors.value_map()``.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPixmap

from playground.core.datasets import make_dataset
from playground.ui.views import colors

THUMBNAIL_SIZE = 48
THUMBNAIL_SAMPLES = 150


def value_colors(values: np.ndarray) -> list[QColor]:
    """Return one colour per regression value: ``colors.value_map()`` over their range."""
    spread = float(np.ptp(values)) or 1.0
    return colors.value_map().map((values - values.min()) / spread, mode="qcolor")


def dataset_thumbnail(name: str, size: int = THUMBNAIL_SIZE) -> QPixmap:
    """Return a ``size`` × ``size`` scatter of dataset ``name``, y up like the main plot.

    Classes are coloured ``colors.class_color(k)`` (blue for 0, red for 1, …); a
    regression set is drawn as (x1, x2) coloured by y, or as (x, y) when it has one feature.
    """
    data = make_dataset(name, samples=THUMBNAIL_SAMPLES)
    if data.n_x >= 2:
        xs, ys = data.X[0], data.X[1]
    else:
        xs, ys = data.X[0], data.Y[0]
    if data.task == "regression":
        point_colors = value_colors(data.Y[0])
    else:
        point_colors = [colors.class_color(int(k)) for k in data.labels]

    pixmap = QPixmap(size, size)
    pixmap.fill(QColor("white"))
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(QColor("#b0b0b0"))
    painter.drawRect(QRectF(0.5, 0.5, size - 1, size - 1))
    margin = 4.0
    span = size - 2 * margin
    x_low, x_span = float(xs.min()), float(np.ptp(xs)) or 1.0
    y_low, y_span = float(ys.min()), float(np.ptp(ys)) or 1.0
    if data.n_x >= 2:                                   # same scale on both axes
        x_low -= (max(x_span, y_span) - x_span) / 2
        y_low -= (max(x_span, y_span) - y_span) / 2
        x_span = y_span = max(x_span, y_span)
    painter.translate(0, size)                          # flip: y grows upwards
    painter.scale(1, -1)
    painter.setPen(Qt.PenStyle.NoPen)
    for x, y, color in zip(xs, ys, point_colors):
        painter.setBrush(color)
        center = QPointF(margin + (x - x_low) / x_span * span,
                         margin + (y - y_low) / y_span * span)
        painter.drawEllipse(center, 1.5, 1.5)
    painter.end()
    return pixmap
