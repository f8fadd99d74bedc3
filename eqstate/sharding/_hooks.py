"""Where eqstate's core calls into sharding: only for States that declare one.

- `constrain_written` (trace time, `transform.jit`): a written value keeps
  the State's declared sharding, so no step reshards a parameter.
- `check_eager_write` (an eager `.value =`): a committed array on another
  sharding raises unless the State allows resharding.
- `place_created` (`State(value, sharding=...)`): the first value is put on
  the declared sharding when a mesh is known.

Each is called only when a State's metadata is non-empty; States without
metadata pay nothing.
"""

from __future__ import annotations

from typing import Any

import jax
from jax.core import Tracer
from jax.sharding import NamedSharding

from .. import _table
from .._state import State
from ._resolve import declares, first_mesh, is_explicit, leaf_specs, ndim_of, same_spec
from ._rules import ShardingError

__all__ = ["check_eager_write", "constrain_written", "place_created"]


def _allowed(state: State[Any]) -> bool:
    return bool(state._info.metadata.get("allow_reshard", False))


def _eager_value(state: State[Any]) -> Any:
    return _table.eager_slot(state)


def _reshard_error(state: State[Any], was: Any, now: Any) -> ShardingError:
    return ShardingError(
        f"{state._describe()} declares the sharding {was}, and the value written "
        f"to it has the sharding {now}. Keeping it would reshard the State (and "
        "every step after it would move the data again). Put the value on the "
        "State's sharding first:\n"
        "    state.value = jax.device_put(x, eqstate.sharding.shardings(state, mesh).value)\n"
        "or let eqstate reshard it on each write by declaring the State with "
        "`allow_reshard=True`."
    )


def constrain_written(state: State[Any], value: Any) -> Any:
    """A written value under `transform.jit`, held to the State's sharding."""
    if not declares(state):
        return value
    abstract = jax.sharding.get_abstract_mesh()
    mesh: Any = None if abstract.empty else abstract
    if mesh is None:
        mesh = first_mesh(state, _eager_value(state))
        if mesh is None:
            return value  # no mesh anywhere: one device, nothing to keep
    leaves, treedef = jax.tree.flatten(value)
    specs = leaf_specs(state, value)
    out = []
    for leaf, spec in zip(leaves, specs):
        typed = getattr(jax.typeof(leaf), "sharding", None)
        if typed is not None and is_explicit(typed.mesh):
            if not same_spec(typed.spec, spec, ndim_of(leaf)):
                if not _allowed(state):
                    raise _reshard_error(state, spec, typed.spec)
                leaf = jax.sharding.reshard(leaf, NamedSharding(typed.mesh, spec))
            out.append(leaf)
        elif mesh is abstract:
            out.append(jax.lax.with_sharding_constraint(leaf, spec))
        else:
            out.append(
                jax.lax.with_sharding_constraint(leaf, NamedSharding(mesh, spec))
            )
    return treedef.unflatten(out)


def check_eager_write(state: State[Any], value: Any) -> Any:
    """An eager write to a declaring State: placed, checked, or refused.

    A value already laid out by the declared spec passes (on any mesh: a
    restore onto a smaller mesh moves the State); an uncommitted array is
    placed; a committed array laid out otherwise raises unless the State
    was declared with `allow_reshard=True`.
    """
    if not declares(state):
        return value
    leaves, treedef = jax.tree.flatten(value)
    specs = leaf_specs(state, value)
    mesh: Any = None
    out = []
    for leaf, spec in zip(leaves, specs):
        if isinstance(leaf, jax.Array) and not isinstance(leaf, Tracer):
            sharding = leaf.sharding
            if isinstance(sharding, NamedSharding):
                if not same_spec(sharding.spec, spec, leaf.ndim):
                    if not _allowed(state):
                        raise _reshard_error(state, spec, sharding.spec)
                    leaf = jax.device_put(leaf, NamedSharding(sharding.mesh, spec))
            else:
                if mesh is None:
                    mesh = _mesh(state)
                if mesh is not None:
                    target = NamedSharding(mesh, spec)
                    if not sharding.is_equivalent_to(target, leaf.ndim):
                        if leaf.committed and not _allowed(state):
                            raise _reshard_error(state, spec, sharding)
                        leaf = jax.device_put(leaf, target)
        out.append(leaf)
    return treedef.unflatten(out)


def _mesh(state: State[Any]) -> Any:
    context = jax.sharding.get_mesh()
    if not context.empty:
        return context
    return first_mesh(state, _eager_value(state))


def place_created(state: State[Any], value: Any) -> Any:
    """The first value of a declaring State, on its sharding if a mesh is known."""
    if any(isinstance(x, Tracer) for x in jax.tree.leaves(value)):
        return value
    mesh = _mesh(state)
    if mesh is None:
        return value
    leaves, treedef = jax.tree.flatten(value)
    specs = leaf_specs(state, value)
    placed = [jax.device_put(x, NamedSharding(mesh, s)) for x, s in zip(leaves, specs)]
    return treedef.unflatten(placed)
