"""Entry point: ``playground`` (the GUI) or ``playground train|gradcheck|bench …``."""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Sequence

from playground.cli import SUBCOMMANDS

# One BLAS thread: playground's matrices are small, so more threads only add hand-over
# costs, and the second core is the window's. Set before NumPy is first imported; an
# explicit setting in the environment wins.
for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")


def main(argv: Sequence[str] | None = None) -> int:
    """Dispatch to the CLI for a subcommand, else start the desktop app."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] in SUBCOMMANDS:
        from playground.cli.dispatch import main as run_command
        try:
            return run_command(args)
        except BrokenPipeError:
            return _reader_left()
    from playground import app
    return app.main(args)


def _reader_left() -> int:
    """The reader of stdout went away (``playground train … | head``): stop quietly, as
    command-line tools do, instead of a traceback (Python's exit flush must not retry),
    with the status a shell gives a tool that SIGPIPE stopped: the work was not finished."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    return 128 + int(getattr(signal, "SIGPIPE", 13))


if __name__ == "__main__":
    sys.exit(main())
