"""``playground bench --gui``: what the window costs while it trains.

Measured in one process, on the default lesson (the course's 2-4-1 tanh net on the flower
data) and the same data with 8-8 and 64-64 tanh nets (``GUI_NETS``), for a fixed wall time
each:

    headless          steps/s of the same run trained here with no window
    in the window     steps/s while the window plays and draws every snapshot; the two
                      alternate (``ROUNDS``), and the medians are compared
    frames            snapshots drawn per second, and paints of the boundary plot
    lateness          a 5 ms heartbeat timer in the GUI thread: how late it fires
    network view      one frame of the network diagram: its update from a snapshot taken
                      while playing plus a synchronous repaint, at the bench's 1280×800
    slider latency    a learning-rate change on the slider until the run loop has applied
                      it, and until the window has a frame saying so (default lesson)
    start-up          ``playground`` launched as a new process until its window is shown

``long=True`` also trains 10⁶ iterations in the window and reports the memory growth.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable

import numpy as np
from PySide6.QtCore import QElapsedTimer, QEvent, QEventLoop, QObject, QSettings, Qt, QTimer

from playground.bench.engine import WARM_UP_STEPS, net_name  # runs start past the first steps
from playground.session.config import RunConfig, make_trainer
from playground.session.loop import SLICE_SECONDS
from playground.session.process import resident_mb
from playground.ui.application import make_application
from playground.ui.main_window import MainWindow

HEARTBEAT_MS = 5
SLIDER_CHANGES = 20
LONG_ITERATIONS = 1_000_000
ROUNDS = 10                    # headless and in-window measurements alternate this often
VIEW_FRAMES = 40               # network-view frames timed per net
# The window targets name the default view with a 4-unit and with an 8-8 net;
# 64-64 shows what a big net's snapshots cost.
GUI_NETS: tuple[tuple[int, ...], ...] = ((4,), (8, 8), (64, 64))


def net_config(hidden: tuple[int, ...]) -> RunConfig:
    """Return the default lesson's config with ``hidden`` tanh layers."""
    return RunConfig(hidden_layers=hidden, activations=("tanh",) * len(hidden))


def percentile(values: list[float], share: float) -> float:
    """Return the value below which ``share`` of ``values`` lie (nearest rank)."""
    return float(np.percentile(values, 100 * share, method="inverted_cdf"))


def wait(milliseconds: int) -> None:
    """Run the event loop for ``milliseconds``."""
    loop = QEventLoop()
    QTimer.singleShot(milliseconds, loop.quit)
    loop.exec()


def wait_until(condition: Callable[[], bool], timeout_ms: int = 60_000) -> bool:
    clock = QElapsedTimer()
    clock.start()
    while not condition():
        if clock.elapsed() > timeout_ms:
            return False
        wait(5)
    return True


def wait_for_sync(session, token: int, timeout_ms: int = 5000) -> None:
    """Run the event loop until ``session.synced`` carries ``token`` (no polling)."""
    if session.last_synced >= token:
        return
    loop = QEventLoop()

    def on_synced(received: int) -> None:
        if received >= token:
            loop.quit()

    session.synced.connect(on_synced)
    QTimer.singleShot(timeout_ms, loop.quit)
    loop.exec()
    session.synced.disconnect(on_synced)


class Heartbeat(QObject):
    """A precise 5 ms timer in the GUI thread recording how late each tick comes."""

    def __init__(self) -> None:
        super().__init__()
        self.lateness_ms: list[float] = []
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(HEARTBEAT_MS)
        self._timer.timeout.connect(self._tick)
        self._last = 0.0

    def start(self) -> None:
        self.lateness_ms.clear()
        self._last = time.perf_counter()
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()

    def _tick(self) -> None:
        now = time.perf_counter()
        self.lateness_ms.append(max(0.0, (now - self._last) * 1000 - HEARTBEAT_MS))
        self._last = now


