"""compile: the first call of a train step for MLPs of depth 10, 50 and 200.

The time from applying the library's jit to the step function until the
first call's results are ready, split with `jax.monitoring` duration events
into the XLA backend compile (`/jax/core/compile/backend_compile_duration`)
and the Python side (everything else: the library's own work, tracing to a
jaxpr, lowering to MLIR, dispatch). Tracing and lowering are reported too.

Each process first compiles a depth-3 step (so one-off process start-up costs,
like initialising the XLA backend, are not charged to the first depth), then
builds each model afresh (untimed) and times its first train step (SGD). The
MLP is seed 000's, `depth` Linear layers 32 wide with ReLU in between. A full
garbage collection runs before each timed call, so no sample pays for the
garbage an earlier one left.
"""

from __future__ import annotations

import functools
import gc
import time

from .._core import Measured, Metric, Mode, Workload
from . import _data, _mlp
from ._libs import need

DEPTHS = (10, 50, 200)
_EVENTS = {
    "/jax/core/compile/backend_compile_duration": "backend",
    "/jax/core/compile/jaxpr_trace_duration": "trace",
    "/jax/core/compile/jaxpr_to_mlir_module_duration": "lower",
}


class FirstCall:
    """Times the first call of a fresh MLP's SGD train step, split with a
    `jax.monitoring` listener (registered once, by the constructor).

    `first_call(lib, depth)` builds the model (untimed), then times
    `make_step()` and the first step until its results are ready; it returns
    the milliseconds by part (`total`, `backend`, `python` = total - backend,
    `trace`, `lower`) and the trainer.
    """

    def __init__(self) -> None:
        self._jax = need("jax")
        self._totals: dict[str, float] = {}
        _, _, self._xb, self._yb = _data.regression_data()
        self._jax.monitoring.register_event_duration_secs_listener(self._listen)

    def _listen(self, event: str, duration_secs: float, **_: object) -> None:
        key = _EVENTS.get(event)
        if key is not None:
            self._totals[key] = self._totals.get(key, 0.0) + duration_secs

    def __call__(self, lib: str, depth: int) -> tuple[dict[str, float], _mlp.Trainer]:
        trainer = _mlp.build(lib, _data.mlp_weights(depth), "sgd", self._xb, self._yb)
        self._jax.block_until_ready(trainer.weights())
        gc.collect()  # the garbage of earlier samples is not this sample's cost
        totals = self._totals
        totals.clear()
        t0 = time.perf_counter()
        step = trainer.make_step()
        step()
        trainer.block()
        total = time.perf_counter() - t0
        backend = totals.get("backend", 0.0)
        parts = {
            "total": total,
            "backend": backend,
            "python": total - backend,
            "trace": totals.get("trace", 0.0),
            "lower": totals.get("lower", 0.0),
        }
        return {k: v * 1e3 for k, v in parts.items()}, trainer


def _impl(lib: str, mode: Mode) -> Measured:
    first_call = FirstCall()
    X, Y, _, _ = _data.regression_data()
    first_call(lib, 3)  # warm-up: process-wide one-off costs
    samples: dict[str, list[float]] = {}
    checks: dict[str, float] = {}
    for depth in mode.compile_depths:
        trainer = None
        for _ in range(mode.compile_reps):
            parts, trainer = first_call(lib, depth)
            for key, value in parts.items():
                samples.setdefault(f"d{depth}_{key}", []).append(value)
        assert trainer is not None, "compile_reps must be at least 1"
        checks[f"d{depth}_loss"] = _mlp.np_loss(trainer.weights(), X, Y)
        checks[f"d{depth}_count"] = float(trainer.count())
    return Measured(samples, checks)


def _metrics() -> tuple[Metric, ...]:
    out = []
    for d in DEPTHS:
        out.append(Metric(f"d{d}_total", f"depth {d}: first call, total", "ms"))
        out.append(Metric(f"d{d}_backend", f"depth {d}: XLA backend compile", "ms"))
        out.append(
            Metric(
                f"d{d}_python",
                f"depth {d}: Python side",
                "ms",
                target=1.0 if d == 200 else None,
                headline=d == 200,
            )
        )
        out.append(Metric(f"d{d}_trace", f"depth {d}: of which jaxpr tracing", "ms"))
        out.append(Metric(f"d{d}_lower", f"depth {d}: of which MLIR lowering", "ms"))
    return tuple(out)


WORKLOAD = Workload(
    name="compile",
    title="Compile: first call of an MLP train step",
    description=(
        "ms for the first call (jit, trace, lower, compile, run) of an SGD train "
        "step of a depth 10 / 50 / 200 MLP, split into XLA backend compile and the "
        "Python side using jax.monitoring events."
    ),
    metrics=_metrics(),
    impls={
        lib: functools.partial(_impl, lib)
        for lib in ("jax", "eqstate", "equinox", "nnx", "brainstate")
    },
    rtol=1e-4,
    timeout_s=400.0,
)
