"""The desktop app: ``playground`` opens the main window.

    playground [--lesson NAME] [--session FILE.json] [the run flags of train]
               [--pace N|max] [--iterations N] [--size WxH]
               [--screenshot OUT.png] [--state OUT.json]

The window takes the data, network and course-2 flags of ``playground train``
(``--dataset``, ``--hidden``, ``--learning-rate``, ``--optimizer``, ``--batch-size``, …,
on top of a lesson's settings when ``--lesson`` is given). ``--screenshot`` and
``--state`` make a scripted run: the window trains (a lesson to its stop, else
``--iterations``), saves a picture of itself and/or its state as JSON, and exits without
waiting for anyone. Anything wrong on the command line, in a session file or in the data
is one line on stderr and exit code 2, before a window opens.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from playground.cli import SUBCOMMANDS
from playground.ui.display import NO_DISPLAY_HINT, display_problem

EXIT_BAD_INPUT = 2
#: Options of ``train`` the window refuses (with a reason) and leaves out of its --help.
TRAIN_ONLY = ("load", "preset", "json")


def build_parser() -> tuple[argparse.ArgumentParser, list[str]]:
    """Return the window's parser and the names of the data, network and course-2 options
    it shares with ``playground train``."""
    from playground.cli.options import Parser, network_options, training_options

    parser = Parser(
        prog="playground",
        description="A desktop neural-network playground. Subcommands: "
                    f"{', '.join(SUBCOMMANDS)} (see playground train --help).")
    window = parser.add_argument_group("the window")
    window.add_argument("--lesson", metavar="NAME",
                        help="start with a lesson (see the Lessons menu); data and network "
                             "flags given too change its settings")
    window.add_argument("--session", metavar="FILE.json", help="start from a saved session")
    window.add_argument("--pace", metavar="N|max",
                        help="iterations per second (1 … 10000) or max")
    window.add_argument("--iterations", type=int, metavar="N",
                        help="scripted: iterations to train before saving (default: a "
                             "lesson's stop, else 0)")
    window.add_argument("--size", metavar="WxH",
                        help="window size (default: as it was left; 1280x800 at first, "
                             "and when scripted)")
    window.add_argument("--screenshot", metavar="OUT.png",
                        help="train, save a picture of the window and exit")
    window.add_argument("--state", metavar="OUT.json",
                        help="train, save what the window shows as JSON and exit")
    # For playground bench --gui: print "shown <time.time()>" once the window is up, exit.
    window.add_argument("--report-shown", action="store_true", help=argparse.SUPPRESS)
    before = set(vars(parser.parse_args([])))
    network_options(parser, hidden=TRAIN_ONLY)
    training_options(parser)
    shared = sorted(set(vars(parser.parse_args([]))) - before - set(TRAIN_ONLY))
    return parser, shared


def launch_from_args(argv: Sequence[str] | None):
    """Return the ``Launch`` the command line asks for (``UsageError`` for bad input):
    every file and setting is checked here, before a window opens."""
    from playground.cli.options import UsageError, check_count, config_from_args
    from playground.session.config import make_trainer
    from playground.session.lessons import lessons
    from playground.session.loop import check_pace
    from playground.session.session_file import session_from_json
    from playground.ui.launch import Launch

    parser, shared = build_parser()
    args = parser.parse_args(list(argv) if argv is not None else None)
    if args.json or args.preset or args.load:
        raise UsageError("--json, --preset and --load are for playground train; the window "
                         "takes --lesson and --state, and opens weights with File → Import "
                         "weights (Ctrl+I)")
    if args.iterations is not None:
        check_count("iterations", args.iterations, 0)
    size = None
    if args.size is not None:
        try:
            size = tuple(int(n) for n in args.size.lower().split("x"))
            if len(size) != 2 or min(size) < 1:
                raise ValueError
        except ValueError:
            raise UsageError(f"--size must look like 1280x800, got {args.size!r}") from None
    pace = None
    if args.pace is not None and args.pace != "max":
        try:
            pace = check_pace(float(args.pace))
        except ValueError:
            raise UsageError(f"--pace must be a number of iterations per second > 0 or "
                             f"max, got {args.pace!r}") from None
    if args.lesson is not None and args.lesson not in lessons():
        raise UsageError(f"unknown lesson {args.lesson!r}; choose from {', '.join(lessons())}")
    given = [name for name in shared
             if getattr(args, name) is not None and getattr(args, name) is not False]
    if args.session is not None and (given or args.lesson):
        raise UsageError("give a session file alone, without --lesson or data and network "
                         "flags")
    config = None
    if args.session is not None:
        try:
            with open(args.session, encoding="utf-8") as handle:
                config = session_from_json(handle.read())
        except (OSError, UnicodeDecodeError, ValueError) as error:
            raise UsageError(f"cannot open {args.session}: {error}") from None
    elif given:
        args.preset = args.lesson
        config = config_from_args(args, None)
    if config is not None:
        try:
            make_trainer(config)                 # the data loads and the network fits
        except (ValueError, OSError) as error:
            raise UsageError(str(error)) from None
    return Launch(config=config, lesson=args.lesson, session=args.session,
                  pace=args.pace if pace is None else pace,
                  iterations=args.iterations, size=size,
                  screenshot=args.screenshot, state=args.state,
                  report_shown=args.report_shown)


def main(argv: Sequence[str] | None = None) -> int:
    """Start the GUI; return the process exit code."""
    from playground.cli.options import UsageError

    try:
        launch = launch_from_args(argv)
    except UsageError as error:
        print(f"playground: error: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    problem = display_problem()
    if problem:
        print(NO_DISPLAY_HINT.format(reason=problem), file=sys.stderr)
        return 1
    from playground.ui.launch import run_app
    return run_app(launch)
