"""The readable course-2 loop is the optimisation notebook's ``model()`` loop."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from playground.bench.minibatch import random_mini_batches as notebook_batches
from playground.core.initialization import initialize_parameters
from playground.core.network import Architecture
from playground.core.optimizers import Decay, OptimizerSettings
from playground.core.regularization import Regularization
from playground.core.training import TrainingOptions, descend


# -- the notebook's model(), transcribed (opt_utils' 3-layer ReLU network) ---------------
# One change: opt_utils takes ReLU's slope at 0 from ``a > 0`` (0), this project from
# ``z >= 0`` (1, DESIGN.md). It matters here: with b[2] = 0 at the start, an example that
# no unit of layer 1 lets through has z[2] = 0 exactly, and db[2] of the first update
# differs. The transcription uses the project's slope so that everything else is compared.
def forward_propagation(X, p):
    z1 = np.dot(p["W1"], X) + p["b1"]
    a1 = np.maximum(0, z1)
    z2 = np.dot(p["W2"], a1) + p["b2"]
    a2 = np.maximum(0, z2)
    z3 = np.dot(p["W3"], a2) + p["b3"]
    a3 = 1 / (1 + np.exp(-z3))
    return a3, (z1, a1, z2, a2, z3, a3)


def backward_propagation(X, Y, p, cache):
    m = X.shape[1]
    (z1, a1, z2, a2, z3, a3) = cache
    dz3 = 1. / m * (a3 - Y)
    dW3, db3 = np.dot(dz3, a2.T), np.sum(dz3, axis=1, keepdims=True)
    dz2 = np.multiply(np.dot(p["W3"].T, dz3), np.int64(z2 >= 0))
    dW2, db2 = np.dot(dz2, a1.T), np.sum(dz2, axis=1, keepdims=True)
    dz1 = np.multiply(np.dot(p["W2"].T, dz2), np.int64(z1 >= 0))
    dW1, db1 = np.dot(dz1, X.T), np.sum(dz1, axis=1, keepdims=True)
    return {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2, "dW3": dW3, "db3": db3}


def compute_cost(a3, Y):
    logprobs = np.multiply(-np.log(a3), Y) + np.multiply(-np.log(1 - a3), 1 - Y)
    return np.sum(logprobs)


def random_mini_batches(X, Y, mini_batch_size, seed):
    """The notebook's function (its transcription in the mini-batch benchmark), seeded as
    the notebook seeds ``np.random``."""
    return notebook_batches(X, Y, mini_batch_size, np.random.RandomState(seed))


def model(X, Y, parameters, optimizer, learning_rate, mini_batch_size, num_epochs,
          decay_rate=None, beta=0.9, beta1=0.9, beta2=0.999, epsilon=1e-8):
    """The notebook's model() with its update functions inlined, without printing."""
    p = dict(parameters)
    v = {f"d{k}": np.zeros(value.shape) for k, value in p.items()}
    s = {f"d{k}": np.zeros(value.shape) for k, value in p.items()}
    t, seed, m, learning_rate0, costs = 0, 10, X.shape[1], learning_rate, []
    for i in range(num_epochs):
        seed = seed + 1
        cost_total = 0
        for minibatch_X, minibatch_Y in random_mini_batches(X, Y, mini_batch_size, seed):
            a3, caches = forward_propagation(minibatch_X, p)
            cost_total += compute_cost(a3, minibatch_Y)
            grads = backward_propagation(minibatch_X, minibatch_Y, p, caches)
            if optimizer == "adam":
                t = t + 1
            for key in p:
                d = f"d{key}"
                if optimizer == "gd":
                    p[key] = p[key] - learning_rate * grads[d]
                elif optimizer == "momentum":
                    v[d] = beta * v[d] + (1 - beta) * grads[d]
                    p[key] = p[key] - learning_rate * v[d]
                else:
                    v[d] = beta1 * v[d] + (1 - beta1) * grads[d]
                    v_corrected = v[d] / (1 - np.power(beta1, t))
                    s[d] = beta2 * s[d] + (1 - beta2) * np.power(grads[d], 2)
                    s_corrected = s[d] / (1 - np.power(beta2, t))
                    p[key] = p[key] - learning_rate * v_corrected / (np.sqrt(s_corrected)
                                                                     + epsilon)
        costs.append(cost_total / m)
        if decay_rate is not None:
            learning_rate = learning_rate0 / (1 + decay_rate * i)          # update_lr
    return p, costs


