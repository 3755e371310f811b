"""The one run loop: it trains the run, applies the learner's commands, paces, and
publishes the frames the window draws.

Wherever it runs — in the training process (``session/process.py``) or, where no process
can be started, in the window's worker thread — this loop alone decides about time:

- ``pace``: iterations per second (1 … 10,000), or None for as fast as the machine goes;
- ``stop_at``: the iteration at which a playing run pauses on its own (a lesson's stop);
- frames: at most ``FRAME_RATE`` a second, further apart when building them is costly (at
  most ``FRAME_SHARE`` of the time goes to frames); at a pace of ``EVERY_STEP_PACE`` or
  slower every iteration is a frame, so a learner sees each step.

Between two slices of training (``SLICE_SECONDS`` at most) it looks at its inbox, so a
command takes effect within a slice. Commands are the dataclasses of
``session/commands.py``; each applies itself to the loop through the methods below.
Everything the loop tells the window goes through ``send``: frames (without the run's
data, which travels once per run in ``RunData``) and the messages of ``commands``.
"""

from __future__ import annotations

import collections
import math
import queue
import time
from collections.abc import Callable
from typing import Any, Protocol

from playground.core.grid import Grid, make_grid
from playground.session.messages import Failed, RunData
from playground.session.run import FrameMaker, Run
from playground.session.snapshot import RunState

FRAME_RATE = 35                # frames a second at most
FRAME_SHARE = 0.25             # of the time, at most, goes to building and sending frames
EVERY_STEP_PACE = 30           # at this pace or slower, every iteration is a frame
SLICE_SECONDS = 0.001          # training between two looks at the inbox, at full speed
GRID_RESOLUTION = 100          # points per side of the input plane's maps
SPEED_WINDOW_SECONDS = 1.0     # the speed shown is measured over about this long
PACES = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, None)   # None: max


class Inbox(Protocol):
    """Where commands arrive: a pipe from the window, or a queue in its process."""

    def get(self, timeout: float | None) -> Any | None:
        """Return the next command, waiting at most ``timeout`` seconds (None: until one
        comes); None if none came."""


class QueueInbox:
    """The inbox of a loop that runs in the window's process: a thread-safe queue."""

    def __init__(self) -> None:
        self.queue: queue.SimpleQueue = queue.SimpleQueue()

    def put(self, command: Any) -> None:
        self.queue.put(command)

    def get(self, timeout: float | None) -> Any | None:
        try:
            return self.queue.get(timeout=timeout) if timeout != 0 else self.queue.get_nowait()
        except queue.Empty:
            return None


def check_pace(pace: float | None) -> float | None:
    """Return ``pace`` (iterations per second, None for as fast as possible), or raise
    ValueError unless it is a finite number > 0."""
    if pace is None:
        return None
    value = float(pace)
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"the pace must be a number of iterations per second > 0, "
                         f"got {pace!r}")
    return value


class SpeedMeter:
    """Iterations per second over the last ``SPEED_WINDOW_SECONDS`` of training."""

    def __init__(self) -> None:
        self._marks: collections.deque[tuple[float, int]] = collections.deque()
        self.rate = 0.0

    def restart(self, now: float, iteration: int) -> None:
        """Measure from here (training starts, or the run was replaced)."""
        self._marks.clear()
        self._marks.append((now, iteration))

    def forget(self) -> None:
        """A new run: no speed to show until it has trained."""
        self._marks.clear()
        self.rate = 0.0

    def mark(self, now: float, iteration: int) -> None:
        """Note where training stands now and update ``rate``."""
        marks = self._marks
        marks.append((now, iteration))
        while len(marks) > 2 and now - marks[1][0] >= SPEED_WINDOW_SECONDS:
            marks.popleft()
        (since, first), (until, last) = marks[0], marks[-1]
        if until > since and last >= first:
            self.rate = (last - first) / (until - since)


#: What a command raises when it cannot be carried out: a bad value, a missing file.
REFUSALS = (ValueError, IndexError, OSError)


