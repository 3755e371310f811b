"""The network in the notes' notation, with the shapes filled in.

For each layer l: W[l] (n[l], n[l-1]), b[l] (n[l], 1), Z[l] and A[l] (n[l], m), the forward
and backward equations and the parameter count — what the shapes panel shows.
"""

from __future__ import annotations

from dataclasses import dataclass

from playground.core.activations import ACTIVATIONS
from playground.core.network import Architecture


@dataclass(frozen=True)
class LayerShapes:
    """One layer's shapes and equations (all as the notes write them)."""

    layer: int
    W: tuple[int, int]
    b: tuple[int, int]
    Z: tuple[int, int]
    A: tuple[int, int]
    activation: str
    forward: tuple[str, ...]
    backward: tuple[str, ...]
    parameters: int


def describe_shapes(arch: Architecture, m: int) -> list[LayerShapes]:
    """Return the shapes and equations of layers 1..L for ``m`` examples."""
    layers = []
    for l in range(1, arch.L + 1):
        n, n_prev = arch.layer_dims[l], arch.layer_dims[l - 1]
        if l == arch.L:
            name = arch.output
            dZ = f"dZ[{l}] = A[{l}] − Y" if arch.loss != "l1" else f"dZ[{l}] = sign(A[{l}] − Y)"
        else:
            name = ACTIVATIONS[arch.activations[l - 1]].label
            dZ = f"dZ[{l}] = W[{l + 1}]ᵀ dZ[{l + 1}] * g[{l}]′(Z[{l}])"
        layers.append(LayerShapes(
            layer=l, W=(n, n_prev), b=(n, 1), Z=(n, m), A=(n, m), activation=name,
            forward=(f"Z[{l}] = W[{l}] A[{l - 1}] + b[{l}]", f"A[{l}] = {name}(Z[{l}])"),
            backward=(dZ, f"dW[{l}] = dZ[{l}] A[{l - 1}]ᵀ / m",
                      f"db[{l}] = Σ dZ[{l}] / m  (sum over the m columns)"),
            parameters=n * n_prev + n))
    return layers
