"""Course 2 from the command line: the flags reach the run, --epochs counts updates, the
report carries the epoch costs, the weight norm and the settings, bad input is one line,
and ``--export`` then ``--load`` continues a run bit for bit."""

from __future__ import annotations

import math

import numpy as np
import pytest
from cli_helpers import run, run_json

from playground.core.npz import SavedModel, load_model, save_model
from playground.session.config import RunConfig, make_trainer

ADAM = ("--optimizer", "adam", "--learning-rate", "0.01", "--batch-size", "64",
        "--shuffle-seed", "10")


# --------------------------------------------------------------------------- flags → run


def test_every_flag_reaches_the_run_and_the_report(capsys):
    code, report, err = run_json(
        capsys, "train", "--batch-size", "50", "--shuffle-seed", "7", "--optimizer", "adam",
        "--beta1", "0.8", "--beta2", "0.99", "--epsilon", "1e-6", "--beta", "0.7",
        "--decay-rate", "0.5", "--decay-interval", "2", "--l2", "0.3", "--l1", "0.01",
        "--keep-prob", "0.9", "--features", "x1,x2,x1^2", "--normalize",
        "--learning-rate", "0.02", "--iterations", "24")
    assert code == 0 and err == ""
    assert report["options"] == {
        "optimizer": "adam", "beta": 0.7, "beta1": 0.8, "beta2": 0.99, "epsilon": 1e-6,
        "learning_rate": 0.02, "learning_rate_now": 0.02 / (1 + 0.5 * ((4 - 2) // 2)),
        "decay_rate": 0.5, "decay_interval": 2, "batch_size": 50, "batches_per_epoch": 8,
        "shuffle_seed": 7, "l2": 0.3, "l1": 0.01, "keep_prob": 0.9,
        "features": ["x1", "x2", "x1^2"], "normalize": True}
    assert report["layer_sizes"] == [3, 4, 1] and report["epochs"] == 3
    config = RunConfig(batch_size=50, shuffle_seed=7, optimizer="adam", beta=0.7, beta1=0.8,
                       beta2=0.99, epsilon=1e-6, decay_rate=0.5, decay_interval=2, l2=0.3,
                       l1=0.01, keep_prob=0.9, features=("x1", "x2", "x1^2"),
                       normalize=True, learning_rate=0.02)
    trainer = make_trainer(config)
    trainer.run(24)
    assert report["final_cost"] == trainer.cost()
    assert report["weight_norm"] == trainer.weight_norm()


def test_plain_descent_reports_its_settings_and_keeps_the_course_numbers(capsys):
    code, report, _ = run_json(capsys, "train", "--iterations", "1000")
    assert code == 0 and round(report["final_cost"], 6) == 0.288083
    assert report["options"]["optimizer"] == "gd" and report["options"]["batch_size"] == 400
    assert report["options"]["features"] is None and report["epochs"] == 1000
    p = load_weights(capsys, "--iterations", "1000")
    assert report["weight_norm"] == pytest.approx(
        math.sqrt(sum(np.sum(p[k] ** 2) for k in ("W1", "W2"))), rel=1e-15)


def load_weights(capsys, *args):
    import tempfile
    with tempfile.TemporaryDirectory() as folder:
        path = f"{folder}/m.npz"
        assert run(capsys, "train", *args, "--export", path)[0] == 0
        return load_model(path).parameters


def test_epochs_count_updates_and_the_epoch_history_is_the_full_cost(capsys):
    code, report, _ = run_json(capsys, "train", *ADAM, "--epochs", "3", "--log-every", "1")
    assert code == 0 and report["iterations"] == 3 * 7 and report["epochs"] == 3  # ⌈400/64⌉
    assert [row[0] for row in report["history"]] == [0, 7, 14, 21]
    assert [row[0] for row in report["epoch_history"]] == [1, 2, 3]
    assert report["epoch_history"][-1][1] == report["final_cost"]
    trainer = make_trainer(RunConfig(optimizer="adam", learning_rate=0.01, batch_size=64,
                                     shuffle_seed=10))
    trainer.run(21)
    assert np.array_equal(np.array(report["epoch_history"]), trainer.epoch_history())
    trainer.run(1)                               # records iteration 21's mini-batch cost
    recorded = dict(trainer.cost_history().tolist())
    for i, cost in report["history"]:            # the mini-batch cost the Trainer records
        assert cost == recorded[i]


def test_the_cost_includes_the_penalty(capsys):
    _, plain, _ = run_json(capsys, "train", "--iterations", "0")
    _, penalised, _ = run_json(capsys, "train", "--iterations", "0", "--l2", "0.7")
    norm = penalised["weight_norm"]
    assert penalised["final_cost"] == pytest.approx(
        plain["final_cost"] + 0.7 / (2 * 400) * norm ** 2, rel=1e-14)
    assert penalised["history"][0][1] == penalised["final_cost"]


def test_mini_batches_log_the_epoch_cost_on_a_line_of_its_own(capsys):
    code, out, _ = run(capsys, "train", *ADAM, "--epochs", "2", "--log-every", "1")
    lines = out.splitlines()
    assert code == 0 and lines[0].startswith("Cost after iteration 0: ")
    assert lines[1].startswith("Cost after epoch 0: ")
    assert lines[2].startswith("Cost after iteration 7: ")
    assert lines[3].startswith("Cost after epoch 1: ")
    assert "Trained with adam (β₁ = 0.9, β₂ = 0.999, ε = 1e-08), batch size 64" in out
    code, out, _ = run(capsys, "train", "--iterations", "1000", "--log-every", "500")
    assert "epoch" not in out and "Trained with" not in out


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize("args, message", [
    (("--batch-size", "0"), "the batch size must be at least 1, got 0"),
    (("--batch-size", "401"), "batch size must be 1 to m = 400, got 401"),
    (("--test-fraction", "0.5", "--batch-size", "300"), "batch size must be 1 to m = 200"),
    (("--keep-prob", "0"), "keep_prob must be in (0, 1], got 0.0"),
    (("--keep-prob", "1.5"), "keep_prob must be in (0, 1], got 1.5"),
    (("--keep-prob", "nan"), "keep_prob must be in (0, 1]"),
    (("--l2", "-0.1"), "λ (l2) must be a finite number ≥ 0, got -0.1"),
    (("--l1", "-1"), "λ (l1) must be a finite number ≥ 0, got -1.0"),
    (("--optimizer", "sgd"), "invalid choice: 'sgd'"),
    (("--beta1", "1"), "beta1 must be in [0, 1), got 1.0"),
    (("--epsilon", "0"), "epsilon must be a finite number > 0"),
    (("--decay-rate", "-1"), "decay rate must be a finite number ≥ 0"),
    (("--decay-interval", "0"), "decay interval must be at least 1 epoch"),
    (("--shuffle-seed", "-1"), "shuffle seed must be"),
    (("--features", "x1,x3"), "--features: unknown feature 'x3'; choose from x1, x2"),
    (("--features", "x1,x1"), "feature 'x1' is chosen twice"),
    (("--dataset", "housing", "--features", "x1,x2"), "housing has 1 input(s)"),
    (("--epochs", "3", "--iterations", "10"), "give either --iterations or --epochs"),
    (("--epochs", "-1"), "--epochs must be at least 0"),
])
def test_bad_course_2_input_exits_2_with_one_line(capsys, tmp_path, monkeypatch, args,
                                                  message):
    monkeypatch.chdir(tmp_path)
    length = () if {"--epochs", "--iterations"} & set(args) else ("--iterations", "5")
    code, out, err = run(capsys, "train", *args, *length, "--export", "m.npz")
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("playground: error: ") and message in err
    assert list(tmp_path.iterdir()) == []


# --------------------------------------------------------------------------- continuing

CONTINUATIONS = {
    "plain gradient descent": (),
    "adam, mini-batches, shuffle seed": ADAM,
    "shuffled by the run's generator": ("--batch-size", "50", "--optimizer", "momentum",
                                        "--learning-rate", "0.3"),
    "dropout, a prepared batch": ("--keep-prob", "0.8", "--batch-size", "64", "--optimizer",
                                  "rmsprop", "--learning-rate", "0.01", "--decay-rate", "0.3",
                                  "--l2", "0.5", "--log-every", "50"),
    "dropout on the whole set": ("--keep-prob", "0.7", "--hidden", "6"),
}


@pytest.mark.parametrize("flags", CONTINUATIONS.values(), ids=CONTINUATIONS)
def test_export_then_load_continues_bit_for_bit(capsys, tmp_path, flags):
    half, both, whole = tmp_path / "half.npz", tmp_path / "both.npz", tmp_path / "whole.npz"
    assert run(capsys, "train", *flags, "--iterations", "150", "--export", str(half))[0] == 0
    code, out, err = run(capsys, "train", "--load", str(half), "--iterations", "150",
                         "--log-every", "7", "--export", str(both))
    assert code == 0 and err == ""
    assert run(capsys, "train", *flags, "--iterations", "300", "--export", str(whole))[0] == 0
    a, b = load_model(both), load_model(whole)
    assert a.iteration == b.iteration == 300
    for key in b.parameters:
        assert np.array_equal(a.parameters[key], b.parameters[key]), key
    state = {"updates", "epoch", "optimizer_steps", "position", "vW1", "vb2", "sW1", "sb2"}
    assert state & set(a.resume) == state & set(b.resume)
    for key in state & set(a.resume):
        assert np.array_equal(a.resume[key], b.resume[key]), key
    assert (a.optimizer, a.batch_size, a.keep_prob) == (b.optimizer, b.batch_size, b.keep_prob)


def test_the_exported_file_records_the_options_and_the_state(capsys, tmp_path):
    path = tmp_path / "m.npz"
    flags = ("--keep-prob", "0.8", "--log-every", "50", "--l1", "0.2")
    assert run(capsys, "train", *ADAM, *flags, "--iterations", "150",
               "--export", str(path))[0] == 0
    model = load_model(path)
    assert (model.optimizer, model.batch_size, model.shuffle_seed, model.learning_rate,
            model.keep_prob, model.l1, model.l2) == ("adam", 64, 10, 0.01, 0.8, 0.2, 0.0)
    assert model.features is None and model.normalize is False
    assert int(model.resume["updates"]) == 150 and int(model.resume["epoch"]) == 150 // 7
    assert int(model.resume["position"]) == 150 % 7 and bool(model.resume["prepared"])
    assert model.resume["D1"].shape == (4, 64) and model.resume["vW1"].shape == (4, 2)
    assert model.resume["rng_keys"].dtype == np.uint32


def test_without_the_resume_state_the_continuation_would_differ(capsys, tmp_path):
    """Control: the exactness above is the resume state's doing (Adam's moments, t, the
    epoch's position), not a coincidence."""
    half, whole = tmp_path / "half.npz", tmp_path / "whole.npz"
    run(capsys, "train", *ADAM, "--iterations", "150", "--export", str(half))
    run(capsys, "train", *ADAM, "--iterations", "300", "--export", str(whole))
    saved = load_model(half)
    bare = tmp_path / "bare.npz"
    save_model(bare, SavedModel(**{**saved.__dict__, "resume": {}}))
    both = tmp_path / "both.npz"
    assert run(capsys, "train", "--load", str(bare), "--iterations", "150",
               "--export", str(both))[0] == 0
    assert not np.array_equal(load_model(both).parameters["W1"],
                              load_model(whole).parameters["W1"])


def test_changed_options_with_load_apply_and_say_it_is_not_exact(capsys, tmp_path):
    half = tmp_path / "half.npz"
    run(capsys, "train", *ADAM, "--iterations", "150", "--export", str(half))
    code, report, err = run_json(capsys, "train", "--load", str(half), "--optimizer",
                                 "momentum", "--keep-prob", "0.9", "--iterations", "10")
    assert code == 0 and err.count("\n") == 1
    assert err.startswith(f"playground: note: continuing {half} with optimiser momentum "
                          "(was adam), keep-prob 0.9 (was 1): not an exact continuation")
    assert "its state was reset, not the weights" in err
    assert report["options"]["optimizer"] == "momentum" and report["iterations"] == 160
    trainer = make_trainer(RunConfig(optimizer="adam", learning_rate=0.01, batch_size=64,
                                     shuffle_seed=10))
    trainer.run(150)
    trainer.set_options(RunConfig(optimizer="momentum", learning_rate=0.01, batch_size=64,
                                  shuffle_seed=10, keep_prob=0.9).training_options())
    trainer.run(10)
    assert report["final_cost"] == trainer.cost()      # as the window's live change does


def test_load_refuses_other_inputs_and_drops_the_state_on_other_data(capsys, tmp_path):
    path = tmp_path / "m.npz"
    run(capsys, "train", *ADAM, "--features", "x1,x2,x2^2", "--iterations", "30",
        "--export", str(path))
    code, _, err = run(capsys, "train", "--load", str(path), "--features", "x1,x2")
    assert code == 2 and err.count("\n") == 1
    assert "--load takes the inputs from the file (features: x1,x2,x2^2)" in err
    code, _, err = run(capsys, "train", "--load", str(path), "--normalize")
    assert code == 2 and "drop --normalize" in err
    code, report, err = run_json(capsys, "train", "--load", str(path), "--iterations", "7")
    assert code == 0 and err == "" and report["layer_sizes"] == [3, 4, 1]
    code, report, err = run_json(capsys, "train", "--load", str(path), "--dataset", "moons",
                                 "--iterations", "7")
    assert code == 0 and "evaluated on moons" in err
    assert report["epochs"] == 1                  # a fresh epoch count on other data


def test_an_old_file_loads_as_plain_gradient_descent(capsys, tmp_path):
    trainer = make_trainer(RunConfig())
    trainer.run(40)
    path = tmp_path / "old.npz"
    save_model(path, SavedModel(trainer.arch, trainer.parameters, iteration=40,
                                learning_rate=1.2, dataset="flower"))
    code, report, err = run_json(capsys, "train", "--load", str(path), "--iterations", "60")
    trainer.run(60)
    assert code == 0 and err == "" and report["final_cost"] == trainer.cost()


# --------------------------------------------------------------------------- gradcheck


def test_gradcheck_includes_the_penalties_and_leaves_dropout_out(capsys):
    code, out, _ = run(capsys, "gradcheck", "--l2", "0.7", "--l1", "0.1", "--keep-prob",
                       "0.5", "--init", "xavier", "--iterations", "20")
    assert code == 0 and "backprop looks correct" in out
    assert "J and backprop include the penalty (L2 λ = 0.7, L1 λ = 0.1)" in out
    assert "dropout (keep-prob 0.5) is left out of the check" in out
    code, report, _ = run_json(capsys, "gradcheck", "--l2", "0.7", "--init", "xavier")
    assert code == 0 and report["verdict"] == "correct" and report["l2"] == 0.7
    assert report["dropout_left_out"] is False
    code, report, _ = run_json(capsys, "gradcheck", "--keep-prob", "0.5", "--init", "xavier")
    assert report["dropout_left_out"] is True and report["keep_prob"] == 0.5


def test_gradcheck_refuses_bad_regularisation_in_one_line(capsys):
    code, out, err = run(capsys, "gradcheck", "--l1", "-2")
    assert code == 2 and out == "" and err.count("\n") == 1 and "λ (l1)" in err


def test_a_continued_run_keeps_the_saved_cost_curve(capsys, tmp_path):
    first, second = tmp_path / "a.npz", tmp_path / "b.npz"
    assert run(capsys, "train", "--iterations", "300", "--export", str(first))[0] == 0
    assert run(capsys, "train", "--load", str(first), "--iterations", "10",
               "--export", str(second))[0] == 0
    before, after = load_model(first).cost_history, load_model(second).cost_history
    assert after[-1, 0] == 309 and len(after) == len(before) + 10
    np.testing.assert_array_equal(after[:len(before)], before)


def test_load_with_a_preset_is_refused_not_silently_ignored(capsys, tmp_path):
    path = tmp_path / "m.npz"
    assert run(capsys, "train", "--iterations", "5", "--export", str(path))[0] == 0
    code, out, err = run(capsys, "train", "--load", str(path), "--preset", "gd-momentum-adam")
    assert code == 2 and "drop --preset" in err and out == ""