class RunLoop:
    """Owns one run at a time and everything about its timing (see the module docstring).

    ``send(message)`` delivers frames and messages to the window; ``clock`` is
    ``time.perf_counter`` except in tests.
    """

    def __init__(self, send: Callable[[object], None],
                 clock: Callable[[], float] = time.perf_counter) -> None:
        self.send, self.clock = send, clock
        self.run: Run | None = None
        self.settings: Any = None           # what the run was made from (RunConfig, TwinSetup)
        self.run_id = 0
        self.state = RunState.IDLE
        self.pace: float | None = None
        self.stop_at: int | None = None
        self.message = ""
        self.notice = ""                    # said with the next run installed
        self.grid: Grid | None = None
        self.plane_aspect: float | None = None    # width / height of the plot of the plane
        self.speed = SpeedMeter()
        self._make_frame: FrameMaker | None = None
        self._paced_from = (0.0, 0)               # (time, iteration) the pace counts from
        self._batch = 1                           # steps per slice at full speed
        self._step_seconds = SLICE_SECONDS        # what a step takes, smoothed
        self._last_frame_time = -math.inf
        self._last_frame_key: tuple | None = None
        self._frame_seconds = 1 / FRAME_RATE
        self._frame_cost = 0.0

    # -- the loop ----------------------------------------------------------------------
    def serve(self, inbox: Inbox) -> None:
        """Apply commands and train until a ``Stop`` command."""
        while self.state is not RunState.STOPPING:
            command = inbox.get(self.wait_seconds())
            if command is None:
                self.tick()
            else:
                self.obey(command)

    def obey(self, command: Any) -> None:
        """Carry ``command`` out; one that cannot be (it raises one of REFUSALS before it
        changes anything) is refused: the window is told why, the run goes on as it was."""
        try:
            command.apply(self)
        except REFUSALS as error:
            self.refuse(str(error))

    def wait_seconds(self) -> float | None:
        """Return how long the loop may wait for a command before it has work to do:
        None (until one comes) when nothing trains, 0 at full speed, else the time until
        the next paced step or frame is due."""
        if not self._training():
            return None
        if self.pace is None:
            return 0.0
        started, first = self._paced_from
        next_step = started + (self.run.iteration - first) / self.pace
        next_frame = (self._last_frame_time + self._frame_seconds
                      if self._frame_key() != self._last_frame_key else math.inf)
        return max(0.0, min(next_step, next_frame) - self.clock())

    def tick(self) -> None:
        """Train what is due now, then publish a frame if one is due."""
        if self._training():
            self._train_due()
        if self._frame_due():
            self.publish()

    def _training(self) -> bool:
        return self.run is not None and self.state is RunState.RUNNING

    def _train_due(self) -> None:
        """Run the steps due now: a slice at full speed, or what the pace has made due,
        never past the stop point. Then see whether the run stopped."""
        run, start = self.run, self.run.iteration
        steps = self._due_steps()
        limit = self._stop_point()
        if limit is not None:
            steps = min(steps, limit - start)
        if steps > 0:
            started = self.clock()
            done = run.run(steps)
            self._fit_batch(done, self.clock() - started)
        self.speed.mark(self.clock(), run.iteration)
        if run.diverged:
            self._set_state(RunState.PAUSED)
            self.publish()
        elif limit is not None and start < limit <= run.iteration:
            self._set_state(RunState.PAUSED)
            self.message = (f"Stopped at iteration {limit:,}, as set. Press Space to go "
                            "on past it.")
            self.publish()

    def _due_steps(self) -> int:
        """Return how many steps to take now: the full-speed slice, or as many as the pace
        has made due (at most a slice; a run that cannot keep up counts from now on). At a
        pace that draws every step, one: a run that fell behind catches up a drawn step
        at a time."""
        if self.pace is None:
            return self._batch
        started, first = self._paced_from
        now = self.clock()
        due = first + 1 + math.floor((now - started) * self.pace) - self.run.iteration
        if due > self._batch + self.pace * SLICE_SECONDS * 10:      # far behind: catch up
            self._paced_from = (now, self.run.iteration)            # no more than a slice
        return max(0, min(due, 1 if self._every_step() else self._batch))

    def _fit_batch(self, done: int, seconds: float) -> None:
        """Size the next full-speed slice to about SLICE_SECONDS (growing at most ×4), from
        the time a step takes, smoothed: a slice that held a costly reading of the
        instruments does not shrink the next ones."""
        if done > 0:
            self._step_seconds += (seconds / done - self._step_seconds) / 5
            fitting = round(SLICE_SECONDS / max(self._step_seconds, 1e-7))
            self._batch = max(1, min(4 * self._batch, fitting))

    def _stop_point(self) -> int | None:
        """Return the stop point still ahead of a playing run, or None."""
        if self.stop_at is None or self.run.iteration >= self.stop_at:
            return None
        return self.stop_at

    # -- frames ------------------------------------------------------------------------
    def _frame_due(self) -> bool:
        if self.run is None or self._frame_key() == self._last_frame_key:
            return False
        if self._every_step():
            return True
        return self.clock() - self._last_frame_time >= self._frame_seconds

    def _every_step(self) -> bool:
        return (self.state is RunState.RUNNING and self.pace is not None
                and self.pace <= EVERY_STEP_PACE)

    def _frame_key(self) -> tuple:
        return self.run_id, self.run.iteration, self.state

    def publish(self) -> None:
        """Build a frame of the run now and send it (without the run's data)."""
        if self.run is None:
            return
        started = self.clock()
        frame = self._make_frame(
            self.run, run_id=self.run_id, state=self.state, grid=self.grid,
            steps_per_second=self.speed.rate, message=self.message, pace=self.pace,
            stop_at=self.stop_at, settings=self.settings)
        self.send(frame.without_data())
        now = self.clock()
        # the cost, smoothed over ~5 frames: one slow frame does not slow the next ones
        self._frame_cost += (now - started - self._frame_cost) / 5
        self._frame_seconds = max(1 / FRAME_RATE, self._frame_cost / FRAME_SHARE)
        self._last_frame_time, self._last_frame_key = now, self._frame_key()

    # -- what commands do --------------------------------------------------------------
    def install(self, run: Run, make_frame: FrameMaker, settings: Any, message: str,
                playing: bool = False) -> None:
        """Make ``run`` the loop's run (a new run id), paused unless ``playing``; send its
        data and a frame."""
        self.run, self._make_frame, self.settings = run, make_frame, settings
        self._send_data()
        self.restart(" ".join(filter(None, (self.notice, message))), playing)
        self.notice = ""

    def _send_data(self) -> None:
        """Send the run's data and its input plane, drawn to fill the window's plot."""
        run = self.run
        self.grid = make_grid(run.shown_train.X, GRID_RESOLUTION, aspect=self.plane_aspect)
        self.send(RunData(run.shown_train, run.shown_test, self.grid))

    def set_plane_aspect(self, aspect: float | None) -> None:
        """Draw the input plane to fill a plot ``aspect`` = width / height (None: the data's
        own range); the run goes on as it was."""
        if aspect is not None and not 0.1 <= aspect <= 10:
            raise ValueError(f"a plot's width / height must be 0.1 … 10, got {aspect:g}")
        self.plane_aspect = aspect
        if self.run is not None:
            self._send_data()
            self.publish()

    def restart(self, message: str, playing: bool = False) -> None:
        """The run starts over (a new run id: the plots start afresh), paused unless
        ``playing``."""
        self.run_id += 1
        self.message = message
        self.speed.forget()
        self.state = RunState.PAUSED
        self._set_state(RunState.RUNNING if playing else RunState.PAUSED)
        self.publish()

    def refuse(self, why: str) -> None:
        """Tell the window a command could not be carried out; the run goes on as it was."""
        self.send(Failed(why, self.settings))
        self.publish()

    def set_playing(self, playing: bool) -> None:
        """Play (a diverged run is refused, with the reason) or pause."""
        if self.run is None:
            return
        if playing and self.run.diverged:
            self.refuse(self.run.refusal())
            return
        self.message = ""
        self._set_state(RunState.RUNNING if playing else RunState.PAUSED)
        self.publish()

    def step(self, iterations: int) -> None:
        """Train ``iterations`` steps now, whatever the pace, and stay paused."""
        if self.run is None:
            return
        self.message = ""
        self._set_state(RunState.PAUSED)
        self.run.run(max(0, iterations))
        self.publish()

    def set_pace(self, pace: float | None) -> None:
        """Train at ``pace`` iterations per second from now on (None: full speed)."""
        self.pace = check_pace(pace)
        if self.run is not None:
            self._paced_from = (self.clock(), self.run.iteration)
            self.publish()

    def set_stop_at(self, iteration: int | None) -> None:
        """Pause a playing run when it reaches ``iteration`` (None: never)."""
        if iteration is not None and iteration < 0:
            raise ValueError(f"the stop iteration must be ≥ 0, got {iteration}")
        self.stop_at = iteration
        if self.run is not None:
            self.publish()

    def _set_state(self, state: RunState) -> None:
        if state is RunState.RUNNING and self.state is not RunState.RUNNING:
            now = self.clock()
            self._paced_from = (now, self.run.iteration)
            self.speed.restart(now, self.run.iteration)
        self.state = state
