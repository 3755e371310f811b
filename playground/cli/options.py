"""What every subcommand shares: the data, network and training options, how they make a
RunConfig and a Trainer, and how bad input is reported (``UsageError``: one line, exit 2).

The options are tables of ``Flag``s, so that one place knows each flag: the parsers are
built from them, and ``command_words`` writes a parsed command back out (``sweep``
prints, for each row, the ``playground train`` command that reproduces it).
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, NoReturn

from playground.core.activations import ACTIVATIONS
from playground.core.datasets import DATASETS
from playground.core.features import FEATURES, parse_features
from playground.core.initialization import INITS
from playground.core.npz import SavedModel
from playground.core.objectives import LOSSES, OUTPUTS
from playground.core.optimizers import OPTIMIZERS
from playground.core.regularization import PENALTIES
from playground.core.training import training_fields
from playground.session.config import RunConfig
from playground.session.data_spec import recorded_data, recorded_training
from playground.session.lessons import lesson, lessons

EXIT_OK, EXIT_CHECK_FAILED, EXIT_BAD_INPUT, EXIT_DIVERGED = 0, 1, 2, 3


class UsageError(Exception):
    """Bad arguments or input: reported as one line on stderr with exit code 2."""


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


@dataclass(frozen=True)
class Flag:
    """One command-line option: ``--name`` stores into ``name`` (dashes → underscores);
    ``boolean`` flags come as ``--name`` / ``--no-name`` (unset: None)."""

    name: str
    help: str
    type: Callable[[str], Any] = str
    metavar: str | None = None
    choices: tuple[str, ...] | None = None
    boolean: bool = False

    @property
    def dest(self) -> str:
        return self.name[2:].replace("-", "_")

    def add_to(self, group: Any, listed: str | None = None, hidden: bool = False) -> None:
        """Add this option to a parser or group; ``listed`` (a help text, "" for the
        usual one): it takes a comma-separated list of values (``sweep``), checked later;
        ``hidden``: parsed (to be refused with a reason) but not listed in --help."""
        shown = argparse.SUPPRESS if hidden else self.help
        if self.boolean:
            group.add_argument(self.name, action=argparse.BooleanOptionalAction,
                               default=None, help=shown)
        elif listed is not None:
            group.add_argument(self.name, metavar="LIST", help=argparse.SUPPRESS if hidden
                               else listed or f"{self.help}; a comma-separated list sweeps it")
        else:
            group.add_argument(self.name, type=self.type, metavar=self.metavar,
                               choices=self.choices, help=shown)


DATA_FLAGS = (
    Flag("--dataset", f"generated dataset: {', '.join(DATASETS)} (default: flower)",
         metavar="NAME", choices=tuple(DATASETS)),
    Flag("--data", "CSV file: one example per row, features then a label column",
         metavar="TRAIN.csv"),
    Flag("--test-data", "separate test CSV file", metavar="TEST.csv"),
    Flag("--samples", "number of examples m", int, "N"),
    Flag("--noise", "noise of a generated dataset", float, "F"),
    Flag("--data-seed", "seed of the generated data (flower: 1, as in the course)", int, "N"),
    Flag("--classes", "number of classes for gaussians (k ≥ 2) and spiral (2 or 3)", int,
         "K"),
    Flag("--test-fraction", "share of examples held out as a test set (default 0)", float,
         "F"),
)
NETWORK_FLAGS = (
    Flag("--hidden", 'hidden layer sizes, e.g. "4" or "4,3"; "" for none (default: 4)',
         metavar="SIZES"),
    Flag("--activation", f"one for all hidden layers or one per layer, comma separated: "
                         f"{', '.join(ACTIVATIONS)} (default: tanh)", metavar="NAMES"),
    Flag("--output", "output layer (default: follows the data)", choices=tuple(OUTPUTS)),
    Flag("--loss", "loss (default: cross-entropy, or mse for regression)",
         choices=tuple(LOSSES)),
    Flag("--init", "initialisation (default: random)", choices=tuple(INITS)),
    Flag("--init-scale", "factor for --init random: W = randn × F (default 0.01)", float,
         "F"),
    Flag("--seed", "seed of the initialisation RandomState (default 2)", int, "N"),
    Flag("--load", "start from the weights (and network, options and optimiser state) in "
                   "this file, on the data it records (unless --dataset or --data is given)",
         metavar="IN.npz"),
)
RUN_FLAGS = (
    Flag("--learning-rate", "learning rate α (default 1.2)", float, "F"),
    Flag("--preset", "start from a lesson's settings (options given as well override "
                     "them): " + ", ".join(lessons()), metavar="NAME"),
)
TRAINING_FLAGS = (
    Flag("--batch-size", "mini-batch size B, 1 … m (default m: plain gradient descent)", int,
         "B"),
    Flag("--shuffle-seed", "epoch e shuffles with RandomState(S + e) (the course: 10; "
                           "default: the run's own generator)", int, "S"),
    Flag("--optimizer", f"update rule: {', '.join(OPTIMIZERS)} (default gd)", metavar="NAME",
         choices=tuple(OPTIMIZERS)),
    Flag("--beta", "momentum's β (default 0.9)", float, "F"),
    Flag("--beta1", "Adam's β₁ (default 0.9)", float, "F"),
    Flag("--beta2", "RMSprop's and Adam's β₂ (default 0.999)", float, "F"),
    Flag("--epsilon", "RMSprop's and Adam's ε (default 1e-8)", float, "F"),
    Flag("--decay-rate", "learning-rate decay: α = α₀ / (1 + r · epoch) (default 0)", float,
         "R"),
    Flag("--decay-interval", "decay in steps: α = α₀ / (1 + r · ⌊epoch / k⌋)", int, "K"),
    Flag("--l2", f"L2 penalty λ: {PENALTIES['l2'].formula} (default 0)", float, "λ"),
    Flag("--l1", f"L1 penalty λ: {PENALTIES['l1'].formula} (default 0)", float, "λ"),
    Flag("--keep-prob", "inverted dropout on the hidden layers: keep-prob in (0, 1] "
                        "(default 1: none)", float, "P"),
    Flag("--features", f"input features, comma separated: {', '.join(FEATURES)} "
                       f"(default: the data's own inputs, x1,x2)", metavar="NAMES"),
    Flag("--normalize", "normalise the inputs: zero mean, unit variance on the training "
                        "split (default: off)", boolean=True),
)
#: Every flag that describes a run, in the order ``command_words`` writes them.
RUN_DESCRIPTION = DATA_FLAGS + NETWORK_FLAGS + RUN_FLAGS + TRAINING_FLAGS


def network_options(p: argparse.ArgumentParser, listed: Mapping[str, str] = MappingProxyType({}),
                    hidden: Collection[str] = ()) -> None:
    """Add the data and network options, the learning rate, --preset and --json;
    ``listed``: the dests that take a list (``sweep``), with their help ("": the usual);
    ``hidden``: dests parsed but left out of --help (the window refuses them)."""
    for title, flags in (("data", DATA_FLAGS), ("network", NETWORK_FLAGS)):
        group = p.add_argument_group(title)
        for flag in flags:
            flag.add_to(group, listed.get(flag.dest), flag.dest in hidden)
    for flag in RUN_FLAGS:
        flag.add_to(p, listed.get(flag.dest), flag.dest in hidden)
    p.add_argument("--json", action="store_true",
                   help=argparse.SUPPRESS if "json" in hidden else "print one JSON object")


def training_options(p: argparse.ArgumentParser,
                     listed: Mapping[str, str] = MappingProxyType({})) -> None:
    """Add course 2's options: mini-batches, optimiser, decay, regularisation, features."""
    group = p.add_argument_group("course 2: mini-batches, optimiser, regularisation, inputs")
    for flag in TRAINING_FLAGS:
        flag.add_to(group, listed.get(flag.dest))


