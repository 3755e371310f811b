"""The buffered engine computes what the plain formulas in network.py compute."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import assert_same_parameters, labels_to_Y
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from playground.core.activations import ACTIVATIONS
from playground.core.datasets import make_dataset
from playground.core.fast import calibrate
from playground.core.fast.batched import BatchedEngine
from playground.core.fast.calls import Calls, now
from playground.core.fast.engine import Engine
from playground.core.fast.kernels import ACTIVATION_KERNELS, OUTPUT_KERNELS, Work
from playground.core.gradcheck import gradient_check
from playground.core.grid import grid_activations, make_grid
from playground.core.initialization import initialize_parameters
from playground.core.network import Architecture, compute_cost, forward, train_step
from playground.core.objectives import OBJECTIVES
from playground.session import trainer as trainer_module
from playground.session.config import RunConfig, make_trainer
from playground.session.snapshot import RunState, take_snapshot
from playground.session.trainer import Trainer


def _problem(output: str, loss: str, activation: str, hidden=(5, 3), m=37, seed=0):
    """Return (arch, X, Y, parameters) for a small random problem of the given kind."""
    rng = np.random.RandomState(seed)
    task = OBJECTIVES[(output, loss)].task
    n_y = {"binary": 1, "multiclass": 3, "regression": 2}[task]
    X = rng.randn(3, m)
    if task == "binary":
        Y = labels_to_Y(rng.randint(0, 2, m), 2)
    elif task == "multiclass":
        Y = labels_to_Y(rng.randint(0, 3, m), 3)
    else:
        Y = rng.randn(n_y, m)
    arch = Architecture((3, *hidden, n_y), (activation,) * len(hidden), output, loss)
    return arch, X, Y, initialize_parameters(arch.layer_dims, "he", rng)


KINDS = [(o, loss, a) for (o, loss) in OBJECTIVES for a in ACTIVATIONS]


@pytest.mark.parametrize(("output", "loss", "activation"), KINDS)
def test_steps_agree_with_the_plain_formulas(output, loss, activation):
    arch, X, Y, p = _problem(output, loss, activation)
    engine = Engine(arch, X, Y)
    engine.load(p)
    for rate in (0.05, 0.05, 0.01, 0.05, 0.02):
        engine.forward()
        cost = engine.cost()
        expected_cost, grads, p = train_step(X, Y, p, arch, rate)
        assert cost == pytest.approx(expected_cost, rel=1e-12)
        engine.backward()
        assert_same_parameters({k[1:]: v for k, v in engine.gradients().items()},
                               {k[1:]: v for k, v in grads.items()})
        engine.update(rate)
    assert_same_parameters(engine.parameters(), p)


# ReLU's kink makes two-sided differences unreliable wherever a Z is within ε of 0; its
# gradients are checked against the plain backprop above.
@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "linear"])
def test_engine_gradients_pass_the_finite_difference_check(activation):
    arch, X, Y, p = _problem("sigmoid", "cross-entropy", activation, hidden=(4, 3), m=20)

    def engine_gradients(parameters, X, Y, arch):
        engine = Engine(arch, X, Y)
        engine.load(parameters)
        engine.forward()
        engine.backward()
        return engine.gradients()

    result = gradient_check(p, X, Y, arch, gradients=engine_gradients)
    assert result.difference < 1e-7


def test_cache_matches_the_plain_forward_pass():
    arch, X, Y, p = _problem("softmax", "cross-entropy", "relu")
    engine = Engine(arch, X, Y)
    engine.load(p)
    engine.forward()
    plain, cache = forward(X, p, arch), engine.cache()
    for l in range(1, arch.L + 1):
        np.testing.assert_allclose(cache.Z[l], plain.Z[l], rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(cache.A[l], plain.A[l], rtol=1e-12, atol=1e-14)
    assert engine.cost() == pytest.approx(compute_cost(plain, Y, arch), rel=1e-12)


def test_a_zero_gradient_stays_exactly_zero():
    # Zero init, sigmoid units, balanced classes: db[L] = mean(0.5 − y) = 0 exactly.
    data = make_dataset("flower")
    arch = Architecture((2, 4, 1), ("sigmoid",))
    engine = Engine(arch, data.X, data.Y)
    engine.load(initialize_parameters(arch.layer_dims, "zeros", np.random.RandomState(0)))
    for _ in range(20):
        engine.step(1.2)
    assert all(not v.any() for v in engine.parameters().values())


def test_reloading_leaves_nothing_of_the_previous_run():
    arch, X, Y, p = _problem("sigmoid", "cross-entropy", "tanh")
    q = {k: v * 0.5 for k, v in p.items()}
    used = Engine(arch, X, Y)
    used.load(p)
    for _ in range(7):
        used.step(0.1)
    used.load(q)
    fresh = Engine(arch, X, Y)
    fresh.load(q)
    for _ in range(5):
        used.step(0.1)
        fresh.step(0.1)
    for key, value in fresh.parameters().items():
        np.testing.assert_array_equal(used.parameters()[key], value)
    # the rows of ones that carry the biases are never overwritten
    for layer in used.layers:
        np.testing.assert_array_equal(layer.A_ones_prev[-1], np.ones(X.shape[1]))


def test_a_new_architecture_gets_buffers_of_its_own_shape():
    data = make_dataset("flower")
    t = make_trainer(RunConfig(hidden_layers=(8, 8), activations=("relu", "relu")))
    t.run(50)
    u = make_trainer(RunConfig(hidden_layers=(3,), activations=("tanh",)))
    u.run(50)
    p = make_trainer(RunConfig(hidden_layers=(3,), activations=("tanh",))).parameters
    for _ in range(50):
        p = train_step(data.X, data.Y, p, u.arch, 1.2)[2]
    assert_same_parameters(u.parameters, p)
    assert [Z.shape for Z in u.engine.cache().Z[1:]] == [(3, 400), (1, 400)]


@settings(max_examples=60, deadline=None)
@given(arrays(np.float64, (3, 7), elements=st.floats(-800, 800, allow_subnormal=False)),
       arrays(np.float64, (3, 7), elements=st.floats(-10, 10)),
       st.sampled_from(list(ACTIVATIONS)))
def test_in_place_activations_compute_the_same_numbers(Z, dA, name):
    g, kernel = ACTIVATIONS[name], ACTIVATION_KERNELS[name]
    Z[0, 0] = 0.0                      # the kink, where the notes set g'(0) = 1
    A = np.empty_like(Z)
    kernel.forward_into(now, Z, A)
    np.testing.assert_array_equal(A, g.forward(Z))
    dZ = dA.copy()
    kernel.chain_into(now, dZ, Z, A, Work.of_shape(Z.shape))
    np.testing.assert_array_equal(dZ, dA * g.derivative(Z, A))


def test_every_readable_formula_has_its_kernel_under_the_same_name():
    assert ACTIVATION_KERNELS.keys() == ACTIVATIONS.keys()
    assert OUTPUT_KERNELS.keys() == OBJECTIVES.keys()


@pytest.mark.parametrize("key", list(OUTPUT_KERNELS))
def test_in_place_outputs_compute_the_same_numbers(key):
    objective, kernel, rng = OBJECTIVES[key], OUTPUT_KERNELS[key], np.random.RandomState(1)
    k = 3 if key[0] == "softmax" else 1
    Z, Y = rng.randn(k, 9) * 4, rng.rand(k, 9)
    A = np.empty_like(Z)
    kernel.activate_into(now, Z, A, Work.of_shape(Z.shape))
    np.testing.assert_array_equal(A, objective.activate(Z))
    dZ = np.empty_like(Z)
    kernel.dZ_into(now, A, Y, dZ)
    np.testing.assert_array_equal(dZ, objective.dZ(A, Y))


@pytest.mark.parametrize("name", list(ACTIVATIONS))
@pytest.mark.parametrize("shape", [(3, 7), (8, 400)])      # np.tanh, and tanh's table
def test_recorded_calls_bind_arrays_not_values(name, shape):
    """A recording replays on whatever its arrays hold when it runs, with the numbers the
    same calls made at once give."""
    g, kernel, rng = ACTIVATIONS[name], ACTIVATION_KERNELS[name], np.random.RandomState(0)
    Z, A, dZ = np.zeros(shape), np.zeros(shape), np.zeros(shape)
    calls = Calls()
    kernel.forward_into(calls, Z, A, Work.of_shape(shape))
    kernel.chain_into(calls, dZ, Z, A, Work.of_shape(shape))
    for _ in range(2):
        Z[...], dA = rng.randn(*shape) * 3, rng.randn(*shape)
        dZ[...] = dA
        calls.run()
        A_now, dZ_now = np.empty(shape), dA.copy()
        kernel.forward_into(now, Z, A_now, Work.of_shape(shape))
        kernel.chain_into(now, dZ_now, Z, A_now, Work.of_shape(shape))
        np.testing.assert_array_equal(A, A_now)
        np.testing.assert_array_equal(dZ, dZ_now)
        np.testing.assert_allclose(A, g.forward(Z), rtol=1e-15, atol=0)


def _diverging_trainer() -> Trainer:
    return make_trainer(RunConfig(learning_rate=1e3, hidden_layers=(8,),
                                  activations=("relu",), init="he"))


def test_a_divergent_chunk_is_replayed_to_the_exact_iteration(monkeypatch):
    chunked = _diverging_trainer()
    chunked.run(5000)
    monkeypatch.setattr(trainer_module, "CHECK_EVERY", 1)          # check after every step
    stepwise = _diverging_trainer()
    stepwise.run(5000)
    assert chunked.diverged and stepwise.diverged
    assert chunked.divergence == stepwise.divergence
    assert chunked.iteration == stepwise.iteration
    for key, value in stepwise.parameters.items():
        np.testing.assert_array_equal(chunked.parameters[key], value)
    np.testing.assert_array_equal(chunked.history.iterations, stepwise.history.iterations)


def test_costs_are_recorded_where_the_history_keeps_them():
    data = make_dataset("flower")
    t = make_trainer(RunConfig())
    t.history = type(t.history)(capacity=8, columns=2)
    t.run(100)
    assert len(t.history) <= 8 and t.history.iterations[0] == 0
    its = t.history.iterations
    assert len(set(np.diff(its))) == 1 and its[-1] >= 100 - t.history.stride
    p = make_trainer(RunConfig()).parameters
    expected = {}
    for i in range(100):
        cost, grads, p = train_step(data.X, data.Y, p, t.arch, 1.2)
        expected[i] = cost
    np.testing.assert_allclose(t.history.values, [expected[i] for i in its], rtol=1e-12)


def test_a_snapshot_of_huge_but_finite_parameters_does_not_warn():
    # Just before divergence is caught the weights can be ~1e200: measures overflow.
    t = make_trainer(RunConfig(hidden_layers=(3,)))
    t.set_parameters({k: v + 1e200 for k, v in t.parameters.items()})
    snapshot = take_snapshot(t, run_id=1, state=RunState.PAUSED, grid=None)
    assert snapshot.iteration == 0 and snapshot.distinct_units == (1,)


# -- the kernel choice per machine (core/fast/calibrate.py) ---------------------------------
def _passes_of(block: int) -> calibrate.KernelChoices:
    return calibrate.KernelChoices(tuple(calibrate.TanhPlan(d, calibrate.MIN_TABLE_SIZE, block)
                                         for d in ("float64", "float32")), "given")


@pytest.mark.parametrize("choice", ["plain", "table", "passes"])
def test_both_engines_take_the_same_path_and_stay_bit_for_bit(choice):
    """Whatever this machine chose (or a test forces), plain full-batch descent in the
    course-2 engine is Engine's, bit for bit, and agrees with the plain formulas."""
    data = make_dataset("flower")
    arch = Architecture((2, 64, 3, 16, 1), ("tanh",) * 3)
    p = initialize_parameters(arch.layer_dims, "xavier", np.random.RandomState(0))
    choices = _passes_of(1000) if choice == "passes" else calibrate.fixed(choice)
    with calibrate.using(choices):
        engine, batched = Engine(arch, data.X, data.Y), BatchedEngine(arch, data.X, data.Y)
    for e in (engine, batched):
        e.load(p)
        e.steps(20, 0.5)
    assert np.array_equal(batched.Wb_all, engine.Wb_all)
    expected = p
    for _ in range(20):
        expected = train_step(data.X, data.Y, expected, arch, 0.5)[2]
    assert_same_parameters(engine.parameters(), expected)


