"""The training process: the same run as in this process, refusals come back, it ends cleanly;
under both start methods (forkserver here, spawn as on macOS and Windows)."""

from __future__ import annotations

import multiprocessing
import os
import pickle
import platform
import socket
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

from playground.core.grid import make_grid
from playground.session.commands import Configure, Play, SetLearningRate, Step, Stop, Sync
from playground.session.config import RunConfig, make_trainer
from playground.session.messages import Failed, RunData, Stopped, Synced
from playground.session.process import (
    SEND_BUFFER_BYTES,
    ProcessLink,
    TrainingProcessError,
    receive_message,
    send_message,
    widen_buffer,
)
from playground.session.snapshot import RunState, Snapshot, take_snapshot

METHODS = [m for m in ("forkserver", "spawn") if m in multiprocessing.get_all_start_methods()]


@pytest.fixture(params=METHODS)
def link(request):
    """A training process started as on Linux (forkserver) and as on macOS/Windows (spawn)."""
    link = ProcessLink(request.param)
    yield link
    if link.alive:
        link.send(Stop())
    link.close()


def until_synced(link, token):
    """Return every frame and message up to ``Synced(token)``."""
    received = []
    while not isinstance(message := link.receive(), Synced) or message.token != token:
        received.append(message)
    return received


def test_the_child_trains_exactly_what_this_process_would(link):
    config = RunConfig(hidden_layers=(5,), learning_rate=0.7)
    for command in (Configure(config), Step(137), SetLearningRate(0.2), Step(50), Sync(1)):
        link.send(command)
    received = until_synced(link, 1)
    local = make_trainer(config)
    local.run(137)
    local.set_learning_rate(0.2)
    local.run(50)
    data = next(m for m in received if isinstance(m, RunData))
    frame = [m for m in received if isinstance(m, Snapshot)][-1]
    assert frame.iteration == local.iteration == 187 and frame.learning_rate == 0.2
    for key, value in local.parameters.items():
        np.testing.assert_array_equal(frame.parameters[key], value)
    assert frame.arch == local.arch and data.train.m == local.train.m == 400
    assert frame.train is None                    # the data came once, apart


def test_a_refused_command_is_told_and_the_run_goes_on(link):
    for command in (Configure(RunConfig()), Step(10), SetLearningRate(-1.0), Step(3), Sync(1)):
        link.send(command)
    received = until_synced(link, 1)
    failed = [m for m in received if isinstance(m, Failed)]
    assert len(failed) == 1 and "learning rate" in failed[0].why
    assert failed[0].kept == RunConfig()
    assert [m for m in received if isinstance(m, Snapshot)][-1].iteration == 13


def test_a_frame_built_in_the_child_arrives_read_only(link):
    link.send(Configure(RunConfig()))
    link.send(Sync(1))
    frame = [m for m in until_synced(link, 1) if isinstance(m, Snapshot)][-1]
    for array in (frame.parameters["W1"], frame.outputs, frame.unit_maps[0],
                  frame.cost_history, frame.layer_history["grad_norm"]):
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


def test_a_dead_child_is_reported_not_hung(link):
    link.send(Configure(RunConfig()))
    link.send(Play(True))
    link._process.kill()
    link._process.join(5)
    with pytest.raises(TrainingProcessError, match="stopped answering"):
        while True:
            link.receive()


def test_stop_ends_the_process_while_it_trains(link):
    link.send(Configure(RunConfig(hidden_layers=(16, 16), activations=("tanh", "tanh"))))
    link.send(Play(True))
    while not isinstance(message := link.receive(), Snapshot) or message.iteration < 5:
        pass
    link.send(Stop())
    while not isinstance(link.receive(), Stopped):
        pass
    link.close()
    assert not link._process.is_alive() and link._process.exitcode == 0


FREED_16_MB = """
import sys, numpy as np
from playground.session.commands import Stop
from playground.session.process import ProcessLink, keep_freed_memory, resident_mb
if sys.argv[1] == "keep":
    assert keep_freed_memory()
if sys.argv[1] == "host":         # the window's side of a training process
    link = ProcessLink()
    link.send(Stop())
    link.close()
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
    """The training process hands a frame to the kernel and trains on, even while the
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


def test_messages_carry_arrays_out_of_band_and_arrive_read_only():
    reader, writer = multiprocessing.Pipe()
    big, strided = np.arange(2.0**20), np.arange(20.0)[::2]      # 8 MB; not contiguous
    messages = [("ok", {"big": big, "strided": strided, "n": 3}, (7, None, 0.5)),
                Failed("no", RunConfig())]
    sender = threading.Thread(target=lambda: [send_message(writer, m) for m in messages])
    sender.start()                                 # 8 MB is more than the pipe holds
    head = reader.recv_bytes()
    assert int.from_bytes(head[:4], "little") == 1 and len(head) < 1000   # big, apart
    data = reader.recv_bytes()
    assert len(data) == big.nbytes
    got = pickle.loads(memoryview(head)[4:], buffers=[data])
    failed = receive_message(reader)
    sender.join()
    assert np.array_equal(got[1]["big"], big) and not got[1]["big"].flags.writeable
    assert np.array_equal(got[1]["strided"], strided) and got[1]["n"] == 3
    assert got[2] == (7, None, 0.5)
    assert failed == Failed("no", RunConfig())
