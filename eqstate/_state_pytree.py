"""A State as a pytree node, and the one way to build a State without `__init__`.

A State is a pytree node whose only child is its *current* value, so
`jax.tree.leaves(module)` shows the latest values and `eqx.tree_serialise_leaves`
saves them. Its node data is its `_Info` (`_state_info.py`). Unflattening always
builds a *new* State (a new identity) with the given value, so
`jax.tree.map(f, module)` returns an independent copy. `is_equinox_module` is
how the walkers that look for States inside modules recognise one.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

import jax.tree_util as jtu

from . import _table
from ._state_info import _Info

if TYPE_CHECKING:
    from ._state import State

__all__ = [
    "is_equinox_module",
    "new_state",
    "rebuild_state",
    "register_pytree",
    "reports_states",
]


def is_equinox_module(x: Any) -> bool:
    """`isinstance(x, eqx.Module)`, without importing equinox to ask.

    No equinox module can exist before equinox is imported, so `import eqstate`
    leaves equinox for the first model definition (`eqstate.nn`) to load.
    """
    eqx = sys.modules.get("equinox")
    return eqx is not None and isinstance(x, eqx.Module)


def reports_states(x: Any) -> bool:
    """Whether `x` reports the States it keeps outside any pytree through a
    `__eqstate_states__()` method (optimizers, schedules): the graph walker,
    checkpoints and `jit`'s discovery all step through what it returns."""
    # (looked up on the type: a class itself, or an object whose
    # `__getattr__` answers every name, does not report States)
    return getattr(type(x), "__eqstate_states__", None) is not None


def new_state(
    cls: type[State[Any]],
    info: _Info,
    value: Any,
    *,
    copy: bool,
    eager: bool = False,
) -> Any:
    """The one way to build a State without calling `__init__`.

    `copy=True` marks a pytree copy (JAX unflattening a module): written under
    a raw JAX transform, such a copy would lose the write, so it raises.
    `copy=False` is a new State in its own right (e.g. `treefy_merge`).
    `eager=True` creates it outside every transform's frame.
    """
    state = object.__new__(cls)
    state._info = info
    _table.create(state, value, copy=copy, eager=eager)
    return state


def rebuild_state(one_level: Any, value: Any) -> Any:
    """A new State (not a copy) from a State's one-level treedef and a value."""
    cls, info = one_level.node_data()
    return new_state(cls, info, value, copy=False)


def _flatten_with_keys(state: State) -> tuple[tuple[tuple[Any, Any]], _Info]:
    return ((_VALUE_KEY, _table.leaf(state)),), state._info


def _flatten(state: State) -> tuple[tuple[Any], _Info]:
    return (_table.leaf(state),), state._info


_VALUE_KEY = jtu.GetAttrKey("value")


def register_pytree(cls: type[State]) -> None:
    """Register a State kind as a pytree node (`State.__init_subclass__` calls it)."""

    def unflatten(info: _Info, children: Any) -> State:
        return new_state(cls, info, children[0], copy=True)

    jtu.register_pytree_with_keys(cls, _flatten_with_keys, unflatten, _flatten)
