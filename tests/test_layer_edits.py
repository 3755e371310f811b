"""The rules the control panel's buttons and the diagram's + and − share."""

from __future__ import annotations

from playground.core.network import MAX_HIDDEN_LAYERS
from playground.session.layer_edits import (
    add_layer_edit,
    diagram_edits,
    remove_layer_edit,
    units_edit,
)

DEFAULT = (4, "tanh")


def test_a_new_layer_copies_the_layer_it_follows_or_is_the_default_after_the_input():
    hidden, acts = (3, 5), ("relu", "sigmoid")
    assert add_layer_edit(hidden, acts, 2, DEFAULT).layers == ((3, 5, 5),
                                                               ("relu", "sigmoid", "sigmoid"))
    assert add_layer_edit(hidden, acts, 1, DEFAULT).layers == ((3, 3, 5),
                                                               ("relu", "relu", "sigmoid"))
    assert add_layer_edit(hidden, acts, 0, DEFAULT).layers == ((4, 3, 5),
                                                               ("tanh", "relu", "sigmoid"))
    assert add_layer_edit((), (), 0, DEFAULT).layers == ((4,), ("tanh",))


def test_limits_turn_a_button_off_and_say_why():
    full = ((2,) * MAX_HIDDEN_LAYERS, ("tanh",) * MAX_HIDDEN_LAYERS)
    edit = add_layer_edit(*full, 1, DEFAULT)
    assert edit.layers is None and str(MAX_HIDDEN_LAYERS) in edit.tip
    fewer = units_edit((1, 4), ("tanh", "tanh"), 1, -1, most=8)
    assert fewer.layers is None and "fewest" in fewer.tip
    more = units_edit((8,), ("tanh",), 1, 1, most=8)
    assert more.layers is None and "at most 8" in more.tip
    assert units_edit((7,), ("tanh",), 1, 1, most=8).layers == ((8,), ("tanh",))


def test_removing_a_layer_keeps_the_others_and_their_activations():
    assert remove_layer_edit((3, 5, 2), ("relu", "tanh", "sigmoid"), 2).layers == (
        (3, 2), ("relu", "sigmoid"))
    assert remove_layer_edit((3,), ("relu",), 1).layers == ((), ())


def test_the_diagram_has_one_add_per_gap_and_three_buttons_per_hidden_layer():
    edits = diagram_edits((3, 5), ("relu", "tanh"), 8, DEFAULT)
    roles = [(role, c) for role, c, _ in edits]
    assert roles == [("add", 0), ("add", 1), ("add", 2),
                     ("fewer", 1), ("more", 1), ("remove", 1),
                     ("fewer", 2), ("more", 2), ("remove", 2)]
