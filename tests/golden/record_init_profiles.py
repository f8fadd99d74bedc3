"""Record braintools 0.3.0's distance profiles and deterministic initializers.

Run with the reference environment (braintools 0.3.0 and brainunit installed):

    python tests/golden/record_init_profiles.py

Each case is a Python expression kept in `init_profiles.json`; the test
evaluates the same expression with `init = eqstate.init`, so the cases cannot
drift apart. Names available to an expression: `init`, `u` (brainunit), `np`,
`jnp`, and the distance grids `d` (plain), `d_um` (micrometres) and `d_mm`
(the same lengths in millimetres). `init_profiles.npz` holds, for each
profile case, `<id>.probability` and `<id>.weight_scaling` on its distances,
and for each initializer case `<id>.value` (the mantissa) with the unit's
name in the JSON.
"""

from __future__ import annotations

import json
from pathlib import Path

import braintools
import brainunit as u
import jax.numpy as jnp
import numpy as np

HERE = Path(__file__).resolve().parent

# (id, profile expression, distances expression)
PROFILES = [
    ("gaussian", "init.GaussianProfile(50.0)", "d"),
    ("gaussian-max", "init.GaussianProfile(50.0, max_distance=120.0)", "d"),
    ("gaussian-um", "init.GaussianProfile(50.0 * u.um, 120.0 * u.um)", "d_um"),
    ("gaussian-mm", "init.GaussianProfile(50.0 * u.um, 122.0 * u.um)", "d_mm"),
    ("exponential", "init.ExponentialProfile(40.0)", "d"),
    ("exponential-um", "init.ExponentialProfile(40.0 * u.um, 203.0 * u.um)", "d_mm"),
    ("powerlaw", "init.PowerLawProfile(1.5)", "d"),
    (
        "powerlaw-min",
        "init.PowerLawProfile(2.0, min_distance=10.0, max_distance=250.0)",
        "d",
    ),
    ("powerlaw-um", "init.PowerLawProfile(1.5)", "d_um"),
    ("powerlaw-mm", "init.PowerLawProfile(2.0, 10.0 * u.um, 252.0 * u.um)", "d_mm"),
    ("linear", "init.LinearProfile(200.0)", "d"),
    ("linear-um", "init.LinearProfile(0.2 * u.mm)", "d_um"),
    ("step", "init.StepProfile(100.0)", "d"),
    ("step-probs", "init.StepProfile(100.0 * u.um, 0.8, 0.05)", "d_um"),
    ("sigmoid", "init.SigmoidProfile(100.0)", "d"),
    ("sigmoid-max", "init.SigmoidProfile(100.0 * u.um, 0.1, 250.0 * u.um)", "d_um"),
    ("dog", "init.DoGProfile(30.0, 90.0)", "d"),
    (
        "dog-um",
        "init.DoGProfile(30.0 * u.um, 90.0 * u.um, 1.5, 0.7, 283.0 * u.um)",
        "d_mm",
    ),
    ("logistic", "init.LogisticProfile(0.08, 120.0)", "d"),
    ("logistic-um", "init.LogisticProfile(0.08, 120.0 * u.um, 200.0 * u.um)", "d_um"),
    ("bimodal", "init.BimodalProfile(20.0, 30.0, 0.0, 150.0)", "d"),
    (
        "bimodal-um",
        "init.BimodalProfile(20.0 * u.um, 30.0 * u.um, 0.0 * u.um, 150.0 * u.um, 1.0, 0.5, 250.0 * u.um)",
        "d_um",
    ),
    ("mexicanhat", "init.MexicanHatProfile(60.0)", "d"),
    ("mexicanhat-um", "init.MexicanHatProfile(60.0 * u.um, 2.0, 50.0 * u.um)", "d_um"),
    ("composed-add", "init.GaussianProfile(50.0) + init.ExponentialProfile(40.0)", "d"),
    ("composed-scalar", "0.5 * init.GaussianProfile(50.0) - 0.1", "d"),
    ("composed-rsub", "1.0 - init.LinearProfile(200.0)", "d"),
    ("composed-div", "init.GaussianProfile(50.0) / 2.0", "d"),
    (
        "composed-mul",
        "init.GaussianProfile(50.0 * u.um) * init.StepProfile(100.0 * u.um)",
        "d_um",
    ),
    ("clip", "init.GaussianProfile(50.0).clip(0.1, 0.9)", "d"),
    ("clip-class", "init.ClipProfile(init.DoGProfile(30.0, 90.0), None, 0.3)", "d"),
    ("apply", "init.GaussianProfile(50.0).apply(lambda v: v ** 2)", "d"),
    (
        "apply-class",
        "init.ApplyProfile(init.LinearProfile(200.0), lambda v: 1 - v)",
        "d",
    ),
    ("pipe", "init.LinearProfile(200.0) | (lambda v: v * 3.0)", "d"),
    (
        "pipe-class",
        "init.PipeProfile(init.ExponentialProfile(40.0), lambda v: v + 1)",
        "d",
    ),
]

