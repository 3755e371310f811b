"""The run loop: counting, changing the learning rate, divergence, seeds, history."""

from __future__ import annotations

import math

import numpy as np
import pytest
from conftest import assert_same_parameters

from playground.core.datasets import make_dataset
from playground.core.network import Architecture, compute_cost, forward, predict, train_step
from playground.session.config import RunConfig, make_trainer
from playground.session.history import History
from playground.session.trainer import Trainer


def _trainer(**changes) -> Trainer:
    return make_trainer(RunConfig(**changes))


def test_run_counts_iterations_and_records_every_cost():
    t = _trainer()
    assert t.iteration == 0
    assert t.run(25) == 25 and t.run(5) == 5
    assert t.iteration == 30
    np.testing.assert_array_equal(t.history.iterations, np.arange(30))
    assert t.history.values[0] == pytest.approx(0.693048, abs=5e-7)
    assert np.all(np.diff(t.history.values[5:]) < 0)


def test_learning_rate_changes_between_two_steps():
    t = _trainer()
    t.run(3)
    t.set_learning_rate(0.1)
    t.run(2)
    data = make_dataset("flower")
    u = _trainer()
    p = u.parameters
    for rate in (1.2, 1.2, 1.2, 0.1, 0.1):
        p = train_step(data.X, data.Y, p, u.arch, rate)[2]
    assert_same_parameters(t.parameters, p)


@pytest.mark.parametrize("bad", [0.0, -1.0, math.inf, math.nan])
def test_bad_learning_rate_is_refused_and_the_old_one_kept(bad):
    t = _trainer()
    with pytest.raises(ValueError, match="learning rate"):
        t.set_learning_rate(bad)
    assert t.learning_rate == 1.2


def test_reset_with_the_same_seed_gives_the_same_parameters():
    t = _trainer(init="he")
    start = {k: v.copy() for k, v in t.parameters.items()}
    t.run(50)
    t.reset()
    assert t.iteration == 0 and len(t.history) == 0
    assert all(np.array_equal(start[k], t.parameters[k]) for k in start)
    t.reset(seed=3)
    assert not np.array_equal(start["W1"], t.parameters["W1"]) and t.seed == 3


@pytest.mark.parametrize("activation", ["relu", "leaky_relu", "linear"])
def test_divergence_is_caught_and_the_last_finite_parameters_kept(activation):
    t = _trainer(learning_rate=1e3, activations=(activation,), init="he", hidden_layers=(8,))
    done = t.run(5000)
    assert t.diverged and done < 5000
    assert t.iteration == done and t.divergence.kept_iteration == t.iteration
    assert all(np.isfinite(v).all() for v in t.parameters.values())
    assert math.isfinite(t.cost())
    assert "diverged at iteration" in t.divergence.message
    assert "too high" in t.divergence.message
    assert t.run(10) == 0                                # stays stopped
    assert t.history.iterations[-1] <= t.iteration


@pytest.mark.parametrize("activation", ["sigmoid", "tanh"])
def test_bounded_units_thrash_but_stay_finite_at_a_huge_rate(activation):
    # |dW| is bounded for sigmoid/tanh units with a cross-entropy output, so the weights
    # grow at most linearly: the cost rises far above its start but never overflows.
    t = _trainer(learning_rate=1e3, activations=(activation,), init="he", hidden_layers=(8,))
    assert t.run(2000) == 2000 and not t.diverged
    assert t.history.values.max() > 100 * t.history.values[0]


def test_divergence_on_regression():
    t = _trainer(dataset="plane", learning_rate=1e4, hidden_layers=(), activations=())
    t.run(1000)
    assert t.diverged and all(np.isfinite(v).all() for v in t.parameters.values())


def test_trainer_refuses_mismatched_data():
    data = make_dataset("flower")
    with pytest.raises(ValueError, match=r"X has shape \(2, 400\), expected \(3, m\)"):
        Trainer(Architecture((3, 1), ()), data)


