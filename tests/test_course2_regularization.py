"""L2, L1 and inverted dropout against the course notebook's code (course 2, week 1)."""

from __future__ import annotations

import numpy as np
import pytest

from playground.core.gradcheck import gradient_check
from playground.core.initialization import initialize_parameters
from playground.core.network import (
    Architecture,
    backward,
    compute_cost,
    compute_cost_with_regularization,
    forward,
)
from playground.core.regularization import (
    NO_REGULARIZATION,
    Regularization,
    draw_dropout,
    regularization_cost,
    weight_norm,
)

ARCH = Architecture((3, 2, 3, 1), ("relu", "relu"))


def notebook_parameters():
    """``compute_cost_with_regularization_test_case``'s parameters (after X for the
    dropout cases, which draw X first)."""
    rng = np.random.RandomState(1)
    return {"W1": rng.randn(2, 3), "b1": rng.randn(2, 1), "W2": rng.randn(3, 2),
            "b2": rng.randn(3, 1), "W3": rng.randn(1, 3), "b3": rng.randn(1, 1)}


def notebook_dropout_case():
    """``forward_propagation_with_dropout_test_case``: X (3, 5), then the parameters."""
    rng = np.random.RandomState(1)
    X = rng.randn(3, 5)
    parameters = {"W1": rng.randn(2, 3), "b1": rng.randn(2, 1), "W2": rng.randn(3, 2),
                  "b2": rng.randn(3, 1), "W3": rng.randn(1, 3), "b3": rng.randn(1, 1)}
    return X, np.array([[1, 1, 0, 1, 0]], dtype=float), parameters


def relu(Z):
    return np.maximum(0, Z)


def sigmoid(Z):
    return 1 / (1 + np.exp(-Z))


# -- the notebook's functions, transcribed --------------------------------------------
def notebook_cross_entropy(a3, Y):
    m = Y.shape[1]
    logprobs = np.multiply(-np.log(a3), Y) + np.multiply(-np.log(1 - a3), 1 - Y)
    return 1. / m * np.nansum(logprobs)


def compute_cost_with_regularization_nb(A3, Y, parameters, lambd):
    m = Y.shape[1]
    W1, W2, W3 = parameters["W1"], parameters["W2"], parameters["W3"]
    cross_entropy_cost = notebook_cross_entropy(A3, Y)
    L2_regularization_cost = (1 / m) * (lambd / 2) * (
        np.sum(np.square(W1)) + np.sum(np.square(W2)) + np.sum(np.square(W3)))
    return cross_entropy_cost + L2_regularization_cost


def backward_propagation_with_regularization_nb(X, Y, p, lambd):
    m = X.shape[1]
    Z1 = np.dot(p["W1"], X) + p["b1"]
    A1 = relu(Z1)
    Z2 = np.dot(p["W2"], A1) + p["b2"]
    A2 = relu(Z2)
    A3 = sigmoid(np.dot(p["W3"], A2) + p["b3"])
    dZ3 = A3 - Y
    dW3 = 1. / m * np.dot(dZ3, A2.T) + (lambd / m) * p["W3"]
    db3 = 1. / m * np.sum(dZ3, axis=1, keepdims=True)
    dA2 = np.dot(p["W3"].T, dZ3)
    dZ2 = np.multiply(dA2, np.int64(A2 > 0))
    dW2 = 1. / m * np.dot(dZ2, A1.T) + (lambd / m) * p["W2"]
    db2 = 1. / m * np.sum(dZ2, axis=1, keepdims=True)
    dA1 = np.dot(p["W2"].T, dZ2)
    dZ1 = np.multiply(dA1, np.int64(A1 > 0))
    dW1 = 1. / m * np.dot(dZ1, X.T) + (lambd / m) * p["W1"]
    db1 = 1. / m * np.sum(dZ1, axis=1, keepdims=True)
    return {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2, "dW3": dW3, "db3": db3}


