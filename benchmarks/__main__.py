"""`python -m benchmarks`: run the suite, write JSON + Markdown + PNG.

python -m benchmarks                     # full suite (< 15 min on 2 cores)
python -m benchmarks --quick             # < 3 min
python -m benchmarks --only dispatch     # one workload (repeatable, or a,b)
python -m benchmarks --libs jax,eqstate  # a subset of libraries
python -m benchmarks --out DIR           # where results go (default benchmarks/results)
python -m benchmarks --update-docs       # also rewrite docs/benchmarks.md
"""

from __future__ import annotations

import argparse
import json
import os
import sys

from ._core import LIBS
from ._report import aggregate, render_chart, render_markdown
from ._runner import run_suite
from .workloads import WORKLOADS

_HERE = os.path.dirname(os.path.abspath(__file__))


def _split(values: list[str] | None) -> list[str]:
    out: list[str] = []
    for v in values or []:
        out.extend(x.strip() for x in v.split(",") if x.strip())
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="eqstate beside pure JAX, equinox, flax.nnx and brainstate.",
    )
    parser.add_argument(
        "--quick", action="store_true", help="fewer passes and repeats (< 3 min)"
    )
    parser.add_argument(
        "--only",
        action="append",
        metavar="WORKLOAD",
        help=f"run only these workloads ({', '.join(WORKLOADS)})",
    )
    parser.add_argument(
        "--libs",
        action="append",
        metavar="LIB",
        help=f"libraries to run, comma-separated ({', '.join(LIBS)}); pure JAX is always included",
    )
    parser.add_argument(
        "--out", default=os.path.join(_HERE, "results"), help="output directory"
    )
    parser.add_argument(
        "--python", default=None, help="interpreter for the child processes"
    )
    parser.add_argument(
        "--update-docs",
        action="store_true",
        help="rewrite docs/benchmarks.md from this run (see benchmarks/update_docs.py)",
    )
    args = parser.parse_args(argv)

    only = _split(args.only) or list(WORKLOADS)
    unknown = [w for w in only if w not in WORKLOADS]
    if unknown:
        parser.error(f"unknown workload(s) {unknown}; choose from {list(WORKLOADS)}")
    libs = _split(args.libs) or list(LIBS)
    bad = [lib for lib in libs if lib not in LIBS]
    if bad:
        parser.error(f"unknown librar(y/ies) {bad}; choose from {list(LIBS)}")
    if "jax" not in libs:
        libs.insert(0, "jax")  # the floor every ratio is taken against

    mode = "quick" if args.quick else "full"
    raw = run_suite([WORKLOADS[w] for w in only], libs, mode, python=args.python)
    agg = aggregate(raw, WORKLOADS)
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "results.json"), "w") as f:
        json.dump({"raw": raw, "aggregate": agg}, f, indent=1)
    table = render_markdown(raw, agg, WORKLOADS)
    with open(os.path.join(args.out, "results.md"), "w") as f:
        f.write(table)
    chart = os.path.join(args.out, "ratios.png")
    if not render_chart(agg, WORKLOADS, libs, chart):
        chart = None
    print(table)
    print(
        f"suite took {raw['suite_s']:.0f} s ({mode}); wrote {args.out}/results.json, "
        f"results.md{', ratios.png' if chart else ' (no chart: matplotlib missing or nothing to plot)'}",
        file=sys.stderr,
    )
    if args.update_docs:
        from .update_docs import update_docs

        path = update_docs(args.out)
        print(f"updated {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
