"""The signature lesson: zero initialisation keeps every hidden unit identical."""

from __future__ import annotations

import numpy as np
import pytest

from playground.core.datasets import Dataset, make_dataset
from playground.core.metrics import distinct_units, unit_spread, unit_spreads
from playground.core.network import Architecture
from playground.session.trainer import Trainer


def _flower(drop_class_1: int = 0) -> Dataset:
    data = make_dataset("flower")
    keep = np.arange(data.m - drop_class_1)        # class 1 occupies the last 200 columns
    return Dataset(data.X[:, keep], data.Y[:, keep], "binary", "flower")


def _train(data: Dataset, activation: str, init: str, steps: int = 200) -> Trainer:
    arch = Architecture((2, 4, 1), (activation,))
    trainer = Trainer(arch, data, init=init, seed=3, learning_rate=1.2)
    assert trainer.run(steps) == steps
    return trainer


def test_sigmoid_zero_init_unbalanced_weights_move_but_units_stay_identical():
    trainer = _train(_flower(drop_class_1=40), "sigmoid", "zeros")
    W1, b1 = trainer.parameters["W1"], trainer.parameters["b1"]
    assert np.abs(W1).max() > 1e-3                   # the weights moved …
    assert (W1 == W1[0]).all() and (b1 == b1[0]).all()   # … every row the same
    assert trainer.unit_spreads() == [0.0]
    assert distinct_units(W1, b1) == 1


def test_sigmoid_zero_init_balanced_classes_nothing_moves():
    data = _flower()
    assert data.Y.mean() == 0.5
    trainer = _train(data, "sigmoid", "zeros")
    # db[L] = mean(0.5 − y) = 0 at every step, so no gradient ever appears
    assert all(not v.any() for v in trainer.parameters.values())


@pytest.mark.parametrize("activation", ["tanh", "relu"])
def test_tanh_or_relu_zero_init_only_the_output_bias_moves(activation):
    trainer = _train(_flower(drop_class_1=40), activation, "zeros")
    p = trainer.parameters
    assert not p["W1"].any() and not p["b1"].any() and not p["W2"].any()
    assert p["b2"].item() != 0.0


@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu"])
def test_random_init_separates_the_units(activation):
    trainer = _train(_flower(drop_class_1=40), activation, "random")
    assert trainer.unit_spreads()[0] > 1e-3
    assert distinct_units(trainer.parameters["W1"], trainer.parameters["b1"]) == 4


def test_unit_spread_values():
    W = np.array([[0.0, 0.0], [3.0, 4.0], [1.0, 1.0]])
    assert unit_spread(W, np.zeros((3, 1))) == pytest.approx(5.0, rel=1e-15)
    assert unit_spread(np.full((5, 3), 0.1), np.full((5, 1), -0.3)) == 0.0
    tiny = np.full((3, 2), 0.7)
    tiny[1, 0] += 1e-12
    assert unit_spread(tiny, np.zeros((3, 1))) == pytest.approx(1e-12, rel=1e-3)
    assert unit_spread(np.ones((1, 2)), np.zeros((1, 1))) == 0.0


def test_distinct_units_counts_groups_and_forgives_rounding():
    W = np.array([[1.0, 2.0], [1.0, 2.0 + 1e-14], [3.0, 0.0], [3.0, 0.0]])
    b = np.zeros((4, 1))
    assert distinct_units(W, b) == 2
    assert distinct_units(np.zeros((5, 3)), np.zeros((5, 1))) == 1
    W[1, 1] = 2.0 + 1e-6
    assert distinct_units(W, b) == 3


def test_deeper_zero_init_layers_stay_identical_up_to_rounding():
    data = _flower(drop_class_1=40)
    trainer = Trainer(Architecture((2, 4, 3, 1), ("sigmoid", "sigmoid")), data, init="zeros",
                      learning_rate=1.0)
    trainer.run(300)
    p = trainer.parameters
    assert np.abs(p["W2"]).max() > 1e-4                   # the weights moved
    assert trainer.unit_spreads()[0] == 0.0
    assert trainer.unit_spreads()[1] < 1e-15              # BLAS rounding, nothing more
    assert [distinct_units(p[f"W{l}"], p[f"b{l}"]) for l in (1, 2)] == [1, 1]


def test_unit_spreads_has_one_entry_per_hidden_layer():
    arch = Architecture((2, 3, 5, 1), ("tanh", "relu"))
    p = {f"W{l}": np.ones((arch.layer_dims[l], arch.layer_dims[l - 1])) for l in (1, 2, 3)}
    p.update({f"b{l}": np.zeros((arch.layer_dims[l], 1)) for l in (1, 2, 3)})
    p["W2"][0, 0] = 2.0
    assert unit_spreads(p, arch) == [0.0, 1.0]
    assert unit_spreads({"W1": np.ones((1, 2)), "b1": np.zeros((1, 1))},
                        Architecture((2, 1), ())) == []