def propagation_with_dropout_nb(X, Y, p, keep_prob, seed):
    """forward_ and backward_propagation_with_dropout, transcribed (the notebook seeds
    the global generator before the masks: here a RandomState of that seed)."""
    rng = np.random.RandomState(seed)
    m = X.shape[1]
    Z1 = np.dot(p["W1"], X) + p["b1"]
    A1 = relu(Z1)
    D1 = rng.rand(A1.shape[0], A1.shape[1])
    D1 = D1 < keep_prob
    A1 = A1 * D1
    A1 = A1 / keep_prob
    Z2 = np.dot(p["W2"], A1) + p["b2"]
    A2 = relu(Z2)
    D2 = rng.rand(A2.shape[0], A2.shape[1])
    D2 = D2 < keep_prob
    A2 = A2 * D2
    A2 = A2 / keep_prob
    A3 = sigmoid(np.dot(p["W3"], A2) + p["b3"])
    dZ3 = A3 - Y
    dW3 = 1. / m * np.dot(dZ3, A2.T)
    db3 = 1. / m * np.sum(dZ3, axis=1, keepdims=True)
    dA2 = np.dot(p["W3"].T, dZ3)
    dA2 = dA2 * D2
    dA2 = dA2 / keep_prob
    dZ2 = np.multiply(dA2, np.int64(A2 > 0))
    dW2 = 1. / m * np.dot(dZ2, A1.T)
    db2 = 1. / m * np.sum(dZ2, axis=1, keepdims=True)
    dA1 = np.dot(p["W2"].T, dZ2)
    dA1 = dA1 * D1
    dA1 = dA1 / keep_prob
    dZ1 = np.multiply(dA1, np.int64(A1 > 0))
    dW1 = 1. / m * np.dot(dZ1, X.T)
    db1 = 1. / m * np.sum(dZ1, axis=1, keepdims=True)
    return A3, {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2, "dW3": dW3, "db3": db3}


def assert_close(actual: dict, expected: dict, rtol=1e-13) -> None:
    assert actual.keys() == expected.keys()
    for key, value in expected.items():
        np.testing.assert_allclose(actual[key], value, rtol=rtol, atol=1e-15, err_msg=key)


# -- L2 --------------------------------------------------------------------------------
def test_l2_cost_is_the_notebooks_printed_number():
    parameters = notebook_parameters()
    A3 = np.array([[0.40682402, 0.01629284, 0.16722898, 0.10118111, 0.40682402]])
    Y = np.array([[1, 1, 0, 1, 0]], dtype=float)
    arch = Architecture((3, 2, 3, 1), ("relu", "relu"))
    cache = forward(np.zeros((3, 5)), parameters, arch)          # only Z[L], A[L] matter
    cache.Z[3], cache.A[3] = np.log(A3 / (1 - A3)), A3
    cost = compute_cost_with_regularization(cache, Y, parameters, arch, Regularization(l2=0.1))
    assert cost == pytest.approx(1.78648594516, abs=1e-11)
    assert cost == pytest.approx(compute_cost_with_regularization_nb(A3, Y, parameters, 0.1),
                                 rel=1e-14)


def test_l2_gradients_are_the_notebooks():
    rng = np.random.RandomState(3)
    X, Y = rng.randn(3, 7), (rng.rand(1, 7) < 0.5).astype(float)
    p = notebook_parameters()
    grads = backward(p, forward(X, p, ARCH), Y, ARCH, regularization=Regularization(l2=0.7))
    assert_close(grads, backward_propagation_with_regularization_nb(X, Y, p, 0.7))


def test_l1_is_tensorflow_playgrounds_penalty_scaled_by_1_over_m():
    rng = np.random.RandomState(5)
    X, Y = rng.randn(3, 6), (rng.rand(1, 6) < 0.5).astype(float)
    p = notebook_parameters()
    p["W2"][0, 0] = 0.0                                   # sign(0) = 0: no pull at 0
    l1 = Regularization(l1=0.3)
    cache = forward(X, p, ARCH)
    weights = [p["W1"], p["W2"], p["W3"]]
    expected_J = compute_cost(cache, Y, ARCH) + (0.3 / 6) * sum(np.abs(W).sum() for W in weights)
    assert compute_cost_with_regularization(cache, Y, p, ARCH, l1) == pytest.approx(
        expected_J, rel=1e-15)
    plain, penalized = backward(p, cache, Y, ARCH), backward(p, cache, Y, ARCH,
                                                             regularization=l1)
    for l in (1, 2, 3):
        assert np.array_equal(penalized[f"dW{l}"],
                              plain[f"dW{l}"] + (0.3 / 6) * np.sign(p[f"W{l}"]))
        assert np.array_equal(penalized[f"db{l}"], plain[f"db{l}"])      # biases are free
    assert penalized["dW2"][0, 0] == plain["dW2"][0, 0]


