"""Rewrite `docs/benchmarks.md` from a run's `results.json`.

    python -m benchmarks.update_docs                   # from benchmarks/results/
    python -m benchmarks.update_docs DIR               # from DIR/results.json

(`python -m benchmarks --update-docs` does the same right after a run.) The
tables are re-rendered from the JSON, so the page always matches the raw data.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from typing import Any

from ._core import LIBS, MODES
from ._report import render_markdown
from .workloads import WORKLOADS

_HERE = os.path.dirname(os.path.abspath(__file__))
_ROOT = os.path.dirname(_HERE)
DOCS_PAGE = os.path.join(_ROOT, "docs", "benchmarks.md")
CHART_NAME = "benchmarks-ratios.png"

INTRO = """\
# Benchmarks

eqstate beside pure JAX (+ optax, the floor), equinox (with `eqx.nn.State`),
flax.nnx and brainstate (+ braintools), each written the way its own docs
would write it, on identical inputs and initial weights. Every number is a
ratio to pure JAX; lower is better. The targets are those of the design
contract (§4 "Performance targets").
"""

METHOD = """\
## Method

- **One fresh process per (workload, library, pass).** Nothing one library
  imports, compiles or caches can help or hurt another. A library that is not
  installed, or an eqstate feature that does not exist yet, gets a
  'not available' row instead of a number.
- **Passes alternate the library order** (forward, then reverse, ...), so no
  library always runs right after the same neighbour.
- **Timing.** Every timed function is compiled and run first (warm-up). A
  repeat then calls it many times in a row with `time.perf_counter` around
  the batch and `jax.block_until_ready` on the last outputs and state at its
  end; the number of calls per repeat is calibrated to last about
  {repeat_s} s. Each process does {repeats} repeats; the samples of all
  passes are pooled. The tables show the **median ± half the inter-quartile
  range**, the ratio of medians to pure JAX (the number the targets are
  checked against), and the ratio of the minima: noise only ever adds time,
  so on a busy machine the minima are the steadier estimate of the intrinsic
  cost.
- **Equivalence.** Before timing, each implementation runs a fixed number of
  steps from the shared initial state and reports its outputs (final loss,
  call counters, spike counts, ...); the equivalence table compares them with
  pure JAX's.
- **Workloads.**
{workloads}
"""

NOISE = (
    "On a small shared machine, one process can run 20-40% slower than the "
    "next for reasons that have nothing to do with the library (other work, "
    "memory placement); ratios within that band of a target are not a verdict. "
    "For a steadier comparison, `python -m benchmarks.profile` runs pure JAX "
    "and eqstate interleaved in one process: `--workload dispatch` / `train` "
    "time a call (best of 7) and profile eqstate's; `--workload simulate --n "
    "1000 --fresh 10` times the loop in one process and over 10 alternating "
    "pairs of fresh processes, and checks that the two compiled loop bodies are "
    "the same XLA program; `--workload compile --depth 200` splits the first "
    "call into Python side, tracing, lowering and backend compile."
)

RERUN = """\
## Re-running

```bash
pip install -e ".[bench]"           # brainstate, braintools, flax (optional peers)
python -m benchmarks                # the full suite, < 15 min on 2 cores
python -m benchmarks --quick        # < 3 min
python -m benchmarks --only dispatch --libs jax,eqstate
python -m benchmarks --update-docs  # run, then rewrite this page
python -m benchmarks.donation       # dispatch and train, donating or not, vs JAX both ways
python -m benchmarks.sharded        # a data-parallel train step on 8 devices vs jax.sharding
```

Results go to `benchmarks/results/` (`--out DIR` to change): `results.json`
(every process's raw samples, plus the aggregates), `results.md` (the tables
below) and `ratios.png` (the chart). `python -m benchmarks.update_docs DIR`
rewrites this page (tables and chart) from a saved run.

The pure-JAX baselines here do not donate; eqstate donates the buffers of
the States it writes. [Donation, both ways](benchmarks-donation.md) compares
dispatch and train with each donating and not (`python -m benchmarks.donation
--markdown docs/benchmarks-donation.md` rewrites that page).
"""


def _workload_lines() -> str:
    return "\n".join(f"  - **{w.name}**: {w.description}" for w in WORKLOADS.values())


def render_page(data: dict[str, Any], chart: str | None = None) -> str:
    raw, agg = data["raw"], data["aggregate"]
    mode = MODES[raw["mode"]]
    machine = raw.get("machine", {})
    versions: dict[str, str] = {}
    for r in raw["runs"]:
        for k, v in (r.get("versions") or {}).items():
            versions.setdefault(k, v)
    parts = [
        INTRO,
        METHOD.format(
            repeat_s=mode.repeat_s, repeats=mode.repeats, workloads=_workload_lines()
        ),
        RERUN,
    ]
    parts.append("## Results\n")
    cpu = machine.get("cpu", machine.get("processor", "?"))
    parts.append(
        f"Measured {raw['started']} in `{raw['mode']}` mode ({raw['passes']} passes), "
        f"{raw['suite_s'] / 60:.1f} min, on {cpu} ({machine.get('cpus', '?')} CPUs), "
        f"Python {machine.get('python', '?')}; "
        + ", ".join(f"{k} {v}" for k, v in sorted(versions.items()) if k != "python")
        + ". Libraries run: "
        + ", ".join(LIBS[lib].label for lib in raw["libs"])
        + ".\n"
    )
    if "loadavg_start" in raw:
        parts.append(
            f"Load average (1 min) when the run started and ended: "
            f"{raw['loadavg_start']:.1f} and {raw['loadavg_end']:.1f}. {NOISE}\n"
        )
    if chart:
        parts.append(f"![Ratios to pure JAX]({chart})\n")
    parts.append(render_markdown(raw, agg, WORKLOADS))
    return "\n".join(parts).rstrip() + "\n"


def update_docs(out_dir: str, docs_path: str = DOCS_PAGE) -> str:
    with open(os.path.join(out_dir, "results.json")) as f:
        data = json.load(f)
    os.makedirs(os.path.dirname(docs_path), exist_ok=True)
    chart_ref = None
    src = os.path.join(out_dir, "ratios.png")
    if os.path.exists(src):
        shutil.copyfile(src, os.path.join(os.path.dirname(docs_path), CHART_NAME))
        chart_ref = CHART_NAME
    with open(docs_path, "w") as f:
        f.write(render_page(data, chart_ref))
    return docs_path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.update_docs")
    parser.add_argument("out_dir", nargs="?", default=os.path.join(_HERE, "results"))
    parser.add_argument("--docs", default=DOCS_PAGE, help="the page to write")
    args = parser.parse_args(argv)
    print(update_docs(args.out_dir, args.docs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
