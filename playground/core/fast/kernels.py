"""The in-place forms of every activation and output, for the engine and the grid maps.

Each readable formula of ``core/activations.py`` and ``core/objectives.py`` has its twin
here, registered under the same key:

    ACTIVATION_KERNELS[name].forward_into(call, Z, out, work)     out = g(Z)
    ACTIVATION_KERNELS[name].chain_into(call, dA, Z, A, work)     dA *= g'(Z), so dA is dZ
    OUTPUT_KERNELS[(output, loss)].activate_into(call, Z, out, work)   out = g[L](Z)
    OUTPUT_KERNELS[(output, loss)].dZ_into(call, AL, Y, out)           out = dZ[L]

They compute the same numbers, operation for operation, as the readable forms, only
without allocating; tanh excepted where this machine computes it faster from a table
(``tanh_table.py``, within 4 ulp; ``calibrate.py`` decides by array size and type).
``call`` makes each NumPy call at once (``calls.now``) or records it for the engine to
replay every step (``calls.Calls``); constants are 0-d arrays (``calls.constant``) in the
array's own dtype, so float32 maps stay float32. ``work`` holds scratch arrays of Z's
shape. The tests check that every key of the readable registries has its kernel.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from playground.core.activations import EXP_LIMIT, LEAKY_SLOPE
from playground.core.fast import calibrate, tanh_table
from playground.core.fast.calls import constant
from playground.core.objectives import softmax


@dataclass(frozen=True)
class Work:
    """Scratch arrays of one layer's shape (n, m), made once, for the in-place forms."""

    floats: tuple[np.ndarray, ...]
    index: np.ndarray
    mask: np.ndarray

    @classmethod
    def of_shape(cls, shape: tuple[int, ...], dtype: type = np.float64) -> Work:
        return cls(floats=tuple(np.zeros(shape, dtype)
                                for _ in range(tanh_table.SCRATCH_FLOATS)),
                   index=np.zeros(shape, dtype=np.int64), mask=np.zeros(shape, dtype=bool))

    def view(self, shape: tuple[int, int]) -> Work:
        """Return a Work of ``shape`` made of the first values of this one's arrays: no
        kernel keeps anything in its scratch, so one Work serves every layer."""
        size = shape[0] * shape[1]

        def first(a: np.ndarray) -> np.ndarray:
            return a.ravel()[:size].reshape(shape)

        return Work(tuple(map(first, self.floats)), first(self.index), first(self.mask))


@dataclass(frozen=True)
class ActivationKernel:
    """A hidden activation's in-place forms (see the module docstring)."""

    forward_into: Callable[..., None]      # (call, Z, out, work)
    chain_into: Callable[..., None]        # (call, dA, Z, A, work)


@dataclass(frozen=True)
class OutputKernel:
    """An output layer's in-place forms (see the module docstring)."""

    activate_into: Callable[..., None]     # (call, ZL, out, work)
    dZ_into: Callable[..., None]           # (call, AL, Y, out)


# -- hidden activations: out = g(Z); dA *= g'(Z) ------------------------------------------
def sigmoid_into(call, Z: np.ndarray, out: np.ndarray, work: Work | None = None) -> None:
    call(np.maximum, Z, constant(-EXP_LIMIT, Z), out=out)
    call(np.negative, out, out)
    call(np.exp, out, out)
    call(np.add, out, constant(1, Z), out)
    call(np.divide, constant(1, Z), out, out)


def sigmoid_chain(call, dA: np.ndarray, Z: np.ndarray, A: np.ndarray, work: Work) -> None:
    scratch = work.floats[0]
    call(np.subtract, constant(1, A), A, scratch)
    call(np.multiply, A, scratch, scratch)
    call(np.multiply, dA, scratch, dA)


