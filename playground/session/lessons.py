"""Lessons: files in resources/lessons that set every control, pause where their text
speaks, and list what their text asserts there, in words a test can check.

A lesson file is JSON, ``{"format": "playground-lesson", "version": 2, …}``:

    title, explanation   what the lesson shows and why (text for the lesson panel)
    watch                the checklist: short items a learner ticks off
    stop                 the iteration where the run pauses (≥ 1)
    pace                 iterations per second it plays at, one of ``loop.PACES``;
                         null = as fast as the machine goes
    config               RunConfig fields (``RunConfig.from_dict``)
    instrument           the panel to open: one of INSTRUMENTS, or absent
    claims               what the text asserts at the stop: {kind: argument}, kinds
                         from the vocabulary CLAIMS (``session/claims.py``)
    next | steps         optional one-click next step, or a list of them offered in turn

A step: ``{"label": the button, "say": what to watch after it, "config": the RunConfig
fields it changes on the previous stage's, "stop", "pace", "claims", "reset"}``. By
default it resets (the window re-draws the parameters and plays from 0 to ``stop``, by
default the previous stop); ``"reset": false`` plays on from the pause to a later stop,
which only a learning-rate change allows. ``pace`` defaults to the previous stage's.
Every stage has claims, so the text is true wherever the window pauses. Files are named
NN-name.json: NN orders the Lessons menu; ``name`` is what ``--lesson``/``--preset`` take.
"""

from __future__ import annotations

import dataclasses
import functools
import json
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources
from typing import Any

from playground.session.claims import (  # noqa: F401 (CLAIMS and Claim: read from here too)
    CLAIMS,
    Claim,
    check_claims,
    parse_claims,
)
from playground.session.config import RunConfig, make_trainer
from playground.session.loop import PACES
from playground.session.trainer import Trainer

LESSON_FORMAT = "playground-lesson"
LESSON_VERSION = 2
# The window's instrument panels a lesson may open (ui/panels.py INSTRUMENT_TITLES).
INSTRUMENTS = ("symmetry", "gradients", "health", "gradcheck", "shapes")
# Fields a step may change and still play on: the window applies them without a reset.
PLAY_ON_FIELDS = frozenset({"learning_rate"})

LESSON_KEYS = {"format", "version", "title", "explanation", "watch", "stop", "pace",
               "config", "instrument", "claims", "next", "steps"}
STEP_KEYS = {"label", "say", "config", "stop", "pace", "claims", "reset"}


# -- lessons and their steps ----------------------------------------------------------------

@dataclass(frozen=True)
class Step:
    """One stage of a lesson: its settings, where it pauses, its pace and what is true there.

    ``changes`` are the RunConfig fields the click sets (() for a lesson's first stage);
    ``config`` is the whole configuration after it. ``reset``: the click starts a new run;
    otherwise the run plays on from the previous stop.
    """

    label: str
    say: str
    changes: tuple[tuple[str, Any], ...]
    config: RunConfig
    stop: int
    pace: float | None
    claims: tuple[Claim, ...]
    reset: bool = True


@dataclass(frozen=True)
class Lesson:
    """A lesson: settings, stop, pace, what to watch, what is true at the stop, next steps."""

    name: str
    title: str
    explanation: str
    watch: tuple[str, ...]
    stop: int
    pace: float | None
    config: RunConfig
    instrument: str = ""       # the panel that shows the point: symmetry, gradients, …
    claims: tuple[Claim, ...] = ()
    steps: tuple[Step, ...] = ()

    @property
    def iterations(self) -> int:
        """Return the stop: what ``playground train --preset`` runs by default."""
        return self.stop

    @property
    def next(self) -> Step | None:
        """Return the first one-click next step, or None."""
        return self.steps[0] if self.steps else None

    def stages(self) -> tuple[Step, ...]:
        """Return the lesson's own stage (label "", no changes) followed by its steps."""
        first = Step("", "", (), self.config, self.stop, self.pace, self.claims)
        return (first, *self.steps)


