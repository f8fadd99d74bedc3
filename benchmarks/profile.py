"""Where does eqstate's per-call time go? cProfile over many warm calls.

    python -m benchmarks.profile                      # dispatch, 1 counter State
    python -m benchmarks.profile --extra 100          # dispatch, + 100 extra States
    python -m benchmarks.profile --workload train     # seed 000's SGD train step
    python -m benchmarks.profile --workload train --opt adam --calls 5000

Prints, for the same model, µs per call of pure JAX and of eqstate without the
profiler (best of 7 repeats, the two interleaved, so the numbers are
comparable), then eqstate's profile sorted by own time. The C++ `jax.jit` dispatch does not appear as its
own row: it is counted in the own time of the Python function that calls the
jitted object (eqstate's `JitWrapper.__call__`).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import sys
import time
from collections.abc import Callable
from typing import Any


def _callers(
    workload: str, extra: int, opt: str
) -> dict[str, tuple[Callable[[], Any], Callable[[Any], Any]]]:
    out: dict[str, tuple[Callable[[], Any], Callable[[Any], Any]]] = {}
    if workload == "dispatch":
        from .workloads.dispatch import BUILDERS

        for lib in ("jax", "eqstate"):
            call, block, _ = BUILDERS[lib]()(extra)
            out[lib] = (call, block)
    else:
        from .workloads import _data, _mlp

        _, _, xb, yb = _data.regression_data()
        for lib in ("jax", "eqstate"):
            trainer = _mlp.build(lib, _data.mlp_weights(2), opt, xb, yb)
            out[lib] = (trainer.make_step(), lambda _, t=trainer: t.block())
    return out


def _best_us(
    callers: dict[str, tuple[Callable[[], Any], Callable[[Any], Any]]], calls: int
) -> dict[str, float]:
    """Best of 7 repeats per library, the libraries interleaved repeat by repeat."""
    best = {lib: float("inf") for lib in callers}
    for _ in range(7):
        for lib, (call, block) in callers.items():
            t0 = time.perf_counter()
            out = None
            for _ in range(calls):
                out = call()
            block(out)
            best[lib] = min(best[lib], (time.perf_counter() - t0) / calls * 1e6)
    return best


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.profile")
    parser.add_argument("--workload", choices=("dispatch", "train"), default="dispatch")
    parser.add_argument(
        "--extra", type=int, default=0, help="extra small States (dispatch)"
    )
    parser.add_argument(
        "--opt", choices=("sgd", "adam"), default="sgd", help="optimizer (train)"
    )
    parser.add_argument("--calls", type=int, default=10_000)
    parser.add_argument("--top", type=int, default=20)
    args = parser.parse_args(argv)

    callers = _callers(args.workload, args.extra, args.opt)
    for call, block in callers.values():  # compile
        block(call())
        block(call())
    timing = _best_us(callers, max(1, args.calls // 5))
    print(
        f"{args.workload} (extra={args.extra}, opt={args.opt}): pure JAX {timing['jax']:.2f} µs/call, "
        f"eqstate {timing['eqstate']:.2f} µs/call, ratio {timing['eqstate'] / timing['jax']:.2f}x "
        "(best of 7, interleaved, no profiler)"
    )
    call, block = callers["eqstate"]
    profiler = cProfile.Profile()
    out = None
    profiler.enable()
    for _ in range(args.calls):
        out = call()
    block(out)
    profiler.disable()
    buf = io.StringIO()
    stats = pstats.Stats(profiler, stream=buf)
    stats.sort_stats("tottime").print_stats(args.top)
    print(
        f"eqstate, {args.calls} calls under cProfile (times are totals over all calls):"
    )
    print(buf.getvalue())
    return 0


if __name__ == "__main__":
    sys.exit(main())
