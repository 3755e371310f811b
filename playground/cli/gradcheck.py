"""``playground gradcheck``: compare backprop with two-sided differences.

The verdict (``core.gradcheck.verdict``) is the course notebook's — correct below 2e-7,
a bug above 1e-3 — except where the check cannot tell: gradients too small beside the
rounding of the two-sided differences ("too small to judge"), and components whose
nudges cross a ReLU kink. The exit code is 1 only when the check finds a bug.
"""

from __future__ import annotations

import argparse
import json

from playground.cli.options import (
    EXIT_CHECK_FAILED,
    EXIT_OK,
    check_count,
    network_options,
    trainer_from_args,
)
from playground.core.gradcheck import gradient_check, layer_verdicts, verdict

HELP = "check backprop against two-sided differences"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    network_options(parser)
    parser.add_argument("--iterations", type=int, default=0, metavar="N",
                        help="train this many iterations first (default 0)")


def run(args: argparse.Namespace) -> int:
    """Run the gradient check; print the verdict or JSON; return the exit code."""
    check_count("iterations", args.iterations, 0)
    trainer, _ = trainer_from_args(args)
    trainer.run(args.iterations)
    result = gradient_check(trainer.parameters, trainer.train.X, trainer.train.Y, trainer.arch)
    overall, layers = verdict(result), layer_verdicts(result)
    if args.json:
        print(json.dumps({"difference": result.difference,
                          "layer_differences": list(result.layer_differences),
                          "epsilon": result.epsilon, "verdict": overall.word,
                          "reason": overall.reason,
                          "layer_verdicts": [v.word for v in layers],
                          "layer_reasons": [v.reason for v in layers],
                          "layer_sizes": list(trainer.arch.layer_dims),
                          "iteration": trainer.iteration}))
    else:
        print(f"Gradient check (ε = {result.epsilon:g}) at iteration {trainer.iteration}: "
              f"difference = {result.difference:.3e}  → {_phrase(overall.word)}")
        print(f"  {overall.reason}")
        for l, (d, v) in enumerate(zip(result.layer_differences, layers), start=1):
            print(f"  layer {l}: {d:.3e}  {v.word}")
    return EXIT_CHECK_FAILED if overall.finds_bug else EXIT_OK


def _phrase(word: str) -> str:
    return word if word.startswith("too small") else f"backprop looks {word}"
