"""``playground train``: train a network headless; print the course-style log or JSON."""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any

from playground.cli.options import (
    EXIT_DIVERGED,
    EXIT_OK,
    UsageError,
    check_count,
    known_preset,
    network_options,
    trainer_from_args,
)
from playground.core.metrics import distinct_units
from playground.core.npz import SavedModel, save_model
from playground.session.data_spec import data_spec
from playground.session.lessons import lesson
from playground.session.trainer import Trainer
from playground.session.wording import describe_layer

HELP = "train a network headless"
# --json keys of the per-layer histories (rows [iteration, layer 1, layer 2, …]) and the
# LayerReadings field each one records.
LAYER_SERIES = {"unit_spread_history": "unit_spread", "grad_norm_history": "grad_norm",
                "grad_ratio_history": "grad_ratio", "dead_fraction": "dead_fraction",
                "saturated_fraction": "saturated_fraction"}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    network_options(parser)
    parser.add_argument("--iterations", type=int, metavar="N",
                        help="gradient-descent iterations (default 10000, or the preset's; "
                             "0 = only evaluate)")
    parser.add_argument("--log-every", type=int, default=1000, metavar="N",
                        help="record the cost every N iterations (default 1000)")
    parser.add_argument("--export", metavar="OUT.npz", help="write the trained weights here")


def run(args: argparse.Namespace) -> int:
    """Train as the arguments say; print the log or JSON; return the exit code."""
    if args.iterations is None:
        args.iterations = lesson(args.preset).iterations if known_preset(args) else 10000
    check_count("iterations", args.iterations, 0)
    check_count("log-every", args.log_every, 1)
    trainer, config = trainer_from_args(args)
    start_iteration = trainer.iteration
    target = start_iteration + args.iterations
    history: list[list[float]] = []
    test_history: list[list[float]] = []
    layers: dict[str, list[list[float]]] = {name: [] for name in LAYER_SERIES}
    started = time.perf_counter()
    while True:
        i = trainer.iteration
        if (i - start_iteration) % args.log_every == 0:
            history.append([i, trainer.cost()])
            if trainer.test is not None:
                test_history.append([i, trainer.test_cost()])
            readings = trainer.readings()
            for name, key in LAYER_SERIES.items():
                layers[name].append([i, *getattr(readings, key)])
            if not args.json:
                print(f"Cost after iteration {i}: {_number(trainer.cost())}")
        if i >= target or trainer.diverged:
            break
        next_log = i + args.log_every - (i - start_iteration) % args.log_every
        trainer.run(min(next_log, target) - i)
    elapsed = time.perf_counter() - started
    steps = trainer.iteration - start_iteration
    if args.export:
        model = SavedModel(trainer.arch, trainer.parameters, init=config.init,
                           init_scale=config.init_scale, seed=config.seed,
                           learning_rate=trainer.learning_rate, iteration=trainer.iteration,
                           cost_history=trainer.cost_history(), **data_spec(config))
        try:
            save_model(args.export, model)
        except (OSError, ValueError) as error:
            raise UsageError(str(error)) from None
    report = {
        "iterations": trainer.iteration,
        "history": history,
        "test_history": test_history,
        "final_cost": trainer.cost(),
        "test_cost": trainer.test_cost(),
        "train_accuracy": trainer.train_accuracy(),
        "test_accuracy": trainer.test_accuracy(),
        "unit_spread": trainer.unit_spreads(),
        "distinct_units": _distinct_units(trainer),
        "grad_norms": trainer.gradient_norms(),
        "diverged": trainer.diverged,
        "stop_reason": trainer.divergence.message if trainer.divergence else
        ("evaluated only" if args.iterations == 0 else "finished the iterations"),
        "layer_sizes": list(trainer.arch.layer_dims),
        "steps_per_second": steps / elapsed if steps and elapsed > 0 else None,
        **layers,
        "preset": args.preset,
    }
    if args.json:
        print(json.dumps(report))
    else:
        _print_summary(report, trainer)
    return EXIT_DIVERGED if trainer.diverged else EXIT_OK


def _number(value: float) -> str:
    """Return the course's six decimals, or six significant digits for huge values."""
    return f"{value:.6f}" if abs(value) < 1e6 else f"{value:.6g}"


def _distinct_units(trainer: Trainer) -> list[int]:
    """Return how many different units each hidden layer has, with the window's
    tolerance (``metrics.distinct_units``)."""
    p = trainer.parameters
    return [distinct_units(p[f"W{l}"], p[f"b{l}"]) for l in range(1, trainer.arch.L)]


def _print_summary(report: dict[str, Any], trainer: Trainer) -> None:
    if report["diverged"]:
        print(report["stop_reason"], file=sys.stderr)
    print(f"Final cost (iteration {report['iterations']}): {_number(report['final_cost'])}")
    if report["test_cost"] is not None:
        print(f"Test cost: {_number(report['test_cost'])}")
    for name in ("train", "test"):
        value = report[f"{name}_accuracy"]
        if value is not None:
            print(f"{name.capitalize()} accuracy: {100 * value:.2f}%")
    sizes = trainer.arch.layer_dims
    for l, (spread, distinct) in enumerate(zip(report["unit_spread"],
                                               report["distinct_units"]), start=1):
        print(f"Hidden {describe_layer(l, sizes[l], spread, distinct)}")
