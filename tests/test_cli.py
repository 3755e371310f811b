"""The command line: JSON schema, exit codes, export/import, one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
from cli_helpers import run

from playground.core.npz import load_model

KEYS = {"iterations", "history", "test_history", "final_cost", "test_cost", "train_accuracy",
        "test_accuracy", "unit_spread", "distinct_units", "grad_norms", "diverged",
        "stop_reason", "layer_sizes", "steps_per_second", "unit_spread_history",
        "grad_norm_history", "grad_ratio_history", "dead_fraction", "saturated_fraction",
        "preset", "epochs", "epoch_history", "weight_norm", "options"}


def test_train_json_schema_and_course_numbers(capsys):
    code, out, err = run(capsys, "train", "--iterations", "3000", "--log-every", "1000", "--json")
    assert code == 0 and err == ""
    report = json.loads(out)
    assert set(report) == KEYS
    assert [i for i, _ in report["history"]] == [0, 1000, 2000, 3000]
    assert [round(c, 6) for _, c in report["history"]] == [0.693048, 0.288083, 0.254385,
                                                           0.233864]
    assert report["final_cost"] == report["history"][-1][1]
    assert report["iterations"] == 3000 and report["layer_sizes"] == [2, 4, 1]
    assert 0.85 < report["train_accuracy"] <= 1 and report["test_accuracy"] is None
    assert len(report["unit_spread"]) == 1 and report["unit_spread"][0] > 0
    assert report["distinct_units"] == [4] and report["test_history"] == []
    assert len(report["grad_norms"]) == 2 and report["diverged"] is False
    assert report["steps_per_second"] > 0


def test_course_log_lines(capsys):
    code, out, _ = run(capsys, "train", "--iterations", "1000", "--log-every", "500")
    assert code == 0
    assert out.splitlines()[:3] == ["Cost after iteration 0: 0.693048",
                                    "Cost after iteration 500: 0.304722",
                                    "Cost after iteration 1000: 0.288083"]
    assert "Train accuracy:" in out


def test_regression_reports_null_accuracy(capsys):
    code, out, _ = run(capsys, "train", "--dataset", "housing", "--hidden", "",
                       "--activation", "relu", "--learning-rate", "0.05", "--iterations", "200",
                       "--test-fraction", "0.2", "--json")
    report = json.loads(out)
    assert code == 0 and report["layer_sizes"] == [1, 1]
    assert report["train_accuracy"] is None and report["test_accuracy"] is None
    assert report["unit_spread"] == [] and report["test_cost"] > 0


def test_divergence_exits_3_and_still_exports_finite_parameters(capsys, tmp_path):
    out_file = tmp_path / "diverged.npz"
    code, out, _ = run(capsys, "train", "--hidden", "8", "--activation", "relu", "--init", "he",
                       "--learning-rate", "1000", "--export", str(out_file), "--json")
    report = json.loads(out)
    assert code == 3 and report["diverged"] is True
    assert "diverged at iteration" in report["stop_reason"]
    assert report["iterations"] < 10000 and np.isfinite(report["final_cost"])
    model = load_model(out_file)
    assert model.iteration == report["iterations"]
    assert all(np.isfinite(v).all() for v in model.parameters.values())


def test_export_then_load_continues_exactly(capsys, tmp_path):
    first = tmp_path / "first.npz"
    assert run(capsys, "train", "--iterations", "150", "--export", str(first))[0] == 0
    both = tmp_path / "both.npz"
    assert run(capsys, "train", "--load", str(first), "--iterations", "150",
               "--export", str(both))[0] == 0
    straight = tmp_path / "straight.npz"
    assert run(capsys, "train", "--iterations", "300", "--export", str(straight))[0] == 0
    a, b = load_model(both), load_model(straight)
    assert a.iteration == b.iteration == 300
    assert all(np.array_equal(a.parameters[k], b.parameters[k]) for k in a.parameters)


def test_load_and_only_evaluate(capsys, tmp_path):
    saved = tmp_path / "m.npz"
    run(capsys, "train", "--iterations", "500", "--export", str(saved), "--json")
    code, out, _ = run(capsys, "train", "--load", str(saved), "--iterations", "0", "--json")
    report = json.loads(out)
    assert code == 0 and report["iterations"] == 500 and report["history"][0][0] == 500
    assert report["stop_reason"] == "evaluated only"


@pytest.mark.parametrize("args,message", [
    (["train", "--hidden", "4,x"], "--hidden must be comma-separated integers"),
    (["train", "--hidden", "0"], "hidden layer 1 has 0 units"),
    (["train", "--learning-rate", "-1"], "learning rate must be a finite number > 0"),
    (["train", "--learning-rate", "nan"], "learning rate must be a finite number > 0"),
    (["train", "--activation", "swish"], "unknown activation 'swish'"),
    (["train", "--hidden", "4,3", "--activation", "tanh,relu,relu"], "need as many"),
    (["train", "--dataset", "nope"], "invalid choice"),
    (["train", "--noise", "-1"], "noise must be a finite number"),
    (["train", "--test-fraction", "1"], "test fraction must be in"),
    (["train", "--iterations", "-5"], "--iterations must be at least 0"),
    (["train", "--dataset", "gaussians", "--output", "sigmoid"], "sigmoid output has 1 unit"),
    (["train", "--dataset", "housing", "--output", "sigmoid"], "housing is regression data"),
    (["train", "--init", "he", "--init-scale", "0.5"], "he initialisation does not use it"),
    (["train", "--loss", "mse"], "not supported"),
    (["train", "--data", "missing.csv"], "missing.csv"),
    (["train", "--load", "missing.npz"], "missing.npz"),
    (["train", "--dataset", "flower", "--data", "x.csv"], "either --dataset or --data"),
    (["gradcheck", "--init", "ones"], "invalid choice"),
    (["fly"], "invalid choice"),
])
def test_bad_arguments_exit_2_with_one_line(capsys, tmp_path, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, *args)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("playground: error:") and message in err
    assert list(tmp_path.iterdir()) == []


def test_export_to_a_missing_folder_exits_2_and_writes_nothing(capsys, tmp_path):
    code, _, err = run(capsys, "train", "--iterations", "5",
                       "--export", str(tmp_path / "no" / "such" / "m.npz"))
    assert code == 2 and "m.npz" in err and list(tmp_path.iterdir()) == []


def test_load_refuses_a_network_that_does_not_fit_the_data(capsys, tmp_path):
    saved = tmp_path / "m.npz"
    run(capsys, "train", "--iterations", "1", "--export", str(saved))
    code, _, err = run(capsys, "train", "--load", str(saved), "--dataset", "housing")
    assert code == 2 and "2-4-1" in err


def test_gradcheck_json(capsys):
    code, out, _ = run(capsys, "gradcheck", "--hidden", "5,3", "--activation", "tanh,sigmoid",
                       "--init", "xavier", "--json")
    report = json.loads(out)
    assert code == 0 and report["verdict"] == "correct" and "below 2e-07" in report["reason"]
    assert report["difference"] < 2e-7 and len(report["layer_differences"]) == 3


def test_csv_training(capsys, tmp_path):
    rng = np.random.RandomState(0)
    X = rng.randn(60, 3)
    y = (X[:, 0] + X[:, 1] > 0).astype(int)
    path = tmp_path / "d.csv"
    path.write_text("a,b,c,label\n" + "".join(f"{r[0]},{r[1]},{r[2]},{c}\n"
                                             for r, c in zip(X, y)))
    code, out, _ = run(capsys, "train", "--data", str(path), "--hidden", "3",
                       "--learning-rate", "0.5", "--iterations", "500", "--json")
    report = json.loads(out)
    assert code == 0 and report["layer_sizes"] == [3, 3, 1] and report["train_accuracy"] > 0.9


def test_python_dash_m_runs_the_cli():
    done = subprocess.run([sys.executable, "-m", "playground", "train", "--iterations", "10",
                           "--json"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and json.loads(done.stdout)["iterations"] == 10


@pytest.mark.skipif(sys.platform == "win32", reason="no SIGPIPE on Windows")
def test_a_reader_that_leaves_early_gets_no_traceback():
    """``playground train | head -1``: the pipe closes after one line."""
    child = subprocess.Popen([sys.executable, "-m", "playground", "train", "--iterations",
                              "20000", "--log-every", "1"], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE)
    first = child.stdout.readline()
    child.stdout.close()
    _, errors = child.communicate(timeout=120)
    assert first.startswith(b"Cost after iteration 0:")
    assert errors == b"" and child.returncode == 141