class PaintCounter(QObject):
    """Counts paint events of one widget (installed as its event filter)."""

    def __init__(self, widget) -> None:
        super().__init__()
        self.paints = 0
        widget.installEventFilter(self)

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 (Qt's name)
        if event.type() == QEvent.Type.Paint:
            self.paints += 1
        return False


def window_memory_mb(window: MainWindow) -> float:
    """Return the resident memory of the window's process plus its training process."""
    link = window.session.worker.link
    return resident_mb() + (resident_mb(link.pid) if link is not None else 0.0)


def headless_rate(trainer, seconds: float) -> float:
    """Return steps/s of ``trainer`` (a Trainer in this process) run for ``seconds``, in
    slices of about the run loop's (``loop.SLICE_SECONDS``)."""
    started = time.perf_counter()
    deadline, done, batch = started + seconds, 0, 1
    while time.perf_counter() < deadline:
        begun = time.perf_counter()
        done += trainer.run(batch)
        fitting = round(batch * SLICE_SECONDS / max(time.perf_counter() - begun, 1e-7))
        batch = max(1, min(4 * batch, fitting))
    return done / (time.perf_counter() - started)


def startup_seconds() -> float:
    """Return the time from launching ``playground`` in a new process to its window shown."""
    env = dict(os.environ)
    if not env.get("DISPLAY") and not env.get("WAYLAND_DISPLAY"):
        env.setdefault("QT_QPA_PLATFORM", "offscreen")
    with tempfile.TemporaryDirectory() as home:
        env["XDG_CONFIG_HOME"] = home                       # no saved window state
        launched = time.time()
        result = subprocess.run([sys.executable, "-m", "playground", "--report-shown"],
                                env=env, capture_output=True, text=True, timeout=120)
    for line in result.stdout.splitlines():
        if line.startswith("shown "):
            return float(line.split()[1]) - launched
    raise RuntimeError(f"the window did not report being shown: {result.stderr.strip()}")


def window_rate(window: MainWindow, seconds: float, heartbeat: Heartbeat) -> float:
    """Play the window's run for ``seconds`` (heartbeat on); return its steps/s, between
    the first and the last frame received (big nets' frames come far apart, so a
    short turn waits for one more frame if none came)."""
    window.set_playing(True)
    wait(300)                                             # past the start of playing
    first = window.session.latest
    heartbeat.start()
    wait(round(seconds * 1000))
    heartbeat.stop()
    wait_until(lambda: window.session.latest is not first, timeout_ms=5000)
    last = window.session.latest
    window.set_playing(False)
    return (last.iteration - first.iteration) / max(1e-9, last.taken_at - first.taken_at)


def measure_window(window: MainWindow, config: RunConfig, seconds: float,
                   rounds: int = ROUNDS) -> dict:
    """Alternate ``rounds`` times: the run of ``config`` headless in this process, then
    playing in the window, ``seconds / rounds`` each; return medians, frame and lateness
    figures.

    Alternating in short turns makes a busy or throttled machine slow both sides alike
    (on a shared 2-core VM the speed of the same loop drifts by ±30 % within seconds).
    """
    heartbeat, paints = Heartbeat(), PaintCounter(window.boundary_view.plot_widget.viewport())
    trainer = make_trainer(config)
    trainer.run(WARM_UP_STEPS)
    window.apply_config(config)
    wait_until(lambda: window.session.latest is not None
               and window.session.latest.arch.layer_dims == trainer.arch.layer_dims)
    window.step(WARM_UP_STEPS)
    wait_until(lambda: window.session.latest.iteration >= WARM_UP_STEPS)
    window_rate(window, 0.5, Heartbeat())                  # the first frames, unmeasured
    headless, in_window, late = [], [], []
    frames, painted, playing = window.frames_drawn, paints.paints, 0.0
    for _ in range(rounds):
        headless.append(headless_rate(trainer, seconds / rounds))
        started = time.perf_counter()
        in_window.append(window_rate(window, seconds / rounds, heartbeat))
        playing += time.perf_counter() - started
        late += heartbeat.lateness_ms
    alone, drawing = statistics.median(headless), statistics.median(in_window)
    return {
        "net": net_name(config.hidden_layers),
        "headless_steps_per_second": alone,
        "in_window_steps_per_second": drawing,
        "ratio": drawing / alone,
        "rounds": {"headless": headless, "in_window": in_window},
        "frames_per_second": (window.frames_drawn - frames) / playing,
        "paints_per_second": (paints.paints - painted) / playing,
        "lateness_ms": {"p50": percentile(late, 0.50), "p99": percentile(late, 0.99),
                        "max": max(late)},
    }


def network_frame_ms(window: MainWindow, frames: int = VIEW_FRAMES) -> dict[str, float]:
    """Return the network diagram's cost per frame, in ms (p50, p95, max): ``frames``
    snapshots of the playing run, each drawn by the view and painted at once.

    The snapshots are gathered while playing, then drawn one after another with nothing
    else running, so the figure is the view's own: ``update_snapshot`` (levels, maps,
    links) and a synchronous ``repaint`` of its canvas.
    """
    window.show_tab("network")
    view, snapshots = window.network_view, []
    window.session.snapshot_ready.connect(snapshots.append)
    window.set_playing(True)
    wait_until(lambda: len(snapshots) >= frames, timeout_ms=30_000)
    window.set_playing(False)
    window.session.snapshot_ready.disconnect(snapshots.append)
    wait(100)
    costs = []
    for snapshot in snapshots[-frames:]:
        started = time.perf_counter()
        view.update_snapshot(snapshot)
        view.canvas.viewport().repaint()
        costs.append((time.perf_counter() - started) * 1000)
    return {"p50": percentile(costs, 0.5), "p95": percentile(costs, 0.95), "max": max(costs)}


def slider_latency_ms(window: MainWindow) -> dict[str, list[float]]:
    """Move the learning-rate slider SLIDER_CHANGES times while the run plays; return ms
    from each move until the loop had applied it ("applied": the time stamp of the frame a
    sync right behind the change makes, on the machine's monotonic clock, which the
    training process shares) and until that frame was in the window ("round_trip")."""
    slider = window.controls.learning_rate_slider
    window.set_playing(True)
    applied, round_trip = [], []
    for k in range(SLIDER_CHANGES):
        value = (1.0, 1.2)[k % 2]
        started = time.perf_counter()
        slider.set_value(value)
        wait_for_sync(window.session, window.session.sync())
        round_trip.append((time.perf_counter() - started) * 1000)
        frame = window.session.latest
        if frame.learning_rate == value:
            applied.append((frame.taken_at - started) * 1000)
        wait(37)                                          # let a few frames go by
    window.set_playing(False)
    return {"applied": applied, "round_trip": round_trip}


def long_run(window: MainWindow, progress: Callable[[str], None] | None) -> dict:
    """Train LONG_ITERATIONS in the window; return the memory before and after."""
    window.set_playing(False)
    window.reset()
    wait_until(lambda: window.session.latest.iteration == 0)
    before = window_memory_mb(window)
    started = time.perf_counter()
    window.set_playing(True)
    while window.session.latest.iteration < LONG_ITERATIONS:
        wait(1000)
        if progress:
            progress(f"  {window.session.latest.iteration:,} iterations …")
    window.set_playing(False)
    after = window_memory_mb(window)
    snapshot = window.session.latest
    return {"iterations": snapshot.iteration, "seconds": time.perf_counter() - started,
            "memory_before_mb": before, "memory_after_mb": after,
            "memory_growth_mb": after - before,
            "cost_history_points": len(snapshot.cost_history)}


def run_gui_bench(seconds: float = 5.0, long: bool = False,
                  progress: Callable[[str], None] | None = None) -> dict:
    """Return the window's figures (see the module docstring)."""
    say = progress or (lambda text: None)
    say("start-up …")
    startup = startup_seconds()
    app = make_application()
    with tempfile.TemporaryDirectory() as folder:
        settings = QSettings(os.path.join(folder, "bench.ini"), QSettings.Format.IniFormat)
        window = MainWindow(settings=settings)
        window.resize(1280, 800)
        window.show()
        app.processEvents()
        nets = []
        for hidden in GUI_NETS:
            config = net_config(hidden)
            say(f"{net_name(hidden)}: headless and in the window, in turns …")
            figures = measure_window(window, config, seconds)
            figures["network_view_ms"] = network_frame_ms(window)
            nets.append(figures)
        window.apply_config(net_config(GUI_NETS[0]))
        wait_until(lambda: window.session.latest.arch.layer_dims == (2, *GUI_NETS[0], 1))
        report = {"nets": nets}
        say("slider …")
        latencies = slider_latency_ms(window)
        if long:
            say(f"{LONG_ITERATIONS:,} iterations in the window …")
            report["long"] = long_run(window, say)
        window.close()
    report.update({
        "seconds": seconds,
        "slider_latency_ms": {kind: {"p50": percentile(values, 0.5),
                                     "p95": percentile(values, 0.95), "max": max(values)}
                              for kind, values in latencies.items()},
        "startup_seconds": startup, "platform": app.platformName()})
    return report


def format_gui_report(r: dict) -> str:
    """Return the report as lines with the issue's targets beside them."""
    slider = r["slider_latency_ms"]
    lines = [f"flower data, tanh units; {r['seconds']:g} s per net in {ROUNDS} turns; "
             f"Qt platform {r['platform']}"]
    for n in r["nets"]:
        late, view = n["lateness_ms"], n["network_view_ms"]
        lines += [
            f"{n['net']}",
            f"  headless           {n['headless_steps_per_second']:>10,.0f} steps/s",
            f"  in the window      {n['in_window_steps_per_second']:>10,.0f} steps/s   "
            f"{n['ratio']:.0%} of headless   (target ≥ 80 %)",
            f"  frames drawn       {n['frames_per_second']:>10.1f} /s        "
            f"(target ≥ 30; boundary plot painted {n['paints_per_second']:.1f} /s)",
            f"  event-loop lateness p50 {late['p50']:.1f} ms, p99 {late['p99']:.1f} ms, "
            f"max {late['max']:.1f} ms   (target p99 ≤ 30 ms)",
            f"  network view frame p50 {view['p50']:.1f} ms, p95 {view['p95']:.1f} ms, "
            f"max {view['max']:.1f} ms   (target ≤ 8 ms for 2-8-8-1)"]
    lines += [
        f"slider → {where:<10}p50 {s['p50']:.1f} ms, p95 {s['p95']:.1f} ms, "
        f"max {s['max']:.1f} ms   (target p95 ≤ 50 ms)"
        for where, s in (("loop", slider["applied"]), ("window", slider["round_trip"]))]
    lines += [
        f"start-up to window {r['startup_seconds']:.2f} s   (target ≤ 2 s)",
    ]
    if "long" in r:
        g = r["long"]
        lines.append(f"{g['iterations']:,} iterations in {g['seconds']:.0f} s: memory (window "
                     f"and training process) "
                     f"{g['memory_before_mb']:.0f} → {g['memory_after_mb']:.0f} MB "
                     f"({g['memory_growth_mb']:+.1f} MB; target < 50), cost history "
                     f"{g['cost_history_points']} points")
    return "\n".join(lines)
