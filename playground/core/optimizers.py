"""Update rules of course 2, and learning-rate decay, as the notebooks write them.

For every parameter θ (W[l] and b[l] alike) with gradient dθ, at update t (from 1):

    gd        θ −= α dθ
    momentum  v = β v + (1 − β) dθ;          θ −= α v
    rmsprop   s = β₂ s + (1 − β₂) dθ²;       θ −= α dθ / (√s + ε)
    adam      v = β₁ v + (1 − β₁) dθ;        v̂ = v / (1 − β₁ᵗ)
              s = β₂ s + (1 − β₂) dθ²;       ŝ = s / (1 − β₂ᵗ);     θ −= α v̂ / (√ŝ + ε)

The moments start at zero (the notebook's ``initialize_velocity`` / ``initialize_adam``)
and are kept under the parameter's name with the moment's letter in front: ``vW1``,
``vb1``, ``sW1``, … (the notebook's ``v["dW1"]``, ``s["dW1"]``). ``t`` counts the updates
since the moments were last zeroed: the bias correction needs exactly that.

Decay: ``α = α₀ / (1 + rate · epoch_num)`` (the notebook's ``update_lr``), or, with an
interval k, ``α₀ / (1 + rate · ⌊epoch_num / k⌋)`` (``schedule_lr_decay``). The notebook's
``model`` sets the rate at the *end* of each epoch from that epoch's 0-based number, so
epoch e (numbered from 1) trains with ``epoch_num = max(e − 2, 0)``; we do the same so
that the numbers match.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

Parameters = dict[str, np.ndarray]
Moments = dict[str, np.ndarray]


@dataclass(frozen=True)
class OptimizerSettings:
    """Which rule (a key of ``OPTIMIZERS``) and its hyperparameters (the notes' names)."""

    name: str = "gd"
    beta: float = 0.9
    beta1: float = 0.9
    beta2: float = 0.999
    epsilon: float = 1e-8

    def __post_init__(self) -> None:
        if self.name not in OPTIMIZERS:
            raise ValueError(f"unknown optimizer {self.name!r}; choose from "
                             f"{', '.join(OPTIMIZERS)}")
        for what in ("beta", "beta1", "beta2"):
            value = getattr(self, what)
            if not (math.isfinite(value) and 0 <= value < 1):
                raise ValueError(f"{what} must be in [0, 1), got {value!r}")
        if not (math.isfinite(self.epsilon) and self.epsilon > 0):
            raise ValueError(f"epsilon must be a finite number > 0, got {self.epsilon!r}")


# A rule maps (θ, dθ, v, s, t, α, settings) to the new (θ, v, s); v or s is None where the
# rule keeps no such moment.
Rule = Callable[..., tuple[np.ndarray, np.ndarray | None, np.ndarray | None]]


def gd(p, dp, v, s, t: int, learning_rate: float, h: OptimizerSettings):
    """θ −= α dθ (``update_parameters_with_gd``)."""
    return p - learning_rate * dp, v, s


def momentum(p, dp, v, s, t: int, learning_rate: float, h: OptimizerSettings):
    """v = β v + (1 − β) dθ; θ −= α v (``update_parameters_with_momentum``)."""
    v = h.beta * v + (1 - h.beta) * dp
    return p - learning_rate * v, v, s


def rmsprop(p, dp, v, s, t: int, learning_rate: float, h: OptimizerSettings):
    """s = β₂ s + (1 − β₂) dθ²; θ −= α dθ / (√s + ε)."""
    s = h.beta2 * s + (1 - h.beta2) * np.square(dp)
    return p - learning_rate * dp / (np.sqrt(s) + h.epsilon), v, s


def adam(p, dp, v, s, t: int, learning_rate: float, h: OptimizerSettings):
    """v, s as momentum and RMSprop, bias-corrected by 1 − βᵗ
    (``update_parameters_with_adam``)."""
    v = h.beta1 * v + (1 - h.beta1) * dp
    v_corrected = v / (1 - h.beta1 ** t)
    s = h.beta2 * s + (1 - h.beta2) * np.square(dp)
    s_corrected = s / (1 - h.beta2 ** t)
    return p - learning_rate * v_corrected / (np.sqrt(s_corrected) + h.epsilon), v, s


@dataclass(frozen=True)
class Optimizer:
    """A named update rule; ``moments`` are the letters of the moments it keeps, and
    ``settings`` the OptimizerSettings fields its formula uses."""

    name: str
    label: str
    formula: str
    moments: tuple[str, ...]
    settings: tuple[str, ...]
    rule: Rule


OPTIMIZERS: dict[str, Optimizer] = {
    o.name: o
    for o in (
        Optimizer("gd", "gradient descent", "θ −= α dθ", (), (), gd),
        Optimizer("momentum", "momentum", "v = βv + (1−β)dθ;  θ −= α v", ("v",), ("beta",),
                  momentum),
        Optimizer("rmsprop", "RMSprop", "s = β₂s + (1−β₂)dθ²;  θ −= α dθ/(√s + ε)",
                  ("s",), ("beta2", "epsilon"), rmsprop),
        Optimizer("adam", "Adam", "v̂ = v/(1−β₁ᵗ), ŝ = s/(1−β₂ᵗ);  θ −= α v̂/(√ŝ + ε)",
                  ("v", "s"), ("beta1", "beta2", "epsilon"), adam),
    )
}

#: The notes' symbol for each OptimizerSettings hyperparameter.
SETTING_SYMBOLS = {"beta": "β", "beta1": "β₁", "beta2": "β₂", "epsilon": "ε"}


def moment_keys(parameter_keys, optimizer: str) -> tuple[str, ...]:
    """Return the names of the moments ``optimizer`` keeps: vW1, vb1, …, sW1, sb1, …"""
    return tuple(f"{letter}{key}" for letter in OPTIMIZERS[optimizer].moments
                 for key in parameter_keys)


def initialize_moments(parameters: Parameters, optimizer: str) -> Moments:
    """Return zeros shaped like each parameter, for each moment ``optimizer`` keeps."""
    return {name: np.zeros(parameters[name[1:]].shape)
            for name in moment_keys(parameters, optimizer)}


def update_parameters(parameters: Parameters, grads: dict[str, np.ndarray], moments: Moments,
                      t: int, learning_rate: float, settings: OptimizerSettings
                      ) -> tuple[Parameters, Moments]:
    """Return (new parameters, new moments) after update ``t`` (from 1) with the rule
    ``settings.name``; ``grads`` = {dW1, db1, …}; nothing is changed in place."""
    rule = OPTIMIZERS[settings.name].rule
    new_parameters, new_moments = {}, {}
    for key, p in parameters.items():
        v, s = moments.get(f"v{key}"), moments.get(f"s{key}")
        new_parameters[key], v, s = rule(p, grads[f"d{key}"], v, s, t, learning_rate, settings)
        for letter, value in (("v", v), ("s", s)):
            if value is not None:
                new_moments[f"{letter}{key}"] = value
    return new_parameters, new_moments


# -- learning-rate decay ----------------------------------------------------------------
@dataclass(frozen=True)
class Decay:
    """α = α₀ / (1 + rate · epoch_num), or with ``interval`` k, α₀ / (1 + rate · ⌊epoch_num/k⌋).

    ``rate`` 0 (the default) leaves α₀ as it is, bit for bit.
    """

    rate: float = 0.0
    interval: int | None = None

    def __post_init__(self) -> None:
        if not (math.isfinite(self.rate) and self.rate >= 0):
            raise ValueError(f"decay rate must be a finite number ≥ 0, got {self.rate!r}")
        if self.interval is not None and self.interval < 1:
            raise ValueError(f"decay interval must be at least 1 epoch, got {self.interval}")

    def learning_rate(self, learning_rate0: float, epoch_num: int) -> float:
        """Return α after epoch ``epoch_num`` (the notebook's ``update_lr`` and
        ``schedule_lr_decay``, whose epoch_num counts from 0)."""
        steps = epoch_num if self.interval is None else epoch_num // self.interval
        return learning_rate0 / (1 + self.rate * steps)

    def learning_rate_in_epoch(self, learning_rate0: float, epoch: int) -> float:
        """Return the α that epoch ``epoch`` (from 1) trains with, as the notebook's
        ``model`` does: set after each epoch from its 0-based number (see the module
        docstring), so epochs 1 and 2 both train with α₀."""
        return self.learning_rate(learning_rate0, max(epoch - 2, 0))
