"""Teaching instruments, Qt-free: histories, break symmetry, unit health, buggy backprop,
shapes, twin runs and lesson presets."""

from __future__ import annotations

import json

import numpy as np
import pytest

from playground.cli.dispatch import main
from playground.core.datasets import Dataset, make_dataset
from playground.core.gradcheck import backprop_with_bug, gradient_check
from playground.core.instruments import dead_fraction, saturated_fraction, unit_stats
from playground.core.metrics import unit_groups
from playground.core.network import Architecture
from playground.core.shapes import describe_shapes
from playground.session.config import RunConfig, make_trainer
from playground.session.lessons import lesson, lessons, parse_lesson
from playground.session.snapshot import RunState, take_snapshot
from playground.session.trainer import Trainer
from playground.session.twin import TwinRun, TwinSetup


def _unbalanced_flower() -> Dataset:
    data = make_dataset("flower")
    return Dataset(data.X[:, :360], data.Y[:, :360], "binary", "flower")


def test_symmetry_history_is_zero_until_broken_then_grows():
    trainer = Trainer(Architecture((2, 4, 1), ("sigmoid",)), _unbalanced_flower(),
                      init="zeros", learning_rate=1.2)
    trainer.run(300)
    before = trainer.layer_history()
    assert before["unit_spread"].shape == (len(before["iteration"]), 1)
    assert before["iteration"][0] == 0 and before["iteration"][-1] >= 300 - trainer.layers.stride
    assert (before["unit_spread"] == 0.0).all()
    trainer.break_symmetry(layer=1, size=1e-3)
    kicked = trainer.unit_spreads()[0]
    assert 0 < kicked < 1e-2
    trainer.run(3000)
    spreads = trainer.layer_history()["unit_spread"][:, 0]
    iterations = trainer.layer_history()["iteration"]
    after = spreads[iterations >= 300]
    assert (after > 0).all() and after[-1] > 100 * kicked
    assert trainer.unit_spreads()[0] > 1.0


def test_break_symmetry_is_reproducible_from_the_seed():
    def kicked(seed):
        t = Trainer(Architecture((2, 4, 1), ("tanh",)), make_dataset("flower"), init="zeros",
                    seed=seed)
        t.break_symmetry(1)
        t.break_symmetry(1)
        return t.parameters["W1"]
    assert np.array_equal(kicked(5), kicked(5)) and not np.array_equal(kicked(5), kicked(6))
    with pytest.raises(ValueError, match="layer must be 1..2"):
        Trainer(Architecture((2, 4, 1), ("tanh",)), make_dataset("flower")).break_symmetry(3)


def test_deep_sigmoid_first_layer_gradient_vanishes():
    trainer = make_trainer(lesson("deep-sigmoid-vanishing").config)
    trainer.run(10)
    norms = trainer.layer_history()["grad_norm"]
    assert norms.shape == (10, 7)
    assert (norms[:, 0] < 1e-2 * norms[:, -1]).all()


def test_relu_with_a_large_negative_bias_is_dead():
    config = RunConfig(hidden_layers=(6,), activations=("relu",), init="he")
    trainer = make_trainer(config)
    p = dict(trainer.parameters)
    p["b1"] = np.full((6, 1), -100.0)
    trainer.set_parameters(p)
    trainer.run(20)
    assert (trainer.layer_history()["dead_fraction"] == 1.0).all()
    assert trainer.parameters["W1"].tolist() == p["W1"].tolist()     # dead: no gradient


def test_dead_and_saturated_fractions():
    Z = np.array([[-1.0, -2.0, 0.0], [-1.0, 3.0, -1.0], [5.0, 5.0, 5.0]])
    assert dead_fraction(Z) == pytest.approx(1 / 3)
    Z = np.array([[10.0] * 20, [0.1] * 20, [-9.0] * 19 + [0.0]])
    assert saturated_fraction(Z, np.tanh(Z), "tanh") == pytest.approx(2 / 3)
    assert saturated_fraction(Z, 1 / (1 + np.exp(-Z)), "sigmoid") == pytest.approx(2 / 3)


