"""Where does eqstate's time go, beside pure JAX, in one process?

    python -m benchmarks.profile                      # dispatch, 1 counter State
    python -m benchmarks.profile --extra 100          # dispatch, + 100 extra States
    python -m benchmarks.profile --workload train     # seed 000's SGD train step
    python -m benchmarks.profile --workload train --opt adam --calls 5000
    python -m benchmarks.profile --workload simulate --n 1000 --fresh 10
    python -m benchmarks.profile --workload compile --depth 200
    python -m benchmarks.profile --workload compile --depth 200 --donation

dispatch / train: µs per call of pure JAX and of eqstate without the profiler
(best of 7 repeats, the two interleaved, so the numbers are comparable), then
eqstate's profile sorted by own time. The C++ `jax.jit` dispatch does not
appear as its own row: it is counted in the own time of the Python function
that calls the jitted object (eqstate's generated per-call function, `fast`,
which `JitWrapper.__call__` is).

simulate: ms per 10,000-step run of the N-neuron LIF loop (eqstate's
`for_loop` and the hand-written `lax.scan`, interleaved, median and best of 15);
with `--fresh K` also K pairs of fresh processes, one library each, alternating
(the suite's setting, where a process's speed varies by more than the 3% target);
then whether the two compiled loop bodies are the same XLA program.

compile: the first call of a depth-D SGD train step, rebuilt each round and
interleaved (median of `--repeats`, default 11; a 5-round median swung by
±7% between runs of one commit): the Python side (all but the XLA backend
compile), jaxpr tracing and MLIR lowering, from `jax.monitoring` events, and
the spread of the per-round ratios. `--donation` adds pure JAX donating its
parameters (the like-for-like baseline, as eqstate donates) and eqstate with
`donate=False`.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import pstats
import re
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

import jax


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


def _loop_body(hlo: str) -> list[str]:
    """The instructions of the (largest) while-loop body, names and metadata removed."""
    bodies = set(re.findall(r"\bwhile\(.*?body=%?([\w.\-]+)", hlo))
    blocks = re.findall(r"^%?([\w.\-]+) \(.*?\{\n(.*?)^\}", hlo, re.M | re.S)
    found = [block for name, block in blocks if name in bodies]
    if not found:
        return []
    ops = []
    for line in max(found, key=len).splitlines():
        m = re.match(r"\s*(?:ROOT )?%?[\w.\-]+ = (\S+) ([\w\-]+)\(", line)
        if m:
            ops.append(f"{m.group(2)} -> {m.group(1)}")
    return sorted(ops)


def _simulate_runs(n: int, libs: tuple[str, ...]) -> dict[str, Any]:
    from ._core import MODES
    from .workloads.simulate import BUILDERS

    mode = MODES["full"]
    runs = {lib: BUILDERS[lib](mode, mode.sim_steps)[0](n) for lib in libs}
    for run in runs.values():  # compile and warm up
        jax.block_until_ready(run())
    return runs


def _simulate_times(runs: dict[str, Any], n: int) -> dict[str, list[float]]:
    """ms per run, 15 repeats, the libraries interleaved repeat by repeat."""
    samples: dict[str, list[float]] = {lib: [] for lib in runs}
    calls = max(1, int(2e5 // max(n, 100)))
    for rep in range(15):
        for lib in runs if rep % 2 else reversed(list(runs)):
            t0 = time.perf_counter()
            for _ in range(calls):
                jax.block_until_ready(runs[lib]())
            samples[lib].append((time.perf_counter() - t0) / calls * 1e3)
    return samples


def _print_ratios(title: str, medians: dict[str, float], best: dict[str, float]):
    print(title)
    for lib in medians:
        print(
            f"  {lib:8s} {medians[lib]:9.3f} ms median "
            f"({medians[lib] / medians['jax']:.3f}x), {best[lib]:9.3f} ms best "
            f"({best[lib] / best['jax']:.3f}x)"
        )


def _simulate(n: int, fresh: int, only: str | None) -> None:
    if only is not None:  # a child of --fresh: time one library, print JSON
        xs = _simulate_times(_simulate_runs(n, (only,)), n)[only]
        print(json.dumps({"median": statistics.median(xs), "best": min(xs)}))
        return
    runs = _simulate_runs(n, ("jax", "eqstate"))
    samples = _simulate_times(runs, n)
    _print_ratios(
        f"N = {n}, one process, interleaved (15 repeats):",
        {lib: statistics.median(xs) for lib, xs in samples.items()},
        {lib: min(xs) for lib, xs in samples.items()},
    )
    if fresh:
        per: dict[str, list[dict[str, float]]] = {"jax": [], "eqstate": []}
        for _ in range(fresh):
            for lib in per:
                child = subprocess.run(
                    [sys.executable, "-m", "benchmarks.profile", "--workload"]
                    + ["simulate", "--n", str(n), "--only", lib],
                    capture_output=True,
                    text=True,
                    check=True,
                )
                per[lib].append(json.loads(child.stdout.splitlines()[-1]))
        faster = sum(
            e["median"] < j["median"] for j, e in zip(per["jax"], per["eqstate"])
        )
        _print_ratios(
            f"N = {n}, {fresh} fresh-process pairs (median over processes); "
            f"eqstate faster in {faster}/{fresh}:",
            {
                lib: statistics.median(r["median"] for r in rs)
                for lib, rs in per.items()
            },
            {lib: statistics.median(r["best"] for r in rs) for lib, rs in per.items()},
        )
    bodies = {
        lib: _loop_body(run.lower().compile().as_text()) for lib, run in runs.items()
    }
    if bodies["jax"] and bodies["jax"] == bodies["eqstate"]:
        print(f"compiled loop bodies: identical ({len(bodies['jax'])} instructions)")
    else:
        print("compiled loop bodies differ:")
        for lib, ops in bodies.items():
            print(f"  {lib}: {len(ops)} instructions: {ops}")


def _compile(depth: int, repeats: int, donation: bool) -> None:
    from .workloads.compile import FirstCall

    first_call = FirstCall()
    libs = ("jax", "eqstate")
    if donation:
        libs = ("jax", "jax+donate", "eqstate", "eqstate+nodonate")
    for lib in libs:
        first_call(lib, 3)  # process-wide one-off costs
    samples: dict[str, list[dict[str, float]]] = {lib: [] for lib in libs}
    for rep in range(repeats):
        for lib in libs if rep % 2 else reversed(libs):
            samples[lib].append(first_call(lib, depth)[0])
    keys = ("python", "trace", "lower", "backend")
    med = {
        lib: {k: statistics.median(s[k] for s in xs) for k in keys}
        for lib, xs in samples.items()
    }
    bases = ("jax", "jax+donate") if donation else ("jax",)
    print(
        f"depth {depth}, first call (median of {repeats}, interleaved, ms; "
        f"ratio to {' / '.join(bases)}):"
    )
    for lib in libs:
        cells = ", ".join(
            f"{k} {med[lib][k]:.0f} ("
            + " / ".join(f"{med[lib][k] / med[b][k]:.2f}x" for b in bases)
            + ")"
            for k in keys
        )
        print(f"  {lib:16s} {cells}")
    # each round's eqstate/jax ratio of the Python side: the spread says how
    # far one round's verdict can be trusted on this machine
    paired = sorted(
        e["python"] / j["python"] for e, j in zip(samples["eqstate"], samples["jax"])
    )
    print(
        f"  Python side, eqstate / jax by round: median {statistics.median(paired):.2f}x, "
        f"range {paired[0]:.2f}-{paired[-1]:.2f}x, "
        f"eqstate faster in {sum(r < 1 for r in paired)} of {len(paired)} rounds"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.profile")
    parser.add_argument(
        "--workload",
        choices=("dispatch", "train", "simulate", "compile"),
        default="dispatch",
    )
    parser.add_argument(
        "--extra", type=int, default=0, help="extra small States (dispatch)"
    )
    parser.add_argument(
        "--opt", choices=("sgd", "adam"), default="sgd", help="optimizer (train)"
    )
    parser.add_argument("--n", type=int, default=1000, help="neurons (simulate)")
    parser.add_argument(
        "--fresh",
        type=int,
        default=0,
        help="simulate: also time N pairs of fresh processes, alternating",
    )
    parser.add_argument("--only", choices=("jax", "eqstate"), help=argparse.SUPPRESS)
    parser.add_argument("--depth", type=int, default=200, help="MLP depth (compile)")
    parser.add_argument(
        "--repeats", type=int, default=11, help="interleaved rounds (compile)"
    )
    parser.add_argument(
        "--donation",
        action="store_true",
        help="compile: also pure JAX donating and eqstate with donate=False",
    )
    parser.add_argument("--calls", type=int, default=10_000)
    parser.add_argument("--top", type=int, default=20)
    args = parser.parse_args(argv)
    if args.workload == "simulate":
        _simulate(args.n, args.fresh, args.only)
        return 0
    if args.workload == "compile":
        _compile(args.depth, args.repeats, args.donation)
        return 0

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
