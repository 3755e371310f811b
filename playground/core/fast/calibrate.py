"""Which tanh each array gets on this machine: NumPy's ``np.tanh`` or the table, chosen by
measuring here, once, and remembered in the user's cache folder.

Why: the table tanh (``tanh_table.py``) beats ``np.tanh`` where NumPy evaluates tanh one
value at a time (no wide vector unit it uses), and loses where it does not; where the
line between them falls, in array sizes, depends on the CPU's speed per call and per
value; and how many values the table should take per pass depends on its caches. No
constant from one machine holds on another, so each machine decides for itself:

    plan  per float type (float64, float32): np.tanh below ``table_from`` values, the
          table from there on, in passes of ``block`` values (None: np.tanh always);
          below MIN_TABLE_SIZE values np.tanh always.

Both paths agree with tanh to a few ulp (``tanh_table.py``), so a choice changes speed,
never more than the last bits of a result, and np.tanh, the plain path, stays correct
everywhere. The decision is made once per process, the first time a kernel asks
(``choices``), in this order:

1. ``PLAYGROUND_KERNELS=plain`` forces np.tanh everywhere, ``=table`` the table from
   MIN_TABLE_SIZE on (tests and users who want the same bits on every machine);
   ``=measure`` or unset: decide by measuring.
2. Read the cache file of this machine: its name and content carry a key of the CPU (model
   and feature flags, the features NumPy dispatches on), the system, the Python and NumPy
   versions and this module's format, so a new NumPy or another CPU measures again.
3. Else measure (each size timed in alternating turns and the best of several kept, so a
   busy spell on a shared machine does not decide) and write the file atomically
   (``core/atomic.py``). A folder that cannot be written, a corrupt or foreign file, or
   two processes writing at once cost a measurement, never a wrong choice: the file is
   only read back when its key matches, and replaced whole. Deleting it measures again
   (``playground bench`` shows where it is and the timings it holds).

A process can also be handed its choices (``use``): the training process adopts the
window's, so both compute the same bits. The state kept here is that one decision per
process, the reason this module is not pure.
"""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import json
import os
import platform
import sys
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from playground.core.atomic import reason, write_atomically
from playground.core.fast import tanh_table
from playground.core.fast.calls import Calls

ENVIRONMENT_VARIABLE = "PLAYGROUND_KERNELS"
MODES = ("measure", "plain", "table")
FORMAT = 2                      # of the cache file and of the kernels it judges: bump both
MIN_TABLE_SIZE = 256            # below this many values np.tanh always
SIZES = (256, 512, 1024, 2048, 4096, 8192, 16384, 32768, 65536)   # where the paths race
BLOCKS = (4096, 8192, 16384, 32768, 65536)     # values per table pass, raced at the largest
FORCED_BLOCK = 16384            # the block of a forced table
ROUNDS = 5                      # alternating turns per timing; the best is kept
TURN_VALUES = 16384             # about how many values one timed turn computes
MARGIN = 0.9                    # the table must take at most this share of np.tanh's time
CACHE_FOLDER_NAME = "playground"


@dataclass(frozen=True)
class TanhPlan:
    """How tanh is computed for one float type, and the timings that decided it.

    ``timings``: (values, np.tanh ns per value, table ns per value) at each size raced;
    ``block_timings``: (block, table ns per value) at the largest size.
    """

    dtype: str
    table_from: int | None
    block: int = FORCED_BLOCK
    timings: tuple[tuple[int, float, float], ...] = ()
    block_timings: tuple[tuple[int, float], ...] = ()

    def block_for(self, size: int) -> int:
        """Return the table's values per pass for an array of ``size`` values, 0 for np.tanh."""
        if self.table_from is None or size < max(self.table_from, MIN_TABLE_SIZE):
            return 0
        return self.block

    def describe(self) -> str:
        """Return the choice in words."""
        if self.table_from is None:
            return f"tanh {self.dtype}: np.tanh at every size"
        return (f"tanh {self.dtype}: np.tanh below {self.table_from:,} values, the table "
                f"from {self.table_from:,} (in passes of up to {self.block:,} values)")

    def as_json(self) -> dict:
        return {"dtype": self.dtype, "table_from": self.table_from, "block": self.block,
                "timings": [list(row) for row in self.timings],
                "block_timings": [list(row) for row in self.block_timings]}

    @classmethod
    def from_json(cls, data: Mapping) -> TanhPlan:
        """Return the plan ``as_json`` wrote; ValueError/TypeError/KeyError if it is not one."""
        table_from, block = data["table_from"], data["block"]
        if data["dtype"] not in {d.name for d in tanh_table.DTYPES}:
            raise ValueError(f"no table for {data['dtype']!r}")
        if table_from is not None and not (_whole(table_from) and table_from >= 1):
            raise ValueError(f"table_from {table_from!r}")
        if not (_whole(block) and block >= 1):
            raise ValueError(f"block {block!r}")
        return cls(data["dtype"], table_from, block,
                   tuple((int(n), float(p), float(t)) for n, p, t in data["timings"]),
                   tuple((int(b), float(t)) for b, t in data["block_timings"]))


