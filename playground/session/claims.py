"""The claims vocabulary of lessons: what a lesson's text asserts where it pauses, in words
a test can check against a Trainer paused there.

Each kind reads its JSON argument into an immutable value (ValueError if malformed) and
checks it against the Trainer, returning what is false ([] when true). Ranges are
[low, high], both inclusive; layers are numbered as in the notes (1 = first hidden layer);
maps keyed by layer, iteration or epoch are JSON objects {"1": …}. Claims on the histories
read what the Trainer kept: every iteration (every epoch) until a history fills, then
evenly thinned (``History``), so a key must be one it kept.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

from playground.core.metrics import distinct_units, identical_tolerance
from playground.core.network import forward
from playground.session.trainer import Trainer


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


def _ranged(name: str, meaning: str, measure: Callable[[Trainer], Any],
            what: str = "") -> ClaimKind:
    """Return the claim ``name``: [low, high] holds ``measure(trainer)`` (failures name
    it ``what``, by default the name in words)."""
    what = what or name.replace("_", " ")
    return ClaimKind(name, meaning, _range, lambda t, bounds: _outside(what, measure(t), bounds))


def _each(name: str, meaning: str, low: int, value_of: Callable[[Trainer, int], Any],
          read: Callable[[Any], Any] = _range,
          test: Callable[[str, Any, Any], list[str]] = _outside,
          what: str = "", where: str = "") -> ClaimKind:
    """Return the claim ``name``: {key: expected}, keys from ``low`` (layers and epochs from
    1, iterations from 0), each tested against ``value_of(trainer, key)``, which is None
    where there is nothing to read (not a hidden layer; not kept in the histories).
    Failures read "{what} {where} {key}": by default "cost at iteration 5"."""
    what = what or name.removesuffix("_at").replace("_", " ")
    where = where or ("at layer", "at iteration")[low == 0]

    def check(trainer: Trainer, pairs: tuple) -> list[str]:
        failures = []
        for key, expected in pairs:
            value, at = value_of(trainer, key), f"{what} {where} {key}"
            failures += [f"no {at}"] if value is None else test(at, value, expected)
        return failures
    return ClaimKind(name, meaning, _keyed(low, read), check)


def _hidden(measure: Callable[[Trainer, int], Any]) -> Callable[[Trainer, int], Any]:
    """Return ``measure`` for hidden layers 1..L-1 only (None for any other layer)."""
    return lambda t, layer: measure(t, layer) if 1 <= layer < t.arch.L else None


def _cost_row(trainer: Trainer, iteration: int) -> float | None:
    return {int(i): J for i, J in trainer.cost_history()}.get(iteration)


def _epoch_row(trainer: Trainer, epoch: int) -> float | None:
    return {int(e): J for e, J in trainer.epoch_history()}.get(epoch)


def _test_row(trainer: Trainer, iteration: int) -> float | None:
    return {int(i): J for i, J in trainer.test_history()}.get(iteration)


def _steps_from(trainer: Trainer, iteration: int) -> np.ndarray | None:
    """Return ΔJ between consecutive costs the cost history kept from ``iteration`` on (to
    the stop), or None if it kept fewer than two there."""
    rows = trainer.cost_history()
    J = rows[rows[:, 0] >= iteration, 1]
    return np.diff(J) if len(J) >= 2 else None


def _rises_from(trainer: Trainer, iteration: int) -> float | None:
    steps = _steps_from(trainer, iteration)
    return None if steps is None else float(np.mean(steps > 0))


def _jump_from(trainer: Trainer, iteration: int) -> float | None:
    steps = _steps_from(trainer, iteration)
    return None if steps is None else float(np.mean(np.abs(steps)))


def _lowest_test_cost_at(trainer: Trainer) -> float | None:
    rows = trainer.test_history()
    return None if not len(rows) else float(rows[np.argmin(rows[:, 1]), 0])


def _bounds_by_name(value: Any) -> tuple[tuple[str, tuple[float, float]], ...]:
    if not isinstance(value, dict) or not value:
        raise ValueError(f"expected {{\"W1\": [low, high], …}}, got {value!r}")
    return tuple((str(name), _range(bounds)) for name, bounds in value.items())


def _entries_in(trainer: Trainer, pairs: tuple) -> list[str]:
    parameters, failures = trainer.parameters, []
    for name, bounds in pairs:
        if name not in parameters:
            failures.append(f"no parameter {name}")
            continue
        value = parameters[name]
        failures += (_outside(f"the lowest entry of {name}", float(value.min()), bounds)
                     + _outside(f"the highest entry of {name}", float(value.max()), bounds))
    return failures


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
    ClaimKind("epochs", "the run has made n passes through the training set (epochs)",
              lambda v: _count(v, 0), lambda t, n: _equal("epochs completed", t.epoch, n)),
    _each("epoch_cost_at", "{epoch: [low, high]}: the full training J the epoch history "
          "kept after that epoch", 1, _epoch_row, what="epoch cost", where="after epoch"),
    _each("cost_rises_from", "{iteration: [low, high]}: the share of the steps between "
          "costs the cost history kept from that iteration to the stop on which J rose", 0,
          _rises_from, what="share of rises of J", where="from iteration"),
    _each("cost_jump_from", "{iteration: [low, high]}: the mean |ΔJ| between consecutive "
          "costs the cost history kept from that iteration to the stop (how noisy it is)",
          0, _jump_from, what="mean |ΔJ|", where="from iteration"),
    _ranged("test_cost", "J on the test set (no penalty) is in [low, high]",
            lambda t: t.test_cost()),
    _each("test_cost_at", "{iteration: [low, high]}: the test J the test history kept "
          "then", 0, _test_row),
    _ranged("test_cost_lowest_at", "the test history kept its lowest J at an iteration in "
            "[low, high]", _lowest_test_cost_at, "the iteration of the lowest test J"),
    _ranged("test_accuracy", "test accuracy (a share, 0..1) is in [low, high]",
            lambda t: t.test_accuracy()),
    _ranged("weight_norm", "√Σ‖W[l]‖²_F, what L2 keeps small, is in [low, high]",
            lambda t: t.weight_norm()),
    ClaimKind("entries_in", "{name: [low, high], …}: every entry of the parameter is in "
              "the range", _bounds_by_name, _entries_in),
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

