"""``playground bench``'s mini-batch case (course 2): a 2-8-8-1 tanh net, mini-batches of
B = 64 from the flower data drawn with m = 10,000 points, plain gradient descent, one
update per mini-batch, float64, one BLAS thread. Counted in updates per second.

Contenders (the peers are skipped when their library is not importable):
    playground     the app's own Trainer built from ``RunConfig(batch_size=64, …)``, as the
                   window and ``train`` run it: the mini-batch costs its history keeps and
                   the full training cost after each epoch included
    numpy          the course-2 notebook's loop: ``random_mini_batches`` each epoch, then
                   forward, cost, backward and ``update_parameters_with_gd`` per mini-batch
The two shuffle as the notebook does (epoch e: ``RandomState(10 + e)``), so they train on
the same mini-batches.
    scikit-learn   MLPClassifier, sgd, batch 64, no momentum, no regularisation, shuffled
                   each epoch (it trains whole epochs: a turn rounds up to one)
    pytorch        nn.Sequential + BCEWithLogitsLoss + optim.SGD, one thread, each epoch a
                   ``randperm`` whose slices index the mini-batches
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable

import numpy as np

from playground.bench.torch_peer import torch_net
from playground.core.datasets import Dataset, make_dataset
from playground.core.initialization import initialize_parameters
from playground.session.config import RunConfig, make_trainer

HIDDEN: tuple[int, ...] = (8, 8)
BATCH_SIZE = 64
SAMPLES = 10_000
LEARNING_RATE, SEED, INIT_SCALE, SHUFFLE_SEED = 0.1, 2, 0.01, 10
Runner = Callable[[int], int]          # run(n): make about n more updates, return how many


def config() -> RunConfig:
    """Return the playground contender's run configuration."""
    return RunConfig(samples=SAMPLES, hidden_layers=HIDDEN, activations=("tanh",) * len(HIDDEN),
                     batch_size=BATCH_SIZE, shuffle_seed=SHUFFLE_SEED,
                     learning_rate=LEARNING_RATE, seed=SEED, init_scale=INIT_SCALE)


def data() -> Dataset:
    """Return the training set every contender uses (the playground's own, from ``config``)."""
    return make_dataset("flower", samples=SAMPLES)


def case_name() -> str:
    return "-".join(str(n) for n in (2, *HIDDEN, 1)) + f", B = {BATCH_SIZE}"


