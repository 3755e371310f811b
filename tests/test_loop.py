"""The run loop's pacing, stop point, frames and commands, on a clock the test controls.

Nothing here sleeps: a fake clock advances by what the run's steps and the frames "cost"
and by the time the loop says it would wait, so every figure is exact and repeatable.
"""

from __future__ import annotations

import dataclasses

import pytest

from playground.session.commands import (
    Configure,
    Play,
    SetLearningRate,
    SetPace,
    SetPlaneAspect,
    SetStopAt,
    Step,
    Stop,
)
from playground.session.config import RunConfig
from playground.session.loop import FRAME_RATE, FRAME_SHARE, SLICE_SECONDS, RunLoop
from playground.session.messages import Failed, RunData, Stopped
from playground.session.snapshot import RunState, Snapshot
from playground.session.trainer import Divergence


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@dataclasses.dataclass
class FakeRun:
    """A run whose every step costs ``step_seconds`` of the fake clock."""

    clock: Clock
    step_seconds: float = 1e-4
    diverge_at: int | None = None
    iteration: int = 0
    divergence: Divergence | None = None
    learning_rate: float = 1.0
    train: object = None
    test: object = None
    shown_train: object = None
    shown_test: object = None

    @property
    def diverged(self) -> bool:
        return self.divergence is not None

    def run(self, iterations: int) -> int:
        start = self.iteration
        for _ in range(iterations):
            if self.diverge_at is not None and self.iteration >= self.diverge_at:
                self.divergence = Divergence(self.iteration, "J is nan", 1.0, self.iteration)
                break
            self.iteration += 1
            self.clock.now += self.step_seconds
        return self.iteration - start

    def reset(self) -> None:
        self.iteration, self.divergence = 0, None

    def set_learning_rate(self, learning_rate: float) -> None:
        if learning_rate <= 0:
            raise ValueError("learning rate must be > 0")
        self.learning_rate = learning_rate

    def refusal(self) -> str:
        return "diverged. Reset to start again."


@dataclasses.dataclass(frozen=True)
class Frame:
    iteration: int
    state: RunState
    steps_per_second: float
    message: str
    pace: float | None
    stop_at: int | None
    at: float

    def without_data(self) -> Frame:
        return self


def frame_maker(clock: Clock, cost: float = 0.0):
    def make(run, *, run_id, state, grid, steps_per_second, message, pace, stop_at, settings):
        clock.now += cost
        return Frame(run.iteration, state, steps_per_second, message, pace, stop_at, clock.now)
    return make


class ScriptedInbox:
    """Commands given at fake times; waiting advances the clock. Stops at ``until``."""

    def __init__(self, clock: Clock, script: list[tuple[float, object]], until: float,
                 poll_seconds: float = 1e-6) -> None:
        self.clock, self.script, self.until = clock, sorted(script, key=lambda x: x[0]), until
        self.poll_seconds = poll_seconds     # what a look at the inbox "costs" on the clock
        self.waits: list[float | None] = []

    def get(self, timeout: float | None) -> object | None:
        self.waits.append(timeout)
        if self.script and self.script[0][0] <= self.clock.now:
            return self.script.pop(0)[1]
        next_command = self.script[0][0] if self.script else self.until
        if self.clock.now >= self.until:
            return Stop()
        if timeout is None:
            self.clock.now = next_command
        else:
            self.clock.now = min(self.clock.now + max(timeout, self.poll_seconds), next_command)
        return None


def serve(script, until, *, step_seconds=1e-4, frame_cost=0.0, diverge_at=None):
    """Run a loop on a FakeRun under ``script``; return (frames, other messages, run)."""
    clock = Clock()
    sent: list = []
    loop = RunLoop(send=sent.append, clock=clock)
    run = FakeRun(clock, step_seconds, diverge_at)
    loop.run, loop._make_frame, loop.state = run, frame_maker(clock, frame_cost), RunState.PAUSED
    loop.serve(ScriptedInbox(clock, script, until))
    frames = [m for m in sent if isinstance(m, Frame)]
    return frames, [m for m in sent if not isinstance(m, Frame)], run


