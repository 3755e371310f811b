"""The run's random generator as named arrays, for a file: what continuing a run that
draws (shuffles, dropout masks) needs to draw the same numbers on."""

from __future__ import annotations

import numpy as np


def generator_arrays(rng: np.random.RandomState) -> dict[str, np.ndarray]:
    """Return ``rng``'s Mersenne Twister state as {rng_keys, rng_index, rng_has_gauss,
    rng_gauss}."""
    _, keys, index, has_gauss, gauss = rng.get_state()
    return {"rng_keys": keys, "rng_index": np.array(index),
            "rng_has_gauss": np.array(has_gauss), "rng_gauss": np.array(gauss)}


def restore_generator(rng: np.random.RandomState, arrays: dict[str, np.ndarray]) -> None:
    """Set ``rng`` to the state ``generator_arrays`` recorded in ``arrays``."""
    rng.set_state(("MT19937", np.asarray(arrays["rng_keys"], dtype=np.uint32),
                   int(arrays["rng_index"]), int(arrays["rng_has_gauss"]),
                   float(arrays["rng_gauss"])))
