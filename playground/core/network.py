"""A fully-connected network in the course's notation.

X : (n_x, m), one column per example; W[l] : (n[l], n[l-1]); b[l] : (n[l], 1).

    forward   Z[l] = W[l] A[l-1] + b[l],   A[l] = g[l](Z[l]),   A[0] = X
    backward  dZ[L] = A[L] − Y
              dW[l] = dZ[l] A[l-1]ᵀ / m,   db[l] = Σ_columns dZ[l] / m
              dZ[l-1] = W[l]ᵀ dZ[l] * g'[l-1](Z[l-1])
    update    W[l] -= learning_rate · dW[l],   b[l] -= learning_rate · db[l]

Course 2 adds, when asked (``core/regularization.py``): inverted dropout on the hidden
layers, A[l] = A[l] * D[l] / keep_prob forward and dA[l] = dA[l] * D[l] / keep_prob
backward; and the L2/L1 penalties, J += (λ/2m) Σ ‖W[l]‖² and dW[l] += (λ/m) W[l] for L2.
Without them every formula above is computed exactly as before.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from playground.core.activations import ACTIVATIONS
from playground.core.objectives import OBJECTIVES, Objective
from playground.core.regularization import Dropout, Regularization, regularization_cost

MAX_UNITS = 256
MAX_HIDDEN_LAYERS = 20

Parameters = dict[str, np.ndarray]


@dataclass(frozen=True)
class Architecture:
    """The shape of a network: layer sizes, hidden activations, output and loss.

    ``layer_dims`` = (n_x, n[1], …, n[L]); ``activations`` names g[1] … g[L-1] (one per
    hidden layer); ``output`` is g[L]; ``loss`` pairs with it (see ``OBJECTIVES``).
    """

    layer_dims: tuple[int, ...]
    activations: tuple[str, ...]
    output: str = "sigmoid"
    loss: str = "cross-entropy"

    def __post_init__(self) -> None:
        object.__setattr__(self, "layer_dims", tuple(int(n) for n in self.layer_dims))
        object.__setattr__(self, "activations", tuple(self.activations))
        if len(self.layer_dims) < 2:
            raise ValueError("a network needs an input size and an output size")
        for l in (0, self.L):
            if self.layer_dims[l] < 1:
                raise ValueError(f"layer {l} has {self.layer_dims[l]} units; every layer "
                                 "needs at least 1")
        check_hidden_layers(self.layer_dims[1:-1], self.activations)
        if (self.output, self.loss) not in OBJECTIVES:
            pairs = ", ".join(f"{o}+{loss}" for o, loss in OBJECTIVES)
            raise ValueError(f"output {self.output!r} with loss {self.loss!r} is not "
                             f"supported; choose one of {pairs}")
        if self.objective.task == "binary" and self.n_y != 1:
            raise ValueError(f"a sigmoid output has 1 unit, got {self.n_y}")
        if self.objective.task == "multiclass" and self.n_y < 2:
            raise ValueError(f"a softmax output needs k ≥ 2 classes, got {self.n_y}")

    @property
    def L(self) -> int:
        """Number of layers with parameters (the input layer 0 is not counted)."""
        return len(self.layer_dims) - 1

    @property
    def n_x(self) -> int:
        return self.layer_dims[0]

    @property
    def n_y(self) -> int:
        return self.layer_dims[-1]

    @property
    def hidden_layers(self) -> tuple[int, ...]:
        return self.layer_dims[1:-1]

    @property
    def objective(self) -> Objective:
        return OBJECTIVES[(self.output, self.loss)]

    def parameter_count(self) -> int:
        """Return Σ_l n[l]·n[l-1] + n[l]."""
        return sum(n * (n_prev + 1) for n_prev, n in zip(self.layer_dims, self.layer_dims[1:]))


def check_hidden_layers(hidden_layers: tuple[int, ...], activations: tuple[str, ...]) -> None:
    """Raise ValueError for the first hidden layer that cannot be built: too many layers,
    a size outside 1..MAX_UNITS, or a missing or unknown activation."""
    if len(hidden_layers) > MAX_HIDDEN_LAYERS:
        raise ValueError(f"at most {MAX_HIDDEN_LAYERS} hidden layers, got {len(hidden_layers)}")
    for l, n in enumerate(hidden_layers, start=1):
        if not 1 <= n <= MAX_UNITS:
            raise ValueError(f"hidden layer {l} has {n} units; choose 1 to {MAX_UNITS}")
    if len(activations) != len(hidden_layers):
        raise ValueError(f"{len(hidden_layers)} hidden layer(s) need as many activations, "
                         f"got {len(activations)}")
    for name in activations:
        if name not in ACTIVATIONS:
            raise ValueError(f"unknown activation {name!r}; choose from {', '.join(ACTIVATIONS)}")


@dataclass
class Cache:
    """What forward propagation keeps for backward: Z[l] and A[l], l = 0..L (Z[0] unused),
    and the dropout masks it applied (None: no dropout; then A[l] = g[l](Z[l]), else the
    hidden A[l] are after dropout, as the next layer saw them)."""

    Z: list[np.ndarray | None] = field(default_factory=list)
    A: list[np.ndarray] = field(default_factory=list)
    dropout: Dropout | None = None


def check_parameters(parameters: Parameters, arch: Architecture) -> None:
    """Raise ValueError naming the first parameter whose key or shape breaks the chain."""
    for l in range(1, arch.L + 1):
        for key, shape in ((f"W{l}", (arch.layer_dims[l], arch.layer_dims[l - 1])),
                           (f"b{l}", (arch.layer_dims[l], 1))):
            if key not in parameters:
                raise ValueError(f"parameter {key} is missing")
            if parameters[key].shape != shape:
                raise ValueError(f"{key} has shape {parameters[key].shape}, expected {shape}")


def check_data(X: np.ndarray, arch: Architecture, Y: np.ndarray | None = None) -> None:
    """Raise ValueError unless X is (n_x, m) and Y, if given, is (n_y, m)."""
    if X.ndim != 2 or X.shape[0] != arch.n_x:
        raise ValueError(f"X has shape {X.shape}, expected ({arch.n_x}, m)")
    if Y is not None and Y.shape != (arch.n_y, X.shape[1]):
        raise ValueError(f"Y has shape {Y.shape}, expected ({arch.n_y}, {X.shape[1]})")


def forward(X: np.ndarray, parameters: Parameters, arch: Architecture,
            dropout: Dropout | None = None) -> Cache:
    """Return the cache of Z[l] (n[l], m) and A[l] (n[l], m) for l = 0..L; A[0] = X.

    With ``dropout`` (masks from ``regularization.draw_dropout``), each hidden A[l] becomes
    A[l] * D[l] / keep_prob before the next layer uses it.
    """
    cache = Cache(Z=[None], A=[X], dropout=dropout)
    for l in range(1, arch.L + 1):
        Z = parameters[f"W{l}"] @ cache.A[l - 1] + parameters[f"b{l}"]
        g = arch.objective.activate if l == arch.L else ACTIVATIONS[arch.activations[l - 1]].forward
        A = g(Z)
        if dropout is not None and l < arch.L:
            A = dropout.apply(l, A)
        cache.Z.append(Z)
        cache.A.append(A)
    return cache


def compute_cost(cache: Cache, Y: np.ndarray, arch: Architecture) -> float:
    """Return the cost J of the forward pass in ``cache`` against labels Y (n_y, m)."""
    return arch.objective.cost(cache.Z[arch.L], cache.A[arch.L], Y)


def compute_cost_with_regularization(cache: Cache, Y: np.ndarray, parameters: Parameters,
                                     arch: Architecture,
                                     regularization: Regularization) -> float:
    """Return J plus the penalties on ``parameters`` (the weights of the forward pass in
    ``cache``), for the m = Y.shape[1] columns of Y (n_y, m)."""
    return compute_cost(cache, Y, arch) + regularization_cost(parameters, arch.L, Y.shape[1],
                                                              regularization)


def backward(parameters: Parameters, cache: Cache, Y: np.ndarray, arch: Architecture,
             drop_derivative: int | None = None,
             regularization: Regularization | None = None) -> dict[str, np.ndarray]:
    """Return gradients {dW1, db1, …, dWL, dbL}, each the shape of its parameter.

    Dropout masks in ``cache`` are applied to dA[l] as they were to A[l]; the penalties of
    ``regularization`` are added to dW[l].

    ``drop_derivative`` = l leaves g'[l](Z[l]) out of dZ[l]: a deliberate bug, only for
    showing what a failing gradient check looks like. Training never sets it.
    """
    m = Y.shape[1]
    penalties = regularization.penalties() if regularization is not None else ()
    grads: dict[str, np.ndarray] = {}
    dZ = arch.objective.dZ(cache.A[arch.L], Y)
    for l in range(arch.L, 0, -1):
        W = parameters[f"W{l}"]
        grads[f"dW{l}"] = dZ @ cache.A[l - 1].T / m
        for penalty, lambd in penalties:
            grads[f"dW{l}"] = grads[f"dW{l}"] + penalty.gradient(W, m, lambd)
        grads[f"db{l}"] = np.sum(dZ, axis=1, keepdims=True) / m
        if l > 1:
            dZ = hidden_dZ(W.T @ dZ, l - 1, cache, arch, l - 1 == drop_derivative)
    return grads


def hidden_dZ(dA: np.ndarray, l: int, cache: Cache, arch: Architecture,
              drop_derivative: bool = False) -> np.ndarray:
    """Return dZ[l] = dA[l] * g'[l](Z[l]) for hidden layer l, with dA[l] = W[l+1]ᵀ dZ[l+1]
    (n[l], m); under dropout dA[l] first gets the forward pass's D[l] / keep_prob.

    g' takes g(Z[l]) before dropout: the cache's A[l] then is after it, so it is
    recomputed from Z[l]."""
    if drop_derivative:
        return dA if cache.dropout is None else cache.dropout.apply(l, dA)
    g = ACTIVATIONS[arch.activations[l - 1]]
    if cache.dropout is None:
        return dA * g.derivative(cache.Z[l], cache.A[l])
    return cache.dropout.apply(l, dA) * g.derivative(cache.Z[l], g.forward(cache.Z[l]))


def update_parameters(parameters: Parameters, grads: dict[str, np.ndarray],
                      learning_rate: float) -> Parameters:
    """Return new parameters W[l] − learning_rate·dW[l], b[l] − learning_rate·db[l]."""
    return {key: value - learning_rate * grads[f"d{key}"] for key, value in parameters.items()}


def predict(X: np.ndarray, parameters: Parameters, arch: Architecture) -> np.ndarray:
    """Return predictions for X (n_x, m).

    binary: (1, m) of 0/1, 1 iff a > 0.5; multiclass: (m,) class indices (argmax);
    regression: (n_y, m) values.
    """
    AL = forward(X, parameters, arch).A[arch.L]
    return decide(AL, arch)


def decide(AL: np.ndarray, arch: Architecture) -> np.ndarray:
    """Return the prediction rule applied to network outputs A[L] (see ``predict``)."""
    task = arch.objective.task
    if task == "binary":
        return (AL > 0.5).astype(np.int64)
    if task == "multiclass":
        return np.argmax(AL, axis=0)
    return AL


def train_step(X: np.ndarray, Y: np.ndarray, parameters: Parameters, arch: Architecture,
               learning_rate: float) -> tuple[float, dict[str, np.ndarray], Parameters]:
    """Return (J of ``parameters``, their gradients, the updated parameters): one iteration."""
    cache = forward(X, parameters, arch)
    cost = compute_cost(cache, Y, arch)
    grads = backward(parameters, cache, Y, arch)
    return cost, grads, update_parameters(parameters, grads, learning_rate)
