"""The training worker: a QObject living in its own QThread that owns the Trainer.

The Trainer itself lives in a child process (``playground.session.remote``): the worker
thread drives it chunk by chunk and waits on a pipe meanwhile, so training and drawing do
not share Python's GIL. Where no child process can be started, it trains in this thread.

Commands arrive as queued calls (``TrainingSession`` emits the signals), so they are
applied between chunks. Training runs in time-budgeted chunks from a zero-interval timer in
the worker's thread; a snapshot is published at most ``FRAME_SECONDS`` apart (and at every
state change), or further apart when snapshots are costly: building them may take at most
``SNAPSHOT_SHARE`` of the time, the rest is the run's. Nothing else crosses threads.

Shutdown is stop → quit → wait: ``TrainingSession.shutdown`` never leaves a running thread.

``ChunkedWorker`` and ``WorkerSession`` hold what every worker shares (the thread, the timer,
the chunked loop, publishing, sync and shutdown); ``HostedWorker`` adds the training
process; ``TrainingWorker`` and the twin runs' worker (``playground.ui.compare_window``) add
only their run and their commands.
"""

from __future__ import annotations

import functools
import time

import numpy as np
from PySide6.QtCore import QCoreApplication, QObject, QThread, QTimer, Signal, Slot

from playground.core.gradcheck import backprop_gradients, backprop_with_bug, gradient_check
from playground.core.grid import Grid, make_grid
from playground.core.npz import SavedModel
from playground.session.config import RunConfig, make_trainer, trainer_for_model
from playground.session.history import History
from playground.session.remote import RemoteTrainer, TrainingProcessError
from playground.session.snapshot import (
    RunState,
    Snapshot,
    take_snapshot,
    with_test_cost_history,
)
from playground.session.trainer import Trainer

CHUNK_SECONDS = 0.008          # training time between two looks at the command queue
FRAME_SECONDS = 1 / 35         # at most this often a snapshot is built and published
# At most this share of the time goes to snapshots: a 64-64 net's take ~25 ms to build,
# send and receive, which at 35 a second left the run a quarter of its speed. Small nets'
# take 1–3 ms and keep the full frame rate.
SNAPSHOT_SHARE = 0.25
GRID_RESOLUTION = 100
MAX_CHUNK_ITERATIONS = 100_000


def recovering(slot):
    """Run a command; if the training process was lost on the way, let the worker
    ``_recover`` (go on training in this thread) instead of raising into Qt's loop."""
    @functools.wraps(slot)
    def guarded(self, *args):
        try:
            return slot(self, *args)
        except TrainingProcessError as error:
            self._recover(error)
    return guarded


