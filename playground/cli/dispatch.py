"""The command line's parser and dispatch: one module per subcommand (``SUBCOMMANDS``),
each with its ``HELP``, ``add_arguments(parser)`` and ``run(args) -> exit code``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from playground import cli
from playground.cli import bench, gradcheck, sweep, train
from playground.cli.options import EXIT_BAD_INPUT, Parser, UsageError

MODULES = {"train": train, "gradcheck": gradcheck, "sweep": sweep, "bench": bench}
assert tuple(MODULES) == cli.SUBCOMMANDS


def build_parser() -> argparse.ArgumentParser:
    """Return the parser for ``playground train|gradcheck|sweep|bench``."""
    parser = Parser(prog="playground", description=cli.__doc__.split("\n\n")[0],
                    formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True, parser_class=Parser)
    for name, module in MODULES.items():
        module.add_arguments(sub.add_parser(name, help=module.HELP))
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run a subcommand; return its exit code. Bad input: one line on stderr, exit 2."""
    try:
        args = build_parser().parse_args(argv)
        return MODULES[args.command].run(args)
    except UsageError as error:
        print(f"playground: error: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
