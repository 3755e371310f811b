"""A Trainer in a process of its own, driven from the window's worker thread.

Python runs one thread at a time (the GIL). A window that draws 30 frames a second spends
much of each second in Python, and a training loop in a thread of the same process gets
only what is left: measured with ``playground bench --gui``, a third of its headless speed.
In a child process the run has a core to itself, and the worker thread that drives it
waits on a pipe, which does not hold the GIL, so the window draws undisturbed.

``RemoteTrainer`` offers the part of ``Trainer``'s interface the worker uses; each call is
one message to the child and one reply. What lives there is any object with that interface
(``run``, ``run_for``, ``iteration``, ``diverged``, ``divergence``): a Trainer, or the
compare window's ``TwinRun``. The child keeps the run and answers commands in order; an
exception raised there is sent back and raised again in the caller.
Nothing is shared: arguments and results are copied through the pipe (pickled; the pipe
is private to the two processes, and no file is ever unpickled). Replies carry their
arrays out of band (``send_reply``), so a snapshot's maps are not copied into a pickle.
"""

from __future__ import annotations

import ctypes
import dataclasses
import multiprocessing
import os
import pickle
import socket
import time
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

from playground.session.snapshot import Snapshot, take_snapshot
from playground.session.trainer import Trainer

JOIN_SECONDS = 5.0
KEEP_GOING_SECONDS = 0.001      # slices of training while the parent has not answered


class TrainingProcessError(RuntimeError):
    """The training process could not be started or stopped answering."""


def _status(trainer: Trainer | None) -> tuple | None:
    """Return what the parent keeps at hand after every call: cheap to send."""
    if trainer is None:
        return None
    return trainer.iteration, trainer.divergence, getattr(trainer, "learning_rate", None)


# What the parent keeps of a new run, those of them it has; they never change.
KEPT_ATTRIBUTES = ("arch", "train", "test", "init", "seed")


def _kept(trainer: Trainer) -> dict[str, Any]:
    return {name: getattr(trainer, name) for name in KEPT_ATTRIBUTES
            if hasattr(trainer, name)}


# What the child does for each command: (trainer, *args) -> (trainer, result).
COMMANDS: dict[str, Callable[..., tuple[Trainer | None, Any]]] = {
    "new": lambda trainer, factory, *args: (factory(*args), None),
    "call": lambda trainer, name, *args: (trainer, getattr(trainer, name)(*args)),
    "get": lambda trainer, name: (trainer, getattr(trainer, name)),
    "apply": lambda trainer, function, *args: (trainer, function(trainer, *args)),
}


def keep_going(trainer: Trainer, connection: Connection) -> None:
    """After a reply to a message that asks for it, go on training until the next one.

    The parent reads the reply and sends the next command when its thread gets Python's
    lock, which a busy window may hold for milliseconds: the run does not wait idle for
    it. The steps show in the iteration count of the next reply.
    """
    batch = 1
    while not trainer.diverged and not connection.poll():
        started = time.perf_counter()
        trainer.run(batch)
        elapsed = time.perf_counter() - started
        # about KEEP_GOING_SECONDS a slice: few calls, yet the next command waits little
        batch = max(1, min(4 * batch, round(batch * KEEP_GOING_SECONDS / max(elapsed, 1e-6))))


# glibc's malloc hands freed memory at the top of its heap back to the system and takes
# arrays above 128 KB straight from the system, so every new megabyte-sized array is
# faulted in page by page. A snapshot of a 64-64 net makes a dozen such arrays, and with
# the defaults it took 16 ms instead of 9. The training process keeps its memory instead,
# and so does the window's process once it has one: it reads every snapshot into fresh
# buffers (a 64-64 net's are 5 MB); keeping them took a 32-32 net's snapshot round trip
# from 9-13 ms to 7-8 (22 frames a second to 29) and a 64-64 net's from 15-17 ms to
# 12-14 (16 frames to 18), for ~20 MB more resident memory.
M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3          # mallopt's parameters, <malloc.h>
KEEP_FREED_BYTES, MAP_ABOVE_BYTES = 256 << 20, 32 << 20


