"""The workload registry.

To add a workload: write `workloads/<name>.py` defining `WORKLOAD =
Workload(...)` (see `_core.Workload`) with one implementation per library,
and list it below. `python -m benchmarks --only <name>` then runs it, and the
report, the equivalence table and the docs page pick it up.
"""

from __future__ import annotations

from .._core import Workload
from . import cnn, compile, dispatch, import_time, lstm, memory, simulate, train

WORKLOADS: dict[str, Workload] = {
    w.name: w
    for w in (
        dispatch.WORKLOAD,
        train.WORKLOAD,
        cnn.WORKLOAD,
        compile.WORKLOAD,
        simulate.WORKLOAD,
        import_time.WORKLOAD,
        memory.WORKLOAD,
        lstm.WORKLOAD,
    )
}
