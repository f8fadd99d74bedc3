"""cnn: a CNN train step (two Conv2d + BatchNorm2d + MaxPool2d, then Linear; batch 32, Adam).

µs per jitted train step: forward in training mode (batch statistics, running
statistics updated), cross-entropy, gradient, Adam update. The network on
16x16x1 images: Conv2d(1->8, 3x3, SAME) -> BatchNorm2d -> ReLU -> MaxPool2d(2)
-> Conv2d(8->16) -> BatchNorm2d -> ReLU -> MaxPool2d(2) -> Flatten -> Linear(256->10).
Pure JAX writes the same `jax.lax` calls by hand (`conv_general_dilated`,
`reduce_window`, batch moments, the running-statistics update). The checks are
the loss and the running means after `CHECK_STEPS` steps. equinox maps one
CHW sample with `jax.vmap` (its BatchNorm averages over the named axis); flax.nnx
uses `nnx.Conv` / `nnx.BatchNorm` / `nnx.max_pool` on NHWC and `nnx.Optimizer`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._core import Measured, Metric, Mode, Workload, time_per_call
from ._libs import need

CHECK_STEPS = 20
LR = 1e-3
MOMENTUM = 0.99
EPS = 1e-5
BATCH = 32


def _data() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    return {
        "x": rng.normal(size=(BATCH, 16, 16, 1)).astype(np.float32),
        "y": rng.integers(0, 10, BATCH).astype(np.int32),
        "k1": (rng.normal(size=(3, 3, 1, 8)) / 3).astype(np.float32),
        "k2": (rng.normal(size=(3, 3, 8, 16)) / np.sqrt(72)).astype(np.float32),
        "w": (rng.normal(size=(256, 10)) / 16).astype(np.float32),
        "b": np.zeros(10, np.float32),
    }


def _measure(step: Any, block: Any, loss: Any, running: Any, mode: Mode) -> Measured:
    for _ in range(CHECK_STEPS):
        step()
    block()
    checks = {"loss": float(loss()), "running_mean_sum": float(running())}
    return Measured({"adam": time_per_call(step, lambda _: block(), mode)}, checks)


def _jax(mode: Mode) -> Measured:
    jax, optax = need("jax"), need("optax")
    jnp, lax = jax.numpy, jax.lax
    d = _data()
    dn = ("NHWC", "HWIO", "NHWC")
    params = {
        "k1": jnp.asarray(d["k1"]),
        "s1": jnp.ones((1, 1, 8)),
        "b1": jnp.zeros((1, 1, 8)),
        "k2": jnp.asarray(d["k2"]),
        "s2": jnp.ones((1, 1, 16)),
        "b2": jnp.zeros((1, 1, 16)),
        "w": jnp.asarray(d["w"]),
        "b": jnp.asarray(d["b"]),
    }
    stats = {
        "m1": jnp.zeros((1, 1, 8)),
        "v1": jnp.ones((1, 1, 8)),
        "m2": jnp.zeros((1, 1, 16)),
        "v2": jnp.ones((1, 1, 16)),
    }
    tx = optax.adam(LR)
    box = {
        "params": params,
        "stats": stats,
        "opt": tx.init(params),
        "loss": jnp.zeros(()),
    }
    x, y = jnp.asarray(d["x"]), jnp.asarray(d["y"])

    def bn(h, scale, bias, mean_run, var_run):
        mean = h.mean((0, 1, 2))
        var = jnp.maximum(0.0, jnp.square(h).mean((0, 1, 2)) - jnp.square(mean))
        out = (h - mean.reshape(1, 1, 1, -1)) * lax.rsqrt(
            var.reshape(1, 1, 1, -1) + EPS
        )
        m = jnp.asarray(MOMENTUM, jnp.float32)
        new = (m * mean_run + (1 - m) * mean, m * var_run + (1 - m) * var)
        return out * scale + bias, new

    def pool(h):
        return lax.reduce_window(
            h, -jnp.inf, lax.max, (1, 2, 2, 1), (1, 2, 2, 1), "VALID"
        )

    def loss_fn(p, s):
        h = lax.conv_general_dilated(x, p["k1"], (1, 1), "SAME", dimension_numbers=dn)
        h, (m1, v1) = bn(h, p["s1"], p["b1"], s["m1"], s["v1"])
        h = pool(jax.nn.relu(h))
        h = lax.conv_general_dilated(h, p["k2"], (1, 1), "SAME", dimension_numbers=dn)
        h, (m2, v2) = bn(h, p["s2"], p["b2"], s["m2"], s["v2"])
        h = pool(jax.nn.relu(h)).reshape(BATCH, -1)
        logits = h @ p["w"] + p["b"]
        logp = jax.nn.log_softmax(logits)
        loss = -jnp.mean(jnp.take_along_axis(logp, y[:, None], 1))
        return loss, {"m1": m1, "v1": v1, "m2": m2, "v2": v2}

    @jax.jit
    def train_step(p, s, opt):
        (loss, s), g = jax.value_and_grad(loss_fn, has_aux=True)(p, s)
        updates, opt = tx.update(g, opt, p)
        return optax.apply_updates(p, updates), s, opt, loss

    def step():
        box["params"], box["stats"], box["opt"], box["loss"] = train_step(
            box["params"], box["stats"], box["opt"]
        )

    return _measure(
        step,
        lambda: jax.block_until_ready(box),
        lambda: box["loss"],
        lambda: box["stats"]["m1"].sum() + box["stats"]["m2"].sum(),
        mode,
    )


def _brainstate_style(bs: Any, optim: Any, mode: Mode) -> Measured:
    jax = need("jax")
    jnp = jax.numpy
    d = _data()

    class CNN(bs.nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = bs.nn.Conv2d((16, 16, 1), 8, 3, w_init=jnp.asarray(d["k1"]))
            self.bn1 = bs.nn.BatchNorm2d((16, 16, 8))
            self.pool1 = bs.nn.MaxPool2d(2)
            self.conv2 = bs.nn.Conv2d((8, 8, 8), 16, 3, w_init=jnp.asarray(d["k2"]))
            self.bn2 = bs.nn.BatchNorm2d((8, 8, 16))
            self.pool2 = bs.nn.MaxPool2d(2)
            self.fc = bs.nn.Linear(
                256, 10, w_init=jnp.asarray(d["w"]), b_init=jnp.asarray(d["b"])
            )

        def update(self, x):
            x = self.pool1(jax.nn.relu(self.bn1(self.conv1(x))))
            x = self.pool2(jax.nn.relu(self.bn2(self.conv2(x))))
            return self.fc(x.reshape(x.shape[0], -1))

    model = CNN()
    optimizer = optim.Adam(lr=LR)
    optimizer.register_trainable_weights(model.states(bs.ParamState))
    x, y = jnp.asarray(d["x"]), jnp.asarray(d["y"])
    box = {"loss": jnp.zeros(())}

    @bs.transform.jit
    def train_step(x, y):
        def loss_fn():
            logp = jax.nn.log_softmax(model(x))
            return -jnp.mean(jnp.take_along_axis(logp, y[:, None], 1))

        with bs.environ.context(fit=True):
            grads, loss = bs.transform.grad(
                loss_fn, optimizer.param_states.to_pytree(), return_value=True
            )()
        optimizer.update(grads)
        return loss

    def step():
        box["loss"] = train_step(x, y)

    def block():
        jax.block_until_ready(
            [box["loss"], model.bn1.running_mean.value, model.fc.weight.value]
        )

    return _measure(
        step,
        block,
        lambda: box["loss"],
        lambda: model.bn1.running_mean.value.sum() + model.bn2.running_mean.value.sum(),
        mode,
    )


def _equinox(mode: Mode) -> Measured:
    jax, eqx, optax = need("jax"), need("equinox"), need("optax")
    jnp = jax.numpy
    d = _data()
    key = jax.random.PRNGKey(0)

    def conv(cin, cout, k):
        layer = eqx.nn.Conv2d(cin, cout, 3, padding=1, use_bias=False, key=key)
        return eqx.tree_at(lambda m: m.weight, layer, jnp.transpose(k, (3, 2, 0, 1)))

    class CNN(eqx.Module):
        conv1: Any
        bn1: Any
        conv2: Any
        bn2: Any
        pool: Any
        fc: Any

        def __init__(self):
            self.conv1 = conv(1, 8, jnp.asarray(d["k1"]))
            self.bn1 = eqx.nn.BatchNorm(
                8, "batch", eps=EPS, momentum=MOMENTUM, mode="batch"
            )
            self.conv2 = conv(8, 16, jnp.asarray(d["k2"]))
            self.bn2 = eqx.nn.BatchNorm(
                16, "batch", eps=EPS, momentum=MOMENTUM, mode="batch"
            )
            self.pool = eqx.nn.MaxPool2d(2, 2)
            fc = eqx.nn.Linear(256, 10, key=key)
            self.fc = eqx.tree_at(
                lambda m: (m.weight, m.bias),
                fc,
                (jnp.asarray(d["w"]).T, jnp.asarray(d["b"])),
            )

        def __call__(self, x, state):  # one CHW sample
            h, state = self.bn1(self.conv1(x), state)
            h = self.pool(jax.nn.relu(h))
            h, state = self.bn2(self.conv2(h), state)
            h = self.pool(jax.nn.relu(h))
            return self.fc(jnp.transpose(h, (1, 2, 0)).reshape(-1)), state

    model, state = eqx.nn.make_with_state(CNN)()
    tx = optax.adam(LR)
    opt = tx.init(eqx.filter(model, eqx.is_inexact_array))
    x = jnp.transpose(jnp.asarray(d["x"]), (0, 3, 1, 2))
    y = jnp.asarray(d["y"])

    def loss_fn(model, state):
        batched = jax.vmap(
            model, axis_name="batch", in_axes=(0, None), out_axes=(0, None)
        )
        logits, state = batched(x, state)
        logp = jax.nn.log_softmax(logits)
        return -jnp.mean(jnp.take_along_axis(logp, y[:, None], 1)), state

    @eqx.filter_jit
    def train_step(model, state, opt):
        (loss, state), g = eqx.filter_value_and_grad(loss_fn, has_aux=True)(
            model, state
        )
        updates, opt = tx.update(g, opt, eqx.filter(model, eqx.is_inexact_array))
        return eqx.apply_updates(model, updates), state, opt, loss

    box = {"model": model, "state": state, "opt": opt, "loss": jnp.zeros(())}

    def step():
        box["model"], box["state"], box["opt"], box["loss"] = train_step(
            box["model"], box["state"], box["opt"]
        )

    def running():
        m = box["model"]
        return (
            box["state"].get(m.bn1.batch_state_index)[0].sum()
            + box["state"].get(m.bn2.batch_state_index)[0].sum()
        )

    return _measure(
        step,
        lambda: jax.block_until_ready(
            (box["loss"], eqx.filter(box["model"], eqx.is_array))
        ),
        lambda: box["loss"],
        running,
        mode,
    )


def _nnx(mode: Mode) -> Measured:
    jax, optax = need("jax"), need("optax")
    nnx = need("flax.nnx")
    jnp = jax.numpy
    d = _data()

    class CNN(nnx.Module):
        def __init__(self, rngs):
            def conv(cin, cout, k):
                layer = nnx.Conv(
                    cin, cout, (3, 3), padding="SAME", use_bias=False, rngs=rngs
                )
                layer.kernel[...] = jnp.asarray(k)
                return layer

            def bn(n):
                return nnx.BatchNorm(n, momentum=MOMENTUM, epsilon=EPS, rngs=rngs)

            self.conv1, self.bn1 = conv(1, 8, d["k1"]), bn(8)
            self.conv2, self.bn2 = conv(8, 16, d["k2"]), bn(16)
            self.fc = nnx.Linear(256, 10, rngs=rngs)
            self.fc.kernel[...] = jnp.asarray(d["w"])
            self.fc.bias[...] = jnp.asarray(d["b"])

        def __call__(self, x):
            h = nnx.max_pool(nnx.relu(self.bn1(self.conv1(x))), (2, 2), (2, 2))
            h = nnx.max_pool(nnx.relu(self.bn2(self.conv2(h))), (2, 2), (2, 2))
            return self.fc(h.reshape(h.shape[0], -1))

    model = CNN(nnx.Rngs(0))
    optimizer = nnx.Optimizer(model, optax.adam(LR), wrt=nnx.Param)
    x, y = jnp.asarray(d["x"]), jnp.asarray(d["y"])
    box = {"loss": jnp.zeros(())}

    @nnx.jit
    def train_step(model, optimizer, x, y):
        def loss_fn(model):
            logp = jax.nn.log_softmax(model(x))
            return -jnp.mean(jnp.take_along_axis(logp, y[:, None], 1))

        loss, grads = nnx.value_and_grad(loss_fn)(model)
        optimizer.update(model, grads)
        return loss

    def step():
        box["loss"] = train_step(model, optimizer, x, y)

    return _measure(
        step,
        lambda: jax.block_until_ready((box["loss"], nnx.state(model))),
        lambda: box["loss"],
        lambda: model.bn1.mean[...].sum() + model.bn2.mean[...].sum(),
        mode,
    )


def _eqstate(mode: Mode) -> Measured:
    return _brainstate_style(need("eqstate"), need("eqstate.optim"), mode)


def _brainstate(mode: Mode) -> Measured:
    return _brainstate_style(need("brainstate"), need("braintools").optim, mode)


WORKLOAD = Workload(
    name="cnn",
    title="Train step: CNN with BatchNorm",
    description=(
        "µs per jitted Adam train step of a CNN (two Conv2d + BatchNorm2d + "
        "MaxPool2d, then Linear) on a batch of 32 16x16 images, batch statistics "
        "and running statistics updated."
    ),
    metrics=(Metric("adam", "CNN train step, Adam", "us", target=1.05, headline=True),),
    impls={
        "jax": _jax,
        "eqstate": _eqstate,
        "brainstate": _brainstate,
        "equinox": _equinox,
        "nnx": _nnx,
    },
    rtol=1e-4,
)
