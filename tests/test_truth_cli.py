"""`playground train` tells the truth: the symmetry line with the window's tolerance, the
test cost, a loaded model evaluated on its own data, and settings that cannot work refused."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys

import numpy as np
import pytest
from cli_helpers import run, run_json

from playground.cli import SUBCOMMANDS
from playground.core.npz import SavedModel, load_model, save_model
from playground.session.config import RunConfig, load_data, make_trainer
from playground.session.data_spec import data_spec, recorded_data

# --------------------------------------------------------------------------- symmetry

def test_copies_apart_by_rounding_alone_are_called_identical(capsys, tmp_path):
    """64-64 sigmoid units whose rows differ by ~3e-17 (BLAS rounding): the window calls
    them identical, and so does the command line."""
    config = RunConfig(hidden_layers=(64, 64), activations=("sigmoid", "sigmoid"))
    trainer = make_trainer(config)
    rng = np.random.RandomState(0)
    p = trainer.parameters
    for l in (1, 2):
        row = p[f"W{l}"][:1]
        p[f"W{l}"] = row + 3e-17 * rng.randn(*p[f"W{l}"].shape)
    path = tmp_path / "copies.npz"
    save_model(path, SavedModel(trainer.arch, p, **data_spec(config)))
    code, out, _ = run(capsys, "train", "--load", str(path), "--iterations", "0")
    assert code == 0
    lines = [line for line in out.splitlines() if line.startswith("Hidden layer")]
    assert len(lines) == 2
    for l, line in enumerate(lines, start=1):
        assert line.startswith(f"Hidden layer {l}: all 64 units identical up to rounding "
                               "(spread ")
        assert line.endswith("— the symmetry is not broken")
    report = run_json(capsys, "train", "--load", str(path), "--iterations", "0")[1]
    assert report["distinct_units"] == [1, 1] and 0 < max(report["unit_spread"]) < 1e-15


def test_a_one_unit_layer_is_never_called_symmetric(capsys):
    code, out, _ = run(capsys, "train", "--preset", "single-relu-neuron")
    assert code == 0
    assert "Hidden layer 1: a single unit" in out
    assert "identical" not in out and "symmetry" not in out


def test_distinct_units_are_counted_as_in_the_window(capsys):
    code, out, _ = run(capsys, "train", "--hidden", "4", "--iterations", "200")
    assert code == 0 and "Hidden layer 1: 4 of 4 units distinct (spread " in out
    code, out, _ = run(capsys, "train", "--hidden", "4", "--activation", "sigmoid",
                       "--init", "zeros", "--iterations", "200")
    assert ("Hidden layer 1: all 4 units identical (spread exactly 0) — the symmetry is not "
            "broken") in out


# --------------------------------------------------------------------------- test cost

def test_json_records_the_test_cost_at_every_logged_iteration(capsys):
    code, report, _ = run_json(capsys, "train", "--test-fraction", "0.25", "--iterations",
                               "3000", "--log-every", "1000")
    assert code == 0
    assert [i for i, _ in report["test_history"]] == [0, 1000, 2000, 3000]
    trainer = make_trainer(RunConfig(test_fraction=0.25))
    expected = []
    for _ in range(4):
        expected.append(trainer.test_cost())
        trainer.run(1000)
    assert [cost for _, cost in report["test_history"]] == expected
    assert report["test_history"][-1][1] == report["test_cost"]
    recorded = dict(map(tuple, trainer.test_history()))         # the Trainer's own record
    assert all(recorded[i] == cost for i, cost in report["test_history"] if i in recorded)


def test_the_summary_prints_the_test_cost_also_for_regression(capsys):
    code, out, _ = run(capsys, "train", "--dataset", "housing", "--hidden", "",
                       "--learning-rate", "0.05", "--iterations", "200",
                       "--test-fraction", "0.2")
    assert code == 0
    lines = out.splitlines()
    test_line = next(line for line in lines if line.startswith("Test cost: "))
    assert float(test_line.split(": ")[1]) > 0 and "accuracy" not in out
    code, out, _ = run(capsys, "train", "--iterations", "10")
    assert "Test cost" not in out                                  # no test set: no line


# --------------------------------------------------------------------------- --load

@pytest.fixture
def moons_model(capsys, tmp_path):
    path = tmp_path / "moons.npz"
    code, report, _ = run_json(capsys, "train", "--dataset", "moons", "--test-fraction",
                               "0.3", "--samples", "300", "--data-seed", "5",
                               "--iterations", "300", "--export", str(path))
    assert code == 0
    return path, report


def test_export_records_the_data_and_load_evaluates_on_them(capsys, moons_model):
    path, trained = moons_model
    model = load_model(path)
    assert (model.dataset, model.data_samples, model.data_noise, model.data_seed,
            model.data_classes, model.test_fraction) == ("moons", 300, 0.2, 5, 2, 0.3)
    code, report, err = run_json(capsys, "train", "--load", str(path), "--iterations", "0")
    assert code == 0 and err == ""
    for key in ("final_cost", "test_cost", "train_accuracy", "test_accuracy"):
        assert report[key] == trained[key], key


def test_load_on_other_data_warns_in_one_line(capsys, moons_model):
    path, trained = moons_model
    code, report, err = run_json(capsys, "train", "--load", str(path), "--iterations", "0",
                                 "--dataset", "flower")
    assert code == 0 and err.count("\n") == 1
    assert err.startswith(f"playground: warning: {path} was trained on moons (2 classes, "
                          "300 samples, noise 0.2, data seed 5), test fraction 0.3; "
                          "evaluated on flower")
    assert report["train_accuracy"] != trained["train_accuracy"]
    code, _, err = run_json(capsys, "train", "--load", str(path), "--iterations", "0",
                            "--noise", "0.3")
    assert code == 0 and "evaluated on moons (2 classes, 300 samples, noise 0.3" in err


def test_an_unset_data_seed_stays_unset(capsys, tmp_path):
    """Unset, the generator takes its default seed but the split takes seed 0: recording
    the default would split the examples differently."""
    path = tmp_path / "m.npz"
    code, trained, _ = run_json(capsys, "train", "--test-fraction", "0.3", "--iterations",
                                "100", "--export", str(path))
    assert load_model(path).data_seed is None
    code, report, err = run_json(capsys, "train", "--load", str(path), "--iterations", "0")
    assert code == 0 and err == "" and report["test_cost"] == trained["test_cost"]


def test_a_file_without_the_data_keys_still_loads(capsys, tmp_path):
    trainer = make_trainer(RunConfig())
    trainer.run(50)
    old = tmp_path / "old.npz"
    save_model(old, SavedModel(trainer.arch, trainer.parameters, iteration=50))
    assert recorded_data(load_model(old)) is None
    code, report, err = run_json(capsys, "train", "--load", str(old), "--iterations", "0")
    assert code == 0 and err == "" and report["final_cost"] == trainer.cost()
    named = tmp_path / "named.npz"                 # older exports named their dataset
    moons = make_trainer(RunConfig(dataset="moons"))
    save_model(named, SavedModel(moons.arch, moons.parameters, dataset="moons"))
    code, report, err = run_json(capsys, "train", "--load", str(named), "--iterations", "0")
    assert code == 0 and err == "" and report["final_cost"] == moons.cost()


@pytest.fixture
def csv_model(capsys, tmp_path, monkeypatch):
    rng = np.random.RandomState(0)
    X = rng.randn(80, 2)
    y = (X[:, 0] * X[:, 1] > 0).astype(int)
    folder = tmp_path / "run"
    folder.mkdir()
    data = folder / "points.csv"
    data.write_text("".join(f"{a},{b},{c}\n" for (a, b), c in zip(X, y)))
    monkeypatch.chdir(folder)
    code, report, _ = run_json(capsys, "train", "--data", "points.csv", "--hidden", "6",
                               "--iterations", "200", "--export", "m.npz")
    assert code == 0
    return folder, report


def test_a_csv_is_recorded_by_name_and_sha256_and_found_beside_the_model(
        capsys, tmp_path, monkeypatch, csv_model):
    folder, trained = csv_model
    model = load_model(folder / "m.npz")
    sha = hashlib.sha256((folder / "points.csv").read_bytes()).hexdigest()
    assert (model.dataset, model.data_sha256, model.test_fraction) == ("points.csv", sha, 0.0)
    moved = tmp_path / "moved"
    shutil.copytree(folder, moved)
    monkeypatch.chdir(tmp_path)
    code, report, err = run_json(capsys, "train", "--load", "moved/m.npz", "--iterations", "0")
    assert code == 0 and err == "" and report["train_accuracy"] == trained["train_accuracy"]
    with open(moved / "points.csv", "a") as handle:      # the data changed since
        handle.write("0.5,0.5,1\n")
    code, _, err = run_json(capsys, "train", "--load", "moved/m.npz", "--iterations", "0")
    assert code == 0 and err.count("\n") == 1
    assert f"trained on points.csv (SHA-256 {sha[:12]}…)" in err
    (moved / "points.csv").unlink()
    code, out, err = run(capsys, "train", "--load", "moved/m.npz", "--iterations", "0")
    assert code == 2 and out == "" and err.count("\n") == 1
    assert "moved/m.npz was trained on points.csv, which cannot be loaded" in err


def test_the_window_can_write_and_read_the_same_record():
    """``SavedModel(…, **data_spec(config))`` is what an export writes; ``recorded_data``
    gives back a config that draws the very same examples."""
    config = RunConfig(dataset="gaussians", classes=4, samples=120, noise=0.3, data_seed=7,
                       test_fraction=0.25)
    trainer = make_trainer(config)
    model = SavedModel(trainer.arch, trainer.parameters, **data_spec(config))
    again = RunConfig().replace(**recorded_data(model))
    (train, test), (train2, test2) = load_data(config), load_data(again)
    assert np.array_equal(train.X, train2.X) and np.array_equal(test.Y, test2.Y)


# --------------------------------------------------------------------------- refused

@pytest.mark.parametrize("args, message", [
    (("--dataset", "housing", "--output", "sigmoid"),
     "a sigmoid output predicts classes, but housing is regression data"),
    (("--dataset", "plane", "--output", "softmax"), "plane is regression data"),
    (("--init", "xavier", "--init-scale", "0.5"),
     "--init-scale sets the factor of --init random; xavier initialisation does not use it"),
    (("--preset", "single-relu-neuron", "--init-scale", "0.5"),
     "he initialisation does not use it"),
])
def test_settings_that_cannot_work_are_refused(capsys, tmp_path, args, message):
    out_file = tmp_path / "m.npz"
    code, out, err = run(capsys, "train", *args, "--export", str(out_file))
    assert code == 2 and out == "" and err.count("\n") == 1
    assert err.startswith("playground: error: ") and message in err
    assert list(tmp_path.iterdir()) == []


def test_a_sigmoid_output_on_regression_data_is_refused_in_the_window_too():
    with pytest.raises(ValueError, match="regression data"):
        make_trainer(RunConfig(dataset="housing", hidden_layers=(), activations=(),
                               output="sigmoid"))


def test_init_scale_is_accepted_where_it_is_used(capsys):
    code, report, _ = run_json(capsys, "train", "--init-scale", "0.5", "--iterations", "0")
    assert code == 0
    assert report["weight_norm"] == make_trainer(RunConfig(init_scale=0.5)).weight_norm()
    assert report["weight_norm"] > 10 * make_trainer(RunConfig()).weight_norm()   # 0.01


# --------------------------------------------------------------------------- softmax, k = 2

def test_a_two_class_softmax_is_accepted(capsys, tmp_path):
    path = tmp_path / "soft.npz"
    code, report, err = run_json(capsys, "train", "--output", "softmax", "--iterations",
                                 "2000", "--test-fraction", "0.2", "--export", str(path))
    assert code == 0 and err == ""
    assert report["layer_sizes"] == [2, 4, 2] and report["train_accuracy"] > 0.85
    code, again, _ = run_json(capsys, "train", "--load", str(path), "--iterations", "0")
    assert code == 0 and again["test_accuracy"] == report["test_accuracy"]


def test_two_classes_get_one_hot_targets_where_the_network_is_chosen():
    binary_train, binary_test = load_data(RunConfig(test_fraction=0.2))
    trainer = make_trainer(RunConfig(output="softmax", test_fraction=0.2))
    assert trainer.arch.n_y == 2 and trainer.arch.output == "softmax"
    for data, binary in ((trainer.train, binary_train), (trainer.test, binary_test)):
        assert data.task == "multiclass" and data.Y.shape == (2, binary.m)
        assert np.array_equal(data.Y.sum(axis=0), np.ones(binary.m))
        assert np.array_equal(data.labels, binary.labels) and data.n_classes == 2
        assert np.array_equal(data.X, binary.X)


# --------------------------------------------------------------------------- --help

def test_playground_help_lists_every_subcommand():
    done = subprocess.run([sys.executable, "-m", "playground", "--help"], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0
    for name in SUBCOMMANDS:
        assert name in done.stdout
