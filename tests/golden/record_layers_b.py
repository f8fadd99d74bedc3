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

# -- parameter transforms ----------------------------------------------------
TX = np.array([[-1.5, -0.2, 0.3, 1.1]], dtype=np.float32)
data["t/x"] = TX
TRANSFORMS = {
    "IdentityT": (), "SigmoidT": (0.0, 2.0), "SoftplusT": (1.0,),
    "NegSoftplusT": (1.0,), "LogT": (1.0,), "ExpT": (1.0,), "TanhT": (-1.0, 3.0),
    "SoftsignT": (-1.0, 3.0), "ClipT": (-1.0, 1.0), "AffineT": (2.0, 0.5),
    "ReluT": (0.1,), "PositiveT": (), "NegativeT": (), "ScaledSigmoidT": (0.0, 2.0, 3.0),
    "OrderedT": (), "SimplexT": (), "UnitVectorT": (),
}  # fmt: skip
for name, args in TRANSFORMS.items():
    t = getattr(bs.nn, name)(*args)
    x = jnp.asarray(TX)
    y = t.forward(x)
    data[f"t/{name}/forward"] = np.asarray(y)
    data[f"t/{name}/inverse"] = np.asarray(t.inverse(y))
    try:
        data[f"t/{name}/ladj"] = np.asarray(t.log_abs_det_jacobian(x, y))
    except NotImplementedError:
        pass
PX = np.array([[0.5, 2.0, 1.5, 3.0]], dtype=np.float32)
data["t/PowerT/forward"] = np.asarray(bs.nn.PowerT(0.5).forward(jnp.asarray(PX)))
chain = bs.nn.ChainT(bs.nn.AffineT(2.0, 0.0), bs.nn.SoftplusT(0.0))
data["t/ChainT/forward"] = np.asarray(chain.forward(jnp.asarray(TX)))
data["t/ChainT/ladj"] = np.asarray(
    chain.log_abs_det_jacobian(jnp.asarray(TX), chain.forward(jnp.asarray(TX)))
)
masked = bs.nn.MaskedT(jnp.array([True, False, True, False]), bs.nn.PositiveT())
data["t/MaskedT/forward"] = np.asarray(masked.forward(jnp.asarray(TX)))

# -- regularizations ---------------------------------------------------------
RV = np.array([[0.3, -0.7, 1.2], [0.05, 0.9, -1.4]], dtype=np.float32)
data["reg/value"] = RV
REGS = {
    "GaussianReg": dict(mean=0.5, std=2.0), "L1Reg": dict(weight=0.3),
    "L2Reg": dict(weight=0.3), "ElasticNetReg": dict(alpha=0.3),
    "HuberReg": dict(delta=0.5), "GroupLassoReg": dict(group_size=4),
    "TotalVariationReg": dict(order=2), "MaxNormReg": dict(max_value=0.5),
    "EntropyReg": dict(maximize=False), "OrthogonalReg": dict(),
    "SpectralNormReg": dict(max_value=0.5), "StudentTReg": dict(df=4.0, scale=0.5),
    "CauchyReg": dict(scale=0.5), "UniformReg": dict(lower=-1.0, upper=1.0),
    "LogNormalReg": dict(mu=0.1, sigma=0.7), "ExponentialReg": dict(rate=2.0),
    "GammaReg": dict(alpha=3.0, beta=2.0), "BetaReg": dict(a=2.0, b=3.0),
    "HorseshoeReg": dict(tau=0.5), "InverseGammaReg": dict(alpha=3.0, beta=2.0),
    "LogUniformReg": dict(lower=0.1, upper=10.0),
    "SpikeAndSlabReg": dict(spike_scale=0.1, pi=0.3), "DirichletReg": dict(alpha=2.0),
}  # fmt: skip
for name, kwargs in REGS.items():
    reg = getattr(bs.nn, name)(**kwargs)
    data[f"reg/{name}/loss"] = np.asarray(reg.loss(jnp.asarray(RV)))
    data[f"reg/{name}/reset"] = np.asarray(reg.reset_value())
chained = bs.nn.ChainedReg(bs.nn.L1Reg(0.2), bs.nn.L2Reg(0.1), weight=0.5)
data["reg/ChainedReg/loss"] = np.asarray(chained.loss(jnp.asarray(RV)))

# -- metrics -----------------------------------------------------------------
labels = rng.integers(0, 3, size=(2, 12))
preds = np.where(rng.random((2, 12)) < 0.6, labels, rng.integers(0, 3, size=(2, 12)))
logits = rng.normal(size=(2, 12, 3)).astype(np.float32)
vals = rng.normal(size=(2, 12)).astype(np.float32)
data["metric/labels"], data["metric/preds"] = labels, preds
data["metric/logits"], data["metric/values"] = logits, vals
bin_labels, bin_preds = labels % 2, preds % 2


def feed(metric, **batches):
    for i in range(2):
        metric.update(**{k: jnp.asarray(v[i]) for k, v in batches.items()})
    return metric.compute()


data["metric/AverageMetric"] = np.asarray(feed(bs.nn.AverageMetric(), values=vals))
stats = feed(bs.nn.WelfordMetric(), values=vals)
data["metric/WelfordMetric"] = np.asarray(
    [stats.mean, stats.standard_error_of_mean, stats.standard_deviation]
)
data["metric/AccuracyMetric"] = np.asarray(
    feed(bs.nn.AccuracyMetric(), logits=logits, labels=labels)
)
for cls in ("PrecisionMetric", "RecallMetric", "F1ScoreMetric"):
    data[f"metric/{cls}/binary"] = np.asarray(
        feed(getattr(bs.nn, cls)(), predictions=bin_preds, labels=bin_labels)
    )
    for avg in ("macro", "micro", "weighted"):
        data[f"metric/{cls}/{avg}"] = np.asarray(
            feed(getattr(bs.nn, cls)(3, avg), predictions=preds, labels=labels)
        )
data["metric/ConfusionMatrix"] = np.asarray(
    feed(bs.nn.ConfusionMatrix(3), predictions=preds, labels=labels)
)

np.savez(OUT, **data)
print(f"wrote {len(data)} arrays to {OUT}")
