"""The training process: the same run as in this process, errors come back, it ends cleanly."""

from __future__ import annotations

import multiprocessing
import os
import pickle
import platform
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from playground.core.grid import make_grid
from playground.session.config import RunConfig, make_trainer
from playground.session.remote import (
    SEND_BUFFER_BYTES,
    RemoteTrainer,
    TrainingProcessError,
    receive_reply,
    send_reply,
    widen_buffer,
)
from playground.session.snapshot import RunState, take_snapshot


@pytest.fixture
def remote():
    host = RemoteTrainer()
    yield host
    host.close()


def test_the_child_trains_exactly_what_this_process_would(remote):
    config = RunConfig(hidden_layers=(5,), learning_rate=0.7)
    remote.new(make_trainer, config)
    local = make_trainer(config)
    assert remote.run(137) == local.run(137) == 137
    remote.set_learning_rate(0.2)
    local.set_learning_rate(0.2)
    remote.run(50)
    local.run(50)
    assert remote.iteration == local.iteration == 187 and remote.learning_rate == 0.2
    for key, value in local.parameters.items():
        np.testing.assert_array_equal(remote.parameters[key], value)
    assert remote.arch == local.arch and remote.train.m == local.train.m == 400


def test_an_error_in_the_child_is_raised_here_and_the_run_goes_on(remote):
    remote.new(make_trainer, RunConfig())
    remote.run(10)
    with pytest.raises(ValueError, match="learning rate"):
        remote.set_learning_rate(-1.0)
    with pytest.raises(ValueError, match="layer must be"):
        remote.break_symmetry(9)
    with pytest.raises(ValueError, match="no such file"):          # CSVDataError
        remote.new(make_trainer, RunConfig(data_path="/nonexistent/data.csv"))
    assert remote.iteration == 10 and remote.run(5) == 5      # the old run is untouched


def test_while_running_the_child_trains_between_calls(remote):
    remote.new(make_trainer, RunConfig())
    done = remote.run_for(0.01, 10**6)          # not running: exactly what was asked
    time.sleep(0.05)
    assert remote.call("cost") > 0 and remote.iteration == done
    remote.running = True
    done += remote.run_for(0.01, 10**6)
    time.sleep(0.05)                            # the child goes on meanwhile …
    remote.running = False
    remote.call("cost")                         # … until the next command
    later = remote.iteration
    assert later > done
    time.sleep(0.05)
    remote.call("cost")
    assert remote.iteration == later            # paused: no more steps


def test_a_snapshot_taken_in_the_child_arrives_read_only(remote):
    config = RunConfig(hidden_layers=(3,))
    remote.new(make_trainer, config)
    remote.run(20)
    grid = make_grid(remote.train.X, 20)
    snapshot = remote.snapshot(run_id=4, state=RunState.PAUSED, grid=grid)
    local = make_trainer(config)
    local.run(20)
    expected = take_snapshot(local, run_id=4, state=RunState.PAUSED, grid=grid)
    assert snapshot.iteration == 20 and snapshot.run_id == 4
    assert snapshot.cost == expected.cost
    # the data and the grid are this side's objects, the same in every snapshot
    assert snapshot.train is remote.train and snapshot.grid is grid
    assert remote.snapshot(run_id=4, state=RunState.PAUSED, grid=grid).train is remote.train
    np.testing.assert_array_equal(snapshot.outputs, expected.outputs)
    for array in (snapshot.parameters["W1"], snapshot.cost_history, snapshot.outputs,
                  snapshot.unit_maps[0], snapshot.layer_history["grad_norm"]):
        with pytest.raises(ValueError):
            array[(0,) * array.ndim] = 1.0


def test_snapshots_survive_pickling_unchanged():
    trainer = make_trainer(RunConfig(hidden_layers=(2,)))
    trainer.run(5)
    snapshot = take_snapshot(trainer, run_id=1, state=RunState.RUNNING,
                             grid=make_grid(trainer.train.X, 10))
    copy = pickle.loads(pickle.dumps(snapshot))
    assert copy.iteration == 5 and copy.arch == snapshot.arch
    assert copy.parameters.keys() == snapshot.parameters.keys()
    assert not copy.parameters["W1"].flags.writeable


