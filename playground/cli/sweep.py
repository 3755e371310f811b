"""``playground sweep``: one hyperparameter over a list, every other ``train`` flag fixed.

    playground sweep                      the planar-data notebook's last table: accuracy of
                                          the flower with 1, 2, 3, 4, 5, 20 and 50 hidden
                                          tanh units (seed 2, α = 1.2, 5000 iterations)
    playground sweep --l2 0,0.1,0.7 --hidden 20 --test-fraction 0.3
    playground sweep --optimizer gd,momentum,adam --dataset moons --samples 300 …

The swept flag is the one given a comma-separated list: ``--hidden`` (one hidden layer of
each size; ``8-8`` for two layers, ``none`` for none), ``--learning-rate``, ``--l2``,
``--l1``, ``--keep-prob``, ``--batch-size`` or ``--optimizer``. Without one it sweeps the
notebook's hidden sizes; without ``--iterations`` or ``--epochs`` each run makes the
notebook's 5000 updates.

Each row is one ``playground train`` run in a process of its own, on all cores
(``--jobs``): the workers are spawned (they share nothing with this process) and run the
top-level ``run_row`` on the very words of the ``playground train …`` command the row
prints, so that command reproduces the row alone.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import multiprocessing
import os
import shlex
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from typing import Any

from playground.cli.options import (
    EXIT_OK,
    Parser,
    UsageError,
    check_count,
    command_words,
    network_options,
    split_list,
    training_options,
)
from playground.cli.resuming import trainer_from_args
from playground.cli.train import add_arguments as train_arguments
from playground.cli.train import length_options, train_report
from playground.core.fast import calibrate
from playground.core.optimizers import OPTIMIZERS

HELP = "train once per value of one hyperparameter and print the table"
COURSE_HIDDEN = "1,2,3,4,5,20,50"    # the planar-data notebook's hidden_layer_sizes
COURSE_ITERATIONS = 5000             # … and its num_iterations
BLAS_THREADS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def _hidden_value(text: str) -> str:
    """Return one swept network ("5", "8-8", "none") as ``--hidden`` takes it."""
    if text.lower() == "none":
        return ""
    sizes = text.split("-")
    if not all(size.strip().isdigit() for size in sizes):
        raise ValueError(f"{text!r} is not a layer size such as 5 or 8-8")
    return ",".join(size.strip() for size in sizes)


def _number(kind: Callable[[str], Any]) -> Callable[[str], Any]:
    def convert(text: str) -> Any:
        try:
            return kind(text)
        except ValueError:
            raise ValueError(f"{text!r} is not {'an integer' if kind is int else 'a number'}"
                             ) from None
    return convert


def _optimizer(text: str) -> str:
    if text not in OPTIMIZERS:
        raise ValueError(f"unknown optimizer {text!r}; choose from {', '.join(OPTIMIZERS)}")
    return text


# dest: (how one listed value converts to the train flag's value, how a row is named)
SWEEPABLE: dict[str, tuple[Callable[[str], Any], Callable[[Any], str]]] = {
    "hidden": (_hidden_value, lambda v: (
        "no hidden layer" if v == "" else f"{v} hidden units" if "," not in v
        else f"hidden layers {v.replace(',', '-')}")),
    "learning_rate": (_number(float), lambda v: f"learning rate {v:g}"),
    "l2": (_number(float), lambda v: f"L2 λ = {v:g}"),
    "l1": (_number(float), lambda v: f"L1 λ = {v:g}"),
    "keep_prob": (_number(float), lambda v: f"keep-prob {v:g}"),
    "batch_size": (_number(int), lambda v: f"batch size {v}"),
    "optimizer": (_optimizer, lambda v: f"optimizer {v}"),
}


LISTED_HELP = {dest: "" for dest in SWEEPABLE} | {
    "hidden": f'one hidden layer of each size, e.g. "{COURSE_HIDDEN}" (the default); '
              f'"8-8" for two layers, "none" for none'}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    network_options(parser, listed=LISTED_HELP)
    training_options(parser, listed=LISTED_HELP)
    length_options(parser, log_every=False, default=COURSE_ITERATIONS)
    parser.add_argument("--jobs", type=int, metavar="N",
                        help="processes to run at once (default: one per core)")


def run(args: argparse.Namespace) -> int:
    """Run the sweep; print the table (or JSON) and return the exit code."""
    jobs = args.jobs if args.jobs is not None else _cores()
    check_count("jobs", jobs, 1)
    swept, values = _swept(args)
    if args.iterations is None and args.epochs is None and not args.preset:
        args.iterations = COURSE_ITERATIONS
    rows = [_row_words(args, swept, value) for value in values]
    jobs = min(jobs, len(rows))
    started = time.perf_counter()
    reports, notes = _run_rows(rows, jobs, [SWEEPABLE[swept][1](v) for v in values])
    seconds = time.perf_counter() - started
    for note in dict.fromkeys(notes):
        print(note, file=sys.stderr)
    table = [_row(swept, value, words, report)
             for value, words, report in zip(values, rows, reports)]
    if args.json:
        print(json.dumps({"parameter": swept, "flag": _flag(swept), "values": [
            row["value"] for row in table], "rows": table, "best": _best(table),
            "jobs": jobs, "seconds": seconds}))
    else:
        _print_table(swept, table, jobs, seconds)
    return EXIT_OK


def _cores() -> int:
    """Return the cores this process may run on (all of the machine's, unless limited)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0)) or 1
    return os.cpu_count() or 1


def _flag(dest: str) -> str:
    return "--" + dest.replace("_", "-")


def _swept(args: argparse.Namespace) -> tuple[str, list[Any]]:
    """Return the swept dest and its values; fix every other listed flag to its one
    value (on ``args``). UsageError unless exactly one flag lists several values."""
    listed: dict[str, list[Any]] = {}
    for dest, (convert, _) in SWEEPABLE.items():
        text = getattr(args, dest)
        if text is None:
            continue
        parts = split_list(text) or ([""] if dest == "hidden" else [])
        try:
            listed[dest] = [convert(part) for part in parts]
        except ValueError as error:
            raise UsageError(f"{_flag(dest)}: {error}") from None
        if not listed[dest]:
            raise UsageError(f"{_flag(dest)} needs at least one value")
    several = [dest for dest, values in listed.items() if len(values) > 1]
    if len(several) > 1:
        raise UsageError(f"sweep one hyperparameter at a time: "
                         f"{' and '.join(map(_flag, several))} both list several values")
    for dest, values in listed.items():
        setattr(args, dest, values[0])
    if several:
        return several[0], listed[several[0]]
    if "hidden" in listed or args.load:
        raise UsageError(f"nothing to sweep: give one of "
                         f"{', '.join(map(_flag, SWEEPABLE))} a comma-separated list")
    return "hidden", [SWEEPABLE["hidden"][0](v) for v in split_list(COURSE_HIDDEN)]


def _row_words(args: argparse.Namespace, swept: str, value: Any) -> list[str]:
    """Return the ``playground train`` words of the run with ``swept`` = ``value``,
    checked now (bad input stops the sweep before anything runs)."""
    row = argparse.Namespace(**vars(args))
    setattr(row, swept, value)
    words = command_words(row)
    for name in ("iterations", "epochs"):
        if getattr(args, name) is not None:
            words += [f"--{name}", str(getattr(args, name))]
    try:
        parsed = _train_parser().parse_args(words)
        with contextlib.redirect_stderr(io.StringIO()):
            trainer_from_args(parsed)
    except UsageError as error:
        raise UsageError(f"{_flag(swept)} {value if value != '' else 'none'}: {error}"
                         ) from None
    return words


def _train_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="playground train")
    train_arguments(parser)
    return parser