def command_words(args: argparse.Namespace, flags: Sequence[Flag] = RUN_DESCRIPTION
                  ) -> list[str]:
    """Return the options of ``args`` that are set, as words of a command line that
    parses back to the same values (floats as their shortest exact repr)."""
    words: list[str] = []
    for flag in flags:
        value = getattr(args, flag.dest, None)
        if value is None:
            continue
        if flag.boolean:
            words.append(flag.name if value else f"--no-{flag.name[2:]}")
        else:
            words += [flag.name, repr(value) if isinstance(value, float) else str(value)]
    return words


def split_list(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


#: Course 2's settings a flag gives as it is (``--features`` is parsed apart).
TRAINING_FIELDS = tuple(f.name for f in training_fields() if f.name != "features")


def _base_config(args: argparse.Namespace, loaded: SavedModel | None) -> RunConfig:
    """Return what the options start from: a preset, a loaded file's network, data and
    training options (never both: ``config_from_args`` refuses it), or defaults."""
    if loaded is None:
        return lesson(args.preset).config if args.preset else RunConfig()
    base = RunConfig()
    arch = loaded.arch
    data = recorded_data(loaded) or {}
    if data.get("data_path") is not None:
        data["data_path"] = _beside(data["data_path"], args.load)
        if data.get("test_data_path") is not None:
            data["test_data_path"] = _beside(data["test_data_path"], args.load)
    return base.replace(hidden_layers=arch.hidden_layers, activations=arch.activations,
                        output=arch.output, loss=arch.loss, init=loaded.init,
                        init_scale=loaded.init_scale or base.init_scale, seed=loaded.seed,
                        learning_rate=loaded.learning_rate or base.learning_rate,
                        **data, **recorded_training(loaded))


def _beside(path: str, model_path: str) -> str:
    """Return ``path`` if it exists, else the file of that name beside the model file (a
    model and its data moved together), else ``path``."""
    if os.path.exists(path):
        return path
    nearby = os.path.join(os.path.dirname(model_path), os.path.basename(path))
    return nearby if os.path.exists(nearby) else path


def config_from_args(args: argparse.Namespace, loaded: SavedModel | None) -> RunConfig:
    """Return the RunConfig the arguments describe: explicit options override the base
    (a preset's settings, a loaded file's network and options, or the course defaults)."""
    if args.data and args.dataset:
        raise UsageError("give either --dataset or --data, not both")
    if args.test_data and not args.data:
        raise UsageError("--test-data needs --data")
    features = _features(args)
    if loaded is not None:
        given = [name for name in ("preset", "hidden", "activation", "output", "loss")
                 if getattr(args, name) is not None]
        if given:
            raise UsageError(f"--load takes the network from the file; drop --{given[0]}")
        for name, value, recorded in (("features", features, loaded.features),
                                      ("normalize", getattr(args, "normalize", None),
                                       loaded.normalize)):
            if value is not None and value != recorded:
                raise UsageError(f"--load takes the inputs from the file ({name}: "
                                 f"{_shown(recorded)}), which its weights were trained on; "
                                 f"drop --{name}")
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
    for field in ("samples", "noise", "data_seed", "classes", "test_fraction", "output",
                  "loss", "init", "init_scale", "seed", "learning_rate", *TRAINING_FIELDS):
        if getattr(args, field, None) is not None:
            changes[field] = getattr(args, field)
    if features is not None:
        changes["features"] = features
    try:
        return base.replace(**changes)
    except ValueError as error:
        raise UsageError(str(error)) from None


def _features(args: argparse.Namespace) -> tuple[str, ...] | None:
    text = getattr(args, "features", None)
    if text is None:
        return None
    try:
        return parse_features(text)
    except ValueError as error:
        raise UsageError(f"--features: {error}") from None


def _shown(value: Any) -> str:
    if value is None:
        return "the data's own inputs"
    return ",".join(value) if isinstance(value, tuple) else str(value).lower()


def known_preset(args: argparse.Namespace) -> bool:
    return bool(args.preset) and args.preset in lessons()


def check_count(name: str, value: int, minimum: int) -> None:
    if value < minimum:
        raise UsageError(f"--{name} must be at least {minimum}, got {value}")