def test_both_penalties_add_up_and_none_changes_nothing():
    rng = np.random.RandomState(6)
    X, Y = rng.randn(3, 4), (rng.rand(1, 4) < 0.5).astype(float)
    p = notebook_parameters()
    both = Regularization(l2=0.2, l1=0.1)
    assert regularization_cost(p, 3, 4, both) == pytest.approx(
        regularization_cost(p, 3, 4, Regularization(l2=0.2))
        + regularization_cost(p, 3, 4, Regularization(l1=0.1)), rel=1e-15)
    cache = forward(X, p, ARCH)
    plain = backward(p, cache, Y, ARCH)
    for regularization in (None, NO_REGULARIZATION, Regularization(keep_prob=1.0)):
        same = backward(p, cache, Y, ARCH, regularization=regularization)
        assert all(np.array_equal(same[k], plain[k]) for k in plain)
    assert compute_cost_with_regularization(cache, Y, p, ARCH, NO_REGULARIZATION) == \
        compute_cost(cache, Y, ARCH)
    assert weight_norm(p, 3) == pytest.approx(
        np.sqrt(sum(np.sum(p[f"W{l}"] ** 2) for l in (1, 2, 3))), rel=1e-15)


# -- gradient checks include the penalties -------------------------------------------------
@pytest.mark.parametrize("regularization", [Regularization(l2=0.7), Regularization(l1=0.4),
                                            Regularization(l2=0.5, l1=0.2, keep_prob=0.5)])
@pytest.mark.parametrize("activation", ["tanh", "sigmoid"])
def test_gradient_check_passes_with_penalties(regularization, activation):
    rng = np.random.RandomState(8)
    arch = Architecture((3, 4, 3, 1), (activation, activation))
    X, Y = rng.randn(3, 9), (rng.rand(1, 9) < 0.5).astype(float)
    p = {f"{k}{l}": rng.randn(*shape) for l, shape in enumerate(
        [(4, 3), (3, 4), (1, 3)], start=1) for k in ("W",)}
    p.update({f"b{l}": rng.randn(n, 1) for l, n in enumerate((4, 3, 1), start=1)})
    result = gradient_check(p, X, Y, arch, regularization=regularization)
    assert result.difference < 1e-7
    assert result.dropout_left_out == regularization.dropout


def test_gradient_check_catches_a_backprop_that_forgets_the_penalty():
    rng = np.random.RandomState(9)
    arch = Architecture((3, 4, 1), ("tanh",))
    X, Y = rng.randn(3, 9), (rng.rand(1, 9) < 0.5).astype(float)
    p = {"W1": rng.randn(4, 3), "b1": rng.randn(4, 1), "W2": rng.randn(1, 4),
         "b2": rng.randn(1, 1)}

    def forgetful(parameters, X, Y, arch, regularization=None):
        return backward(parameters, forward(X, parameters, arch), Y, arch)

    result = gradient_check(p, X, Y, arch, gradients=forgetful,
                            regularization=Regularization(l2=2.0))
    assert result.difference > 1e-3


# -- dropout --------------------------------------------------------------------------
def test_dropout_forward_gives_the_notebooks_printed_output():
    X, _, p = notebook_dropout_case()
    dropout = draw_dropout(ARCH.layer_dims, 5, 0.7, np.random.RandomState(1))
    A3 = forward(X, p, ARCH, dropout).A[3]
    np.testing.assert_allclose(A3, [[0.36974721, 0.00305176, 0.04565099, 0.49683389,
                                     0.36974721]], atol=6e-9)


@pytest.mark.parametrize("keep_prob", [0.7, 0.86])
def test_dropout_forward_and_backward_are_the_notebooks(keep_prob):
    X, Y, p = notebook_dropout_case()
    dropout = draw_dropout(ARCH.layer_dims, 5, keep_prob, np.random.RandomState(1))
    cache = forward(X, p, ARCH, dropout)
    A3, expected = propagation_with_dropout_nb(X, Y, p, keep_prob, seed=1)
    assert np.array_equal(cache.A[3], A3)
    assert_close(backward(p, cache, Y, ARCH), expected)


