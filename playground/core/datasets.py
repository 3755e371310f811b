"""Datasets in the course's layout, and a registry of seeded generators.

X : (n_x, m), one **column** per example.  Y : (n_y, m):

- ``binary``      Y is (1, m) of 0.0 / 1.0;
- ``multiclass``  Y is one-hot (k, m) with k ≥ 3 classes;
- ``regression``  Y is (n_y, m) of real values.

Every generator draws from the ``numpy.random.RandomState`` it is given and nothing else.
``flower`` with its defaults (400 samples, noise 0.2, seed 1) is the course's planar data,
bit for bit. The 2-D sets keep their points roughly within [-4, 4] × [-4, 4], so one
decision-boundary plane fits them all.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

TASKS = ("binary", "multiclass", "regression")
MAX_SAMPLES = 100_000
MIN_REGRESSION_SAMPLES = 2
MAX_SEED = 2**32 - 1
MAX_CLASSES = 100


@dataclass(frozen=True, eq=False)
class Dataset:
    """Examples X (n_x, m) with targets Y (n_y, m) for one task.

    Parameters
    ----------
    X : (n_x, m) float64, one column per example (stored as a read-only copy).
    Y : (n_y, m) float64. binary: (1, m) of 0.0/1.0; multiclass: one-hot (k, m), k ≥ 3;
        regression: (n_y, m) values.
    task : "binary", "multiclass" or "regression".
    name : a short name for titles and file names.
    feature_names : n_x names, or () for none.
    """

    X: np.ndarray
    Y: np.ndarray
    task: str
    name: str
    feature_names: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.task not in TASKS:
            raise ValueError(f"unknown task {self.task!r}; expected one of {', '.join(TASKS)}")
        X = _frozen_matrix(self.X, "X")
        Y = _frozen_matrix(self.Y, "Y")
        if X.shape[1] < 1:
            raise ValueError(f"X has shape {X.shape}; a dataset needs at least 1 example")
        if Y.shape[1] != X.shape[1]:
            raise ValueError(f"Y has shape {Y.shape}, expected (n_y, {X.shape[1]}) "
                             f"to match X {X.shape}")
        _check_targets(Y, self.task)
        names = tuple(self.feature_names)
        if names and (len(names) != X.shape[0] or not all(isinstance(s, str) for s in names)):
            raise ValueError(f"feature_names must be {X.shape[0]} strings (one per row of X), "
                             f"got {names!r}")
        object.__setattr__(self, "X", X)
        object.__setattr__(self, "Y", Y)
        object.__setattr__(self, "feature_names", names)

    @property
    def m(self) -> int:
        """Return the number of examples m."""
        return int(self.X.shape[1])

    @property
    def n_x(self) -> int:
        """Return the number of input features n_x."""
        return int(self.X.shape[0])

    @property
    def n_y(self) -> int:
        """Return the number of output rows n_y (1 for binary, k for multiclass)."""
        return int(self.Y.shape[0])

    @property
    def n_classes(self) -> int | None:
        """Return 2 for binary, k for multiclass, None for regression."""
        if self.task == "binary":
            return 2
        if self.task == "multiclass":
            return self.n_y
        return None

    @property
    def labels(self) -> np.ndarray:
        """Return the class index of every example, shape (m,) int64.

        Raises ValueError for a regression dataset, which has no classes.
        """
        if self.task == "binary":
            return self.Y[0].astype(np.int64)
        if self.task == "multiclass":
            return np.argmax(self.Y, axis=0).astype(np.int64)
        raise ValueError(f"dataset {self.name!r} is a regression dataset; it has no labels")


def _frozen_matrix(A: object, what: str) -> np.ndarray:
    """Return a read-only float64 2-D copy of A, or raise ValueError."""
    try:
        M = np.array(A, dtype=np.float64)
    except (TypeError, ValueError) as e:
        raise ValueError(f"{what} must be a 2-D array of numbers: {e}") from None
    if M.ndim != 2:
        raise ValueError(f"{what} has shape {M.shape}, expected a 2-D array (rows, m)")
    if not np.all(np.isfinite(M)):
        raise ValueError(f"{what} contains NaN or infinite values")
    M.setflags(write=False)
    return M


def _check_targets(Y: np.ndarray, task: str) -> None:
    """Raise ValueError unless Y (n_y, m) has the layout ``task`` requires."""
    n_y = Y.shape[0]
    if task == "binary":
        if n_y != 1:
            raise ValueError(f"binary Y has shape {Y.shape}, expected (1, {Y.shape[1]})")
        if not np.all((Y == 0) | (Y == 1)):
            raise ValueError("binary Y must contain only 0.0 and 1.0")
    elif task == "multiclass":
        if n_y < 3:
            raise ValueError(f"multiclass Y has shape {Y.shape}, expected one-hot (k, m) "
                             f"with k >= 3 (use task 'binary' for 2 classes)")
        if not (np.all((Y == 0) | (Y == 1)) and np.all(Y.sum(axis=0) == 1)):
            raise ValueError("multiclass Y must be one-hot: one 1.0 per column, 0.0 elsewhere")
    elif n_y < 1:
        raise ValueError(f"regression Y has shape {Y.shape}, expected (n_y, m) with n_y >= 1")


def task_for_classes(classes: int | None) -> str:
    """Return the task for a class count: None -> regression, 2 -> binary, k ≥ 3 -> multiclass."""
    if classes is None:
        return "regression"
    if classes < 2:
        raise ValueError(f"a classification task needs at least 2 classes, got {classes}")
    return "binary" if classes == 2 else "multiclass"


def from_labels(X: np.ndarray, labels: np.ndarray, name: str,
                feature_names: tuple[str, ...] = (), n_classes: int | None = None) -> Dataset:
    """Return a classification Dataset for X (n_x, m) and class indices ``labels`` (m,).

    With k = ``n_classes`` (default: max(labels) + 1), k == 2 gives a binary Y (1, m)
    and k ≥ 3 a one-hot Y (k, m). Labels must be integers in 0..k-1; a class may be absent
    (a small test set), but k must be at least 2.
    """
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(labels)
    if X.ndim != 2:
        raise ValueError(f"X has shape {X.shape}, expected (n_x, m)")
    m = X.shape[1]
    if y.shape != (m,):
        raise ValueError(f"labels have shape {y.shape}, expected ({m},) to match X {X.shape}")
    if y.dtype.kind not in "iub":
        if y.dtype.kind != "f" or not np.all(np.isfinite(y)) or np.any(y != np.floor(y)):
            raise ValueError("labels must be integer class indices 0..k-1")
    if m and np.min(y) < 0:
        raise ValueError(f"labels must be >= 0, found {np.min(y)}")
    top = int(np.max(y)) + 1 if m else 0
    k = top if n_classes is None else int(n_classes)
    if top > k:
        raise ValueError(f"labels go up to {top - 1}, expected 0..{k - 1} for {k} classes")
    if k > MAX_CLASSES:
        raise ValueError(f"{k} classes is more than the {MAX_CLASSES} supported")
    task = task_for_classes(k)
    y = y.astype(np.int64)
    if task == "binary":
        Y = y.reshape(1, m).astype(np.float64)
    else:
        Y = np.zeros((k, m))
        Y[y, np.arange(m)] = 1.0
    return Dataset(X, Y, task, name, tuple(feature_names))


def split(data: Dataset, test_fraction: float,
          rng: np.random.RandomState) -> tuple[Dataset, Dataset | None]:
    """Return (train, test): a seeded random split of ``data``'s columns.

    ``test_fraction`` in [0, 1). With 0 the result is ``(data, None)`` and the training
    columns keep their order. Otherwise the columns are permuted by ``rng.permutation(m)``;
    the first n_test = round(m · test_fraction), clipped to 1..m-1, form the test set.
    """
    if (isinstance(test_fraction, bool) or not isinstance(test_fraction, numbers.Real)
            or not 0 <= test_fraction < 1):
        raise ValueError(f"test_fraction must be a number in [0, 1), got {test_fraction!r}")
    if test_fraction == 0:
        return data, None
    m = data.m
    if m < 2:
        raise ValueError(f"cannot split {m} example(s); a train/test split needs at least 2")
    n_test = min(max(round(m * float(test_fraction)), 1), m - 1)
    order = rng.permutation(m)
    test_cols, train_cols = order[:n_test], order[n_test:]

    def part(cols: np.ndarray) -> Dataset:
        return Dataset(data.X[:, cols], data.Y[:, cols], data.task, data.name,
                       data.feature_names)

    return part(train_cols), part(test_cols)


# --------------------------------------------------------------------------- generators
# Each one: make(samples, noise, rng, classes) -> Dataset, with validated arguments.

def _class_sizes(m: int, k: int) -> list[int]:
    """Return k class sizes summing to m, the first m % k classes one larger."""
    return [m // k + (1 if j < m % k else 0) for j in range(k)]


def _classes(parts: list[np.ndarray], name: str, k: int) -> Dataset:
    """Return a Dataset whose class j is the block of columns ``parts[j]`` (2, N_j)."""
    X = np.hstack(parts)
    labels = np.concatenate([np.full(P.shape[1], j) for j, P in enumerate(parts)])
    return from_labels(X, labels, name, ("x1", "x2"), n_classes=k)


def make_flower(samples: int, noise: float, rng: np.random.RandomState,
                classes: int | None = 2) -> Dataset:
    """Return the course's planar "flower": X (2, m), binary Y (1, m).

    Class j = 0, 1 (N_0 = m // 2, N_1 = m - N_0 columns, in that order, unshuffled):
    t = linspace(3.12 j, 3.12 (j+1), N) + randn(N)·noise; r = 4 sin 4t + randn(N)·noise;
    points (r sin t, r cos t).
    """
    a = 4
    parts = []
    for j, N in enumerate((samples // 2, samples - samples // 2)):
        t = np.linspace(j * 3.12, (j + 1) * 3.12, N) + rng.randn(N) * noise
        r = a * np.sin(4 * t) + rng.randn(N) * noise
        parts.append(np.vstack([r * np.sin(t), r * np.cos(t)]))
    return _classes(parts, "flower", 2)


def make_circles(samples: int, noise: float, rng: np.random.RandomState,
                 classes: int | None = 2) -> Dataset:
    """Return an outer ring (class 0, radius 2.4–3.6) around an inner disk (class 1, r < 1.6).

    X (2, m) plus Gaussian noise of standard deviation ``noise``; binary Y (1, m).
    """
    parts = []
    for (r_min, r_max), N in zip(((2.4, 3.6), (0.0, 1.6)), _class_sizes(samples, 2),
                                 strict=True):
        angle = rng.uniform(0, 2 * np.pi, N)
        r = np.sqrt(rng.uniform(r_min**2, r_max**2, N))   # uniform over the area
        P = np.vstack([r * np.cos(angle), r * np.sin(angle)])
        parts.append(P + rng.randn(2, N) * noise)
    return _classes(parts, "circles", 2)


def make_moons(samples: int, noise: float, rng: np.random.RandomState,
               classes: int | None = 2) -> Dataset:
    """Return two interleaving half-moons, scaled by 2.5 and centred: X (2, m), binary Y.

    Class 0 is the upper arc (cos θ, sin θ), class 1 the lower arc (1 − cos θ, ½ − sin θ),
    θ uniform in [0, π]; Gaussian noise of standard deviation ``noise`` is added.
    """
    N0, N1 = _class_sizes(samples, 2)
    t0 = rng.uniform(0, np.pi, N0)
    t1 = rng.uniform(0, np.pi, N1)
    upper = np.vstack([np.cos(t0), np.sin(t0)])
    lower = np.vstack([1 - np.cos(t1), 0.5 - np.sin(t1)])
    centre = np.array([[0.5], [0.25]])
    parts = [2.5 * (P - centre) + rng.randn(*P.shape) * noise for P in (upper, lower)]
    return _classes(parts, "moons", 2)


def make_xor(samples: int, noise: float, rng: np.random.RandomState,
             classes: int | None = 2) -> Dataset:
    """Return XOR quadrants: class 1 where x1·x2 > 0, class 0 where x1·x2 < 0.

    |x1|, |x2| are uniform in [0.3, 4] (a gap along the axes), signs random per point;
    then Gaussian noise of standard deviation ``noise``. X (2, m), binary Y (1, m).
    """
    parts = []
    for j, N in enumerate(_class_sizes(samples, 2)):
        magnitude = rng.uniform(0.3, 4.0, (2, N))
        s = rng.choice([-1.0, 1.0], N)
        signs = np.vstack([s, s if j == 1 else -s])
        parts.append(signs * magnitude + rng.randn(2, N) * noise)
    return _classes(parts, "xor", 2)


def make_gaussians(samples: int, noise: float, rng: np.random.RandomState,
                   classes: int | None = 3) -> Dataset:
    """Return k Gaussian blobs with centres evenly spaced on a circle of radius 2.5.

    Blob j is centred at angle π/4 + 2πj/k with standard deviation ``noise``.
    X (2, m); k == 2 -> binary Y (1, m), k ≥ 3 -> one-hot Y (k, m).
    """
    k = 3 if classes is None else classes
    parts = []
    for j, N in enumerate(_class_sizes(samples, k)):
        angle = np.pi / 4 + 2 * np.pi * j / k
        centre = 2.5 * np.array([[np.cos(angle)], [np.sin(angle)]])
        parts.append(centre + rng.randn(2, N) * noise)
    return _classes(parts, "gaussians", k)


def make_spiral(samples: int, noise: float, rng: np.random.RandomState,
                classes: int | None = 2) -> Dataset:
    """Return k interleaved spiral arms (k = 2 or 3) reaching radius 4.

    Arm j: r = 0.2 … 4, θ = 1.75 · 2π · r/4 + 2πj/k; points (r sin θ, r cos θ) plus
    Gaussian noise of standard deviation ``noise``. k == 2 -> binary, 3 -> multiclass.
    """
    k = 2 if classes is None else classes
    parts = []
    for j, N in enumerate(_class_sizes(samples, k)):
        r = np.linspace(0.2, 4.0, N)
        theta = 1.75 * 2 * np.pi * r / 4.0 + 2 * np.pi * j / k
        P = np.vstack([r * np.sin(theta), r * np.cos(theta)])
        parts.append(P + rng.randn(2, N) * noise)
    return _classes(parts, "spiral", k)


LINEAR_ANGLE = np.pi / 6     # direction of the separating line through the origin
LINEAR_MARGIN = 0.5


def make_linear(samples: int, noise: float, rng: np.random.RandomState,
                classes: int | None = 2) -> Dataset:
    """Return two classes on either side of a line through the origin at 30°.

    Along the line u ~ U(-3, 3); distance from it v ~ U(0.5, 2.5), positive for class 1,
    negative for class 0; then Gaussian noise of standard deviation ``noise``. With
    noise 0 the classes are separated by a margin of 0.5. X (2, m), binary Y (1, m).
    """
    c, s = np.cos(LINEAR_ANGLE), np.sin(LINEAR_ANGLE)
    along, normal = np.array([[c], [s]]), np.array([[-s], [c]])
    parts = []
    for j, N in enumerate(_class_sizes(samples, 2)):
        u = rng.uniform(-3.0, 3.0, N)
        v = rng.uniform(LINEAR_MARGIN, 2.5, N) * (1 if j == 1 else -1)
        parts.append(along * u + normal * v + rng.randn(2, N) * noise)
    return _classes(parts, "linear", 2)


HOUSING_THRESHOLD = 1.0      # size (1000 sq ft) below which the price is 0
HOUSING_SLOPE = 1.5          # price (100k) per 1000 sq ft above the threshold


def make_housing(samples: int, noise: float, rng: np.random.RandomState,
                 classes: int | None = None) -> Dataset:
    """Return the notes' house prices: X = size (1, m) in [0.2, 4], Y = price (1, m).

    price = max(0, 1.5 (size − 1) + noise · randn): zero for small houses, then rising
    linearly to 4.5 — exactly what a single ReLU neuron computes. Regression.
    """
    size = rng.uniform(0.2, 4.0, samples)
    price = HOUSING_SLOPE * (size - HOUSING_THRESHOLD) + rng.randn(samples) * noise
    return Dataset(size.reshape(1, samples), np.maximum(price, 0.0).reshape(1, samples),
                   "regression", "housing", ("size (1000 sq ft)",))


PLANE_W = np.array([[0.5, -0.3]])
PLANE_B = 1.0


def make_plane(samples: int, noise: float, rng: np.random.RandomState,
               classes: int | None = None) -> Dataset:
    """Return a tilted plane y = 0.5 x1 − 0.3 x2 + 1 plus noise: X (2, m), Y (1, m).

    (x1, x2) uniform in [-4, 4]²; Gaussian noise of standard deviation ``noise`` on y.
    """
    X = rng.uniform(-4.0, 4.0, (2, samples))
    Y = PLANE_W @ X + PLANE_B + rng.randn(1, samples) * noise
    return Dataset(X, Y, "regression", "plane", ("x1", "x2"))


# --------------------------------------------------------------------------- registry

@dataclass(frozen=True)
class DatasetSpec:
    """A named generator ``make(samples, noise, rng, classes) -> Dataset``.

    ``classes`` lists the class counts the generator accepts (() for regression) and
    ``default_classes`` is the one used when none is asked for (None for regression).
    ``task`` is the task at ``default_classes``; see ``task_for``.
    """

    name: str
    label: str
    task: str
    description: str
    default_samples: int
    default_noise: float
    make: Callable[[int, float, np.random.RandomState, int | None], Dataset]
    classes: tuple[int, ...] = (2,)
    default_classes: int | None = 2
    default_seed: int = 1
    inputs: int = 2                     # n_x of the points it draws

    def task_for(self, classes: int | None) -> str:
        """Return the task this generator produces with ``classes`` classes."""
        return task_for_classes(classes)

    def min_samples(self, classes: int | None) -> int:
        """Return the fewest samples allowed: 2 per class, or 2 for regression."""
        return MIN_REGRESSION_SAMPLES if classes is None else 2 * classes


def _spec(name: str, label: str, description: str, samples: int, noise: float,
          make: Callable[[int, float, np.random.RandomState, int | None], Dataset],
          classes: tuple[int, ...] = (2,), default_classes: int | None = 2,
          inputs: int = 2) -> DatasetSpec:
    return DatasetSpec(name, label, task_for_classes(default_classes), description, samples,
                       noise, make, classes, default_classes, inputs=inputs)


DATASETS: dict[str, DatasetSpec] = {
    s.name: s
    for s in (
        _spec("flower", "flower (course planar data)",
              "The course's planar flower: two classes of petals, 2-D.", 400, 0.2,
              make_flower),
        _spec("circles", "circles", "An inner disk (class 1) inside an outer ring (class 0).",
              400, 0.2, make_circles),
        _spec("moons", "moons", "Two interleaving half-moons.", 400, 0.2, make_moons),
        _spec("xor", "XOR", "Class 1 where x1·x2 > 0: the quadrant sign product.", 400, 0.2,
              make_xor),
        _spec("gaussians", "Gaussian blobs", "k Gaussian blobs around a circle (k = 2…8).",
              300, 0.5, make_gaussians, tuple(range(2, 9)), 3),
        _spec("spiral", "spiral", "Two or three interleaved spiral arms.", 400, 0.2,
              make_spiral, (2, 3), 2),
        _spec("linear", "linearly separable", "Two classes on either side of a line.", 200,
              0.1, make_linear),
        _spec("housing", "house prices (regression)",
              "Price (100k) against size (1000 sq ft): 0 for small houses, then linear — "
              "one ReLU neuron.", 100, 0.2, make_housing, (), None, inputs=1),
        _spec("plane", "tilted plane (regression)", "y = 0.5 x1 − 0.3 x2 + 1 plus noise.", 200,
              0.2, make_plane, (), None),
    )
}


def _is_int(value: object) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def make_dataset(name: str, samples: int | None = None, noise: float | None = None,
                 seed: int | None = None, classes: int | None = None) -> Dataset:
    """Return the registry dataset ``name`` drawn from ``RandomState(seed)``.

    Omitted arguments take the spec's defaults (``default_samples``, ``default_noise``,
    ``default_seed``, ``default_classes``). Raises ValueError for an unknown name, a sample
    count outside [2 · classes, MAX_SAMPLES], a negative or non-finite noise, a seed outside
    [0, 2**32 − 1] or a class count the generator does not offer.
    """
    if name not in DATASETS:
        raise ValueError(f"unknown dataset {name!r}; choose from {', '.join(DATASETS)}")
    spec = DATASETS[name]
    if classes is None:
        classes = spec.default_classes
    elif not spec.classes:
        raise ValueError(f"dataset {name!r} is a regression dataset; it takes no classes")
    elif not _is_int(classes) or classes not in spec.classes:
        allowed = ", ".join(map(str, spec.classes))
        raise ValueError(f"dataset {name!r} offers {allowed} classes, got {classes!r}")
    samples = spec.default_samples if samples is None else samples
    low = spec.min_samples(classes)
    if not _is_int(samples) or not low <= samples <= MAX_SAMPLES:
        raise ValueError(f"samples must be an integer in [{low}, {MAX_SAMPLES}] for "
                         f"{name!r}, got {samples!r}")
    noise = spec.default_noise if noise is None else noise
    if (isinstance(noise, bool) or not isinstance(noise, numbers.Real)
            or not math.isfinite(noise) or noise < 0):
        raise ValueError(f"noise must be a finite number >= 0, got {noise!r}")
    seed = spec.default_seed if seed is None else seed
    if not _is_int(seed) or not 0 <= seed <= MAX_SEED:
        raise ValueError(f"seed must be an integer in [0, {MAX_SEED}], got {seed!r}")
    rng = np.random.RandomState(int(seed))
    return spec.make(int(samples), float(noise), rng, None if classes is None else int(classes))