def run_row(words: list[str]) -> tuple[dict[str, Any], str]:
    """Run ``playground train <words>`` and return its ``--json`` report and what it
    said on stderr. Top level, so that a spawned worker can run it."""
    args = _train_parser().parse_args(words)
    with contextlib.redirect_stderr(io.StringIO()) as said:
        report, _ = train_report(args)
    return report, said.getvalue()


@contextlib.contextmanager
def _one_blas_thread() -> Iterator[None]:
    """One BLAS thread in the workers spawned meanwhile (as ``__main__`` sets for the
    program): the runs already fill the cores, one each."""
    saved = {name: os.environ.get(name) for name in BLAS_THREADS}
    for name in BLAS_THREADS:
        os.environ.setdefault(name, "1")
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)


def _run_rows(rows: list[list[str]], jobs: int, labels: list[str]
              ) -> tuple[list[dict[str, Any]], list[str]]:
    """Return each row's report (in order) and the notes the runs printed, running
    ``jobs`` at a time in spawned processes; a progress line goes to stderr."""
    reports: list[dict[str, Any] | None] = [None] * len(rows)
    notes: list[str] = []
    tty = sys.stderr.isatty()
    start, plural = ("\r" if tty else ""), ("es" if jobs > 1 else "")
    context = multiprocessing.get_context("spawn")
    # The workers adopt this process's kernel choices (``calibrate``): every row computes
    # the bits a ``playground train`` on this machine computes.
    with _one_blas_thread(), ProcessPoolExecutor(jobs, mp_context=context,
                                                 initializer=calibrate.use,
                                                 initargs=(calibrate.choices(),)) as pool:
        futures = {pool.submit(run_row, words): k for k, words in enumerate(rows)}
        try:
            for done, future in enumerate(as_completed(futures), start=1):
                k = futures[future]
                reports[k], said = future.result()
                notes += said.splitlines()
                print(f"{start}playground sweep: {done}/{len(rows)} runs done "
                      f"({labels[k]}) on {jobs} process{plural}",
                      end="" if tty and done < len(rows) else "\n", file=sys.stderr,
                      flush=True)
        except BaseException:
            pool.shutdown(cancel_futures=True)
            raise
    return reports, notes


