"""What every workload shares: the registry types, the modes and the timers.

A workload is a `Workload`: a name, the metrics it reports, and one
implementation per library. An implementation is a function
`impl(mode) -> Measured` that runs inside a fresh child process (see
`_child.py`); it raises `Unavailable` when its library (or the eqstate feature
it needs) is missing, and the report shows a 'not available' row for it.

Nothing here imports JAX: the import-time workload's children must start clean.
"""

from __future__ import annotations

import dataclasses
import statistics
import time
from collections.abc import Callable
from typing import Any

__all__ = [
    "LIBS",
    "MODES",
    "Measured",
    "Metric",
    "Mode",
    "Unavailable",
    "Workload",
    "summarize",
    "time_per_call",
]


class Unavailable(Exception):
    """Raised by an implementation whose library or feature is missing."""


@dataclasses.dataclass(frozen=True)
class Mode:
    """How hard to measure.

    `quick` (< 3 min on 2 cores) is one pass with short repeats, only the
    depth-50 compile and no N = 100,000 loop; `full` (< 15 min) is three passes over everything.
    """

    name: str
    passes: int  # fresh-process passes per (workload, library), order alternating
    repeats: int  # timed repeats inside one process
    repeat_s: float  # target seconds for one timed repeat of many calls
    import_reps: int  # fresh interpreters per import-time process
    compile_depths: tuple[int, ...]
    compile_reps: int
    sim_sizes: tuple[int, ...]
    sim_steps: int
    vmap_trials: int
    vmap_steps: int
    memory_neurons: int
    memory_steps: int


MODES = {
    "quick": Mode(
        name="quick",
        passes=1,
        repeats=5,
        repeat_s=0.04,
        import_reps=2,
        compile_depths=(50,),
        compile_reps=1,
        sim_sizes=(1, 1_000),
        sim_steps=10_000,
        vmap_trials=50,
        vmap_steps=2_000,
        memory_neurons=100_000,
        memory_steps=1_000,
    ),
    "full": Mode(
        name="full",
        passes=3,
        repeats=5,
        repeat_s=0.1,
        import_reps=3,
        compile_depths=(10, 50, 200),
        compile_reps=1,
        sim_sizes=(1, 1_000, 100_000),
        sim_steps=10_000,
        vmap_trials=50,
        vmap_steps=2_000,
        memory_neurons=100_000,
        memory_steps=10_000,
    ),
}


@dataclasses.dataclass(frozen=True)
class Lib:
    key: str
    label: str
    requires: tuple[str, ...]  # top-level modules that must be importable


LIBS: dict[str, Lib] = {
    lib.key: lib
    for lib in (
        Lib("jax", "pure JAX", ("jax", "optax")),
        Lib("eqstate", "eqstate", ("eqstate",)),
        Lib("equinox", "equinox", ("equinox", "optax")),
        Lib("nnx", "flax.nnx", ("flax",)),
        Lib("brainstate", "brainstate", ("brainstate", "braintools")),
    )
}


@dataclasses.dataclass(frozen=True)
class Metric:
    """One number a workload reports per library.

    `target` is DESIGN.md §4's bound on eqstate's ratio to pure JAX, when the
    metric is one of its rows; `headline` metrics go into the chart.
    """

    key: str
    label: str
    unit: str  # "us", "ms", "s", "MB"
    target: float | None = None
    headline: bool = False


@dataclasses.dataclass
class Measured:
    """What one implementation returns from one process.

    `samples[metric_key]` is a list of per-repeat values (in the metric's
    unit); `checks` are the numbers the equivalence table compares across
    libraries (final outputs, counters, losses, spike counts).
    """

    samples: dict[str, list[float]]
    checks: dict[str, float] = dataclasses.field(default_factory=dict)
    info: dict[str, Any] = dataclasses.field(default_factory=dict)


Impl = Callable[[Mode], Measured]


@dataclasses.dataclass(frozen=True)
class Workload:
    """A registered workload: see `workloads/__init__.py` for the registry."""

    name: str
    title: str
    description: str
    metrics: tuple[Metric, ...]
    impls: dict[str, Impl]
    # relative tolerance for the equivalence checks
    rtol: float = 1e-5
    # run in quick mode too (all do; a heavy extension may opt out)
    quick: bool = True
    # child budget in seconds before it is killed
    timeout_s: float = 300.0


def time_per_call(
    call: Callable[[], Any],
    block: Callable[[Any], Any],
    mode: Mode,
    unit_scale: float = 1e6,
) -> list[float]:
    """Per-call time of `call()` (already warmed up), one value per repeat.

    Calibrates the number of calls so that one repeat lasts about
    `mode.repeat_s`, then runs `mode.repeats` repeats (fewer when one call
    alone takes several times that long), each `calls` calls in a
    row followed by `block(last_output)`; returns seconds per call times
    `unit_scale` (µs by default).
    """
    # calibrate: grow the batch until it takes a measurable time
    calls = 1
    while True:
        t0 = time.perf_counter()
        out = None
        for _ in range(calls):
            out = call()
        block(out)
        dt = time.perf_counter() - t0
        if dt > mode.repeat_s / 10 or calls >= 1 << 20:
            break
        calls *= 4
    calls = max(1, int(calls * mode.repeat_s / max(dt, 1e-9)))
    repeats = mode.repeats
    if calls == 1 and dt > 5 * mode.repeat_s:  # one call takes seconds: fewer repeats
        repeats = max(3, repeats // 2)
    result = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(calls):
            out = call()
        block(out)
        result.append((time.perf_counter() - t0) / calls * unit_scale)
    return result


def summarize(samples: list[float]) -> dict[str, float]:
    """Median, quartiles and IQR of a list of samples."""
    xs = sorted(samples)
    if len(xs) == 1:
        q1 = q3 = xs[0]
    else:
        q1, _, q3 = statistics.quantiles(xs, n=4, method="inclusive")
    return {
        "median": statistics.median(xs),
        "q1": q1,
        "q3": q3,
        "iqr": q3 - q1,
        "n": len(xs),
        "min": xs[0],
        "max": xs[-1],
    }
