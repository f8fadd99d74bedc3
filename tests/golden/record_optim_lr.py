"""Record braintools 0.3.0's learning-rate handling in optimizers into optim_lr.json.

Run with the `bench` extra installed: `python tests/golden/record_optim_lr.py`.
Each case (see `optim_lr_calls.py` for the calls) is played with
`braintools.optim` eagerly and again with every train step (a list of calls)
under `brainstate.transform.jit`; both must see the same, and `rows` holds it.
`tests/test_optim_parity.py` plays each case with `eqstate.optim`.

What the cases pin down: `lr_apply(f)` sets the rate to `f` of the schedule's
own rate at its position (not of the rate in force, so calls do not compound;
`ReduceLROnPlateau`, whose rate is its state, is the exception), until the
schedule's next `step()`; before a schedule's first `step()` / `apply` the
optimizer's `current_lr` reports `base_lr` while updates use the schedule's
rate; building the optimizer drops a rate applied to the schedule before.
"""

import json
import sys
from pathlib import Path

import brainstate
import braintools.optim as bo
import numpy as np

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))

from optim_lr_calls import play  # noqa: E402

# apply twice (no compounding), update, step, apply twice more, step, ...
MIXED = ["report", "apply*0.5", "report", "update", "apply*0.5", "report"]
MIXED += ["update", "step", "report", "update", "apply*0.5", "apply+0.1", "report"]
MIXED += ["update", "step", "report", "update", "step", "report", "update"]
# before and after the first step, with an apply in between
FIRST = ["report", "update", "report", "apply*0.5", "report", "update", "step"]
FIRST += ["report", "update", "report"]
# lr_apply inside the jitted train step, several times, then a step
IN_STEP = [
    ["apply*0.5", "update"],
    "report",
    ["apply*0.5", "update"],
    ["apply*0.5", "update"],
    "report",
    "step",
    "report",
    ["apply*0.5", "update"],
    "report",
]


def sched(cls, **kwargs):
    return {"cls": cls, "kwargs": kwargs}


STEP_LR = sched("StepLR", base_lr=1.0, step_size=2, gamma=0.5)
CASES = {
    "constant-mixed": {"lr": 1.0, "calls": MIXED},
    "StepLR-mixed": {"lr": STEP_LR, "calls": MIXED},
    "LinearLR-mixed": {
        "lr": sched("LinearLR", base_lr=1.0, start_factor=0.25, total_iters=4),
        "calls": MIXED,
    },
    "Adam-constant": {
        "lr": 0.1,
        "opt": "Adam",
        "calls": ["report", "update", "apply*0.5", "update", "apply*0.5", "update"]
        + ["report", "step", "report", "update"],
    },
    "constant-in-step": {"lr": 1.0, "calls": IN_STEP},
    "StepLR-in-step": {"lr": STEP_LR, "calls": IN_STEP},
    "StepLR-set-then-apply": {
        "lr": STEP_LR,
        "calls": ["report", "set=0.3", "report", "update", "apply*0.5", "report"]
        + ["update", "step", "report", "update"],
    },
    "constant-set-then-apply": {
        "lr": 1.0,
        "calls": ["set=0.3", "report", "apply*0.5", "report", "update", "step"]
        + ["report", "update", ["set=0.2", "update"], "report"],
    },
    "ReduceLROnPlateau-apply": {
        "lr": sched("ReduceLROnPlateau", base_lr=1.0, factor=0.5, patience=0),
        "calls": ["report", "apply*0.5", "report", "update", "step:1.0", "report"]
        + ["update", "step:2.0", "report", "update", "apply*0.5", "report"]
        + ["update", "step:3.0", "report", "update", "set=0.8", "step:4.0"]
        + ["report"],
    },
    "ChainedScheduler-mixed": {
        "lr": sched(
            "ChainedScheduler",
            schedulers=[
                sched("ConstantLR", base_lr=1.0, factor=0.5, total_iters=2),
                sched("ExponentialLR", base_lr=1.0, gamma=0.5),
            ],
        ),
        "calls": MIXED,
    },
    "SequentialLR-mixed": {
        "lr": sched(
            "SequentialLR",
            schedulers=[
                sched("LinearLR", base_lr=1.0, start_factor=0.5, total_iters=2),
                sched("ExponentialLR", base_lr=1.0, gamma=0.5),
            ],
            milestones=[2],
        ),
        "calls": MIXED,
    },
    "StepLR-stepped-before-the-optimizer": {
        "lr": sched("StepLR", base_lr=0.1, step_size=1, gamma=0.5),
        "before": ["step"],
        "calls": ["report", "update", "step", "report", "update"],
    },
    "StepLR-applied-before-the-optimizer": {
        "lr": sched("StepLR", base_lr=0.1, step_size=1, gamma=0.5),
        "before": ["apply*3"],
        "calls": ["report", "update", "step", "report", "update"],
    },
}
FIRST_STEP = {
    "LinearLR": sched("LinearLR", base_lr=0.1, start_factor=0.25, total_iters=4),
    "ConstantLR": sched("ConstantLR", base_lr=0.3, factor=0.5, total_iters=4),
    "WarmupScheduler": sched(
        "WarmupScheduler", base_lr=0.1, warmup_epochs=5, warmup_start_lr=0.01
    ),
    "WarmupCosineSchedule": sched(
        "WarmupCosineSchedule",
        base_lr=0.1,
        warmup_steps=3,
        total_steps=15,
        warmup_start_lr=0.01,
        eta_min=0.001,
    ),
    "OneCycleLR": sched("OneCycleLR", max_lr=0.1, total_steps=20, pct_start=0.4),
    "CyclicLR": sched("CyclicLR", base_lr=0.01, max_lr=0.1, step_size_up=3),
    "PiecewiseConstantSchedule": sched(
        "PiecewiseConstantSchedule",
        base_lr=0.1,
        boundaries=[3, 7],
        values=[0.5, 0.05, 0.01],
    ),
    "ExponentialDecayLR": sched(
        "ExponentialDecayLR",
        base_lr=0.01,
        decay_steps=4,
        decay_rate=0.5,
        transition_begin=2,
    ),
    "CosineAnnealingWarmRestarts": sched(
        "CosineAnnealingWarmRestarts", base_lr=0.1, T_0=4, eta_min=0.001
    ),
}
for name, spec in FIRST_STEP.items():
    CASES[f"{name}-first-step"] = {"lr": spec, "calls": FIRST}


out = {}
for name, case in CASES.items():
    rows = play(bo, brainstate.ParamState, case)
    jitted = play(bo, brainstate.ParamState, case, wrap=brainstate.transform.jit)
    assert [r[0] for r in jitted] == [r[0] for r in rows], name
    for got, expected in zip(jitted, rows):
        np.testing.assert_allclose(got[1:], expected[1:], rtol=1e-6, err_msg=name)
    out[name] = {**case, "rows": rows}

(HERE / "optim_lr.json").write_text(json.dumps(out, indent=1) + "\n")
print("wrote", len(out), "cases")
