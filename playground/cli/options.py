"""What every subcommand shares: the data and network options, how they make a RunConfig
and a Trainer, and how bad input is reported (``UsageError``: one line, exit code 2)."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any, NoReturn

from playground.core.activations import ACTIVATIONS
from playground.core.datasets import DATASETS
from playground.core.initialization import INITS
from playground.core.network import Architecture
from playground.core.npz import ModelFileError, SavedModel, load_model
from playground.core.objectives import LOSSES, OUTPUTS
from playground.session.config import RunConfig, architecture_for, load_data
from playground.session.data_spec import data_mismatch, recorded_data
from playground.session.lessons import lesson, lessons
from playground.session.trainer import Trainer

EXIT_OK, EXIT_CHECK_FAILED, EXIT_BAD_INPUT, EXIT_DIVERGED = 0, 1, 2, 3


class UsageError(Exception):
    """Bad arguments or input: reported as one line on stderr with exit code 2."""


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


def network_options(p: argparse.ArgumentParser) -> None:
    data = p.add_argument_group("data")
    data.add_argument("--dataset", choices=list(DATASETS), metavar="NAME",
                      help=f"generated dataset: {', '.join(DATASETS)} (default: flower)")
    data.add_argument("--data", metavar="TRAIN.csv",
                      help="CSV file: one example per row, features then a label column")
    data.add_argument("--test-data", metavar="TEST.csv", help="separate test CSV file")
    data.add_argument("--samples", type=int, metavar="N", help="number of examples m")
    data.add_argument("--noise", type=float, metavar="F", help="noise of a generated dataset")
    data.add_argument("--data-seed", type=int, metavar="N",
                      help="seed of the generated data (flower: 1, as in the course)")
    data.add_argument("--classes", type=int, metavar="K",
                      help="number of classes for gaussians (k ≥ 2) and spiral (2 or 3)")
    data.add_argument("--test-fraction", type=float, metavar="F",
                      help="share of examples held out as a test set (default 0)")
    net = p.add_argument_group("network")
    net.add_argument("--hidden", metavar="SIZES",
                     help='hidden layer sizes, e.g. "4" or "4,3"; "" for none (default: 4)')
    net.add_argument("--activation", metavar="NAMES",
                     help=f"one for all hidden layers or one per layer, comma separated: "
                          f"{', '.join(ACTIVATIONS)} (default: tanh)")
    net.add_argument("--output", choices=list(OUTPUTS),
                     help="output layer (default: follows the data)")
    net.add_argument("--loss", choices=list(LOSSES),
                     help="loss (default: cross-entropy, or mse for regression)")
    net.add_argument("--init", choices=list(INITS), help="initialisation (default: random)")
    net.add_argument("--init-scale", type=float, metavar="F",
                     help="factor for --init random: W = randn × F (default 0.01)")
    net.add_argument("--seed", type=int, metavar="N",
                     help="seed of the initialisation RandomState (default 2)")
    net.add_argument("--load", metavar="IN.npz",
                     help="start from the weights (and network) in this file, on the "
                          "data it records (unless --dataset or --data is given)")
    p.add_argument("--learning-rate", type=float, metavar="F", help="learning rate (default 1.2)")
    p.add_argument("--preset", metavar="NAME",
                   help="start from a lesson's settings (options given as well override "
                        "them): " + ", ".join(lessons()))
    p.add_argument("--json", action="store_true", help="print one JSON object")


def split_list(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def _base_config(args: argparse.Namespace, loaded: SavedModel | None) -> RunConfig:
    """Return what the options start from: a preset, a loaded file's network and data, or
    defaults."""
    base = lesson(args.preset).config if args.preset else RunConfig()
    if loaded is None:
        return base
    arch = loaded.arch
    data = recorded_data(loaded) or {}
    if data.get("data_path") is not None:
        data["data_path"] = _beside(data["data_path"], args.load)
        if data.get("test_data_path") is not None:
            data["test_data_path"] = _beside(data["test_data_path"], args.load)
    return base.replace(hidden_layers=arch.hidden_layers, activations=arch.activations,
                        output=arch.output, loss=arch.loss, init=loaded.init,
                        init_scale=loaded.init_scale or base.init_scale, seed=loaded.seed,
                        learning_rate=loaded.learning_rate or base.learning_rate, **data)


def _beside(path: str, model_path: str) -> str:
    """Return ``path`` if it exists, else the file of that name beside the model file (a
    model and its data moved together), else ``path``."""
    if os.path.exists(path):
        return path
    nearby = os.path.join(os.path.dirname(model_path), os.path.basename(path))
    return nearby if os.path.exists(nearby) else path


def config_from_args(args: argparse.Namespace, loaded: SavedModel | None) -> RunConfig:
    """Return the RunConfig the arguments describe: explicit options override the base
    (a preset's settings, a loaded file's network, or the course defaults)."""
    if args.data and args.dataset:
        raise UsageError("give either --dataset or --data, not both")
    if args.test_data and not args.data:
        raise UsageError("--test-data needs --data")
    if loaded is not None:
        given = [name for name in ("hidden", "activation", "output", "loss")
                 if getattr(args, name) is not None]
        if given:
            raise UsageError(f"--load takes the network from the file; drop --{given[0]}")
    try:
        base = _base_config(args, loaded)
    except ValueError as error:
        raise UsageError(str(error)) from None
    changes: dict[str, Any] = {}
    if args.dataset or args.data:
        changes.update(dataset=args.dataset or base.dataset, data_path=args.data,
                       test_data_path=args.test_data, samples=None, noise=None,
                       data_seed=None, classes=None, output=None, loss=None)
    hidden = base.hidden_layers
    if args.hidden is not None:
        try:
            hidden = tuple(int(n) for n in split_list(args.hidden))
        except ValueError:
            raise UsageError(f"--hidden must be comma-separated integers, "
                             f"got {args.hidden!r}") from None
        changes["hidden_layers"] = hidden
    if args.activation is not None or args.hidden is not None:
        names = (split_list(args.activation) if args.activation is not None
                 else list(base.activations[:1] or ["tanh"]))
        changes["activations"] = tuple(names * len(hidden) if len(names) == 1 else names)
    if args.init_scale is not None and not INITS[args.init or base.init].takes_scale:
        raise UsageError(f"--init-scale sets the factor of --init random; "
                         f"{args.init or base.init} initialisation does not use it")
    for option, field in (("samples", "samples"), ("noise", "noise"),
                          ("data_seed", "data_seed"), ("classes", "classes"),
                          ("test_fraction", "test_fraction"), ("output", "output"),
                          ("loss", "loss"), ("init", "init"), ("init_scale", "init_scale"),
                          ("seed", "seed"), ("learning_rate", "learning_rate")):
        if getattr(args, option) is not None:
            changes[field] = getattr(args, option)
    try:
        return base.replace(**changes)
    except ValueError as error:
        raise UsageError(str(error)) from None


def trainer_from_args(args: argparse.Namespace) -> tuple[Trainer, RunConfig]:
    """Return a Trainer at the loaded or freshly initialised parameters."""
    loaded = None
    if args.load:
        try:
            loaded = load_model(args.load)
        except ModelFileError as error:
            raise UsageError(str(error)) from None
    config = config_from_args(args, loaded)
    given_data = args.dataset or args.data
    try:
        train, test = load_data(config)
        arch = architecture_for(config, train)
    except (ValueError, OSError) as error:
        if loaded is not None and not given_data and config.data_path is not None:
            raise UsageError(f"{args.load} was trained on {config.data_path}, which cannot "
                             f"be loaded ({error}); give --data or --dataset") from None
        raise UsageError(str(error)) from None
    if loaded is not None:
        mismatch = data_mismatch(loaded, config)
        if mismatch:
            print(f"playground: warning: {args.load} was {mismatch}", file=sys.stderr)
    if loaded is not None and arch != loaded.arch:
        raise UsageError(f"{args.load} is a {_describe(loaded.arch)} network but the data "
                         f"needs {_describe(arch)}")
    trainer = Trainer(arch, train, test, init=config.init, init_scale=config.init_scale,
                      seed=config.seed, learning_rate=config.learning_rate,
                      parameters=loaded.parameters if loaded else None,
                      iteration=loaded.iteration if loaded else 0)
    return trainer, config


def _describe(arch: Architecture) -> str:
    sizes = "-".join(str(n) for n in arch.layer_dims)
    return f"{sizes} ({arch.output} output)"


def known_preset(args: argparse.Namespace) -> bool:
    return bool(args.preset) and args.preset in lessons()


def check_count(name: str, value: int, minimum: int) -> None:
    if value < minimum:
        raise UsageError(f"--{name} must be at least {minimum}, got {value}")

