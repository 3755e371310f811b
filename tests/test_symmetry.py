"""The signature lesson: zero initialisation keeps every hidden unit identical."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from playground.core.datasets import Dataset, make_dataset
from playground.core.metrics import (
    all_apart,
    distinct_units,
    identical_tolerance,
    unit_spread,
    unit_spreads,
)
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


def greedy_groups(rows: np.ndarray, tolerance: float) -> int:
    """The definition: group the rows within ``tolerance`` of the first remaining one."""
    remaining, count = list(range(len(rows))), 0
    while remaining:
        first = rows[remaining[0]]
        remaining = [i for i in remaining if np.linalg.norm(rows[i] - first) > tolerance]
        count += 1
    return count


@settings(max_examples=300, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 12), k=st.integers(1, 6),
       size=st.floats(-3, 3), nudge=st.sampled_from([0, 1e-16, 1e-12, 5e-10, 9.9e-10, 1e-9,
                                                     1.01e-9, 2e-9, 1e-6]))
def test_distinct_units_agrees_with_greedy_grouping_near_the_tolerance(seed, n, k, size,
                                                                       nudge):
    # Rows drawn from a few originals, some of them nudged by about the tolerance.
    rng = np.random.default_rng(seed)
    originals = rng.standard_normal((rng.integers(1, n + 1), k + 1)) * 10.0**size
    rows = originals[rng.integers(0, len(originals), n)]
    scale = max(1.0, float(np.abs(rows).max()))
    nudged = rng.integers(0, 2, (n, 1))
    rows = rows + nudged * rng.standard_normal(rows.shape) * nudge * scale / np.sqrt(k + 1)
    W, b = rows[:, :-1], rows[:, -1:]
    tolerance = identical_tolerance(W, b)
    count = greedy_groups(rows, tolerance)
    assert distinct_units(W, b) == count
    if all_apart(rows, tolerance):                # the shortcut: sure that no two are close
        assert count == n


def test_distinct_units_of_a_wide_layer_takes_the_shortcut_only_when_sure():
    rows = np.random.default_rng(0).standard_normal((64, 65))
    assert all_apart(rows, identical_tolerance(rows, np.zeros((64, 1))))
    assert distinct_units(rows[:, :-1], rows[:, -1:]) == 64
    rows[40] = rows[3]
    rows[41] = rows[3] + 1e-11                     # closer than the tolerance: the same unit
    assert not all_apart(rows, 1e-9)
    assert distinct_units(rows[:, :-1], rows[:, -1:]) == 62
    rows[41, 7] += 1e-6                            # far enough apart in one column only
    assert distinct_units(rows[:, :-1], rows[:, -1:]) == 63


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