def _row(swept: str, value: Any, words: list[str], report: dict[str, Any]) -> dict[str, Any]:
    """Return one row of the table (and of ``--json``)."""
    shown = ([int(n) for n in split_list(value)] if swept == "hidden" else value)
    return {"value": shown, "label": SWEEPABLE[swept][1](value),
            "command": shlex.join(["playground", "train", *words]),
            **{key: report[key] for key in (
                "train_accuracy", "test_accuracy", "final_cost", "test_cost", "iterations",
                "epochs", "weight_norm", "diverged", "stop_reason")}}


def _best(table: list[dict[str, Any]]) -> int | None:
    """Return the index of the best finished row: highest test accuracy if there is a
    test set, else highest training accuracy; lowest cost for regression."""
    finished = [k for k, row in enumerate(table) if not row["diverged"]]
    if not finished:
        return None
    first = table[finished[0]]
    for key, sign in (("test_accuracy", -1), ("train_accuracy", -1), ("test_cost", 1),
                      ("final_cost", 1)):
        if first[key] is not None:
            return min(finished, key=lambda k: (sign * table[k][key], k))
    return None


def _percent(share: float) -> str:
    """Return a share as the notebook prints a percentage: 67.5, 90.75, 90.0."""
    return f"{round(100 * share, 4)}"


def _print_table(swept: str, table: list[dict[str, Any]], jobs: int, seconds: float) -> None:
    print(f"Sweep of {_flag(swept)} over {len(table)} values "
          f"({jobs} process{'es' if jobs > 1 else ''}, {seconds:.1f} s)")
    heads = []
    for row in table:
        if row["train_accuracy"] is None:
            head = f"Cost for {row['label']}: {row['final_cost']:.6f}"
            if row["test_cost"] is not None:
                head += f", test {row['test_cost']:.6f}"
        else:
            head = f"Accuracy for {row['label']}: {_percent(row['train_accuracy'])} %"
            if row["test_accuracy"] is not None:
                head += f", test {_percent(row['test_accuracy'])} %"
        heads.append(head + (" (diverged)" if row["diverged"] else ""))
    width = max(map(len, heads))
    for head, row in zip(heads, table):
        cost = "" if row["train_accuracy"] is None else f"J = {row['final_cost']:.6f}   "
        print(f"{head:<{width}}   {cost}{row['command']}")
    best = _best(table)
    if best is not None:
        row = table[best]
        by = next((f"{name} {_percent(row[key])} %" if "accuracy" in key else
                   f"{name} {row[key]:.6f}") for key, name in (
            ("test_accuracy", "test accuracy"), ("train_accuracy", "training accuracy"),
            ("test_cost", "test cost"), ("final_cost", "training cost"))
            if row[key] is not None)
        print(f"Best: {row['label']} ({by})")
