"""Record brainstate 0.5.4's `brainstate.nn.init` deterministic outputs.

Run with the reference environment: `python tests/golden/record_nn_init.py`.
Writes `nn_init.npz` (arrays) and `nn_init.json` (gains, shapes, dtypes,
errors, sample bounds) beside this file; `tests/test_nn_init.py` reads them.
"""

from __future__ import annotations

import inspect
import json
from pathlib import Path

import brainstate
import jax.numpy as jnp
import numpy as np

init = brainstate.nn.init
HERE = Path(__file__).parent

arrays: dict[str, np.ndarray] = {}
meta: dict[str, object] = {}

# -- fixed fills -------------------------------------------------------------
fills = {
    "constant_scalar": (init.Constant(0.5), (2, 3)),
    "constant_row": (init.Constant(jnp.array([1.0, 2.0, 3.0])), (2, 3)),
    "constant_int": (init.Constant(3), 4),
    "zero": (init.ZeroInit(), (2, 3)),
    "identity_1d": (init.Identity(), 3),
    "identity_rect": (init.Identity(2.0), (2, 3)),
    "identity_tall": (init.Identity(), (4, 2)),
    "identity_vec": (init.Identity(jnp.array([1.0, 2.0, 3.0])), (3, 3)),
}
for name, (fn, shape) in fills.items():
    arrays[name] = np.asarray(fn(shape))

# -- DeltaOrthogonal: where the centre tap is --------------------------------
delta_shapes = [(3, 4, 4), (4, 3, 5), (2, 3, 2, 3), (3, 3, 3, 2, 2), (4, 4, 4, 1, 2)]
for shape in delta_shapes:
    w = np.asarray(init.DeltaOrthogonal(seed=0)(shape))
    key = "delta_" + "x".join(map(str, shape))
    arrays[key + "_mask"] = np.abs(w).sum(axis=(-2, -1)) > 0
    centre = tuple(np.argwhere(arrays[key + "_mask"])[0])
    m = w[centre]
    arrays[key + "_gram"] = m.T @ m if m.shape[0] >= m.shape[1] else m @ m.T

# -- Orthogonal along each axis: which Gram matrix is the identity -----------
ortho = {}
for shape, axis in [
    ((5, 3), -1),
    ((3, 5), -1),
    ((2, 3, 4), 0),
    ((2, 3, 4), 1),
    ((6,), -1),
]:
    w = np.asarray(init.Orthogonal(seed=0, axis=axis)(shape))
    rows = np.moveaxis(w, axis, 0).reshape(shape[axis], -1)
    small = rows @ rows.T if rows.shape[0] <= rows.shape[1] else rows.T @ rows
    ortho[f"{shape}|{axis}"] = {
        "shape": list(w.shape),
        "identity": bool(np.allclose(small, np.eye(len(small)), atol=1e-5)),
    }
meta["orthogonal"] = ortho

# -- errors ------------------------------------------------------------------
errors = {}
for name, call in {
    "delta_2d": lambda: init.DeltaOrthogonal()((4, 4)),
    "delta_in_gt_out": lambda: init.DeltaOrthogonal()((3, 5, 4)),
    "identity_3d": lambda: init.Identity()((2, 2, 2)),
    "gain_unknown": lambda: init.calculate_init_gain("swish"),
    "gain_bad_slope": lambda: init.calculate_init_gain("leaky_relu", "a"),
    "param_none": lambda: init.param(None, 3, allow_none=False),
    "param_shape": lambda: init.param(jnp.ones(4), 3),
    "param_batch": lambda: init.param(jnp.ones((3, 4, 3)), (4, 3), batch_size=2),
    "param_type": lambda: init.param([1.0, 2.0], 2),
}.items():
    try:
        call()
        errors[name] = None
    except Exception as e:  # noqa: BLE001
        errors[name] = type(e).__name__
meta["errors"] = errors

# -- param -------------------------------------------------------------------
params = {}
cases = {
    "callable": (init.ZeroInit(), 3, None),
    "callable_batch": (init.ZeroInit(), (2, 3), 4),
    "array": (jnp.ones((4, 3)), (4, 3), None),
    "array_row_batch": (jnp.ones(3), (4, 3), 2),
    "array_1x3_batch": (jnp.ones((1, 3)), (4, 3), 2),
    "array_batched": (jnp.ones((2, 4, 3)), (4, 3), 2),
    "array_more_dims": (jnp.ones((5, 4, 3)), (4, 3), None),
    "array_ones_dim": (jnp.ones((1, 1)), (4, 3), None),
    "scalar": (0.5, (4, 3), None),
    "scalar_0d": (jnp.array(2.0), (4, 3), None),
    "none": (None, 3, None),
    "int_size": (init.Constant(1.0), np.int64(3), 2),
}
for name, (p, sizes, batch) in cases.items():
    out = init.param(p, sizes, batch_size=batch)
    params[name] = None if out is None else list(np.shape(out))
    if out is not None and np.ndim(out):
        arrays["param_" + name] = np.asarray(out)
