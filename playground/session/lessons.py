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
    claims               what the text asserts at the stop: {kind: argument} (CLAIMS)
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
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from importlib import resources
from typing import Any, NamedTuple

import numpy as np

from playground.core.metrics import distinct_units, identical_tolerance
from playground.core.network import forward
from playground.session.config import RunConfig, make_trainer
from playground.session.loop import PACES
from playground.session.trainer import Trainer

LESSON_FORMAT = "playground-lesson"
LESSON_VERSION = 2
# The window's instrument panels a lesson may open (main_window.INSTRUMENT_TITLES).
INSTRUMENTS = ("symmetry", "gradients", "health", "gradcheck", "shapes")
# Fields a step may change and still play on: the window applies them without a reset.
PLAY_ON_FIELDS = frozenset({"learning_rate"})

LESSON_KEYS = {"format", "version", "title", "explanation", "watch", "stop", "pace",
               "config", "instrument", "claims", "next", "steps"}
STEP_KEYS = {"label", "say", "config", "stop", "pace", "claims", "reset"}


# -- the claims vocabulary ------------------------------------------------------------------
# Each kind reads its JSON argument into an immutable value (ValueError if malformed) and
# checks it against a Trainer paused at the stop, returning what is false ([] when true).
# Ranges are [low, high], both inclusive; layers are numbered as in the notes (1 = first
# hidden layer); maps keyed by layer or iteration are JSON objects {"1": …}.

@dataclass(frozen=True)
class ClaimKind:
    """A word of the claims vocabulary: what it asserts, how to read and check its argument."""

    name: str
    meaning: str
    parse: Callable[[Any], Any]
    check: Callable[[Trainer, Any], list[str]]


def _number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"expected a finite number, got {value!r}")
    return float(value)