def test_test_set_metrics_are_computed_on_the_held_out_columns():
    t = _trainer(test_fraction=0.25, hidden_layers=(8,), activations=("tanh",),
                 learning_rate=0.5)
    assert t.train.m == 300 and t.test.m == 100
    t.run(3000)
    test_pred = predict(t.test.X, t.parameters, t.arch)
    assert t.test_accuracy() == np.mean(test_pred == t.test.Y)
    assert t.test_cost() == compute_cost(forward(t.test.X, t.parameters, t.arch), t.test.Y,
                                         t.arch)
    assert t.train_accuracy() > 0.85 and t.test_accuracy() > 0.8


def test_history_stays_bounded_and_evenly_spaced():
    h = History(capacity=8)
    for i in range(1000):
        h.add(i, float(i))
    assert len(h) <= 8
    its = h.iterations
    assert its[0] == 0 and len(set(np.diff(its))) == 1      # even spacing from 0
    assert its[-1] >= 1000 - h.stride
    np.testing.assert_array_equal(h.values, its.astype(float))
    h.truncate(500)
    assert h.iterations[-1] <= 500


def test_history_capacity_must_be_even():
    with pytest.raises(ValueError):
        History(capacity=7)


def test_evaluating_the_training_set_agrees_with_the_plain_forward_pass():
    t = _trainer(hidden_layers=(8, 8), activations=("tanh", "tanh"), test_fraction=0.25)
    t.run(300)
    cost, accuracy = t.evaluate(t.train)
    plain = forward(t.train.X, t.parameters, t.arch)
    assert cost == pytest.approx(compute_cost(plain, t.train.Y, t.arch), rel=1e-12)
    assert accuracy == np.mean(predict(t.train.X, t.parameters, t.arch) == t.train.Y)
    t.run(1)                                      # records iteration 300's cost
    assert t.history.iterations[-1] == 300 and t.history.values[-1] == cost
    straight = _trainer(hidden_layers=(8, 8), activations=("tanh", "tanh"), test_fraction=0.25)
    straight.run(301)                             # evaluating did not disturb the run
    assert_same_parameters(t.parameters, straight.parameters)


def test_rewind_puts_back_the_last_steps_gradients():
    t = _trainer()
    mark = t.checkpoint()
    t.run(3)
    t.rewind(mark)
    assert t.last_grads is None                   # no step before the checkpoint
    t.run(10)
    before, mark = t.last_grads, t.checkpoint()
    t.run(7)
    assert not np.array_equal(t.last_grads["dW1"], before["dW1"])
    t.rewind(mark)
    for key, value in before.items():
        np.testing.assert_array_equal(t.last_grads[key], value)


def test_rewind_forgets_what_came_after_the_checkpoint():
    t = _trainer()
    t.run(300)
    mark = t.checkpoint()
    t.run(5000)                                   # long enough to thin the histories
    t.rewind(mark)
    assert t.iteration == 300 and t.history.iterations[-1] < 300
    t.run(700)
    straight = _trainer()
    straight.run(1000)
    for key, value in straight.parameters.items():
        np.testing.assert_array_equal(t.parameters[key], value)
    # the thinning done meanwhile stays (every 4th point kept), and the costs agree
    kept = np.isin(straight.history.iterations, t.history.iterations)
    assert t.history.stride == 4 and kept.sum() == len(t.history) == 250
    np.testing.assert_array_equal(t.history.values, straight.history.values[kept])


def test_the_test_cost_is_recorded_at_the_same_iterations_for_the_same_parameters():
    t = make_trainer(RunConfig(test_fraction=0.25, hidden_layers=(5,)))
    t.run(300)
    train_rows, test_rows = t.cost_history(), t.test_history()
    np.testing.assert_array_equal(train_rows[:, 0], test_rows[:, 0])
    assert len(test_rows) == 300                      # every iteration, so far
    replay = make_trainer(RunConfig(test_fraction=0.25, hidden_layers=(5,)))
    for i in (0, 7, 299):
        replay.run(i - replay.iteration)
        cache = forward(replay.test.X, replay.parameters, replay.arch)
        assert test_rows[i, 1] == pytest.approx(compute_cost(cache, replay.test.Y, replay.arch),
                                                rel=1e-12)
    no_test = make_trainer(RunConfig())
    no_test.run(10)
    assert no_test.test_history().shape == (0, 2) and len(no_test.cost_history()) == 10
