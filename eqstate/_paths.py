"""Paths of pytree entries, as `states()` and checkpoints name them.

A container may hold its children in a private field (`Module` keeps
undeclared attributes in a store). Registering that field's key as
*transparent* makes the children's paths read as if the store were not there:
`("layer", "w")`, not `("layer", "_attrs", "w")`.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from typing import Any

import jax.tree_util as jtu

_TRANSPARENT: set[Hashable] = set()


def register_transparent_key(key: Hashable) -> None:
    """Drop `key` (a `jax.tree_util` key entry) from every path."""
    _TRANSPARENT.add(key)


def clean_keypath(keypath: Iterable[Any]) -> tuple[Any, ...]:
    """`keypath` without its transparent entries (still JAX key objects)."""
    return tuple(k for k in keypath if k not in _TRANSPARENT)


def key_entry(key: Any) -> Any:
    """The plain path entry of one JAX key: a name, a dict key or an index."""
    if isinstance(key, jtu.GetAttrKey):
        return key.name
    if isinstance(key, jtu.DictKey):
        return key.key
    if isinstance(key, jtu.SequenceKey):
        return key.idx
    if isinstance(key, jtu.FlattenedIndexKey):
        return key.key
    return str(key)


def to_path(keypath: Iterable[Any]) -> tuple[Any, ...]:
    """The plain path (`("layers", 0, "w")`) of a JAX key path."""
    return tuple(key_entry(k) for k in clean_keypath(keypath))
