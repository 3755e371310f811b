"""The window's one connection to its run loop: a worker QObject in its own QThread.

The run loop (``session/loop.py``) trains, paces and builds the frames. It lives in a
training process of its own (``session/process.py``) when one can be started; otherwise
it runs right here, in the worker's thread — the same loop either way. The worker's
thread relays what the loop sends (frames and messages) to the window as Qt signals. The
window's commands (``session/commands.py``) reach the loop through ``RunSession.send``,
from the GUI thread, with no Qt in between: over the pipe, or into the loop's queue.

If the training process is lost, the worker starts a loop of its own from the last frame
it relayed, says so, and the window trains on in its own process.

Shutdown is stop → quit → wait: ``RunSession.shutdown`` sends ``Stop``; the loop answers
``Stopped`` and ends; the worker quits its thread's event loop; the session waits for it.
"""

from __future__ import annotations

import threading
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, QThread, Signal, Slot

from playground.session.commands import Resume, Stop, Sync
from playground.session.loop import QueueInbox, RunLoop
from playground.session.messages import Failed, GradientsChecked, RunData, Stopped, Synced
from playground.session.process import ProcessLink, TrainingProcessError
from playground.session.snapshot import Snapshot
from playground.session.twin import TwinSnapshot

FRAMES = (Snapshot, TwinSnapshot)


class RunWorker(QObject):
    """Relays the loop's frames and messages (``received``); ``send`` takes commands."""

    received = Signal(object)

    def __init__(self, separate_process: bool = True) -> None:
        super().__init__()
        self._separate_process = separate_process
        self._lock = threading.Lock()
        self._inbox = QueueInbox()        # commands until the process is up; the loop's here
        self.link: ProcessLink | None = None
        self._data: RunData | None = None
        self.last_frame: Snapshot | TwinSnapshot | None = None

    def send(self, command: Any) -> None:
        """Hand ``command`` to the loop, wherever it runs (call from any thread)."""
        with self._lock:
            if self.link is not None:
                try:
                    self.link.send(command)
                    return
                except TrainingProcessError:
                    pass             # the relay finds the process gone and goes on here
            self._inbox.put(command)

    @Slot()
    def serve(self) -> None:
        """Relay the training process's frames, or run the loop here; return once stopped."""
        loop = RunLoop(send=self._deliver)
        if self._separate_process:
            try:
                link = ProcessLink()
            except TrainingProcessError as error:
                loop.notice = f"{error}; training in the window's process instead."
            else:
                lost = self._relay(link)
                if lost is None:
                    self.thread().quit()
                    return
                if self.last_frame is not None:
                    loop.obey(Resume(self.last_frame, self._going_on_here(lost)))
        loop.serve(self._inbox)
        self.thread().quit()

    def _relay(self, link: ProcessLink) -> TrainingProcessError | None:
        """Pass the process's messages on until it stops (None) or is lost (the error)."""
        try:
            with self._lock:                  # what was sent before the process was up first
                while (command := self._inbox.get(0)) is not None:
                    link.send(command)
                self.link = link
            while not isinstance(message := link.receive(), Stopped):
                self._deliver(message)
        except TrainingProcessError as error:
            with self._lock:
                self.link = None
            link.close()
            return error
        link.close()
        return None

    def _going_on_here(self, error: Exception) -> str:
        return (f"{error}: training goes on in the window's process, from iteration "
                f"{self.last_frame.iteration} (the last frame shown).")

    def _deliver(self, message: Any) -> None:
        """Put the run's data back into a frame and pass it on (called in this thread)."""
        if isinstance(message, RunData):
            self._data = message
            return
        if isinstance(message, Stopped):           # the loop here ended: nothing to show
            return
        if isinstance(message, FRAMES):
            message = message.with_data(self._data.train, self._data.test, self._data.grid)
            self.last_frame = message
        self.received.emit(message)


class RunSession(QObject):
    """The GUI thread's handle on a run loop: ``send`` commands, receive frames as signals.

    ``latest`` is the newest frame received (a Snapshot, or a TwinSnapshot for twin runs);
    views draw it at display rate.
    """

    snapshot_ready = Signal(object)          # every frame
    synced = Signal(int)                     # the token of a Sync command, once done
    failed = Signal(str, object)             # (why, the settings of the run that goes on)
    gradient_checked = Signal(object)        # a GradCheckResult

    def __init__(self, parent: QObject | None = None, separate_process: bool = True,
                 thread_name: str = "playground-run") -> None:
        super().__init__(parent)
        self.latest: Snapshot | TwinSnapshot | None = None
        self.last_synced = 0                  # the newest token that ``synced`` carried
        self._tokens = 0
        self._handlers = {
            Synced: self._on_synced,
            Failed: lambda m: self.failed.emit(m.why, m.kept),
            GradientsChecked: lambda m: self.gradient_checked.emit(m.result),
        }
        self.thread = QThread()
        self.thread.setObjectName(thread_name)
        self.worker = RunWorker(separate_process)
        self.worker.moveToThread(self.thread)
        self.thread.started.connect(self.worker.serve)
        self.worker.received.connect(self._on_worker_received)
        app = QCoreApplication.instance()
        if app is not None:                   # a window never closed still stops cleanly
            app.aboutToQuit.connect(self.shutdown)
        self.thread.start()

    def send(self, command: Any) -> None:
        """Send a command of ``session/commands.py`` to the loop (it is applied there)."""
        self.worker.send(command)

    def sync(self) -> int:
        """Ask for a fresh frame after every command sent so far; return the token that
        ``synced`` will carry once ``latest`` reflects them."""
        self._tokens += 1
        self.send(Sync(self._tokens))
        return self._tokens

    @Slot(object)
    def _on_worker_received(self, message: Any) -> None:
        if isinstance(message, FRAMES):
            self.latest = message
            self.snapshot_ready.emit(message)
        else:
            self._handlers[type(message)](message)

    def _on_synced(self, message: Synced) -> None:
        self.last_synced = message.token
        self.synced.emit(message.token)

    def shutdown(self, timeout_ms: int = 10_000) -> bool:
        """Stop → quit → wait. Return True once the thread has finished.

        The Stop command is queued behind any earlier command; the loop then ends, the
        worker quits its thread's event loop, and nothing is left half-done.
        """
        if not self.thread.isRunning():
            return True
        self.send(Stop())
        return self.thread.wait(timeout_ms)
