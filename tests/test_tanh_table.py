"""Both tanh paths agree with tanh: the table (forced, whatever this machine chose) to a
few ulp, np.tanh (forced) exactly; in passes or whole, float64 and float32; and an engine
on either path agrees with the plain formulas."""

from __future__ import annotations

import math

import numpy as np
import pytest
from conftest import assert_same_parameters
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from playground.core.datasets import make_dataset
from playground.core.fast import calibrate, tanh_table
from playground.core.fast.calibrate import KernelChoices, TanhPlan
from playground.core.fast.calls import Calls, now
from playground.core.fast.engine import Engine
from playground.core.fast.kernels import Work, tanh_into
from playground.core.initialization import initialize_parameters
from playground.core.network import Architecture, train_step

SIZE = calibrate.MIN_TABLE_SIZE          # large enough for a forced table


@pytest.fixture
def table():
    with calibrate.forced("table") as choices:
        yield choices


@pytest.fixture
def plain():
    with calibrate.forced("plain") as choices:
        yield choices


def table_in_passes(block: int, table_from: int = SIZE) -> KernelChoices:
    return KernelChoices(tuple(TanhPlan(d.name, table_from, block) for d in tanh_table.DTYPES),
                         "given")


def kernel_tanh(x: np.ndarray) -> np.ndarray:
    out = np.empty_like(x)
    tanh_into(now, x, out, Work.of_shape(x.shape, x.dtype))
    return out


def exact_tanh(x: np.ndarray) -> np.ndarray:
    return np.array([math.tanh(v) for v in x.ravel().astype(float)]).reshape(x.shape)


def relative_error(actual: np.ndarray, expected: np.ndarray) -> float:
    actual = actual.astype(float)
    return float(np.max(np.abs(actual - expected) / np.maximum(np.abs(expected), 1e-300)))


@pytest.mark.parametrize("scale", [1e-6, 0.01, 0.3, 2.0, 8.0, 30.0])
def test_agrees_with_tanh_to_a_few_ulp(table, scale):
    x = np.random.default_rng(1).standard_normal(20 * SIZE) * scale
    assert relative_error(kernel_tanh(x), exact_tanh(x)) <= 1e-15


def test_agrees_at_every_grid_point_and_midpoint(table):
    # the two places the split x = a + d is tested hardest: d = 0 and |d| = 1/2H
    k = np.arange(-tanh_table.K, tanh_table.K + 1)
    x = np.concatenate([k / tanh_table.H, (k + 0.5) / tanh_table.H])
    assert relative_error(kernel_tanh(x), exact_tanh(x)) <= 1e-15
    x32 = x.astype(np.float32)
    assert relative_error(kernel_tanh(x32), exact_tanh(x32)) <= 1e-6


@settings(max_examples=40, deadline=None)
@given(arrays(np.float64, SIZE, elements=st.floats(allow_nan=False, allow_infinity=True,
                                                   allow_subnormal=True)))
def test_any_float_gives_tanh_and_is_exactly_odd(x):
    with calibrate.forced("table"):
        y = kernel_tanh(x)
        np.testing.assert_array_equal(kernel_tanh(-x), -y)
    assert relative_error(y, exact_tanh(x)) <= 1e-15
    assert np.all(np.abs(y) <= 1)


@settings(max_examples=40, deadline=None)
@given(arrays(np.float32, SIZE, elements=st.floats(allow_nan=False, allow_infinity=True,
                                                   allow_subnormal=True, width=32)))
def test_any_float32_gives_tanh_to_its_precision_and_is_exactly_odd(x):
    with calibrate.forced("table"):
        y = kernel_tanh(x)
        np.testing.assert_array_equal(kernel_tanh(-x), -y)
    assert y.dtype == np.float32
    assert relative_error(y, exact_tanh(x)) <= 1e-6
    assert np.all(np.abs(y) <= 1)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_nan_stays_nan_and_infinities_saturate(table, dtype):
    x = np.zeros(SIZE, dtype)
    x[:4] = [np.nan, np.inf, -np.inf, np.finfo(dtype).max]
    with np.errstate(all="raise"):
        y = kernel_tanh(x)
    assert np.isnan(y[0]) and y[1] == 1.0 and y[2] == -1.0 and y[3] == 1.0
    assert not np.isnan(y[1:]).any()


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_the_plain_path_is_numpys_tanh_bit_for_bit(plain, dtype):
    x = (np.random.default_rng(2).standard_normal(40 * SIZE) * 3).astype(dtype)
    np.testing.assert_array_equal(kernel_tanh(x), np.tanh(x))


def test_arrays_below_the_smallest_table_size_always_use_numpy(table):
    x = np.random.default_rng(2).standard_normal(SIZE - 1) * 3
    np.testing.assert_array_equal(kernel_tanh(x), np.tanh(x))
    assert calibrate.tanh_block(x) == 0 and calibrate.tanh_block(np.zeros(SIZE)) > 0


def test_other_float_types_use_numpy(table):
    x = np.linspace(-3, 3, 4 * SIZE, dtype=np.float16)
    assert calibrate.tanh_block(x) == 0
    np.testing.assert_array_equal(kernel_tanh(x), np.tanh(x))


@pytest.mark.parametrize("block", [SIZE, 1000, 4096, 10**6])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_passes_of_any_block_compute_what_one_pass_computes(block, dtype):
    x = (np.random.default_rng(4).standard_normal((17, 555)) * 4).astype(dtype)
    with calibrate.forced("table"):
        whole = np.empty_like(x)
        tanh_into(now, x, whole, Work.of_shape((1,), dtype))   # too small: its own scratch
    with calibrate.using(table_in_passes(block)):
        recorded, out = Calls(), np.empty_like(x)
        tanh_into(recorded, x, out, Work.of_shape(x.shape, dtype))
    recorded.run()
    np.testing.assert_array_equal(out, whole)      # elementwise: passes change no bit


def test_a_strided_array_is_computed_in_one_pass(table):
    base = np.random.default_rng(5).standard_normal((64, 80)) * 2
    x, out = base[:, ::2], np.empty((64, 80))[:, ::2]
    tanh_into(now, x, out)
    assert relative_error(out, exact_tanh(x)) <= 1e-15


def test_identical_rows_stay_identical(table):
    # the symmetry lesson: units with equal Z must get equal A, to the last bit
    row = np.random.default_rng(3).standard_normal(400)
    y = kernel_tanh(np.tile(row, (8, 1)))
    assert (y == y[0]).all()


@pytest.mark.parametrize("mode", ["table", "plain"])
@pytest.mark.parametrize("hidden", [(8, 8), (64, 3, 16)])
def test_an_engine_on_either_path_agrees_with_the_plain_formulas(mode, hidden):
    # (64, 3, 16): layers of different sizes share one scratch Work, on both tanh paths
    data = make_dataset("flower")
    arch = Architecture((2, *hidden, 1), ("tanh",) * len(hidden))
    p = initialize_parameters(arch.layer_dims, "xavier", np.random.RandomState(0))
    with calibrate.forced(mode):
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
