"""`OpenInit`: an equinox module whose `__init__` may assign undeclared attributes.

braintools' surrogates and initializers are plain classes, and its docs teach
subclassing them like this:

    class MySurrogate(Surrogate):
        def __init__(self, alpha=1.0):
            super().__init__()
            self.alpha = alpha

eqstate's `Surrogate`, `Initialization` and `DistanceProfile` are equinox
modules (frozen pytrees), where only declared fields may be assigned. This base
accepts the braintools form too, by the mechanism `eqstate.nn.Module` uses for
its brainstate-style attributes: an attribute assigned in `__init__` without a
class annotation goes to an `AttrStore` (an insertion-ordered pytree node), so
it is a child of the module pytree like a declared field (arrays and numbers
in it are leaves that `jax.grad` and `jit` see). After `__init__` the module
is frozen.

Its natural home is beside `AttrStore` in `eqstate.nn` (where `nn.Module`
could then share it rather than repeat its `__setattr__`); it lives here
because the engineer who wrote it could only edit the surrogate and init
packages, and the surrogate package is the lighter one to import.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import equinox as eqx
import numpy as np
from jax.core import Tracer

from ..nn._attr_store import AttrStore

__all__ = ["OpenInit", "short_repr"]

_OPEN = "_eqstate_open"  # instance __dict__ flag: `__init__` is still running
_ATTRS = "_attrs"

_FROZEN_MESSAGE = """\
cannot assign to {cls}.{name}: {cls} is an equinox module (a frozen pytree),
so its attributes are set once, in __init__. Make a modified copy instead:

    new = eqx.tree_at(lambda m: m.{name}, old, new_value)   # or construct anew

A value that changes during training belongs in an eqstate.ParamState, whose
`.value` you read where it is used."""


def _vars(obj: Any) -> dict[str, Any]:
    return object.__getattribute__(obj, "__dict__")


class OpenInit(eqx.Module):
    """An equinox module whose `__init__` may also assign undeclared attributes.

    Declared fields (class annotations) work as in any equinox module; other
    names assigned in `__init__` are kept in order in a pytree child, read back
    as ordinary attributes. Either way the values are pytree leaves.
    """

    _attrs: AttrStore = eqx.field(default_factory=AttrStore, kw_only=True, repr=False)

    def __new__(cls, *args: Any, **kwargs: Any) -> Any:
        self = super().__new__(cls, *args, **kwargs)
        d = _vars(self)
        d[_ATTRS] = AttrStore()
        d[_OPEN] = True
        return self

    def __check_init__(self) -> None:
        _vars(self).pop(_OPEN, None)

    if not TYPE_CHECKING:

        def __setattr__(self, name: str, value: Any) -> None:
            d = _vars(self)
            if name == _ATTRS:
                if _ATTRS not in d:
                    object.__setattr__(self, name, value)
                return  # the store made in __new__ is kept
            if _OPEN not in d:
                raise dataclasses.FrozenInstanceError(
                    _FROZEN_MESSAGE.format(cls=type(self).__name__, name=name)
                )
            if name in _field_names(type(self)) or name.startswith("__"):
                object.__setattr__(self, name, value)
            else:
                d[_ATTRS].set(name, value)

        def __getattr__(self, name: str) -> Any:
            try:
                return _vars(self)[_ATTRS].get(name)
            except (KeyError, ValueError):
                raise AttributeError(
                    f"{type(self).__name__!r} object has no attribute {name!r}"
                ) from None

    def __hash__(self) -> int:
        return hash((type(self), *(v for _, v in self._items(True))))

    def _items(self, hidden: bool = False) -> Iterator[tuple[str, Any]]:
        """`(name, value)` of the declared fields, then of the undeclared attributes.

        With `hidden=False`, only the declared fields shown in the repr.
        """
        d = _vars(self)
        for f in dataclasses.fields(self):
            if f.name != _ATTRS and (hidden or f.repr) and f.name in d:
                yield f.name, d[f.name]
        store = d.get(_ATTRS)
        if store is not None:
            yield from store.items()


@functools.cache
def _field_names(cls: type) -> frozenset[str]:
    return frozenset(f.name for f in dataclasses.fields(cls))


def short_repr(value: Any) -> str:
    """`2.0` for a number or a concrete scalar array, `float32[5]` for an array."""
    shape = getattr(value, "shape", None)
    dtype = getattr(value, "dtype", None)
    if shape is None or dtype is None:
        return repr(value)
    if shape == () and not isinstance(value, Tracer):
        return repr(np.asarray(value).item())
    return f"{np.dtype(dtype).name}[{','.join(str(d) for d in shape)}]"
