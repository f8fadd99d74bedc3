"""`AttrStore`: where a module keeps the attributes assigned without a class
annotation (brainstate style), as an insertion-ordered pytree node; and
`OpenInit`, the equinox module whose `__init__` may assign them (the base of
`nn.Module`, and of the surrogates and initializers, which braintools teaches
to subclass that way)."""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, ClassVar

import equinox as eqx
import jax.tree_util as jtu

from .._state import is_state
from .._table import replace


class AttrStore:
    """Insertion-ordered attributes assigned without a class annotation."""

    __slots__ = ("names", "values")

    def __init__(self, names: tuple[str, ...] = (), values: tuple[Any, ...] = ()):
        self.names = list(names)
        self.values = list(values)

    def get(self, name: str) -> Any:
        return self.values[self.names.index(name)]

    def find(self, name: str) -> Any:
        """The value under `name`, or None."""
        try:
            return self.values[self.names.index(name)]
        except ValueError:
            return None

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


OPEN = "_eqstate_open"  # instance __dict__ flag: the structure may change
ATTRS = "_attrs"


def instance_vars(obj: Any) -> dict[str, Any]:
    """`obj.__dict__`, past any `__getattr__` / equinox attribute hooks."""
    return object.__getattribute__(obj, "__dict__")


@functools.cache
def field_names(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(cls))


class OpenInit(eqx.Module):
    """An equinox module whose `__init__` may also assign undeclared attributes.

    Declared fields (class annotations) work as in any equinox module; other
    names assigned in `__init__` go, in order, to an `AttrStore` child and read
    back as ordinary attributes. Either way the values are pytree leaves. The
    structure is frozen when `__init__` returns (`FROZEN` says what to do).
    """

    _attrs: AttrStore = eqx.field(default_factory=AttrStore, kw_only=True, repr=False)

    FROZEN: ClassVar[str] = """\
cannot assign to {cls}.{name}: {cls} is an equinox module (a frozen pytree),
so its attributes are set once, in __init__. Make a modified copy instead:

    new = eqx.tree_at(lambda m: m.{name}, old, new_value)   # or construct anew"""

    def __new__(cls, *args: Any, **kwargs: Any) -> Any:
        self = super().__new__(cls, *args, **kwargs)
        d = instance_vars(self)
        d[ATTRS] = AttrStore()
        d[OPEN] = True
        return self

    def __check_init__(self) -> None:
        instance_vars(self).pop(OPEN, None)

    if not TYPE_CHECKING:

        def __setattr__(self, name: str, value: Any) -> None:
            d = instance_vars(self)
            if name == ATTRS:
                if ATTRS not in d:
                    object.__setattr__(self, name, value)
                return  # the store made in __new__ is kept
            if OPEN not in d:
                raise dataclasses.FrozenInstanceError(
                    self.FROZEN.format(cls=type(self).__name__, name=name)
                )
            if isinstance(getattr(type(self), name, None), property):
                object.__setattr__(self, name, value)  # runs the property setter
                return
            store: AttrStore = d[ATTRS]
            declared = name in field_names(type(self)) or name.startswith("__")
            old = d.get(name) if declared else store.find(name)
            if is_state(old) and is_state(value):  # (an `init_state` run again)
                replace(old, value)
            if declared:
                object.__setattr__(self, name, value)
            else:
                store.set(name, value)

        def __getattr__(self, name: str) -> Any:
            try:
                return instance_vars(self)[ATTRS].get(name)
            except (KeyError, ValueError):
                raise AttributeError(
                    f"{type(self).__name__!r} object has no attribute {name!r}"
                ) from None