def batches_per_epoch() -> int:
    return -(-SAMPLES // BATCH_SIZE)


# -- contenders -------------------------------------------------------------------------
def prepare_playground(data: Dataset) -> Runner:
    trainer = make_trainer(config())
    if trainer.train.m != data.m:
        raise ValueError("the playground's training set is not the bench's")

    def run(n: int) -> int:
        return trainer.run(n)
    return run


def random_mini_batches(X, Y, mini_batch_size, rng):
    """The course-2 notebook's function (with a generator instance for ``np.random.seed``)."""
    m = X.shape[1]
    mini_batches = []
    permutation = list(rng.permutation(m))
    shuffled_X = X[:, permutation]
    shuffled_Y = Y[:, permutation].reshape((1, m))
    num_complete_minibatches = math.floor(m / mini_batch_size)
    for k in range(0, num_complete_minibatches):
        mini_batch_X = shuffled_X[:, k * mini_batch_size:(k + 1) * mini_batch_size]
        mini_batch_Y = shuffled_Y[:, k * mini_batch_size:(k + 1) * mini_batch_size]
        mini_batches.append((mini_batch_X, mini_batch_Y))
    if m % mini_batch_size != 0:
        mini_batch_X = shuffled_X[:, num_complete_minibatches * mini_batch_size:]
        mini_batch_Y = shuffled_Y[:, num_complete_minibatches * mini_batch_size:]
        mini_batches.append((mini_batch_X, mini_batch_Y))
    return mini_batches


def prepare_numpy(data: Dataset) -> Runner:
    """The notebook's ``model()`` loop with tanh hidden layers, one mini-batch per update."""
    X, Y = data.X, data.Y
    parameters = initialize_parameters((2, *HIDDEN, 1), "random", np.random.RandomState(SEED),
                                       INIT_SCALE)
    L = len(HIDDEN) + 1

    def forward_propagation(X):
        A, caches = X, [X]
        for l in range(1, L + 1):
            Z = np.dot(parameters[f"W{l}"], A) + parameters[f"b{l}"]
            A = np.tanh(Z) if l < L else 1 / (1 + np.exp(-Z))
            caches.append(A)
        return A, caches

    def compute_cost(a3, Y):
        logprobs = np.multiply(-np.log(a3), Y) + np.multiply(-np.log(1 - a3), 1 - Y)
        return np.sum(logprobs)

    def backward_propagation(Y, caches):
        m = Y.shape[1]
        grads, dZ = {}, caches[L] - Y
        for l in range(L, 0, -1):
            grads[f"dW{l}"] = 1. / m * np.dot(dZ, caches[l - 1].T)
            grads[f"db{l}"] = 1. / m * np.sum(dZ, axis=1, keepdims=True)
            if l > 1:
                dZ = np.multiply(np.dot(parameters[f"W{l}"].T, dZ),
                                 1 - np.power(caches[l - 1], 2))
        return grads

    def update_parameters_with_gd(grads):
        for l in range(1, L + 1):
            parameters[f"W{l}"] = parameters[f"W{l}"] - LEARNING_RATE * grads[f"dW{l}"]
            parameters[f"b{l}"] = parameters[f"b{l}"] - LEARNING_RATE * grads[f"db{l}"]

    state = {"seed": SHUFFLE_SEED, "batches": []}

    @np.errstate(all="ignore")           # log(0) once a unit saturates, as in the notebook
    def run(n: int) -> int:
        for _ in range(n):
            if not state["batches"]:
                state["seed"] += 1
                state["batches"] = random_mini_batches(
                    X, Y, BATCH_SIZE, np.random.RandomState(state["seed"]))[::-1]
            minibatch_X, minibatch_Y = state["batches"].pop()
            a3, caches = forward_propagation(minibatch_X)
            compute_cost(a3, minibatch_Y)
            grads = backward_propagation(minibatch_Y, caches)
            update_parameters_with_gd(grads)
        return n
    return run


def prepare_sklearn(data: Dataset) -> Runner:
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    model = MLPClassifier(hidden_layer_sizes=HIDDEN, activation="tanh", solver="sgd",
                          batch_size=BATCH_SIZE, learning_rate="constant",
                          learning_rate_init=LEARNING_RATE, momentum=0.0,
                          nesterovs_momentum=False, alpha=0.0, shuffle=True, tol=0.0,
                          n_iter_no_change=10**9, warm_start=True, random_state=SEED)
    X, y = data.X.T.copy(), data.Y.ravel().astype(int)

    def run(n: int) -> int:               # with warm_start, fit runs max_iter more epochs
        epochs = max(1, -(-n // batches_per_epoch()))
        model.set_params(max_iter=epochs)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.fit(X, y)
        return epochs * batches_per_epoch()
    return run


def prepare_torch(data: Dataset) -> Runner:
    import torch

    model, x, y, loss_fn, optimizer = torch_net(HIDDEN, data, LEARNING_RATE, SEED)
    generator = torch.Generator().manual_seed(SEED)
    state = {"order": torch.randperm(data.m, generator=generator), "start": 0}

    def run(n: int) -> int:
        for _ in range(n):
            if state["start"] >= data.m:
                state["order"], state["start"] = torch.randperm(data.m, generator=generator), 0
            index = state["order"][state["start"]:state["start"] + BATCH_SIZE]
            state["start"] += BATCH_SIZE
            optimizer.zero_grad()
            loss_fn(model(x[index]), y[index]).backward()
            optimizer.step()
        return n
    return run


PREPARE: dict[str, Callable[[Dataset], Runner]] = {
    "playground": prepare_playground, "numpy": prepare_numpy,
    "scikit-learn": prepare_sklearn, "pytorch": prepare_torch}
