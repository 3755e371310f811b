"""playground bench: the report's shape and sense (never its speed: that is not a test)."""

from __future__ import annotations

import json
import os

import pytest

from playground.bench.engine import CONTENDERS, NETS, available
from playground.cli import dispatch as cli


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
    assert report["machine"]["cores"] == os.cpu_count()


@pytest.mark.parametrize("args", [["--repeats", "0"], ["--seconds", "-1"], ["--long"],
                                  ["--warm-up", "-5"]])
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
    for kind in ("applied", "round_trip"):
        slider = r["slider_latency_ms"][kind]
        assert 0 < slider["p50"] <= slider["p95"] <= slider["max"] < 5000
    assert 0 < r["startup_seconds"] < 60
