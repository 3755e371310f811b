"""The desktop app: ``playground`` opens the main window.

    playground [--screenshot OUT.png [--session FILE.json] [--iterations N] [--size WxH]]

``--screenshot`` opens the real window, trains N iterations, saves a picture of the whole
window and exits 0: the README's pictures are made this way.
"""

from __future__ import annotations

import argparse
import ctypes.util
import os
import sys
from collections.abc import Sequence

from playground.cli import SUBCOMMANDS

NO_DISPLAY_HINT = """\
playground needs a display for its window, and none could be used here ({reason}).
On a desktop, start it from a graphical session. On Debian/Ubuntu the window also needs
Qt's X11 libraries:
  sudo apt-get install -y libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 \\
    libxcb-randr0 libxcb-render-util0 libxcb-shape0 libxcb-xinerama0 libxcb-xkb1 \\
    libxkbcommon-x11-0 libegl1
Without a screen, QT_QPA_PLATFORM=offscreen playground --screenshot out.png renders the
window to a file, and the command line trains headless: playground train --help"""


def display_problem(environ: dict[str, str] | None = None) -> str | None:
    """Return why Qt's window system would fail to start here, or None if it should work."""
    env = os.environ if environ is None else environ
    platform = env.get("QT_QPA_PLATFORM", "")
    if platform and not platform.startswith(("xcb", "wayland")):
        return None                                   # offscreen, minimal, vnc, …
    if not sys.platform.startswith("linux"):
        return None
    if platform.startswith("wayland") or (not platform and env.get("WAYLAND_DISPLAY")):
        return None
    if not env.get("DISPLAY"):
        return "DISPLAY is not set"
    if ctypes.util.find_library("xcb-cursor") is None:
        return "the library libxcb-cursor0 is missing"
    return None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="playground",
        description="A desktop neural-network playground. Subcommands: "
                    f"{', '.join(SUBCOMMANDS)} (see playground train --help).")
    parser.add_argument("--screenshot", metavar="OUT.png",
                        help="open the window, train, save a screenshot and exit")
    parser.add_argument("--session", metavar="FILE.json", help="start from a saved session")
    parser.add_argument("--lesson", metavar="NAME",
                        help="start with a lesson preset (see the Lessons menu; "
                             "playground train --help lists the names)")
    parser.add_argument("--iterations", type=int, default=0, metavar="N",
                        help="iterations to train before the screenshot (default 0)")
    parser.add_argument("--size", default="1280x800", metavar="WxH",
                        help="window size for --screenshot (default 1280x800)")
    # For playground bench --gui: print "shown <time.time()>" once the window is up, exit.
    parser.add_argument("--report-shown", action="store_true", help=argparse.SUPPRESS)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Start the GUI; return the process exit code."""
    args = build_parser().parse_args(list(argv) if argv is not None else None)
    if args.iterations < 0:
        print("playground: error: --iterations must be at least 0", file=sys.stderr)
        return 2
    try:
        width, height = (int(n) for n in args.size.lower().split("x"))
    except ValueError:
        print(f"playground: error: --size must look like 1280x800, got {args.size!r}",
              file=sys.stderr)
        return 2
    problem = display_problem()
    if problem:
        print(NO_DISPLAY_HINT.format(reason=problem), file=sys.stderr)
        return 1
    from playground.ui.launch import run_app

    if args.lesson is not None:
        from playground.session.lessons import lessons

        if args.lesson not in lessons():
            print(f"playground: error: unknown lesson {args.lesson!r}; choose from "
                  f"{', '.join(lessons())}", file=sys.stderr)
            return 2
    return run_app(screenshot=args.screenshot, session=args.session, lesson=args.lesson,
                   iterations=args.iterations, size=(width, height),
                   report_shown=args.report_shown)
