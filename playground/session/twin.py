"""Twin runs: two copies of one network on the same data and seed, in lock-step.

They differ only in what the learner picks (by default the initialisation: zeros against
random × 0.01), so any difference on screen is caused by that one choice. ``TwinRun`` is
a ``Run`` (``session/run.py``): the run loop drives it as it drives a single Trainer, and
``take_twin_snapshot`` makes its frames, a ``TwinSnapshot`` holding a Snapshot of each.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass

from playground.core.activations import ACTIVATIONS
from playground.core.datasets import Dataset
from playground.core.gradcheck import GradCheckResult
from playground.core.grid import Grid
from playground.core.initialization import INITS
from playground.core.numbers import format_number
from playground.core.optimizers import OPTIMIZERS
from playground.core.training import TRAINING_LABELS, TrainingOptions
from playground.session.config import RunConfig, load_data, trainer_for
from playground.session.divergence import Divergence
from playground.session.snapshot import RunState, Snapshot, take_snapshot

RUN_NAMES = ("A", "B")
#: The settings twin runs can differ in (``init_scale``: two random inits of other scales).
TWIN_FIELDS = ("init", "init_scale", "learning_rate", "activations", "hidden_layers",
               "optimizer", "batch_size", "l2", "keep_prob", "features")
#: Those of them that are course-2 training options.
TRAINING_FIELDS = ("optimizer", "batch_size", "l2", "keep_prob")
#: What the learner picks between, in words ("init_scale" is picked as an "init").
FIELD_LABELS = {"init": "initialisation", "learning_rate": "learning rate",
                "activations": "activation", "hidden_layers": "hidden layers",
                **{name: TRAINING_LABELS[name] for name in (*TRAINING_FIELDS, "features")}}
#: The values A and B start with when the learner picks a field.
DEFAULT_VALUES: dict[str, tuple[object, object]] = {
    "init": (("zeros", 0.01), ("random", 0.01)),
    "learning_rate": (0.1, 1.2),
    "activations": ("sigmoid", "tanh"),
    "hidden_layers": ((4,), (20,)),
    "optimizer": ("gd", "adam"),
    "batch_size": (None, 64),
    "l2": (0.0, 0.7),
    "keep_prob": (1.0, 0.8),
    "features": (("x1", "x2"), ("x1", "x2", "x1^2", "x2^2", "x1x2")),
}


def _names(names: tuple[str, ...]) -> str:
    return " / ".join(dict.fromkeys(ACTIVATIONS[a].label for a in names))


#: How each setting reads in a title: config -> "random × 0.01", "batch size 64", …
SETTING_TEXTS: dict[str, Callable[[RunConfig], str]] = {
    "init": lambda c: init_text(c.init, c.init_scale),
    "learning_rate": lambda c: f"learning rate {format_number(c.learning_rate)}",
    "activations": lambda c: f"{_names(c.activations) or 'no hidden'} units",
    "hidden_layers": lambda c: ("hidden layers " + "-".join(map(str, c.hidden_layers))
                                if c.hidden_layers else "no hidden layer"),
    "optimizer": lambda c: OPTIMIZERS[c.optimizer].label,
    "batch_size": lambda c: ("the whole set as one batch" if c.batch_size is None
                             else f"batch size {c.batch_size}"),
    "l2": lambda c: f"L2 λ = {format_number(c.l2)}",
    "keep_prob": lambda c: ("no dropout" if c.keep_prob == 1
                            else f"keep-prob {format_number(c.keep_prob)}"),
    "features": lambda c: "inputs " + ", ".join(c.features or ("x1", "x2")),
}
SETTING_TEXTS["init_scale"] = SETTING_TEXTS["init"]


@dataclass(frozen=True)
class TwinSetup:
    """The shared config and the one setting that differs: ``field`` = (value_a, value_b)."""

    config: RunConfig
    field: str = "init"
    values: tuple[object, object] = ("zeros", "random")

    def configs(self) -> tuple[RunConfig, RunConfig]:
        """Return the two runs' configs (validated)."""
        if self.field not in TWIN_FIELDS:
            raise ValueError(f"twin runs can differ in {', '.join(TWIN_FIELDS)}, "
                             f"not {self.field!r}")
        return tuple(self.config.replace(**self._changes(value)) for value in self.values)

    def _changes(self, value: object) -> dict[str, object]:
        """Return the RunConfig changes that give one run ``value`` of the field: an
        activation applies to every hidden layer; new hidden layers keep the first one's."""
        if self.field == "activations" and isinstance(value, str):
            return {"activations": (value,) * len(self.config.hidden_layers)}
        if self.field == "hidden_layers":
            activation = (self.config.activations or ("tanh",))[0]
            return {"hidden_layers": tuple(value), "activations": (activation,) * len(value)}
        return {self.field: value}