class ChunkedWorker(QObject):
    """What every worker shares: its thread's timer, the chunked loop, publishing, sync.

    A subclass owns a run and says how to advance it (``_advance``), whether it has one
    (``_ready``), where it stands (``_iteration``), whether it can go no further
    (``_halted``) and what a frame is (``snapshot``). Its commands are slots; they run in
    the worker's thread between two chunks.
    """

    snapshot_ready = Signal(object)      # whatever ``snapshot()`` returns
    synced = Signal(int)                 # echoes sync(token) once earlier commands are done

    def __init__(self) -> None:
        super().__init__()
        self.state = RunState.IDLE
        self.run_id = 0
        self._timer: QTimer | None = None
        self._last_publish = 0.0
        self._frame_seconds = FRAME_SECONDS     # grows when snapshots are costly
        self._last_published: object | None = None   # what snapshot() returned last
        self._snapshot_seconds = 0.0            # what building and receiving one costs
        self._rate = (time.perf_counter(), 0)   # (since, iterations) for steps/s
        self._steps_per_second = 0.0

    # -- what a subclass provides -----------------------------------------------------
    def _ready(self) -> bool:
        """Return True once there is a run to train and to publish."""
        raise NotImplementedError

    def _iteration(self) -> int:
        """Return the run's iteration count (only called when ``_ready()``)."""
        raise NotImplementedError

    def _advance(self, iterations: int) -> int:
        """Train up to ``iterations`` steps now; return how many were done."""
        raise NotImplementedError

    def _halted(self) -> bool:
        """Return True when the run can go no further (it diverged)."""
        raise NotImplementedError

    def snapshot(self) -> object:
        """Return the immutable frame to publish (call in the worker's thread)."""
        raise NotImplementedError

    # -- lifetime ---------------------------------------------------------------------
    def _started(self) -> None:
        """Set up what must live in the worker's thread (called there, once)."""

    def _stopping(self) -> None:
        """Release what ``_started`` set up (called in the worker's thread)."""

    def _recover(self, error: Exception) -> None:
        """Go on after the run's process was lost (only workers that use one)."""
        raise error

    @Slot()
    def _on_thread_started(self) -> None:
        self._timer = QTimer(self)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self._on_timer_timeout)
        self._started()

    @Slot()
    def stop(self) -> None:
        """Stop training for good and end the thread's event loop (from inside it)."""
        self._stopping()
        self.state = RunState.STOPPING
        if self._timer is not None:
            self._timer.stop()
            self._timer.deleteLater()       # deleted in this thread as it finishes
            self._timer = None
        self.thread().quit()

    @Slot(int)
    @recovering
    def sync(self, token: int) -> None:
        """Publish the current state, then echo ``token``: every earlier command is done."""
        self._publish(force=True)
        self.synced.emit(token)

    def _refuse_play(self) -> None:
        """Say why a run that can go no further is not restarted."""
        raise NotImplementedError

    # -- commands every worker takes ---------------------------------------------------
    @Slot(bool)
    @recovering
    def set_playing(self, playing: bool) -> None:
        """Play or pause; a halted (diverged) run is refused, with the reason."""
        if not self._ready() or self.state is RunState.STOPPING:
            return
        if playing and self._halted():
            self._refuse_play()
            return
        self._message = ""
        self._set_state(RunState.RUNNING if playing else RunState.PAUSED)
        self._publish(force=True)

    @Slot(int)
    @recovering
    def step(self, iterations: int) -> None:
        """Run ``iterations`` steps now (pauses a running run first)."""
        if not self._ready() or self.state is RunState.STOPPING:
            return
        self._set_state(RunState.PAUSED)
        self._message = ""
        self._train(iterations)
        self._publish(force=True)

    # -- the loop ---------------------------------------------------------------------
    def _set_state(self, state: RunState) -> None:
        if self.state is RunState.RUNNING and state is not RunState.RUNNING:
            self._measure_rate(final=True)
        self.state = state
        if self._timer is None:
            return
        if state is RunState.RUNNING:
            self._rate = (time.perf_counter(), self._iteration() if self._ready() else 0)
            self._timer.start()
        else:
            self._timer.stop()

    @Slot()
    @recovering
    def _on_timer_timeout(self) -> None:
        if self.state is not RunState.RUNNING or not self._ready():
            return
        self._run_chunk()
        if self._halted():
            self._set_state(RunState.PAUSED)
            self._publish(force=True)
        else:
            self._publish()

    def _chunk_seconds(self) -> float:
        """Return how long the next chunk trains: ``CHUNK_SECONDS``, or less so that it
        ends when the next frame is due (frames then come every ``_frame_seconds``)."""
        due = self._last_publish + self._frame_seconds - time.perf_counter()
        return min(CHUNK_SECONDS, max(0.001, due))

    def _run_chunk(self) -> int:
        """Train for ``_chunk_seconds`` in growing batches; return the steps done."""
        deadline = time.perf_counter() + self._chunk_seconds()
        done, batch = 0, 1
        while (done < MAX_CHUNK_ITERATIONS and not self._halted()
               and time.perf_counter() < deadline):
            done += self._advance(min(batch, MAX_CHUNK_ITERATIONS - done))
            batch = min(batch * 2, 256)
        return done

    def _train(self, iterations: int) -> None:
        """Run ``iterations`` steps now (a step command), measuring their speed."""
        started, start_iteration = time.perf_counter(), self._iteration()
        self._advance(iterations)
        elapsed = time.perf_counter() - started
        if elapsed > 0 and self._iteration() > start_iteration:
            self._steps_per_second = (self._iteration() - start_iteration) / elapsed

    def _measure_rate(self, final: bool = False) -> None:
        """Update iterations/s over the running time since the last measurement."""
        now = time.perf_counter()
        since, start_iteration = self._rate
        if self.state is RunState.RUNNING and (now - since >= 0.25 or final and now > since):
            self._steps_per_second = (self._iteration() - start_iteration) / (now - since)
            self._rate = (now, self._iteration())

    def _publish(self, force: bool = False) -> None:
        now = time.perf_counter()
        if not self._ready() or (not force and now - self._last_publish < self._frame_seconds):
            return
        self._last_publish = now
        self._measure_rate()
        snapshot = self.snapshot()
        if self.state is RunState.RUNNING and self._halted():
            # A run in its own process trains on between two calls and may have stopped
            # there: it is paused now, and the frame says so, whoever asked for it.
            self._set_state(RunState.PAUSED)
            snapshot = self.snapshot()
        self._last_published = snapshot
        # the cost, smoothed over ~5 snapshots: one slow frame does not slow the next
        self._snapshot_seconds += (time.perf_counter() - now - self._snapshot_seconds) / 5
        self._frame_seconds = max(FRAME_SECONDS, self._snapshot_seconds / SNAPSHOT_SHARE)
        self.snapshot_ready.emit(snapshot)


