"""What adding and removing hidden layers and units does to a network's
(hidden_layers, activations): one set of rules for the control panel's buttons and the
network diagram's + and −, each edit with the words its button shows.

A new layer copies the layer it follows (after the input: the default layer); a layer
keeps 1 … ``most`` units and a network at most MAX_HIDDEN_LAYERS hidden layers. Layers
are numbered from 1, as in the notes.
"""

from __future__ import annotations

from dataclasses import dataclass

from playground.core.network import MAX_HIDDEN_LAYERS

Layers = tuple[tuple[int, ...], tuple[str, ...]]


@dataclass(frozen=True)
class Edit:
    """What a +/− button asks for: the new (hidden_layers, activations), or None when it
    would break a limit, and its tooltip (saying why, when it is off)."""

    layers: Layers | None
    tip: str


def add_layer_edit(hidden: tuple[int, ...], activations: tuple[str, ...], after: int,
                   default: tuple[int, str]) -> Edit:
    """Return the edit adding a hidden layer after layer ``after`` (0: after the input): a
    copy of the layer it follows, or ``default`` (units, activation) after the input."""
    if len(hidden) >= MAX_HIDDEN_LAYERS:
        return Edit(None, f"At most {MAX_HIDDEN_LAYERS} hidden layers")
    units, activation = (hidden[after - 1], activations[after - 1]) if after else default
    copy = f" (a copy of layer {after})" if after else ""
    return Edit(((*hidden[:after], units, *hidden[after:]),
                 (*activations[:after], activation, *activations[after:])),
                f"Add a hidden layer after {f'layer {after}' if after else 'the input'}: "
                f"{units} {activation} units{copy}; the run starts over")


def remove_layer_edit(hidden: tuple[int, ...], activations: tuple[str, ...], l: int) -> Edit:
    """Return the edit removing hidden layer ``l`` (1-based)."""
    return Edit((hidden[:l - 1] + hidden[l:], activations[:l - 1] + activations[l:]),
                f"Remove hidden layer {l}; the run starts over")


def units_edit(hidden: tuple[int, ...], activations: tuple[str, ...], l: int, delta: int,
               most: int) -> Edit:
    """Return the edit giving hidden layer ``l`` (1-based) ``delta`` (±1) more units, within
    1 … ``most`` (the controls' range)."""
    n = hidden[l - 1] + delta
    if n < 1:
        return Edit(None, f"Layer {l} has 1 unit, the fewest a layer can have "
                          "(remove the layer with ×)")
    if delta > 0 and n > most:
        return Edit(None, f"Layer {l} has {hidden[l - 1]} units; at most {most} "
                          "from the diagram or the controls")
    verb = "Add a unit to" if delta > 0 else "Remove a unit from"
    return Edit((hidden[:l - 1] + (n,) + hidden[l:], activations),
                f"{verb} layer {l}: n[{l}] = {n}; the run starts over")


def diagram_edits(hidden: tuple[int, ...], activations: tuple[str, ...], most: int,
                  default: tuple[int, str]) -> list[tuple[str, int, Edit]]:
    """Return (role, column, edit) for every +/− button: "add" a layer after each column
    but the output; "fewer", "more" units and "remove" for each hidden layer."""
    edits = [("add", c, add_layer_edit(hidden, activations, c, default))
             for c in range(len(hidden) + 1)]
    for l in range(1, len(hidden) + 1):
        edits += [("fewer", l, units_edit(hidden, activations, l, -1, most)),
                  ("more", l, units_edit(hidden, activations, l, 1, most)),
                  ("remove", l, remove_layer_edit(hidden, activations, l))]
    return edits