def test_at_a_slow_pace_every_iteration_is_a_frame_and_the_pace_holds():
    frames, _, run = serve([(0.0, SetPace(5)), (0.0, Play(True))], until=4.0)
    playing = [f for f in frames if f.state is RunState.RUNNING]
    iterations = [f.iteration for f in playing]
    assert iterations[:3] == [0, 1, 2]                   # the play frame, then each step
    assert iterations == sorted(set(iterations)) == list(range(iterations[-1] + 1))
    assert run.iteration == 20 + 1                       # 5 a second for 4 s, the first at once
    assert playing[-1].steps_per_second == pytest.approx(5, rel=0.05)


def test_at_a_slow_pace_a_run_that_falls_behind_still_draws_every_iteration():
    # each frame costs 0.5 s of the clock, more than a step's 0.2 s at pace 5: the run
    # falls behind, and catches up one drawn step at a time, never two steps to a frame
    frames, _, run = serve([(0.0, SetPace(5)), (0.0, Play(True))], until=4.0,
                           frame_cost=0.5)
    iterations = [f.iteration for f in frames if f.state is RunState.RUNNING]
    assert len(iterations) >= 5
    assert iterations == list(range(iterations[-1] + 1))


@pytest.mark.parametrize("pace", [100, 1000])
def test_a_fast_pace_holds_and_frames_stay_within_the_frame_rate(pace):
    frames, _, run = serve([(0.0, SetPace(pace)), (0.0, Play(True))], until=10.0)
    assert run.iteration == pytest.approx(10 * pace, abs=2)
    assert len(frames) <= 10 * FRAME_RATE + 5
    assert frames[-1].steps_per_second == pytest.approx(pace, rel=0.02)


def test_full_speed_trains_in_short_slices_between_looks_at_the_inbox():
    frames, _, run = serve([(0.0, Play(True))], until=2.0, step_seconds=1e-4)
    assert run.iteration >= 0.9 * 2.0 / 1e-4             # almost all the time is training
    assert 2 * FRAME_RATE - 5 <= len(frames) <= 2 * FRAME_RATE + 5
    assert frames[-1].steps_per_second == pytest.approx(1e4, rel=0.05)


def test_a_command_takes_effect_within_a_slice_at_full_speed():
    clock_times = []

    class Recording(SetLearningRate):
        def apply(self, loop):
            clock_times.append(loop.clock())
            super().apply(loop)

    _, _, run = serve([(0.0, Play(True)), (0.5, Recording(0.3))], until=1.0)
    assert run.learning_rate == 0.3
    assert 0.5 <= clock_times[0] <= 0.5 + 2 * SLICE_SECONDS


def test_costly_frames_come_further_apart_so_the_run_keeps_most_of_the_time():
    frames, _, run = serve([(0.0, Play(True))], until=4.0, frame_cost=0.02)
    frame_time = 0.02 * len(frames)
    assert frame_time <= FRAME_SHARE * 4.0 + 0.05          # frames take at most a quarter
    assert len(frames) >= 0.8 * FRAME_SHARE * 4.0 / 0.02   # … and get about that much
    assert run.iteration * 1e-4 >= (1 - FRAME_SHARE - 0.05) * 4.0


def test_the_run_pauses_exactly_at_the_stop_point_and_play_goes_on_past_it():
    frames, _, run = serve([(0.0, SetStopAt(1234)), (0.0, Play(True)),
                            (1.0, Play(True))], until=1.2)
    stop = next(f for f in frames if f.state is RunState.PAUSED and f.iteration == 1234)
    assert "Stopped at iteration 1,234" in stop.message and stop.stop_at == 1234
    assert run.iteration > 1234                            # the second Play went past it


