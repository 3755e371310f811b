"""Input features and input normalisation.

Features, as TensorFlow Playground offers them: what the network sees of a point
(x1, x2) of the plane. Choosing features builds X : (n_x, m) from the raw points
X_raw : (2, m), one row per feature, in the order chosen; n_x is the number of features.
The default, (x1, x2), is X_raw itself. A network with x1² and x2² can separate circles
without a hidden layer: the features do the work layers would do.

Normalisation, as course 2 does it: from the training split only,

    μ = (1/m) Σ x          σ² = (1/m) Σ (x − μ)²          x := (x − μ) / σ

per feature (row). The same μ and σ, frozen, then apply to every X the network sees:
the test split, and the grid points over which the window draws its maps. A feature
that is constant on the training split (σ = 0) is only centred.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

RAW_INPUTS = 2                    # features are functions of (x1, x2)


@dataclass(frozen=True)
class Feature:
    """A named input feature: ``compute(x1, x2)`` → its row (m,), from rows (m,)."""

    name: str
    label: str
    compute: Callable[[np.ndarray, np.ndarray], np.ndarray]


FEATURES: dict[str, Feature] = {
    f.name: f
    for f in (
        Feature("x1", "x₁", lambda x1, x2: x1),
        Feature("x2", "x₂", lambda x1, x2: x2),
        Feature("x1^2", "x₁²", lambda x1, x2: x1 * x1),
        Feature("x2^2", "x₂²", lambda x1, x2: x2 * x2),
        Feature("x1x2", "x₁x₂", lambda x1, x2: x1 * x2),
        Feature("sin(x1)", "sin x₁", lambda x1, x2: np.sin(x1)),
        Feature("sin(x2)", "sin x₂", lambda x1, x2: np.sin(x2)),
    )
}
DEFAULT_FEATURES: tuple[str, ...] = ("x1", "x2")


def check_features(names: Sequence[str]) -> tuple[str, ...]:
    """Return ``names`` as a tuple, or raise ValueError if it is empty, repeats a feature
    or names an unknown one."""
    names = tuple(names)
    if not names:
        raise ValueError(f"choose at least one feature from {', '.join(FEATURES)}")
    for name in names:
        if name not in FEATURES:
            raise ValueError(f"unknown feature {name!r}; choose from {', '.join(FEATURES)}")
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise ValueError(f"feature {repeated[0]!r} is chosen twice")
    return names


def parse_features(text: str) -> tuple[str, ...]:
    """Return the features of a comma-separated list such as "x1,x2,x1^2" (checked)."""
    return check_features(tuple(part.strip() for part in text.split(",") if part.strip()))


def feature_matrix(X_raw: np.ndarray, names: Sequence[str] = DEFAULT_FEATURES) -> np.ndarray:
    """Return X : (len(names), m), row i the feature ``names[i]`` of the points
    X_raw : (2, m)."""
    names = check_features(names)
    if X_raw.ndim != 2 or X_raw.shape[0] != RAW_INPUTS:
        raise ValueError(f"features are computed from points of shape ({RAW_INPUTS}, m), "
                         f"got {X_raw.shape}")
    x1, x2 = X_raw[0], X_raw[1]
    return np.stack([np.asarray(FEATURES[name].compute(x1, x2), dtype=float)
                     for name in names])


@dataclass(frozen=True)
class Normalization:
    """Per-feature μ : (n_x, 1) and σ : (n_x, 1), fitted on a training split."""

    mean: np.ndarray
    std: np.ndarray

    @classmethod
    def fit(cls, X: np.ndarray) -> Normalization:
        """Return μ and σ of each row of the training X (n_x, m); σ = 0 is kept as 1."""
        if X.ndim != 2 or X.shape[1] < 1:
            raise ValueError(f"normalisation needs X of shape (n_x, m ≥ 1), got {X.shape}")
        mean = X.mean(axis=1, keepdims=True)
        std = X.std(axis=1, keepdims=True)
        std[std == 0] = 1.0
        for array in (mean, std):
            array.flags.writeable = False
        return cls(mean, std)

    def apply(self, X: np.ndarray) -> np.ndarray:
        """Return (X − μ) / σ for any X : (n_x, k): training, test or grid points."""
        if X.ndim != 2 or X.shape[0] != self.mean.shape[0]:
            raise ValueError(f"X has shape {X.shape}, expected ({self.mean.shape[0]}, k)")
        return (X - self.mean) / self.std


@dataclass(frozen=True)
class Inputs:
    """What the network sees of raw points: ``features``, then ``normalization`` (or none).

    ``features`` None takes the raw inputs as they are, whatever their number (data that
    is not a plane: a CSV file, a 1-D regression). ``Inputs.fit(X_raw_train, features,
    normalize)`` freezes it on the training split; ``transform(X_raw)`` then serves every
    split and the grid.
    """

    features: tuple[str, ...] | None = None
    normalization: Normalization | None = None

    @classmethod
    def fit(cls, X_raw_train: np.ndarray, features: Sequence[str] | None = None,
            normalize: bool = False) -> Inputs:
        features = None if features is None else check_features(features)
        X = X_raw_train if features is None else feature_matrix(X_raw_train, features)
        return cls(features, Normalization.fit(X) if normalize else None)

    def transform(self, X_raw: np.ndarray) -> np.ndarray:
        """Return the network's X : (n_x, k) for raw points X_raw : (2, k) (any (n, k)
        without features); X_raw itself when there is nothing to do."""
        X = X_raw if self.features is None else feature_matrix(X_raw, self.features)
        return X if self.normalization is None else self.normalization.apply(X)