def keep_freed_memory() -> bool:
    """Tell glibc's malloc to keep freed memory for reuse; False where there is no glibc."""
    try:
        mallopt = ctypes.CDLL("libc.so.6").mallopt
    except (OSError, AttributeError):
        return False
    return bool(mallopt(M_MMAP_THRESHOLD, MAP_ABOVE_BYTES)
                and mallopt(M_TRIM_THRESHOLD, KEEP_FREED_BYTES))


def serve(connection: Connection) -> None:
    """The child's loop: (command, args, go_on) in, ("ok" | "error", result, status) out.

    "new" (factory, *args) replaces the trainer by factory(*args); "call" (name, *args)
    returns trainer.name(*args); "get" (name,) returns trainer.name; "apply"
    (function, *args) returns function(trainer, *args). With ``go_on`` the child then
    ``keep_going`` until the next message. None or a closed pipe ends the loop.
    """
    keep_freed_memory()
    trainer: Trainer | None = None
    while True:
        try:
            message = connection.recv()
        except (EOFError, OSError):
            return
        if message is None:
            return
        command, args, go_on = message
        try:
            trainer, result = COMMANDS[command](trainer, *args)
            reply = ("ok", result, _status(trainer))
        except Exception as error:          # noqa: BLE001 (sent back and raised there)
            reply = ("error", _sendable(error), _status(trainer))
        send_reply(connection, reply)
        if go_on and reply[0] == "ok":
            keep_going(trainer, connection)


def send_reply(connection: Connection, reply: Any) -> None:
    """Send ``reply`` with its arrays out of band: pickled (protocol 5) without their data,
    then each array's memory as it lies, one message each. Nothing is copied into a pickle
    on this side, and ``receive_reply`` makes no copy either: a 2-64-64-1 snapshot (5 MB)
    went through in ~2 ms instead of ~4."""
    buffers: list[pickle.PickleBuffer] = []
    data = pickle.dumps(reply, protocol=5, buffer_callback=buffers.append)
    connection.send_bytes(len(buffers).to_bytes(4, "little") + data)
    for buffer in buffers:
        connection.send_bytes(buffer.raw())


def receive_reply(connection: Connection) -> Any:
    """Return the next reply ``send_reply`` sent. Arrays that came out of band keep the
    received bytes as their memory, so they are read-only."""
    head = connection.recv_bytes()
    buffers = [connection.recv_bytes() for _ in range(int.from_bytes(head[:4], "little"))]
    return pickle.loads(memoryview(head)[4:], buffers=buffers)


def _sendable(error: Exception) -> Exception:
    """Return ``error`` if it survives pickling, else a RuntimeError with its message."""
    try:
        pickle.loads(pickle.dumps(error))
    except Exception:                       # noqa: BLE001 (any pickling failure)
        return RuntimeError(f"{type(error).__name__}: {error}")
    return error


def _context() -> multiprocessing.context.BaseContext:
    """forkserver where there is one (a fresh interpreter forks the children, never this
    process with its GUI threads), else spawn."""
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("forkserver" if "forkserver" in methods
                                          else "spawn")
    if "forkserver" in methods:
        context.set_forkserver_preload(["playground.session.remote"])
    return context


# Room in the connection for a whole snapshot (a 2-8-8-1 net's is ~860 KB) and more: the
# training process then hands it to the kernel and trains on, instead of waiting while
# the window's process, busy drawing, reads it.
SEND_BUFFER_BYTES = 4 * 2**20


def widen_buffer(connection: Connection) -> None:
    """Ask for SEND_BUFFER_BYTES of send buffer on ``connection``'s socket (the system
    may grant less: Linux caps it at net.core.wmem_max); no-op where that fails."""
    try:
        with socket.socket(fileno=os.dup(connection.fileno())) as end:
            end.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, SEND_BUFFER_BYTES)
    except OSError:
        pass