def test_a_dead_child_is_reported_not_hung(remote):
    remote.new(make_trainer, RunConfig())
    remote._process.kill()
    remote._process.join(5)
    with pytest.raises(TrainingProcessError, match="stopped answering"):
        remote.run(1)


def test_close_ends_the_process(remote):
    remote.new(make_trainer, RunConfig())
    remote.run_for(0.005, 10**6)              # still training when asked to stop
    remote.close()
    assert not remote._process.is_alive() and remote._process.exitcode == 0


class _Unpicklable(ValueError):
    def __init__(self, message, handle):
        super().__init__(message)
        self.handle = handle                 # a lock: cannot be pickled


def _raise_unpicklable(trainer):
    import threading
    raise _Unpicklable("bad thing", threading.Lock())


def test_an_error_that_cannot_travel_still_arrives_as_a_message(remote):
    remote.new(make_trainer, RunConfig())
    with pytest.raises(RuntimeError, match="_Unpicklable: bad thing"):
        remote._request("apply", _raise_unpicklable)
    assert remote.run(3) == 3                 # and the child still serves


FREED_16_MB = """
import sys, numpy as np
from playground.session.remote import RemoteTrainer, keep_freed_memory
from playground.ui.bench_window import resident_mb
if sys.argv[1] == "keep":
    assert keep_freed_memory()
if sys.argv[1] == "host":         # the window's side of a training process
    RemoteTrainer().close()
before = resident_mb()
a = np.ones(2 << 20)            # 16 MB, written
del a
print(resident_mb() - before)
"""


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="mallopt is glibc's")
def test_both_ends_of_a_training_process_keep_freed_memory_instead_of_faulting_it_in():
    kept = {how: float(subprocess.run([sys.executable, "-c", FREED_16_MB, how],
                                      capture_output=True, text=True, check=True).stdout)
            for how in ("keep", "host", "default")}
    assert kept["keep"] > 12 and kept["host"] > 12 and kept["default"] < 4


def test_a_widened_connection_takes_a_snapshot_while_nobody_reads():
    """The training process hands a snapshot to the kernel and trains on, even while the
    window's process is too busy to read it."""
    cap = Path("/proc/sys/net/core/wmem_max")
    if not cap.exists() or int(cap.read_text()) < SEND_BUFFER_BYTES:
        pytest.skip("this system caps socket buffers below SEND_BUFFER_BYTES")
    reader, writer = multiprocessing.Pipe()
    widen_buffer(writer)
    with socket.socket(fileno=os.dup(writer.fileno())) as end:
        assert end.getsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF) >= SEND_BUFFER_BYTES
    sender = threading.Thread(target=writer.send_bytes, args=(b"x" * 2**21,))  # > 860 KB
    sender.start()
    sender.join(timeout=10)
    sent = not sender.is_alive()
    assert len(reader.recv_bytes()) == 2**21              # (also frees a blocked sender)
    sender.join()
    assert sent


def test_replies_carry_arrays_out_of_band_and_arrive_read_only():
    reader, writer = multiprocessing.Pipe()
    big, strided = np.arange(2.0**20), np.arange(20.0)[::2]      # 8 MB; not contiguous
    replies = [("ok", {"big": big, "strided": strided, "n": 3}, (7, None, 0.5)),
               ("error", ValueError("no"), None)]
    sender = threading.Thread(target=lambda: [send_reply(writer, r) for r in replies])
    sender.start()                                 # 8 MB is more than the pipe holds
    head = reader.recv_bytes()
    assert int.from_bytes(head[:4], "little") == 1 and len(head) < 1000   # big, apart
    data = reader.recv_bytes()
    assert len(data) == big.nbytes
    got = pickle.loads(memoryview(head)[4:], buffers=[data])
    outcome, error, status = receive_reply(reader)
    sender.join()
    assert np.array_equal(got[1]["big"], big) and not got[1]["big"].flags.writeable
    assert np.array_equal(got[1]["strided"], strided) and got[1]["n"] == 3
    assert got[2] == (7, None, 0.5)
    assert outcome == "error" and isinstance(error, ValueError) and status is None
