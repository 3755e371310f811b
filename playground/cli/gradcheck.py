"""``playground gradcheck``: compare backprop with two-sided differences.

The verdict (``core.gradcheck.verdict``) is the course notebook's — correct below 2e-7,
a bug above 1e-3 — except where the check cannot tell: gradients too small beside the
rounding of the two-sided differences ("too small to judge"), and components whose
nudges cross a ReLU kink. The exit code is 1 only when the check finds a bug.

With ``--l2``/``--l1`` the checked J and gradients include the penalties. Dropout
(``--keep-prob`` < 1) is left out of the check, which says so: J must be one fixed
function of θ, and fresh masks would change it between the two nudges. The other
training options shape only the ``--iterations`` trained before the check.
"""

from __future__ import annotations

import argparse
import json

from playground.cli.options import (
    EXIT_CHECK_FAILED,
    EXIT_OK,
    check_count,
    network_options,
    training_options,
)
from playground.cli.resuming import trainer_from_args
from playground.core.gradcheck import gradient_check, layer_verdicts, verdict

HELP = "check backprop against two-sided differences"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    network_options(parser)
    training_options(parser)
    parser.add_argument("--iterations", type=int, default=0, metavar="N",
                        help="train this many iterations first (default 0)")


def run(args: argparse.Namespace) -> int:
    """Run the gradient check; print the verdict or JSON; return the exit code."""
    check_count("iterations", args.iterations, 0)
    trainer, _ = trainer_from_args(args)
    trainer.run(args.iterations)
    regularization = trainer.options.regularization
    result = gradient_check(trainer.parameters, trainer.train.X, trainer.train.Y, trainer.arch,
                            regularization=regularization)
    overall, layers = verdict(result), layer_verdicts(result)
    if args.json:
        print(json.dumps({"difference": result.difference,
                          "layer_differences": list(result.layer_differences),
                          "epsilon": result.epsilon, "verdict": overall.word,
                          "reason": overall.reason,
                          "layer_verdicts": [v.word for v in layers],
                          "layer_reasons": [v.reason for v in layers],
                          "layer_sizes": list(trainer.arch.layer_dims),
                          "iteration": trainer.iteration, "l2": regularization.l2,
                          "l1": regularization.l1, "keep_prob": regularization.keep_prob,
                          "dropout_left_out": result.dropout_left_out}))
    else:
        print(f"Gradient check (ε = {result.epsilon:g}) at iteration {trainer.iteration}: "
              f"difference = {result.difference:.3e}  → {_phrase(overall.word)}")
        print(f"  {overall.reason}")
        penalties = [f"{name} λ = {lambd:g}" for name, lambd in (
            ("L2", regularization.l2), ("L1", regularization.l1)) if lambd]
        if penalties:
            print(f"  J and backprop include the penalty ({', '.join(penalties)})")
        if result.dropout_left_out:
            print(f"  dropout (keep-prob {regularization.keep_prob:g}) is left out of the "
                  f"check: fresh masks would change J between the two nudges")
        for l, (d, v) in enumerate(zip(result.layer_differences, layers), start=1):
            print(f"  layer {l}: {d:.3e}  {v.word}")
    return EXIT_CHECK_FAILED if overall.finds_bug else EXIT_OK


def _phrase(word: str) -> str:
    return word if word.startswith("too small") else f"backprop looks {word}"
