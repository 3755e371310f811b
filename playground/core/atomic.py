"""Writing a file so that it is either wholly there or not changed at all.

The content goes to a temporary file in the target's folder, is flushed and fsynced, and
is then renamed over the target. A failure at any point removes the temporary file and
leaves an existing file untouched. A symlink is written through (its target is replaced);
an existing file keeps its permissions, a new one gets the usual umask-based ones.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Callable
from typing import IO


class AtomicWriteError(OSError):
    """The file could not be written; nothing was changed. ``str()`` says where and why."""


def reason(error: OSError) -> str:
    """Return the short human reason of an OSError ("Permission denied", …)."""
    return error.strerror or str(error) or type(error).__name__


def write_atomically(path: str | os.PathLike[str], write: Callable[[IO[bytes]], None]) -> None:
    """Call ``write(handle)`` on a temporary binary file, then rename it over ``path``.

    Raises AtomicWriteError (an OSError) naming the path and the reason; exceptions raised
    by ``write`` that are not OSErrors propagate unchanged after the cleanup.
    """
    target = os.fspath(path)
    real = os.path.realpath(target)
    folder = os.path.dirname(real)
    if os.path.isdir(real):
        raise AtomicWriteError(f"cannot write {target}: it is a folder, not a file")
    if not os.path.isdir(folder):
        raise AtomicWriteError(f"cannot write {target}: folder {folder} does not exist")
    mode = _file_mode(real)
    try:
        fd, temporary = tempfile.mkstemp(dir=folder, suffix=".tmp",
                                         prefix=f".{os.path.basename(real)[:64]}.")
    except OSError as error:
        raise AtomicWriteError(f"cannot write {target}: cannot create a file in {folder} "
                               f"({reason(error)})") from error
    try:
        with os.fdopen(fd, "wb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        with contextlib.suppress(OSError):
            os.chmod(temporary, mode)
        os.replace(temporary, real)
    except BaseException as error:
        with contextlib.suppress(OSError):
            os.remove(temporary)
        if isinstance(error, OSError):
            raise AtomicWriteError(f"cannot write {target}: writing failed "
                                   f"({reason(error)}); nothing was changed") from error
        raise
    _fsync_folder(folder)


def _file_mode(path: str) -> int:
    """Return the permission bits for ``path``: kept if it exists, else 0o666 minus umask."""
    with contextlib.suppress(OSError):
        return stat.S_IMODE(os.stat(path).st_mode)
    umask = 0o022
    with contextlib.suppress(OSError, ValueError), open("/proc/self/status") as status:
        for line in status:  # read, not set: os.umask() would race other threads
            if line.startswith("Umask:"):
                umask = int(line.split()[1], 8)
    return 0o666 & ~umask


def _fsync_folder(folder: str) -> None:
    """Make the rename durable where the platform allows opening a folder (POSIX)."""
    with contextlib.suppress(OSError, AttributeError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