def _count(value: Any, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise ValueError(f"expected an integer ≥ {low}, got {value!r}")
    return value


def _range(value: Any) -> tuple[float, float]:
    if not isinstance(value, list) or len(value) != 2:
        raise ValueError(f"expected a range [low, high], got {value!r}")
    low, high = _number(value[0]), _number(value[1])
    if low > high:
        raise ValueError(f"range [{low:g}, {high:g}] is empty")
    return low, high


def _flag(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"expected true or false, got {value!r}")
    return value


def _names(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise ValueError(f"expected a list of parameter names such as \"W1\", got {value!r}")
    return tuple(value)


def _keyed(low: int, read: Callable[[Any], Any]) -> Callable[[Any], tuple]:
    """Return a reader of {"k": value} (k an integer ≥ ``low``) into ((k, value), …)."""
    def parse(value: Any) -> tuple:
        if not isinstance(value, dict) or not value:
            raise ValueError(f"expected an object {{\"{low}\": …}}, got {value!r}")
        if not all(key.isdigit() and int(key) >= low for key in value):
            raise ValueError(f"keys must be integers ≥ {low}, got {list(value)}")
        return tuple((int(key), read(item)) for key, item in value.items())
    return parse


def _bug(value: Any) -> tuple[int, tuple[float, float], float | None]:
    keys = {"layer", "difference", "other_layers_below"}
    if not isinstance(value, dict) or not {"layer", "difference"} <= set(value) <= keys:
        raise ValueError("expected {\"layer\": l, \"difference\": [low, high], "
                         f"\"other_layers_below\": x (optional)}}, got {value!r}")
    other = value.get("other_layers_below")
    return (_count(value["layer"], 1), _range(value["difference"]),
            None if other is None else _number(other))


def _outside(what: str, value: Any, bounds: tuple[float, float]) -> list[str]:
    """Return [] if ``value`` is in [low, high], else what is wrong."""
    low, high = bounds
    if value is not None and low <= value <= high:
        return []
    shown = "none" if value is None else f"{value:.6g}"
    return [f"{what} is {shown}, outside [{low:g}, {high:g}]"]


def _equal(what: str, value: Any, expected: Any) -> list[str]:
    return [] if value == expected else [f"{what} is {value}, not {expected}"]


def _ranged(name: str, meaning: str, measure: Callable[[Trainer], Any]) -> ClaimKind:
    """Return the claim ``name``: [low, high] holds ``measure(trainer)``."""
    what = name.replace("_", " ")
    return ClaimKind(name, meaning, _range, lambda t, bounds: _outside(what, measure(t), bounds))


def _each(name: str, meaning: str, low: int, value_of: Callable[[Trainer, int], Any],
          read: Callable[[Any], Any] = _range,
          test: Callable[[str, Any, Any], list[str]] = _outside) -> ClaimKind:
    """Return the claim ``name``: {key: expected}, keys from ``low`` (layers from 1,
    iterations from 0), each tested against ``value_of(trainer, key)``, which is None where
    there is nothing to read (not a hidden layer; not kept in the histories)."""
    what, where = name.removesuffix("_at").replace("_", " "), ("layer", "iteration")[low == 0]

    def check(trainer: Trainer, pairs: tuple) -> list[str]:
        failures = []
        for key, expected in pairs:
            value, at = value_of(trainer, key), f"{what} at {where} {key}"
            failures += [f"no {at}"] if value is None else test(at, value, expected)
        return failures
    return ClaimKind(name, meaning, _keyed(low, read), check)


def _hidden(measure: Callable[[Trainer, int], Any]) -> Callable[[Trainer, int], Any]:
    """Return ``measure`` for hidden layers 1..L-1 only (None for any other layer)."""
    return lambda t, layer: measure(t, layer) if 1 <= layer < t.arch.L else None


def _cost_row(trainer: Trainer, iteration: int) -> float | None:
    return {int(i): J for i, J in trainer.cost_history()}.get(iteration)


def _norms_row(trainer: Trainer, iteration: int) -> np.ndarray | None:
    history = trainer.layer_history()
    found = np.flatnonzero(history["iteration"] == iteration)
    return history["grad_norm"][found[0]] if found.size else None


def _ratio_row(trainer: Trainer, iteration: int) -> float | None:
    row = _norms_row(trainer, iteration)
    return None if row is None else float(row[0] / row[-1])


def _norms_in(what: str, norms: np.ndarray, layers: tuple) -> list[str]:
    return [failure for layer, bounds in layers for failure in
            _outside(f"‖dW[{layer}]‖ ({what})", norms[layer - 1] if layer <= len(norms)
                     else None, bounds)]


def _parameters(names: tuple, trainer: Trainer, test: Callable[[np.ndarray], bool],
                what: str) -> list[str]:
    parameters = trainer.parameters
    return [f"{name}: not {what}" for name in names
            if name not in parameters or not test(parameters[name])]


def _below(what: str, value: float, bound: float) -> list[str]:
    return [] if value < bound else [f"{what} is {value:.3g}, not below {bound:g}"]


def _bug_check(trainer: Trainer, argument: tuple) -> list[str]:
    layer, bounds, other_below = argument
    result = trainer.check_gradients(bug_layer=layer)
    failures = _outside(f"the check with g′[{layer}] forgotten", result.difference, bounds)
    for l, difference in enumerate(result.layer_differences, start=1):
        if other_below is not None and l != layer:
            failures += _below(f"with g′[{layer}] forgotten, layer {l}", difference, other_below)
    return failures


def _forward(trainer: Trainer):
    return forward(trainer.train.X, trainer.parameters, trainer.arch)


def _distinct(trainer: Trainer, layer: int) -> int:
    return distinct_units(trainer.parameters[f"W{layer}"], trainer.parameters[f"b{layer}"])


CLAIMS: dict[str, ClaimKind] = {kind.name: kind for kind in (
    _ranged("cost", "J on the training set is in [low, high]", lambda t: t.cost()),
    _each("cost_at", "{iteration: [low, high]}: the J the cost history kept then", 0,
          _cost_row),
    _ranged("accuracy", "training accuracy (a share, 0..1) is in [low, high]",
            lambda t: t.train_accuracy()),
    ClaimKind("output_range", "every output a[L] on the training set is in [low, high]",
              _range, lambda t, r: [f for A in [_forward(t).A[t.arch.L]] for f in
                                    _outside("the lowest output", float(A.min()), r)
                                    + _outside("the highest output", float(A.max()), r)]),
    _each("distinct_units", "{layer: n}: the layer has n different units "
          "(metrics.distinct_units)", 1, _hidden(_distinct), lambda v: _count(v, 1), _equal),
    _each("unit_spread", "{layer: [low, high]}: the layer's unit spread; [0, 0] says the "
          "units are identical", 1, _hidden(lambda t, l: t.unit_spreads()[l - 1])),
    ClaimKind("equal_entries", "[name, …]: the parameter's entries are all the same (to "
              "metrics.identical_tolerance, as identical units are)", _names,
              lambda t, names: _parameters(names, t, lambda v: bool(np.all(
                  np.abs(v - v.flat[0]) <= identical_tolerance(v, v[:, :1]))), "all equal")),
    ClaimKind("parameters_zero", "[name, …]: every entry of the parameter is exactly 0",
              _names, lambda t, names: _parameters(names, t, lambda v: not v.any(), "all 0")),
    _each("saturated_fraction", "{layer: [low, high]}: share of saturated units "
          "(core.instruments)", 1, _hidden(lambda t, l: t.readings().saturated_fraction[l - 1])),
    _each("active_fraction", "{layer: [low, high]}: share of Z[layer] > 0 over units and "
          "examples", 1, _hidden(lambda t, l: float(np.mean(_forward(t).Z[l] > 0)))),
    _each("grad_norm_at", "{iteration: {layer: [low, high]}}: ‖dW[layer]‖ recorded then", 0,
          _norms_row, _keyed(1, _range), _norms_in),
    _each("grad_ratio_at", "{iteration: [low, high]}: ‖dW[1]‖ / ‖dW[L]‖ recorded then", 0,
          _ratio_row),
    ClaimKind("grad_norms_below", "every ‖dW[l]‖ of the current parameters is below x",
              _number, lambda t, x: [f for l, n in enumerate(t.readings().grad_norm, start=1)
                                     for f in _below(f"‖dW[{l}]‖", n, x)]),
    ClaimKind("diverged", "whether the run stopped on a non-finite cost", _flag,
              lambda t, flag: _equal("diverged", t.diverged, flag)),
    _ranged("diverged_at", "the run diverged at an iteration in [low, high]",
            lambda t: t.divergence.iteration if t.divergence else None),
    ClaimKind("gradcheck_below", "the gradient check of the backprop reads below x", _number,
              lambda t, x: _below("the gradient check", t.check_gradients().difference, x)),
    ClaimKind("bug_gradcheck", "{layer, difference: [low, high], other_layers_below}: with "
              "g′[layer] forgotten (backprop_with_bug) the check reads in the range, and "
              "every other layer's difference is below other_layers_below", _bug, _bug_check),
)}


class Claim(NamedTuple):
    """One assertion of a lesson's text: a kind of CLAIMS and its parsed argument."""

    kind: str
    argument: Any


def parse_claims(value: Any, where: str) -> tuple[Claim, ...]:
    """Return the claims of {kind: argument}; ValueError names the kind that is wrong."""
    if not isinstance(value, dict) or not value:
        raise ValueError(f"{where}: claims must be a non-empty object {{kind: argument}}")
    claims = []
    for kind, argument in value.items():
        if kind not in CLAIMS:
            raise ValueError(f"{where}: unknown claim {kind!r}; known claims: "
                             f"{', '.join(CLAIMS)}")
        try:
            claims.append(Claim(kind, CLAIMS[kind].parse(argument)))
        except (TypeError, ValueError, AttributeError) as error:
            raise ValueError(f"{where}: claim {kind!r}: {error}") from None
    return tuple(claims)


def check_claims(trainer: Trainer, claims: tuple[Claim, ...]) -> list[str]:
    """Return every failure of ``claims`` for ``trainer`` now ([] when all hold)."""
    return [failure for kind, argument in claims
            for failure in CLAIMS[kind].check(trainer, argument)]


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
    try:
        return _count(value, 1)
    except ValueError:
        raise ValueError(f"stop must be an iteration ≥ 1, got {value!r}") from None


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
