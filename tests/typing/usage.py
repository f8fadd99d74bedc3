"""Checked by pyright in CI (not run by pytest): the types users see."""

from typing import assert_type

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


def double(x: jax.Array, n: int) -> jax.Array:
    return x * n


step = eqstate.transform.jit(double, static_argnums=1)
assert_type(step(jnp.ones(2), 2), jax.Array)
batched = eqstate.transform.vmap(double, in_axes=(0, None))
assert_type(batched(jnp.ones((3, 2)), 2), jax.Array)
rematted = eqstate.transform.remat(double)
assert_type(rematted(jnp.ones(2), 2), jax.Array)


@eqstate.transform.jit
def decorated(x: jax.Array) -> jax.Array:
    return x + 1


assert_type(decorated(jnp.ones(2)), jax.Array)
assert_type(params, eqstate.util.FlattedDict)


# eqstate.typing names in annotations (brainstate.typing's).
def _typed(
    size: eqstate.typing.Size,
    shape: eqstate.typing.Shape,
    x: eqstate.typing.ArrayLike,
    tree: eqstate.typing.PyTree,
    filter: eqstate.typing.Filter,
    seed: eqstate.typing.SeedOrKey,
    dtype: eqstate.typing.DTypeLike,
    axes: eqstate.typing.Axes,
    path: eqstate.typing.PathParts,
) -> eqstate.typing.Predicate:
    return lambda p, s: p == path


_typed(3, (2, 3), 1.0, {"a": 1}, eqstate.ParamState, 0, "float32", 0, ("w",))
flat = eqstate.graph.states(model)
assert_type(flat, eqstate.util.FlattedDict)
assert_type(flat.to_nest(), eqstate.util.NestedDict)