class HostedWorker(ChunkedWorker):
    """A worker whose run lives in a training process of its own when one can be started
    (``RemoteTrainer``; see ``playground.session.remote``), else in this thread.

    A subclass says what its run is (``_run``: a Trainer, a TwinRun, or the handle on
    either in the child) and builds new runs with ``_new_run``.
    """

    def __init__(self, separate_process: bool = True) -> None:
        super().__init__()
        self._separate_process = separate_process
        self.host: RemoteTrainer | None = None   # the child process, once started
        self._notice = ""                        # said with the next run installed

    def _run(self):
        """Return the run, or None before the first one."""
        raise NotImplementedError

    def _started(self) -> None:
        if self._separate_process:
            try:
                self.host = RemoteTrainer()
            except TrainingProcessError as error:
                self._drop_host(error)

    def _stopping(self) -> None:
        self._drop_host()

    def _drop_host(self, error: Exception | None = None) -> RemoteTrainer | None:
        """End the training process, if any, and train in this thread from now on;
        ``error`` says why, with the next run installed. Return the old handle."""
        host, self.host = self.host, None
        if host is not None:
            host.close()
        if error is not None:
            self._notice = f"{error}; training in the window's process instead."
        return host

    @staticmethod
    def _going_on_here(error: Exception, iteration: int) -> str:
        """Say that the training process was lost and the run goes on in this one."""
        return (f"{error}: training goes on in the window's process, from iteration "
                f"{iteration} (the last frame shown).")

    def _new_run(self, factory, *args):
        """Return ``factory(*args)``, built in the child process when there is one (and
        here, from now on, if that process has gone)."""
        if self.host is not None:
            try:
                self.host.new(factory, *args)
                return self.host
            except TrainingProcessError as error:
                self._drop_host(error)
        return factory(*args)

    def _build(self, build, **options):
        """Return ``build(run, **options)`` (a Snapshot or a tuple of them), built where
        the run lives: in the child process, or here."""
        run = self._run()
        if run is self.host:
            return self.host.snapshot(build=build, **options)
        return build(run, **options)

    # -- the run, for the loop ----------------------------------------------------------
    def _ready(self) -> bool:
        return self._run() is not None

    def _iteration(self) -> int:
        return self._run().iteration

    def _advance(self, iterations: int) -> int:
        return self._run().run(iterations)

    def _run_chunk(self) -> int:
        """One round trip: the run trains for ``_chunk_seconds`` where it lives."""
        return self._run().run_for(self._chunk_seconds(), MAX_CHUNK_ITERATIONS)

    def _halted(self) -> bool:
        return self._run().diverged

    def _set_state(self, state: RunState) -> None:
        super()._set_state(state)
        if self.host is not None:           # the child trains between calls while running
            self.host.running = state is RunState.RUNNING


