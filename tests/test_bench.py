"""playground bench: the report's shape and sense (never its speed: that is not a test)."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest

from playground.bench import floor, minibatch
from playground.bench.engine import CONTENDERS, NETS, available
from playground.bench.report import format_report
from playground.cli import dispatch as cli
from playground.core.fast import calibrate
from playground.core.minibatch import random_mini_batches


def test_bench_json_has_every_net_and_every_installed_contender(capsys):
    code = cli.main(["bench", "--repeats", "1", "--seconds", "0.02", "--warm-up", "3",
                     "--json"])
    assert code == 0
    report = json.loads(capsys.readouterr().out)
    names = [name for name, c in CONTENDERS.items() if available(c)]
    assert list(report["contenders"]) == names
    assert [net["net"] for net in report["nets"]] == ["2-4-1", "2-8-8-1", "2-64-64-1"]
    assert len(report["nets"]) == len(NETS)
    for net in report["nets"]:
        assert all(net["steps_per_second"][n] > 0 for n in names)
        assert all(len(net["repeats"][n]) == 1 for n in names)
        assert net["fastest_peer"] in names and CONTENDERS[net["fastest_peer"]].peer
        ratio = net["steps_per_second"]["playground"] / net["steps_per_second"][
            net["fastest_peer"]]
        assert net["ratio"] == pytest.approx(ratio)
        assert net["tanh_ceiling"] > 0
        assert net["floor_steps_per_second"] > 0
        assert net["step_per_floor"] == pytest.approx(
            net["floor_steps_per_second"] / net["steps_per_second"]["playground"])
        hidden = [int(n) for n in net["net"].split("-")[1:-1]]
        assert [p["values"] for p in net["tanh_paths"]] == [n * 400 for n in hidden]
        for path, n in zip(net["tanh_paths"], hidden):
            chosen = calibrate.tanh_block(np.empty((n, 400)))
            assert path["path"] == ("table" if chosen else "np.tanh")
    assert report["machine"]["cores"] == os.cpu_count()
    kernels = report["kernels"]
    assert kernels["how"] in ("measured", "cached", "forced", "given")
    assert sorted(p["dtype"] for p in kernels["plans"]) == ["float32", "float64"]
    batch = report["minibatch"]
    batch_names = [n for n in names if n in minibatch.PREPARE]
    assert batch["case"] == "2-8-8-1, B = 64" and batch["m"] == 10_000
    assert list(batch["updates_per_second"]) == batch_names
    assert all(batch["updates_per_second"][n] > 0 for n in batch_names)
    assert batch["fastest_peer"] in batch_names and CONTENDERS[batch["fastest_peer"]].peer
    assert batch["ratio"] == pytest.approx(batch["updates_per_second"]["playground"]
                                           / batch["updates_per_second"][batch["fastest_peer"]])
    assert batch["floor_updates_per_second"] > 0 and batch["update_per_floor"] > 0
    assert [p["values"] for p in batch["tanh_paths"]["update"]] == [512, 512]
    assert [p["values"] for p in batch["tanh_paths"]["epoch_cost"]] == [80_000, 80_000]
    text = format_report(report)
    for phrase in ("full-batch gradient descent", "mini-batches, flower m = 10,000, B = 64",
                   "matrix products alone", "step ÷ floor", "kernels chosen on this machine",
                   "tanh float64", "tanh float32", "2-64-64-1", "2-8-8-1, B = 64"):
        assert phrase in text, phrase


@pytest.mark.parametrize("mode", ["plain", "table"])
def test_bench_measures_a_forced_path_and_says_so(capsys, mode):
    before = calibrate.choices()
    assert cli.main(["bench", "--kernels", mode, "--repeats", "1", "--seconds", "0.01",
                     "--warm-up", "0", "--json"]) == 0
    assert calibrate.choices() is before                  # only for the bench
    report = json.loads(capsys.readouterr().out)
    assert report["kernels"]["how"] == "forced"
    paths = {p["path"] for net in report["nets"] for p in net["tanh_paths"]}
    assert paths == ({"np.tanh"} if mode == "plain" else {"table"})
    assert ("np.tanh at every size" in format_report(report)) == (mode == "plain")


def test_the_floor_makes_every_product_of_a_step_and_nothing_else():
    assert floor.prepare_floor((2, 8, 8, 1), 64)(3) == 3
    recorded = floor.floor_products((2, 8, 8, 1), 64)
    shapes = [(c.args[0].shape, c.args[1].shape) for c in recorded]
    assert shapes == [((8, 2), (2, 64)), ((8, 8), (8, 64)), ((1, 8), (8, 64)),
                      ((1, 64), (64, 8)), ((8, 1), (1, 64)), ((8, 64), (64, 8)),
                      ((8, 8), (8, 64)), ((8, 64), (64, 2))]


def test_the_mini_batch_peers_train_what_the_notebook_trains():
    data = minibatch.data()
    ours = random_mini_batches(data.X, data.Y, 64, np.random.RandomState(11))
    theirs = minibatch.random_mini_batches(data.X, data.Y, 64, np.random.RandomState(11))
    assert len(ours) == len(theirs) == minibatch.batches_per_epoch() == 157
    assert all(np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])
               for a, b in zip(ours, theirs))
    for name, prepare in minibatch.PREPARE.items():
        if not available(CONTENDERS[name]):
            continue
        made = prepare(data)(5)
        assert made == (157 if name == "scikit-learn" else 5), name   # sklearn: an epoch


@pytest.mark.parametrize("args", [["--repeats", "0"], ["--seconds", "-1"], ["--long"],
                                  ["--warm-up", "-5"], ["--kernels", "fastest"]])
def test_bad_bench_arguments_exit_2(args, capsys):
    assert cli.main(["bench", *args]) == 2
    assert "error" in capsys.readouterr().err


@pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")
def test_gui_bench_reports_every_window_figure(capsys, qapp):
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    assert cli.main(["bench", "--gui", "--seconds", "0.6", "--json"]) == 0
    r = json.loads(capsys.readouterr().out)
    assert [n["net"] for n in r["nets"]] == ["2-4-1", "2-8-8-1", "2-64-64-1"]
    for n in r["nets"]:
        assert n["headless_steps_per_second"] > 0 and n["in_window_steps_per_second"] > 0
        assert n["ratio"] == pytest.approx(n["in_window_steps_per_second"]
                                           / n["headless_steps_per_second"])
        assert n["frames_per_second"] > 0
        late = n["lateness_ms"]
        assert 0 <= late["p50"] <= late["p99"] <= late["max"]
        view = n["network_view_ms"]                  # the diagram's frame, timed alone
        assert 0 < view["p50"] <= view["p95"] <= view["max"]
    for kind in ("applied", "round_trip"):
        slider = r["slider_latency_ms"][kind]
        assert 0 < slider["p50"] <= slider["p95"] <= slider["max"] < 5000
    assert 0 < r["startup_seconds"] < 60
