"""``playground bench``: training speed side by side with the tools people compare us to.

The task is the course's: full-batch gradient descent on the flower data (m = 400), tanh
hidden layers, a sigmoid output with cross-entropy, float64, one BLAS thread, for the
nets 2-4-1, 2-8-8-1 and 2-64-64-1; and course 2's mini-batch case (``minibatch.py``).
Every contender trains the same net on the same data; each contender first trains
``WARM_UP_STEPS``, then each repetition times a fixed number of steps. Within a
repetition the contenders take ``TURNS`` short turns each, in rotation: on a shared
machine a busy spell lasts a second or more, and short turns let it slow every contender
alike instead of whichever ran then. Reported: the median of the repetitions, in steps
per second. Two instruments take their turns with the contenders (``floor.py``): the
step's matrix products alone (the floor, and the engine's step as a multiple of it) and
the engine's tanh alone; and the report says which tanh path each array took, with the
timings this machine chose it by (``core/fast/calibrate.py``).

Contenders (a registry; the peers are skipped when their library is not importable):
    playground        the app's own Trainer, as the window and ``train`` run it
    playground-every  the same engine computing J at every step (for comparison)
    numpy             a straightforward course-style NumPy loop (the notebooks' functions)
    scikit-learn      MLPClassifier, sgd, full batch, no momentum, no regularisation
    pytorch           nn.Sequential + BCEWithLogitsLoss + optim.SGD, one thread
"""

from __future__ import annotations

import os
import platform
import statistics
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from playground.bench import floor, minibatch
from playground.bench.torch_peer import torch_net
from playground.core.datasets import Dataset, make_dataset
from playground.core.fast import calibrate
from playground.core.fast.engine import Engine
from playground.core.initialization import initialize_parameters
from playground.core.network import Architecture
from playground.session.trainer import Trainer

NETS: tuple[tuple[int, ...], ...] = ((4,), (8, 8), (64, 64))
LEARNING_RATE, SEED, INIT_SCALE = 1.2, 2, 0.01
# Every contender trains this many steps before it is timed: past the start, where the
# app records every step's cost for its plot, and where libraries warm their caches.
WARM_UP_STEPS = 2048
TURNS = 5                               # turns per contender in one repetition
FLOOR, TANH = "matrix products alone", "tanh alone"     # the instruments' turns
Runner = Callable[[int], "int | None"]  # run(n): train n more steps (return how many made)


@dataclass(frozen=True)
class Contender:
    """A way of training: ``prepare(hidden, data)`` returns run(n); ``peer`` marks other tools."""

    name: str
    label: str
    peer: bool
    prepare: Callable[[tuple[int, ...], Dataset], Runner]
    module: str | None = None           # what must be importable


def architecture(hidden: tuple[int, ...]) -> Architecture:
    return Architecture((2, *hidden, 1), ("tanh",) * len(hidden))


def net_name(hidden: tuple[int, ...]) -> str:
    return "-".join(str(n) for n in (2, *hidden, 1))


def _start(hidden: tuple[int, ...]) -> dict[str, np.ndarray]:
    return initialize_parameters(architecture(hidden).layer_dims, "random",
                                 np.random.RandomState(SEED), INIT_SCALE)


# -- contenders -------------------------------------------------------------------------
def prepare_playground(hidden: tuple[int, ...], data: Dataset) -> Runner:
    trainer = Trainer(architecture(hidden), data, init="random", init_scale=INIT_SCALE,
                      seed=SEED, learning_rate=LEARNING_RATE)
    return trainer.run


def prepare_every_cost(hidden: tuple[int, ...], data: Dataset) -> Runner:
    engine = Engine(architecture(hidden), data.X, data.Y)
    engine.load(_start(hidden))

    def run(n: int) -> None:
        for _ in range(n):
            engine.forward()
            engine.cost()
            engine.backward()
            engine.update(LEARNING_RATE)
    return run


def prepare_numpy(hidden: tuple[int, ...], data: Dataset) -> Runner:
    """The course notebooks' loop, layer by layer: fresh arrays every step, J every step."""
    X, Y, parameters = data.X, data.Y, _start(hidden)
    L, m = len(hidden) + 1, data.X.shape[1]

    def forward_propagation():
        A, caches = X, [X]
        for l in range(1, L + 1):
            Z = np.dot(parameters[f"W{l}"], A) + parameters[f"b{l}"]
            A = np.tanh(Z) if l < L else 1 / (1 + np.exp(-Z))
            caches.append(A)
        return A, caches

    def compute_cost(A2):
        logprobs = np.multiply(np.log(A2), Y) + np.multiply(np.log(1 - A2), 1 - Y)
        return float(np.squeeze(-np.sum(logprobs) / m))

    def backward_propagation(caches):
        grads, dZ = {}, caches[L] - Y
        for l in range(L, 0, -1):
            grads[f"dW{l}"] = np.dot(dZ, caches[l - 1].T) / m
            grads[f"db{l}"] = np.sum(dZ, axis=1, keepdims=True) / m
            if l > 1:
                dZ = np.multiply(np.dot(parameters[f"W{l}"].T, dZ),
                                 1 - np.power(caches[l - 1], 2))
        return grads

    @np.errstate(all="ignore")           # log(0) once a unit saturates, as in the notebook
    def run(n: int) -> None:
        for _ in range(n):
            A2, caches = forward_propagation()
            compute_cost(A2)
            grads = backward_propagation(caches)
            for key in list(parameters):
                parameters[key] = parameters[key] - LEARNING_RATE * grads[f"d{key}"]
    return run


