"""Datasets from CSV files: one row per example, feature columns, then one label column.

A file is read line by line (never whole into memory) and refused as soon as it passes
``MAX_ROWS`` data rows. Every problem is reported as one ``CSVDataError`` (a ValueError)
naming the row and column where it applies; rows are 1-based line numbers, as a user
counts lines in an editor.

- header: optional; the first non-blank row is a header when any field is not a number,
  and its feature columns become ``feature_names``.
- separator: comma, or semicolon / tab when the first non-blank line contains one.
- labels: integers 0..k-1, every class present -> classification (k == 2 binary,
  k ≥ 3 multiclass); any non-integer label -> regression. ``task`` forces the choice.
"""

from __future__ import annotations

import array
import csv
import io
import itertools
import math
import os
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO

import numpy as np

from playground.core.atomic import AtomicWriteError, write_atomically
from playground.core.datasets import MAX_CLASSES, TASKS, Dataset, from_labels

MAX_ROWS = 1_000_000
MAX_LINE_CHARS = 1_000_000
_SHOWN_LABELS = 8


class CSVDataError(ValueError):
    """A CSV input problem; ``row`` and ``column`` are 1-based (None when not applicable)."""

    def __init__(self, message: str, row: int | None = None, column: int | None = None):
        super().__init__(message)
        self.row = row
        self.column = column


def _fail(source: str, message: str, row: int | None = None,
          column: int | None = None) -> CSVDataError:
    where = ""
    if row is not None:
        where = f"row {row}, column {column}: " if column is not None else f"row {row}: "
    return CSVDataError(f"{source}: {where}{message}", row, column)


# --------------------------------------------------------------------------- reading lines

def _text_lines(text: str) -> Iterator[str]:
    """Return an iterator over the lines of ``text``, split on '\\n' only (as an editor counts)."""
    return iter(io.StringIO(text, newline="\n"))


def _file_lines(path: Path, source: str) -> Iterator[str]:
    """Yield the lines of the file at ``path`` ('\\n' kept), decoding UTF-8 line by line.

    Memory stays bounded: a line longer than MAX_LINE_CHARS bytes stops the reading.
    """
    try:
        f = open(path, "rb")
    except OSError as e:
        raise _fail(source, f"cannot open the file ({e.strerror or e})") from None
    with f:
        number = 0
        while True:
            try:
                raw = f.readline(MAX_LINE_CHARS + 1)
            except OSError as e:
                raise _fail(source, f"cannot read the file ({e.strerror or e})") from None
            if not raw:
                return
            number += 1
            if len(raw) > MAX_LINE_CHARS and not raw.endswith(b"\n"):
                raise _fail(source, f"line is longer than {MAX_LINE_CHARS:,} characters",
                            number)
            try:
                yield raw.decode("utf-8")
            except UnicodeDecodeError as e:
                raise _fail(source, f"byte 0x{raw[e.start]:02x} at byte {e.start + 1} of the "
                                    "line is not UTF-8 text; save the file as UTF-8", number
                            ) from None


def _delimiter(first_line: str) -> str:
    """Return tab or ';' when the first line has one outside quotes, else ','."""
    unquoted = re.sub(r'"[^"]*"', "", first_line)
    for candidate in ("\t", ";"):
        if candidate in unquoted:
            return candidate
    return ","


def _records(lines: Iterable[str], source: str) -> Iterator[tuple[int, list[str]]]:
    """Yield (line number, raw fields) for every CSV record; empty lines are skipped."""
    lines = iter(lines)
    offset = 0
    for first in lines:
        if first.strip().lstrip("\ufeff").strip():
            break
        offset += 1
    else:
        return
    reader = csv.reader(itertools.chain([first.lstrip("\ufeff")], lines),
                        delimiter=_delimiter(first), strict=True)
    try:
        for record in reader:
            if record:
                yield offset + reader.line_num, record
    except csv.Error as e:
        reason = str(e)
        if "end of data" in reason:
            reason = "a quoted field is never closed"
        elif "new-line character" in reason:
            reason = "a line break inside a line; end lines with \\n or \\r\\n, not a lone \\r"
        raise _fail(source, f"malformed CSV ({reason})", offset + reader.line_num) from None


# --------------------------------------------------------------------------- parsing

def _number(field: str) -> float | None:
    """Return float(field), or None when it is not a number."""
    try:
        return float(field)
    except ValueError:
        return None


