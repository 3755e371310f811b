"""The desktop app's entry point (the main window arrives with the GUI issue)."""

from __future__ import annotations

import sys
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    """Start the GUI; until it exists, say so and point to the CLI."""
    print("The playground window is not built yet. Meanwhile the engine runs from the "
          "command line:\n  playground train --help\n  playground gradcheck --help",
          file=sys.stderr)
    return 0
