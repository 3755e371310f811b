"""``playground bench``: training speed side by side with the tools people compare us to.

The task is the course's: full-batch gradient descent on the flower data (m = 400), tanh
hidden layers, a sigmoid output with cross-entropy, float64, one BLAS thread, for the
nets 2-4-1, 2-8-8-1 and 2-64-64-1. Every contender trains the same net on the same data;
each contender first trains ``WARM_UP_STEPS``, then each repetition times a fixed number
of steps. Within a repetition the contenders take ``TURNS`` short turns each, in rotation:
on a shared machine a busy spell lasts a second or more, and short turns let it slow
every contender alike instead of whichever ran then. Reported: the median of the
repetitions, in steps per second.

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

from playground.core.datasets import Dataset, make_dataset
from playground.core.fast.calls import Calls
from playground.core.fast.engine import Engine
from playground.core.fast.kernels import Work, tanh_into
from playground.core.initialization import initialize_parameters
from playground.core.network import Architecture
from playground.session.trainer import Trainer

NETS: tuple[tuple[int, ...], ...] = ((4,), (8, 8), (64, 64))
LEARNING_RATE, SEED, INIT_SCALE = 1.2, 2, 0.01
# Every contender trains this many steps before it is timed: past the start, where the
# app records every step's cost for its plot, and where libraries warm their caches.
WARM_UP_STEPS = 2048
TURNS = 5                               # turns per contender in one repetition
Runner = Callable[[int], None]          # run(n): train n more steps


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
    import torch

    torch.set_num_threads(1)
    torch.manual_seed(SEED)
    dims = (2, *hidden, 1)
    layers: list = []
    for n_prev, n in zip(dims, dims[1:]):
        layers += [torch.nn.Linear(n_prev, n, dtype=torch.float64), torch.nn.Tanh()]
    model = torch.nn.Sequential(*layers[:-1])
    x, y = torch.from_numpy(data.X.T.copy()), torch.from_numpy(data.Y.T.copy())
    loss_fn = torch.nn.BCEWithLogitsLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=LEARNING_RATE)

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
def steps_for(run: Runner, seconds: float) -> int:
    """Return how many steps of ``run`` take about ``seconds`` (runs it a little to see)."""
    n, elapsed = 1, 0.0
    while elapsed < seconds / 10:
        n *= 2
        started = time.perf_counter()
        run(n)
        elapsed = time.perf_counter() - started
    return max(1, round(n * seconds / elapsed))


def measure_net(hidden: tuple[int, ...], names: list[str], repeats: int,
                seconds: float, warm_up: int = WARM_UP_STEPS) -> dict:
    """Return {"net", "steps_per_second": {name: median}, "repeats": {name: [...]}, …}."""
    data = make_dataset("flower")
    runners = {name: CONTENDERS[name].prepare(hidden, data) for name in names}
    for run in runners.values():
        if warm_up:
            run(warm_up)
    steps = {name: max(1, steps_for(run, seconds) // TURNS) for name, run in runners.items()}
    rates: dict[str, list[float]] = {name: [] for name in names}
    for _ in range(repeats):
        elapsed = dict.fromkeys(names, 0.0)
        for _ in range(TURNS):
            for name, run in runners.items():
                started = time.perf_counter()
                run(steps[name])
                elapsed[name] += time.perf_counter() - started
        for name in names:
            rates[name].append(steps[name] * TURNS / elapsed[name])
    medians = {name: statistics.median(values) for name, values in rates.items()}
    peers = {name: rate for name, rate in medians.items() if CONTENDERS[name].peer}
    fastest = max(peers, key=peers.get) if peers else None
    return {"net": net_name(hidden), "steps_per_second": medians, "repeats": rates,
            "steps_per_repeat": {name: n * TURNS for name, n in steps.items()},
            "fastest_peer": fastest,
            "ratio": medians["playground"] / peers[fastest] if fastest else None,
            "tanh_ceiling": tanh_ceiling(hidden, data.m)}


def tanh_ceiling(hidden: tuple[int, ...], m: int = 400, repeats: int = 200) -> float:
    """Return the steps/s the engine's tanh alone allows: every step must compute tanh on
    n[l]·m values per hidden layer, whatever else it saves. Recorded and replayed as the
    engine runs it (``core/calls.py``)."""
    tanhs = Calls()
    for n in hidden:
        Z = np.random.RandomState(0).randn(n, m) * 2
        tanh_into(tanhs, Z, np.empty_like(Z), Work.of_shape(Z.shape))
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        for _ in range(repeats):
            tanhs.run()
        best = min(best, (time.perf_counter() - started) / repeats)
    return 1.0 / best


def machine() -> dict:
    """Return what the numbers depend on: CPU, cores, Python, NumPy, BLAS threads."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            cpu = next((line.split(":", 1)[1].strip() for line in info
                        if line.startswith("model name")), cpu)
    except OSError:
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "python": platform.python_version(),
            "numpy": np.__version__,
            "blas_threads": os.environ.get("OPENBLAS_NUM_THREADS", "default")}


def run_bench(repeats: int = 5, seconds: float = 0.25,
              nets: tuple[tuple[int, ...], ...] = NETS, warm_up: int = WARM_UP_STEPS,
              progress: Callable[[str], None] | None = None) -> dict:
    """Return the whole report: machine, settings, one entry per net."""
    names = [name for name, c in CONTENDERS.items() if available(c)]
    results = []
    for hidden in nets:
        if progress:
            progress(f"measuring {net_name(hidden)} …")
        results.append(measure_net(hidden, names, repeats, seconds, warm_up))
    return {"machine": machine(), "repeats": repeats, "seconds_per_repeat": seconds,
            "warm_up_steps": warm_up,
            "contenders": {name: CONTENDERS[name].label for name in names},
            "nets": results}


def format_report(report: dict) -> str:
    """Return the report as a table, one row per net, a column per contender."""
    names = list(report["contenders"])
    widths = [max(10, len(report["contenders"][n])) for n in names]
    head = "net         " + "  ".join(f"{report['contenders'][n]:>{w}}"
                                        for n, w in zip(names, widths))
    lines = [head + "  tanh alone  ours ÷ fastest peer"]
    for net in report["nets"]:
        rates = net["steps_per_second"]
        ratio = (f"{net['ratio']:.2f}× {report['contenders'][net['fastest_peer']]}"
                 if net["ratio"] else "no peer installed")
        lines.append(f"{net['net']:<12}" + "  ".join(f"{rates[n]:>{w},.0f}"
                                                     for n, w in zip(names, widths))
                     + f"  {net['tanh_ceiling']:>10,.0f}  {ratio}")
    m = report["machine"]
    lines.append(f"\nsteps/s, median of {report['repeats']} repetitions of "
                 f"~{report['seconds_per_repeat']:g} s per contender, in {TURNS} turns each; "
                 f"flower data m = 400, tanh hidden, sigmoid output, float64.\n\"tanh alone\": "
                 f"the steps/s the engine's tanh would allow if a step did nothing else.\n"
                 f"{m['cpu']}, {m['cores']} cores, "
                 f"Python {m['python']}, NumPy {m['numpy']}, "
                 f"BLAS threads: {m['blas_threads']}")
    return "\n".join(lines)
