"""The table tanh the engine uses on large arrays agrees with tanh to a few ulp."""

from __future__ import annotations

import math

import numpy as np
import pytest
from conftest import assert_same_parameters
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from playground.core.datasets import make_dataset
from playground.core.fast import tanh_table
from playground.core.fast.calls import now
from playground.core.fast.engine import Engine
from playground.core.fast.kernels import Work, tanh_into
from playground.core.initialization import initialize_parameters
from playground.core.network import Architecture, train_step

SIZE = tanh_table.TABLE_MIN_SIZE          # large enough for the table


def table_tanh(x: np.ndarray) -> np.ndarray:
    out = np.empty_like(x)
    tanh_into(now, x, out, Work.of_shape(x.shape))
    return out


def exact_tanh(x: np.ndarray) -> np.ndarray:
    return np.array([math.tanh(v) for v in x.ravel()]).reshape(x.shape)


def relative_error(actual: np.ndarray, expected: np.ndarray) -> float:
    return float(np.max(np.abs(actual - expected) / np.maximum(np.abs(expected), 1e-300)))


@pytest.mark.parametrize("scale", [1e-6, 0.01, 0.3, 2.0, 8.0, 30.0])
def test_agrees_with_tanh_to_a_few_ulp(scale):
    x = np.random.default_rng(1).standard_normal(20 * SIZE) * scale
    assert relative_error(table_tanh(x), exact_tanh(x)) <= 1e-15


def test_agrees_at_every_grid_point_and_midpoint():
    # the two places the split x = a + d is tested hardest: d = 0 and |d| = 1/2H
    k = np.arange(-tanh_table.K, tanh_table.K + 1)
    x = np.concatenate([k / tanh_table.H, (k + 0.5) / tanh_table.H])
    assert x.size >= SIZE
    assert relative_error(table_tanh(x), exact_tanh(x)) <= 1e-15


@settings(max_examples=40, deadline=None)
@given(arrays(np.float64, SIZE, elements=st.floats(allow_nan=False, allow_infinity=True,
                                                   allow_subnormal=True)))
def test_any_float_gives_tanh_and_is_exactly_odd(x):
    y = table_tanh(x)
    assert relative_error(y, exact_tanh(x)) <= 1e-15
    np.testing.assert_array_equal(table_tanh(-x), -y)
    assert np.all(np.abs(y) <= 1)


def test_nan_stays_nan_and_infinities_saturate():
    x = np.zeros(SIZE)
    x[:4] = [np.nan, np.inf, -np.inf, 1e308]
    with np.errstate(all="raise"):
        y = table_tanh(x)
    assert np.isnan(y[0]) and y[1] == 1.0 and y[2] == -1.0 and y[3] == 1.0
    assert not np.isnan(y[1:]).any()


def test_small_arrays_use_numpy_bit_for_bit():
    x = np.random.default_rng(2).standard_normal(SIZE - 1) * 3
    np.testing.assert_array_equal(table_tanh(x), np.tanh(x))


def test_identical_rows_stay_identical():
    # the symmetry lesson: units with equal Z must get equal A, to the last bit
    row = np.random.default_rng(3).standard_normal(400)
    y = table_tanh(np.tile(row, (8, 1)))
    assert (y == y[0]).all()


@pytest.mark.parametrize("hidden", [(8, 8), (64, 3, 16)])
def test_an_engine_on_the_table_path_agrees_with_the_plain_formulas(hidden):
    # (64, 3, 16): layers of different sizes share one scratch Work, on both tanh paths
    data = make_dataset("flower")
    arch = Architecture((2, *hidden, 1), ("tanh",) * len(hidden))
    assert max(hidden) * data.m >= SIZE
    p = initialize_parameters(arch.layer_dims, "xavier", np.random.RandomState(0))
    engine = Engine(arch, data.X, data.Y)
    engine.load(p)
    for _ in range(10):
        engine.forward()
        cost = engine.cost()
        expected_cost, _, p = train_step(data.X, data.Y, p, arch, 1.2)
        assert cost == pytest.approx(expected_cost, rel=1e-12)
        engine.backward()
        engine.update(1.2)
    assert_same_parameters(engine.parameters(), p)
