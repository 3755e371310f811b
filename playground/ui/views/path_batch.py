"""Many lines or rectangles drawn as one graphics item: the network diagram's links and
outlines, where an item per link would cost a scene item each."""

from __future__ import annotations

from PySide6.QtCore import QLineF, QRectF
from PySide6.QtGui import QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QGraphicsItem, QWidget


class PathBatch(QGraphicsItem):
    """Many lines or rectangles as ONE item: (pen, path or list of lines) drawn in order,
    kept in a pixmap between changes (a map changing under it does not repaint it)."""

    def __init__(self, z: float = 0.0, antialias: bool = True) -> None:
        super().__init__()
        self.setZValue(z)
        self.antialias = antialias
        self.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self.batches: list[tuple[QPen, QPainterPath | list[QLineF]]] = []
        self._rect = QRectF()

    def set_batches(self, batches: list[tuple[QPen, QPainterPath | list[QLineF]]],
                    rect: QRectF | None = None) -> None:
        """Draw ``batches`` from now on; ``rect`` bounds them (default: the paths')."""
        self.prepareGeometryChange()          # before the rectangle changes
        self.batches, self._rect = batches, rect or QRectF()
        for pen, path in batches if rect is None else ():
            w = pen.widthF()
            self._rect = self._rect.united(path.boundingRect().adjusted(-w, -w, w, w))
        self.update()

    def boundingRect(self) -> QRectF:
        return self._rect

    def paint(self, painter: QPainter, option: object, widget: QWidget | None = None) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, self.antialias)
        for pen, shape in self.batches:
            painter.setPen(pen)
            painter.drawLines(shape) if isinstance(shape, list) else painter.drawPath(shape)
