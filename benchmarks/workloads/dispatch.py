"""dispatch: µs per jitted stateful call on tiny data.

The model is a call counter (a State incremented on every call) plus a 4x4
linear layer; the second variant adds `N_EXTRA` small States, each
incremented on every call. The cost per extra State is
`(t_extra - t_1) / N_EXTRA`, computed per repeat.

Each library's version is written the way its docs would write it:

- pure JAX: `jax.jit` of `step(params, state, x) -> (out, state)`;
- eqstate / brainstate: `transform.jit` of the module itself (brainstate
  style: the call reads and writes `self.count.value`);
- equinox: `eqx.filter_jit` with the counter in `eqx.nn.State` (`StateIndex`);
- flax.nnx: `nnx.jit` of `step(model, x)` with `nnx.Variable`s.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np

from .._core import Measured, Metric, Mode, Workload, time_per_call
from . import _data
from ._libs import need

N_EXTRA = _data.N_EXTRA
CHECK_CALLS = 3

Built = tuple[Callable[[], Any], Callable[[Any], Any], Callable[[], dict[str, float]]]
Builder = Callable[[int], Built]


def _measure(lib: str, mode: Mode) -> Measured:
    build = BUILDERS[lib]()
    samples: dict[str, list[float]] = {}
    checks: dict[str, float] = {}
    for n_extra, key in ((0, "call_1"), (N_EXTRA, "call_extra")):
        call, block, check = build(n_extra)
        out = None
        for _ in range(CHECK_CALLS):  # the first call compiles
            out = call()
        block(out)
        if n_extra:
            checks.update(check())
        samples[key] = time_per_call(call, block, mode)
    samples["per_extra"] = [
        (t_extra - t_1) / N_EXTRA
        for t_1, t_extra in zip(samples["call_1"], samples["call_extra"])
    ]
    return Measured(samples, checks)


def _checks(out: Any, count: Any, extras: list[Any]) -> dict[str, float]:
    return {
        "counter": float(count),
        "out_sum": float(np.sum(np.asarray(out))),
        "extras_sum": float(sum(float(e) for e in extras)),
    }


# --------------------------------------------------------------------------
# pure JAX


def _jax() -> Builder:
    jax = need("jax")
    jnp = jax.numpy

    def build(n_extra: int) -> Built:
        d = _data.dispatch_data(n_extra)
        params = {"w": jnp.asarray(d["w"]), "b": jnp.asarray(d["b"])}
        state = {
            "count": jnp.array(0),
            "extras": [jnp.asarray(e) for e in d["extras"]],
        }
        x = jnp.asarray(d["x"])

        @jax.jit
        def step(params, state, x):
            out = x @ params["w"] + params["b"]
            new_state = {
                "count": state["count"] + 1,
                "extras": [e + 1.0 for e in state["extras"]],
            }
            return out, new_state

        box = [state, None]

        def call():
            box[1], box[0] = step(params, box[0], x)
            return box[1]

        def block(out):
            jax.block_until_ready((out, box[0]))

        def check():
            return _checks(box[1], box[0]["count"], box[0]["extras"])

        return call, block, check

    return build


# --------------------------------------------------------------------------
# eqstate and brainstate: the same brainstate-style code


def _brainstate_style(bs: Any) -> Builder:
    jax = need("jax")
    jnp = jax.numpy

    class Linear(bs.nn.Module):
        def __init__(self, w, b):
            super().__init__()
            self.w = bs.ParamState(jnp.asarray(w))
            self.b = bs.ParamState(jnp.asarray(b))

        def __call__(self, x):
            return x @ self.w.value + self.b.value

    class Model(bs.nn.Module):
        def __init__(self, d):
            super().__init__()
            self.count = bs.State(jnp.array(0))
            self.linear = Linear(d["w"], d["b"])
            self.extras = [bs.State(jnp.asarray(e)) for e in d["extras"]]

        def __call__(self, x):
            self.count.value += 1
            for e in self.extras:
                e.value = e.value + 1.0
            return self.linear(x)

    def build(n_extra: int) -> Built:
        d = _data.dispatch_data(n_extra)
        model = Model(d)
        step = bs.transform.jit(model)
        x = jnp.asarray(d["x"])
        box = [None]

        def call():
            box[0] = step(x)
            return box[0]

        def block(out):
            jax.block_until_ready(
                (out, model.count.value, [e.value for e in model.extras])
            )

        def check():
            return _checks(box[0], model.count.value, [e.value for e in model.extras])

        return call, block, check

    return build


def _eqstate() -> Builder:
    return _brainstate_style(need("eqstate"))


def _brainstate() -> Builder:
    return _brainstate_style(need("brainstate"))


# --------------------------------------------------------------------------
# equinox with eqx.nn.State


def _equinox() -> Builder:
    jax = need("jax")
    eqx = need("equinox")
    jnp = jax.numpy

    class Model(eqx.Module):
        linear: eqx.nn.Linear  # pyright: ignore[reportInvalidTypeForm]
        count: eqx.nn.StateIndex  # pyright: ignore[reportInvalidTypeForm]
        extras: list[eqx.nn.StateIndex]  # pyright: ignore[reportInvalidTypeForm]

        def __init__(self, d):
            linear = eqx.nn.Linear(4, 4, key=jax.random.key(0))
            linear = eqx.tree_at(
                lambda lin: (lin.weight, lin.bias),
                linear,
                (jnp.asarray(d["w"]).T, jnp.asarray(d["b"])),
            )
            self.linear = linear
            self.count = eqx.nn.StateIndex(jnp.array(0))
            self.extras = [eqx.nn.StateIndex(jnp.asarray(e)) for e in d["extras"]]

        def __call__(self, x, state):
            state = state.set(self.count, state.get(self.count) + 1)
            for e in self.extras:
                state = state.set(e, state.get(e) + 1.0)
            return self.linear(x), state

    @eqx.filter_jit
    def step(model, state, x):
        return model(x, state)

    def build(n_extra: int) -> Built:
        d = _data.dispatch_data(n_extra)
        model, state = eqx.nn.make_with_state(Model)(d)
        x = jnp.asarray(d["x"])
        box = [state, None]

        def call():
            box[1], box[0] = step(model, box[0], x)
            return box[1]

        def block(out):
            jax.block_until_ready((out, box[0]))

        def check():
            st = box[0]
            return _checks(
                box[1], st.get(model.count), [st.get(e) for e in model.extras]
            )

        return call, block, check

    return build


# --------------------------------------------------------------------------
# flax.nnx


def _nnx() -> Builder:
    jax = need("jax")
    nnx = need("flax.nnx")
    jnp = jax.numpy

    class Count(nnx.Variable):
        pass

    class Model(nnx.Module):
        def __init__(self, d, rngs):
            self.count = Count(jnp.array(0))
            self.linear = nnx.Linear(4, 4, rngs=rngs)
            self.linear.kernel[...] = jnp.asarray(d["w"])
            self.linear.bias[...] = jnp.asarray(d["b"])
            self.extras = nnx.List([Count(jnp.asarray(e)) for e in d["extras"]])

        def __call__(self, x):
            self.count[...] += 1
            for e in self.extras:
                e[...] = e[...] + 1.0
            return self.linear(x)

    @nnx.jit
    def step(model, x):
        return model(x)

    def build(n_extra: int) -> Built:
        d = _data.dispatch_data(n_extra)
        model = Model(d, nnx.Rngs(0))
        x = jnp.asarray(d["x"])
        box = [None]

        def call():
            box[0] = step(model, x)
            return box[0]

        def block(out):
            jax.block_until_ready((out, model.count[...]))

        def check():
            return _checks(box[0], model.count[...], [e[...] for e in model.extras])

        return call, block, check

    return build


# lib -> () -> build(n_extra) -> (call, block, check); `benchmarks.profile` uses these too
BUILDERS: dict[str, Callable[[], Builder]] = {
    "jax": _jax,
    "eqstate": _eqstate,
    "equinox": _equinox,
    "nnx": _nnx,
    "brainstate": _brainstate,
}

WORKLOAD = Workload(
    name="dispatch",
    title="Dispatch: a jitted stateful call on tiny data",
    description=(
        "µs per call of a jitted model holding a call counter State and a 4x4 "
        f"linear layer; then the same model with {N_EXTRA} extra small States "
        "(each incremented per call) and the cost per extra State."
    ),
    metrics=(
        Metric(
            "call_1", "call, counter + 4x4 linear", "us", target=1.10, headline=True
        ),
        Metric("call_extra", f"call, + {N_EXTRA} extra States", "us"),
        Metric("per_extra", "cost per extra State", "us", target=1.0, headline=True),
    ),
    impls={lib: functools.partial(_measure, lib) for lib in BUILDERS},
)