def prepare_sklearn(hidden: tuple[int, ...], data: Dataset) -> Runner:
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    model = MLPClassifier(hidden_layer_sizes=hidden, activation="tanh", solver="sgd",
                          batch_size=data.m, learning_rate_init=LEARNING_RATE, momentum=0.0,
                          nesterovs_momentum=False, alpha=0.0, shuffle=False, tol=0.0,
                          n_iter_no_change=10**9, warm_start=True, random_state=SEED)
    X, y = data.X.T.copy(), data.Y.ravel().astype(int)

    def run(n: int) -> None:               # with warm_start, fit runs n more epochs = steps
        model.set_params(max_iter=n)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.fit(X, y)
    return run


def prepare_torch(hidden: tuple[int, ...], data: Dataset) -> Runner:
    model, x, y, loss_fn, optimizer = torch_net(hidden, data, LEARNING_RATE, SEED)

    def run(n: int) -> None:
        for _ in range(n):
            optimizer.zero_grad()
            loss_fn(model(x), y).backward()
            optimizer.step()
    return run


CONTENDERS: dict[str, Contender] = {
    c.name: c
    for c in (
        Contender("playground", "playground", False, prepare_playground),
        Contender("playground-every", "playground, J every step", False, prepare_every_cost),
        Contender("numpy", "NumPy, course-style", True, prepare_numpy),
        Contender("scikit-learn", "scikit-learn MLP", True, prepare_sklearn, "sklearn"),
        Contender("pytorch", "PyTorch", True, prepare_torch, "torch"),
    )
}


def available(contender: Contender) -> bool:
    if contender.module is None:
        return True
    import importlib.util
    return importlib.util.find_spec(contender.module) is not None


# -- measuring --------------------------------------------------------------------------
def _made(run: Runner, n: int) -> int:
    """Run ``run(n)`` and return how many steps it made (a runner may round up)."""
    made = run(n)
    made = n if made is None else made
    if made < 1:
        raise RuntimeError("a contender stopped training (diverged?)")
    return made


def steps_for(run: Runner, seconds: float) -> int:
    """Return how many steps of ``run`` take about ``seconds`` (runs it a little to see)."""
    n, made, elapsed = 1, 1, 0.0
    while elapsed < seconds / 10:
        n *= 2
        started = time.perf_counter()
        made = _made(run, n)
        elapsed = time.perf_counter() - started
    return max(1, round(made * seconds / elapsed))


