"""The Trainer a command line asks for: fresh, or continuing a saved run.

``--load`` continues the saved run bit for bit: the file's parameters, iteration and
training options, and its resume state (the optimiser's moments, the engine's counters,
the epoch's permutation, the generator's state and a prepared mini-batch's masks). So
``train --iterations 150 --export m.npz`` then ``train --load m.npz --iterations 150``
ends exactly where ``train --iterations 300`` does.

Flags that change the training options (optimiser, its βs and ε, batch size, shuffle
seed, decay, λ, keep-prob) or the learning rate are applied to the loaded run as the
window applies a live change (``Trainer.set_options``: a new optimiser or batch size
resets the optimiser's state, not the weights; the rest just change), and a note on
stderr says that this is no longer an exact continuation. Flags that change the inputs
(``--features``, ``--normalize``) are refused: the weights were trained on those inputs.
The resume state is used only on the data the file records: on other data (which
``--load`` warns about) the run goes on from the weights with a fresh optimiser state and
the options given.
"""

from __future__ import annotations

import argparse
import math
import sys
from typing import Any

from playground.cli.options import UsageError, config_from_args
from playground.core.npz import ModelFileError, SavedModel, load_model
from playground.core.training import TRAINING_LABELS
from playground.session.config import RunConfig, load_data, trainer_for
from playground.session.data_spec import data_mismatch, recorded_training, trainer_for_model
from playground.session.trainer import Trainer

# How an option is named in a note (its value is shown by ``_value``).
_OPTION_WORDS = {**TRAINING_LABELS, "learning_rate": "learning rate"}


def trainer_from_args(args: argparse.Namespace) -> tuple[Trainer, RunConfig]:
    """Return a Trainer at the loaded or freshly initialised parameters, and its config."""
    loaded = None
    if args.load:
        try:
            loaded = load_model(args.load)
        except ModelFileError as error:
            raise UsageError(str(error)) from None
    config = config_from_args(args, loaded)
    try:
        train, test = load_data(config)
    except (ValueError, OSError) as error:
        if loaded is not None and not (args.dataset or args.data) and config.data_path:
            raise UsageError(f"{args.load} was trained on {config.data_path}, which cannot "
                             f"be loaded ({error}); give --data or --dataset") from None
        raise UsageError(str(error)) from None
    if loaded is None:
        return _checked(lambda: trainer_for(config, train, test)), config
    mismatch = data_mismatch(loaded, config)
    if mismatch:                # other data: on from the weights, with the options given
        print(f"playground: warning: {args.load} was {mismatch}", file=sys.stderr)
        return _checked(lambda: trainer_for_model(loaded, config, (train, test)),
                        f"{args.load}: "), config
    recorded = config.replace(**recorded_training(loaded))
    trainer = _checked(lambda: trainer_for_model(loaded, recorded, (train, test)),
                       f"cannot resume {args.load}: ")
    changed = _changes(loaded, recorded, config)
    if changed:
        said = _checked(lambda: trainer.set_options(config.training_options()))
        print(f"playground: note: continuing {args.load} with {changed}: not an exact "
              f"continuation of the run it saved. {said}".rstrip(), file=sys.stderr)
    return trainer, config


def _checked(make: Any, prefix: str = "") -> Any:
    """Return ``make()``; its ValueError (or KeyError from a resume) as a UsageError."""
    try:
        return make()
    except KeyError as error:
        raise UsageError(f"{prefix}its resume state lacks {error.args[0]}") from None
    except (ValueError, OSError) as error:
        raise UsageError(prefix + str(error)) from None


def _changes(loaded: SavedModel, recorded: RunConfig, config: RunConfig) -> str:
    """Return the options (and learning rate) ``config`` changes from the file's, in
    words ("optimizer adam (was gd), …"), or ""."""
    was = {**recorded_training(loaded), "learning_rate": loaded.learning_rate}
    now = {**{key: getattr(config, key) for key in recorded_training(loaded)},
           "learning_rate": config.learning_rate}
    return ", ".join(f"{_OPTION_WORDS.get(key, key)} {_value(now[key])} "
                     f"(was {_value(was[key])})"
                     for key in _OPTION_WORDS if key in now and not _same(now[key], was[key]))


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return a == b or (math.isnan(a) and math.isnan(b))
    return a == b


def _value(value: Any) -> str:
    if value is None:
        return "unset"
    return f"{value:g}" if isinstance(value, float) else str(value)