def twin_setup(base: RunConfig, field: str, value_a: object, value_b: object) -> TwinSetup:
    """Return the TwinSetup for runs differing in ``field`` (a key of FIELD_LABELS).

    Initialisation values are (name, scale) pairs: two inits of the same scheme that takes
    a scale differ in their scale (field "init_scale"); otherwise in the scheme (field
    "init"), sharing the scale of the one that takes it (if any). Activations apply to
    every hidden layer.
    """
    if field not in FIELD_LABELS:
        raise ValueError(f"twin runs can differ in {', '.join(FIELD_LABELS)}, not {field!r}")
    if field != "init":
        return TwinSetup(base, field, (value_a, value_b))
    (init_a, scale_a), (init_b, scale_b) = value_a, value_b
    if init_a == init_b and INITS[init_a].takes_scale:
        return TwinSetup(base.replace(init=init_a), "init_scale", (scale_a, scale_b))
    scale = (scale_a if INITS[init_a].takes_scale else scale_b if INITS[init_b].takes_scale
             else base.init_scale)
    return TwinSetup(base.replace(init_scale=scale), "init", (init_a, init_b))


def init_text(init: str, scale: float) -> str:
    """Return "zeros", "random × 0.01", "Xavier", … for an initialisation."""
    if INITS[init].takes_scale:
        return f"{init} × {format_number(scale)}"
    return INITS[init].label


def describe_run(setup: TwinSetup, run: int) -> str:
    """Return what run ``run`` (0 = A, 1 = B) uses of the setting that differs."""
    return SETTING_TEXTS[setup.field](setup.configs()[run])


def describe_common(setup: TwinSetup, snapshot: Snapshot) -> str:
    """Return one line on what the runs share: data, network, seed (and what differs)."""
    c = setup.config
    varied = {setup.field, "init_scale" if setup.field == "init" else setup.field}
    if setup.field == "init_scale":
        varied.add("init")
    shared = [f"data {c.data_path or c.dataset} (m = {snapshot.train.m})", f"seed {c.seed}"]
    if not varied & {"hidden_layers", "features"}:
        shared.append("network " + "-".join(map(str, snapshot.arch.layer_dims)))
    for name in ("learning_rate", "activations", "init", "optimizer", "batch_size", "l2",
                 "keep_prob", "features"):
        default = getattr(RunConfig, name, None)
        if name not in varied and (name in ("learning_rate", "init") or
                                   (name == "activations" and c.activations) or
                                   getattr(c, name) != default):
            shared.append(SETTING_TEXTS[name](c))
    what = "initialisation" if setup.field == "init_scale" else FIELD_LABELS[setup.field]
    return f"Same {', '.join(shared)} — only the {what} differs."


