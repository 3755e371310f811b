"""Mini-batches as the course's ``random_mini_batches`` cuts them (course 2, week 2)."""

from __future__ import annotations

import numpy as np
import pytest

from playground.bench.minibatch import random_mini_batches as notebook_batches
from playground.core.minibatch import Batching, epoch_mini_batches, random_mini_batches


def notebook_random_mini_batches(X, Y, mini_batch_size=64, seed=0):
    """The notebook's function (transcribed in the mini-batch benchmark, which passes the
    generator the notebook seeds with ``np.random.seed(seed)``)."""
    return notebook_batches(X, Y, mini_batch_size, np.random.RandomState(seed))


@pytest.fixture
def notebook_case():
    """The notebook's ``random_mini_batches_test_case``: m = 148, B = 64."""
    state = np.random.get_state()
    np.random.seed(1)
    X = np.random.randn(12288, 148)
    Y = np.random.randn(1, 148) < 0.5
    np.random.set_state(state)
    return X, Y


def test_the_notebook_case_gives_its_printed_shapes_and_values(notebook_case):
    X, Y = notebook_case
    batches = random_mini_batches(X, Y, 64, np.random.RandomState(0))
    assert [b[0].shape for b in batches] == [(12288, 64), (12288, 64), (12288, 20)]
    assert [b[1].shape for b in batches] == [(1, 64), (1, 64), (1, 20)]
    # "mini batch sanity check": mini_batches[0][0][0][0:3]
    np.testing.assert_allclose(batches[0][0][0][0:3], [0.90085595, -0.7612069, 0.2344157],
                               atol=5e-9)


@pytest.mark.parametrize(("m", "B", "seed"), [(148, 64, 0), (300, 64, 11), (10, 3, 12),
                                               (7, 7, 5), (9, 1, 3)])
def test_batches_are_the_notebooks_exactly(m, B, seed):
    rng = np.random.RandomState(99)
    X, Y = rng.randn(3, m), (rng.rand(1, m) < 0.5).astype(float)
    state = np.random.get_state()
    expected = notebook_random_mini_batches(X, Y, B, seed)
    np.random.set_state(state)
    actual = random_mini_batches(X, Y, B, np.random.RandomState(seed))
    assert len(actual) == len(expected)
    for (X_k, Y_k), (X_e, Y_e) in zip(actual, expected):
        assert np.array_equal(X_k, X_e) and np.array_equal(Y_k, Y_e)


def test_epoch_e_is_shuffled_by_seed_plus_e_as_the_notebooks_model_does():
    """model(): seed = 10; each epoch: seed = seed + 1; random_mini_batches(…, seed)."""
    rng = np.random.RandomState(3)
    X, Y = rng.randn(2, 150), rng.randn(1, 150)
    batching = Batching(150, 64, shuffle_seed=10)
    for epoch in (1, 2, 7):
        ours = epoch_mini_batches(X, Y, batching, epoch)
        theirs = random_mini_batches(X, Y, 64, np.random.RandomState(10 + epoch))
        assert len(ours) == len(theirs) == 3                      # 64 + 64 + 22
        assert all(np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])
                   for a, b in zip(ours, theirs))
        assert np.array_equal(batching.permutation(epoch, None),
                              np.random.RandomState(10 + epoch).permutation(150))


def test_without_a_shuffle_seed_each_epoch_draws_from_the_runs_generator():
    batching = Batching(20, 6)
    rng, twin = np.random.RandomState(4), np.random.RandomState(4)
    first, second = batching.permutation(1, rng), batching.permutation(2, rng)
    assert np.array_equal(first, twin.permutation(20))
    assert np.array_equal(second, twin.permutation(20))
    with pytest.raises(ValueError, match="generator"):
        batching.permutation(1, None)


def test_a_full_batch_is_the_training_set_in_its_own_order_and_draws_nothing():
    X, Y = np.arange(12.0).reshape(2, 6), np.ones((1, 6))
    rng = np.random.RandomState(0)
    state = rng.get_state()[1].copy()
    batching = Batching(6, 6)
    assert batching.full_batch and batching.batches_per_epoch == 1
    assert batching.permutation(1, rng) is None
    ((X_1, Y_1),) = epoch_mini_batches(X, Y, batching, 1, rng)
    assert X_1 is X and Y_1 is Y
    assert np.array_equal(rng.get_state()[1], state)


def test_counts_sizes_and_columns():
    b = Batching(148, 64)
    assert (b.complete_batches, b.remainder, b.batches_per_epoch) == (2, 20, 3)
    assert [b.size(k) for k in range(3)] == [64, 64, 20]
    assert [b.columns(k) for k in range(3)] == [slice(0, 64), slice(64, 128), slice(128, 148)]
    exact = Batching(128, 64)
    assert (exact.remainder, exact.batches_per_epoch) == (0, 2)


@pytest.mark.parametrize(("m", "B", "seed", "message"), [
    (10, 0, None, "batch size"), (10, 11, None, "batch size"), (0, 1, None, "example"),
    (10, 5, -1, "shuffle seed"), (10, 5, 2**32, "shuffle seed"), (10, 2.0, None, "whole"),
    (10, True, None, "whole"), (10, 5, 1.5, "whole")])
def test_bad_batchings_are_refused(m, B, seed, message):
    with pytest.raises(ValueError, match=message):
        Batching(m, B, seed)


def test_a_large_shuffle_seed_wraps_around_instead_of_failing_mid_run():
    b = Batching(10, 3, shuffle_seed=2**32 - 1)
    assert np.array_equal(b.permutation(1, None), np.random.RandomState(0).permutation(10))
