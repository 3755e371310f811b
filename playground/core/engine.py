"""The training engine: the formulas of ``network.py``, computed into buffers made once.

For a playground-sized network a step is a few dozen small NumPy calls, so what costs
is the calls, not the arithmetic. The engine makes every array it needs once, for one
architecture and one training set, and then each step only writes into them:

    [W|b][l]  (n[l], n[l-1]+1)   the parameters side by side; W[l] and b[l] are views
    A1[l]     (n[l]+1, m)        A[l] with a row of ones below: A1[0] = [X; 1]
    Z[l]      (n[l], m)          and dZ[l] (n[l], m) in a buffer of its own
    S[l]      (n[l], n[l-1]+1)   dZ[l] A1[l-1]ᵀ = m · [dW[l] | db[l]]

Every [W|b][l] is a view into one flat array of all parameters, and every S[l] into
another, so the update of all layers is two calls, as is a finiteness check or a copy.

With the row of ones, W[l] A[l-1] + b[l] is one product [W|b][l] A1[l-1], and
dW[l] = dZ[l] A[l-1]ᵀ / m and db[l] = Σ dZ[l] / m are one product S[l] / m; the update
[W|b] −= (learning_rate / m) · S folds the 1/m into the step. Same formulas, sums only
grouped differently, so results agree with ``network.py`` to rounding (~1e-16 relative);
a gradient that is exactly zero there (zero initialisation) is exactly zero here.
Activations and their derivatives run in place (``Activation.forward_into`` /
``chain_into``). The cost is not part of a step: ``cost()`` computes it from the last
forward pass when someone wants it.

Since the arrays never change, the engine records a step's NumPy calls once, with their
arrays bound (``core/calls.py``), and replays the list: no Python runs between two
calls but a loop. The learning rate reaches the recorded update through a 0-d array.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from playground.core.activations import ACTIVATIONS, Work
from playground.core.calls import Calls
from playground.core.network import Architecture, Cache, Parameters, check_data


@dataclass(eq=False)
class _Layer:
    """Layer l's buffers and views (see the module docstring for shapes)."""

    Wb: np.ndarray
    W_T: np.ndarray             # W[l]ᵀ, a view of Wb
    A1_prev_T: np.ndarray       # A1[l-1]ᵀ, a view
    A1_prev: np.ndarray
    Z: np.ndarray
    A: np.ndarray               # a view of the first n[l] rows of A1[l] (or A[L])
    dZ: np.ndarray
    S: np.ndarray               # dZ[l] A1[l-1]ᵀ = m · [dW | db], a view of Engine.S
    work: Work                  # scratch arrays of Z's shape (views of one shared Work)
    forward_into: object        # (call, Z, out, work)
    chain_into: object          # (call, dA, Z, A, work)


