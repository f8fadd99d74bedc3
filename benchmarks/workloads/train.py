"""train step: a 1-32-1 MLP with a call counter (ReLU, batch 32, MSE), SGD and Adam.

µs per jitted train step (gradient + optimizer update + the Count state), on
one fixed batch already on the device. See `_mlp.py` for each library's code.
The equivalence checks are the full-data loss and the call count after
`CHECK_STEPS` steps from the shared initial weights.
"""

from __future__ import annotations

import functools

from .._core import Measured, Metric, Mode, Workload, time_per_call
from . import _data, _mlp

CHECK_STEPS = 50


def _impl(lib: str, mode: Mode) -> Measured:
    X, Y, xb, yb = _data.regression_data()
    samples: dict[str, list[float]] = {}
    checks: dict[str, float] = {}
    for opt in ("sgd", "adam"):
        trainer = _mlp.build(lib, _data.mlp_weights(2), opt, xb, yb)
        step = trainer.make_step()
        for _ in range(CHECK_STEPS):
            step()
        trainer.block()
        checks[f"{opt}_loss"] = _mlp.np_loss(trainer.weights(), X, Y)
        checks[f"{opt}_count"] = float(trainer.count())
        samples[opt] = time_per_call(step, lambda _: trainer.block(), mode)
    return Measured(samples, checks)


WORKLOAD = Workload(
    name="train",
    title="Train step: a 1-32-1 MLP with a call counter",
    description=(
        "µs per jitted train step of a 1-32-1 MLP with a call counter (ReLU, "
        "batch 32, MSE; the counter a `Count` State) with SGD(lr=1e-3) and with Adam(lr=1e-2)."
    ),
    metrics=(
        Metric("sgd", "MLP train step, SGD", "us", target=1.05, headline=True),
        Metric("adam", "MLP train step, Adam", "us", target=1.05, headline=True),
    ),
    impls={
        lib: functools.partial(_impl, lib)
        for lib in ("jax", "eqstate", "equinox", "nnx", "brainstate")
    },
    rtol=1e-4,
)
