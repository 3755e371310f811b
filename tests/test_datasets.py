"""Datasets: the course's flower bit for bit, the registry, validation and splitting."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from playground.core.datasets import (
    DATASETS,
    MAX_SAMPLES,
    Dataset,
    from_labels,
    make_dataset,
    make_flower,
    split,
)

TWO_D = [name for name, spec in DATASETS.items() if name != "housing"]
CLASSIFICATION = [name for name, spec in DATASETS.items() if spec.task != "regression"]


def course_planar_dataset() -> tuple[np.ndarray, np.ndarray]:
    """The course's load_planar_dataset, transcribed with its global-state calls."""
    state = np.random.get_state()
    try:
        np.random.seed(1)
        m = 400
        N = int(m / 2)
        D = 2
        X = np.zeros((m, D))
        Y = np.zeros((m, 1), dtype="uint8")
        a = 4
        for j in range(2):
            ix = range(N * j, N * (j + 1))
            t = np.linspace(j * 3.12, (j + 1) * 3.12, N) + np.random.randn(N) * 0.2
            r = a * np.sin(4 * t) + np.random.randn(N) * 0.2
            X[ix] = np.c_[r * np.sin(t), r * np.cos(t)]
            Y[ix] = j
        return X.T, Y.T
    finally:
        np.random.set_state(state)


# --------------------------------------------------------------------------- flower

def test_flower_defaults_are_the_course_planar_data_bit_for_bit():
    X_ref, Y_ref = course_planar_dataset()
    data = make_dataset("flower")
    assert data.X.shape == (2, 400) and data.Y.shape == (1, 400)
    assert data.X.dtype == np.float64 and data.Y.dtype == np.float64
    assert np.array_equal(data.X, X_ref)                  # exact, not approximate
    assert np.array_equal(data.Y, Y_ref.astype(np.float64))
    assert data.task == "binary" and data.n_classes == 2 and data.name == "flower"
    assert DATASETS["flower"].default_samples == 400
    assert DATASETS["flower"].default_noise == 0.2
    assert DATASETS["flower"].default_seed == 1


def test_flower_explicit_arguments_match_the_defaults():
    X_ref, _ = course_planar_dataset()
    assert np.array_equal(make_dataset("flower", samples=400, noise=0.2, seed=1).X, X_ref)
    assert np.array_equal(make_flower(400, 0.2, np.random.RandomState(1)).X, X_ref)


def test_flower_labels_are_two_unshuffled_blocks_and_odd_counts_go_to_class_1():
    assert np.array_equal(make_dataset("flower").labels, np.repeat([0, 1], 200))
    odd = make_dataset("flower", samples=401)
    assert odd.m == 401
    assert np.array_equal(odd.labels, np.r_[np.zeros(200), np.ones(201)])


def test_flower_noise_zero_puts_points_on_the_rose_curve():
    data = make_dataset("flower", noise=0.0)
    N = 200
    for j in range(2):
        t = np.linspace(j * 3.12, (j + 1) * 3.12, N)
        r = 4 * np.sin(4 * t)
        cols = data.X[:, j * N:(j + 1) * N]
        np.testing.assert_allclose(cols, np.vstack([r * np.sin(t), r * np.cos(t)]), atol=1e-12)


def test_make_dataset_leaves_the_global_random_state_alone():
    before = np.random.get_state()[1].copy()
    for name in DATASETS:
        make_dataset(name, seed=3)
    assert np.array_equal(np.random.get_state()[1], before)


# --------------------------------------------------------------------------- registry

def test_registry_order_puts_the_course_flower_first():
    assert list(DATASETS) == ["flower", "circles", "moons", "xor", "gaussians", "spiral",
                              "linear", "housing", "plane"]


def test_specs_are_frozen_and_consistent():
    for name, spec in DATASETS.items():
        assert spec.name == name and spec.label and spec.description
        assert spec.default_samples >= spec.min_samples(spec.default_classes)
        assert spec.default_noise >= 0
        if spec.task == "regression":
            assert spec.classes == () and spec.default_classes is None
        else:
            assert spec.default_classes in spec.classes
        with pytest.raises(dataclasses.FrozenInstanceError):
            spec.default_samples = 3  # type: ignore[misc]


