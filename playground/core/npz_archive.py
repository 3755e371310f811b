"""Reading a .npz archive without trusting it: every member's header is inspected before
anything is read, and nothing is ever unpickled.

A file is refused (``UnsafeArchive``, listing every problem found) when it is not a zip
archive, holds anything but ``.npy`` members, would unpack to more than ``MAX_BYTES`` or
declares an array of more than ``MAX_ELEMENTS`` elements (both checked from the headers,
before anything is allocated), or holds an object array (it would need unpickling).
What the arrays must say to make a model is ``npz.py``'s business.
"""

from __future__ import annotations

import lzma
import math
import os
import zipfile
import zlib
from collections.abc import Sequence
from typing import IO

import numpy as np
from numpy.lib import format as npy_format

from playground.core.atomic import reason

MAX_ELEMENTS = 10**7         # per member
MAX_BYTES = 256 * 2**20      # file size, and total uncompressed size of all members
MAX_MEMBERS = 1024
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")  # an archive's first entry; an empty archive
_ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, lzma.LZMAError, NotImplementedError,
               RuntimeError, EOFError, ValueError, OSError)


class UnsafeArchive(ValueError):
    """An archive that cannot be read safely; ``problems`` lists every reason (str)."""

    def __init__(self, problems: Sequence[str] | str) -> None:
        self.problems = (problems,) if isinstance(problems, str) else tuple(problems)
        super().__init__("; ".join(self.problems))


def read_arrays(path: str) -> dict[str, np.ndarray]:
    """Return every member of the archive at ``path``, each inspected before it is read."""
    if os.path.isdir(path):
        raise UnsafeArchive("it is a folder, not a .npz file")
    try:
        fh = open(path, "rb")
    except FileNotFoundError:
        raise UnsafeArchive("no such file") from None
    except PermissionError:
        raise UnsafeArchive("permission denied") from None
    except OSError as exc:
        raise UnsafeArchive(f"cannot open it ({reason(exc)})") from None
    with fh:
        _check_archive_start(fh)
        try:
            with zipfile.ZipFile(fh) as archive:
                problems = _inspect_members(archive)
        except _ZIP_ERRORS as exc:
            raise UnsafeArchive("not a valid .npz file "
                                 f"(truncated or damaged zip archive: {exc})") from None
        if problems:
            raise UnsafeArchive(problems)
        fh.seek(0)
        arrays: dict[str, np.ndarray] = {}
        try:
            with np.load(fh, allow_pickle=False) as npz:
                for key in npz.files:
                    try:
                        arrays[key] = npz[key]
                    except _ZIP_ERRORS as exc:
                        problems.append(f"{key} cannot be read ({exc})")
        except _ZIP_ERRORS as exc:
            problems.append(f"not a valid .npz file ({exc})")
    if problems:
        raise UnsafeArchive(problems)
    return arrays


def _check_archive_start(fh: IO[bytes]) -> None:
    """Raise UnsafeArchive unless ``fh`` starts like a zip archive of a sane size."""
    size = os.fstat(fh.fileno()).st_size
    if size == 0:
        raise UnsafeArchive("not a valid .npz file (the file is empty)")
    if size > MAX_BYTES:
        raise UnsafeArchive(f"the file is too large ({size} bytes; at most {MAX_BYTES})")
    if fh.read(4) not in _ZIP_MAGIC:
        raise UnsafeArchive("not a valid .npz file (it is not a zip archive)")
    fh.seek(0)


def _inspect_members(archive: zipfile.ZipFile) -> list[str]:
    """Return problems with the archive's members, found from headers alone."""
    infos = archive.infolist()
    if len(infos) > MAX_MEMBERS:
        return [f"the archive holds {len(infos)} members; a model has at most {MAX_MEMBERS}"]
    total = sum(info.file_size for info in infos)
    if total > MAX_BYTES:
        return [f"the archive would unpack to {total} bytes; at most {MAX_BYTES} are allowed "
                "(zip bomb?)"]
    problems: list[str] = []
    seen: set[str] = set()
    for info in infos:
        if not info.filename.endswith(".npy"):
            problems.append(f"member {info.filename!r} is not a NumPy .npy array")
            continue
        key = info.filename[:-len(".npy")]
        if key in seen:
            problems.append(f"{key} appears more than once")
        seen.add(key)
        problem = _inspect_header(archive, info, key)
        if problem:
            problems.append(problem)
    return problems


def _inspect_header(archive: zipfile.ZipFile, info: zipfile.ZipInfo, key: str) -> str | None:
    """Return the problem with one member's .npy header, or None; allocates nothing."""
    try:
        with archive.open(info) as fp:
            version = npy_format.read_magic(fp)
            if version == (1, 0):
                shape, _, dtype = npy_format.read_array_header_1_0(fp)
            elif version == (2, 0):
                shape, _, dtype = npy_format.read_array_header_2_0(fp)
            else:
                return f"{key} uses .npy format version {version}, which is not supported"
            data_bytes = info.file_size - fp.tell()
    except _ZIP_ERRORS as exc:
        return f"{key} is damaged or not a valid .npy array ({exc})"
    if dtype.hasobject:
        return (f"{key} is an object array (dtype {dtype}); refused to unpickle it "
                "(a model file holds only numbers and text)")
    if any(n < 0 for n in shape):
        return f"{key} declares an impossible shape {shape}"
    count = math.prod(shape)
    if count > MAX_ELEMENTS:
        return (f"{key} declares shape {shape} = {count} elements; too large "
                f"(at most {MAX_ELEMENTS})")
    if count * dtype.itemsize > data_bytes:
        return (f"{key} declares shape {shape} of {dtype} ({count * dtype.itemsize} bytes) "
                f"but holds only {data_bytes} bytes of data")
    return None
