"""Every lesson's text is true where the window pauses it: each lesson is run headless to its
stop (and through its next steps) and every claim is checked; false claims fail; malformed
lesson files are refused with a message that says what is wrong."""

from __future__ import annotations

import copy
import json
import pathlib
from importlib import resources

import numpy as np
import pytest

import playground.session.lessons as lessons_module
from playground.session.config import RunConfig, make_trainer
from playground.session.lessons import (
    CLAIMS,
    LESSON_FORMAT,
    LESSON_VERSION,
    check_claims,
    check_lesson,
    lesson,
    lessons,
    parse_claims,
    parse_lesson,
    play,
)


def _doc(name: str) -> dict:
    """Return the JSON document of the shipped lesson ``name``."""
    folder = resources.files("playground.resources") / "lessons"
    (entry,) = [e for e in folder.iterdir() if e.name.endswith(f"-{name}.json")
                and e.name in json.loads((folder / "index.json").read_text("utf-8"))["lessons"]]
    return json.loads(entry.read_text(encoding="utf-8"))


def _minimal(**changes) -> dict:
    doc = {"format": LESSON_FORMAT, "version": LESSON_VERSION, "title": "t",
           "explanation": "e", "watch": ["w"], "stop": 10, "pace": 10,
           "config": {"hidden_layers": [2]}, "claims": {"diverged": False}}
    doc.update(changes)
    return doc


@pytest.mark.parametrize("name", list(lessons()))
def test_every_claim_of_the_lesson_holds_at_its_stops(name):
    preset = lesson(name)
    assert preset.title and preset.explanation and preset.watch and preset.claims
    assert all(stage.claims for stage in preset.stages())
    assert check_lesson(preset) == []


def test_the_menu_starts_with_start_here_and_has_the_issues_lessons():
    names = list(lessons())
    assert names[0] == "start-here"
    for name in ("gradient-check", "softmax-gaussians", "tanh-vs-sigmoid",
                 "hidden-layer-sizes", "zero-init-symmetry", "course-flower"):
        assert name in names
    assert names[-4:] == ["noisy-mini-batch-cost", "gd-momentum-adam",
                          "overfit-then-regularise", "features-instead-of-layers"]


def test_every_claim_kind_used_is_known_and_every_kind_is_used():
    used = {claim.kind for preset in lessons().values() for stage in preset.stages()
            for claim in stage.claims}
    assert used <= set(CLAIMS)
    assert used == set(CLAIMS), f"kinds no lesson uses: {set(CLAIMS) - used}"


def test_the_hidden_layer_sweep_walks_the_notebooks_sizes():
    sizes = [stage.config.hidden_layers for stage in lesson("hidden-layer-sizes").stages()]
    assert sizes == [(1,), (2,), (3,), (4,), (5,), (20,), (50,)]
    assert all(stage.stop == 5000 and stage.reset
               for stage in lesson("hidden-layer-sizes").stages())


def test_steps_apply_their_changes_on_the_previous_stage():
    symmetry = lesson("zero-init-symmetry")
    step = symmetry.next
    assert step is symmetry.steps[0] and step.changes == (("init", "random"),)
    assert step.config == symmetry.config.replace(init="random")
    assert (step.stop, step.pace, step.reset) == (symmetry.stop, symmetry.pace, True)
    play_on = lesson("deep-sigmoid-vanishing").steps[0]
    assert not play_on.reset and play_on.stop == 25000 and play_on.pace is None
    assert lesson("course-flower").next is None


def test_the_course_2_lessons_change_what_their_labels_say():
    batches = [stage.config.batch_size for stage in lesson("noisy-mini-batch-cost").stages()]
    assert batches == [None, 64, 1]
    race = lesson("gd-momentum-adam").stages()
    assert [stage.config.optimizer for stage in race] == ["gd", "momentum", "adam", "adam", "gd"]
    assert all(stage.config.learning_rate == 0.0007 and stage.config.batch_size == 64
               for stage in race)
    assert not race[3].reset and race[3].stop == 25000 == race[4].stop
    regularise = lesson("overfit-then-regularise").stages()
    assert [(stage.config.l2, stage.config.keep_prob) for stage in regularise] == [
        (0.0, 1.0), (0.7, 1.0), (0.0, 0.86)]
    assert all(stage.config.test_fraction == 0.5 for stage in regularise)
    features = lesson("features-instead-of-layers").stages()
    assert [stage.config.features for stage in features] == [None, ("x1^2", "x2^2"), None]
    assert [stage.config.hidden_layers for stage in features] == [(), (), (3,)]