st = init.param(brainstate.ParamState(jnp.ones(3)), (4, 3), batch_size=2)
params["state_batch"] = [type(st).__name__, list(st.value.shape)]
params["scalar_disallowed"] = list(
    np.shape(init.param(jnp.array(2.0), (4, 3), allow_scalar=False))
)
meta["param"] = params

# -- calculate_init_gain -----------------------------------------------------
gains = {}
for name in [
    "linear",
    "conv1d",
    "conv2d",
    "conv3d",
    "conv_transpose1d",
    "conv_transpose2d",
    "conv_transpose3d",
    "sigmoid",
    "tanh",
    "relu",
    "leaky_relu",
    "selu",
]:
    gains[name] = float(init.calculate_init_gain(name))
gains["leaky_relu|0.2"] = float(init.calculate_init_gain("leaky_relu", 0.2))
gains["leaky_relu|1"] = float(init.calculate_init_gain("leaky_relu", 1))
meta["gain"] = gains

# -- fans (brainstate's private helper; exact numbers) -----------------------
from brainstate.nn.init import _compute_fans  # noqa: E402

fans = {}
for shape, ia, oa in [
    ((40, 30), -2, -1),
    ((3, 3, 20, 25), -2, -1),
    ((25, 20, 3, 3), 1, 0),
    ((2, 30, 35), 0, 2),
]:
    fi, fo = _compute_fans(shape, ia, oa)
    fans[f"{shape}|{ia}|{oa}"] = [float(fi), float(fo)]
meta["fans"] = fans

# -- dtypes and bounds of the random ones ------------------------------------
dtypes = {}
for name, fn in {
    "Normal": init.Normal(seed=0),
    "TruncatedNormal": init.TruncatedNormal(seed=0),
    "Gamma": init.Gamma(2.0, seed=0),
    "Exponential": init.Exponential(seed=0),
    "Uniform": init.Uniform(seed=0),
    "KaimingNormal": init.KaimingNormal(seed=0),
    "XavierUniform": init.XavierUniform(seed=0),
    "Orthogonal": init.Orthogonal(seed=0),
    "Constant": init.Constant(1),
    "ZeroInit": init.ZeroInit(),
    "Identity": init.Identity(),
}.items():
    dtypes[name] = str(np.asarray(fn((4, 3))).dtype)
meta["dtype"] = dtypes

trunc = np.asarray(init.TruncatedNormal(scale=3.0, seed=0)((4000,)))
shifted = np.asarray(
    init.TruncatedNormal(loc=1.0, scale=1.0, lower=0.0, upper=3.0, seed=0)((4000,))
)
meta["truncated_bounds"] = {
    "scale3": [float(trunc.min()), float(trunc.max())],
    "loc1_0_3": [float(shifted.min()), float(shifted.max())],
}
a = np.asarray(init.Normal(seed=7)((3,)))
b = np.asarray(init.Normal(seed=7)((3,)))
meta["seed_reproducible"] = bool(np.array_equal(a, b))
one = init.Normal(seed=7)
meta["seed_advances"] = not bool(np.array_equal(np.asarray(one(3)), np.asarray(one(3))))


# -- layer defaults (for the docs / report) ----------------------------------
def _describe(fn: object) -> list[object]:
    return [
        type(fn).__name__,
        getattr(fn, "distribution", None),
        getattr(fn, "mode", None),
    ]


defaults = {}
for layer in ["Linear", "Conv1d", "Conv2d", "LoRA", "GRUCell", "LSTMCell", "Embedding"]:
    sig = inspect.signature(getattr(brainstate.nn, layer).__init__)
    for arg in ["w_init", "kernel_init", "embedding_init"]:
        if arg in sig.parameters:
            defaults[f"{layer}.{arg}"] = _describe(sig.parameters[arg].default)
meta["layer_defaults"] = defaults

np.savez(HERE / "nn_init.npz", **arrays)
(HERE / "nn_init.json").write_text(json.dumps(meta, indent=1, sort_keys=True) + "\n")
print(json.dumps(meta, indent=1, sort_keys=True))