def _check_record(record: list[str], n_cols: int, first_row: int, number: int,
                  source: str) -> bool:
    """Return False for a blank record, True for a good one; raise for the first problem."""
    fields = [field.strip() for field in record]
    if not any(fields):
        return False
    if len(fields) != n_cols:
        raise _fail(source, f"has {_columns(len(fields))}, expected {n_cols} "
                            f"(like row {first_row})", number)
    for column, field in enumerate(fields, start=1):
        value = _number(field)
        if value is None:
            problem = "empty value" if not field else f"{field!r} is not a number"
            if "," in field and _number(field.replace(",", ".")) is not None:
                problem += " (use '.' as the decimal point)"
            raise _fail(source, problem, number, column)
        if not math.isfinite(value):
            raise _fail(source, f"{field!r} is not a finite number", number, column)
    return True     # every field is fine; only their sum overflowed


def _columns(n: int) -> str:
    return f"{n} column" if n == 1 else f"{n} columns"


def _describe(labels: np.ndarray) -> str:
    """Return labels as '{0, 1, 3}', shortened when there are many."""
    shown = ", ".join(f"{v:g}" for v in labels[:_SHOWN_LABELS])
    more = f", … ({len(labels)} distinct)" if len(labels) > _SHOWN_LABELS else ""
    return "{" + shown + more + "}"


def _parse(lines: Iterable[str], source: str, task: str | None, name: str,
           n_classes: int | None = None) -> Dataset:
    """Return the Dataset in the CSV ``lines``; see the module docstring for the rules."""
    if task is not None and task not in TASKS:
        raise ValueError(f"unknown task {task!r}; expected one of {', '.join(TASKS)} or None")
    values = array.array("d")
    line_numbers = array.array("q")
    header: list[str] | None = None
    n_cols = 0
    first_row = 0
    for number, record in _records(lines, source):
        if not n_cols:
            fields = [field.strip() for field in record]
            if not any(fields):
                continue
            n_cols, first_row = len(fields), number
            if n_cols < 2:
                raise _fail(source, "found 1 column; need at least 2 (features, then a label)",
                            number)
            if any(f and _number(f) is None for f in fields):
                header = fields
                continue
        try:                          # the fast path; float() ignores surrounding blanks
            row = list(map(float, record))
        except ValueError:
            row = None
        if row is None or len(row) != n_cols or not math.isfinite(sum(row)):
            if not _check_record(record, n_cols, first_row, number, source):
                continue              # a blank row such as ",,"
            row = [float(field) for field in record]
        if len(line_numbers) >= MAX_ROWS:
            raise _fail(source, f"more than {MAX_ROWS:,} data rows; the limit is {MAX_ROWS:,}",
                        number)
        values.extend(row)
        line_numbers.append(number)
    if not n_cols:
        raise _fail(source, "is empty; expected rows of features followed by a label")
    if not line_numbers:
        raise _fail(source, "has a header but no data rows")
    table = np.frombuffer(values, dtype=np.float64).reshape(len(line_numbers), n_cols)
    X = table[:, :-1].T
    y = table[:, -1]
    feature_names = tuple(f or f"x{i}" for i, f in enumerate(header[:-1], start=1)) \
        if header else ()
    if task == "regression":
        return Dataset(X, y.reshape(1, -1), "regression", name, feature_names)
    fractional = np.flatnonzero(y != np.floor(y))
    if fractional.size:
        if task is None and n_classes is None:
            return Dataset(X, y.reshape(1, -1), "regression", name, feature_names)
        i = fractional[0]
        raise _fail(source, f"label {y[i]:g} is not a class index 0, 1, 2, …",
                    int(line_numbers[i]), n_cols)
    labels = _class_labels(y, line_numbers, n_cols, source, task, n_classes)
    return from_labels(X, labels, name, feature_names, n_classes=n_classes)


def _class_labels(y: np.ndarray, line_numbers: array.array, n_cols: int, source: str,
                  task: str | None, n_classes: int | None) -> np.ndarray:
    """Return integer-valued labels y as int64 after checking they are classes 0..k-1."""
    hint = "" if task else " (to treat the last column as a number to predict, use task " \
                           "'regression')"
    negative = np.flatnonzero(y < 0)
    if negative.size:
        i = negative[0]
        raise _fail(source, f"label {y[i]:g} is negative; class labels are 0..k-1{hint}",
                    int(line_numbers[i]), n_cols)
    found = np.unique(y)
    if n_classes is not None:                       # a test set judged by its training set
        if found[-1] > n_classes - 1:
            i = np.flatnonzero(y > n_classes - 1)[0]
            raise _fail(source, f"label {y[i]:g} is outside the training classes "
                                f"0..{n_classes - 1}", int(line_numbers[i]), n_cols)
        return y.astype(np.int64)
    if found[-1] >= MAX_CLASSES:
        raise _fail(source, f"label {found[-1]:g} is too large: at most {MAX_CLASSES} classes "
                            f"(labels 0..{MAX_CLASSES - 1}) are supported{hint}")
    k = int(found[-1]) + 1
    if len(found) == 1:
        raise _fail(source, f"only one class (label {found[0]:g}) found; classification "
                            f"needs at least 2{hint}")
    if len(found) != k:
        expected = _describe(np.arange(len(found), dtype=np.float64))
        raise _fail(source, f"class labels must be 0..k-1 with every class present; found "
                            f"{_describe(found)}, expected {expected}{hint}")
    if task == "binary" and k != 2:
        raise _fail(source, f"task 'binary' needs labels {{0, 1}}, found {_describe(found)}")
    if task == "multiclass" and k < 3:
        raise _fail(source, f"task 'multiclass' needs at least 3 classes, found "
                            f"{_describe(found)}; use task 'binary'")
    return y.astype(np.int64)


