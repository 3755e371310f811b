"""``playground gradcheck``: compare backprop with two-sided differences."""

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
from playground.core.gradcheck import gradient_check

HELP = "check backprop against two-sided differences"
GRADCHECK_OK, GRADCHECK_BUG = 1e-7, 1e-3


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
    verdict = ("correct" if result.difference < GRADCHECK_OK else
               "suspicious" if result.difference < GRADCHECK_BUG else "wrong")
    if args.json:
        print(json.dumps({"difference": result.difference,
                          "layer_differences": list(result.layer_differences),
                          "epsilon": result.epsilon, "verdict": verdict,
                          "layer_sizes": list(trainer.arch.layer_dims),
                          "iteration": trainer.iteration}))
    else:
        print(f"Gradient check (ε = {result.epsilon:g}): difference = {result.difference:.3e}"
              f"  → backprop looks {verdict}")
        for l, d in enumerate(result.layer_differences, start=1):
            print(f"  layer {l}: {d:.3e}")
    return EXIT_CHECK_FAILED if verdict == "wrong" else EXIT_OK

