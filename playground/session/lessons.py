"""Lesson presets: files in resources/lessons that set every control and say what to watch.

A lesson file is JSON: {"format": "playground-lesson", "version": 1, "title", "explanation",
"watch": [...], "iterations", "config": {RunConfig fields}, "instrument": the panel to show}.
Files are named NN-name.json; NN orders the Lessons menu and ``name`` is what
``playground train --preset`` takes.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from importlib import resources

from playground.session.config import RunConfig

LESSON_FORMAT = "playground-lesson"


@dataclass(frozen=True)
class Lesson:
    """A preset: its settings, a suggested number of iterations and what it teaches."""

    name: str
    title: str
    explanation: str
    watch: tuple[str, ...]
    iterations: int
    config: RunConfig
    instrument: str = ""       # the panel that shows the point: symmetry, gradients, …


def parse_lesson(name: str, text: str) -> Lesson:
    """Return the Lesson in ``text``; ValueError says what is wrong with it."""
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as error:
        raise ValueError(f"lesson {name}: not JSON ({error})") from None
    if not isinstance(doc, dict) or doc.get("format") != LESSON_FORMAT:
        raise ValueError(f"lesson {name}: not a playground lesson file")
    try:
        return Lesson(name=name, title=str(doc["title"]), explanation=str(doc["explanation"]),
                      watch=tuple(str(w) for w in doc["watch"]),
                      iterations=int(doc["iterations"]),
                      config=RunConfig.from_dict(doc["config"]),
                      instrument=str(doc.get("instrument", "")))
    except (KeyError, TypeError) as error:
        raise ValueError(f"lesson {name}: missing or malformed {error}") from None


@functools.cache
def lessons() -> dict[str, Lesson]:
    """Return every shipped lesson by name, in menu order."""
    folder = resources.files("playground.resources") / "lessons"
    found = {}
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".json"):
            name = entry.name.removesuffix(".json").split("-", 1)[-1]
            found[name] = parse_lesson(name, entry.read_text(encoding="utf-8"))
    return found


def lesson(name: str) -> Lesson:
    """Return the lesson called ``name``; ValueError lists the names there are."""
    available = lessons()
    if name not in available:
        raise ValueError(f"unknown preset {name!r}; choose from {', '.join(available)}")
    return available[name]
