"""What a State declares about its sharding, resolved per leaf of its value.

A State declares its layout with one of two keyword metadata entries:

- `sharding=`: a `jax.sharding.Sharding` (usually a `NamedSharding`) or a
  `PartitionSpec` in mesh axis names;
- `names=`: logical axis names, one per dimension (`("embed", "mlp")`),
  mapped to mesh axes by the active rule table.

Either may be one entry for a single array or a pytree of entries that is a
prefix of the value's structure (a dict for a layer's `{"weight", "bias"}`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import jax
import numpy as np
from jax.core import Tracer
from jax.sharding import AxisType, NamedSharding, PartitionSpec, Sharding

from .._state import State
from ._rules import MeshAxes, ShardingError, logical_to_spec

__all__ = ["declares", "leaf_specs", "same_spec", "first_mesh", "ndim_of"]


def declares(state: State[Any]) -> bool:
    """Whether the State carries a `sharding=` or `names=` entry."""
    metadata = state._info.metadata
    return "sharding" in metadata or "names" in metadata


def _is_entry(x: Any) -> bool:
    return (
        x is None
        or isinstance(x, (PartitionSpec, Sharding))
        or (isinstance(x, tuple) and all(e is None or isinstance(e, str) for e in x))
    )


def ndim_of(leaf: Any) -> int:
    shape = getattr(leaf, "shape", None)
    return len(shape) if shape is not None else np.ndim(leaf)


def _entries(state: State[Any], value: Any) -> tuple[str, list[tuple[Any, Any]]]:
    """(`"sharding"` or `"names"`, [(entry, value leaf), ...]) in leaf order."""
    metadata = state._info.metadata
    kind = "sharding" if "sharding" in metadata else "names"
    declared = metadata[kind]
    entries, treedef = jax.tree_util.tree_flatten(declared, is_leaf=_is_entry)
    try:
        subtrees = treedef.flatten_up_to(value)
    except (ValueError, TypeError) as e:
        raise ShardingError(
            f"{state._describe()} declares {kind}={declared!r}, which does not match "
            f"the structure of its value ({jax.tree.structure(value)}): give one "
            f"entry for the whole value or a tree of entries shaped like it.\n({e})"
        ) from None
    pairs = [
        (entry, leaf)
        for entry, sub in zip(entries, subtrees)
        for leaf in jax.tree.leaves(sub)
    ]
    return kind, pairs


def _spec(state: State[Any], entry: Any, leaf: Any, rules: Any) -> PartitionSpec:
    ndim = ndim_of(leaf)
    if entry is None:
        return PartitionSpec()
    if isinstance(entry, NamedSharding):
        spec = entry.spec
    elif isinstance(entry, Sharding):
        return PartitionSpec()
    elif isinstance(entry, PartitionSpec):
        spec = entry
    else:
        if len(entry) != ndim:
            raise ShardingError(
                f"{state._describe()} declares names={entry!r} for a value of shape "
                f"{tuple(getattr(leaf, 'shape', ()))}: give one logical name per "
                f"dimension ({ndim}), None for a dimension that is not split, e.g. "
                f"names={tuple([*entry, *(None,) * ndim][:ndim])!r}."
            )
        return logical_to_spec(entry, rules)
    if len(spec) > ndim:
        raise ShardingError(
            f"{state._describe()} declares the partition spec {spec} for a value of "
            f"shape {tuple(getattr(leaf, 'shape', ()))}: the spec has more entries "
            "than the value has dimensions."
        )
    return spec


def own_spec(leaf: Any) -> PartitionSpec:
    """The spec of an array already placed with a `NamedSharding`, else `P()`."""
    sharding = getattr(leaf, "sharding", None) if isinstance(leaf, jax.Array) else None
    return sharding.spec if isinstance(sharding, NamedSharding) else PartitionSpec()


def leaf_specs(
    state: State[Any], value: Any, rules: Mapping[str, MeshAxes] | None = None
) -> list[PartitionSpec]:
    """One `PartitionSpec` per leaf of `value` (the State's declaration, else
    the leaf's own `NamedSharding`, else replicated)."""
    if not declares(state):
        return [own_spec(leaf) for leaf in jax.tree.leaves(value)]
    _, pairs = _entries(state, value)
    return [_spec(state, entry, leaf, rules) for entry, leaf in pairs]


def first_mesh(state: State[Any], value: Any) -> Any:
    """The mesh a declaring State lives on: that of a declared `NamedSharding`,
    else that of a leaf of `value` placed with one; None if neither has one."""
    for entry in jax.tree.leaves(
        state._info.metadata.get("sharding"), is_leaf=_is_entry
    ):
        if isinstance(entry, NamedSharding):
            return entry.mesh
    for leaf in jax.tree.leaves(value):
        if isinstance(leaf, jax.Array) and not isinstance(leaf, Tracer):
            sharding = getattr(leaf, "sharding", None)
            if isinstance(sharding, NamedSharding):
                return sharding.mesh
    return None


def _entry_axes(entry: Any) -> Any:
    if isinstance(entry, tuple):
        if len(entry) == 0:
            return None
        if len(entry) == 1:
            return entry[0]
    return entry


def same_spec(a: PartitionSpec, b: PartitionSpec, ndim: int) -> bool:
    """Whether two specs split an array of rank `ndim` the same way."""
    pa = [_entry_axes(e) for e in (*a, *(None,) * (ndim - len(a)))]
    pb = [_entry_axes(e) for e in (*b, *(None,) * (ndim - len(b)))]
    return pa == pb


def is_explicit(mesh: Any) -> bool:
    return any(t == AxisType.Explicit for t in getattr(mesh, "axis_types", ()))