EXPECTED = {   # name: (task, X shape, Y shape, label set or None)
    "flower": ("binary", (2, 400), (1, 400), {0, 1}),
    "circles": ("binary", (2, 400), (1, 400), {0, 1}),
    "moons": ("binary", (2, 400), (1, 400), {0, 1}),
    "xor": ("binary", (2, 400), (1, 400), {0, 1}),
    "gaussians": ("multiclass", (2, 300), (3, 300), {0, 1, 2}),
    "spiral": ("binary", (2, 400), (1, 400), {0, 1}),
    "linear": ("binary", (2, 200), (1, 200), {0, 1}),
    "housing": ("regression", (1, 100), (1, 100), None),
    "plane": ("regression", (2, 200), (1, 200), None),
}


@pytest.mark.parametrize("name", list(DATASETS))
def test_every_dataset_has_its_shapes_task_and_labels(name):
    task, x_shape, y_shape, label_set = EXPECTED[name]
    data = make_dataset(name)
    assert isinstance(data, Dataset)
    assert (data.task, data.X.shape, data.Y.shape) == (task, x_shape, y_shape)
    assert DATASETS[name].task == task
    assert data.m == x_shape[1] and data.n_x == x_shape[0] and data.n_y == y_shape[0]
    assert len(data.feature_names) == data.n_x
    assert np.all(np.isfinite(data.X)) and np.all(np.isfinite(data.Y))
    if label_set is None:
        assert data.n_classes is None
        with pytest.raises(ValueError, match="regression"):
            data.labels  # noqa: B018
    else:
        assert set(data.labels.tolist()) == label_set
        assert data.n_classes == len(label_set)
        counts = np.bincount(data.labels)
        assert counts.max() - counts.min() <= 1          # balanced classes


@pytest.mark.parametrize("name", TWO_D)
def test_two_d_points_share_one_plotting_scale(name):
    X = make_dataset(name).X
    assert np.all(np.abs(X) < 5.0)
    assert np.max(np.abs(X)) > 2.5                       # and use the plane, not a corner


@pytest.mark.parametrize("name", list(DATASETS))
def test_same_seed_same_data_other_seed_other_data(name):
    a, b, c = (make_dataset(name, seed=s) for s in (7, 7, 8))
    assert np.array_equal(a.X, b.X) and np.array_equal(a.Y, b.Y)
    assert not np.array_equal(a.X, c.X)


@pytest.mark.parametrize("name", list(DATASETS))
@pytest.mark.parametrize("samples", [None, 21, 1000])
def test_samples_are_respected(name, samples):
    spec = DATASETS[name]
    data = make_dataset(name, samples=samples)
    assert data.m == (spec.default_samples if samples is None else samples)
    assert data.Y.shape[1] == data.m


@pytest.mark.parametrize("name", [n for n in TWO_D if DATASETS[n].task != "regression"
                                  and n != "flower"])
def test_noise_is_the_standard_deviation_added_to_the_points(name):
    clean = make_dataset(name, samples=2000, noise=0.0, seed=4)
    noisy = make_dataset(name, samples=2000, noise=0.3, seed=4)
    assert np.array_equal(clean.Y, noisy.Y)
    assert np.std(noisy.X - clean.X) == pytest.approx(0.3, rel=0.05)


def test_flower_noise_widens_the_petals():
    def off_curve(data: Dataset) -> float:
        """Mean distance from the noiseless rose |r| = |4 sin 4t|, t = atan2(x1, x2)."""
        x1, x2 = data.X
        t = np.arctan2(x1, x2)
        return float(np.mean(np.abs(np.hypot(x1, x2) - np.abs(4 * np.sin(4 * t)))))

    assert off_curve(make_dataset("flower", noise=0.0)) < 1e-9
    assert off_curve(make_dataset("flower", noise=0.05)) < off_curve(make_dataset("flower"))


