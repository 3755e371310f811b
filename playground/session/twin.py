"""Twin runs: two copies of one network on the same data and seed, in lock-step.

They differ only in what the learner picks (by default the initialisation: zeros against
random × 0.01), so any difference on screen is caused by that one choice.
"""

from __future__ import annotations

from dataclasses import dataclass

from playground.session.config import RunConfig, architecture_for, load_data
from playground.session.trainer import Trainer

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
    """Two Trainers sharing one dataset, advanced together."""

    def __init__(self, setup: TwinSetup) -> None:
        config_a, config_b = setup.configs()
        train, test = load_data(config_a)            # the data is drawn once and shared
        self.setup = setup
        self.trainers = tuple(
            Trainer(architecture_for(c, train), train, test, init=c.init,
                    init_scale=c.init_scale, seed=c.seed, learning_rate=c.learning_rate)
            for c in (config_a, config_b))

    def run(self, iterations: int) -> int:
        """Step both runs ``iterations`` times in lock-step (until either diverges)."""
        done = 0
        for _ in range(iterations):
            if any(t.diverged for t in self.trainers):
                break
            for trainer in self.trainers:
                trainer.run(1)
            done += 1
        return done

    @property
    def iteration(self) -> int:
        return min(t.iteration for t in self.trainers)