def test_a_diverging_run_pauses_where_it_diverged():
    frames, messages, run = serve([(0.0, Play(True)), (0.5, Play(True))], until=1.0,
                                  diverge_at=777)
    assert run.iteration == 777 and frames[-1].state is RunState.PAUSED
    assert any(isinstance(m, Failed) and "Reset" in m.why for m in messages)   # replay refused


def test_a_step_trains_at_once_whatever_the_pace_and_stays_paused():
    frames, _, run = serve([(0.0, SetPace(1)), (0.0, Step(250))], until=0.5)
    assert run.iteration == 250 and frames[-1].iteration == 250
    assert frames[-1].state is RunState.PAUSED


def test_paused_the_loop_waits_for_a_command_without_a_timeout():
    clock = Clock()
    loop = RunLoop(send=[].append, clock=clock)
    inbox = ScriptedInbox(clock, [(3.0, Stop())], until=10.0)
    loop.serve(inbox)
    assert inbox.waits[0] is None                          # no polling while nothing runs


def test_bad_pace_and_stop_point_are_refused_and_change_nothing():
    frames, messages, _ = serve([(0.0, SetPace(0)), (0.0, SetStopAt(-3))], until=0.1)
    whys = [m.why for m in messages if isinstance(m, Failed)]
    assert len(whys) == 2 and "pace" in whys[0] and "stop" in whys[1]
    assert frames[-1].pace is None and frames[-1].stop_at is None


def test_a_real_run_installs_its_data_then_frames_without_it_and_stops_cleanly():
    sent: list = []
    loop = RunLoop(send=sent.append)
    inbox = ScriptedInbox(Clock(), [(0.0, Configure(RunConfig(), "hello")),
                                    (0.0, Step(10))], until=0.0)
    inbox.clock = loop.clock = Clock()
    loop.serve(inbox)
    data, first = sent[0], sent[1]
    assert isinstance(data, RunData) and data.train.m == 400 and data.grid is not None
    assert isinstance(first, Snapshot) and first.train is None and first.message == "hello"
    assert first.cost == pytest.approx(0.693048, abs=5e-7)
    assert [m.iteration for m in sent if isinstance(m, Snapshot)][-1] == 10
    assert isinstance(sent[-1], Stopped)


def test_a_new_network_while_playing_resets_and_keeps_playing_and_says_so():
    clock = Clock()
    sent: list = []
    loop = RunLoop(send=sent.append, clock=clock)
    script = [(0.0, Configure(RunConfig())), (0.0, SetPace(100)), (0.0, Play(True)),
              (0.5, Configure(RunConfig(hidden_layers=(3,)))),
              (0.6, Configure(RunConfig(hidden_layers=(2,)), keep_playing=False))]
    inbox = ScriptedInbox(clock, script, until=1.0, poll_seconds=0.01)
    loop.serve(inbox)
    frames = [m for m in sent if isinstance(m, Snapshot)]
    after_change = next(f for f in frames if f.arch.layer_dims == (2, 3, 1))
    assert after_change.state is RunState.RUNNING and after_change.iteration == 0
    assert after_change.message.startswith("The architecture changed")
    assert "It plays on" in after_change.message
    assert all(f.steps_per_second >= 0 for f in frames)            # never a negative speed
    assert all(f.steps_per_second == 0 for f in frames if f.iteration == 0)
    last = frames[-1]
    assert last.arch.layer_dims == (2, 2, 1) and last.state is RunState.PAUSED


def test_the_plane_takes_the_plots_shape_for_this_run_and_the_next_and_the_run_goes_on():
    clock = Clock()
    sent: list = []
    loop = RunLoop(send=sent.append, clock=clock)
    script = [(0.0, Configure(RunConfig())), (0.0, Step(7)), (0.0, SetPlaneAspect(2.0)),
              (0.0, SetPlaneAspect(50.0)), (0.0, Configure(RunConfig(hidden_layers=(3,))))]
    loop.serve(ScriptedInbox(clock, script, until=0.0))
    grids = [m.grid for m in sent if isinstance(m, RunData)]
    assert len(grids) == 3                          # the first run, its new shape, the next run
    for grid in grids[1:]:
        x_min, x_max, y_min, y_max = grid.extent
        assert (x_max - x_min) / (y_max - y_min) == pytest.approx(2.0)
    first, wider = grids[0].extent, grids[1].extent
    assert wider[2:] == pytest.approx(first[2:]) and wider[0] < first[0] < first[1] < wider[1]
    reshaped = next(i for i, m in enumerate(sent) if isinstance(m, RunData)
                    and m.grid is grids[1])
    frame = sent[reshaped + 1]
    assert isinstance(frame, Snapshot) and frame.iteration == 7     # same run, drawn again
    assert any(isinstance(m, Failed) and "width / height" in m.why for m in sent)