def _whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


@dataclass(frozen=True)
class KernelChoices:
    """This process's kernel choices: one TanhPlan per float type, how they were made
    ("measured", "cached", "forced" or "given") and the details (the cache file, what
    happened to it, the environment setting); ``key`` names the machine they hold for."""

    plans: tuple[TanhPlan, ...]
    how: str
    detail: str = ""
    key: dict[str, str] = field(default_factory=dict)
    measured_on: str = ""

    def plan(self, dtype: np.dtype) -> TanhPlan | None:
        """Return the plan for ``dtype``, None where there is no table (np.tanh then)."""
        return next((p for p in self.plans if p.dtype == np.dtype(dtype).name), None)

    def describe(self) -> str:
        """Return the choices in words: one line per float type and where they came from."""
        return "\n".join([p.describe() for p in self.plans]
                         + [f"({self.how}{': ' + self.detail if self.detail else ''})"])


def fixed(mode: str, how: str = "forced", detail: str = "") -> KernelChoices:
    """Return choices that are not measured: ``plain`` (np.tanh always) or ``table``
    (the table from MIN_TABLE_SIZE values, in passes of FORCED_BLOCK)."""
    if mode not in ("plain", "table"):
        raise ValueError(f"fixed kernel choices are 'plain' or 'table', got {mode!r}")
    table_from = MIN_TABLE_SIZE if mode == "table" else None
    return KernelChoices(tuple(TanhPlan(d.name, table_from) for d in tanh_table.DTYPES),
                         how, detail or f"{ENVIRONMENT_VARIABLE}={mode}")


# -- the process's decision ---------------------------------------------------------------
_lock = threading.Lock()
_current: KernelChoices | None = None


def choices() -> KernelChoices:
    """Return this process's choices, deciding them on the first call (``decide``)."""
    global _current
    current = _current
    if current is None:
        with _lock:
            if _current is None:
                _current = decide()
            current = _current
    return current


def use(new: KernelChoices | None) -> None:
    """Make ``new`` this process's choices (None: decide again when next asked). Kernels
    recorded before keep the path they were recorded with."""
    global _current
    with _lock:
        _current = new


@contextlib.contextmanager
def using(new: KernelChoices | None) -> Iterator[KernelChoices | None]:
    """Use ``new`` inside the block (None: decide again when asked), then the choices
    from before (tests; ``playground bench --kernels``)."""
    before = _current
    use(new)
    try:
        yield new
    finally:
        use(before)


def forced(mode: str) -> contextlib.AbstractContextManager[KernelChoices]:
    """Use ``fixed(mode)`` ("plain" or "table") inside a ``with`` block (for tests)."""
    return using(fixed(mode, detail=f"forced({mode!r})"))


def tanh_block(x: np.ndarray) -> int:
    """Return how many values of ``x`` the table takes per pass, 0 when np.tanh is faster
    for an array of x's size and type (or there is no table for its type)."""
    plan = choices().plan(x.dtype)
    return plan.block_for(x.size) if plan is not None else 0


# -- deciding -------------------------------------------------------------------------------
_DEFAULT = object()


def decide(mode: str | None = None, folder: Path | None | object = _DEFAULT) -> KernelChoices:
    """Return the choices for this machine: forced by ``mode`` (default: the
    PLAYGROUND_KERNELS setting), else read from ``folder``'s cache file (default: the
    user's cache folder; None: no cache), else measured and written there."""
    asked = mode
    mode, note = _mode(mode)
    if mode != "measure":
        return fixed(mode, detail=f"asked for {mode!r}" if asked else "")
    key = machine_key()
    if folder is _DEFAULT:
        folder = cache_folder()
    path = None if folder is None else Path(folder) / cache_name(key)
    if path is not None:
        cached = read_cache(path, key)
        if cached is not None:
            return cached
    plans = tuple(measure_tanh(d) for d in tanh_table.DTYPES)
    today = datetime.date.today().isoformat()
    made = KernelChoices(plans, "measured", note, key, today)
    wrote = write_cache(path, made) if path is not None else "no cache folder"
    return KernelChoices(plans, "measured", "; ".join(filter(None, [note, wrote])), key, today)