def test_every_stage_plays_in_under_a_minute_at_its_pace():
    """Watchable: a paced stage reaches its stop within a minute (from 0, or from the
    previous stop when it plays on)."""
    for preset in lessons().values():
        stages = preset.stages()
        for previous, stage in zip((None, *stages), stages):
            start = 0 if stage.reset else previous.stop
            assert stage.pace is None or (stage.stop - start) / stage.pace <= 60, preset.name


def test_iterations_is_the_stop_for_train_preset():
    for preset in lessons().values():
        assert preset.iterations == preset.stop


def test_the_gradient_check_lesson_passes_and_fails_with_the_bug():
    trainer = make_trainer(lesson("gradient-check").config)
    trainer.run(lesson("gradient-check").stop)
    assert trainer.check_gradients().difference < 2e-7
    bad = trainer.check_gradients(bug_layer=1)
    assert bad.difference > 1e-3 and bad.layer_differences[0] > 1e-3


FALSE_CLAIMS = [
    ("cost", [0.1, 0.2]),
    ("cost_at", {"0": [0.1, 0.2]}),
    ("cost_at", {"5000": [0.0, 1.0]}),               # not in the cost history
    ("accuracy", [0.45, 0.55]),
    ("output_range", [0.0, 0.1]),
    ("distinct_units", {"1": 1}),
    ("distinct_units", {"2": 1}),                    # the output layer is no hidden layer
    ("unit_spread", {"1": [0.0, 0.0]}),
    ("unit_spread", {"1": [0.0, 0.1]}),
    ("equal_entries", ["W1"]),
    ("parameters_zero", ["W2", "W9"]),
    ("saturated_fraction", {"1": [0.5, 1.0]}),
    ("active_fraction", {"1": [0.0, 0.1]}),
    ("grad_norm_at", {"0": {"1": [1.0, 2.0]}}),
    ("grad_ratio_at", {"0": [10.0, 20.0]}),
    ("grad_norms_below", 1e-9),
    ("diverged", True),
    ("diverged_at", [1, 10]),
    ("gradcheck_below", 1e-12),
    ("bug_gradcheck", {"layer": 1, "difference": [0.0, 1e-3], "other_layers_below": 1e-12}),
    ("epochs", 999),                                 # B = m: 1000 iterations, 1000 epochs
    ("epoch_cost_at", {"1": [0.0, 0.5]}),
    ("epoch_cost_at", {"1000": [0.0, 1.0]}),         # after the last kept epoch
    ("cost_rises_from", {"0": [0.1, 1.0]}),          # plain descent: J never rises
    ("cost_rises_from", {"999": [0.0, 1.0]}),        # one kept cost: no step to judge
    ("cost_jump_from", {"0": [0.01, 1.0]}),
    ("test_cost", [0.0, 10.0]),                      # no test set: nothing is true of it
    ("test_cost_at", {"0": [0.0, 10.0]}),
    ("test_cost_lowest_at", [0, 1000]),
    ("test_accuracy", [0.0, 1.0]),
    ("weight_norm", [0.0, 1.0]),
    ("entries_in", {"W1": [-1.0, 1.0]}),
    ("entries_in", {"W9": [-100.0, 100.0]}),
]

# A run with mini-batches of 64 and a test split, 300 iterations (300 training points: 4
# batches of 64 and one of 44, so 60 epochs): each claim is false of it.
COURSE_2 = RunConfig(test_fraction=0.25, batch_size=64, shuffle_seed=10)
FALSE_COURSE_2_CLAIMS = [
    ("epochs", 300),
    ("epoch_cost_at", {"1": [0.0, 0.5]}),
    ("cost_rises_from", {"0": [0.0, 0.0]}),          # mini-batches: J rises, often
    ("cost_jump_from", {"0": [0.0, 0.001]}),
    ("test_cost", [0.0, 0.1]),
    ("test_cost_at", {"0": [0.0, 0.5]}),
    ("test_cost_at", {"300": [0.0, 1.0]}),           # the stop itself is not kept
    ("test_cost_lowest_at", [0, 10]),
    ("test_accuracy", [0.0, 0.5]),
    ("weight_norm", [0.0, 1.0]),
    ("entries_in", {"b1": [0.0, 0.0]}),
]