def tanh_into(call, Z: np.ndarray, out: np.ndarray, work: Work | None = None) -> None:
    block = calibrate.tanh_block(Z)             # 0: np.tanh is faster here for Z's size
    if not block:
        call(np.tanh, Z, out)
        return
    contiguous = Z.flags.c_contiguous and out.flags.c_contiguous
    size = min(block, Z.size) if contiguous else Z.size
    if (work is None or work.floats[0].dtype != Z.dtype or work.floats[0].size < size
            or not all(a.flags.c_contiguous for a in (*work.floats, work.index))):
        work = Work.of_shape((size,), Z.dtype)
    floats, index = tuple(f.reshape(-1) for f in work.floats), work.index.reshape(-1)
    if contiguous:                              # views: passes of ``block`` values
        tanh_table.tanh_in_passes(call, Z.reshape(-1), out.reshape(-1), block, floats, index)
    else:                                       # one pass, in Z's own shape
        tanh_table.tanh_into(call, Z, out, tuple(f[:size].reshape(Z.shape) for f in floats),
                             index[:size].reshape(Z.shape))


def tanh_chain(call, dA: np.ndarray, Z: np.ndarray, A: np.ndarray, work: Work) -> None:
    scratch = work.floats[0]
    call(np.multiply, A, A, scratch)
    call(np.subtract, constant(1, A), scratch, scratch)
    call(np.multiply, dA, scratch, dA)


def relu_into(call, Z: np.ndarray, out: np.ndarray, work: Work | None = None) -> None:
    call(np.maximum, Z, constant(0, Z), out=out)


def relu_chain(call, dA: np.ndarray, Z: np.ndarray, A: np.ndarray, work: Work) -> None:
    scratch = work.floats[0]
    call(np.greater_equal, Z, constant(0, Z), scratch)     # 1.0 / 0.0, as (Z >= 0).astype(float)
    call(np.multiply, dA, scratch, dA)


def leaky_relu_into(call, Z: np.ndarray, out: np.ndarray, work: Work | None = None) -> None:
    call(np.multiply, Z, constant(LEAKY_SLOPE, Z), out)
    call(np.maximum, Z, out, out=out)


def leaky_relu_chain(call, dA: np.ndarray, Z: np.ndarray, A: np.ndarray, work: Work) -> None:
    call(np.less, Z, constant(0, Z), work.mask)    # where g' = 0.01; elsewhere dA * 1 = dA
    call(np.multiply, dA, constant(LEAKY_SLOPE, dA), dA, where=work.mask)


def linear_into(call, Z: np.ndarray, out: np.ndarray, work: Work | None = None) -> None:
    call(np.copyto, out, Z)


def linear_chain(call, dA: np.ndarray, Z: np.ndarray, A: np.ndarray, work: Work) -> None:
    """g' = 1: dA is already dZ."""


ACTIVATION_KERNELS: dict[str, ActivationKernel] = {
    "sigmoid": ActivationKernel(sigmoid_into, sigmoid_chain),
    "tanh": ActivationKernel(tanh_into, tanh_chain),
    "relu": ActivationKernel(relu_into, relu_chain),
    "leaky_relu": ActivationKernel(leaky_relu_into, leaky_relu_chain),
    "linear": ActivationKernel(linear_into, linear_chain),
}


# -- outputs: out = g[L](Z[L]); out = dZ[L] -----------------------------------------------
def _copy_softmax(ZL: np.ndarray, out: np.ndarray) -> None:
    np.copyto(out, softmax(ZL))


def softmax_into(call, ZL: np.ndarray, out: np.ndarray, work: Work | None = None) -> None:
    call(_copy_softmax, ZL, out)          # one call: softmax allocates, so compute it then


def residual_into(call, AL: np.ndarray, Y: np.ndarray, out: np.ndarray) -> None:
    call(np.subtract, AL, Y, out)


def sign_residual_into(call, AL: np.ndarray, Y: np.ndarray, out: np.ndarray) -> None:
    call(np.subtract, AL, Y, out)
    call(np.sign, out, out)


OUTPUT_KERNELS: dict[tuple[str, str], OutputKernel] = {
    ("sigmoid", "cross-entropy"): OutputKernel(sigmoid_into, residual_into),
    ("softmax", "cross-entropy"): OutputKernel(softmax_into, residual_into),
    ("linear", "mse"): OutputKernel(linear_into, residual_into),
    ("linear", "l1"): OutputKernel(linear_into, sign_residual_into),
}
