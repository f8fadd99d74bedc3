"""memory: peak resident memory (RSS) of the 100,000-neuron simulation.

One process per sample: import the library, build the 100,000-neuron LIF
population of the `simulate` workload, compile and run its loop once, then read
the process's peak RSS (`getrusage(RUSAGE_SELF).ru_maxrss`). Also reported:
the RSS just before the model was built (imports done) and the growth from
there to the peak, which is what the simulation itself costs.
"""

from __future__ import annotations

import functools
import resource

import numpy as np

from .._core import Measured, Metric, Mode, Workload
from ._libs import need
from .simulate import BUILDERS


def _rss_now_mb() -> float:
    try:
        with open("/proc/self/statm") as f:
            pages = int(f.read().split()[1])
        return pages * resource.getpagesize() / 2**20
    except OSError:
        return float("nan")


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _impl(lib: str, mode: Mode) -> Measured:
    jax = need("jax")
    make_run, _ = BUILDERS[lib](mode, mode.memory_steps)
    jax.numpy.zeros(()).block_until_ready()  # backend initialised, like every library
    before = _rss_now_mb()
    run = make_run(mode.memory_neurons)
    counts, V = jax.block_until_ready(run())
    peak = _peak_mb()
    return Measured(
        {"peak": [peak], "growth": [peak - before], "before": [before]},
        checks={
            "spikes": float(np.sum(np.asarray(counts))),
            "vmean": float(np.mean(np.asarray(V))),
        },
    )


WORKLOAD = Workload(
    name="memory",
    title="Peak memory: the 100,000-neuron simulation",
    description="Peak RSS (MB) of a process that imports the library and runs the 100,000-neuron LIF loop once.",
    metrics=(
        Metric(
            "peak", "peak RSS, 100k-neuron simulation", "MB", target=1.03, headline=True
        ),
        Metric("growth", "of which after imports (model + compile + run)", "MB"),
        Metric("before", "RSS after imports", "MB"),
    ),
    impls={lib: functools.partial(_impl, lib) for lib in BUILDERS},
    rtol=1e-4,
)
