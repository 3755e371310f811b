"""The in-place forms of the update rules and penalty gradients, on flat parameter arrays.

Each readable rule of ``core/optimizers.py`` and penalty of ``core/regularization.py``
has its twin here under the same key, written for ``calls.Calls`` to record once and
replay every update. They work on the engine's flat arrays, where every layer's
[W[l] | b[l]] sits side by side (``engine.py``):

    P   the parameters θ                      G   m_b · [dW | db] of the last backward pass
    d   dθ = G / m_b, plus the penalties      v, s   the rule's moments
    w1, w2   scratch

(m_b is the mini-batch's number of columns.) The operations are the readable ones, in
the same order, so given the same G the results are the same bit for bit: ``(1 − β)·dθ``
is ``d · (1 − β)``, ``dθ²`` is ``d · d``, and so on. ``Knobs`` holds the numbers the
recorded calls read, as writable 0-d arrays: a new learning rate or β is written into
them between updates, and every replay reads it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from playground.core.optimizers import OptimizerSettings


def _number(value: float = 0.0) -> np.ndarray:
    return np.array(value, dtype=float)


@dataclass(frozen=True)
class Knobs:
    """The rules' numbers as 0-d arrays (see the module docstring); ``bias1``, ``bias2``
    are 1 − β₁ᵗ and 1 − β₂ᵗ of the update about to be made."""

    learning_rate: np.ndarray
    beta: np.ndarray
    one_minus_beta: np.ndarray
    beta1: np.ndarray
    one_minus_beta1: np.ndarray
    beta2: np.ndarray
    one_minus_beta2: np.ndarray
    epsilon: np.ndarray
    bias1: np.ndarray
    bias2: np.ndarray

    @classmethod
    def make(cls) -> Knobs:
        return cls(*(_number() for _ in range(10)))

    def write(self, settings: OptimizerSettings) -> None:
        """Write the hyperparameters of ``settings`` (computed as the readable rules do)."""
        for array, value in ((self.beta, settings.beta), (self.one_minus_beta, 1 - settings.beta),
                             (self.beta1, settings.beta1),
                             (self.one_minus_beta1, 1 - settings.beta1),
                             (self.beta2, settings.beta2),
                             (self.one_minus_beta2, 1 - settings.beta2),
                             (self.epsilon, settings.epsilon)):
            array[...] = value

    def write_bias_corrections(self, settings: OptimizerSettings, t: int) -> None:
        """Write 1 − β₁ᵗ and 1 − β₂ᵗ for update ``t`` (from 1)."""
        self.bias1[...] = 1 - settings.beta1 ** t
        self.bias2[...] = 1 - settings.beta2 ** t


# -- the gradient: d = G / m_b, plus the penalties (on W only) ----------------------------
def gradient_into(call, G: np.ndarray, batch_size: np.ndarray, d: np.ndarray) -> None:
    """d = G / m_b: [dW | db] as ``network.backward`` divides it."""
    call(np.divide, G, batch_size, d)


def l2_into(call, P: np.ndarray, d: np.ndarray, scaled_mask: np.ndarray, w: np.ndarray) -> None:
    """dW += (λ/m_b) W; ``scaled_mask`` is λ/m_b where P holds a weight, 0 at a bias."""
    call(np.multiply, P, scaled_mask, w)
    call(np.add, d, w, d)


def l1_into(call, P: np.ndarray, d: np.ndarray, scaled_mask: np.ndarray, w: np.ndarray) -> None:
    """dW += (λ/m_b) sign(W); ``scaled_mask`` as for ``l2_into``."""
    call(np.sign, P, w)
    call(np.multiply, w, scaled_mask, w)
    call(np.add, d, w, d)


PENALTY_KERNELS: dict[str, Callable[..., None]] = {"l2": l2_into, "l1": l1_into}


# -- the rules: θ −= … ------------------------------------------------------------------
def scaled_gd_into(call, P: np.ndarray, G: np.ndarray, rate: np.ndarray, w: np.ndarray) -> None:
    """θ −= (α/m_b) · G: gradient descent in ``Engine``'s own form (``rate`` = α/m_b), used
    when there is no penalty, so plain full-batch descent is ``Engine`` bit for bit."""
    call(np.multiply, G, rate, w)
    call(np.subtract, P, w, P)


def gd_into(call, P, d, v, s, w1, w2, k: Knobs) -> None:
    """θ −= α dθ."""
    call(np.multiply, d, k.learning_rate, w1)
    call(np.subtract, P, w1, P)


def momentum_into(call, P, d, v, s, w1, w2, k: Knobs) -> None:
    """v = β v + (1 − β) dθ;  θ −= α v."""
    call(np.multiply, v, k.beta, v)
    call(np.multiply, d, k.one_minus_beta, w1)
    call(np.add, v, w1, v)
    call(np.multiply, v, k.learning_rate, w1)
    call(np.subtract, P, w1, P)


def rmsprop_into(call, P, d, v, s, w1, w2, k: Knobs) -> None:
    """s = β₂ s + (1 − β₂) dθ²;  θ −= α dθ / (√s + ε)."""
    call(np.multiply, s, k.beta2, s)
    call(np.multiply, d, d, w1)
    call(np.multiply, w1, k.one_minus_beta2, w1)
    call(np.add, s, w1, s)
    call(np.sqrt, s, w1)
    call(np.add, w1, k.epsilon, w1)
    call(np.multiply, d, k.learning_rate, w2)
    call(np.divide, w2, w1, w2)
    call(np.subtract, P, w2, P)


def adam_into(call, P, d, v, s, w1, w2, k: Knobs) -> None:
    """v = β₁ v + (1 − β₁) dθ, v̂ = v/(1 − β₁ᵗ); s = β₂ s + (1 − β₂) dθ², ŝ = s/(1 − β₂ᵗ);
    θ −= α v̂ / (√ŝ + ε)."""
    call(np.multiply, v, k.beta1, v)
    call(np.multiply, d, k.one_minus_beta1, w1)
    call(np.add, v, w1, v)
    call(np.divide, v, k.bias1, w1)                  # v̂
    call(np.multiply, s, k.beta2, s)
    call(np.multiply, d, d, w2)
    call(np.multiply, w2, k.one_minus_beta2, w2)
    call(np.add, s, w2, s)
    call(np.divide, s, k.bias2, w2)                  # ŝ
    call(np.sqrt, w2, w2)
    call(np.add, w2, k.epsilon, w2)
    call(np.multiply, w1, k.learning_rate, w1)
    call(np.divide, w1, w2, w1)
    call(np.subtract, P, w1, P)


RULE_KERNELS: dict[str, Callable[..., None]] = {
    "gd": gd_into, "momentum": momentum_into, "rmsprop": rmsprop_into, "adam": adam_into}