class RemoteTrainer:
    """The worker's handle on a Trainer that lives in a child process.

    ``new(factory, *args)`` builds the trainer there; the attributes the worker reads
    (``iteration``, ``divergence``, ``diverged``, ``learning_rate``, and those of
    ``KEPT_ATTRIBUTES`` the trainer has) are kept here, the first three refreshed by every
    reply. Call ``close()`` when done.
    """

    def __init__(self) -> None:
        context = _context()
        self._connection, child = context.Pipe()
        widen_buffer(child)
        self._process = context.Process(target=serve, args=(child,), daemon=True,
                                        name="playground-trainer")
        try:
            self._process.start()
        except (OSError, RuntimeError) as error:
            raise TrainingProcessError(f"cannot start the training process: {error}") from None
        child.close()
        keep_freed_memory()         # here too: this process receives the snapshots
        self.iteration, self.divergence, self.learning_rate = 0, None, 0.0
        self.running = False        # set by the worker: may the child train between calls?

    def _request(self, command: str, *args: Any, go_on: bool = False) -> Any:
        try:
            self._connection.send((command, args, go_on))
            outcome, result, status = receive_reply(self._connection)
        except (EOFError, OSError, BrokenPipeError) as error:
            raise TrainingProcessError(
                f"the training process stopped answering ({error or type(error).__name__})"
            ) from None
        if status is not None:
            self.iteration, self.divergence, self.learning_rate = status
        if outcome == "error":
            raise result
        return result

    def new(self, factory: Callable[..., Trainer], *args: Any) -> None:
        """Replace the child's trainer by ``factory(*args)`` (errors raised here)."""
        self._request("new", factory, *args)
        for name, value in self._request("apply", _kept).items():
            setattr(self, name, value)

    @property
    def diverged(self) -> bool:
        return self.divergence is not None

    @property
    def pid(self) -> int | None:
        """The training process's id."""
        return self._process.pid

    def call(self, name: str, *args: Any) -> Any:
        return self._request("call", name, *args)

    def get(self, name: str) -> Any:
        return self._request("get", name)

    def run(self, iterations: int) -> int:
        return self.call("run", iterations)

    def run_for(self, seconds: float, max_iterations: int) -> int:
        """Train for ``seconds``; while ``running``, the child then keeps going until the
        next call (see ``keep_going``)."""
        return self._request("call", "run_for", seconds, max_iterations, go_on=self.running)

    def reset(self, *args: Any) -> None:
        self.call("reset", *args)

    def set_learning_rate(self, learning_rate: float) -> None:
        self._request("call", "set_learning_rate", learning_rate, go_on=self.running)

    def break_symmetry(self, *args: Any) -> None:
        self.call("break_symmetry", *args)

    @property
    def parameters(self) -> dict:
        return self.get("parameters")

    def snapshot(self, build: Callable[..., Any] = take_snapshot, **options: Any) -> Any:
        """Return ``build(trainer, **options)``, a Snapshot or a tuple of them, taken in
        the child.

        The run's data and the grid travel only once: snapshots come back without them
        and get this side's objects, so they stay the same objects all run long (views
        compare them by identity to know when to re-place the data points).
        """
        light = self._request("apply", _built_without_data, build, options,
                              go_on=self.running)
        return _each(light, lambda s: dataclasses.replace(
            s, train=self.train, test=self.test, grid=options.get("grid")))

    def close(self) -> None:
        """End the child: ask, wait, and terminate it if it does not go."""
        try:
            self._connection.send(None)
        except (OSError, BrokenPipeError):
            pass
        self._process.join(JOIN_SECONDS)
        if self._process.is_alive():
            self._process.terminate()
            self._process.join(JOIN_SECONDS)
        self._connection.close()


def _each(built: Any, change: Callable[[Snapshot], Snapshot]) -> Any:
    """Return ``change`` applied to a Snapshot, or to each of a tuple of them."""
    return tuple(map(change, built)) if isinstance(built, tuple) else change(built)


def _built_without_data(trainer: Trainer, build: Callable[..., Any], options: dict) -> Any:
    """Return ``build(trainer, **options)`` without the data and the grid (the parent
    has both)."""
    return _each(build(trainer, **options),
                 lambda s: dataclasses.replace(s, train=None, test=None, grid=None))