def race(runners: dict[str, Runner], repeats: int, seconds: float, warm_up: int) -> dict:
    """Time every runner in alternating turns; return {"rates": {name: [steps/s per
    repetition]}, "medians": {name: median}, "steps_per_repeat": {name: steps}}."""
    for run in runners.values():
        if warm_up:
            _made(run, warm_up)
    steps = {name: max(1, steps_for(run, seconds) // TURNS) for name, run in runners.items()}
    rates: dict[str, list[float]] = {name: [] for name in runners}
    made_per_repeat = dict.fromkeys(runners, 0)
    for _ in range(repeats):
        elapsed, made = dict.fromkeys(runners, 0.0), dict.fromkeys(runners, 0)
        for _ in range(TURNS):
            for name, run in runners.items():
                started = time.perf_counter()
                made[name] += _made(run, steps[name])
                elapsed[name] += time.perf_counter() - started
        for name in runners:
            rates[name].append(made[name] / elapsed[name])
            made_per_repeat[name] = made[name]
    return {"rates": rates, "steps_per_repeat": made_per_repeat,
            "medians": {name: statistics.median(values) for name, values in rates.items()}}


def _versus_peers(rates: dict[str, float], peer: Callable[[str], bool]) -> tuple:
    """Return (fastest peer, ours ÷ fastest) of median ``rates`` (None, None: no peer)."""
    peers = {name: rate for name, rate in rates.items() if peer(name)}
    fastest = max(peers, key=peers.get) if peers else None
    return fastest, (rates["playground"] / peers[fastest] if fastest else None)


def measure_net(hidden: tuple[int, ...], names: list[str], repeats: int,
                seconds: float, warm_up: int = WARM_UP_STEPS) -> dict:
    """Return {"net", "steps_per_second": {name: median}, "repeats": {name: [...]},
    "fastest_peer", "ratio", "floor_steps_per_second", "step_per_floor", "tanh_ceiling",
    "tanh_paths", …} for full-batch training of 2-``hidden``-1 on the flower data."""
    data = make_dataset("flower")
    runners = {name: CONTENDERS[name].prepare(hidden, data) for name in names}
    runners[FLOOR] = floor.prepare_floor(architecture(hidden).layer_dims, data.m)
    runners[TANH] = floor.prepare_tanh_alone(hidden, data.m)
    timed = race(runners, repeats, seconds, warm_up)
    medians = {name: timed["medians"][name] for name in names}
    fastest, ratio = _versus_peers(medians, lambda name: CONTENDERS[name].peer)
    floor_rate = timed["medians"][FLOOR]
    return {"net": net_name(hidden), "steps_per_second": medians,
            "repeats": {name: timed["rates"][name] for name in names},
            "steps_per_repeat": {name: timed["steps_per_repeat"][name] for name in names},
            "fastest_peer": fastest, "ratio": ratio,
            "floor_steps_per_second": floor_rate,
            "floor_repeats": timed["rates"][FLOOR],
            "step_per_floor": floor_rate / medians["playground"],
            "tanh_ceiling": timed["medians"][TANH],
            "tanh_paths": floor.tanh_paths(hidden, data.m)}


def measure_minibatch(names: list[str], repeats: int, seconds: float,
                      warm_up: int = WARM_UP_STEPS) -> dict:
    """Return the mini-batch case's figures (``minibatch.py``), in updates per second, with
    the floor of one update (the products of B columns) and the tanh paths it takes."""
    data = minibatch.data()
    runners = {name: minibatch.PREPARE[name](data) for name in names}
    dims = architecture(minibatch.HIDDEN).layer_dims
    runners[FLOOR] = floor.prepare_floor(dims, minibatch.BATCH_SIZE)
    timed = race(runners, repeats, seconds, warm_up)
    medians = {name: timed["medians"][name] for name in names}
    fastest, ratio = _versus_peers(medians, lambda name: CONTENDERS[name].peer)
    floor_rate = timed["medians"][FLOOR]
    return {"case": minibatch.case_name(), "m": data.m, "batch_size": minibatch.BATCH_SIZE,
            "learning_rate": minibatch.LEARNING_RATE,
            "updates_per_second": medians,
            "repeats": {name: timed["rates"][name] for name in names},
            "updates_per_repeat": {name: timed["steps_per_repeat"][name] for name in names},
            "fastest_peer": fastest, "ratio": ratio,
            "floor_updates_per_second": floor_rate, "floor_repeats": timed["rates"][FLOOR],
            "update_per_floor": floor_rate / medians["playground"],
            "tanh_paths": {"update": floor.tanh_paths(minibatch.HIDDEN, minibatch.BATCH_SIZE),
                           "epoch_cost": floor.tanh_paths(minibatch.HIDDEN, data.m)}}


def machine() -> dict:
    """Return what the numbers depend on: CPU, cores, Python, NumPy, BLAS threads."""
    key = calibrate.machine_key()
    return {"cpu": key["cpu"] or platform.processor() or platform.machine(),
            "cores": os.cpu_count(), "system": key["system"], "machine": key["machine"],
            "numpy_simd": key["numpy_simd"], "python": platform.python_version(),
            "numpy": np.__version__,
            "blas_threads": os.environ.get("OPENBLAS_NUM_THREADS", "default")}


def run_bench(repeats: int = 5, seconds: float = 0.25,
              nets: tuple[tuple[int, ...], ...] = NETS, warm_up: int = WARM_UP_STEPS,
              progress: Callable[[str], None] | None = None, minibatches: bool = True) -> dict:
    """Return the whole report: machine, kernel choices, settings, one entry per net and
    the mini-batch case."""
    names = [name for name, c in CONTENDERS.items() if available(c)]
    kernels = floor.kernels_report()              # decided (or read) before any timing
    load_before = load_average()
    results = []
    for hidden in nets:
        if progress:
            progress(f"measuring {net_name(hidden)} …")
        results.append(measure_net(hidden, names, repeats, seconds, warm_up))
    report = {"machine": machine(), "kernels": kernels, "repeats": repeats,
              "seconds_per_repeat": seconds, "warm_up_steps": warm_up, "turns": TURNS,
              "contenders": {name: CONTENDERS[name].label for name in names},
              "nets": results}
    if minibatches:
        if progress:
            progress(f"measuring {minibatch.case_name()} …")
        batch_names = [name for name in names if name in minibatch.PREPARE]
        report["minibatch"] = measure_minibatch(batch_names, repeats, seconds, warm_up)
    report["load_average"] = {"before": load_before, "after": load_average()}
    return report


def load_average() -> list[float] | None:
    """Return the system's load averages over 1, 5 and 15 minutes (None where the system
    does not say: Windows): on a shared machine, how busy it was."""
    try:
        return [round(value, 2) for value in os.getloadavg()]
    except (AttributeError, OSError):
        return None
