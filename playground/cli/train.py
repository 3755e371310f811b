"""``playground train``: train a network headless; print the course-style log or JSON.

The log records the cost every ``--log-every`` iterations (every ``--log-every`` epochs
with ``--epochs``), as the Trainer records it: with the whole training set as one batch,
the training cost J; with mini-batches (or dropout), the cost of the mini-batch the next
update uses, the course's noisy curve, and where a logged iteration starts an epoch
(always, with ``--epochs``) a second line with the full training cost after the epochs
completed. Costs include the L2/L1 penalties.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from playground.cli.options import (
    EXIT_DIVERGED,
    EXIT_OK,
    UsageError,
    check_count,
    known_preset,
    network_options,
    training_options,
)
from playground.cli.resuming import trainer_from_args
from playground.core.metrics import distinct_units
from playground.core.npz import SavedModel, save_model
from playground.core.optimizers import OPTIMIZERS, SETTING_SYMBOLS
from playground.session.config import RunConfig
from playground.session.data_spec import data_spec, training_spec
from playground.session.lessons import lesson
from playground.session.trainer import Trainer
from playground.session.wording import describe_layer

HELP = "train a network headless"
DEFAULT_ITERATIONS = 10000
# --json keys of the per-layer histories (rows [iteration, layer 1, layer 2, …]) and the
# LayerReadings field each one records.
LAYER_SERIES = {"unit_spread_history": "unit_spread", "grad_norm_history": "grad_norm",
                "grad_ratio_history": "grad_ratio", "dead_fraction": "dead_fraction",
                "saturated_fraction": "saturated_fraction"}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    network_options(parser)
    training_options(parser)
    length_options(parser)
    parser.add_argument("--export", metavar="OUT.npz",
                        help="write the trained weights, options and optimiser state here "
                             "(--load continues the run exactly)")


def length_options(parser: argparse.ArgumentParser, log_every: bool = True,
                   default: int = DEFAULT_ITERATIONS) -> None:
    """Add --iterations, --epochs and (``log_every``) --log-every; shared with ``sweep``."""
    parser.add_argument("--iterations", type=int, metavar="N",
                        help=f"updates to make (default {default}, or the preset's; "
                             f"0 = only evaluate)")
    parser.add_argument("--epochs", type=int, metavar="E",
                        help="train E epochs instead: E·⌈m/B⌉ updates")
    if log_every:
        parser.add_argument("--log-every", type=int, default=1000, metavar="N",
                            help="record the cost every N iterations, or every N epochs "
                                 "with --epochs (default 1000)")


def run(args: argparse.Namespace) -> int:
    """Train as the arguments say; print the log or JSON; return the exit code."""
    report, trainer = train_report(args, None if args.json else print, export=args.export)
    if args.json:
        print(json.dumps(report))
    else:
        _print_summary(report, trainer)
    return EXIT_DIVERGED if trainer.diverged else EXIT_OK


def train_report(args: argparse.Namespace, echo: Callable[[str], Any] | None = None,
                 export: str | None = None) -> tuple[dict[str, Any], Trainer]:
    """Train as ``args`` say, writing the model to ``export`` if given; return the
    ``--json`` report and the Trainer. ``echo`` receives the course-style log lines."""
    if args.iterations is not None and args.epochs is not None:
        raise UsageError("give either --iterations or --epochs, not both")
    for name in ("iterations", "epochs"):
        if getattr(args, name) is not None:
            check_count(name, getattr(args, name), 0)
    check_count("log-every", args.log_every, 1)
    trainer, config = trainer_from_args(args)
    per_epoch = trainer.options.batching(trainer.train.m).batches_per_epoch
    if args.epochs is not None:
        iterations, step = args.epochs * per_epoch, args.log_every * per_epoch
    else:
        iterations = args.iterations
        if iterations is None:
            iterations = (lesson(args.preset).iterations if known_preset(args)
                          else DEFAULT_ITERATIONS)
        step = args.log_every
    mini_batches = not trainer.epochs_are_iterations
    start_iteration = trainer.iteration
    target = start_iteration + iterations
    history: list[list[float]] = []
    test_history: list[list[float]] = []
    layers: dict[str, list[list[float]]] = {name: [] for name in LAYER_SERIES}
    started = time.perf_counter()
    while True:
        i = trainer.iteration
        if (i - start_iteration) % step == 0:
            cost = _batch_cost(trainer) if mini_batches else trainer.cost()
            history.append([i, cost])
            if trainer.test is not None:
                test_history.append([i, trainer.test_cost()])
            readings = trainer.readings()
            for name, key in LAYER_SERIES.items():
                layers[name].append([i, *getattr(readings, key)])
            if echo is not None:
                echo(f"Cost after iteration {i}: {_number(cost)}")
                if mini_batches and trainer.at_epoch_start:
                    echo(f"Cost after epoch {trainer.epoch}: {_number(trainer.cost())}")
        if i >= target or trainer.diverged:
            break
        next_log = i + step - (i - start_iteration) % step
        trainer.run(min(next_log, target) - i)
    elapsed = time.perf_counter() - started
    steps = trainer.iteration - start_iteration
    if export:
        _export(export, trainer, config)
    report = {
        "iterations": trainer.iteration,
        "epochs": trainer.epoch,
        "history": history,
        "test_history": test_history,
        "epoch_history": [[int(e), float(c)] for e, c in trainer.epoch_history()],
        "final_cost": trainer.cost(),
        "test_cost": trainer.test_cost(),
        "train_accuracy": trainer.train_accuracy(),
        "test_accuracy": trainer.test_accuracy(),
        "weight_norm": trainer.weight_norm(),
        "unit_spread": trainer.unit_spreads(),
        "distinct_units": _distinct_units(trainer),
        "grad_norms": trainer.gradient_norms(),
        "diverged": trainer.diverged,
        "stop_reason": trainer.divergence.message if trainer.divergence else
        ("evaluated only" if iterations == 0 else "finished the iterations"),
        "layer_sizes": list(trainer.arch.layer_dims),
        "options": options_report(trainer),
        "steps_per_second": steps / elapsed if steps and elapsed > 0 else None,
        **layers,
        "preset": args.preset,
    }
    return report, trainer


def _batch_cost(trainer: Trainer) -> float:
    """Return the cost the Trainer records for its iteration: that of the mini-batch the
    next update uses (drawn now if it is not yet: the same draws, in the same order, as
    the update would make, so the run is unchanged)."""
    with np.errstate(all="ignore"):
        return trainer.batch_cost()


def _export(path: str, trainer: Trainer, config: RunConfig) -> None:
    """Write the run to ``path``: parameters, data, options and all that ``--load`` needs
    to continue it exactly (the generator's state too, drawn from or not)."""
    model = SavedModel(trainer.arch, trainer.parameters, init=config.init,
                       init_scale=config.init_scale, seed=config.seed,
                       learning_rate=trainer.learning_rate, iteration=trainer.iteration,
                       cost_history=trainer.cost_history(), **data_spec(config),
                       **training_spec(config), resume=trainer.resume_arrays())
    try:
        save_model(path, model)
    except (OSError, ValueError) as error:
        raise UsageError(str(error)) from None


def options_report(trainer: Trainer) -> dict[str, Any]:
    """Return the run's course-2 settings for ``--json``: the optimiser and its βs and ε,
    decay, batch size (resolved: m when unset), shuffle seed, λs, keep-prob and inputs."""
    options, inputs = trainer.options, trainer.inputs
    batching = options.batching(trainer.train.m)
    h, regularization = options.optimizer, options.regularization
    return {"optimizer": h.name, "beta": h.beta, "beta1": h.beta1, "beta2": h.beta2,
            "epsilon": h.epsilon, "learning_rate": trainer.learning_rate,
            "learning_rate_now": trainer.learning_rate_now(),
            "decay_rate": options.decay.rate, "decay_interval": options.decay.interval,
            "batch_size": batching.batch_size, "batches_per_epoch": batching.batches_per_epoch,
            "shuffle_seed": options.shuffle_seed, "l2": regularization.l2,
            "l1": regularization.l1, "keep_prob": regularization.keep_prob,
            "features": None if inputs.features is None else list(inputs.features),
            "normalize": inputs.normalization is not None}


def describe_options(report: dict[str, Any]) -> str:
    """Return the course-2 settings of a report in words ("" for plain gradient descent
    on the data's own inputs)."""
    o = report["options"]
    parts = []
    if o["optimizer"] != "gd":
        settings = ", ".join(f"{SETTING_SYMBOLS[k]} = {o[k]:g}"
                             for k in OPTIMIZERS[o["optimizer"]].settings)
        parts.append(f"{o['optimizer']} ({settings})")
    if o["batches_per_epoch"] > 1:
        parts.append(f"batch size {o['batch_size']} ({o['batches_per_epoch']} mini-batches "
                     f"an epoch)")
    if o["decay_rate"]:
        every = f" every {o['decay_interval']} epochs" if o["decay_interval"] else ""
        parts.append(f"decay rate {o['decay_rate']:g}{every} (α now {o['learning_rate_now']:g})")
    parts += [f"{name} λ = {o[key]:g}" for name, key in (("L2", "l2"), ("L1", "l1")) if o[key]]
    if o["keep_prob"] < 1:
        parts.append(f"keep-prob {o['keep_prob']:g}")
    if o["features"] is not None:
        parts.append(f"features {', '.join(o['features'])}")
    if o["normalize"]:
        parts.append("normalised inputs")
    return ", ".join(parts)


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
    settings = describe_options(report)
    if settings:
        print(f"Trained with {settings}; epochs completed: {report['epochs']}")
    if report["options"]["l2"] or report["options"]["l1"]:
        print(f"Weight norm √Σ‖W[l]‖²: {report['weight_norm']:.6f}")
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