def test_dropout_on_tanh_layers_uses_g_prime_of_z_before_dropout():
    rng = np.random.RandomState(11)
    arch = Architecture((2, 5, 4, 1), ("tanh", "tanh"))
    X, Y = rng.randn(2, 8), (rng.rand(1, 8) < 0.5).astype(float)
    p = {"W1": rng.randn(5, 2), "b1": rng.randn(5, 1), "W2": rng.randn(4, 5),
         "b2": rng.randn(4, 1), "W3": rng.randn(1, 4), "b3": rng.randn(1, 1)}
    dropout = draw_dropout(arch.layer_dims, 8, 0.6, np.random.RandomState(2))
    D1, D2 = dropout.masks
    A1 = np.tanh(p["W1"] @ X + p["b1"]) * D1 / 0.6
    A2 = np.tanh(p["W2"] @ A1 + p["b2"]) * D2 / 0.6
    A3 = sigmoid(p["W3"] @ A2 + p["b3"])
    dZ3 = A3 - Y
    dZ2 = (p["W3"].T @ dZ3) * D2 / 0.6 * (1 - np.tanh(p["W2"] @ A1 + p["b2"]) ** 2)
    dZ1 = (p["W2"].T @ dZ2) * D1 / 0.6 * (1 - np.tanh(p["W1"] @ X + p["b1"]) ** 2)
    expected = {"dW1": dZ1 @ X.T / 8, "db1": dZ1.sum(1, keepdims=True) / 8,
                "dW2": dZ2 @ A1.T / 8, "db2": dZ2.sum(1, keepdims=True) / 8,
                "dW3": dZ3 @ A2.T / 8, "db3": dZ3.sum(1, keepdims=True) / 8}
    assert_close(backward(p, forward(X, p, arch, dropout), Y, arch), expected)


def test_masks_are_drawn_layer_by_layer_from_the_runs_generator():
    rng, twin = np.random.RandomState(4), np.random.RandomState(4)
    dropout = draw_dropout((2, 5, 3, 1), 7, 0.8, rng)
    assert [D.shape for D in dropout.masks] == [(5, 7), (3, 7)]
    assert np.array_equal(dropout.masks[0], twin.rand(5, 7) < 0.8)
    assert np.array_equal(dropout.masks[1], twin.rand(3, 7) < 0.8)
    state = rng.get_state()[1].copy()
    assert draw_dropout((2, 5, 1), 7, 1.0, rng) is None                 # draws nothing
    assert np.array_equal(rng.get_state()[1], state)


def test_without_masks_the_forward_pass_is_the_plain_one():
    X, _, p = notebook_dropout_case()
    plain = forward(X, p, ARCH)
    A1 = np.maximum(0, p["W1"] @ X + p["b1"])                  # relu, relu, sigmoid, by hand
    A2 = np.maximum(0, p["W2"] @ A1 + p["b2"])
    A3 = 1 / (1 + np.exp(-(p["W3"] @ A2 + p["b3"])))
    np.testing.assert_allclose(plain.A[3], A3, rtol=1e-12)
    assert plain.dropout is None


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"l2": -0.1}, "l2"), ({"l1": float("nan")}, "l1"), ({"keep_prob": 0.0}, "keep_prob"),
    ({"keep_prob": 1.5}, "keep_prob")])
def test_bad_regularizations_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Regularization(**kwargs)


@pytest.mark.parametrize("activations", [("tanh", "tanh"), ("relu", "sigmoid")])
def test_dropout_backprop_matches_two_sided_differences_with_the_masks_held(activations):
    """With the masks D[l] held fixed, J(θ) is an ordinary function of θ: backprop
    through dropout must match its two-sided differences (ε = 1e-7)."""
    rng = np.random.RandomState(5)
    arch = Architecture((2, 5, 4, 1), activations)
    X, Y = rng.randn(2, 12), (rng.rand(1, 12) < 0.5).astype(float)
    p = initialize_parameters(arch.layer_dims, "random", rng, 0.8)
    dropout = draw_dropout(arch.layer_dims, 12, 0.7, np.random.RandomState(3))
    grads = backward(p, forward(X, p, arch, dropout), Y, arch)
    eps = 1e-7
    for key, value in p.items():
        approx = np.zeros_like(value)
        for index in np.ndindex(value.shape):
            plus, minus = dict(p), dict(p)
            plus[key], minus[key] = value.copy(), value.copy()
            plus[key][index] += eps
            minus[key][index] -= eps
            J_plus = compute_cost(forward(X, plus, arch, dropout), Y, arch)
            J_minus = compute_cost(forward(X, minus, arch, dropout), Y, arch)
            approx[index] = (J_plus - J_minus) / (2 * eps)
        difference = (np.linalg.norm(grads[f"d{key}"] - approx)
                      / (np.linalg.norm(grads[f"d{key}"]) + np.linalg.norm(approx)))
        assert difference < 1e-6, (key, difference)

