"""brainunit support without importing brainunit unless a Quantity shows up."""

from __future__ import annotations

import sys
from typing import Any

__all__ = ["is_quantity", "strip", "unit_of", "with_unit"]


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
