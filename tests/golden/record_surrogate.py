"""Record braintools 0.3.0's surrogate spike functions on a grid.

Run with the reference environment (braintools 0.3.0 installed):

    python tests/golden/record_surrogate.py

Writes `surrogate.json` (the cases: class name and hyperparameters) and
`surrogate.npz` (for each case: the forward spike, the gradient of the spike
through `jax.grad`, and `surrogate_fun` where braintools defines it, on `x`).
"""

from __future__ import annotations

import json
from pathlib import Path

import braintools
import jax
import jax.numpy as jnp
import numpy as np

HERE = Path(__file__).resolve().parent

CASES: dict[str, tuple[str, dict]] = {
    "Sigmoid": ("Sigmoid", {}),
    "Sigmoid-a2": ("Sigmoid", {"alpha": 2.0}),
    "PiecewiseQuadratic": ("PiecewiseQuadratic", {}),
    "PiecewiseQuadratic-a2": ("PiecewiseQuadratic", {"alpha": 2.0}),
    "PiecewiseExp": ("PiecewiseExp", {}),
    "PiecewiseExp-a3": ("PiecewiseExp", {"alpha": 3.0}),
    "SoftSign": ("SoftSign", {}),
    "SoftSign-a2": ("SoftSign", {"alpha": 2.0}),
    "Arctan": ("Arctan", {}),
    "Arctan-a2": ("Arctan", {"alpha": 2.0}),
    "NonzeroSignLog": ("NonzeroSignLog", {}),
    "NonzeroSignLog-a2": ("NonzeroSignLog", {"alpha": 2.0}),
    "ERF": ("ERF", {}),
    "ERF-a2": ("ERF", {"alpha": 2.0}),
    "PiecewiseLeakyRelu": ("PiecewiseLeakyRelu", {}),
    "PiecewiseLeakyRelu-c": ("PiecewiseLeakyRelu", {"c": 0.1, "w": 0.5}),
    "SquarewaveFourierSeries": ("SquarewaveFourierSeries", {}),
    "SquarewaveFourierSeries-n4": (
        "SquarewaveFourierSeries",
        {"n": 4, "t_period": 6.0},
    ),
    "S2NN": ("S2NN", {}),
    "S2NN-b": ("S2NN", {"alpha": 2.0, "beta": 0.5, "epsilon": 1e-6}),
    "QPseudoSpike": ("QPseudoSpike", {}),
    "QPseudoSpike-a1": ("QPseudoSpike", {"alpha": 1.0}),
    "QPseudoSpike-a3": ("QPseudoSpike", {"alpha": 3.0}),
    "LeakyRelu": ("LeakyRelu", {}),
    "LeakyRelu-b": ("LeakyRelu", {"alpha": 0.2, "beta": 0.7}),
    "LogTailedRelu": ("LogTailedRelu", {}),
    "LogTailedRelu-a": ("LogTailedRelu", {"alpha": 0.1}),
    "ReluGrad": ("ReluGrad", {}),
    "ReluGrad-w": ("ReluGrad", {"alpha": 0.5, "width": 2.0}),
    "GaussianGrad": ("GaussianGrad", {}),
    "GaussianGrad-s": ("GaussianGrad", {"sigma": 1.0, "alpha": 0.8}),
    "MultiGaussianGrad": ("MultiGaussianGrad", {}),
    "MultiGaussianGrad-h": (
        "MultiGaussianGrad",
        {"h": 0.3, "s": 4.0, "sigma": 0.8, "scale": 1.0},
    ),
    "InvSquareGrad": ("InvSquareGrad", {}),
    "InvSquareGrad-a5": ("InvSquareGrad", {"alpha": 5.0}),
    "SlayerGrad": ("SlayerGrad", {}),
    "SlayerGrad-a3": ("SlayerGrad", {"alpha": 3.0}),
}


def main() -> None:
    x = np.linspace(-3.0, 3.0, 121, dtype=np.float32)  # includes 0 and +-1
    arrays: dict[str, np.ndarray] = {"x": x}
    for case, (cls_name, kwargs) in CASES.items():
        spk = getattr(braintools.surrogate, cls_name)(**kwargs)
        xs = jnp.asarray(x)
        arrays[f"{case}.forward"] = np.asarray(spk(xs))
        arrays[f"{case}.grad"] = np.asarray(jax.vmap(jax.grad(spk))(xs))
        try:
            arrays[f"{case}.fun"] = np.asarray(spk.surrogate_fun(xs))
        except NotImplementedError:
            pass
    np.savez_compressed(HERE / "surrogate.npz", **arrays)
    cases = {case: {"class": c, "kwargs": kw} for case, (c, kw) in CASES.items()}
    meta = {
        "braintools": braintools.__version__,
        "jax": jax.__version__,
        "cases": cases,
    }
    (HERE / "surrogate.json").write_text(json.dumps(meta, indent=1) + "\n")


if __name__ == "__main__":
    main()
