"""Twin runs: two copies of one network on the same data and seed, in lock-step.

They differ only in what the learner picks (by default the initialisation: zeros against
random × 0.01), so any difference on screen is caused by that one choice.
"""

from __future__ import annotations

from dataclasses import dataclass

from playground.core.datasets import Dataset
from playground.session.config import RunConfig, architecture_for, load_data
from playground.session.snapshot import Snapshot, take_snapshot
from playground.session.trainer import Divergence, Trainer, run_for

TWIN_FIELDS = ("init", "init_scale", "learning_rate", "activations")


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
        a, b = self.values
        if self.field == "activations":
            n = len(self.config.hidden_layers)
            a, b = (a,) * n if isinstance(a, str) else a, (b,) * n if isinstance(b, str) else b
        return self.config.replace(**{self.field: a}), self.config.replace(**{self.field: b})


class TwinRun:
    """Two Trainers sharing one dataset, advanced together.

    It offers the part of Trainer's interface that a worker drives (``run``, ``run_for``,
    ``iteration``, ``diverged``, ``divergence``, ``reset``), so that it can live in a
    training process of its own (``playground.session.remote``) just as a Trainer does.
    ``start`` = ((parameters, iteration) of A, of B) continues two runs instead of drawing
    them from the seed.
    """

    def __init__(self, setup: TwinSetup, start: tuple[tuple[dict, int], ...] | None = None
                 ) -> None:
        config_a, config_b = setup.configs()
        train, test = load_data(config_a)            # the data is drawn once and shared
        self.setup = setup
        starts = start or ((None, 0), (None, 0))
        self.trainers = tuple(
            Trainer(architecture_for(c, train), train, test, init=c.init,
                    init_scale=c.init_scale, seed=c.seed, learning_rate=c.learning_rate,
                    parameters=parameters, iteration=iteration)
            for c, (parameters, iteration) in zip((config_a, config_b), starts))

    @property
    def train(self) -> Dataset:
        return self.trainers[0].train

    @property
    def test(self) -> Dataset | None:
        return self.trainers[0].test

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

    def run_for(self, seconds: float, max_iterations: int) -> int:
        """Run both in lock-step for about ``seconds``, at most ``max_iterations`` steps."""
        return run_for(self, seconds, max_iterations)

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

    def reset(self, seed: int | None = None) -> None:
        """Both runs back to iteration 0, re-drawn from their seed (or from ``seed``)."""
        for trainer in self.trainers:
            trainer.reset(seed)

    def break_symmetry(self, run: int, layer: int, size: float) -> None:
        """Add noise of ``size`` to W[layer] of run ``run`` (0 = A, 1 = B) only."""
        self.trainers[run].break_symmetry(layer, size)


def take_twin_snapshots(twin: TwinRun, messages: tuple[str, str], **options
                        ) -> tuple[Snapshot, Snapshot]:
    """Return a snapshot of each run (``options`` as for ``take_snapshot``)."""
    return tuple(take_snapshot(trainer, message=message, **options)
                 for trainer, message in zip(twin.trainers, messages))