class TrainingWorker(HostedWorker):
    """Owns the run. Public slots are commands; ``snapshot_ready`` carries every frame."""

    failed = Signal(str, object)         # (why, config of the run that was kept or None)
    gradient_checked = Signal(object)    # GradCheckResult of a gradient_check command

    def __init__(self, separate_process: bool = True) -> None:
        super().__init__(separate_process)
        self.trainer: Trainer | RemoteTrainer | None = None
        self.config: RunConfig | None = None
        self.grid: Grid | None = None
        self.test_history = History()
        self._message = ""

    # -- the run, for the loop ----------------------------------------------------------
    def _run(self) -> Trainer | RemoteTrainer | None:
        return self.trainer

    def _recover(self, error: Exception) -> None:
        """The training process is gone: train on here, from the last frame published."""
        host, last = self._drop_host(), self._last_published
        self._set_state(RunState.PAUSED)
        if host is None or last is None or self.config is None:
            self.trainer = None
            self.failed.emit(f"{error}. Start a new run.", None)
            return
        self.trainer = Trainer(last.arch, host.train, host.test, init=last.init,
                               init_scale=self.config.init_scale, seed=last.seed,
                               learning_rate=last.learning_rate,
                               parameters=dict(last.parameters), iteration=last.iteration)
        self.failed.emit(self._going_on_here(error, last.iteration), None)
        self._publish(force=True)

    # -- commands ---------------------------------------------------------------------
    @Slot(object, str)
    @recovering
    def configure(self, config: RunConfig, message: str) -> None:
        """Start a new run from ``config`` (parameters drawn from its seed), paused."""
        try:
            trainer = self._new_run(make_trainer, config)
        except (ValueError, OSError) as error:
            self._refuse(str(error))
            return
        self._install(trainer, config, message)

    @Slot(object, object, str)
    @recovering
    def load_model(self, model: SavedModel, config: RunConfig, message: str) -> None:
        """Start a run at ``model``'s parameters and iteration, on ``config``'s data."""
        try:
            trainer = self._new_run(trainer_for_model, model, config)
        except (ValueError, OSError) as error:
            self._refuse(str(error))
            return
        self._install(trainer, config, message)

    def _refuse(self, why: str) -> None:
        """Report a command that could not be carried out; the current run goes on."""
        self.failed.emit(why, self.config)
        self._publish(force=True)

    def _install(self, trainer: Trainer, config: RunConfig, message: str) -> None:
        self.trainer, self.config = trainer, config
        self.run_id += 1
        self.grid = make_grid(trainer.train.X, GRID_RESOLUTION)
        self.test_history = History()
        self._message = " ".join(filter(None, (self._notice, message)))
        self._notice = ""
        self._set_state(RunState.PAUSED)
        self._publish(force=True)

    def _refuse_play(self) -> None:
        self.failed.emit(self.trainer.divergence.message + " Reset to start again.", None)

    @Slot()
    @recovering
    def reset(self) -> None:
        """Back to iteration 0 with the same seed: the same initial parameters."""
        if self.trainer is None:
            return
        self.trainer.reset()
        self.run_id += 1
        self.test_history = History()
        self._message = "Reset: parameters re-drawn from the same seed."
        self._set_state(RunState.PAUSED)
        self._publish(force=True)

    @Slot(float)
    @recovering
    def set_learning_rate(self, learning_rate: float) -> None:
        """Use ``learning_rate`` from the next step on, without restarting."""
        if self.trainer is None:
            return
        try:
            self.trainer.set_learning_rate(learning_rate)
        except ValueError as error:
            self.failed.emit(str(error), None)
        self._publish(force=self.state is not RunState.RUNNING)

    @Slot(int, float)
    @recovering
    def break_symmetry(self, layer: int, size: float) -> None:
        """Add noise of ``size`` to W[layer], from the run's seed (the run goes on)."""
        if self.trainer is None:
            return
        try:
            self.trainer.break_symmetry(layer, size)
        except ValueError as error:
            self.failed.emit(str(error), None)
            return
        self._message = f"Added noise of size {size:g} to W[{layer}]: watch the units separate."
        self._publish(force=True)

    @Slot(int)
    @recovering
    def gradient_check(self, bug_layer: int) -> None:
        """Check backprop on the current parameters (with g' dropped in ``bug_layer`` > 0).

        Uses at most 64 examples: the check does two forward passes per parameter.
        """
        if self.trainer is None:
            return
        t = self.trainer
        columns = slice(None, None, max(1, t.train.m // 64))
        gradients = backprop_with_bug(bug_layer) if bug_layer > 0 else backprop_gradients
        with np.errstate(all="ignore"):
            result = gradient_check(t.parameters, t.train.X[:, columns], t.train.Y[:, columns],
                                    t.arch, gradients=gradients)
        self.gradient_checked.emit(result)

    # -- frames -----------------------------------------------------------------------
    def snapshot(self) -> Snapshot:
        """Return a snapshot of the run now (call in the worker's thread)."""
        snapshot = self._build(take_snapshot, run_id=self.run_id, state=self.state,
                               grid=self.grid, steps_per_second=self._steps_per_second,
                               message=self._message)
        if snapshot.test_cost is not None and np.isfinite(snapshot.test_cost):
            self.test_history.add(snapshot.iteration, snapshot.test_cost)
        return with_test_cost_history(snapshot, self.test_history.as_array())


class WorkerSession(QObject):
    """The GUI thread's handle on a ``ChunkedWorker``: its thread, sync and shutdown.

    Builds one long-lived QThread, moves ``worker`` (which has no parent) into it, wires the
    stop and sync commands and starts the thread. ``latest`` is the newest frame received;
    views draw it at display rate. A subclass adds its commands as queued signals.
    """

    snapshot_ready = Signal(object)
    synced = Signal(int)

    _stop = Signal()
    _sync = Signal(int)

    def __init__(self, worker: ChunkedWorker, thread_name: str,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.latest: object | None = None
        self.thread = QThread()
        self.thread.setObjectName(thread_name)
        self.worker = worker
        self.worker.moveToThread(self.thread)
        self.thread.started.connect(self.worker._on_thread_started)
        self._stop.connect(self.worker.stop)
        self._sync.connect(self.worker.sync)
        self._tokens = 0
        self.worker.snapshot_ready.connect(self._on_worker_snapshot_ready)
        self.worker.synced.connect(self.synced)
        app = QCoreApplication.instance()
        if app is not None:                   # a window never closed still stops cleanly
            app.aboutToQuit.connect(self.shutdown)

    def _start(self) -> None:
        """Start the worker's thread (call once every command is connected)."""
        self.thread.start()

    @Slot(object)
    def _on_worker_snapshot_ready(self, snapshot: object) -> None:
        self.latest = snapshot
        self.snapshot_ready.emit(snapshot)

    def sync(self) -> int:
        """Ask for a fresh snapshot after every command sent so far; return the token
        that ``synced`` will carry once ``latest`` reflects them."""
        self._tokens += 1
        self._sync.emit(self._tokens)
        return self._tokens

    def shutdown(self, timeout_ms: int = 10_000) -> bool:
        """Stop → quit → wait. Return True once the thread has finished.

        The stop command is queued behind any earlier command; the worker then quits its
        own event loop, so nothing is left half-done and no timer outlives its thread.
        """
        if not self.thread.isRunning():
            return True
        self._stop.emit()
        return self.thread.wait(timeout_ms)


class TrainingSession(WorkerSession):
    """The GUI thread's handle on the worker: emits commands, receives snapshots.

    ``latest`` is the newest snapshot received; views draw it at display rate.
    """

    failed = Signal(str, object)
    gradient_checked = Signal(object)

    _configure = Signal(object, str)
    _load_model = Signal(object, object, str)
    _set_playing = Signal(bool)
    _step = Signal(int)
    _reset = Signal()
    _set_learning_rate = Signal(float)
    _break_symmetry = Signal(int, float)
    _gradient_check = Signal(int)

    def __init__(self, parent: QObject | None = None, separate_process: bool = True) -> None:
        super().__init__(TrainingWorker(separate_process), "playground-training", parent)
        self.latest: Snapshot | None = None
        self._configure.connect(self.worker.configure)
        self._load_model.connect(self.worker.load_model)
        self._set_playing.connect(self.worker.set_playing)
        self._step.connect(self.worker.step)
        self._reset.connect(self.worker.reset)
        self._set_learning_rate.connect(self.worker.set_learning_rate)
        self._break_symmetry.connect(self.worker.break_symmetry)
        self._gradient_check.connect(self.worker.gradient_check)
        self.worker.gradient_checked.connect(self.gradient_checked)
        self.worker.failed.connect(self.failed)
        self._start()

    # commands (all asynchronous)
    def configure(self, config: RunConfig, message: str = "") -> None:
        self._configure.emit(config, message)

    def load_model(self, model: SavedModel, config: RunConfig, message: str = "") -> None:
        self._load_model.emit(model, config, message)

    def set_playing(self, playing: bool) -> None:
        self._set_playing.emit(playing)

    def step(self, iterations: int = 1) -> None:
        self._step.emit(iterations)

    def reset(self) -> None:
        self._reset.emit()

    def set_learning_rate(self, learning_rate: float) -> None:
        self._set_learning_rate.emit(learning_rate)

    def break_symmetry(self, layer: int, size: float = 1e-3) -> None:
        self._break_symmetry.emit(layer, size)

    def gradient_check(self, bug_layer: int = 0) -> None:
        """Ask for a gradient check; ``gradient_checked`` carries the result."""
        self._gradient_check.emit(bug_layer)
