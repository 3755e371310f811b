"""Forward and backward propagation over one mini-batch's columns, recorded once.

``Engine`` (``engine.py``) binds its passes to the whole training set. A mini-batch
engine needs the same passes over b columns that change every update, so a ``BatchPass``
owns one buffer that each update's columns are gathered into, and binds its recorded
calls to that buffer:

    data        (n_y + n_x + 1, b)   [Y; X; 1]: one gather fills Y and X; the ones stay
    A_ones[l]   (n[l] + 1, b)        [A[l]; 1], with A_ones[0] = [X; 1] a view of data
    Z[l], dZ[l] (n[l], b)
    G[l], D[l]  (n[l], b)            under dropout: g(Z[l]) before it, and the 0/1 mask

Every layer's [W[l] | b[l]] and m_b·[dW[l] | db[l]] are views of the engine's flat
arrays, shared by all its passes. The formulas and their order are ``Engine``'s, so a
pass over the whole training set in its own order computes what ``Engine`` computes, bit
for bit. Dropout adds, on each hidden layer (``core/regularization.py``):

    forward   G[l] = g(Z[l]);   A[l] = G[l] * D[l];   A[l] /= keep_prob
    backward  dA[l] *= D[l];    dA[l] /= keep_prob;    dZ[l] = dA[l] * g'(Z[l]) from G[l]
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from playground.core.fast.calls import DOT, Calls
from playground.core.fast.kernels import ACTIVATION_KERNELS, OUTPUT_KERNELS, Work
from playground.core.network import Architecture, Cache
from playground.core.regularization import Dropout


@dataclass(eq=False)
class PassLayer:
    """Layer l's buffers and views within one pass (see the module docstring)."""

    Wb: np.ndarray
    W_T: np.ndarray              # W[l]ᵀ, a view of Wb
    A_ones_prev: np.ndarray      # [A[l-1]; 1]
    A_ones_prev_T: np.ndarray
    Z: np.ndarray
    A: np.ndarray                # A[l] as the next layer sees it (after dropout)
    G: np.ndarray                # g(Z[l]) before dropout: A itself without dropout
    D: np.ndarray | None         # the dropout mask, 1.0 / 0.0 (None: no dropout)
    dZ: np.ndarray | None        # None in a forward-only pass
    m_dWb: np.ndarray | None
    work: Work
    forward_into: object
    chain_into: object


class BatchPass:
    """Recorded passes over ``b`` columns: ``forward`` and ``backward`` (a ``Calls`` each).

    ``Wbs`` and ``m_dWbs`` are the engine's per-layer views; ``m_dWbs`` None makes a
    forward-only pass (for evaluation). ``keep_prob`` is a 0-d array the engine may
    rewrite, and None for no dropout.
    """

    def __init__(self, arch: Architecture, b: int, Wbs: list[np.ndarray],
                 m_dWbs: list[np.ndarray] | None, keep_prob: np.ndarray | None = None) -> None:
        self.arch, self.b, self.keep_prob = arch, b, keep_prob
        n_x, n_y, dims = arch.n_x, arch.n_y, arch.layer_dims
        self.data = np.ones((n_y + n_x + 1, b))
        self.rows = self.data[:-1]                      # [Y; X]: where a gather writes
        self.Y, self.X = self.data[:n_y], self.data[n_y:n_y + n_x]
        A_ones = [self.data[n_y:]] + [np.ones((n + 1, b)) for n in dims[1:-1]]
        output = OUTPUT_KERNELS[(arch.output, arch.loss)]
        self._dZ_into = output.dZ_into
        work = Work.of_shape((max(dims[1:]) * b,))
        self.layers: list[PassLayer] = []
        for l in range(1, arch.L + 1):
            n, n_prev = dims[l], dims[l - 1]
            hidden = l < arch.L
            kernel = ACTIVATION_KERNELS[arch.activations[l - 1]] if hidden else None
            A = A_ones[l][:n] if hidden else np.zeros((n, b))
            dropped = hidden and keep_prob is not None
            self.layers.append(PassLayer(
                Wb=Wbs[l - 1], W_T=Wbs[l - 1][:, :n_prev].T, A_ones_prev=A_ones[l - 1],
                A_ones_prev_T=A_ones[l - 1].T, Z=np.zeros((n, b)), A=A,
                G=np.zeros((n, b)) if dropped else A,
                D=np.zeros((n, b)) if dropped else None,
                dZ=np.zeros((n, b)) if m_dWbs is not None else None,
                m_dWb=m_dWbs[l - 1] if m_dWbs is not None else None,
                work=work.view((n, b)),
                forward_into=kernel.forward_into if kernel else output.activate_into,
                chain_into=kernel.chain_into if kernel else None))
        self.output = self.layers[-1]
        self.masks = tuple(layer.D for layer in self.layers if layer.D is not None)
        self.forward, self.backward = Calls(), Calls()
        self._record_forward(self.forward)
        if m_dWbs is not None:
            self._record_backward(self.backward)

    def _record_forward(self, call) -> None:
        """Z[l] = Wb[l] A_ones[l-1]; A[l] = g[l](Z[l]), dropped out under dropout."""
        for layer in self.layers:
            call(DOT, layer.Wb, layer.A_ones_prev, layer.Z)
            layer.forward_into(call, layer.Z, layer.G, layer.work)
            if layer.D is not None:
                call(np.multiply, layer.G, layer.D, layer.A)
                call(np.divide, layer.A, self.keep_prob, layer.A)

    def _record_backward(self, call) -> None:
        """From dZ[L]: m_dWb[l] = dZ[l] A_ones[l-1]ᵀ; dA[l-1] = W[l]ᵀ dZ[l], dropped out
        under dropout; dZ[l-1] = dA[l-1] * g'(Z[l-1])."""
        out = self.output
        self._dZ_into(call, out.A, self.Y, out.dZ)
        layers = self.layers
        for l in range(len(layers) - 1, -1, -1):
            layer = layers[l]
            call(DOT, layer.dZ, layer.A_ones_prev_T, layer.m_dWb)
            if l:
                below = layers[l - 1]
                call(DOT, layer.W_T, layer.dZ, below.dZ)
                if below.D is not None:
                    call(np.multiply, below.dZ, below.D, below.dZ)
                    call(np.divide, below.dZ, self.keep_prob, below.dZ)
                below.chain_into(call, below.dZ, below.Z, below.G, below.work)

    def draw_masks(self, rng: np.random.RandomState) -> None:
        """D[l] = rand(n[l], b) < keep_prob, layer by layer (as ``draw_dropout``)."""
        for D in self.masks:
            np.less(rng.random_sample(D.shape), self.keep_prob, out=D)

    def cost(self) -> float:
        """Return J (without penalties) of the last forward pass over these columns."""
        return self.arch.objective.cost(self.output.Z, self.output.A, self.Y)

    def cache(self) -> Cache:
        """Return the last forward pass's Z[l] and A[l] (views) and its dropout masks."""
        dropout = (Dropout(float(self.keep_prob), tuple(D.astype(bool) for D in self.masks))
                   if self.masks else None)
        return Cache(Z=[None] + [layer.Z for layer in self.layers],
                     A=[self.X] + [layer.A for layer in self.layers], dropout=dropout)