POSITIONS = "pre_positions=np.array([[0.0, 0.0], [30.0, 40.0]]), post_positions=np.array([[0.0, 0.0], [60.0, 80.0], [0.0, 100.0]])"

# (id, initializer expression, call expression with the initializer as `f`)
INITS = [
    ("constant", "init.Constant(0.5)", "f((3, 4))"),
    ("constant-array", "init.Constant(np.array([1.0, 2.0, 3.0]))", "f((2, 3))"),
    ("constant-mV", "init.Constant(-65.0 * u.mV)", "f((2, 2))"),
    ("zero", "init.ZeroInit()", "f((2, 3))"),
    ("identity-1d", "init.Identity(2.0)", "f(4)"),
    ("identity-square", "init.Identity()", "f((3, 3))"),
    ("identity-wide", "init.Identity(0.5)", "f((3, 5))"),
    ("identity-tall", "init.Identity()", "f((4, 2))"),
    ("identity-3d", "init.Identity(3.0)", "f((2, 3, 3))"),
    ("ops", "init.Constant(2.0) * 3.0 + 1.0", "f((2,))"),
    ("ops-reverse", "10.0 - init.Constant(2.0) / 4.0", "f((2,))"),
    ("ops-two", "init.Constant(2.0) * init.Constant(-1.5)", "f((3,))"),
    ("clip-method", "init.Constant(5.0).clip(max_val=3.0)", "f((2,))"),
    ("add-multiply", "init.Constant(1.0).add(2.0).multiply(4.0)", "f((2,))"),
    ("apply", "init.Constant(4.0).apply(jnp.sqrt)", "f((2,))"),
    ("pipe", "init.Constant(-4.0) | jnp.abs", "f((2,))"),
    (
        "compose",
        "init.Compose(init.Constant(3.0), lambda x: x * 2, lambda x: x - 1)",
        "f((2, 2))",
    ),
    ("scaled", "init.Scaled(init.Constant(3.0), 0.25)", "f((3,))"),
    ("clipped", "init.Clipped(init.Constant(3.0), 0.0, 1.0)", "f((3,))"),
    (
        "conditional",
        "init.Conditional(lambda i: i % 2 == 0, init.Constant(1.0), init.Constant(-1.0))",
        "f((2, 3))",
    ),
    (
        "distance-modulated",
        "init.DistanceModulated(init.Constant(2.0), init.GaussianProfile(50.0))",
        "f((2, 3), " + POSITIONS + ")",
    ),
    (
        "distance-modulated-d",
        "init.DistanceModulated(init.Constant(1.0), init.LinearProfile(200.0 * u.um))",
        "f((61,), distances=d_um)",
    ),
]


def names(module) -> dict:
    d = np.linspace(0.0, 300.0, 61)
    return {
        "init": module,
        "u": u,
        "np": np,
        "jnp": jnp,
        "d": d,
        "d_um": d * u.um,
        "d_mm": (d / 1000.0) * u.mm,
    }


def main() -> None:
    ns = names(braintools.init)
    arrays: dict[str, np.ndarray] = {}
    units: dict[str, str] = {}
    for case, profile, dist in PROFILES:
        p = eval(profile, ns)
        distances = eval(dist, ns)
        arrays[f"{case}.probability"] = np.asarray(p.probability(distances))
        arrays[f"{case}.weight_scaling"] = np.asarray(p.weight_scaling(distances))
    for case, expr, call in INITS:
        f = eval(expr, ns)
        value = eval(call, {**ns, "f": f})
        mantissa, unit = u.split_mantissa_unit(value)
        arrays[f"{case}.value"] = np.asarray(mantissa)
        units[case] = str(unit)
    np.savez_compressed(HERE / "init_profiles.npz", **arrays)
    meta = {
        "braintools": braintools.__version__,
        "profiles": PROFILES,
        "inits": INITS,
        "units": units,
    }
    (HERE / "init_profiles.json").write_text(json.dumps(meta, indent=1) + "\n")


if __name__ == "__main__":
    main()