def moons_like(m=300, seed=3):
    rng = np.random.RandomState(seed)
    angles = rng.rand(m) * math.pi
    upper = rng.rand(m) < 0.5
    X = np.stack([np.cos(angles) + np.where(upper, 0, 1), np.sin(angles) * np.where(
        upper, 1, -1) + np.where(upper, 0, 0.5)]) + 0.2 * rng.randn(2, m)
    return X, upper[None, :].astype(float)


@pytest.mark.parametrize("optimizer", ["gd", "momentum", "adam"])
@pytest.mark.parametrize("decay_rate", [None, 1.0])
def test_descend_is_the_notebooks_model_loop(optimizer, decay_rate):
    """2-5-2-1 ReLU, He initialisation, B = 64 on m = 300 (4 batches + 44), seed 10."""
    X, Y = moons_like()
    arch = Architecture((2, 5, 2, 1), ("relu", "relu"))
    parameters = initialize_parameters(arch.layer_dims, "he", np.random.RandomState(3))
    learning_rate = 0.0007 if optimizer != "gd" else 0.05
    epochs = 6
    expected, costs = model(X, Y, parameters, optimizer, learning_rate, 64, epochs,
                            decay_rate)
    options = TrainingOptions(64, 10, OptimizerSettings(optimizer),
                              Decay(decay_rate or 0.0))
    updates = list(itertools.islice(descend(X, Y, parameters, arch, learning_rate, options),
                                    epochs * 5))
    for key, value in expected.items():
        np.testing.assert_allclose(updates[-1].parameters[key], value, rtol=1e-12, atol=1e-15)
    sizes = [64, 64, 64, 64, 44]
    for e in range(epochs):
        epoch_updates = updates[5 * e:5 * e + 5]
        assert all(u.epoch == e + 1 for u in epoch_updates)
        ours = sum(u.cost * b for u, b in zip(epoch_updates, sizes)) / 300
        assert ours == pytest.approx(costs[e], rel=1e-12)


def test_descend_counts_updates_and_epochs_and_stays_put_without_updates():
    X, Y = moons_like(m=10)
    arch = Architecture((2, 3, 1), ("tanh",))
    parameters = initialize_parameters(arch.layer_dims, "he", np.random.RandomState(0))
    updates = list(itertools.islice(descend(X, Y, parameters, arch, 0.1, TrainingOptions(
        4, 1)), 7))
    assert [(u.t, u.epoch) for u in updates] == [(1, 1), (2, 1), (3, 1), (4, 2), (5, 2),
                                                 (6, 2), (7, 3)]


def test_options_say_when_they_are_course_1s_plain_descent():
    assert TrainingOptions().is_plain(100) and TrainingOptions(100).is_plain(100)
    for options in (TrainingOptions(50), TrainingOptions(optimizer=OptimizerSettings("adam")),
                    TrainingOptions(decay=Decay(0.1)),
                    TrainingOptions(regularization=Regularization(l1=0.1)),
                    TrainingOptions(regularization=Regularization(keep_prob=0.9))):
        assert not options.is_plain(100)
    assert not TrainingOptions(shuffle_seed=3).uses_generator(100)
    assert TrainingOptions(50).uses_generator(100)
    assert not TrainingOptions(50, shuffle_seed=1).uses_generator(100)
    assert TrainingOptions(regularization=Regularization(keep_prob=0.5)).uses_generator(100)
