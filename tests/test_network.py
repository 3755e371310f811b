"""Forward, cost, backward and update: hand-computed values, gradient checks, stability."""

from __future__ import annotations

import math

import numpy as np
import pytest
from conftest import labels_to_Y

from playground.core.activations import ACTIVATIONS
from playground.core.gradcheck import backprop_gradients, gradient_check
from playground.core.initialization import initialize_parameters
from playground.core.network import (
    Architecture,
    backward,
    compute_cost,
    forward,
    predict,
    train_step,
)
from playground.core.objectives import OBJECTIVES


def test_hand_computed_two_unit_relu_network():
    # X (1, 2); two ReLU units, one of which sits exactly at Z = 0 (g'(0) = 1 as in the notes)
    arch = Architecture((1, 2, 1), ("relu",), "linear", "mse")
    p = {"W1": np.array([[1.0], [-1.0]]), "b1": np.array([[0.0], [1.0]]),
         "W2": np.array([[2.0, 3.0]]), "b2": np.array([[-1.0]])}
    X, Y = np.array([[1.0, 2.0]]), np.array([[0.0, 1.0]])
    cache = forward(X, p, arch)
    np.testing.assert_array_equal(cache.Z[1], [[1, 2], [0, -1]])
    np.testing.assert_array_equal(cache.A[1], [[1, 2], [0, 0]])
    np.testing.assert_array_equal(cache.A[2], [[1, 3]])
    assert compute_cost(cache, Y, arch) == 1.25          # (1/2m) Σ (a−y)² = (1 + 4) / 4
    g = backward(p, cache, Y, arch)
    np.testing.assert_array_equal(g["dW2"], [[2.5, 0.0]])  # dZ2 A1ᵀ / m = [1·1+2·2, 0] / 2
    np.testing.assert_array_equal(g["db2"], [[1.5]])
    np.testing.assert_array_equal(g["dW1"], [[5.0], [1.5]])  # dZ1 = [[2, 4], [3, 0]]
    np.testing.assert_array_equal(g["db1"], [[3.0], [1.5]])


def test_hand_computed_logistic_regression_at_zero():
    arch = Architecture((1, 1), (), "sigmoid", "cross-entropy")
    p = {"W1": np.zeros((1, 1)), "b1": np.zeros((1, 1))}
    X, Y = np.array([[1.0, -1.0]]), np.array([[1.0, 0.0]])
    cache = forward(X, p, arch)
    np.testing.assert_array_equal(cache.A[1], [[0.5, 0.5]])
    assert compute_cost(cache, Y, arch) == pytest.approx(math.log(2), rel=1e-15)
    g = backward(p, cache, Y, arch)
    np.testing.assert_array_equal(g["dW1"], [[-0.5]])
    np.testing.assert_array_equal(g["db1"], [[0.0]])
    p2 = train_step(X, Y, p, arch, learning_rate=2.0)[2]
    np.testing.assert_array_equal(p2["W1"], [[1.0]])


def test_engine_matches_per_example_loop_transcription():
    """The vectorised pass equals an example-by-example loop written from the notes."""
    rng = np.random.RandomState(3)
    arch = Architecture((2, 3, 1), ("tanh",))
    p = initialize_parameters(arch.layer_dims, "random", rng, scale=1.0)
    X, Y = rng.randn(2, 5), (rng.rand(1, 5) > 0.5).astype(float)
    g = backprop_gradients(p, X, Y, arch)
    dW1, db1 = np.zeros((3, 2)), np.zeros((3, 1))
    dW2, db2 = np.zeros((1, 3)), np.zeros((1, 1))
    for i in range(5):
        x, y = X[:, i:i + 1], Y[0, i]
        z1 = p["W1"] @ x + p["b1"]
        a1 = np.tanh(z1)
        a2 = 1 / (1 + math.exp(-(p["W2"] @ a1 + p["b2"]).item()))
        dz2 = a2 - y
        dW2 += dz2 * a1.T
        db2 += dz2
        dz1 = p["W2"].T * dz2 * (1 - a1 ** 2)
        dW1 += dz1 @ x.T
        db1 += dz1
    for key, value in {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}.items():
        np.testing.assert_allclose(g[key], value / 5, rtol=1e-12, atol=1e-15)


def _problem(objective, rng, m=12, n_x=2):
    X = rng.randn(n_x, m)
    if objective.task == "binary":
        return X, (rng.rand(1, m) > 0.5).astype(float), 1
    if objective.task == "multiclass":
        return X, labels_to_Y(rng.randint(0, 3, m), 3), 3
    return X, rng.randn(2, m), 2


@pytest.mark.parametrize("activation", list(ACTIVATIONS))
@pytest.mark.parametrize("key", list(OBJECTIVES))
def test_gradient_check_every_activation_and_objective(activation, key):
    rng = np.random.RandomState(1)
    objective = OBJECTIVES[key]
    X, Y, n_y = _problem(objective, rng)
    arch = Architecture((2, 4, n_y), (activation,), *key)
    p = initialize_parameters(arch.layer_dims, "random", rng, scale=0.8)
    result = gradient_check(p, X, Y, arch)
    assert result.difference < 1e-7
    assert len(result.layer_differences) == 2
    assert max(result.layer_differences) < 1e-6


