"""The immutable picture of a run: the only thing about a run that reaches the window.

Every array in a Snapshot is a fresh copy marked read-only, so the window can keep and
draw it while the run trains on. Building one is the run loop's job (``take_snapshot``,
``session/loop.py``) and happens only when a frame is due, never per iteration.
"""

from __future__ import annotations

import dataclasses
import enum
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np

from playground.core.datasets import Dataset
from playground.core.grid import Grid, grid_activations, make_grid
from playground.core.instruments import UnitStats
from playground.core.network import Architecture
from playground.session.config import RunConfig, make_trainer, trainer_for
from playground.session.divergence import Divergence, quiet
from playground.session.trainer import Trainer


class RunState(enum.Enum):
    """The run's lifecycle, owned by the run loop: idle → running ⇄ paused → stopping."""

    IDLE = "idle"
    RUNNING = "running"
    PAUSED = "paused"
    STOPPING = "stopping"


# The maps over the grid are only drawn: single precision is exact to the pixel and halves
# what a snapshot carries from the training process (50,000 values for 2-4-1).
MAP_DTYPE = np.float32


def _frozen(a: np.ndarray) -> np.ndarray:
    copy = np.array(a, dtype=float, copy=True)     # always a fresh array, never a view
    copy.setflags(write=False)
    return copy


@dataclass(frozen=True)
class Snapshot:
    """One frame of a run.

    parameters : W[l] (n[l], n[l-1]) and b[l] (n[l], 1) copies, read-only.
    outputs    : A[L] over ``grid`` — (n_y, r, r) for 2-D data, (n_y, r) for 1-D — or None.
    unit_maps  : A[l] over ``grid`` for each hidden layer, (n[l], r, r) or (n[l], r).
                 Both are float32 (``MAP_DTYPE``): pictures, half the bytes to send.
    cost_history, test_cost_history : (k, 2) rows [iteration, cost], thinned evenly, at
                 the same iterations ((0, 2) for the test without a test set).
    layer_history : the instruments' series (see Trainer.layer_history): "iteration" (k,),
                 "unit_spread", "dead_fraction", "saturated_fraction" (k, L−1),
                 "grad_norm", "grad_ratio" (k, L).
    train, test : the run's data (immutable); ``run_id`` changes whenever the run is reset.
                 Frames travel without them (``without_data``): the window puts them back.
    unit_stats : per hidden layer, what each unit does on the training set: Z and A
                 ranges, saturated or dead, and which units are identical (``UnitStats``).
    rate_changes : (iteration, learning rate) of each change of the learning rate during
                 the run, for markers on the cost curve.
    features   : the names of the network's inputs (x1, x2, x1^2, …): n_x of them. ``train``
                 and ``test`` hold the raw points the pictures draw; the maps are over the
                 raw plane too.
    epoch, epoch_history : epochs completed, and rows [epoch, full training J after it]
                 (with mini-batches; with the whole set as one batch, the cost history's).
    batch_size : B, the examples per update (m for plain gradient descent).
    batches_per_epoch : updates per epoch (⌈m/B⌉).
    noisy_cost : the J recorded at each iteration is one mini-batch's, or a dropped-out
                 network's (``Trainer.epochs_are_iterations`` is False): the epoch cost is
                 drawn apart and is the one to judge.
    config     : the settings the run was made from (None where the loop has none).
    pace, stop_at : the loop's iterations per second (None: full speed) and stop point.
    taken_at   : ``time.perf_counter()`` when the snapshot began to be taken (the state it
                 shows is the run's at that moment).
    """

    run_id: int
    iteration: int
    state: RunState
    learning_rate: float
    arch: Architecture
    train: Dataset
    test: Dataset | None
    cost: float
    test_cost: float | None
    train_accuracy: float | None
    test_accuracy: float | None
    parameters: Mapping[str, np.ndarray]
    grad_norms: tuple[float, ...]
    unit_spreads: tuple[float, ...]
    distinct_units: tuple[int, ...]
    cost_history: np.ndarray
    test_cost_history: np.ndarray
    grid: Grid | None
    outputs: np.ndarray | None
    unit_maps: tuple[np.ndarray, ...]
    steps_per_second: float = 0.0
    divergence: Divergence | None = None
    message: str = ""
    init: str = "random"
    init_scale: float = 0.01
    seed: int = 0
    layer_history: Mapping[str, np.ndarray] = field(default_factory=dict)
    unit_stats: tuple[UnitStats, ...] = ()
    rate_changes: tuple[tuple[int, float], ...] = ()
    features: tuple[str, ...] = ()
    epoch: int = 0
    epoch_history: np.ndarray = field(default_factory=lambda: np.zeros((0, 2)))
    batch_size: int = 0
    batches_per_epoch: int = 1
    noisy_cost: bool = False
    config: RunConfig | None = None
    pace: float | None = None
    stop_at: int | None = None
    taken_at: float = 0.0

    @property
    def diverged(self) -> bool:
        return self.divergence is not None

    @property
    def settings(self) -> RunConfig | None:
        """What the run was made from (as the loop's ``settings``)."""
        return self.config

    def without_data(self) -> Snapshot:
        """Return this frame without the run's data and grid (they travel once, in RunData)."""
        return dataclasses.replace(self, train=None, test=None, grid=None)

    def with_data(self, train: Dataset, test: Dataset | None, grid: Grid | None) -> Snapshot:
        """Return this frame with the run's data and grid put back."""
        return dataclasses.replace(self, train=train, test=test, grid=grid)

    def restart(self) -> tuple[Trainer, Callable[..., Snapshot]]:
        """Return a Trainer that goes on from this frame's parameters and iteration, and
        the function that makes its frames (for a run whose process was lost)."""
        config = self.config.replace(learning_rate=self.learning_rate)
        trainer = trainer_for(config, self.train, self.test,
                              parameters=dict(self.parameters), iteration=self.iteration)
        return trainer, take_snapshot

    def __reduce__(self):
        """Pickle (to cross from the training process) with plain dicts for the mappings;
        unpickling makes the arrays read-only again."""
        values = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        values["parameters"] = dict(self.parameters)
        values["layer_history"] = dict(self.layer_history)
        return (_unpickle_snapshot, (values,))


