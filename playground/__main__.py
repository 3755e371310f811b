"""Entry point: ``playground`` (the GUI) or ``playground train|gradcheck|bench …``."""

from __future__ import annotations

import sys
from collections.abc import Sequence

SUBCOMMANDS = ("train", "gradcheck", "bench")


def main(argv: Sequence[str] | None = None) -> int:
    """Dispatch to the CLI for a subcommand, else start the desktop app."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] in SUBCOMMANDS:
        from playground import cli
        return cli.main(args)
    from playground import app
    return app.main(args)


if __name__ == "__main__":
    sys.exit(main())
