"""What ``playground bench`` measures beside the contenders: the floor every contender
stands on, what tanh alone costs, and which tanh path each array took, and why.

The floor of a step is its matrix products and nothing else, the work no way of
training a fully-connected net avoids: for m columns of a net with layer sizes n[0..L]

    forward    W[l] A[l-1]                  (n[l], n[l-1]) · (n[l-1], m)    l = 1..L
    backward   dZ[l] A[l-1]ᵀ                (n[l], m) · (m, n[l-1])          l = 1..L
               W[l]ᵀ dZ[l]                  (n[l-1], n[l]) · (n[l], m)       l = 2..L

each one ``np.dot`` into an array made once, recorded and replayed as the engine
replays its step (``core/fast/calls.py``), with the bench's one BLAS thread. It is timed
in the same turns as the contenders, so a busy spell slows it alike, and a step's
multiple of it says how close to the limit a step is, on any machine.
"""

from __future__ import annotations

import numpy as np

from playground.core.fast import calibrate
from playground.core.fast.calls import Calls
from playground.core.fast.kernels import Work, tanh_into


def floor_products(layer_dims: tuple[int, ...], m: int) -> Calls:
    """Return a step's matrix products for ``layer_dims`` and m columns, recorded."""
    rng = np.random.RandomState(0)
    W = [None] + [rng.randn(n, n_prev) for n_prev, n in zip(layer_dims, layer_dims[1:])]
    A = [rng.randn(n, m) for n in layer_dims]
    dZ = [None] + [rng.randn(n, m) for n in layer_dims[1:]]
    products = Calls()
    L = len(layer_dims) - 1
    for l in range(1, L + 1):
        products(np.dot, W[l], A[l - 1], np.empty((layer_dims[l], m)))
    for l in range(L, 0, -1):
        products(np.dot, dZ[l], A[l - 1].T, np.empty((layer_dims[l], layer_dims[l - 1])))
        if l > 1:
            products(np.dot, W[l].T, dZ[l], np.empty((layer_dims[l - 1], m)))
    return products


def prepare_floor(layer_dims: tuple[int, ...], m: int):
    """Return run(n): n steps' matrix products alone for ``layer_dims`` and m columns."""
    step = floor_products(layer_dims, m).run

    def run(n: int) -> int:
        for _ in range(n):
            step()
        return n
    return run


def prepare_tanh_alone(hidden: tuple[int, ...], m: int):
    """Return run(n): n steps' worth of the engine's tanh alone (every hidden layer's
    n[l]·m values, on the path this machine chose), recorded as the engine records it."""
    tanhs = Calls()
    for n in hidden:
        Z = np.random.RandomState(0).randn(n, m) * 2
        tanh_into(tanhs, Z, np.empty_like(Z), Work.of_shape(Z.shape))
    step = tanhs.run

    def run(n: int) -> int:
        for _ in range(n):
            step()
        return n
    return run


def tanh_paths(hidden: tuple[int, ...], m: int) -> list[dict]:
    """Return the path each hidden layer's tanh takes on (n[l], m) float64 arrays:
    {"layer", "values", "path": "table" | "np.tanh", "passes"}."""
    paths = []
    for l, n in enumerate(hidden, start=1):
        block = calibrate.tanh_block(np.empty((n, m)))
        paths.append({"layer": l, "values": n * m, "path": "table" if block else "np.tanh",
                      "passes": -(-n * m // block) if block else 1})
    return paths


def describe_paths(paths: list[dict]) -> str:
    """Return ``tanh_paths`` in words, one layer after the other."""
    return "; ".join(f"layer {p['layer']} {p['values']:,} values → {p['path']}"
                     + (f" ({p['passes']} passes)" if p["passes"] > 1 else "")
                     for p in paths)


def kernels_report() -> dict:
    """Return this process's kernel choices with the timings that decided them."""
    choices = calibrate.choices()
    return {"how": choices.how, "detail": choices.detail, "measured_on": choices.measured_on,
            "key": choices.key, "plans": [plan.as_json() for plan in choices.plans],
            "in_words": [plan.describe() for plan in choices.plans]}


def format_kernels(kernels: dict) -> str:
    """Return the kernel choices and their timings as lines of text."""
    lines = [f"kernels chosen on this machine ({kernels['how']}"
             + (f", {kernels['measured_on']}" if kernels["measured_on"] else "")
             + (f"; {kernels['detail']}" if kernels["detail"] else "") + "):"]
    for plan, words in zip(kernels["plans"], kernels["in_words"]):
        lines.append(f"  {words}")
        if plan["timings"]:
            sizes, plain, table = zip(*plan["timings"])
            lines += ["    values   " + "".join(f"{n:>8,}" for n in sizes),
                      "    np.tanh  " + "".join(f"{t:>8.2f}" for t in plain) + "  ns per value",
                      "    table    " + "".join(f"{t:>8.2f}" for t in table)]
        if plan["block_timings"]:
            lines.append("    the table in passes of " + ", ".join(
                f"{b:,}: {t:.2f}" for b, t in plan["block_timings"])
                + " ns per value, on the largest array raced")
    return "\n".join(lines)