def _mode(mode: str | None) -> tuple[str, str]:
    """Return the mode to use and a note when the setting was not understood."""
    if mode is not None:
        if mode not in MODES:
            raise ValueError(f"kernel mode must be one of {', '.join(MODES)}, got {mode!r}")
        return mode, ""
    setting = os.environ.get(ENVIRONMENT_VARIABLE, "").strip().lower()
    if not setting or setting in MODES:
        return setting or "measure", ""
    return "measure", (f"{ENVIRONMENT_VARIABLE}={setting!r} is not one of "
                       f"{', '.join(MODES)}: measured instead")


# -- measuring -----------------------------------------------------------------------------
def _recorded(x: np.ndarray, out: np.ndarray, block: int | None) -> Calls:
    """Return the calls that compute tanh(x) into out: np.tanh (block None) or the table
    in passes of ``block`` values, recorded as the engine records them."""
    calls = Calls()
    if block is None:
        calls(np.tanh, x, out)
        return calls
    size = min(block, x.size)
    floats = tuple(np.empty(size, x.dtype) for _ in range(tanh_table.SCRATCH_FLOATS))
    tanh_table.tanh_in_passes(calls, x, out, block, floats, np.empty(size, np.int64))
    return calls


def _best_times(contenders: dict, values: int, rounds: int) -> dict:
    """Return each contender's best time per value in ns, over ``rounds`` alternating
    turns of about TURN_VALUES values each (every contender runs once first, untimed)."""
    repeat = max(1, TURN_VALUES // values)
    for calls in contenders.values():
        calls.run()
    best = dict.fromkeys(contenders, float("inf"))
    for _ in range(rounds):
        for name, calls in contenders.items():
            run = calls.run
            started = time.perf_counter()
            for _ in range(repeat):
                run()
            best[name] = min(best[name], (time.perf_counter() - started) / repeat)
    return {name: seconds / values * 1e9 for name, seconds in best.items()}


def measure_tanh(dtype: np.dtype, rounds: int = ROUNDS, sizes: tuple[int, ...] = SIZES,
                 blocks: tuple[int, ...] = BLOCKS) -> TanhPlan:
    """Race the table against np.tanh on arrays of ``dtype`` and return the plan.

    First the table's block: the fastest of ``blocks`` on the largest size (the larger
    block on a tie within 3 %: fewer calls). Then at every size the two paths in
    alternating turns; the table is used from the smallest size from which it takes at
    most MARGIN of np.tanh's time at every larger size raced.
    """
    dtype = np.dtype(dtype)
    x = (np.random.RandomState(0).randn(max(sizes)) * 2).astype(dtype)   # Z's spread
    out = np.empty_like(x)
    largest = x.size
    by_block = _best_times({b: _recorded(x, out, b) for b in blocks if b <= largest},
                           largest, rounds)
    fastest = min(by_block.values())
    block = max(b for b, t in by_block.items() if t <= fastest * 1.03)
    timings = []
    for size in sizes:
        ns = _best_times({"np.tanh": _recorded(x[:size], out[:size], None),
                          "table": _recorded(x[:size], out[:size], block)}, size, rounds)
        timings.append((size, round(ns["np.tanh"], 3), round(ns["table"], 3)))
    return TanhPlan(dtype.name, _table_from(timings), block, tuple(timings),
                    tuple((b, round(t, 3)) for b, t in by_block.items()))


def _table_from(timings: list[tuple[int, float, float]]) -> int | None:
    """Return the smallest size from which the table takes at most MARGIN of np.tanh's
    time at every size raced (None: at none). Between the last size it lost at and the
    first it won at, the line is drawn where the totals, linear in size between the two,
    cross (rounded up to a multiple of 64)."""
    table_from = None
    for i in range(len(timings) - 1, -1, -1):
        size, plain, table = timings[i]
        if table > MARGIN * plain:
            if table_from is not None:
                won = timings[i + 1][0]
                lost_by = size * (table - MARGIN * plain)                      # > 0
                won_by = won * (timings[i + 1][2] - MARGIN * timings[i + 1][1])   # ≤ 0
                crossing = size + (won - size) * lost_by / (lost_by - won_by)
                table_from = min(won, -(-int(crossing) // 64) * 64)
            break
        table_from = size
    return table_from


# -- the machine's key ----------------------------------------------------------------------
def machine_key() -> dict[str, str]:
    """Return what the choices depend on: the CPU (model, a digest of its feature flags,
    and the features NumPy dispatches on), the system, the Python and NumPy versions, and
    this module's format."""
    model, flags = _cpu()
    return {"format": str(FORMAT), "system": platform.system(), "machine": platform.machine(),
            "cpu": model, "cpu_flags": hashlib.sha256(flags.encode()).hexdigest()[:16],
            "numpy_simd": _numpy_simd(), "numpy": np.__version__,
            "python": f"{platform.python_implementation()} {sys.version_info[0]}."
                      f"{sys.version_info[1]}"}


def _cpu() -> tuple[str, str]:
    """Return the CPU's model name and feature flags, as far as this system tells them
    without running a program ("" where it does not)."""
    model = platform.processor() or ""
    flags = ""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, UnicodeDecodeError):
            with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as info:
                fields: dict[str, str] = {}
                for line in info:
                    name, _, value = line.partition(":")
                    fields.setdefault(name.strip().lower(), value.strip())
            model = next((fields[k] for k in ("model name", "cpu model", "hardware",
                                              "cpu part") if fields.get(k)), model)
            flags = fields.get("flags") or fields.get("features") or ""
    elif sys.platform == "darwin":
        model = _sysctl("machdep.cpu.brand_string") or model
        flags = " ".join(filter(None, (_sysctl("machdep.cpu.features"),
                                       _sysctl("machdep.cpu.leaf7_features"))))
    elif sys.platform == "win32":
        model = os.environ.get("PROCESSOR_IDENTIFIER", model)
    return model, flags


def _sysctl(name: str) -> str:
    """Return a macOS sysctl string ("" if it cannot be read)."""
    try:
        import ctypes

        libc = ctypes.CDLL(None)
        size = ctypes.c_size_t(0)
        if libc.sysctlbyname(name.encode(), None, ctypes.byref(size), None, 0) or not size.value:
            return ""
        buffer = ctypes.create_string_buffer(size.value)
        if libc.sysctlbyname(name.encode(), buffer, ctypes.byref(size), None, 0):
            return ""
        return buffer.value.decode(errors="replace")
    except (OSError, AttributeError, ValueError):
        return ""


def _numpy_simd() -> str:
    """Return the CPU features NumPy found and dispatches on ("" if it does not say)."""
    core = getattr(np, "_core", None) or getattr(np, "core", None)
    features = getattr(getattr(core, "_multiarray_umath", None), "__cpu_features__", None)
    if not isinstance(features, dict):
        return ""
    return ",".join(sorted(name for name, present in features.items() if present))


# -- the cache file -------------------------------------------------------------------------
def cache_folder(system: str = sys.platform, environ: Mapping[str, str] | None = None,
                 home: Path | None = None) -> Path | None:
    """Return the folder for this app's cache files: ``$XDG_CACHE_HOME`` or ``~/.cache`` on
    Linux and other POSIX systems, ``~/Library/Caches`` on macOS, ``%LOCALAPPDATA%`` on
    Windows, each with a ``playground`` folder inside; None where no home is known."""
    environ = os.environ if environ is None else environ
    try:
        home = Path.home() if home is None else home
    except (RuntimeError, KeyError, OSError):
        home = None
    if system == "win32":
        base = environ.get("LOCALAPPDATA") or (home and home / "AppData" / "Local")
    elif system == "darwin":
        base = home and home / "Library" / "Caches"
    else:
        xdg = environ.get("XDG_CACHE_HOME", "")
        base = Path(xdg) if os.path.isabs(xdg) else (home and home / ".cache")
    return Path(base) / CACHE_FOLDER_NAME if base else None


def cache_name(key: Mapping[str, str]) -> str:
    """Return the cache file's name for machine ``key`` (a digest of the key)."""
    text = json.dumps(dict(key), sort_keys=True)
    return f"kernels-{hashlib.sha256(text.encode()).hexdigest()[:16]}.json"


def read_cache(path: Path, key: Mapping[str, str]) -> KernelChoices | None:
    """Return the choices cached at ``path`` for ``key``; None when there is no such file,
    it cannot be read, or it is not a whole file of this format for this key."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        if data.get("format") != FORMAT or data.get("key") != dict(key):
            return None
        plans = tuple(TanhPlan.from_json(p) for p in data["plans"])
        if sorted(p.dtype for p in plans) != sorted(d.name for d in tanh_table.DTYPES):
            return None
        return KernelChoices(plans, "cached", f"read from {path}", dict(key),
                             str(data.get("measured_on", "")))
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return None


def write_cache(path: Path, made: KernelChoices) -> str:
    """Write ``made`` to ``path`` atomically; return what happened, in words."""
    text = json.dumps({"format": FORMAT, "key": made.key, "measured_on": made.measured_on,
                       "plans": [p.as_json() for p in made.plans]}, indent=1)
    try:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        write_atomically(path, lambda handle: handle.write(text.encode("utf-8")))
    except OSError as error:
        return f"not cached: {reason(error)}"
    return f"cached in {path}"