def _read_only(a: np.ndarray | None) -> np.ndarray | None:
    if a is not None:
        a.setflags(write=False)
    return a


def _unpickle_snapshot(values: dict) -> Snapshot:
    for key in ("parameters", "layer_history"):
        values[key] = MappingProxyType({k: _read_only(v) for k, v in values[key].items()})
    for key in ("cost_history", "test_cost_history", "epoch_history", "outputs"):
        values[key] = _read_only(values[key])
    values["unit_maps"] = tuple(_read_only(A) for A in values["unit_maps"])
    return Snapshot(**values)


@quiet
def take_snapshot(trainer: Trainer, *, run_id: int, state: RunState, grid: Grid | None,
                  steps_per_second: float = 0.0, message: str = "", pace: float | None = None,
                  stop_at: int | None = None, settings: RunConfig | None = None) -> Snapshot:
    """Return a Snapshot of ``trainer`` now, with the boundary and unit maps over ``grid``.

    Quiet: just before a divergence is caught the parameters can be finite but so large
    that the maps and measures overflow; the snapshot shows that, it must not fail."""
    taken_at = time.perf_counter()
    arch, p = trainer.arch, trainer.parameters
    shown_train, shown_test = trainer.shown_train, trainer.shown_test
    on_train = trainer.engine.full_cache()          # one pass: the units' stats, J and accuracy
    stats = trainer.unit_stats(on_train)
    train_cost, train_accuracy = trainer.evaluate(trainer.train, on_train)
    test_cost, test_accuracy = trainer.evaluate(trainer.test)
    outputs, unit_maps = None, ()
    if grid is not None:
        maps = grid_activations(grid, p, arch, MAP_DTYPE, trainer.inputs)
        outputs = _read_only(maps[-1])          # fresh arrays already: no copy needed
        unit_maps = tuple(_read_only(A) for A in maps[:-1])
    batching = trainer.options.batching(trainer.train.m)
    return Snapshot(
        run_id=run_id, iteration=trainer.iteration, state=state,
        learning_rate=trainer.learning_rate, arch=arch, train=shown_train,
        test=shown_test, cost=train_cost, test_cost=test_cost,
        train_accuracy=train_accuracy, test_accuracy=test_accuracy,
        parameters=MappingProxyType({k: _frozen(v) for k, v in p.items()}),
        grad_norms=tuple(trainer.gradient_norms()),
        unit_spreads=tuple(trainer.unit_spreads()),
        distinct_units=tuple(int(s.group.max()) + 1 for s in stats),
        cost_history=_frozen(trainer.cost_history()),
        test_cost_history=_frozen(trainer.test_history()),
        grid=grid, outputs=outputs, unit_maps=unit_maps, steps_per_second=steps_per_second,
        divergence=trainer.divergence, message=message, init=trainer.init,
        init_scale=trainer.init_scale, seed=trainer.seed,
        layer_history=MappingProxyType({k: _frozen(v) for k, v in
                                        trainer.layer_history().items()}),
        unit_stats=stats, rate_changes=tuple(trainer.rate_changes),
        features=trainer.train.feature_names or tuple(f"x{j}" for j in
                                                       range(1, arch.n_x + 1)),
        epoch=trainer.epoch, epoch_history=_frozen(trainer.epoch_history().reshape(-1, 2)),
        batch_size=batching.batch_size, batches_per_epoch=batching.batches_per_epoch,
        noisy_cost=not trainer.epochs_are_iterations,
        config=settings if isinstance(settings, RunConfig) else None, pace=pace,
        stop_at=stop_at, taken_at=taken_at)


def fake_snapshot(hidden: tuple[int, ...] = (4, 3), activation: str = "tanh",
                  dataset: str = "flower", iterations: int = 300, init: str = "xavier",
                  seed: int = 2, resolution: int = 60) -> Snapshot:
    """Return a real snapshot of a short run: for views that run alone and for tests."""
    config = RunConfig(dataset=dataset, hidden_layers=hidden,
                       activations=(activation,) * len(hidden), init=init, seed=seed,
                       learning_rate=0.5 if hidden else 0.05, test_fraction=0.2)
    trainer = make_trainer(config)
    trainer.run(iterations)
    return take_snapshot(trainer, run_id=1, state=RunState.PAUSED,
                         grid=make_grid(trainer.train.X, resolution))
