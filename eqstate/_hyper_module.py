"""`HyperModule`: the base of surrogates, initializers and distance profiles.

braintools' surrogates and initializers are plain classes, and its docs teach
subclassing them like this:

    class MySurrogate(Surrogate):
        def __init__(self, alpha=1.0):
            super().__init__()
            self.alpha = alpha

eqstate's are equinox modules (frozen pytrees) on `nn.OpenInit`, the base of
`nn.Module` too, so that form works: an attribute assigned in `__init__`
without a class annotation is kept in an `AttrStore` child, its arrays and
numbers pytree leaves like a declared field's. A `HyperModule` is also hashed
by its values and lists them for reprs (`_items`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any, ClassVar

import numpy as np
from jax.core import Tracer

from ._units import is_quantity
from .nn._attr_store import ATTRS, OpenInit, instance_vars

__all__ = ["HyperModule", "short_repr"]


class HyperModule(OpenInit):
    """An `OpenInit` module described by its values (hash, repr)."""

    FROZEN: ClassVar[str] = (
        OpenInit.FROZEN + "\n\nA value that changes during training belongs in an "
        "eqstate.ParamState, whose `.value` you read where it is used."
    )

    def __hash__(self) -> int:
        return hash((type(self), *(v for _, v in self._items(True))))

    def _items(self, hidden: bool = False) -> Iterator[tuple[str, Any]]:
        """`(name, value)` of the declared fields, then of the undeclared attributes.

        With `hidden=False`, only the declared fields shown in the repr.
        """
        d = instance_vars(self)
        for f in dataclasses.fields(self):
            if f.name != ATTRS and (hidden or f.repr) and f.name in d:
                yield f.name, d[f.name]
        store = d.get(ATTRS)
        if store is not None:
            yield from store.items()


def short_repr(value: Any) -> str:
    """`2.0` for a number or a concrete scalar array, `float32[5]` for an array,
    `-65.0 * mvolt` / `float32[3] * mvolt` for a brainunit Quantity."""
    if is_quantity(value):
        name = getattr(value.unit, "name", None) or str(value.unit)
        return f"{short_repr(value.mantissa)} * {name}"
    shape = getattr(value, "shape", None)
    dtype = getattr(value, "dtype", None)
    if shape is None or dtype is None:
        return repr(value)
    if shape == () and not isinstance(value, Tracer):
        return repr(np.asarray(value).item())
    return f"{np.dtype(dtype).name}[{','.join(str(d) for d in shape)}]"