# --------------------------------------------------------------------------- public API

def parse_csv(text: str, task: str | None = None, name: str = "csv") -> Dataset:
    """Return the Dataset in CSV ``text``: X (n_x, m) from the feature columns, Y from the last.

    ``task`` None infers binary / multiclass / regression from the labels; "regression",
    "binary" or "multiclass" forces it. Raises CSVDataError (a ValueError) naming the row
    and column of the first problem.
    """
    if not isinstance(text, str):
        raise ValueError(f"parse_csv needs a str, got {type(text).__name__}")
    return _parse(_text_lines(text), "CSV text", task, name)


def _load(path: str | os.PathLike[str], task: str | None, name: str | None,
          n_classes: int | None = None) -> Dataset:
    p = Path(path)
    source = str(p)
    if p.is_dir():
        raise _fail(source, "is a directory, not a CSV file")
    if not p.exists():
        raise _fail(source, "no such file")
    return _parse(_file_lines(p, source), source, task, name or p.stem, n_classes)


def load_csv(path: str | os.PathLike[str], task: str | None = None,
             name: str | None = None) -> Dataset:
    """Return the Dataset in the CSV file at ``path`` (name defaults to the file's stem).

    See ``parse_csv`` for ``task``. Raises CSVDataError (a ValueError) for a missing file,
    a directory, bytes that are not UTF-8, more than MAX_ROWS rows, or bad content.
    """
    return _load(path, task, name)


def load_csv_pair(train_path: str | os.PathLike[str], test_path: str | os.PathLike[str],
                  task: str | None = None) -> tuple[Dataset, Dataset]:
    """Return (train, test) from two CSV files that must describe the same problem.

    The test file must have train's number of features; it takes train's task, and for
    classification its labels must lie in train's classes 0..k-1 (not all need appear).
    Its Y then has train's n_y rows.
    """
    train = _load(train_path, task, None)
    test = _load(test_path, train.task, None, train.n_classes)
    if test.n_x != train.n_x:
        raise CSVDataError(f"{test_path}: has {test.n_x} feature column(s) but the training "
                           f"file {train_path} has {train.n_x}")
    return train, test


def write_csv(path: str | os.PathLike[str], data: Dataset) -> None:
    """Write ``data`` as CSV: a header, then one row per example (features, then the label).

    The label is the class index for classification and the value for regression (one
    target row only). The file is written atomically: to a temporary file in the same
    directory, then renamed over ``path``; on failure ``path`` is left untouched.
    """
    if not isinstance(data, Dataset):
        raise ValueError(f"write_csv needs a Dataset, got {type(data).__name__}")
    if data.task == "regression" and data.n_y != 1:
        raise ValueError(f"a CSV holds one target column; this dataset has n_y = {data.n_y}")
    p = Path(path)
    if p.is_dir():
        raise CSVDataError(f"{p}: is a directory; choose a file name")
    names = list(data.feature_names) or [f"x{i}" for i in range(1, data.n_x + 1)]
    if data.task == "regression":
        names.append("y")
        targets: list = data.Y[0].tolist()
    else:
        names.append("label")
        targets = data.labels.tolist()
    def write(handle: IO[bytes]) -> None:
        f = io.TextIOWrapper(handle, encoding="utf-8", newline="")
        try:
            # Quote every name if one holds a tab or ';', so the reader still sees commas.
            awkward = any(c in n for n in names for c in "\t;")
            csv.writer(f, lineterminator="\n",
                       quoting=csv.QUOTE_ALL if awkward else csv.QUOTE_MINIMAL).writerow(names)
            writer = csv.writer(f, lineterminator="\n")
            for features, target in zip(data.X.T.tolist(), targets, strict=True):
                writer.writerow([*features, target])
            f.flush()
        finally:
            f.detach()                  # the binary handle stays open for the fsync

    try:
        write_atomically(p, write)
    except AtomicWriteError as e:
        raise CSVDataError(str(e)) from None
