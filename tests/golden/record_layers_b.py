"""Record brainstate 0.5.4's outputs for recurrent cells, activations,
parameter transforms and metrics into `layers_b.npz`.

Run with the `bench` extra installed: `python tests/golden/record_layers_b.py`.
Every input and weight is drawn from fixed NumPy seeds here and stored in the
file, so the test feeds eqstate exactly what brainstate saw.
"""

from __future__ import annotations

from pathlib import Path

import brainstate as bs
import jax.numpy as jnp
import numpy as np

OUT = Path(__file__).with_name("layers_b.npz")
NUM_IN, NUM_OUT, BATCH = 3, 4, 2
rng = np.random.default_rng(0)
data: dict[str, np.ndarray] = {}


def rand(*shape: int) -> np.ndarray:
    return rng.normal(size=shape).astype(np.float32)


# -- recurrent cells ---------------------------------------------------------
CELLS = {
    "ValinaRNNCell": {"W": 1},
    "GRUCell": {"Wrz": 2, "Wh": 1},
    "MGUCell": {"Wf": 1, "Wh": 1},
    "LSTMCell": {"W": 4},
    "URLSTMCell": {"W": 4},
}
for name, blocks in CELLS.items():
    cell = getattr(bs.nn, name)(NUM_IN, NUM_OUT)
    cell.init_state(batch_size=BATCH)
    for block, k in blocks.items():
        w = rand(NUM_IN + NUM_OUT, k * NUM_OUT) * 0.5
        data[f"cell/{name}/{block}/weight"] = w
        params = {"weight": jnp.asarray(w)}
        if name != "URLSTMCell":
            b = rand(k * NUM_OUT) * 0.1
            data[f"cell/{name}/{block}/bias"] = b
            params["bias"] = jnp.asarray(b)
        getattr(cell, block).weight.value = params
    if name == "URLSTMCell":
        bias = rand(NUM_OUT)
        data[f"cell/{name}/bias"] = bias
        cell.bias.value = jnp.asarray(bias)
    hidden = ["h", "c"] if "LSTM" in name else ["h"]
    for key in hidden:
        v = rand(BATCH, NUM_OUT)
        data[f"cell/{name}/{key}0"] = v
        getattr(cell, key).value = jnp.asarray(v)
    x = rand(BATCH, NUM_IN)
    data[f"cell/{name}/x"] = x
    data[f"cell/{name}/out"] = np.asarray(cell.update(jnp.asarray(x)))
    for key in hidden:
        data[f"cell/{name}/{key}1"] = np.asarray(getattr(cell, key).value)

# -- activations -------------------------------------------------------------
X = np.linspace(-3.0, 3.0, 13, dtype=np.float32).reshape(1, 13)
data["act/x"] = X
FUNCTIONS = [
    "tanh", "relu", "squareplus", "softplus", "soft_sign", "sigmoid", "silu",
    "swish", "log_sigmoid", "elu", "leaky_relu", "hard_tanh", "celu", "selu",
    "gelu", "glu", "log_softmax", "softmax", "standardize", "relu6",
    "hard_sigmoid", "hard_silu", "hard_swish", "hard_shrink", "mish",
    "soft_shrink", "prelu", "tanh_shrink", "softmin", "sparse_plus",
    "sparse_sigmoid",
]  # fmt: skip
for fn in FUNCTIONS:
    x = jnp.asarray(X[:, :12]) if fn == "glu" else jnp.asarray(X)
    data[f"fn/{fn}"] = np.asarray(getattr(bs.nn, fn)(x))
data["fn/logsumexp"] = np.asarray(bs.nn.logsumexp(jnp.asarray(X), axis=-1))
data["fn/one_hot"] = np.asarray(bs.nn.one_hot(jnp.array([0, 2, 1]), 3))

LAYERS = {
    "Threshold": (0.5, -1.0), "ReLU": (), "Hardtanh": (-2.0, 2.0), "ReLU6": (),
    "Sigmoid": (), "Hardsigmoid": (), "Tanh": (), "SiLU": (), "Mish": (),
    "Hardswish": (), "ELU": (0.7,), "CELU": (0.7,), "SELU": (), "GLU": (),
    "GELU": (), "Hardshrink": (1.0,), "LeakyReLU": (0.2,), "LogSigmoid": (),
    "Softplus": (), "Softshrink": (1.0,), "PReLU": (), "Softsign": (),
    "Tanhshrink": (), "Softmin": (), "Softmax": (), "LogSoftmax": (),
}  # fmt: skip
for cls, args in LAYERS.items():
    x = jnp.asarray(X[:, :12]) if cls == "GLU" else jnp.asarray(X)
    data[f"layer/{cls}"] = np.asarray(getattr(bs.nn, cls)(*args)(x))
IMG = rand(2, 3, 2, 2)
data["layer/Softmax2d/x"] = IMG
data["layer/Softmax2d"] = np.asarray(bs.nn.Softmax2d()(jnp.asarray(IMG)))

np.savez(OUT, **data)
print(f"wrote {len(data)} arrays to {OUT}")
