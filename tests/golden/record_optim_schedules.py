"""Record braintools 0.3.0's learning rates for every scheduler (and NAdam steps).

Run with the `bench` extra installed: `python tests/golden/record_optim_schedules.py`.
Writes `optim_schedules.json`: for each case, the constructor name, its
keyword arguments, and the rate `get_last_lr()[0]` at steps 0..N (the rate
before the first `step()`, then after each). Composite schedules list their
children as `{"cls": ..., "kwargs": ...}` dicts; `ReduceLROnPlateau` cases
carry the metric sequence fed to `step(metric)`. The NAdam entry holds the
weights after each of 6 updates with fixed gradients.
`tests/test_optim_schedules.py` rebuilds each case with eqstate.optim.
"""

import json
from pathlib import Path

import brainstate
import braintools.optim as bo
import jax.numpy as jnp
import numpy as np

HERE = Path(__file__).parent
STEPS = 25

CASES = {
    "StepLR": ("StepLR", {"base_lr": 0.1, "step_size": 3, "gamma": 0.5}),
    "MultiStepLR": (
        "MultiStepLR",
        {"base_lr": 0.1, "milestones": [2, 5, 9], "gamma": 0.3},
    ),
    "ExponentialLR": ("ExponentialLR", {"base_lr": 0.1, "gamma": 0.9}),
    "ExponentialDecayLR": (
        "ExponentialDecayLR",
        {"base_lr": 0.01, "decay_steps": 4, "decay_rate": 0.5, "transition_begin": 2},
    ),
    "ExponentialDecayLR-staircase-end": (
        "ExponentialDecayLR",
        {
            "base_lr": 0.01,
            "decay_steps": 3,
            "decay_rate": 0.5,
            "staircase": True,
            "end_value": 0.002,
        },
    ),
    "CosineAnnealingLR": (
        "CosineAnnealingLR",
        {"base_lr": 0.1, "T_max": 8, "eta_min": 0.01},
    ),
    "PolynomialLR": ("PolynomialLR", {"base_lr": 0.1, "total_iters": 10, "power": 2.0}),
    "WarmupScheduler": (
        "WarmupScheduler",
        {"base_lr": 0.1, "warmup_epochs": 5, "warmup_start_lr": 0.01},
    ),
    "CyclicLR": (
        "CyclicLR",
        {"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 3, "step_size_down": 5},
    ),
    "CyclicLR-triangular2": (
        "CyclicLR",
        {"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 2, "mode": "triangular2"},
    ),
    "CyclicLR-exp_range": (
        "CyclicLR",
        {
            "base_lr": 0.01,
            "max_lr": 0.1,
            "step_size_up": 2,
            "mode": "exp_range",
            "gamma": 0.9,
        },
    ),
    "OneCycleLR": ("OneCycleLR", {"max_lr": 0.1, "total_steps": 20, "pct_start": 0.4}),
    "OneCycleLR-linear": (
        "OneCycleLR",
        {"max_lr": 0.1, "epochs": 4, "steps_per_epoch": 5, "anneal_strategy": "linear"},
    ),
    "LinearLR": (
        "LinearLR",
        {"base_lr": 0.1, "start_factor": 0.25, "end_factor": 1.0, "total_iters": 6},
    ),
    "ConstantLR": ("ConstantLR", {"base_lr": 0.3, "factor": 0.5, "total_iters": 4}),
    "CosineAnnealingWarmRestarts": (
        "CosineAnnealingWarmRestarts",
        {"base_lr": 0.1, "T_0": 4, "eta_min": 0.001},
    ),
    "CosineAnnealingWarmRestarts-Tmult": (
        "CosineAnnealingWarmRestarts",
        {"base_lr": 0.1, "T_0": 2, "T_mult": 2},
    ),
    "WarmupCosineSchedule": (
        "WarmupCosineSchedule",
        {
            "base_lr": 0.1,
            "warmup_steps": 3,
            "total_steps": 15,
            "warmup_start_lr": 0.01,
            "eta_min": 0.001,
        },
    ),
    "PiecewiseConstantSchedule": (
        "PiecewiseConstantSchedule",
        {"base_lr": 0.1, "boundaries": [3, 7], "values": [0.1, 0.05, 0.01]},
    ),
    "ChainedScheduler": (
        "ChainedScheduler",
        {
            "schedulers": [
                {
                    "cls": "ConstantLR",
                    "kwargs": {"base_lr": 0.1, "factor": 0.5, "total_iters": 3},
                },
                {"cls": "ExponentialLR", "kwargs": {"base_lr": 0.1, "gamma": 0.9}},
            ]
        },
    ),
    "SequentialLR": (
        "SequentialLR",
        {
            "schedulers": [
                {
                    "cls": "LinearLR",
                    "kwargs": {"base_lr": 0.1, "start_factor": 0.1, "total_iters": 4},
                },
                {"cls": "CosineAnnealingLR", "kwargs": {"base_lr": 0.1, "T_max": 10}},
            ],
            "milestones": [5],
        },
    ),
    "ReduceLROnPlateau": (
        "ReduceLROnPlateau",
        {"base_lr": 0.1, "factor": 0.5, "patience": 2, "cooldown": 1},
    ),
    "ReduceLROnPlateau-max-abs": (
        "ReduceLROnPlateau",
        {
            "base_lr": 1.0,
            "mode": "max",
            "factor": 0.5,
            "patience": 1,
            "threshold": 0.05,
            "threshold_mode": "abs",
            "min_lr": 0.2,
        },
    ),
}
METRICS = [
    1.0,
    0.9,
    0.95,
    0.91,
    0.92,
    0.93,
    0.5,
    0.6,
    0.7,
    0.8,
    0.9,
    1.0,
    1.1,
    0.4,
    0.41,
    0.42,
    0.43,
    0.44,
    0.3,
    0.31,
    0.32,
    0.33,
    0.34,
    0.35,
    0.36,
]


def build(cls, kwargs):
    kwargs = dict(kwargs)
    if "schedulers" in kwargs:
        kwargs["schedulers"] = [
            build(c["cls"], c["kwargs"]) for c in kwargs["schedulers"]
        ]
    return getattr(bo, cls)(**kwargs)


out = {}
for name, (cls, kwargs) in CASES.items():
    schedule = build(cls, kwargs)
    rates = [float(schedule.get_last_lr()[0])]
    for i in range(STEPS):
        if cls == "ReduceLROnPlateau":
            schedule.step(METRICS[i])
        else:
            schedule.step()
        rates.append(float(np.asarray(schedule.get_last_lr()[0])))
    out[name] = {"cls": cls, "kwargs": kwargs, "rates": rates}
    if cls == "ReduceLROnPlateau":
        out[name]["metrics"] = METRICS

# NAdam with PyTorch's momentum schedule: 6 updates with fixed gradients
w = brainstate.ParamState(jnp.array([1.0, -2.0, 0.5]))
opt = bo.Nadam(lr=0.05, weight_decay=0.01)
opt.register_trainable_weights({"w": w})
grads = [np.array([0.3, -1.0, 2.0]), np.array([-0.5, 0.2, 0.1])]
trajectory = []
for i in range(6):
    opt.update({"w": jnp.asarray(grads[i % 2], jnp.float32)})
    trajectory.append(np.asarray(w.value).tolist())
out["_nadam"] = {"grads": [g.tolist() for g in grads], "weights": trajectory}

(HERE / "optim_schedules.json").write_text(json.dumps(out, indent=1) + "\n")
print("wrote", len(out), "cases")