def test_large_initialisation_starts_saturated():
    trainer = make_trainer(lesson("init-too-large").config)
    readings = trainer.readings()
    assert readings.saturated_fraction[1] >= 0.5 and trainer.cost() > 5


def test_gradient_check_passes_and_the_injected_bug_fails():
    trainer = make_trainer(RunConfig(hidden_layers=(5, 3), activations=("tanh", "sigmoid"),
                                     init="xavier"))
    X, Y = trainer.train.X[:, ::8], trainer.train.Y[:, ::8]
    good = gradient_check(trainer.parameters, X, Y, trainer.arch)
    bad = gradient_check(trainer.parameters, X, Y, trainer.arch, gradients=backprop_with_bug(1))
    assert good.difference < 1e-7 and bad.difference > 1e-3
    assert bad.layer_differences[0] > 1e-3 and bad.layer_differences[2] < 1e-7
    trainer.run(5)                                    # the bug never touches training
    assert np.isfinite(trainer.cost())


def test_shapes_in_the_notes_notation():
    rows = describe_shapes(Architecture((2, 4, 3, 1), ("tanh", "relu")), m=400)
    assert [r.W for r in rows] == [(4, 2), (3, 4), (1, 3)]
    assert [r.b for r in rows] == [(4, 1), (3, 1), (1, 1)]
    assert rows[1].Z == rows[1].A == (3, 400)
    assert rows[0].forward == ("Z[1] = W[1] A[0] + b[1]", "A[1] = tanh(Z[1])")
    assert rows[2].backward[0] == "dZ[3] = A[3] − Y"
    assert rows[0].backward[0] == "dZ[1] = W[2]ᵀ dZ[2] * g[1]′(Z[1])"
    assert sum(r.parameters for r in rows) == 4 * 3 + 3 * 5 + 1 * 4


def test_twin_runs_with_identical_settings_stay_bit_identical():
    twin = TwinRun(TwinSetup(RunConfig(init="he"), "init", ("he", "he")))
    assert twin.run(200) == 200
    a, b = twin.trainers
    assert a.train is b.train
    assert all(np.array_equal(a.parameters[k], b.parameters[k]) for k in a.parameters)


def test_twin_runs_zeros_against_random():
    twin = TwinRun(TwinSetup(RunConfig(activations=("sigmoid",), samples=361)))
    twin.run(300)
    zeros, random = twin.trainers
    assert (zeros.init, random.init) == ("zeros", "random") and twin.iteration == 300
    assert zeros.unit_spreads() == [0.0] and random.unit_spreads()[0] > 0
    with pytest.raises(ValueError, match="twin runs can differ in"):
        TwinSetup(RunConfig(), "dataset", ("flower", "moons")).configs()


@pytest.mark.parametrize("rates", [(1.2, 1e3), (1e3, 1.2)])
def test_twin_runs_stay_in_lock_step_when_one_diverges(rates):
    base = RunConfig(hidden_layers=(8,), activations=("relu",), init="he")
    twin = TwinRun(TwinSetup(base, "learning_rate", rates))
    done = twin.run(5000)
    a, b = twin.trainers
    assert twin.diverged and a.iteration == b.iteration == done
    for trainer, rate in zip(twin.trainers, rates):      # each as if it had run alone
        alone = make_trainer(base.replace(learning_rate=rate))
        alone.run(done)
        for key, value in alone.parameters.items():
            np.testing.assert_array_equal(trainer.parameters[key], value)


def test_every_lesson_loads_and_runs():
    assert len(lessons()) >= 9
    assert list(lessons())[0] == "start-here"          # the menu follows the course
    for name, preset in lessons().items():
        assert preset.title and preset.explanation and preset.watch and preset.iterations > 0
        trainer = make_trainer(preset.config)
        assert trainer.run(100) == 100 or trainer.diverged, name


