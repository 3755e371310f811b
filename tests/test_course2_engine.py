"""The mini-batch engine computes what the readable course-2 loop computes."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from conftest import assert_same_parameters, labels_to_Y

from playground.core.activations import ACTIVATIONS
from playground.core.fast.batched import BatchedEngine
from playground.core.fast.engine import Engine
from playground.core.fast.update_kernels import PENALTY_KERNELS, RULE_KERNELS
from playground.core.gradcheck import gradient_check
from playground.core.initialization import initialize_parameters
from playground.core.network import Architecture, backward, forward
from playground.core.objectives import OBJECTIVES
from playground.core.optimizers import OPTIMIZERS, Decay, OptimizerSettings
from playground.core.regularization import PENALTIES, Regularization
from playground.core.training import TrainingOptions, descend, full_cost

RATES = {"gd": 0.3, "momentum": 0.3, "rmsprop": 0.003, "adam": 0.01}
REGULARIZATIONS = {"none": Regularization(), "l2": Regularization(l2=0.7),
                   "l1+l2": Regularization(l2=0.3, l1=0.2),
                   "dropout": Regularization(keep_prob=0.8),
                   "all": Regularization(l2=0.5, l1=0.1, keep_prob=0.7)}


def problem(m=150, hidden=(8, 8), activation="tanh", output="sigmoid", loss="cross-entropy",
            seed=0):
    """Return (arch, X, Y, parameters) for a small random problem."""
    rng = np.random.RandomState(seed)
    task = OBJECTIVES[(output, loss)].task
    n_y = {"binary": 1, "multiclass": 3, "regression": 2}[task]
    X = rng.randn(2, m)
    if task == "regression":
        Y = rng.randn(n_y, m)
    else:
        Y = labels_to_Y(rng.randint(0, max(2, n_y), m), max(2, n_y))
    arch = Architecture((2, *hidden, n_y), (activation,) * len(hidden), output, loss)
    return arch, X, Y, initialize_parameters(arch.layer_dims, "he", rng)


def engine_for(arch, X, Y, parameters, options, seed=5):
    engine = BatchedEngine(arch, X, Y, options, np.random.RandomState(seed))
    engine.load(parameters)
    return engine


def readable(arch, X, Y, parameters, options, n, learning_rate, seed=5):
    """Return the first n updates of the readable loop, with the same generator."""
    return list(itertools.islice(descend(X, Y, parameters, arch, learning_rate, options,
                                         np.random.RandomState(seed)), n))


def test_every_rule_and_penalty_has_its_in_place_form():
    assert RULE_KERNELS.keys() == OPTIMIZERS.keys()
    assert PENALTY_KERNELS.keys() == PENALTIES.keys()


# -- plain gradient descent stays Engine, bit for bit --------------------------------------
KINDS = [(o, loss, a) for (o, loss) in OBJECTIVES for a in ACTIVATIONS]


@pytest.mark.parametrize(("output", "loss", "activation"), KINDS)
@pytest.mark.parametrize("batch_size", [None, "m"])
def test_plain_full_batch_descent_is_engine_bit_for_bit(output, loss, activation, batch_size):
    arch, X, Y, p = problem(m=37, hidden=(5, 3), activation=activation, output=output,
                            loss=loss)
    options = TrainingOptions(batch_size=37 if batch_size == "m" else None)
    assert options.is_plain(37)
    engine, batched = Engine(arch, X, Y), BatchedEngine(arch, X, Y, options)
    engine.load(p)
    batched.load(p)
    engine.steps(7, 0.05)
    batched.steps(7, 0.05)
    assert np.array_equal(batched.Wb_all, engine.Wb_all)
    for rate in (0.05, 0.02):                        # the Trainer's split form, too
        engine.forward()
        batched.forward()
        assert batched.cost() == engine.cost()
        engine.backward()
        batched.backward()
        assert all(np.array_equal(a, b) for a, b in zip(batched.gradients().values(),
                                                        engine.gradients().values()))
        engine.update(rate)
        batched.update(rate)
    assert np.array_equal(batched.Wb_all, engine.Wb_all)
    assert (batched.updates, batched.epoch, batched.position) == (9, 9, 0)


def test_plain_descent_on_a_large_set_uses_the_same_tanh_as_engine():
    """Layers of ≥ 1024 values take the tanh table path: both engines alike."""
    arch, X, Y, p = problem(m=2000, hidden=(8, 8))
    engine, batched = Engine(arch, X, Y), BatchedEngine(arch, X, Y)
    engine.load(p)
    batched.load(p)
    engine.steps(5, 0.5)
    batched.steps(5, 0.5)
    assert np.array_equal(batched.Wb_all, engine.Wb_all)


# -- every option against the readable loop -------------------------------------------------
@pytest.mark.parametrize("optimizer", list(OPTIMIZERS))
@pytest.mark.parametrize("regularization", list(REGULARIZATIONS))
@pytest.mark.parametrize(("m", "batch_size", "shuffle_seed"), [
    (150, 64, 10), (150, 50, None), (150, None, None), (13, 1, 3)])
def test_updates_agree_with_the_readable_loop(optimizer, regularization, m, batch_size,
                                              shuffle_seed):
    arch, X, Y, p = problem(m=m)
    options = TrainingOptions(batch_size, shuffle_seed, OptimizerSettings(optimizer),
                              Decay(0.3), REGULARIZATIONS[regularization])
    n, rate = 40, RATES[optimizer]
    updates = readable(arch, X, Y, p, options, n, rate)
    engine = engine_for(arch, X, Y, p, options)
    engine.steps(n, rate)
    assert_same_parameters(engine.parameters(), updates[-1].parameters)
    for name, value in engine.moments().items():
        np.testing.assert_allclose(value, updates[-1].moments[name], rtol=1e-11, atol=1e-15)
    batches = options.batching(m).batches_per_epoch
    assert engine.updates == n and engine.optimizer_steps == n
    assert (engine.epoch, engine.position) == divmod(n, batches)
    assert engine.finite()


@pytest.mark.parametrize("optimizer", ["gd", "adam"])
def test_each_recorded_cost_is_the_next_mini_batchs_cost(optimizer):
    arch, X, Y, p = problem(m=100)
    options = TrainingOptions(32, None, OptimizerSettings(optimizer),
                              regularization=REGULARIZATIONS["all"])
    updates = readable(arch, X, Y, p, options, 12, RATES[optimizer])
    engine = engine_for(arch, X, Y, p, options)
    for update in updates:
        assert engine.batch_cost() == pytest.approx(update.cost, rel=1e-12)
        assert engine.batch_cost() == pytest.approx(update.cost, rel=1e-12)   # draws nothing
        engine.forward()
        engine.backward()
        for key, value in engine.gradients().items():
            np.testing.assert_allclose(value, update.grads[key], rtol=1e-11, atol=1e-16)
        engine.update(RATES[optimizer])
    assert_same_parameters(engine.parameters(), updates[-1].parameters)


def test_the_split_form_and_steps_make_the_same_updates():
    arch, X, Y, p = problem(m=90)
    options = TrainingOptions(20, None, OptimizerSettings("momentum"),
                              regularization=REGULARIZATIONS["dropout"])
    split, steps = engine_for(arch, X, Y, p, options), engine_for(arch, X, Y, p, options)
    for _ in range(11):
        split.forward()
        split.backward()
        split.update(0.1)
    steps.steps(11, 0.1)
    assert np.array_equal(split.Wb_all, steps.Wb_all)


def test_the_full_cost_is_the_whole_training_sets_without_dropout():
    arch, X, Y, p = problem(m=120)
    regularization = REGULARIZATIONS["all"]
    engine = engine_for(arch, X, Y, p, TrainingOptions(25, 10, regularization=regularization))
    engine.steps(9, 0.2)
    now = {k: v.copy() for k, v in engine.parameters().items()}
    assert engine.full_cost() == pytest.approx(full_cost(X, Y, now, arch, regularization),
                                               rel=1e-12)
    cache = engine.full_cache()
    np.testing.assert_allclose(cache.A[arch.L], forward(X, now, arch).A[arch.L], rtol=1e-12)
    assert cache.dropout is None


def test_a_full_batch_with_dropout_evaluates_without_it():
    arch, X, Y, p = problem(m=40)
    engine = engine_for(arch, X, Y, p, TrainingOptions(regularization=Regularization(
        keep_prob=0.5)))
    assert engine.full_cost() == pytest.approx(full_cost(X, Y, p, arch), rel=1e-13)


def test_engine_gradients_pass_the_check_with_penalties():
    arch, X, Y, p = problem(m=20, hidden=(4, 3))
    regularization = Regularization(l2=0.4, l1=0.2)

    def engine_gradients(parameters, X, Y, arch, regularization=regularization):
        engine = BatchedEngine(arch, X, Y, TrainingOptions(regularization=regularization))
        engine.load(parameters)
        engine.forward()
        engine.backward()
        return engine.gradients()

    result = gradient_check(p, X, Y, arch, gradients=engine_gradients,
                            regularization=regularization)
    assert result.difference < 1e-7
    expected = backward(p, forward(X, p, arch), Y, arch, regularization=regularization)
    for key, value in engine_gradients(p, X, Y, arch).items():
        np.testing.assert_allclose(value, expected[key], rtol=1e-12, atol=1e-16)


# -- going back, and resuming --------------------------------------------------------------
@pytest.mark.parametrize("prepare", [False, True])
def test_restore_replays_the_same_updates_bit_for_bit(prepare):
    arch, X, Y, p = problem(m=70)
    options = TrainingOptions(16, None, OptimizerSettings("adam"), Decay(0.5),
                              REGULARIZATIONS["all"])
    engine = engine_for(arch, X, Y, p, options)
    engine.steps(7, 0.01)
    if prepare:
        engine.batch_cost()
    saved = engine.save()
    engine.steps(13, 0.01)
    first = engine.Wb_all.copy(), engine.v_all.copy(), engine.s_all.copy()
    engine.restore(saved)
    assert (engine.updates, engine.position) == (7, 7 % 5)
    engine.steps(13, 0.01)
    assert all(np.array_equal(a, b) for a, b in
               zip(first, (engine.Wb_all, engine.v_all, engine.s_all)))


@pytest.mark.parametrize("prepare", [False, True])
def test_a_new_engine_resumes_the_run_bit_for_bit(prepare):
    arch, X, Y, p = problem(m=70)
    options = TrainingOptions(16, None, OptimizerSettings("adam"), Decay(0.5),
                              REGULARIZATIONS["all"])
    engine = engine_for(arch, X, Y, p, options)
    engine.steps(9, 0.01)
    if prepare:
        engine.batch_cost()
    arrays = engine.resume_arrays()
    assert {"vW1", "vb1", "sW3", "sb3", "optimizer_steps", "rng_keys"} <= set(arrays)
    resumed = engine_for(arch, X, Y, engine.parameters(), options, seed=12345)
    resumed.resume(arrays)
    engine.steps(20, 0.01)
    resumed.steps(20, 0.01)
    assert np.array_equal(resumed.Wb_all, engine.Wb_all)
    assert np.array_equal(resumed.s_all, engine.s_all)
    assert (resumed.updates, resumed.epoch, resumed.position) == (29, 5, 4)


def test_a_non_finite_state_is_noticed():
    arch, X, Y, p = problem(m=30)
    engine = engine_for(arch, X, Y, p, TrainingOptions(10, 1, OptimizerSettings("adam")))
    assert engine.finite()
    engine.s_all[3] = np.inf
    assert not engine.finite()


# -- live changes ---------------------------------------------------------------------
def test_changing_hyperparameters_keeps_the_moments_and_the_epoch():
    arch, X, Y, p = problem(m=100)
    engine = engine_for(arch, X, Y, p, TrainingOptions(30, 2, OptimizerSettings("adam")))
    engine.steps(5, 0.01)
    moments, counters = engine.s_all.copy(), (engine.updates, engine.optimizer_steps,
                                              engine.epoch, engine.position)
    engine.set_options(TrainingOptions(30, 2, OptimizerSettings("adam", beta1=0.8),
                                       Decay(1.0), Regularization(l2=0.5, keep_prob=0.9)))
    assert np.array_equal(engine.s_all, moments)
    assert (engine.updates, engine.optimizer_steps, engine.epoch, engine.position) == counters
    engine.forward()
    engine.backward()
    now = {k: v.copy() for k, v in engine.parameters().items()}
    cache = engine.cache()
    expected = backward(now, forward(cache.A[0], now, arch, cache.dropout),
                        engine._program_now.batch.Y, arch,
                        regularization=Regularization(l2=0.5))
    for key, value in engine.gradients().items():
        np.testing.assert_allclose(value, expected[key], rtol=1e-12, atol=1e-16)
    engine.steps(10, 0.01)
    assert engine.finite()


def test_changing_the_rule_or_the_batch_size_resets_the_rule_not_the_weights():
    arch, X, Y, p = problem(m=100)
    engine = engine_for(arch, X, Y, p, TrainingOptions(30, 2, OptimizerSettings("adam")))
    engine.steps(5, 0.01)
    weights = engine.Wb_all.copy()
    engine.set_options(TrainingOptions(30, 2, OptimizerSettings("momentum")))
    assert engine.optimizer_steps == 0 and not engine.v_all.any() and not engine.s_all.any()
    assert np.array_equal(engine.Wb_all, weights) and engine.position == 1
    engine.steps(3, 0.01)
    engine.set_options(TrainingOptions(64, 2, OptimizerSettings("momentum")))
    assert (engine.optimizer_steps, engine.position, engine.epoch) == (0, 0, 2)
    assert not engine.v_all.any()
    engine.steps(3, 0.01)
    assert (engine.position, engine.epoch) == (1, 3)


def test_training_that_draws_needs_the_runs_generator():
    arch, X, Y, _ = problem(m=20)
    for options in (TrainingOptions(5), TrainingOptions(regularization=Regularization(
            keep_prob=0.5))):
        with pytest.raises(ValueError, match="generator"):
            BatchedEngine(arch, X, Y, options)
    BatchedEngine(arch, X, Y, TrainingOptions(5, shuffle_seed=10))         # needs none
    with pytest.raises(ValueError, match="batch size"):
        BatchedEngine(arch, X, Y, TrainingOptions(21, 10))


@pytest.mark.parametrize("n", [4, 5])                 # last update: a full batch, the rest
def test_gradients_after_steps_are_the_last_updates(n):
    arch, X, Y, p = problem(m=70)
    options = TrainingOptions(16, 3)
    updates = readable(arch, X, Y, p, options, n, 0.2)
    engine = engine_for(arch, X, Y, p, options)
    engine.steps(n, 0.2)
    for key, value in engine.gradients().items():
        np.testing.assert_allclose(value, updates[-1].grads[key], rtol=1e-12, atol=1e-16)
    assert engine.cache().A[0].shape == (2, 16 if n == 4 else 6)


def test_refused_options_change_nothing():
    arch, X, Y, p = problem(m=40)
    engine = engine_for(arch, X, Y, p, TrainingOptions(10, 1, OptimizerSettings("momentum")))
    engine.steps(3, 0.1)
    before = engine.options, engine.v_all.copy(), engine.position
    with pytest.raises(ValueError, match="batch size"):
        engine.set_options(TrainingOptions(41, 1))
    engine.rng = None
    with pytest.raises(ValueError, match="generator"):
        engine.set_options(TrainingOptions(10, None, OptimizerSettings("momentum")))
    assert engine.options is before[0] and np.array_equal(engine.v_all, before[1])
    assert engine.position == before[2]


def test_restart_is_a_fresh_run_from_the_loaded_parameters():
    arch, X, Y, p = problem(m=50)
    options = TrainingOptions(16, None, OptimizerSettings("adam"),
                              regularization=Regularization(keep_prob=0.8))
    fresh = engine_for(arch, X, Y, p, options, seed=8)
    fresh.steps(9, 0.01)
    engine = engine_for(arch, X, Y, p, options, seed=1)
    engine.steps(6, 0.01)
    engine.load(p)
    engine.restart(np.random.RandomState(8))
    assert (engine.updates, engine.epoch, engine.position, engine.optimizer_steps) == (0,) * 4
    engine.steps(9, 0.01)
    assert np.array_equal(engine.Wb_all, fresh.Wb_all)


def test_epochs_can_be_stepped_to_their_end_and_costed_once():
    arch, X, Y, p = problem(m=70)
    engine = engine_for(arch, X, Y, p, TrainingOptions(16, 3))
    assert engine.updates_left_in_epoch == 5
    engine.steps(2, 0.1)
    assert engine.updates_left_in_epoch == 3
    engine.steps(engine.updates_left_in_epoch, 0.1)
    assert (engine.epoch, engine.position, engine.updates_left_in_epoch) == (1, 0, 5)
    cache = engine.full_cache()
    assert cache.A[arch.L].shape == (1, 70)
    assert engine.full_cost(run_forward=False) == engine.full_cost()