@pytest.mark.parametrize("kind, false_argument", FALSE_CLAIMS)
def test_a_false_claim_fails(kind, false_argument):
    """The course's run at 1000 iterations (J 0.288, 89.25 %): each false claim is caught."""
    trainer = make_trainer(RunConfig())
    trainer.run(1000)
    failures = check_claims(trainer, parse_claims({kind: false_argument}, "test"))
    assert failures and all(isinstance(f, str) and f for f in failures)


@pytest.fixture(scope="module")
def course_2_run():
    trainer = make_trainer(COURSE_2)
    trainer.run(300)
    return trainer


@pytest.mark.parametrize("kind, false_argument", FALSE_COURSE_2_CLAIMS)
def test_a_false_course_2_claim_fails(course_2_run, kind, false_argument):
    failures = check_claims(course_2_run, parse_claims({kind: false_argument}, "test"))
    assert failures and all(isinstance(f, str) and f for f in failures)


def test_the_course_2_measures_read_the_run(course_2_run):
    """The claims read what the Trainer says: epochs, its histories, its test set."""
    trainer = course_2_run
    rows = trainer.cost_history()
    steps = np.diff(rows[:, 1])
    (epoch, epoch_cost), *_ = trainer.epoch_history()
    lowest = trainer.test_history()[np.argmin(trainer.test_history()[:, 1]), 0]
    W1 = trainer.parameters["W1"]
    true = {"epochs": 60,
            "epoch_cost_at": {str(int(epoch)): [epoch_cost, epoch_cost]},
            "cost_rises_from": {"0": [np.mean(steps > 0)] * 2},
            "cost_jump_from": {"0": [np.mean(np.abs(steps))] * 2},
            "test_cost": [trainer.test_cost()] * 2,
            "test_cost_at": {"0": [trainer.test_history()[0, 1]] * 2},
            "test_cost_lowest_at": [lowest, lowest],
            "test_accuracy": [trainer.test_accuracy()] * 2,
            "weight_norm": [trainer.weight_norm()] * 2,
            "entries_in": {"W1": [W1.min(), W1.max()]}}
    assert 0.2 < np.mean(steps > 0) < 0.8 and trainer.train.m == 300
    assert check_claims(trainer, parse_claims(true, "test")) == []


def test_every_kind_is_covered_by_the_false_claim_test():
    assert {kind for kind, _ in FALSE_CLAIMS} == set(CLAIMS)


def test_a_lesson_text_with_a_false_accuracy_fails_its_check():
    doc = _doc("zero-init-symmetry")
    assert check_lesson(parse_lesson("zero-init-symmetry", json.dumps(doc))) == []
    wrong = copy.deepcopy(doc)
    wrong["claims"]["accuracy"] = [0.45, 0.5]        # "accuracy stays near 50 %"
    failures = check_lesson(parse_lesson("zero-init-symmetry", json.dumps(wrong)))
    assert len(failures) == 1
    assert "zero-init-symmetry, iteration 300: accuracy is 0.551" in failures[0]
    wrong = copy.deepcopy(doc)
    wrong["next"]["claims"]["distinct_units"] = {"1": 1}
    (failure,) = check_lesson(parse_lesson("zero-init-symmetry", json.dumps(wrong)))
    assert "step 1 (Now switch to random × 0.01)" in failure and "distinct units" in failure


def test_play_follows_steps_that_play_on_without_a_reset():
    stages = list(play(lesson("start-here")))
    (first, trainer_a), (second, trainer_b) = stages
    assert trainer_a is trainer_b and trainer_b.iteration == second.stop == 1000
    assert not second.reset and second.pace == 100


DELETE = object()                      # a change that removes the field