def test_circles_inner_disk_is_class_1_outer_ring_class_0():
    data = make_dataset("circles", noise=0.0)
    radius = np.hypot(*data.X)
    assert np.all(radius[data.labels == 1] <= 1.6)
    assert np.all((radius[data.labels == 0] >= 2.4) & (radius[data.labels == 0] <= 3.6))


def test_xor_label_is_the_quadrant_sign_product():
    data = make_dataset("xor", noise=0.0)
    assert np.array_equal(data.labels, (data.X[0] * data.X[1] > 0).astype(int))
    assert np.all(np.abs(data.X) >= 0.3)


def test_linear_is_separable_by_a_line_with_margin():
    data = make_dataset("linear", noise=0.0)
    normal = np.array([-math.sin(math.pi / 6), math.cos(math.pi / 6)])
    distance = normal @ data.X
    assert np.all(distance[data.labels == 1] >= 0.5)
    assert np.all(distance[data.labels == 0] <= -0.5)


def test_moons_are_two_arcs():
    data = make_dataset("moons", noise=0.0)
    upper = data.X[:, data.labels == 0] / 2.5 + np.array([[0.5], [0.25]])
    lower = data.X[:, data.labels == 1] / 2.5 + np.array([[0.5], [0.25]])
    np.testing.assert_allclose(np.hypot(*upper), 1.0)
    np.testing.assert_allclose(np.hypot(lower[0] - 1, lower[1] - 0.5), 1.0)


@pytest.mark.parametrize("classes", range(2, 9))
def test_gaussians_take_2_to_8_classes(classes):
    data = make_dataset("gaussians", classes=classes, noise=0.0)
    assert data.task == ("binary" if classes == 2 else "multiclass")
    assert data.n_classes == classes
    assert data.Y.shape == ((1 if classes == 2 else classes), 300)
    assert set(data.labels.tolist()) == set(range(classes))
    centres = np.array([data.X[:, data.labels == j].mean(axis=1) for j in range(classes)])
    np.testing.assert_allclose(np.hypot(*centres.T), 2.5)


def test_spiral_has_two_or_three_arms():
    two = make_dataset("spiral")
    three = make_dataset("spiral", classes=3)
    assert two.task == "binary" and two.Y.shape == (1, 400)
    assert three.task == "multiclass" and three.Y.shape == (3, 400)
    assert np.array_equal(three.Y.sum(axis=0), np.ones(400))
    assert np.bincount(three.labels).tolist() == [134, 133, 133]


def test_housing_is_a_relu_of_size():
    data = make_dataset("housing", noise=0.0)
    size, price = data.X[0], data.Y[0]
    assert np.all((size >= 0.2) & (size <= 4.0))
    np.testing.assert_allclose(price, np.maximum(0.0, 1.5 * (size - 1.0)))
    noisy = make_dataset("housing", samples=5000)
    assert np.all(noisy.Y >= 0) and noisy.Y.max() < 6.0
    assert np.all(noisy.Y[0, noisy.X[0] < 0.8] < 0.8)     # small houses stay near 0


def test_plane_is_a_tilted_plane_plus_noise():
    clean = make_dataset("plane", noise=0.0)
    np.testing.assert_allclose(clean.Y[0], 0.5 * clean.X[0] - 0.3 * clean.X[1] + 1.0)
    noisy = make_dataset("plane", samples=5000, noise=0.4)
    residual = noisy.Y[0] - (0.5 * noisy.X[0] - 0.3 * noisy.X[1] + 1.0)
    assert np.std(residual) == pytest.approx(0.4, rel=0.05)


# --------------------------------------------------------------------------- validation

