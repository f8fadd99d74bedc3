"""`AttrStore`: where a `Module` keeps the attributes assigned without a class
annotation (brainstate style), as an insertion-ordered pytree node."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import jax.tree_util as jtu


class AttrStore:
    """Insertion-ordered attributes assigned without a class annotation."""

    __slots__ = ("names", "values")

    def __init__(self, names: tuple[str, ...] = (), values: tuple[Any, ...] = ()):
        self.names = list(names)
        self.values = list(values)

    def get(self, name: str) -> Any:
        return self.values[self.names.index(name)]

    def set(self, name: str, value: Any) -> None:
        try:
            self.values[self.names.index(name)] = value
        except ValueError:
            self.names.append(name)
            self.values.append(value)

    def items(self) -> Iterator[tuple[str, Any]]:
        return zip(self.names, self.values)

    def __len__(self) -> int:
        return len(self.names)


def _store_flatten_with_keys(store: AttrStore) -> tuple[Any, tuple[str, ...]]:
    keyed = tuple((jtu.GetAttrKey(n), v) for n, v in store.items())
    return keyed, tuple(store.names)


def _store_flatten(store: AttrStore) -> tuple[tuple[Any, ...], tuple[str, ...]]:
    return tuple(store.values), tuple(store.names)


def _store_unflatten(names: tuple[str, ...], values: Any) -> AttrStore:
    return AttrStore(names, tuple(values))


jtu.register_pytree_with_keys(
    AttrStore, _store_flatten_with_keys, _store_unflatten, _store_flatten
)
