"""The learner's commands to a run loop: one frozen dataclass each, defined once.

The window sends them (``RunSession.send``); they cross to the training process pickled,
or go through a queue when the loop runs in the window's process; there ``apply(loop)``
carries each one out between two slices of training (``session/loop.py``). A command that
cannot be carried out raises one of the loop's REFUSALS before it changes anything; the
loop tells the window why (``Failed``) and the run goes on as it was.
"""

from __future__ import annotations

from dataclasses import dataclass

from playground.core.npz import SavedModel
from playground.session.config import RunConfig, describe_change, make_trainer
from playground.session.data_spec import trainer_for_model
from playground.session.loop import RunLoop
from playground.session.messages import Failed, GradientsChecked, Stopped, Synced
from playground.session.snapshot import RunState, take_snapshot
from playground.session.twin import TwinRun, TwinSetup, take_twin_snapshot


@dataclass(frozen=True)
class Configure:
    """Start a new run from ``config`` at iteration 0 (parameters from its seed).

    A playing run keeps playing with the new settings (``keep_playing``), as TensorFlow
    Playground does; otherwise the new run waits, paused. ``message`` None says what
    changed since the previous run (``describe_change``)."""

    config: RunConfig
    message: str | None = None
    keep_playing: bool = True

    def apply(self, loop: RunLoop) -> None:
        trainer = make_trainer(self.config)
        playing = self.keep_playing and loop.state is RunState.RUNNING
        message = (describe_change(loop.settings, self.config, playing)
                   if self.message is None else self.message)
        loop.install(trainer, take_snapshot, self.config, message, playing)


@dataclass(frozen=True)
class LoadModel:
    """Start a run at ``model``'s parameters and iteration, on ``config``'s data."""

    model: SavedModel
    config: RunConfig
    message: str = ""

    def apply(self, loop: RunLoop) -> None:
        trainer = trainer_for_model(self.model, self.config)
        loop.install(trainer, take_snapshot, self.config, self.message)


@dataclass(frozen=True)
class ConfigureTwins:
    """Start twin runs from ``setup``, paused at iteration 0."""

    setup: TwinSetup
    message: str = ""

    def apply(self, loop: RunLoop) -> None:
        twins = TwinRun(self.setup)
        loop.install(twins, take_twin_snapshot, self.setup, self.message)


@dataclass(frozen=True)
class Resume:
    """Go on from a frame (its parameters and iteration): the run's process was lost and
    the loop now runs in the window's process; ``why`` says so."""

    frame: object
    why: str

    def apply(self, loop: RunLoop) -> None:
        run, make_frame = self.frame.restart()
        loop.send(Failed(self.why))
        loop.install(run, make_frame, self.frame.settings, self.why)


@dataclass(frozen=True)
class Play:
    """Play (``playing``) or pause; a diverged run is refused, with the reason."""

    playing: bool

    def apply(self, loop: RunLoop) -> None:
        loop.set_playing(self.playing)


@dataclass(frozen=True)
class Step:
    """Train ``iterations`` steps at full speed, then stay paused (pauses a playing run)."""

    iterations: int = 1

    def apply(self, loop: RunLoop) -> None:
        loop.step(self.iterations)


@dataclass(frozen=True)
class Reset:
    """Back to iteration 0, the parameters re-drawn from the same seed."""

    def apply(self, loop: RunLoop) -> None:
        if loop.run is not None:
            loop.run.reset()
            loop.restart("Reset: the parameters were re-drawn from the same seed.")


@dataclass(frozen=True)
class SetLearningRate:
    """Use ``learning_rate`` from the next step on, without a reset."""

    learning_rate: float

    def apply(self, loop: RunLoop) -> None:
        if loop.run is None:
            return
        loop.run.set_learning_rate(self.learning_rate)
        if loop.state is not RunState.RUNNING:
            loop.publish()


@dataclass(frozen=True)
class SetTrainingOptions:
    """Train with ``config``'s course-2 options from the next step on, without a reset: α,
    λ, keep-prob, β, ε and decay just change; a new optimiser or batch size resets the
    optimiser's state (not the weights), and the run says so. ``config`` differs from
    the run's only in those (the window resets for anything else)."""

    config: RunConfig

    def apply(self, loop: RunLoop) -> None:
        if loop.run is None:
            return
        said = loop.run.set_options(self.config.training_options())
        loop.run.set_learning_rate(self.config.learning_rate)
        loop.settings = self.config
        if said:
            loop.message = said
        loop.publish()


@dataclass(frozen=True)
class SetPace:
    """Train at ``pace`` iterations per second (None: as fast as the machine goes)."""

    pace: float | None

    def apply(self, loop: RunLoop) -> None:
        loop.set_pace(self.pace)


@dataclass(frozen=True)
class SetPlaneAspect:
    """Draw the input plane to fill a plot of width / height ``aspect`` (None: the data's
    own range, widened by a margin)."""

    aspect: float | None

    def apply(self, loop: RunLoop) -> None:
        loop.set_plane_aspect(self.aspect)


@dataclass(frozen=True)
class SetStopAt:
    """Pause a playing run when it reaches ``iteration`` (None: never)."""

    iteration: int | None

    def apply(self, loop: RunLoop) -> None:
        loop.set_stop_at(self.iteration)


@dataclass(frozen=True)
class BreakSymmetry:
    """Add ``size`` · randn to W[``layer``] (of twin ``which``), drawn from the run's seed."""

    layer: int
    size: float = 1e-3
    which: int = 0

    def apply(self, loop: RunLoop) -> None:
        if loop.run is None:
            return
        loop.run.break_symmetry(self.layer, self.size, self.which)
        loop.message = (f"Added noise of size {self.size:g} to W[{self.layer}]: watch the "
                        "units separate.")
        loop.publish()


@dataclass(frozen=True)
class SetWeight:
    """Set W[``layer``][``row``, ``column``] (numbered from 1) to ``value``; the run goes
    on from the edited weights."""

    layer: int
    row: int
    column: int
    value: float

    def apply(self, loop: RunLoop) -> None:
        if loop.run is None:
            return
        old = loop.run.set_weight(self.layer, self.row, self.column, self.value)
        loop.message = (f"W[{self.layer}][{self.row}, {self.column}] set to {self.value:g} "
                        f"(it was {old:.4g}): the run goes on from the edited weights.")
        loop.publish()


@dataclass(frozen=True)
class CheckGradients:
    """Check backprop on the current parameters (forgetting g' in ``bug_layer`` > 0)."""

    bug_layer: int = 0

    def apply(self, loop: RunLoop) -> None:
        if loop.run is None:
            return
        result = loop.run.check_gradients(self.bug_layer)
        loop.send(GradientsChecked(result))


@dataclass(frozen=True)
class Sync:
    """Publish a frame now, then answer ``Synced(token)``: every earlier command is done."""

    token: int

    def apply(self, loop: RunLoop) -> None:
        loop.publish()
        loop.send(Synced(self.token))


@dataclass(frozen=True)
class Stop:
    """End the loop for good (the window is closing)."""

    def apply(self, loop: RunLoop) -> None:
        loop.state = RunState.STOPPING
        loop.send(Stopped())
