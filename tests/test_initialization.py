"""Initialisation schemes and seeds: the course's own numbers."""

from __future__ import annotations

import math

import numpy as np
import pytest

from playground.core.initialization import INITS, initialize_parameters


def test_course_planar_initialisation_seed_2():
    # planar-data notebook, initialize_parameters(n_x=2, n_h=4, n_y=1) after seed 2
    p = initialize_parameters((2, 4, 1), "random", np.random.RandomState(2))
    np.testing.assert_allclose(p["W1"], [[-0.00416758, -0.00056267], [-0.02136196, 0.01640271],
                                         [-0.01793436, -0.00841747], [0.00502881, -0.01245288]],
                               atol=5e-9)
    np.testing.assert_allclose(p["W2"], [[-0.01057952, -0.00909008, 0.00551454, 0.02292208]],
                               atol=5e-9)
    assert not p["b1"].any() and p["b1"].shape == (4, 1) and p["b2"].shape == (1, 1)


def test_course_deep_initialisation_seed_3():
    # deep-network notebook, initialize_parameters_deep([5, 4, 3]) after seed 3
    p = initialize_parameters((5, 4, 3), "random", np.random.RandomState(3))
    np.testing.assert_allclose(p["W1"][0], [0.01788628, 0.0043651, 0.00096497, -0.01863493,
                                            -0.00277388], atol=5e-9)
    np.testing.assert_allclose(p["W2"][0], [-0.01185047, -0.0020565, 0.01486148, 0.00236716],
                               atol=5e-9)


def test_draw_order_is_w1_then_w2_bit_for_bit():
    rng = np.random.RandomState(7)
    expected_W1 = rng.randn(3, 2) * 0.5
    expected_W2 = rng.randn(1, 3) * 0.5
    p = initialize_parameters((2, 3, 1), "random", np.random.RandomState(7), scale=0.5)
    assert np.array_equal(p["W1"], expected_W1) and np.array_equal(p["W2"], expected_W2)


@pytest.mark.parametrize("init,factor", [("xavier", math.sqrt(1 / 6)), ("he", math.sqrt(2 / 6))])
def test_xavier_and_he_factors(init, factor):
    p = initialize_parameters((6, 5), init, np.random.RandomState(1))
    assert np.array_equal(p["W1"], np.random.RandomState(1).randn(5, 6) * factor)


def test_zeros_draws_nothing_and_is_zero():
    rng = np.random.RandomState(1)
    p = initialize_parameters((2, 4, 3, 1), "zeros", rng)
    assert all(not v.any() for v in p.values())
    assert rng.randn() == np.random.RandomState(1).randn()   # the stream was not touched


def test_same_seed_same_parameters_different_seed_different():
    for init in INITS:
        a = initialize_parameters((2, 5, 3, 1), init, np.random.RandomState(11))
        b = initialize_parameters((2, 5, 3, 1), init, np.random.RandomState(11))
        assert all(np.array_equal(a[k], b[k]) for k in a)
    c = initialize_parameters((2, 5, 3, 1), "he", np.random.RandomState(12))
    assert not np.array_equal(a["W1"], c["W1"])


def test_unknown_scheme_is_refused():
    with pytest.raises(ValueError, match="unknown initialisation 'ones'"):
        initialize_parameters((2, 1), "ones", np.random.RandomState(0))
