"""Argument handling shared by every sampler: keys, `size`, `dtype`, units, checks.

Each sampler in `eqstate.random` takes the numpy-style `size=`, a `key=` that
draws from a given key instead of the stream, and a `dtype=`; the helpers here
turn those into a raw PRNG key, a result shape and a concrete dtype, one way
for all of them. `units` lets a sampler take brainunit Quantities, as
brainstate's do: it strips the units off the parameters, draws, and puts the
unit back on the draw.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Sequence
from typing import Any, TypeAlias, TypeVar

import jax
import jax.numpy as jnp
import numpy as np

from .._errors import EqstateError
from .._jax_hooks import is_tracer
from .._units import attach_unit, is_quantity

__all__ = [
    "ArrayLike",
    "DTypeLike",
    "RandomParameterError",
    "SeedOrKey",
    "Size",
    "array",
    "check",
    "float_dtype",
    "format_key",
    "int_dtype",
    "shape_of",
    "units",
]

ArrayLike: TypeAlias = Any
"""An array, a number, or a (nested) list of numbers."""

DTypeLike: TypeAlias = Any
"""A numpy/JAX dtype, a dtype name, or None (eqstate's default precision)."""

Size: TypeAlias = int | Sequence[int] | np.integer | None
"""numpy's `size=`: None (the parameters' broadcast shape), an int or a tuple."""

SeedOrKey: TypeAlias = int | np.integer | jax.Array | np.ndarray | None
"""An integer seed, a raw `uint32[2]` key, or a typed `jax.random.key`."""


class RandomParameterError(EqstateError, ValueError):
    """A sampler got a parameter outside its distribution's domain.

    eqstate checks a parameter when its value is known (outside `jit`, or a
    constant inside it); a traced parameter is not checked.

    ```python
    import eqstate

    try:
        eqstate.random.binomial(10, 1.5)
    except ValueError as e:
        assert "p must lie in [0, 1]" in str(e)
    ```
    """


def format_key(seed_or_key: Any) -> jax.Array | np.ndarray:
    """A raw `uint32[2]` PRNG key from an int seed, a raw key or a typed key.

    A raw key given as a numpy array is kept as is, so that building a key
    from numpy data (the default stream's, at import) starts no JAX backend.
    """
    if isinstance(seed_or_key, (int, np.integer)) and not isinstance(seed_or_key, bool):
        with jax.ensure_compile_time_eval():
            return jax.random.PRNGKey(int(seed_or_key) % 2**32)
    if isinstance(seed_or_key, (jax.Array, np.ndarray)):
        if jnp.issubdtype(seed_or_key.dtype, jax.dtypes.prng_key):
            return jax.random.key_data(seed_or_key)
        if seed_or_key.shape == (2,) and seed_or_key.dtype == np.uint32:
            return seed_or_key  # numpy stays numpy: no backend starts
        if seed_or_key.size == 1 and jnp.issubdtype(seed_or_key.dtype, jnp.integer):
            return jax.random.PRNGKey(jnp.reshape(seed_or_key, ()))
    raise RandomParameterError(
        f"Cannot make a PRNG key from {seed_or_key!r} (type "
        f"{type(seed_or_key).__name__}). Pass an integer seed (`seed=0`), a "
        "`jax.random.PRNGKey(0)` or a `jax.random.key(0)`."
    )


def array(x: Any) -> Any:
    """Lists and tuples become arrays; everything else passes through."""
    if isinstance(x, (list, tuple)):
        return jnp.asarray(x)
    return x


def shape_of(size: Size, *params: Any) -> tuple[int, ...]:
    """The result shape: `size` when given, else the parameters' broadcast shape."""
    if size is None:
        return jnp.broadcast_shapes(*(jnp.shape(p) for p in params if p is not None))
    if isinstance(size, (int, np.integer)):
        return (int(size),)
    return tuple(int(s) for s in size)


def float_dtype(dtype: DTypeLike = None) -> Any:
    """`dtype`, or eqstate's default float (float32 unless the environ says so)."""
    return dtype if dtype is not None else _environ_dtype("dftype", jnp.float32)


def int_dtype(dtype: DTypeLike = None) -> Any:
    """`dtype`, or eqstate's default integer (int32 unless the environ says so)."""
    return dtype if dtype is not None else _environ_dtype("ditype", jnp.int32)


def _environ_dtype(name: str, fallback: Any) -> Any:
    from .. import environ

    get: Callable[[], Any] | None = getattr(environ, name, None)
    return fallback if get is None else get()


def check(ok: Callable[..., Any], message: str, *params: Any) -> None:
    """Raise `RandomParameterError(message)` when the concrete `params` fail `ok`.

    Parameters that are tracers (inside `jit`, `vmap`, ...) are not checked:
    their values are unknown until the compiled program runs.
    """
    if any(p is None or is_tracer(p) for p in params):
        return
    with jax.ensure_compile_time_eval():
        good = bool(np.all(np.asarray(ok(*(jnp.asarray(p) for p in params)))))
    if not good:
        shown = ", ".join(np.array2string(np.asarray(p)) for p in params)
        raise RandomParameterError(f"{message}; got {shown}.")


_Sampler = TypeVar("_Sampler", bound=Callable[..., Any])


def units(*shared: str, squared: str | None = None) -> Callable[[_Sampler], _Sampler]:
    """Let a sampler take brainunit Quantities, the way brainstate's samplers do.

    The parameters named in `shared` (a location and a scale, a pair of bounds)
    share one unit: the first of them that is a dimensional Quantity sets it,
    the other Quantities are converted to it (brainunit raises
    `UnitMismatchError` for an incompatible one), and a plain number among them
    is read in it. `squared` names a parameter in that unit squared (a
    covariance). The sampler draws from the mantissas and the draw gets the
    unit back (a plain array when it is dimensionless). Any other Quantity
    argument must be dimensionless (its value is used); a dimensional one
    raises `RandomParameterError`.

    With no Quantity among the arguments (always, when brainunit is not
    imported) the sampler is called as it is.
    """

    def decorate(fn: _Sampler) -> _Sampler:
        names = tuple(inspect.signature(fn).parameters)

        @functools.wraps(fn)
        def sampler(*args: Any, **kwargs: Any) -> Any:
            if not any(map(is_quantity, args)) and not any(
                map(is_quantity, kwargs.values())
            ):
                return fn(*args, **kwargs)
            given = {**dict(zip(names, args)), **kwargs}
            unit = _shared_unit([given.get(n) for n in shared])
            plain = {
                name: _mantissa(fn.__name__, name, value, unit, shared, squared)
                for name, value in given.items()
            }
            return attach_unit(fn(**plain), unit)

        return sampler  # type: ignore[return-value]

    return decorate


def _shared_unit(values: list[Any]) -> Any:
    """The unit of the first dimensional Quantity in `values` (else of the
    first Quantity; None when there is none)."""
    found = [v.unit for v in values if is_quantity(v)]
    dimensional = [unit for unit in found if not unit.is_unitless]
    return (dimensional or found or [None])[0]


def _mantissa(
    sampler: str,
    name: str,
    value: Any,
    unit: Any,
    shared: tuple[str, ...],
    squared: str | None,
) -> Any:
    """`value` as a plain number or array, in the unit its parameter takes."""
    if name in shared:
        return value.to_decimal(unit) if is_quantity(value) else value
    if name == squared and unit is not None:
        if not is_quantity(value) and not unit.is_unitless:
            import brainunit

            raise brainunit.UnitMismatchError(
                f"{sampler}: {name} must be a Quantity in {unit**2} (the unit "
                f"of {' and '.join(shared)}, squared), but got a plain value."
            )
        return value.to_decimal(unit**2) if is_quantity(value) else value
    if not is_quantity(value):
        return value
    if not value.is_unitless:
        which = (
            f"only {' and '.join(shared)} may carry a unit"
            if shared
            else "it takes no unit"
        )
        raise RandomParameterError(
            f"{sampler}: {name} must be dimensionless ({which}), but got a "
            f"Quantity in {value.unit}. Pass a plain number, or a ratio of "
            f"Quantities whose units cancel."
        )
    return value.to_decimal()