def test_unknown_name_lists_the_choices():
    with pytest.raises(ValueError, match=r"unknown dataset 'petals'; choose from flower, "
                                         r"circles, .*plane"):
        make_dataset("petals")


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"samples": 3}, r"samples must be an integer in \[4, 100000\].*got 3"),
    ({"samples": MAX_SAMPLES + 1}, r"\[4, 100000\].*got 100001"),
    ({"samples": 10.0}, "samples must be an integer"),
    ({"samples": True}, "samples must be an integer"),
    ({"noise": -0.1}, r"noise must be a finite number >= 0, got -0.1"),
    ({"noise": math.nan}, "noise must be a finite number"),
    ({"noise": math.inf}, "noise must be a finite number"),
    ({"noise": "0.2"}, "noise must be a finite number"),
    ({"seed": -1}, r"seed must be an integer in \[0, 4294967295\], got -1"),
    ({"seed": 2**32}, "seed must be an integer"),
    ({"seed": 1.5}, "seed must be an integer"),
    ({"classes": 3}, "dataset 'flower' offers 2 classes, got 3"),
])
def test_make_dataset_rejects_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        make_dataset("flower", **kwargs)


def test_make_dataset_class_rules():
    with pytest.raises(ValueError, match=r"samples must be an integer in \[16, 100000\]"):
        make_dataset("gaussians", classes=8, samples=15)
    assert make_dataset("gaussians", classes=8, samples=16).m == 16
    with pytest.raises(ValueError, match="offers 2, 3 classes, got 4"):
        make_dataset("spiral", classes=4)
    with pytest.raises(ValueError, match="'housing' is a regression dataset; it takes no class"):
        make_dataset("housing", classes=2)
    assert make_dataset("housing", samples=2).m == 2
    assert make_dataset("gaussians", classes=np.int64(4)).n_classes == 4


def test_dataset_validates_its_fields():
    X = np.zeros((2, 3))
    with pytest.raises(ValueError, match="unknown task 'ranking'"):
        Dataset(X, np.zeros((1, 3)), "ranking", "d")
    with pytest.raises(ValueError, match=r"Y has shape \(1, 4\), expected \(n_y, 3\)"):
        Dataset(X, np.zeros((1, 4)), "binary", "d")
    with pytest.raises(ValueError, match=r"binary Y has shape \(2, 3\), expected \(1, 3\)"):
        Dataset(X, np.zeros((2, 3)), "binary", "d")
    with pytest.raises(ValueError, match="binary Y must contain only 0.0 and 1.0"):
        Dataset(X, np.array([[0.0, 0.5, 1.0]]), "binary", "d")
    with pytest.raises(ValueError, match="one-hot"):
        Dataset(X, np.ones((3, 3)), "multiclass", "d")
    with pytest.raises(ValueError, match="k >= 3"):
        Dataset(X, np.eye(2)[:, [0, 1, 1]], "multiclass", "d")
    with pytest.raises(ValueError, match="X contains NaN"):
        Dataset(np.array([[0.0, np.nan, 1.0]]), np.zeros((1, 3)), "regression", "d")
    with pytest.raises(ValueError, match=r"X has shape \(3,\), expected a 2-D"):
        Dataset(np.zeros(3), np.zeros((1, 3)), "regression", "d")
    with pytest.raises(ValueError, match="at least 1 example"):
        Dataset(np.zeros((2, 0)), np.zeros((1, 0)), "regression", "d")
    with pytest.raises(ValueError, match="feature_names must be 2 strings"):
        Dataset(X, np.zeros((1, 3)), "regression", "d", ("a",))


def test_dataset_holds_a_read_only_copy():
    X = np.arange(6, dtype=np.float64).reshape(2, 3)
    data = Dataset(X, np.zeros((1, 3)), "binary", "d")
    X[0, 0] = 99.0
    assert data.X[0, 0] == 0.0
    with pytest.raises(ValueError, match="read-only"):
        data.X[0, 0] = 1.0


# --------------------------------------------------------------------------- from_labels