def _text(value: Any, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{what} must be non-empty text, got {value!r}")
    return value


def _stop(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"stop must be an iteration ≥ 1, got {value!r}")
    return value


def _pace(value: Any) -> float | None:
    if value is not None and (isinstance(value, bool) or value not in PACES):
        listed = ", ".join(str(p) for p in PACES if p is not None)
        raise ValueError(f"pace must be one of {listed} (iterations a second) or null "
                         f"(full speed), got {value!r}")
    return value


def _require(doc: dict, keys: tuple[str, ...], allowed: set[str], where: str) -> None:
    unknown = sorted(set(doc) - allowed)
    if unknown:
        raise ValueError(f"{where}: unknown field(s) {', '.join(unknown)}")
    missing = [key for key in keys if key not in doc]
    if missing:
        raise ValueError(f"{where}: missing {', '.join(missing)}")


def _config(fields: Any, where: str) -> RunConfig:
    try:
        return RunConfig.from_dict(fields)
    except ValueError as error:
        raise ValueError(f"{where}: {error}") from None


def parse_step(doc: Any, where: str, previous: Step) -> Step:
    """Return the step in ``doc``, which follows ``previous``; ValueError says what is wrong."""
    if not isinstance(doc, dict):
        raise ValueError(f"{where}: a step must be an object")
    _require(doc, ("label", "say", "claims"), STEP_KEYS, where)
    changes = doc.get("config", {})
    if not isinstance(changes, dict):
        raise ValueError(f"{where}: config must be an object of RunConfig fields")
    config = _config({**previous.config.to_dict(), **changes}, where)
    reset = doc.get("reset", True)
    if not isinstance(reset, bool):
        raise ValueError(f"{where}: reset must be true or false, got {reset!r}")
    try:
        stop = _stop(doc["stop"]) if "stop" in doc else previous.stop
        pace = _pace(doc["pace"]) if "pace" in doc else previous.pace
    except ValueError as error:
        raise ValueError(f"{where}: {error}") from None
    if not reset:
        if set(changes) - PLAY_ON_FIELDS:
            raise ValueError(f"{where}: a step that plays on (reset false) may change only "
                             f"{', '.join(sorted(PLAY_ON_FIELDS))}, not "
                             f"{', '.join(sorted(set(changes) - PLAY_ON_FIELDS))}")
        if stop <= previous.stop:
            raise ValueError(f"{where}: a step that plays on needs a stop after "
                             f"{previous.stop}, got {stop}")
    return Step(_text(doc["label"], f"{where}: label"), _text(doc["say"], f"{where}: say"),
                tuple((key, tuple(value) if isinstance(value, list) else value)
                      for key, value in changes.items()), config, stop,
                pace, parse_claims(doc["claims"], where), reset)


def parse_lesson(name: str, text: str) -> Lesson:
    """Return the Lesson in ``text``; ValueError says what is wrong with it."""
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as error:
        raise ValueError(f"lesson {name}: not JSON ({error})") from None
    if not isinstance(doc, dict) or doc.get("format") != LESSON_FORMAT:
        raise ValueError(f"lesson {name}: not a playground lesson file")
    if doc.get("version") != LESSON_VERSION:
        raise ValueError(f"lesson {name}: version {doc.get('version')!r} is not supported "
                         f"(this playground reads version {LESSON_VERSION})")
    where = f"lesson {name}"
    _require(doc, ("title", "explanation", "watch", "stop", "pace", "config", "claims"),
             LESSON_KEYS, where)
    watch = doc["watch"]
    if not isinstance(watch, list) or not watch:
        raise ValueError(f"{where}: watch must be a non-empty list of checklist items")
    instrument = doc.get("instrument", "")
    if instrument and instrument not in INSTRUMENTS:
        raise ValueError(f"{where}: unknown instrument {instrument!r}; choose from "
                         f"{', '.join(INSTRUMENTS)}")
    try:
        stop, pace = _stop(doc["stop"]), _pace(doc["pace"])
        lesson = Lesson(name=name, title=_text(doc["title"], "title"),
                        explanation=_text(doc["explanation"], "explanation"),
                        watch=tuple(_text(item, "a watch item") for item in watch), stop=stop,
                        pace=pace, config=_config(doc["config"], "config"),
                        instrument=instrument, claims=parse_claims(doc["claims"], "claims"))
    except ValueError as error:
        raise ValueError(f"{where}: {error}") from None
    return dataclasses.replace(lesson, steps=_parse_steps(doc, where, lesson.stages()[0]))


def _parse_steps(doc: dict, where: str, first: Step) -> tuple[Step, ...]:
    """Return the steps of ``next`` (one) or ``steps`` (a list), each after the one before."""
    if "next" in doc and "steps" in doc:
        raise ValueError(f"{where}: give either next or steps, not both")
    if "steps" in doc and (not isinstance(doc["steps"], list) or not doc["steps"]):
        raise ValueError(f"{where}: steps must be a non-empty list of steps")
    raw = [doc["next"]] if "next" in doc else doc.get("steps", [])
    steps, previous = [], first
    for number, item in enumerate(raw, start=1):
        previous = parse_step(item, f"{where}, step {number}", previous)
        steps.append(previous)
    return tuple(steps)


LESSON_INDEX = "index.json"


@functools.cache
def lessons() -> dict[str, Lesson]:
    """Return every shipped lesson by name, in menu order: the files ``index.json`` lists
    (``NN-name.json``), and only those, so that a lesson file an older install left in
    the package folder is never read."""
    folder = resources.files("playground.resources") / "lessons"
    index = json.loads((folder / LESSON_INDEX).read_text(encoding="utf-8"))
    found = {}
    for file_name in index["lessons"]:
        name = file_name.removesuffix(".json").split("-", 1)[-1]
        found[name] = parse_lesson(name, (folder / file_name).read_text(encoding="utf-8"))
    return found


def lesson(name: str) -> Lesson:
    """Return the lesson called ``name``; ValueError lists the names there are."""
    available = lessons()
    if name not in available:
        raise ValueError(f"unknown preset {name!r}; choose from {', '.join(available)}")
    return available[name]


# -- playing a lesson headless --------------------------------------------------------------

def play(lesson: Lesson) -> Iterator[tuple[Step, Trainer]]:
    """Yield each stage of ``lesson`` with a Trainer run to its stop, as the window plays
    it: a stage that resets starts a new run from its config; one that plays on takes its
    learning rate and continues the same run."""
    trainer: Trainer | None = None
    for stage in lesson.stages():
        if stage.reset or trainer is None:
            trainer = make_trainer(stage.config)
        elif stage.config.learning_rate != trainer.learning_rate:
            trainer.set_learning_rate(stage.config.learning_rate)
        trainer.run(stage.stop - trainer.iteration)
        yield stage, trainer


def check_lesson(lesson: Lesson) -> list[str]:
    """Return every claim of ``lesson`` that is false where it pauses ([] when all hold)."""
    failures = []
    for number, (stage, trainer) in enumerate(play(lesson)):
        where = lesson.name if number == 0 else f"{lesson.name}, step {number} ({stage.label})"
        failures += [f"{where}, iteration {trainer.iteration}: {failure}"
                     for failure in check_claims(trainer, stage.claims)]
    return failures
