"""Checked by pyright in CI (not run by pytest): the types users see."""

from typing import Any, assert_type

import jax
import jax.numpy as jnp
from jaxtyping import Array, Float

import eqstate


class Linear(eqstate.nn.Module):
    w: eqstate.ParamState[Float[Array, " din dout"]]
    b: eqstate.ParamState[Float[Array, " dout"]]

    def __init__(self, din: int, dout: int):
        self.w = eqstate.ParamState(jnp.zeros((din, dout)))
        self.b = eqstate.ParamState(jnp.zeros(dout))

    def __call__(self, x: Float[Array, " n din"]) -> Float[Array, " n dout"]:
        return x @ self.w.value + self.b.value


model = Linear(2, 3)
assert_type(model.w.value, Float[Array, " din dout"])
assert_type(model.w, eqstate.ParamState[Float[Array, " din dout"]])

count = eqstate.State(jnp.array(0))
assert_type(count, eqstate.State[jax.Array])
assert_type(count.value, jax.Array)

params = model.states(eqstate.ParamState)
assert_type(params, eqstate.util.FlattedDict)
