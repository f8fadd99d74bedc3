"""The repr of States and modules, laid out by wadler_lindig (equinox's printer).

A module prints as `Name(field=..., ...)`, broken over indented lines when it
does not fit in 80 columns; arrays print as their dtype and shape (`f32[1,32]`),
a traced value as `Traced<f32[3]>`, a brainunit Quantity holding an array as
`f32[3] * mV`.
"""

from __future__ import annotations

import types
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import wadler_lindig as wl

__all__ = ["format_block", "pretty"]


class _Block:
    """A `Name(key=value, ...)` node, printed through `_custom`."""

    __slots__ = ("fields", "name")

    def __init__(self, name: str, fields: list[tuple[str, Any]]):
        self.name = name
        self.fields = fields


def _summary(x: Any) -> str:
    import wadler_lindig as wl

    return wl.array_summary(tuple(x.shape), str(x.dtype), None).text


def _block_doc(block: _Block, kwargs: dict[str, Any]) -> wl.AbstractDoc:
    import wadler_lindig as wl

    return wl.bracketed(
        begin=wl.TextDoc(f"{block.name}("),
        docs=wl.named_objs(block.fields, **kwargs),
        sep=wl.comma,
        end=wl.TextDoc(")"),
        indent=kwargs["indent"],
    )


def _custom_with(kwargs: dict[str, Any]) -> Any:
    import jax
    import wadler_lindig as wl
    from jax.core import Tracer

    from ._state import State

    def custom(obj: Any) -> wl.AbstractDoc | None:
        if isinstance(obj, _Block):
            return _block_doc(obj, kwargs)
        fields = getattr(obj, "_repr_fields", None)
        if fields is not None and not isinstance(obj, type):
            return _block_doc(_Block(type(obj).__name__, fields()), kwargs)
        if isinstance(obj, State):
            return _block_doc(
                _Block(type(obj).__name__, [("value", _read(obj))]), kwargs
            )
        own_repr = getattr(type(obj).__repr__, "__module__", "") or ""
        if own_repr.startswith("eqstate.") and own_repr != "eqstate._pretty":
            return wl.TextDoc(repr(obj))  # a class of ours with its own repr
        if isinstance(obj, Tracer):
            return wl.TextDoc(f"Traced<{_summary(obj)}>")
        if isinstance(obj, jax.Array):
            return wl.TextDoc(_summary(obj))
        wrapped = getattr(obj, "__wrapped__", None)
        if callable(obj) and isinstance(wrapped, types.FunctionType):
            return wl.TextDoc(f"<function {wrapped.__qualname__}>")
        mantissa = getattr(obj, "mantissa", None)
        unit = getattr(obj, "unit", None)
        if unit is not None and getattr(mantissa, "ndim", 0) > 0:
            return wl.TextDoc(f"{_summary(mantissa)} * {unit}")
        return None

    return custom


def _read(state: Any) -> Any:
    from ._errors import EqstateError

    try:
        return state.value
    except EqstateError:  # a dead tracer: show what the State last held
        from . import _table

        return _table.peek(state)


def pretty(obj: Any) -> str:
    """`obj` laid out in 80 columns, nested blocks indented by two spaces."""
    import wadler_lindig as wl  # imported on first repr: keeps `import eqstate` light

    kwargs: dict[str, Any] = {"indent": 2}
    kwargs["custom"] = _custom_with(kwargs)
    return wl.pformat(obj, width=80, **kwargs)


def format_block(name: str, fields: list[tuple[str, Any]], indent: int = 0) -> str:
    """`Name(a=..., b=...)`, broken over lines when it does not fit."""
    del indent  # nesting is handled by the layout
    return pretty(_Block(name, fields))
