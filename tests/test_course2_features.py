"""Input features (TensorFlow Playground's) and input normalisation (course 2)."""

from __future__ import annotations

import numpy as np
import pytest

from playground.core.features import (
    DEFAULT_FEATURES,
    FEATURES,
    Inputs,
    Normalization,
    feature_matrix,
    parse_features,
)


def test_the_registry_names_exactly_the_issues_features():
    assert tuple(FEATURES) == ("x1", "x2", "x1^2", "x2^2", "x1x2", "sin(x1)", "sin(x2)")
    assert DEFAULT_FEATURES == ("x1", "x2")


def test_each_feature_is_its_formula():
    X_raw = np.array([[0.5, -2.0, 3.0], [1.5, 0.25, -1.0]])
    x1, x2 = X_raw
    expected = {"x1": x1, "x2": x2, "x1^2": x1 ** 2, "x2^2": x2 ** 2, "x1x2": x1 * x2,
                "sin(x1)": np.sin(x1), "sin(x2)": np.sin(x2)}
    X = feature_matrix(X_raw, tuple(FEATURES))
    assert X.shape == (7, 3)
    for row, name in zip(X, FEATURES):
        np.testing.assert_array_equal(row, expected[name])


def test_the_default_features_are_the_raw_inputs_and_order_follows_the_choice():
    X_raw = np.random.RandomState(0).randn(2, 5)
    np.testing.assert_array_equal(feature_matrix(X_raw), X_raw)
    X = feature_matrix(X_raw, ("x2^2", "x1"))
    np.testing.assert_array_equal(X, np.stack([X_raw[1] ** 2, X_raw[0]]))


def test_parsing_a_list():
    assert parse_features("x1, x2,x1^2") == ("x1", "x2", "x1^2")
    assert parse_features("sin(x1),x1x2") == ("sin(x1)", "x1x2")


@pytest.mark.parametrize(("text", "message"), [("x3", "unknown feature"), ("", "at least"),
                                               ("x1,x1", "twice"), ("x1,cos(x1)", "unknown")])
def test_bad_feature_lists_are_refused(text, message):
    with pytest.raises(ValueError, match=message):
        parse_features(text)


def test_features_need_points_of_the_plane():
    with pytest.raises(ValueError, match=r"\(2, m\)"):
        feature_matrix(np.zeros((3, 4)), ("x1",))


def test_normalisation_is_fitted_on_the_training_split_only():
    rng = np.random.RandomState(1)
    train, test = rng.randn(3, 50) * [[2], [5], [0.1]] + [[1], [-3], [7]], rng.randn(3, 20)
    norm = Normalization.fit(train)
    mu = train.mean(axis=1, keepdims=True)
    sigma = np.sqrt(((train - mu) ** 2).mean(axis=1, keepdims=True))      # 1/m, the course's
    np.testing.assert_allclose(norm.mean, mu, rtol=1e-15)
    np.testing.assert_allclose(norm.std, sigma, rtol=1e-14)
    normalized = norm.apply(train)
    np.testing.assert_allclose(normalized.mean(axis=1), 0, atol=1e-14)
    np.testing.assert_allclose(normalized.std(axis=1), 1, rtol=1e-14)
    np.testing.assert_array_equal(norm.apply(test), (test - mu) / sigma)     # the same μ, σ


def test_a_constant_feature_is_only_centred():
    X = np.array([[1.0, 2.0, 3.0], [4.0, 4.0, 4.0]])
    np.testing.assert_array_equal(Normalization.fit(X).apply(X)[1], [0.0, 0.0, 0.0])


def test_a_fitted_normalisation_is_frozen_and_checks_shapes():
    norm = Normalization.fit(np.random.RandomState(2).randn(2, 10))
    with pytest.raises(ValueError):
        norm.mean[0, 0] = 5.0
    with pytest.raises(ValueError, match=r"expected \(2, k\)"):
        norm.apply(np.zeros((3, 4)))


def test_inputs_serve_the_training_set_the_test_set_and_the_grid_alike():
    rng = np.random.RandomState(3)
    train_raw, grid_raw = rng.randn(2, 40) * 3 + 1, rng.randn(2, 100)
    inputs = Inputs.fit(train_raw, ("x1", "x2", "x1^2", "x2^2"), normalize=True)
    X_train = inputs.transform(train_raw)
    assert X_train.shape == (4, 40)
    np.testing.assert_allclose(X_train.mean(axis=1), 0, atol=1e-14)
    expected_grid = (feature_matrix(grid_raw, inputs.features) - inputs.normalization.mean) \
        / inputs.normalization.std
    np.testing.assert_array_equal(inputs.transform(grid_raw), expected_grid)


def test_inputs_without_features_or_normalisation_pass_the_data_through():
    X = np.random.RandomState(4).randn(5, 7)                 # any number of inputs
    assert Inputs().transform(X) is X
    normalized = Inputs.fit(X, None, normalize=True).transform(X)
    np.testing.assert_allclose(normalized.std(axis=1), 1, rtol=1e-14)
