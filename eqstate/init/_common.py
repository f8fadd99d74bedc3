"""Helpers shared by the initializers and the distance profiles."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax.core import Tracer
from jax.typing import DTypeLike
from jaxtyping import PRNGKeyArray

from .._errors import EqstateError
from .._hyper_module import short_repr
from .._units import is_quantity, split_unit
from ..random import split_key
from ..random._keys import float_dtype

Size = int | Sequence[int]


class InitializationError(EqstateError, ValueError):
    """An initializer or a distance profile was built or called with bad arguments.

    Also a `ValueError`, as braintools raises for the same mistakes.

    ```python
    import eqstate

    try:
        eqstate.init.Uniform(1.0, 0.0)
    except eqstate.init.InitializationError as e:
        assert "`low` must be below `high`" in str(e)
    ```
    """


def _as_shape(size: Size) -> tuple[int, ...]:
    if isinstance(size, (int, np.integer)):
        return (int(size),)
    return tuple(int(d) for d in size)


def _float_dtype(dtype: DTypeLike | None) -> Any:
    """`dtype`, or the environ's default float (`eqstate.environ.dftype()`:
    float32 unless the precision is set), as `eqstate.random` draws."""
    return jnp.dtype(float_dtype(dtype))


def _key(key: PRNGKeyArray | None) -> PRNGKeyArray:
    return split_key() if key is None else key


def _split(key: PRNGKeyArray | None, n: int) -> list[PRNGKeyArray | None]:
    """`n` independent keys from `key`; with no key each child draws its own."""
    if key is None:
        return [None] * n
    return list(jax.random.split(key, n))


def _repr(obj: Any) -> str:
    """`Name(field=value, ...)` of an initializer or profile, fields then
    attributes assigned in `__init__`; a `None` left at its default is omitted."""
    defaults = {f.name: f.default for f in dataclasses.fields(obj)}
    parts = [
        f"{name}={short_repr(value)}"
        for name, value in obj._items()
        if not (value is None and defaults.get(name, dataclasses.MISSING) is None)
    ]
    return f"{type(obj).__name__}({', '.join(parts)})"


def _is_zero(x: Any) -> bool:
    if isinstance(x, Tracer):
        return False
    try:
        return bool(np.all(np.asarray(x) == 0))
    except (TypeError, ValueError):
        return False


def _in_unit(x: Any, unit: Any, *, what: str, ref: str) -> Any:
    """The mantissa of `x` expressed in `unit` (`None`: plain numbers).

    A plain zero is accepted in any unit. A mismatch raises an
    `InitializationError` naming `what` (the converted value) and `ref` (the
    argument whose unit sets the scale).
    """
    if unit is None:
        if not is_quantity(x):
            return x
        if x.dim.is_dimensionless:
            return x.to_decimal()
        raise InitializationError(
            f"{what} is in {x.unit} but {ref} is a plain number. Give both units, "
            f"e.g. {ref}=100.0 * u.um with distances in u.um, or neither."
        )
    if not is_quantity(x):
        if _is_zero(x):
            return x
        raise InitializationError(
            f"{what} is a plain number but {ref} is in {unit}. Give {what} a unit "
            f"too, e.g. `x * u.{getattr(unit, 'name', unit)}`."
        )
    try:
        return x.to_decimal(unit)
    except Exception as e:  # brainunit's UnitMismatchError
        raise InitializationError(
            f"{what} is in {x.unit}, which does not convert to {ref}'s unit {unit} "
            f"({e})."
        ) from None


def _times_unit(value: Any, unit: Any) -> Any:
    """Apply braintools' deprecated `unit=` argument to a result."""
    if unit is None:
        return value
    return value * unit


def _check_positive(owner: Any, name: str, *, allow_zero: bool = False) -> None:
    value = getattr(owner, name)
    if value is None or isinstance(value, Tracer):
        return
    mantissa = np.asarray(split_unit(value)[0])
    bad = np.any(mantissa < 0) if allow_zero else np.any(mantissa <= 0)
    if bad:
        kind = "non-negative" if allow_zero else "positive"
        raise InitializationError(
            f"{type(owner).__name__}: `{name}` must be {kind}, got {short_repr(value)}."
        )
