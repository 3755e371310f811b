"""What the command-line tests share: run ``playground`` in this process, with its output
caught by pytest's ``capsys``."""

from __future__ import annotations

import json

from playground.cli.dispatch import main


def run(capsys, *args: str) -> tuple[int, str, str]:
    """Return (exit code, stdout, stderr) of ``playground *args``."""
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def run_json(capsys, *args: str) -> tuple[int, dict | None, str]:
    """Return (exit code, the --json report or None when nothing was printed, stderr)."""
    code, out, err = run(capsys, *args, "--json")
    return code, json.loads(out) if out else None, err
