"""A bounded series of (iteration, value) pairs that thins itself as a run grows.

Values are kept at every ``stride``-th iteration; when ``capacity`` is reached every other
point is dropped and the stride doubles, so memory stays bounded however long a run lasts
and the kept points stay evenly spaced from iteration 0.
"""

from __future__ import annotations

import numpy as np


class History:
    """Decimated (iteration, value) series; ``iterations``/``values`` return copies.

    With ``columns`` > 1 every point is a row of that many values (``rows``), all thinned
    together, so several series recorded at the same iterations stay aligned.
    """

    def __init__(self, capacity: int = 2048, columns: int = 1) -> None:
        if capacity < 4 or capacity % 2:
            raise ValueError("capacity must be an even number ≥ 4")
        self.capacity = capacity
        self.columns = columns
        self.stride = 1
        self._iterations = np.zeros(capacity, dtype=np.int64)
        self._values = np.zeros((capacity, columns))
        self._size = 0

    def __len__(self) -> int:
        return self._size

    def due(self, iteration: int) -> bool:
        """Return True if a value for ``iteration`` would be kept (worth computing)."""
        return self.next_due(iteration) == iteration

    def next_due(self, iteration: int) -> int:
        """Return the first iteration ≥ ``iteration`` for which ``due`` is True."""
        if self._size:
            iteration = max(iteration, int(self._iterations[self._size - 1]) + 1)
        return -(-iteration // self.stride) * self.stride

    def add(self, iteration: int, value: float | np.ndarray) -> None:
        """Record ``value`` (a scalar, or ``columns`` values) at ``iteration`` if it falls on
        the stride; iterations must increase."""
        if iteration % self.stride:
            return
        if self._size and iteration <= self._iterations[self._size - 1]:
            return
        if self._size == self.capacity:
            self._thin()
            if iteration % self.stride:
                return
        self._iterations[self._size] = iteration
        self._values[self._size] = value
        self._size += 1

    def _thin(self) -> None:
        self.stride *= 2
        keep = self._iterations[: self._size] % self.stride == 0
        kept = int(np.count_nonzero(keep))
        self._iterations[:kept] = self._iterations[: self._size][keep]
        self._values[:kept] = self._values[: self._size][keep]
        self._size = kept

    def truncate(self, last_iteration: int) -> None:
        """Forget every point after ``last_iteration``."""
        self._size = int(np.searchsorted(self._iterations[: self._size], last_iteration,
                                         side="right"))

    @property
    def iterations(self) -> np.ndarray:
        return self._iterations[: self._size].copy()

    @property
    def values(self) -> np.ndarray:
        """Return the first column's values (k,)."""
        return self._values[: self._size, 0].copy()

    @property
    def rows(self) -> np.ndarray:
        """Return every column: (k, columns)."""
        return self._values[: self._size].copy()

    def as_array(self) -> np.ndarray:
        """Return a (k, 1 + columns) float array of [iteration, value, …] rows."""
        return np.column_stack([self.iterations.astype(float), self.rows])
