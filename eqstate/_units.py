"""brainunit support without importing brainunit unless a Quantity shows up."""

from __future__ import annotations

import sys
from typing import Any, TypeAlias

__all__ = [
    "ArrayOrQuantity",
    "attach_unit",
    "is_quantity",
    "split_unit",
    "strip",
    "unit_of",
    "with_unit",
]

ArrayOrQuantity: TypeAlias = Any
"""A `jax.Array`, or a brainunit `Quantity` where a unit is involved.

It is `Any` so that eqstate's annotations (checked by jaxtyping and beartype in
the tests) never name a brainunit class; `Float[ArrayOrQuantity, "n"]` still
checks the dtype and shape of either.
"""


def _brainunit() -> Any:
    return sys.modules.get("brainunit")


def is_quantity(x: Any) -> bool:
    """True for a brainunit Quantity (brainunit is never imported here)."""
    bu = _brainunit()
    return bu is not None and isinstance(x, bu.Quantity)


def unit_of(x: Any) -> Any:
    """The unit of a Quantity, or None for plain numbers and arrays."""
    if not is_quantity(x):
        return None
    return x.unit


def strip(x: Any, unit: Any = None, per: Any = None) -> Any:
    """The mantissa of `x`, expressed in `unit / per` when given."""
    if not is_quantity(x):
        return x
    if unit is None and per is None:
        return x.mantissa
    bu = _brainunit()
    target = unit if unit is not None else bu.UNITLESS
    if per is not None:
        target = target / per
    return x.to_decimal(target)


def with_unit(m: Any, unit: Any) -> Any:
    """`m` as a Quantity in `unit` (or `m` itself when `unit` is None)."""
    if unit is None:
        return m
    return _brainunit().Quantity(m, unit=unit)


def split_unit(x: Any) -> tuple[Any, Any]:
    """`(mantissa, unit)` of a Quantity; `(x, None)` for anything else."""
    if not is_quantity(x):
        return x, None
    return x.mantissa, x.unit


def attach_unit(m: Any, unit: Any) -> Any:
    """`m` in `unit` the way brainunit returns results: a Quantity, or a plain
    array when `unit` is dimensionless (scaled to its decimal value); `m`
    itself when `unit` is None."""
    if unit is None:
        return m
    bu = _brainunit()
    return bu.maybe_decimal(bu.Quantity(m, unit=unit))
