"""Seed 000's MLP train step, written once per library (used by `train` and `compile`).

The model is seed 000's: a `Count` State incremented on every forward call,
Linear layers with ReLU in between, MSE loss; `layers` gives the initial
(w, b) of each layer, so depth 2 with width 32 is the seed's 1-32-1 MLP.

`build(lib, layers, opt, x, y)` makes the model and its optimizer state (not
timed) and returns a `Trainer`, whose `make_step()` applies the library's jit
and returns a no-argument callable doing one train step on the batch `(x, y)`.
Two more `lib` names switch donation: `jax+donate` (pure JAX donating the
parameters, optimizer state and count, as eqstate donates its written States)
and `eqstate+nodonate` (`jit(..., donate=False)`), for like-for-like
comparisons (`python -m benchmarks.profile --workload compile --donation`).
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable
from typing import Any

import numpy as np

from ._libs import need

LR = {"sgd": 1e-3, "adam": 1e-2}  # seed 000: SGD(lr=1e-3); Adam starting at lr=1e-2

Layers = list[tuple[np.ndarray, np.ndarray]]


@dataclasses.dataclass
class Trainer:
    make_step: Callable[[], Callable[[], Any]]  # jit the step; returns step()
    block: Callable[[], None]  # wait for the latest parameters
    weights: Callable[[], Layers]  # current parameters, as numpy
    count: Callable[[], int]  # forward calls so far (the Count state)


def np_loss(layers: Layers, X: np.ndarray, Y: np.ndarray) -> float:
    """MSE of the MLP on (X, Y), in float64 numpy (the same for every library)."""
    h = X.astype(np.float64)
    for i, (w, b) in enumerate(layers):
        h = h @ w.astype(np.float64) + b.astype(np.float64)
        if i < len(layers) - 1:
            h = np.maximum(h, 0.0)
    return float(np.mean((Y - h) ** 2))


def build(lib: str, layers: Layers, opt: str, x: np.ndarray, y: np.ndarray) -> Trainer:
    return _BUILDERS[lib](layers, opt, x, y)


# --------------------------------------------------------------------------
# pure JAX + optax


def _jax(
    layers: Layers, opt: str, x: np.ndarray, y: np.ndarray, donate: bool = False
) -> Trainer:
    jax = need("jax")
    optax = need("optax")
    jnp = jax.numpy

    params = [{"w": jnp.asarray(w), "b": jnp.asarray(b)} for w, b in layers]
    tx = optax.sgd(LR["sgd"]) if opt == "sgd" else optax.adam(LR["adam"])
    box: dict[str, Any] = {
        "params": params,
        "opt_state": tx.init(params),
        "count": jnp.array(0),
    }
    xb, yb = jnp.asarray(x), jnp.asarray(y)

    def mlp(params, x):
        for layer in params[:-1]:
            x = jax.nn.relu(x @ layer["w"] + layer["b"])
        return x @ params[-1]["w"] + params[-1]["b"]

    def loss_fn(params, x, y):
        return jnp.mean((y - mlp(params, x)) ** 2)

    def make_step():
        def train_step(params, opt_state, count, x, y):
            grads = jax.grad(loss_fn)(params, x, y)
            updates, opt_state = tx.update(grads, opt_state, params)
            return optax.apply_updates(params, updates), opt_state, count + 1

        train_step = jax.jit(train_step, donate_argnums=(0, 1, 2) if donate else ())

        def step():
            box["params"], box["opt_state"], box["count"] = train_step(
                box["params"], box["opt_state"], box["count"], xb, yb
            )

        return step

    return Trainer(
        make_step,
        lambda: jax.block_until_ready((box["params"], box["count"])),
        lambda: [(np.asarray(p["w"]), np.asarray(p["b"])) for p in box["params"]],
        lambda: int(box["count"]),
    )


# --------------------------------------------------------------------------
# eqstate and brainstate: seed 000's code, optimizers from eqstate.optim / braintools.optim


def _brainstate_style(
    bs: Any,
    optim: Any,
    layers: Layers,
    opt: str,
    x: np.ndarray,
    y: np.ndarray,
    **jit_kw: Any,
) -> Trainer:
    jax = need("jax")
    jnp = jax.numpy

    class Linear(bs.nn.Module):
        def __init__(self, w, b):
            super().__init__()
            self.w = bs.ParamState(jnp.asarray(w))
            self.b = bs.ParamState(jnp.asarray(b))

        def __call__(self, x):
            return x @ self.w.value + self.b.value

    class Count(bs.State):
        pass

    class MLP(bs.nn.Module):
        def __init__(self, layers):
            super().__init__()
            self.count = Count(jnp.array(0))
            self.layers = [Linear(w, b) for w, b in layers]

        def __call__(self, x):
            self.count.value += 1
            for layer in self.layers[:-1]:
                x = jax.nn.relu(layer(x))
            return self.layers[-1](x)

    model = MLP(layers)
    optimizer = optim.SGD(lr=LR["sgd"]) if opt == "sgd" else optim.Adam(lr=LR["adam"])
    optimizer.register_trainable_weights(model.states(bs.ParamState))
    batch = (jnp.asarray(x), jnp.asarray(y))

    def make_step():
        @functools.partial(bs.transform.jit, **jit_kw)
        def train_step(batch):
            x, y = batch

            def loss_fn():
                return jnp.mean((y - model(x)) ** 2)

            grads = bs.transform.grad(loss_fn, optimizer.param_states.to_pytree())()
            optimizer.update(grads)

        return lambda: train_step(batch)

    return Trainer(
        make_step,
        lambda: jax.block_until_ready(
            [(lin.w.value, lin.b.value) for lin in model.layers] + [model.count.value]
        ),
        lambda: [
            (np.asarray(lin.w.value), np.asarray(lin.b.value)) for lin in model.layers
        ],
        lambda: int(model.count.value),
    )


def _eqstate(
    layers: Layers, opt: str, x: np.ndarray, y: np.ndarray, donate: bool = True
) -> Trainer:
    eqstate = need("eqstate")
    optim = need("eqstate.optim")
    return _brainstate_style(eqstate, optim, layers, opt, x, y, donate=donate)


def _brainstate(layers: Layers, opt: str, x: np.ndarray, y: np.ndarray) -> Trainer:
    brainstate = need("brainstate")
    braintools = need("braintools")
    return _brainstate_style(brainstate, braintools.optim, layers, opt, x, y)


# --------------------------------------------------------------------------
# equinox + optax, the Count in eqx.nn.State


def _equinox(layers: Layers, opt: str, x: np.ndarray, y: np.ndarray) -> Trainer:
    jax = need("jax")
    eqx = need("equinox")
    optax = need("optax")
    jnp = jax.numpy

    class MLP(eqx.Module):
        layers: list[eqx.nn.Linear]  # pyright: ignore[reportInvalidTypeForm]
        count: eqx.nn.StateIndex  # pyright: ignore[reportInvalidTypeForm]

        def __init__(self, layers):
            keys = jax.random.split(jax.random.key(0), len(layers))
            self.layers = [
                eqx.tree_at(
                    lambda lin: (lin.weight, lin.bias),
                    eqx.nn.Linear(w.shape[0], w.shape[1], key=k),
                    (jnp.asarray(w).T, jnp.asarray(b)),
                )
                for (w, b), k in zip(layers, keys)
            ]
            self.count = eqx.nn.StateIndex(jnp.array(0))

        def __call__(self, x, state):
            state = state.set(self.count, state.get(self.count) + 1)
            for layer in self.layers[:-1]:
                x = jax.nn.relu(jax.vmap(layer)(x))
            return jax.vmap(self.layers[-1])(x), state

    def loss_fn(model, state, x, y):
        pred, state = model(x, state)
        return jnp.mean((y - pred) ** 2), state

    model, state = eqx.nn.make_with_state(MLP)(layers)
    tx = optax.sgd(LR["sgd"]) if opt == "sgd" else optax.adam(LR["adam"])
    box: dict[str, Any] = {
        "model": model,
        "state": state,
        "opt_state": tx.init(eqx.filter(model, eqx.is_array)),
    }
    xb, yb = jnp.asarray(x), jnp.asarray(y)

    def make_step():
        @eqx.filter_jit
        def train_step(model, state, opt_state, x, y):
            grads, state = eqx.filter_grad(loss_fn, has_aux=True)(model, state, x, y)
            updates, opt_state = tx.update(
                grads, opt_state, eqx.filter(model, eqx.is_array)
            )
            model = eqx.apply_updates(model, updates)
            return model, state, opt_state

        def step():
            box["model"], box["state"], box["opt_state"] = train_step(
                box["model"], box["state"], box["opt_state"], xb, yb
            )

        return step

    return Trainer(
        make_step,
        lambda: jax.block_until_ready((box["model"], box["state"])),
        lambda: [
            (np.asarray(lin.weight).T, np.asarray(lin.bias))
            for lin in box["model"].layers
        ],
        lambda: int(box["state"].get(box["model"].count)),
    )


# --------------------------------------------------------------------------
# flax.nnx + optax


def _nnx(layers: Layers, opt: str, x: np.ndarray, y: np.ndarray) -> Trainer:
    jax = need("jax")
    nnx = need("flax.nnx")
    optax = need("optax")
    jnp = jax.numpy

    class Count(nnx.Variable):
        pass

    class MLP(nnx.Module):
        def __init__(self, layers, rngs):
            self.count = Count(jnp.array(0))
            self.layers = nnx.List()
            for w, b in layers:
                linear = nnx.Linear(w.shape[0], w.shape[1], rngs=rngs)
                linear.kernel[...] = jnp.asarray(w)
                linear.bias[...] = jnp.asarray(b)
                self.layers.append(linear)

        def __call__(self, x):
            self.count[...] += 1
            for layer in self.layers[:-1]:
                x = nnx.relu(layer(x))
            return self.layers[-1](x)

    model = MLP(layers, nnx.Rngs(0))
    tx = optax.sgd(LR["sgd"]) if opt == "sgd" else optax.adam(LR["adam"])
    optimizer = nnx.Optimizer(model, tx, wrt=nnx.Param)
    xb, yb = jnp.asarray(x), jnp.asarray(y)

    def make_step():
        @nnx.jit
        def train_step(model, optimizer, x, y):
            def loss_fn(model):
                return jnp.mean((y - model(x)) ** 2)

            grads = nnx.grad(loss_fn)(model)
            optimizer.update(model, grads)

        return lambda: train_step(model, optimizer, xb, yb)

    return Trainer(
        make_step,
        lambda: jax.block_until_ready(nnx.state(model)),
        lambda: [
            (np.asarray(lin.kernel[...]), np.asarray(lin.bias[...]))
            for lin in model.layers
        ],
        lambda: int(model.count[...]),
    )


_BUILDERS: dict[str, Callable[[Layers, str, np.ndarray, np.ndarray], Trainer]] = {
    "jax": _jax,
    "jax+donate": functools.partial(_jax, donate=True),
    "eqstate": _eqstate,
    "eqstate+nodonate": functools.partial(_eqstate, donate=False),
    "equinox": _equinox,
    "nnx": _nnx,
    "brainstate": _brainstate,
}
