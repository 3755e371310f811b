"""``playground bench``: training speed beside NumPy, scikit-learn and PyTorch, full batch
and in mini-batches, with each step's matrix-product floor and the tanh path this machine
chose (and the timings it chose by); ``--gui`` measures the window while it trains (it
imports Qt only then)."""

from __future__ import annotations

import argparse
import json
import sys

from playground.bench.engine import WARM_UP_STEPS
from playground.bench.engine import run_bench as measure
from playground.bench.report import format_report
from playground.cli.options import EXIT_OK, UsageError, check_count
from playground.core.fast import calibrate

HELP = ("measure training speed beside NumPy, scikit-learn and PyTorch, with the "
        "matrix-product floor and the kernels chosen on this machine (and the window's)")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--repeats", type=int, default=5, metavar="N",
                        help="repetitions per contender; the median is reported (default 5)")
    parser.add_argument("--seconds", type=float, metavar="S",
                        help="length of one repetition (default 0.25); with --gui, of each "
                             "measurement (default 5)")
    parser.add_argument("--warm-up", type=int, default=WARM_UP_STEPS, metavar="N",
                        help=f"steps every contender trains before it is timed (default "
                             f"{WARM_UP_STEPS})")
    parser.add_argument("--gui", action="store_true",
                        help="open the real window, train the default lesson and 8-8 and "
                             "64-64 nets, and measure speed in the window, frame rate, "
                             "event-loop lateness, slider latency and start-up time")
    parser.add_argument("--long", action="store_true",
                        help="with --gui: train 10⁶ iterations in the window and report the "
                             "memory growth")
    parser.add_argument("--kernels", choices=calibrate.MODES, metavar="MODE",
                        help="the tanh path to measure with: measure (this machine's "
                             "choice, the default), plain (np.tanh) or table; also "
                             f"{calibrate.ENVIRONMENT_VARIABLE}=MODE for every command")
    parser.add_argument("--json", action="store_true", help="print one JSON object")


def run(args: argparse.Namespace) -> int:
    check_count("repeats", args.repeats, 1)
    check_count("warm-up", args.warm_up, 0)
    seconds = args.seconds if args.seconds is not None else (5.0 if args.gui else 0.25)
    if not 0 < seconds <= 600:
        raise UsageError(f"--seconds must be in (0, 600], got {seconds:g}")
    if args.long and not args.gui:
        raise UsageError("--long measures the window: use it with --gui")
    progress = None if args.json else (lambda text: print(text, file=sys.stderr))
    kernels = calibrate.choices() if args.kernels is None else calibrate.decide(args.kernels)
    with calibrate.using(kernels):
        report = _measure(args, seconds, progress)
    print(report)
    return EXIT_OK


def _measure(args: argparse.Namespace, seconds: float, progress) -> str:
    """Return the report of the bench ``args`` ask for, as text or JSON."""
    if args.gui:
        from playground.bench.window import format_gui_report, run_gui_bench
        from playground.ui.display import display_problem
        problem = display_problem()
        if problem:
            raise UsageError(f"--gui needs a display ({problem}); "
                             "QT_QPA_PLATFORM=offscreen measures without one")
        report = run_gui_bench(seconds=seconds, long=args.long, progress=progress)
        return json.dumps(report, indent=2) if args.json else format_gui_report(report)
    report = measure(repeats=args.repeats, seconds=seconds, warm_up=args.warm_up,
                     progress=progress)
    return json.dumps(report, indent=2) if args.json else format_report(report)

