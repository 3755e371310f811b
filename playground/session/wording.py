"""Read-outs in words, shared by the window's status line and the command line (Qt-free),
so that both say the same thing about the same run."""

from __future__ import annotations


def describe_layer(layer: int, units: int, spread: float, distinct: int) -> str:
    """Return one line saying in words whether the units of a hidden layer differ.

    ``spread`` is the layer's unit spread (``metrics.unit_spread``), ``distinct`` its
    number of distinct units (``metrics.distinct_units``, whose tolerance counts units
    apart by rounding alone as one). A layer of one unit has no symmetry to break.
    """
    if units == 1:
        return f"layer {layer}: a single unit"
    if spread == 0.0:
        return (f"layer {layer}: all {units} units identical (spread exactly 0) — "
                f"the symmetry is not broken")
    if distinct == 1:
        return (f"layer {layer}: all {units} units identical up to rounding "
                f"(spread {spread:.1e}) — the symmetry is not broken")
    return f"layer {layer}: {distinct} of {units} units distinct (spread {spread:.3g})"
