"""The training process: a run loop in a process of its own, and the window's link to it.

Python runs one thread at a time (the GIL). A window that draws 30 frames a second spends
much of each second in Python, and a training loop in a thread of the same process gets
only what is left. In a child process the run loop (``session/loop.py``) has a core to
itself; the window's worker thread waits on the pipe, which does not hold the GIL.

The child serves one ``RunLoop``: commands come in over the pipe (``ConnectionInbox``),
frames and messages go out (``send_message``), until a ``Stop`` command. Nothing is shared:
everything is copied through the pipe, pickled (the pipe is private to the two processes,
and no file is ever unpickled). Messages carry their arrays out of band, so a frame's maps
are not copied into a pickle on either side.

The child is started with ``forkserver`` where there is one (a fresh interpreter forks the
children, never the window's process with its threads), else with ``spawn`` (macOS and
Windows): everything it is given is importable and picklable, so either works. It is
given the window's kernel choices (``core/fast/calibrate.py``), so the two processes
compute the same bits. Calls that exist only on some systems (glibc's ``mallopt``, a
socket's buffer size, ``/proc``) are tried where they exist and skipped elsewhere.
"""

from __future__ import annotations

import ctypes
import math
import multiprocessing
import os
import pickle
import platform
import socket
import sys
import threading
from multiprocessing.connection import Connection
from typing import Any

try:
    import resource
except ImportError:                # Windows
    resource = None

from playground.core.fast import calibrate
from playground.session.commands import Stop
from playground.session.loop import RunLoop

JOIN_SECONDS = 5.0


class TrainingProcessError(RuntimeError):
    """The training process could not be started, or stopped answering."""


# -- what crosses the pipe ----------------------------------------------------------------
def send_message(connection: Connection, message: Any) -> None:
    """Send ``message`` with its arrays out of band: pickled (protocol 5) without their
    data, then each array's memory as it lies, one piece each. Nothing is copied into a
    pickle on this side, and ``receive_message`` makes no copy either."""
    buffers: list[pickle.PickleBuffer] = []
    data = pickle.dumps(message, protocol=5, buffer_callback=buffers.append)
    connection.send_bytes(len(buffers).to_bytes(4, "little") + data)
    for buffer in buffers:
        connection.send_bytes(buffer.raw())


def receive_message(connection: Connection) -> Any:
    """Return the next message ``send_message`` sent. Arrays that came out of band keep
    the received bytes as their memory, so they are read-only."""
    head = connection.recv_bytes()
    buffers = [connection.recv_bytes() for _ in range(int.from_bytes(head[:4], "little"))]
    return pickle.loads(memoryview(head)[4:], buffers=buffers)


class ConnectionInbox:
    """The child's inbox: commands from the window's end of the pipe."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def get(self, timeout: float | None) -> Any | None:
        """Return the next command, waiting at most ``timeout`` s; a closed pipe is Stop."""
        try:
            if not self.connection.poll(timeout):
                return None
            return self.connection.recv()
        except (EOFError, OSError):
            return Stop()


# -- the child ----------------------------------------------------------------------------
def serve(connection: Connection, kernels: calibrate.KernelChoices | None = None) -> None:
    """The training process's whole life: one run loop until it is stopped. ``kernels``:
    the window's kernel choices, adopted so that both processes compute the same bits."""
    if kernels is not None:
        calibrate.use(kernels)
    keep_freed_memory()
    loop = RunLoop(send=lambda message: send_message(connection, message))
    try:
        loop.serve(ConnectionInbox(connection))
    except (EOFError, OSError):            # the window's end is gone: nobody to train for
        pass


# glibc's malloc hands freed memory at the top of its heap back to the system and takes
# arrays above 128 KB straight from the system, so every new megabyte-sized array is
# faulted in page by page. Frames of big nets make a dozen such arrays, in the child that
# builds them and in the window's process that receives them into fresh buffers: both
# keep their freed memory instead, for some more resident memory.
M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3          # mallopt's parameters, <malloc.h>
KEEP_FREED_BYTES, MAP_ABOVE_BYTES = 256 << 20, 32 << 20


