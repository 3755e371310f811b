"""The course's planar-data notebook, reproduced: flower data, 4 tanh units, seed 2, α = 1.2."""

from __future__ import annotations

import numpy as np
import pytest

from playground.core.datasets import make_dataset
from playground.core.initialization import initialize_parameters
from playground.session.config import RunConfig, make_trainer

# The notebook's printed costs ("Cost after iteration i"). From iteration 8000 on, the run
# is in a regime where last-bit differences (BLAS, (1/m)·x versus x/m) show in the fifth
# decimal: the notebook's own code on this machine prints 0.219427 / 0.218550 there, and
# published reproductions print 0.219454, 0.219467, 0.219471. Up to 7000 every digit is fixed.
COURSE_COSTS = {0: 0.693048, 1000: 0.288083, 2000: 0.254385, 3000: 0.233864, 4000: 0.226792,
                5000: 0.222644, 6000: 0.219731, 7000: 0.217504}
COURSE_LATE_COSTS = {8000: 0.219454, 9000: 0.218607}


@pytest.fixture(scope="module")
def course_run():
    trainer = make_trainer(RunConfig())          # the defaults are the course's settings
    costs = {}
    for i in range(0, 10000, 1000):
        costs[i] = trainer.cost()
        trainer.run(1000)
    return trainer, costs


def _course_transcription(X, Y, iterations):
    """The notebook's nn_model loop, written the way the course writes it (with / m)."""
    p = initialize_parameters((2, 4, 1), "random", np.random.RandomState(2))
    W1, b1, W2, b2 = p["W1"], p["b1"], p["W2"], p["b2"]
    m = X.shape[1]
    for _ in range(iterations):
        A1 = np.tanh(np.dot(W1, X) + b1)
        A2 = 1 / (1 + np.exp(-(np.dot(W2, A1) + b2)))
        dZ2 = A2 - Y
        dW2, db2 = np.dot(dZ2, A1.T) / m, np.sum(dZ2, axis=1, keepdims=True) / m
        dZ1 = np.dot(W2.T, dZ2) * (1 - np.power(A1, 2))
        dW1, db1 = np.dot(dZ1, X.T) / m, np.sum(dZ1, axis=1, keepdims=True) / m
        W1, b1, W2, b2 = W1 - 1.2 * dW1, b1 - 1.2 * db1, W2 - 1.2 * dW2, b2 - 1.2 * db2
    return {"W1": W1, "b1": b1, "W2": W2, "b2": b2}


def test_default_config_is_the_course_setup():
    c = RunConfig()
    assert (c.dataset, c.hidden_layers, c.activations, c.init, c.init_scale, c.seed,
            c.learning_rate, c.test_fraction) == ("flower", (4,), ("tanh",), "random", 0.01,
                                                  2, 1.2, 0.0)


def test_costs_match_the_notebook(course_run):
    _, costs = course_run
    for i, expected in COURSE_COSTS.items():
        assert round(costs[i], 6) == expected, f"iteration {i}: {costs[i]:.6f}"
    for i, expected in COURSE_LATE_COSTS.items():
        assert abs(costs[i] - expected) < 1e-4


def test_accuracy_matches_the_notebook(course_run):
    trainer, _ = course_run
    assert trainer.iteration == 10000
    assert int(trainer.train_accuracy() * 100) == 90          # "Accuracy: 90%"
    assert trainer.train_accuracy() == pytest.approx(0.9075, abs=0.0051)


def test_engine_equals_a_plain_transcription_of_the_formulas():
    data = make_dataset("flower")
    trainer = make_trainer(RunConfig())
    trainer.run(300)
    expected = _course_transcription(data.X, data.Y, 300)
    for key, value in expected.items():
        np.testing.assert_allclose(trainer.parameters[key], value, rtol=1e-12, atol=1e-15)
