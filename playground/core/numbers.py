"""Numbers as a learner types and reads them: the shortest text that reads back exactly."""

from __future__ import annotations

import math


def format_number(value: float) -> str:
    """Return the shortest text that reads back as ``value``: 1.2, 0.01, 0.0003, 3e-5."""
    text = repr(float(value))
    if text.endswith(".0"):
        text = text[:-2]
    if "e" in text:
        mantissa, exponent = text.split("e")
        text = f"{mantissa}e{int(exponent)}"
    return text


def parse_number(text: str) -> float | None:
    """Return the finite number in ``text`` (a decimal comma is accepted), or None."""
    try:
        value = float(text.strip().replace(",", "."))
    except ValueError:
        return None
    return value if math.isfinite(value) else None