@pytest.mark.parametrize("changes, message", [
    ({"stop": DELETE}, "missing stop"),
    ({"stop": 0}, "stop must be an iteration ≥ 1"),
    ({"stop": True}, "stop must be an iteration ≥ 1"),
    ({"pace": DELETE}, "missing pace"),
    ({"pace": 7}, "pace must be one of 1, 2, 5"),
    ({"pace": "fast"}, "pace must be one of"),
    ({"claims": {"accuracy_near": [0.4, 0.6]}}, "unknown claim 'accuracy_near'"),
    ({"claims": {"accuracy": [0.6, 0.4]}}, "claim 'accuracy': range [0.6, 0.4] is empty"),
    ({"claims": {"accuracy": 0.5}}, "claim 'accuracy': expected a range"),
    ({"claims": {"distinct_units": {"one": 1}}}, "keys must be integers ≥ 1"),
    ({"claims": {}}, "claims must be a non-empty object"),
    ({"claims": {"epochs": -1}}, "claim 'epochs': expected an integer ≥ 0"),
    ({"claims": {"cost_rises_from": {"0": 0.5}}}, "claim 'cost_rises_from': expected a range"),
    ({"claims": {"epoch_cost_at": {"0": [0, 1]}}}, "keys must be integers ≥ 1"),
    ({"claims": {"entries_in": ["W1"]}}, "claim 'entries_in': expected {\"W1\": [low, high]"),
    ({"claims": {"entries_in": {"W1": [1, 0]}}}, "range [1, 0] is empty"),
    ({"watch": []}, "watch must be a non-empty list"),
    ({"instrument": "oscilloscope"}, "unknown instrument 'oscilloscope'"),
    ({"iterations": 10}, "unknown field(s) iterations"),
    ({"config": {"hidden_layers": "x"}}, "config: invalid run configuration"),
    ({"version": 1}, "version 1 is not supported"),
    ({"next": {"label": "l", "say": "s"}}, "step 1: missing claims"),
    ({"next": {"label": "l", "say": "s", "claims": {"cost": [0, 1]}, "stop": 5,
               "reset": False}}, "needs a stop after 10"),
    ({"next": {"label": "l", "say": "s", "claims": {"cost": [0, 1]}, "stop": 20,
               "reset": False, "config": {"init": "he"}}}, "may change only learning_rate"),
    ({"next": {"label": "l", "say": "s", "claims": {"cost": [0, 1]}, "pace": 3}},
     "step 1: pace must be one of"),
    ({"next": {"label": "l", "say": "s", "claims": {"cost": [0, 1]}}, "steps": []},
     "either next or steps"),
    ({"steps": []}, "steps must be a non-empty list"),
])
def test_format_errors_are_clear(changes, message):
    doc = _minimal()
    for key, value in changes.items():
        if value is DELETE:
            del doc[key]
        else:
            doc[key] = value
    with pytest.raises(ValueError, match="lesson x") as error:
        parse_lesson("x", json.dumps(doc))
    assert message in str(error.value)


def test_a_null_pace_is_full_speed_and_steps_inherit_it():
    doc = _minimal(pace=None, next={"label": "l", "say": "s", "claims": {"cost": [0, 1]},
                                    "config": {"learning_rate": 0.5}, "stop": 20,
                                    "reset": False})
    parsed = parse_lesson("x", json.dumps(doc))
    assert parsed.pace is None and parsed.next.pace is None
    assert parsed.next.config.learning_rate == 0.5 and parsed.next.config.hidden_layers == (2,)


def test_not_a_lesson_and_unknown_names_are_refused():
    with pytest.raises(ValueError, match="not JSON"):
        parse_lesson("x", "{")
    with pytest.raises(ValueError, match="not a playground lesson"):
        parse_lesson("x", json.dumps({"format": "other"}))
    with pytest.raises(ValueError, match="unknown preset 'nope'"):
        lesson("nope")


def test_the_index_lists_every_lesson_file_of_the_repository_and_only_those():
    """Only listed files are read (a stale file of an older install is not): so every
    lesson in resources/lessons must be listed, once, in menu order."""
    folder = pathlib.Path(__file__).resolve().parent.parent / "resources" / "lessons"
    index = json.loads((folder / "index.json").read_text(encoding="utf-8"))
    files = sorted(p.name for p in folder.glob("*.json") if p.name != "index.json")
    assert index["lessons"] == files
    assert list(lessons()) == [f.removesuffix(".json").split("-", 1)[1] for f in files]


def test_a_stale_lesson_file_beside_the_listed_ones_is_not_read(tmp_path, monkeypatch):
    folder = tmp_path / "lessons"
    source = pathlib.Path(__file__).resolve().parent.parent / "resources" / "lessons"
    folder.mkdir()
    for path in source.glob("*.json"):
        (folder / path.name).write_bytes(path.read_bytes())
    (folder / "01-zero-init-symmetry.json").write_text(
        json.dumps({"format": "playground-lesson", "version": 1}), encoding="utf-8")
    monkeypatch.setattr(lessons_module.resources, "files", lambda package: tmp_path)
    lessons.cache_clear()
    try:
        assert list(lessons())[0] == "start-here" and len(lessons()) == 18
    finally:
        lessons.cache_clear()
