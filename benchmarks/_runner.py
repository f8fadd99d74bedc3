"""Schedule the child processes: one fresh process per (workload, library, pass).

Pass `p` runs every selected workload; inside a workload the libraries run in
the given order on even passes and in reverse order on odd passes, so no
library always runs first (or last) after a particular neighbour. A library
that is not importable, or an implementation that reports itself unavailable,
is not run again in later passes.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import time
from typing import Any

from ._core import LIBS, MODES, Workload

__all__ = ["run_suite"]


def _missing_modules(python: str, libs: list[str]) -> dict[str, str]:
    """`{lib: first module it needs that `python` cannot find}` for missing libs."""
    modules = sorted({m for lib in libs for m in LIBS[lib].requires})
    if python == sys.executable:
        absent = {m for m in modules if importlib.util.find_spec(m) is None}
    else:  # ask the children's interpreter, not this one
        probe = (
            "import importlib.util, sys\n"
            "print(' '.join(m for m in sys.argv[1:] "
            "if importlib.util.find_spec(m) is None))"
        )
        out = subprocess.run(
            [python, "-c", probe, *modules], capture_output=True, text=True, check=True
        )
        absent = set(out.stdout.split())
    missing: dict[str, str] = {}
    for lib in libs:
        gone = [m for m in LIBS[lib].requires if m in absent]
        if gone:
            missing[lib] = gone[0]
    return missing


def _log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def _child_env() -> dict[str, str]:
    """The environment of a measured process: this one's, with bytecode caching on.

    An installed library imports from cached bytecode; with
    `PYTHONDONTWRITEBYTECODE` set (some sandboxes set it), the library run from
    the checkout would be recompiled on every import while the peers, installed
    by pip with their bytecode, would not.
    """
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def _run_child(
    python: str, workload: Workload, lib: str, mode: str, cwd: str
) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "result.json")
        cmd = [python, "-m", "benchmarks._child", workload.name, lib, mode, path]
        t0 = time.perf_counter()
        try:
            proc = subprocess.run(
                cmd,
                cwd=cwd,
                env=_child_env(),
                capture_output=True,
                text=True,
                timeout=workload.timeout_s,
            )
        except subprocess.TimeoutExpired:
            return {
                "workload": workload.name,
                "lib": lib,
                "status": "error",
                "reason": f"timed out after {workload.timeout_s:.0f} s",
            }
        elapsed = time.perf_counter() - t0
        if not os.path.exists(path):
            tail = (proc.stderr or proc.stdout)[-2000:]
            return {
                "workload": workload.name,
                "lib": lib,
                "status": "error",
                "reason": f"child exited with {proc.returncode} and no result",
                "traceback": tail,
                "process_s": elapsed,
            }
        with open(path) as f:
            result = json.load(f)
        result["process_s"] = elapsed
        return result


def run_suite(
    workloads: list[Workload],
    libs: list[str],
    mode: str,
    python: str | None = None,
) -> dict[str, Any]:
    """Run everything; return the raw record (every child's result)."""
    python = python or sys.executable
    cwd = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    m = MODES[mode]
    runs: list[dict[str, Any]] = []
    skip: dict[tuple[str, str], dict[str, Any]] = {}
    for lib, missing in _missing_modules(python, libs).items():
        for w in workloads:
            skip[(w.name, lib)] = {
                "workload": w.name,
                "lib": lib,
                "status": "unavailable",
                "reason": f"`{missing}` is not installed (pip install 'eqstate[bench]')",
                "pass": 0,
            }
    load = os.getloadavg()[0]
    if load > 0.5 * (os.cpu_count() or 1):
        _log(
            f"warning: load average {load:.1f} on {os.cpu_count()} CPUs; other work "
            "on this machine will inflate and scatter the timings"
        )
    selected = [w for w in workloads if mode == "full" or w.quick]
    total = sum(len(libs) for _ in selected) * m.passes
    done = 0
    t_start = time.perf_counter()
    for p in range(m.passes):
        order = libs if p % 2 == 0 else list(reversed(libs))
        for w in selected:
            for position, lib in enumerate(order):
                done += 1
                if (w.name, lib) in skip:
                    continue
                result = _run_child(python, w, lib, mode, cwd)
                result.update({"pass": p, "position": position})
                runs.append(result)
                status = result["status"]
                note = "" if status == "ok" else f" ({result.get('reason', '')})"
                _log(
                    f"[{done:3d}/{total}] pass {p} {w.name:<10} {lib:<10} "
                    f"{status}{note} {result.get('process_s', 0.0):.1f}s"
                )
                if status != "ok":
                    skip[(w.name, lib)] = result
    for (_, _), record in skip.items():
        if record not in runs:
            runs.append(record)
    return {
        "mode": mode,
        "passes": m.passes,
        "libs": libs,
        "workloads": [w.name for w in selected],
        "python": python,
        "started": time.strftime("%Y-%m-%d %H:%M:%S"),
        "suite_s": time.perf_counter() - t_start,
        "loadavg_start": load,
        "loadavg_end": os.getloadavg()[0],
        "machine": machine_info(),
        "runs": runs,
    }


def machine_info() -> dict[str, Any]:
    import platform

    info: dict[str, Any] = {
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
    }
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    info["cpu"] = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return info