@pytest.mark.parametrize("hidden,activations", [((), ()),
                                                 ((5, 4, 3), ("tanh", "relu", "sigmoid"))])
def test_gradient_check_no_hidden_and_three_hidden_layers(hidden, activations):
    rng = np.random.RandomState(2)
    X, Y = rng.randn(3, 15), (rng.rand(1, 15) > 0.5).astype(float)
    arch = Architecture((3, *hidden, 1), activations)
    p = initialize_parameters(arch.layer_dims, "xavier", rng)
    result = gradient_check(p, X, Y, arch)
    assert result.difference < 1e-7
    assert len(result.layer_differences) == arch.L


def test_gradient_check_catches_a_backprop_bug():
    rng = np.random.RandomState(4)
    X, Y = rng.randn(2, 10), (rng.rand(1, 10) > 0.5).astype(float)
    arch = Architecture((2, 3, 1), ("tanh",))
    p = initialize_parameters(arch.layer_dims, "random", rng, scale=1.0)

    def forgot_the_derivative(p, X, Y, arch):
        cache = forward(X, p, arch)
        g = backward(p, cache, Y, arch)
        dZ1 = p["W2"].T @ (cache.A[2] - Y)           # no * g'(Z1)
        g["dW1"] = dZ1 @ X.T / X.shape[1]
        return g

    result = gradient_check(p, X, Y, arch, gradients=forgot_the_derivative)
    assert result.difference > 1e-3
    assert result.layer_differences[0] > 1e-3 and result.layer_differences[1] < 1e-7


@pytest.mark.parametrize("activation", list(ACTIVATIONS))
@pytest.mark.parametrize("key", list(OBJECTIVES))
def test_huge_z_gives_finite_cost_without_warnings(activation, key):
    # pyproject turns every warning (overflow, invalid value) into an error
    objective = OBJECTIVES[key]
    X, Y, n_y = _problem(objective, np.random.RandomState(5))
    arch = Architecture((2, 3, n_y), (activation,), *key)
    p = initialize_parameters(arch.layer_dims, "random", np.random.RandomState(6), scale=1e4)
    p["b1"][:] = 1e4
    cache = forward(X, p, arch)
    assert np.abs(cache.Z[2]).max() > 1e3
    J = compute_cost(cache, Y, arch)
    assert math.isfinite(J) and J > 0
    grads = backward(p, cache, Y, arch)
    assert all(np.isfinite(g).all() for g in grads.values())


def test_saturated_sigmoid_cost_is_large_and_finite():
    arch = Architecture((1, 1), (), "sigmoid", "cross-entropy")
    p = {"W1": np.array([[1e4]]), "b1": np.zeros((1, 1))}
    X, Y = np.array([[1.0, -1.0]]), np.array([[0.0, 1.0]])   # confidently wrong
    J = compute_cost(forward(X, p, arch), Y, arch)
    assert J == pytest.approx(1e4, rel=1e-12)


def test_prediction_rule_is_strictly_greater_than_half():
    arch = Architecture((1, 1), (), "sigmoid", "cross-entropy")
    p = {"W1": np.array([[1.0]]), "b1": np.zeros((1, 1))}
    np.testing.assert_array_equal(predict(np.array([[-1.0, 0.0, 1.0]]), p, arch), [[0, 0, 1]])


def test_softmax_prediction_is_argmax():
    arch = Architecture((2, 3), (), "softmax", "cross-entropy")
    p = {"W1": np.eye(3, 2), "b1": np.array([[0.0], [0.0], [0.5]])}
    X = np.array([[3.0, 0.0, 0.0], [0.0, 3.0, 0.0]])
    np.testing.assert_array_equal(predict(X, p, arch), [0, 1, 2])


@pytest.mark.parametrize("bad,message", [
    (dict(layer_dims=(2, 0, 1), activations=("tanh",)), "has 0 units; choose 1 to 256"),
    (dict(layer_dims=(0, 4, 1), activations=("tanh",)), "layer 0 has 0 units"),
    (dict(layer_dims=(2, 300, 1), activations=("tanh",)), "choose 1 to 256"),
    (dict(layer_dims=(2, *[4] * 21, 1), activations=("tanh",) * 21), "at most 20 hidden"),
    (dict(layer_dims=(2, 4, 1), activations=()), "need as many activations, got 0"),
    (dict(layer_dims=(2, 4, 1), activations=("swish",)), "unknown activation 'swish'"),
    (dict(layer_dims=(2, 4, 1), activations=("tanh",), output="sigmoid", loss="mse"),
     "not supported"),
    (dict(layer_dims=(2, 4, 1), activations=("tanh",), output="softmax"), "k ≥ 2"),
    (dict(layer_dims=(2, 4, 2), activations=("tanh",)), "sigmoid output has 1 unit"),
])
def test_architecture_refuses_bad_shapes_and_names(bad, message):
    with pytest.raises(ValueError, match=message):
        Architecture(**bad)


def test_a_softmax_over_two_classes_is_a_network():
    arch = Architecture((2, 4, 2), ("tanh",), "softmax", "cross-entropy")
    assert arch.n_y == 2 and arch.objective.task == "multiclass"


def test_parameter_count():
    assert Architecture((2, 4, 1), ("tanh",)).parameter_count() == 4 * 3 + 1 * 5
