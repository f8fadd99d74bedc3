"""Run one (workload, library) in this fresh process and write its result.

Usage (the runner does this; run it by hand to debug one implementation):

    python -m benchmarks._child WORKLOAD LIB MODE RESULT.json
"""

from __future__ import annotations

import json
import os
import platform
import sys
import time
import traceback

from ._core import MODES, Unavailable


def _versions() -> dict[str, str]:
    found = {"python": platform.python_version()}
    for name in (
        "jax",
        "jaxlib",
        "equinox",
        "optax",
        "flax",
        "brainstate",
        "braintools",
        "eqstate",
    ):
        module = sys.modules.get(name)
        if module is not None:
            found[name] = str(getattr(module, "__version__", "?"))
    return found


def main(argv: list[str]) -> int:
    workload_name, lib, mode_name, result_path = argv
    from .workloads import WORKLOADS

    workload = WORKLOADS[workload_name]
    mode = MODES[mode_name]
    result: dict[str, object] = {
        "workload": workload_name,
        "lib": lib,
        "pid": os.getpid(),
    }
    result["loadavg_start"] = os.getloadavg()[0]
    t0 = time.perf_counter()
    try:
        impl = workload.impls.get(lib)
        if impl is None:
            raise Unavailable(f"no {lib} implementation of {workload_name} yet")
        measured = impl(mode)
    except Unavailable as e:
        result.update(status="unavailable", reason=str(e))
    except Exception as e:  # report, don't crash the suite
        result.update(
            status="error",
            reason=f"{type(e).__name__}: {e}".splitlines()[0][:300],
            traceback=traceback.format_exc()[-4000:],
        )
    else:
        result.update(
            status="ok",
            samples=measured.samples,
            checks=measured.checks,
            info=measured.info,
        )
    result["wall_s"] = time.perf_counter() - t0
    result["loadavg_end"] = os.getloadavg()[0]
    result["versions"] = _versions()
    with open(result_path, "w") as f:
        json.dump(result, f)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