def test_a_run_on_input_features_is_drawn_over_the_raw_input_plane():
    sent: list = []
    loop = RunLoop(send=sent.append, clock=Clock())
    config = RunConfig(dataset="circles", hidden_layers=(), activations=(),
                       features=("x1^2", "x2^2"), learning_rate=0.5)
    loop.serve(ScriptedInbox(Clock(), [(0.0, Configure(config)), (0.0, Step(200))], until=0.0))
    data = next(m for m in sent if isinstance(m, RunData))
    assert data.train.feature_names == ("x1", "x2")             # what the learner plots
    x_min, x_max, y_min, y_max = data.grid.extent
    raw = data.train.X
    assert x_min < raw[0].min() < 0 < raw[0].max() < x_max       # around the raw circles,
    assert y_min < raw[1].min() < 0 < raw[1].max() < y_max       # not (x₁², x₂²) ≥ 0
    frame = [m for m in sent if isinstance(m, Snapshot)][-1]
    assert frame.features == ("x1^2", "x2^2") and frame.train_accuracy > 0.95
    assert frame.outputs.shape == (1, data.grid.resolution, data.grid.resolution)
    inner = frame.outputs[0, data.grid.resolution // 2, data.grid.resolution // 2]
    corner = frame.outputs[0, 0, 0]
    assert (inner > 0.5) != (corner > 0.5)      # a ring: the centre and a corner differ


def test_learning_rate_changes_reach_the_frame_for_the_cost_curve():
    clock = Clock()
    sent: list = []
    loop = RunLoop(send=sent.append, clock=clock)
    script = [(0.0, Configure(RunConfig())), (0.0, Step(10)), (0.0, SetLearningRate(0.5)),
              (0.0, SetLearningRate(0.4)), (0.0, Step(5)), (0.0, SetLearningRate(2.0))]
    loop.serve(ScriptedInbox(clock, script, until=0.0))
    frame = [m for m in sent if isinstance(m, Snapshot)][-1]
    assert frame.rate_changes == ((10, 0.4), (15, 2.0)) and frame.learning_rate == 2.0


def test_a_weight_edited_while_paused_changes_exactly_that_entry_and_says_so():
    from playground.session.commands import SetWeight
    clock = Clock()
    sent: list = []
    loop = RunLoop(send=sent.append, clock=clock)
    script = [(0.0, Configure(RunConfig())), (0.0, Step(5)), (0.0, SetWeight(1, 3, 2, 0.25)),
              (0.0, SetWeight(1, 5, 1, 1.0)), (0.0, SetWeight(2, 1, 1, float("nan")))]
    loop.serve(ScriptedInbox(clock, script, until=0.0))
    frames = [m for m in sent if isinstance(m, Snapshot)]
    before = next(f for f in frames if f.iteration == 5)
    edited = next(f for f in frames if f.message.startswith("W[1][3, 2] set to 0.25"))
    changed = before.parameters["W1"] != edited.parameters["W1"]
    assert changed.sum() == 1 and changed[2, 1] and edited.parameters["W1"][2, 1] == 0.25
    for key in ("b1", "W2", "b2"):
        assert (before.parameters[key] == edited.parameters[key]).all()
    whys = [m.why for m in sent if isinstance(m, Failed)]
    assert "no entry [5, 1]" in whys[0] and "finite" in whys[1]