def test_from_labels_binary_and_one_hot():
    X = np.arange(8.0).reshape(2, 4)
    binary = from_labels(X, np.array([0, 1, 1, 0]), "b")
    assert binary.task == "binary" and binary.Y.tolist() == [[0, 1, 1, 0]]
    multi = from_labels(X, [2, 0, 1, 2], "m", ("u", "v"))
    assert multi.task == "multiclass" and multi.feature_names == ("u", "v")
    assert multi.Y.tolist() == [[0, 1, 0, 0], [0, 0, 1, 0], [1, 0, 0, 1]]
    assert multi.labels.tolist() == [2, 0, 1, 2] and multi.labels.dtype == np.int64
    absent = from_labels(X, [0, 0, 1, 1], "t", n_classes=4)
    assert absent.Y.shape == (4, 4) and absent.n_classes == 4


@pytest.mark.parametrize(("labels", "message"), [
    ([0, 1, 2], r"labels have shape \(3,\), expected \(4,\)"),
    ([0, -1, 1, 0], "labels must be >= 0, found -1"),
    ([0, 0.5, 1, 0], "integer class indices"),
    ([0, 0, 0, 0], "at least 2 classes, got 1"),
    ([0, 1, 2, 5], None),
])
def test_from_labels_rejects_bad_labels(labels, message):
    X = np.zeros((1, 4))
    if message is None:                    # labels above n_classes
        with pytest.raises(ValueError, match=r"labels go up to 5, expected 0..2 for 3 classes"):
            from_labels(X, labels, "d", n_classes=3)
    else:
        with pytest.raises(ValueError, match=message):
            from_labels(X, labels, "d")


# --------------------------------------------------------------------------- split

def numbered(m: int) -> Dataset:
    """A dataset whose column i holds the number i, so columns can be traced."""
    X = np.vstack([np.arange(m, dtype=np.float64), -np.arange(m, dtype=np.float64)])
    return from_labels(X, np.arange(m) % 3, "numbered")


def test_split_fraction_zero_keeps_the_data_unchanged():
    data = numbered(10)
    train, test = split(data, 0.0, np.random.RandomState(0))
    assert train is data and test is None
    assert train.X[0].tolist() == list(range(10))


@pytest.mark.parametrize(("m", "fraction", "n_test"), [
    (400, 0.25, 100), (10, 0.33, 3), (10, 0.35, 4), (2, 0.01, 1), (10, 0.99, 9), (3, 0.5, 2),
])
def test_split_sizes_are_disjoint_and_cover(m, fraction, n_test):
    data = numbered(m)
    train, test = split(data, fraction, np.random.RandomState(5))
    assert test is not None
    assert (train.m, test.m) == (m - n_test, n_test)
    ids = np.concatenate([train.X[0], test.X[0]])
    assert sorted(ids.tolist()) == list(range(m))          # disjoint and covering
    for part in (train, test):                              # columns stay whole
        assert np.array_equal(part.X[1], -part.X[0])
        assert np.array_equal(part.labels, part.X[0].astype(int) % 3)
        assert part.task == data.task and part.n_y == data.n_y


def test_split_is_seeded():
    data = numbered(50)
    a = split(data, 0.2, np.random.RandomState(3))
    b = split(data, 0.2, np.random.RandomState(3))
    c = split(data, 0.2, np.random.RandomState(4))
    assert np.array_equal(a[1].X, b[1].X) and np.array_equal(a[0].X, b[0].X)
    assert not np.array_equal(a[1].X, c[1].X)


def test_split_uses_the_rng_permutation():
    data = numbered(20)
    train, test = split(data, 0.25, np.random.RandomState(9))
    order = np.random.RandomState(9).permutation(20)
    assert test.X[0].tolist() == order[:5].tolist()
    assert train.X[0].tolist() == order[5:].tolist()


@pytest.mark.parametrize("fraction", [-0.1, 1.0, 1.5, math.nan, "0.2", True, None])
def test_split_rejects_fractions_outside_0_1(fraction):
    with pytest.raises(ValueError, match=r"test_fraction must be a number in \[0, 1\)"):
        split(numbered(10), fraction, np.random.RandomState(0))


def test_split_needs_two_examples():
    one = Dataset(np.zeros((1, 1)), np.zeros((1, 1)), "regression", "one")
    with pytest.raises(ValueError, match="cannot split 1 example"):
        split(one, 0.5, np.random.RandomState(0))