def test_the_paths_differ_only_in_the_last_bits():
    data = make_dataset("flower")
    arch = Architecture((2, 64, 64, 1), ("tanh", "tanh"))
    p = initialize_parameters(arch.layer_dims, "xavier", np.random.RandomState(1))
    runs = {}
    for choice in ("plain", "table"):
        with calibrate.forced(choice):
            runs[choice] = Engine(arch, data.X, data.Y)
        runs[choice].load(p)
        runs[choice].steps(50, 0.5)
    assert not np.array_equal(runs["plain"].Wb_all, runs["table"].Wb_all)
    assert_same_parameters(runs["table"].parameters(), runs["plain"].parameters())


@pytest.mark.parametrize("choice", ["plain", "table"])
def test_the_float32_maps_agree_with_tanh_on_either_path(choice):
    t = make_trainer(RunConfig(hidden_layers=(64,)))
    grid = make_grid(t.train.X, 100)
    with calibrate.forced(choice):
        maps = grid_activations(grid, t.parameters, t.arch, np.float32)
    assert maps[0].dtype == np.float32 and maps[0].shape == (64, 100, 100)
    exact = grid_activations(grid, t.parameters, t.arch, np.float64)
    np.testing.assert_allclose(maps[0], exact[0], rtol=2e-6, atol=2e-7)