class Engine:
    """Full-batch gradient descent for ``arch`` on X (n_x, m), Y (n_y, m), in place.

    ``load(parameters)`` copies parameters in; ``step(learning_rate)`` does forward →
    backward → update, ``steps(n, learning_rate)`` n of them; ``parameters()`` and
    ``cache()`` return *views* of the live buffers (copy them to keep them),
    ``gradients()`` a fresh dict.
    """

    def __init__(self, arch: Architecture, X: np.ndarray, Y: np.ndarray) -> None:
        check_data(X, arch, Y)
        self.arch = arch
        self.m = X.shape[1]
        self.X = np.asarray(X, dtype=float)
        self.Y = np.ascontiguousarray(Y, dtype=float)
        self.objective = arch.objective
        dims = arch.layer_dims
        ones_below = [self._with_ones(self.X)] + [
            self._with_ones(np.zeros((n, self.m))) for n in dims[1:-1]]
        shapes = [(n, n_prev + 1) for n_prev, n in zip(dims, dims[1:])]
        self.P, Wbs = _flat_views(shapes)            # all [W|b], and each layer's view
        self.S, Ss = _flat_views(shapes)             # all dZ A1ᵀ, likewise
        self._delta = np.zeros_like(self.P)          # (learning_rate / m) · S
        self._rate = np.zeros(())
        work = Work.of_shape((max(dims[1:]) * self.m,))    # scratch, shared by all layers
        self.layers: list[_Layer] = []
        for l in range(1, arch.L + 1):
            n, n_prev = dims[l], dims[l - 1]
            Wb = Wbs[l - 1]
            A1_prev = ones_below[l - 1]
            hidden = l < arch.L
            g = ACTIVATIONS[arch.activations[l - 1]] if hidden else None
            self.layers.append(_Layer(
                Wb=Wb, W_T=Wb[:, :n_prev].T, A1_prev=A1_prev, A1_prev_T=A1_prev.T,
                Z=np.zeros((n, self.m)),
                A=ones_below[l][:n] if hidden else np.zeros((n, self.m)),
                dZ=np.zeros((n, self.m)), S=Ss[l - 1],
                work=work.view((n, self.m)),
                forward_into=g.forward_into if g else self.objective.activate_into,
                chain_into=g.chain_into if g else None))
        self.output = self.layers[-1]
        self._forward, self._backward, self._update = Calls(), Calls(), Calls()
        self._record_forward(self._forward)
        self._record_backward(self._backward)
        self._record_update(self._update)
        self._step = Calls([*self._forward, *self._backward, *self._update])

    @staticmethod
    def _with_ones(A: np.ndarray) -> np.ndarray:
        """Return [A; 1]: A (n, m) with a row of ones below, (n+1, m)."""
        A1 = np.ones((A.shape[0] + 1, A.shape[1]))
        A1[:-1] = A
        return A1

    # -- parameters in and out ---------------------------------------------------------
    def load(self, parameters: Parameters) -> None:
        """Copy {W1, b1, …} into the engine's [W|b] buffers."""
        for key, view in self.parameters().items():
            view[...] = parameters[key]

    def parameters(self) -> Parameters:
        """Return {W1, b1, …} as views of the live buffers."""
        return _split([layer.Wb for layer in self.layers], "")

    def gradients(self) -> dict[str, np.ndarray]:
        """Return {dW1, db1, …} of the last ``backward``: S[l] / m, new arrays."""
        return _split([layer.S / self.m for layer in self.layers], "d")

    def cache(self) -> Cache:
        """Return the last forward pass's Z[l] and A[l] (views), as ``network.forward`` does."""
        return Cache(Z=[None] + [layer.Z for layer in self.layers],
                     A=[self.X] + [layer.A for layer in self.layers])

    def save(self) -> np.ndarray:
        """Return a copy of all parameters, for ``restore``."""
        return self.P.copy()

    def restore(self, saved: np.ndarray) -> None:
        """Put back parameters returned by ``save``."""
        np.copyto(self.P, saved)

    def finite(self) -> bool:
        """Return True if every parameter is finite."""
        return bool(np.isfinite(self.P).all())

    # -- one iteration: recorded once (core/calls.py), replayed every step ----------------
    def _record_forward(self, call) -> None:
        """Z[l] = [W|b][l] A1[l-1], A[l] = g[l](Z[l]) for l = 1..L."""
        for layer in self.layers:
            call(np.dot, layer.Wb, layer.A1_prev, layer.Z)
            layer.forward_into(call, layer.Z, layer.A, layer.work)

    def _record_backward(self, call) -> None:
        """S[l] = dZ[l] A1[l-1]ᵀ, dZ[l-1] = W[l]ᵀ dZ[l] * g'[l-1](Z[l-1]), from dZ[L]."""
        out = self.output
        self.objective.dZ_into(call, out.A, self.Y, out.dZ)
        layers = self.layers
        for l in range(len(layers) - 1, -1, -1):
            layer = layers[l]
            call(np.dot, layer.dZ, layer.A1_prev_T, layer.S)
            if l:
                below = layers[l - 1]
                call(np.dot, layer.W_T, layer.dZ, below.dZ)
                below.chain_into(call, below.dZ, below.Z, below.A, below.work)

    def _record_update(self, call) -> None:
        """[W|b][l] −= (learning_rate / m) · S[l] for every l: W −= α dW, b −= α db.
        ``self._rate`` holds learning_rate / m (a 0-d array, set before each update)."""
        call(np.multiply, self.S, self._rate, self._delta)
        call(np.subtract, self.P, self._delta, self.P)

    def forward(self) -> None:
        """Run the recorded forward pass (``_record_forward``)."""
        self._forward.run()

    def cost(self) -> float:
        """Return J of the last forward pass."""
        return self.objective.cost(self.output.Z, self.output.A, self.Y)

    def backward(self) -> None:
        """Run the recorded backward pass (``_record_backward``)."""
        self._backward.run()

    def update(self, learning_rate: float) -> None:
        """Run the recorded update (``_record_update``) with ``learning_rate``."""
        self._rate[()] = learning_rate / self.m
        self._update.run()

    def step(self, learning_rate: float) -> None:
        """One iteration without the cost: forward → backward → update."""
        self.steps(1, learning_rate)

    def steps(self, n: int, learning_rate: float) -> None:
        """``n`` iterations without the cost."""
        self._rate[()] = learning_rate / self.m
        run = self._step.run
        for _ in range(n):
            run()


def _flat_views(shapes: list[tuple[int, int]]) -> tuple[np.ndarray, list[np.ndarray]]:
    """Return a flat zero array and C-contiguous views into it, one of each shape."""
    flat = np.zeros(sum(rows * columns for rows, columns in shapes))
    views, start = [], 0
    for rows, columns in shapes:
        views.append(flat[start:start + rows * columns].reshape(rows, columns))
        start += rows * columns
    return flat, views


def _split(matrices: list[np.ndarray], prefix: str) -> dict[str, np.ndarray]:
    """Return {prefix+W1: M1[:, :-1], prefix+b1: M1[:, -1:], …} for [W|b]-shaped M[l]."""
    out = {}
    for l, M in enumerate(matrices, start=1):
        out[f"{prefix}W{l}"], out[f"{prefix}b{l}"] = M[:, :-1], M[:, -1:]
    return out
