"""Mini-batches, cut the way the course's ``random_mini_batches`` cuts them.

An *epoch* is one pass over the m training examples; an *iteration* is one update, on
one mini-batch. Epoch e (numbered from 1) shuffles the columns of X and Y with one
permutation, then takes ⌊m/B⌋ complete mini-batches of B columns in order and, when B
does not divide m, a last one of the m − B·⌊m/B⌋ columns left over:

    permutation = RandomState(shuffle_seed + e).permutation(m)     the notebook: seed 10 + e
    X{k} = X[:, permutation][:, (k−1)·B : k·B],  Y{k} likewise        k = 1 … ⌈m/B⌉

Without a shuffle seed the permutation is drawn from the run's own generator (the one
that drew the initial weights) at the start of each epoch, before that epoch's dropout
masks.

B = m is plain gradient descent: the one mini-batch is the training set in its own
order and no permutation is drawn (shuffling a single full batch would change nothing
but the rounding of the sums, and the course-1 numbers must stay bit for bit).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MAX_SHUFFLE_SEED = 2**32 - 1        # RandomState's seed range; seed + e wraps around it


@dataclass(frozen=True)
class Batching:
    """How m examples are cut into mini-batches of ``batch_size`` (1 … m), and shuffled.

    ``shuffle_seed`` None: each epoch's permutation comes from the run's generator.
    """

    m: int
    batch_size: int
    shuffle_seed: int | None = None

    def __post_init__(self) -> None:
        for name in ("m", "batch_size", "shuffle_seed"):
            value = getattr(self, name)
            if value is not None and (isinstance(value, bool) or not isinstance(
                    value, (int, np.integer))):
                raise ValueError(f"{name.replace('_', ' ')} must be a whole number, "
                                 f"got {value!r}")
        if self.m < 1:
            raise ValueError(f"mini-batches need at least one example, got m = {self.m}")
        if not 1 <= self.batch_size <= self.m:
            raise ValueError(f"batch size must be 1 to m = {self.m}, got {self.batch_size}")
        if self.shuffle_seed is not None and not 0 <= self.shuffle_seed <= MAX_SHUFFLE_SEED:
            raise ValueError(f"shuffle seed must be 0 to {MAX_SHUFFLE_SEED}, "
                             f"got {self.shuffle_seed}")

    @property
    def full_batch(self) -> bool:
        """True when B = m: plain gradient descent, in the data's own order."""
        return self.batch_size == self.m

    @property
    def complete_batches(self) -> int:
        """Return ⌊m/B⌋, the mini-batches of exactly B columns per epoch."""
        return self.m // self.batch_size

    @property
    def remainder(self) -> int:
        """Return m mod B, the size of the last mini-batch (0: there is none)."""
        return self.m % self.batch_size

    @property
    def batches_per_epoch(self) -> int:
        """Return ⌈m/B⌉: the updates in one epoch."""
        return self.complete_batches + (self.remainder > 0)

    def size(self, k: int) -> int:
        """Return the number of columns of mini-batch k (0-based) of an epoch."""
        return self.batch_size if k < self.complete_batches else self.remainder

    def columns(self, k: int) -> slice:
        """Return mini-batch k's (0-based) columns of the shuffled X."""
        start = k * self.batch_size
        return slice(start, start + self.size(k))

    def generator(self, epoch: int, rng: np.random.RandomState | None) -> np.random.RandomState:
        """Return the generator that shuffles epoch ``epoch`` (from 1): a fresh
        RandomState(shuffle_seed + epoch), or ``rng`` without a shuffle seed."""
        if self.shuffle_seed is not None:
            return np.random.RandomState((self.shuffle_seed + epoch) % (MAX_SHUFFLE_SEED + 1))
        if rng is None:
            raise ValueError("shuffling without a shuffle seed needs the run's generator")
        return rng

    def permutation(self, epoch: int, rng: np.random.RandomState | None) -> np.ndarray | None:
        """Return epoch ``epoch``'s column order (m,), or None for a full batch (no shuffle)."""
        if self.full_batch:
            return None
        return self.generator(epoch, rng).permutation(self.m)


def random_mini_batches(X: np.ndarray, Y: np.ndarray, mini_batch_size: int,
                        rng: np.random.RandomState) -> list[tuple[np.ndarray, np.ndarray]]:
    """Return [(X{1}, Y{1}), …]: the notebook's ``random_mini_batches``, with the
    generator passed in (the notebook seeds the global one: ``np.random.seed(seed)``).

    X : (n_x, m), Y : (n_y, m); X{k} : (n_x, B), the last one (n_x, m mod B) if B ∤ m.
    """
    m = X.shape[1]
    permutation = list(rng.permutation(m))
    shuffled_X = X[:, permutation]
    shuffled_Y = Y[:, permutation]
    mini_batches = []
    num_complete_minibatches = m // mini_batch_size
    for k in range(num_complete_minibatches):
        columns = slice(k * mini_batch_size, (k + 1) * mini_batch_size)
        mini_batches.append((shuffled_X[:, columns], shuffled_Y[:, columns]))
    if m % mini_batch_size != 0:
        columns = slice(num_complete_minibatches * mini_batch_size, m)
        mini_batches.append((shuffled_X[:, columns], shuffled_Y[:, columns]))
    return mini_batches


def epoch_mini_batches(X: np.ndarray, Y: np.ndarray, batching: Batching, epoch: int,
                       rng: np.random.RandomState | None = None
                       ) -> list[tuple[np.ndarray, np.ndarray]]:
    """Return epoch ``epoch``'s (from 1) mini-batches [(X{k}, Y{k}), …] (see the module
    docstring); [(X, Y)] itself for a full batch."""
    if batching.full_batch:
        return [(X, Y)]
    return random_mini_batches(X, Y, batching.batch_size, batching.generator(epoch, rng))