def keep_freed_memory() -> bool:
    """Tell glibc's malloc to keep freed memory for reuse; False where there is no glibc
    (macOS, Windows, musl) and nothing was changed."""
    if not sys.platform.startswith("linux") or platform.libc_ver()[0] != "glibc":
        return False
    try:
        mallopt = ctypes.CDLL("libc.so.6").mallopt
    except (OSError, AttributeError):
        return False
    return bool(mallopt(M_MMAP_THRESHOLD, MAP_ABOVE_BYTES)
                and mallopt(M_TRIM_THRESHOLD, KEEP_FREED_BYTES))


# Room in the pipe for a whole frame and more: the training process then hands it to the
# kernel and trains on, instead of waiting while the window's busy process reads it.
SEND_BUFFER_BYTES = 4 * 2**20


def widen_buffer(connection: Connection) -> bool:
    """Ask for SEND_BUFFER_BYTES of send buffer on ``connection``'s socket (the system may
    grant less: Linux caps it at net.core.wmem_max). Return False where the connection is
    no socket (Windows pipes) or the option is refused; nothing changes then."""
    if sys.platform == "win32":
        return False
    try:
        with socket.socket(fileno=os.dup(connection.fileno())) as end:
            end.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, SEND_BUFFER_BYTES)
    except (OSError, ValueError):
        return False
    return True


def resident_mb(pid: int | str = "self") -> float:
    """Return a process's resident memory now, in MB (Linux, from /proc). Elsewhere, for
    this process its peak, the nearest figure the standard library offers, and for
    another process (or on Windows, which has no getrusage) NaN: not known."""
    try:
        with open(f"/proc/{pid}/statm", encoding="ascii") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6
    except (OSError, ValueError, AttributeError):
        if resource is None or pid not in ("self", os.getpid()):
            return math.nan
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return peak / 1e6 if sys.platform == "darwin" else peak / 1e3   # bytes; KB


def start_method() -> str:
    """Return the start method for the training process: forkserver, else spawn."""
    methods = multiprocessing.get_all_start_methods()
    return "forkserver" if "forkserver" in methods else "spawn"


# -- the window's end ---------------------------------------------------------------------
class ProcessLink:
    """The window's end of a training process: ``send`` commands (from any thread),
    ``receive`` frames and messages (from the one thread that reads), ``close``."""

    def __init__(self, method: str | None = None) -> None:
        context = multiprocessing.get_context(method or start_method())
        if context.get_start_method() == "forkserver":
            context.set_forkserver_preload(["playground.session.process"])
        self._connection, child = context.Pipe()
        widen_buffer(child)
        self._process = context.Process(target=serve, args=(child, calibrate.choices()),
                                        daemon=True, name="playground-trainer")
        try:
            self._process.start()
        except (OSError, RuntimeError) as error:
            raise TrainingProcessError(f"cannot start the training process: {error}") from None
        finally:
            child.close()
        keep_freed_memory()         # here too: this process receives the frames
        self._sending = threading.Lock()

    @property
    def pid(self) -> int | None:
        return self._process.pid

    @property
    def alive(self) -> bool:
        return self._process.is_alive()

    def send(self, command: Any) -> None:
        """Send ``command`` to the loop (TrainingProcessError if the process is gone)."""
        with self._sending:
            try:
                self._connection.send(command)
            except (OSError, ValueError) as error:
                raise TrainingProcessError(f"the training process stopped answering "
                                           f"({error or type(error).__name__})") from None

    def receive(self) -> Any:
        """Return the next frame or message (TrainingProcessError if the process is gone)."""
        try:
            return receive_message(self._connection)
        except (EOFError, OSError) as error:
            raise TrainingProcessError(f"the training process stopped answering "
                                       f"({error or type(error).__name__})") from None

    def close(self) -> None:
        """Wait for the process to end (after a Stop command), terminating it if it does
        not; then close the pipe."""
        self._process.join(JOIN_SECONDS)
        if self._process.is_alive():
            self._process.terminate()
            self._process.join(JOIN_SECONDS)
        self._connection.close()
