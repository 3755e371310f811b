"""The full-batch engine: the formulas of ``core/network.py``, computed into buffers made
once. The Trainer trains with ``batched.BatchedEngine``, which computes plain full-batch
gradient descent as this does, bit for bit; this one is the benchmark's bare engine and
the reference the tests hold the batched one to.

For a playground-sized network a step is a few dozen small NumPy calls, so what costs
is the calls, not the arithmetic. The engine makes every array it needs once, for one
architecture and one training set, and then each step only writes into them:

    Wb[l]        (n[l], n[l-1]+1)   [W[l] | b[l]], the parameters side by side
    A_ones[l]    (n[l]+1, m)        [A[l]; 1], A[l] with a row of ones below
    Z[l], dZ[l]  (n[l], m)
    m_dWb[l]     (n[l], n[l-1]+1)   dZ[l] [A[l-1]; 1]ᵀ = m · [dW[l] | db[l]]

With the row of ones, W[l] A[l-1] + b[l] is the one product Wb[l] A_ones[l-1], and
dW[l] = dZ[l] A[l-1]ᵀ / m, db[l] = Σ dZ[l] / m are the one product m_dWb[l] / m. Every
Wb[l] is a view into one flat array of all parameters (``Wb_all``) and every m_dWb[l]
into another (``m_dWb_all``), so the update of all layers is two calls:

    [W | b] −= learning_rate · [dW | db]     computed as  Wb_all −= (learning_rate / m) · m_dWb_all

Same formulas, sums only grouped differently, so results agree with ``network.py`` to
rounding (~1e-16 relative); a gradient that is exactly zero there (zero initialisation)
is exactly zero here. Activations and their derivatives run in place
(``kernels.ACTIVATION_KERNELS``). The cost is not part of a step: ``cost()`` computes it
from the last forward pass when someone wants it.

Since the arrays never change, the forward and backward passes are recorded once as a
list of NumPy calls with their arrays bound (``calls.py``) and replayed every step.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from playground.core.fast.calls import DOT, Calls
from playground.core.fast.kernels import ACTIVATION_KERNELS, OUTPUT_KERNELS, Work
from playground.core.network import Architecture, Cache, Parameters, check_data


@dataclass(eq=False)
class _Layer:
    """Layer l's buffers and views (see the module docstring for shapes)."""

    Wb: np.ndarray
    W_T: np.ndarray             # W[l]ᵀ, a view of Wb
    A_ones_prev: np.ndarray     # [A[l-1]; 1]
    A_ones_prev_T: np.ndarray   # its transpose, a view
    Z: np.ndarray
    A: np.ndarray               # A[l]: a view of the first n[l] rows of A_ones[l] (or A[L])
    dZ: np.ndarray
    m_dWb: np.ndarray           # m · [dW[l] | db[l]], a view of Engine.m_dWb_all
    work: Work                  # scratch arrays of Z's shape (views of one shared Work)
    forward_into: object        # (call, Z, out, work)
    chain_into: object          # (call, dA, Z, A, work); None for the output layer


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
        output = OUTPUT_KERNELS[(arch.output, arch.loss)]
        self._dZ_into = output.dZ_into
        dims = arch.layer_dims
        A_ones = [self._with_ones(self.X)] + [
            self._with_ones(np.zeros((n, self.m))) for n in dims[1:-1]]
        shapes = [(n, n_prev + 1) for n_prev, n in zip(dims, dims[1:])]
        self.Wb_all, Wbs = _flat_views(shapes)
        self.m_dWb_all, m_dWbs = _flat_views(shapes)
        self._step_all = np.zeros_like(self.Wb_all)          # learning_rate · [dW | db]
        work = Work.of_shape((max(dims[1:]) * self.m,))      # scratch, shared by all layers
        self.layers: list[_Layer] = []
        for l in range(1, arch.L + 1):
            n, n_prev = dims[l], dims[l - 1]
            Wb = Wbs[l - 1]
            hidden = l < arch.L
            kernel = ACTIVATION_KERNELS[arch.activations[l - 1]] if hidden else None
            self.layers.append(_Layer(
                Wb=Wb, W_T=Wb[:, :n_prev].T, A_ones_prev=A_ones[l - 1],
                A_ones_prev_T=A_ones[l - 1].T, Z=np.zeros((n, self.m)),
                A=A_ones[l][:n] if hidden else np.zeros((n, self.m)),
                dZ=np.zeros((n, self.m)), m_dWb=m_dWbs[l - 1],
                work=work.view((n, self.m)),
                forward_into=kernel.forward_into if kernel else output.activate_into,
                chain_into=kernel.chain_into if kernel else None))
        self.output = self.layers[-1]
        self._forward, self._backward = Calls(), Calls()
        self._record_forward(self._forward)
        self._record_backward(self._backward)
        self._forward_backward = Calls([*self._forward, *self._backward])

    @staticmethod
    def _with_ones(A: np.ndarray) -> np.ndarray:
        """Return [A; 1]: A (n, m) with a row of ones below, (n+1, m)."""
        A_ones = np.ones((A.shape[0] + 1, A.shape[1]))
        A_ones[:-1] = A
        return A_ones

    # -- parameters in and out ---------------------------------------------------------
    def load(self, parameters: Parameters) -> None:
        """Copy {W1, b1, …} into the engine's [W|b] buffers."""
        for key, view in self.parameters().items():
            view[...] = parameters[key]

    def parameters(self) -> Parameters:
        """Return {W1, b1, …} as views of the live buffers."""
        return _split([layer.Wb for layer in self.layers], "")

    def gradients(self) -> dict[str, np.ndarray]:
        """Return {dW1, db1, …} of the last ``backward``: m_dWb[l] / m, new arrays."""
        return _split([layer.m_dWb / self.m for layer in self.layers], "d")

    def cache(self) -> Cache:
        """Return the last forward pass's Z[l] and A[l] (views), as ``network.forward`` does."""
        return Cache(Z=[None] + [layer.Z for layer in self.layers],
                     A=[self.X] + [layer.A for layer in self.layers])

    def save(self) -> np.ndarray:
        """Return a copy of all parameters, for ``restore``."""
        return self.Wb_all.copy()

    def restore(self, saved: np.ndarray) -> None:
        """Put back parameters returned by ``save``."""
        np.copyto(self.Wb_all, saved)

    def finite(self) -> bool:
        """Return True if every parameter is finite."""
        return bool(np.isfinite(self.Wb_all).all())

    # -- one iteration: the passes are recorded once (calls.py), replayed every step ------
    def _record_forward(self, call) -> None:
        """Z[l] = Wb[l] A_ones[l-1] (= W[l] A[l-1] + b[l]), A[l] = g[l](Z[l]) for l = 1..L."""
        for layer in self.layers:
            call(DOT, layer.Wb, layer.A_ones_prev, layer.Z)
            layer.forward_into(call, layer.Z, layer.A, layer.work)

    def _record_backward(self, call) -> None:
        """From dZ[L]: m_dWb[l] = dZ[l] A_ones[l-1]ᵀ, dZ[l-1] = W[l]ᵀ dZ[l] * g'[l-1](Z[l-1])."""
        out = self.output
        self._dZ_into(call, out.A, self.Y, out.dZ)
        layers = self.layers
        for l in range(len(layers) - 1, -1, -1):
            layer = layers[l]
            call(DOT, layer.dZ, layer.A_ones_prev_T, layer.m_dWb)
            if l:
                below = layers[l - 1]
                call(DOT, layer.W_T, layer.dZ, below.dZ)
                below.chain_into(call, below.dZ, below.Z, below.A, below.work)

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
        """W[l] −= learning_rate · dW[l], b[l] −= learning_rate · db[l], for every layer."""
        step = np.multiply(self.m_dWb_all, learning_rate / self.m, self._step_all)
        np.subtract(self.Wb_all, step, self.Wb_all)

    def step(self, learning_rate: float) -> None:
        """One iteration without the cost: forward → backward → update."""
        self.steps(1, learning_rate)

    def steps(self, n: int, learning_rate: float) -> None:
        """``n`` iterations without the cost, each forward → backward → update:
        [W | b] −= learning_rate · [dW | db], with [dW | db] = m_dWb / m."""
        forward_backward = self._forward_backward.run
        rate = np.array(learning_rate / self.m)         # made once for the n updates
        m_dWb, Wb, step = self.m_dWb_all, self.Wb_all, self._step_all
        for _ in range(n):
            forward_backward()
            np.multiply(m_dWb, rate, step)              # learning_rate · [dW | db]
            np.subtract(Wb, step, Wb)


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