class TwinRun:
    """Two Trainers sharing one dataset, advanced together: a ``Run`` for the loop.

    ``start`` = ((parameters, iteration) of A, of B) continues two runs instead of drawing
    them from the seed.
    """

    def __init__(self, setup: TwinSetup, start: tuple[tuple[dict, int], ...] | None = None
                 ) -> None:
        config_a, config_b = setup.configs()
        train, test = load_data(config_a)            # the data is drawn once and shared
        self.setup = setup
        self.notes = ["", ""]                        # what happened to one run alone
        starts = start or ((None, 0), (None, 0))
        self.trainers = tuple(
            trainer_for(c, train, test, **({} if parameters is None else
                                           {"parameters": parameters, "iteration": iteration}))
            for c, (parameters, iteration) in zip((config_a, config_b), starts))

    @property
    def train(self) -> Dataset:
        return self.trainers[0].train

    @property
    def test(self) -> Dataset | None:
        return self.trainers[0].test

    @property
    def shown_train(self) -> Dataset:        # the same raw data under both runs' inputs
        return self.trainers[0].shown_train

    @property
    def shown_test(self) -> Dataset | None:
        return self.trainers[0].shown_test

    def run(self, iterations: int) -> int:
        """Step both runs ``iterations`` times in lock-step (until either diverges).

        A runs first, then B as far as A got; if B diverged sooner, A is rewound and
        replays only as far as B got, so both always stand at the same iteration.
        """
        if self.diverged:
            return 0
        a, b = self.trainers
        start, mark = a.iteration, a.checkpoint()
        done = b.run(a.run(iterations))
        if a.iteration - start > done:
            a.rewind(mark)
            a.run(done)
        return done

    @property
    def iteration(self) -> int:
        return min(t.iteration for t in self.trainers)

    @property
    def diverged_runs(self) -> tuple[bool, ...]:
        return tuple(t.diverged for t in self.trainers)

    @property
    def diverged(self) -> bool:
        return any(self.diverged_runs)

    @property
    def divergence(self) -> Divergence | None:
        """The first run's divergence, if any run diverged."""
        return next((t.divergence for t in self.trainers if t.diverged), None)

    def reset(self) -> None:
        """Both runs back to iteration 0, re-drawn from their seed."""
        for trainer in self.trainers:
            trainer.reset()
        self.notes = ["", ""]

    def set_learning_rate(self, learning_rate: float) -> None:
        """Use ``learning_rate`` in both runs (refused when they differ in it)."""
        if self.setup.field == "learning_rate":
            raise ValueError("the twin runs differ in the learning rate: set A's and B's")
        for trainer in self.trainers:
            trainer.set_learning_rate(learning_rate)

    def set_options(self, options: TrainingOptions) -> str:
        """Use ``options`` in both runs (refused when they differ in a course-2 setting)."""
        if self.setup.field in TRAINING_FIELDS:
            raise ValueError(f"the twin runs differ in the {self.setup.field}: set A's and B's")
        said = [trainer.set_options(options) for trainer in self.trainers]
        return said[0]

    def break_symmetry(self, layer: int, size: float, which: int = 0) -> None:
        """Add noise of ``size`` to W[layer] of run ``which`` (0 = A, 1 = B) only."""
        if which not in (0, 1):
            raise ValueError(f"twin runs are A (0) and B (1), not {which}")
        self.trainers[which].break_symmetry(layer, size)
        self.notes[which] = (f"Added noise of size {size:g} to W[{layer}] of run "
                             f"{RUN_NAMES[which]} only.")

    def check_gradients(self, bug_layer: int = 0) -> GradCheckResult:
        raise ValueError("the gradient check is for a single run: use the main window")

    def set_weight(self, layer: int, row: int, column: int, value: float) -> float:
        raise ValueError("twin runs start from the same weights: edit one in the main window")

    def refusal(self) -> str:
        """Return which run diverged, and what to do."""
        names = " and ".join(name for name, gone in zip(RUN_NAMES, self.diverged_runs) if gone)
        return f"Run {names} diverged. Reset to start again."


@dataclass(frozen=True)
class TwinSnapshot:
    """One frame of the twin runs: a Snapshot of each, taken at the same moment."""

    a: Snapshot
    b: Snapshot
    setup: TwinSetup
    message: str = ""

    @property
    def runs(self) -> tuple[Snapshot, Snapshot]:
        return self.a, self.b

    @property
    def state(self) -> RunState:
        return self.a.state

    @property
    def run_id(self) -> int:
        return self.a.run_id

    @property
    def iteration(self) -> int:
        return min(self.a.iteration, self.b.iteration)

    @property
    def diverged(self) -> bool:
        return self.a.diverged or self.b.diverged

    @property
    def settings(self) -> TwinSetup:
        """What the runs were made from (as the loop's ``settings``)."""
        return self.setup

    def without_data(self) -> TwinSnapshot:
        return dataclasses.replace(self, a=self.a.without_data(), b=self.b.without_data())

    def with_data(self, train: Dataset, test: Dataset | None, grid: Grid | None
                  ) -> TwinSnapshot:
        return dataclasses.replace(self, a=self.a.with_data(train, test, grid),
                                   b=self.b.with_data(train, test, grid))

    def restart(self) -> tuple[TwinRun, Callable[..., TwinSnapshot]]:
        """Return twin runs that go on from this frame, and the function making their frames."""
        start = tuple((dict(s.parameters), s.iteration) for s in self.runs)
        return TwinRun(self.setup, start=start), take_twin_snapshot


def take_twin_snapshot(twin: TwinRun, *, message: str = "", settings: object = None,
                       **options) -> TwinSnapshot:
    """Return a frame of both runs (``options`` as for ``take_snapshot``); ``message`` is
    the pair's, each run's own note (a symmetry break) is kept by the run."""
    a, b = (take_snapshot(trainer, message=note, settings=config, **options)
            for trainer, note, config in zip(twin.trainers, twin.notes,
                                             twin.setup.configs()))
    return TwinSnapshot(a, b, twin.setup, message)
