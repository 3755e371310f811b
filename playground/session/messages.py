"""What the run loop tells the window, besides frames (Snapshot, TwinSnapshot).

Each is a small frozen dataclass; the window's session hands each kind to its own
signal. Like the commands, they cross from the training process pickled.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from playground.core.datasets import Dataset
from playground.core.gradcheck import GradCheckResult
from playground.core.grid import Grid


@dataclass(frozen=True)
class RunData:
    """A new run's data and input plane, sent once: the frames after it come without them."""

    train: Dataset
    test: Dataset | None
    grid: Grid | None


@dataclass(frozen=True)
class Failed:
    """A command could not be carried out (``why``); the run goes on from ``kept``, the
    settings it was made from (a RunConfig or TwinSetup; None before the first run)."""

    why: str
    kept: Any = None


@dataclass(frozen=True)
class Synced:
    """Every command sent before ``Sync(token)`` is done, and the frame before this shows it."""

    token: int


@dataclass(frozen=True)
class GradientsChecked:
    """The result of a gradient check (``result.iteration``: of which parameters)."""

    result: GradCheckResult


@dataclass(frozen=True)
class Stopped:
    """The loop has ended (after a ``Stop`` command): nothing more will come."""