def test_lesson_claims_hold():
    frozen = make_trainer(lesson("zero-init-frozen").config)
    frozen.run(300)
    assert frozen.cost() == pytest.approx(np.log(2), abs=1e-12)
    course = make_trainer(lesson("course-flower").config)
    course.run(1000)
    assert round(course.cost(), 6) == 0.288083
    too_high = make_trainer(lesson("learning-rate-too-high").config)
    too_high.run(3000)
    assert too_high.diverged


def test_a_malformed_lesson_is_refused():
    with pytest.raises(ValueError, match="not a playground lesson"):
        parse_lesson("x", json.dumps({"format": "other"}))
    with pytest.raises(ValueError, match="missing explanation, watch, stop, pace"):
        parse_lesson("x", json.dumps({"format": "playground-lesson", "version": 2,
                                      "title": "t"}))
    with pytest.raises(ValueError, match="unknown preset 'nope'"):
        lesson("nope")


def test_cli_preset_and_layer_histories(capsys):
    code = main(["train", "--preset", "zero-init-symmetry", "--iterations", "400",
                 "--log-every", "100", "--json"])
    report = json.loads(capsys.readouterr().out)
    assert code == 0 and report["preset"] == "zero-init-symmetry"
    assert report["layer_sizes"] == [2, 4, 1]
    assert [row[0] for row in report["unit_spread_history"]] == [0, 100, 200, 300, 400]
    assert all(row[1] == 0.0 for row in report["unit_spread_history"])
    assert all(len(row) == 3 for row in report["grad_norm_history"])
    assert all(len(row) == 2 for row in report["dead_fraction"] + report["saturated_fraction"])


def test_cli_options_override_a_preset(capsys):
    code = main(["train", "--preset", "zero-init-symmetry", "--init", "random",
                 "--iterations", "300", "--json"])
    report = json.loads(capsys.readouterr().out)
    assert code == 0 and report["unit_spread"][0] > 0


def test_cli_unknown_preset_exits_2(capsys):
    assert main(["train", "--preset", "nope"]) == 2
    assert "unknown preset 'nope'" in capsys.readouterr().err


def test_unit_stats_name_identical_units_and_each_units_ranges():
    W = np.array([[1.0, 2.0], [1.0, 2.0 + 1e-12], [0.5, -1.0], [1.0, 2.0]])
    b = np.array([[0.0], [0.0], [0.3], [0.0]])
    assert list(unit_groups(W, b)) == [0, 0, 1, 0]
    assert list(unit_groups(W + np.arange(4)[:, None], b)) == [0, 1, 2, 3]
    X = np.random.RandomState(0).randn(2, 50)
    Z = W @ X + b
    A = np.tanh(Z)
    stats = unit_stats(Z, A, W, b, "tanh")
    np.testing.assert_array_equal(stats.z_range, np.column_stack([Z.min(1), Z.max(1)]))
    np.testing.assert_array_equal(stats.a_range, np.column_stack([A.min(1), A.max(1)]))
    assert list(stats.group) == [0, 0, 1, 0] and not stats.dead.any()
    relu = unit_stats(np.vstack([Z[:3], -np.abs(Z[3:])]), np.maximum(Z, 0), W, b, "relu")
    assert list(relu.dead) == [False, False, False, True] and not relu.saturated.any()
    with pytest.raises(ValueError):
        stats.group[0] = 5                              # read-only, like every frame


def test_a_frame_carries_unit_stats_that_agree_with_the_counts():
    t = make_trainer(RunConfig(samples=361, activations=("sigmoid",), init="zeros"))
    t.run(50)
    frame = take_snapshot(t, run_id=1, state=RunState.PAUSED, grid=None)
    (stats,) = frame.unit_stats
    assert list(stats.group) == [0, 0, 0, 0] and frame.distinct_units == (1,)
    assert stats.z_range.shape == stats.a_range.shape == (4, 2)
