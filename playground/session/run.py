"""What the run loop drives: one protocol for a single run (``Trainer``) and twin runs.

The loop (``session/loop.py``) owns one ``Run`` at a time. It asks it to train a number of
iterations, reads where it stands, and passes the learner's commands on. How a frame of
the run is drawn up is not the run's business: whoever installs a run gives the loop the
function that makes its frames (``take_snapshot`` for a Trainer, ``take_twin_snapshot``
for twin runs).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from playground.core.datasets import Dataset
from playground.core.gradcheck import GradCheckResult
from playground.core.training import TrainingOptions
from playground.session.divergence import Divergence


class Run(Protocol):
    """A run the loop can drive: a Trainer or a TwinRun."""

    @property
    def iteration(self) -> int:
        """Updates applied so far."""

    @property
    def divergence(self) -> Divergence | None:
        """Why the run stopped for good, or None while it can go on."""

    @property
    def diverged(self) -> bool:
        """True once ``divergence`` is set: the run can go no further until a reset."""

    @property
    def train(self) -> Dataset:
        """The training set, as the network sees it (input features made)."""

    @property
    def test(self) -> Dataset | None:
        """The test set, or None."""

    @property
    def shown_train(self) -> Dataset:
        """The training set as the learner sees it: the raw inputs, before any features;
        the pictures' input plane is drawn over its X."""

    @property
    def shown_test(self) -> Dataset | None:
        """The test set's raw inputs, or None."""

    def run(self, iterations: int) -> int:
        """Train up to ``iterations`` steps; return how far the iteration count advanced."""

    def reset(self) -> None:
        """Back to iteration 0, the parameters re-drawn from the same seed."""

    def set_learning_rate(self, learning_rate: float) -> None:
        """Use ``learning_rate`` from the next step on (ValueError if it cannot be used)."""

    def set_options(self, options: TrainingOptions) -> str:
        """Train with the course-2 ``options`` from the next step on, keeping the weights;
        return what was reset, in words ("" when nothing was)."""

    def break_symmetry(self, layer: int, size: float, which: int = 0) -> None:
        """Add noise of ``size`` to W[layer] (of twin ``which``; a single run has only 0)."""

    def set_weight(self, layer: int, row: int, column: int, value: float) -> float:
        """Set W[layer][row, column] (numbered from 1) to ``value``; return the old value
        (ValueError where it cannot be set)."""

    def check_gradients(self, bug_layer: int = 0) -> GradCheckResult:
        """Return a gradient check of the current parameters (ValueError where none fits)."""

    def refusal(self) -> str:
        """Return why a diverged run does not play on, in words."""


#: Makes the frame the window draws: (run, **loop state) -> Snapshot or TwinSnapshot.
FrameMaker = Callable[..., object]
