"""The gradient check tells the truth: the course's 2e-7, "too small to judge" where rounding
explains the difference, kinks apart, and an exit code of 1 only for a bug."""

from __future__ import annotations

import json

import numpy as np
import pytest

from playground.cli.dispatch import main
from playground.core.gradcheck import (
    CORRECT,
    SUSPICIOUS,
    TOO_SMALL,
    WRONG,
    GradCheckResult,
    backprop_with_bug,
    gradient_check,
    layer_verdicts,
    verdict,
)
from playground.session.config import RunConfig, make_trainer


def gradcheck_json(capsys, *args):
    code = main(["gradcheck", *args, "--json"])
    out, err = capsys.readouterr()
    return code, json.loads(out), err


def check(config: RunConfig, iterations: int = 0, **kwargs) -> GradCheckResult:
    trainer = make_trainer(config)
    trainer.run(iterations)
    return gradient_check(trainer.parameters, trainer.train.X, trainer.train.Y, trainer.arch,
                          **kwargs)


# --------------------------------------------------------------------------- the rule

@pytest.mark.parametrize("difference, word", [
    (3e-9, CORRECT), (1.5e-7, CORRECT), (2e-7, SUSPICIOUS), (9.9e-4, SUSPICIOUS),
    (1e-3, WRONG), (float("nan"), WRONG)])
def test_the_course_notebooks_thresholds(difference, word):
    """The notebook: "works perfectly" below 2e-7, "a mistake" above 1e-3."""
    assert verdict(GradCheckResult(difference, (difference,), 1e-7)).word == word


def test_a_bug_in_one_layer_is_a_bug_whatever_the_overall_difference():
    result = GradCheckResult(2e-9, (0.4, 3e-9), 1e-7)
    assert [v.word for v in layer_verdicts(result)] == [WRONG, CORRECT]
    v = verdict(result)
    assert v.word == WRONG and v.finds_bug and v.reason.startswith("layer 1: ")


# --------------------------------------------------------------------------- too small

def test_a_correct_linear_net_after_100_iterations_is_too_small_to_judge(capsys):
    """The issue's case: the net has converged (‖dθ‖ ~ 1e-13), the two-sided differences
    are rounding (~1e-9), the difference reads 1.000 — for a correct backprop."""
    code, report, err = gradcheck_json(capsys, "--hidden", "4", "--activation", "linear",
                                       "--iterations", "100")
    assert report["difference"] > 0.9
    assert code == 0 and err == ""
    assert report["verdict"] == TOO_SMALL and "rounding" in report["reason"]
    assert report["layer_verdicts"] == [TOO_SMALL, TOO_SMALL]


@pytest.mark.parametrize("args", [
    ("--init", "zeros"),                                       # dθ[2] is exactly 0 at W = 0
    ("--dataset", "housing", "--hidden", "1", "--activation", "relu", "--learning-rate",
     "0.05", "--iterations", "3000"),                          # converged regression
])
def test_gradients_at_the_rounding_level_never_fail_the_check(capsys, args):
    code, report, _ = gradcheck_json(capsys, *args)
    assert report["difference"] > 0.5
    assert code == 0 and report["verdict"] == TOO_SMALL


def test_the_text_output_says_too_small_and_why(capsys):
    code = main(["gradcheck", "--init", "zeros"])
    out = capsys.readouterr().out
    assert code == 0
    assert "→ too small to judge" in out and "wrong" not in out and "suspicious" not in out
    assert "no more than rounding alone may cause" in out


@pytest.mark.parametrize("config, iterations", [
    (RunConfig(), 0),
    (RunConfig(), 10000),
    (RunConfig(hidden_layers=(4,), activations=("linear",)), 100),
    (RunConfig(dataset="moons", hidden_layers=(16, 8), activations=("tanh", "tanh"),
               init="xavier", learning_rate=0.5), 2000),
    (RunConfig(dataset="gaussians", hidden_layers=(8,), activations=("sigmoid",),
               init="xavier", learning_rate=0.5), 2000),
    (RunConfig(dataset="plane", hidden_layers=(), activations=(), learning_rate=0.1), 3000),
])
def test_a_correct_backprop_is_never_called_suspicious_or_wrong(config, iterations):
    result = check(config, iterations)
    assert verdict(result).word in (CORRECT, TOO_SMALL)
    assert all(v.word in (CORRECT, TOO_SMALL) for v in layer_verdicts(result))
    # …and the rounding bound is a bound: backprop's distance from the differences is
    # within it wherever the verdict leans on it.
    for c in (result.overall, *result.layers):
        assert c.smooth_error <= c.rounding or c.smooth_difference < 2e-7


def test_a_bug_is_still_caught_where_the_gradients_are_healthy():
    config = RunConfig(hidden_layers=(5, 3), activations=("tanh", "tanh"), init="xavier")
    result = check(config, 1000, gradients=backprop_with_bug(1))
    v = verdict(result)
    assert v.word == WRONG and v.finds_bug
    assert [v.word for v in layer_verdicts(result)][0] == WRONG


def test_gradcheck_exits_1_only_for_a_bug(capsys, monkeypatch):
    monkeypatch.setattr("playground.cli.gradcheck.gradient_check",
                        lambda *a, **k: gradient_check(*a, **k,
                                                       gradients=backprop_with_bug(1)))
    code, report, _ = gradcheck_json(capsys, "--hidden", "5,3", "--activation", "tanh",
                                     "--init", "xavier")
    assert code == 1 and report["verdict"] == WRONG and "above 0.001" in report["reason"]


# --------------------------------------------------------------------------- kinks

def test_relu_kinks_are_counted_apart_and_do_not_fail_a_correct_backprop(capsys):
    """At W ≈ 0.01 some ReLU inputs lie within ε of 0: nudging a bias by ±ε moves them
    across the kink, and those components' two-sided differences average two slopes."""
    code, report, _ = gradcheck_json(capsys, "--hidden", "16,8", "--activation", "relu")
    assert report["difference"] > 1e-3                     # the course's number, as it is
    assert code == 0 and report["verdict"] in (CORRECT, TOO_SMALL)
    assert "kink" in report["reason"]
    result = check(RunConfig(hidden_layers=(16, 8), activations=("relu", "relu")))
    assert result.overall.kinks > 0 and result.layers[0].kinks == 0
    assert result.overall.smooth_difference < result.difference


def test_no_kinks_are_found_for_smooth_activations():
    result = check(RunConfig(hidden_layers=(16, 8), activations=("tanh", "sigmoid")))
    assert result.overall.kinks == 0
    assert result.overall.smooth_difference == result.difference


# --------------------------------------------------------------------------- numbers

def test_the_result_records_what_the_verdict_rests_on():
    result = check(RunConfig())
    c = result.overall
    assert c.size == 17 and c.kinks == 0
    assert c.grad_norm == pytest.approx(c.approx_norm, rel=1e-6)
    assert 0 < c.rounding < 1e-7
    assert c.smooth_error == pytest.approx(result.difference * (c.grad_norm + c.approx_norm))
    assert [layer.size for layer in result.layers] == [12, 5]
    assert np.isclose(sum(layer.size for layer in result.layers), c.size)
