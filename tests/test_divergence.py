"""Runaway learning rates, from 10 to 10⁶, on every activation and every output.

Each run either stays finite or stops at the iteration where it went non-finite, with the
reason, the last finite parameters kept and exportable; and no NumPy warning escapes (the
suite turns warnings into errors).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from playground.core.activations import ACTIVATIONS
from playground.core.npz import SavedModel, load_model, save_model
from playground.core.objectives import OBJECTIVES
from playground.session.config import RunConfig, make_trainer
from playground.session.snapshot import RunState, take_snapshot

DATA = {"binary": dict(dataset="flower"), "multiclass": dict(dataset="gaussians", classes=3),
        "regression": dict(dataset="plane")}


@pytest.mark.parametrize("learning_rate", [10.0, 1e3, 1e6])
@pytest.mark.parametrize(("output", "loss"), list(OBJECTIVES))
@pytest.mark.parametrize("activation", list(ACTIVATIONS))
def test_a_runaway_rate_stops_cleanly_or_stays_finite(activation, output, loss, learning_rate,
                                                      tmp_path):
    task = OBJECTIVES[(output, loss)].task
    trainer = make_trainer(RunConfig(hidden_layers=(8,), activations=(activation,),
                                     output=output, loss=loss, init="he",
                                     learning_rate=learning_rate, **DATA[task]))
    done = trainer.run(300)
    assert all(np.isfinite(v).all() for v in trainer.parameters.values())
    assert math.isfinite(trainer.cost())
    assert trainer.history.iterations[-1] <= trainer.iteration
    if trainer.diverged:
        d = trainer.divergence
        assert done < 300 and d.kept_iteration == trainer.iteration == done
        assert "diverged at iteration" in d.message and f"{learning_rate:g}" in d.message
        assert trainer.run(10) == 0                           # stays stopped
    else:
        assert done == 300
    snapshot = take_snapshot(trainer, run_id=1, state=RunState.PAUSED, grid=None)
    assert snapshot.iteration == trainer.iteration
    path = tmp_path / "kept.npz"
    save_model(path, SavedModel(trainer.arch, trainer.parameters, iteration=trainer.iteration,
                                learning_rate=learning_rate,
                                cost_history=trainer.cost_history()))
    loaded = load_model(path)
    assert loaded.iteration == trainer.iteration
    for key, value in trainer.parameters.items():
        np.testing.assert_array_equal(loaded.parameters[key], value)
