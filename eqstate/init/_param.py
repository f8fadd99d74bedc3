"""`param`: turn a parameter spec (an initializer, a callable, an array or a scalar) into a value."""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from .._units import is_quantity, with_unit
from ._common import Size, _as_shape

__all__ = ["param"]


def _shape_of(x: Any) -> tuple[int, ...]:
    return tuple(x.shape) if hasattr(x, "shape") else np.shape(x)


def _broadcast(x: Any, shape: tuple[int, ...]) -> Any:
    if is_quantity(x):
        return with_unit(jnp.broadcast_to(x.mantissa, shape), x.unit)
    return jnp.broadcast_to(x, shape)


def _broadcastable(small: tuple[int, ...], big: tuple[int, ...]) -> bool:
    if len(small) > len(big):
        return False
    return all(s in (1, b) for s, b in zip(small[::-1], big[::-1]))


def param(
    init: Any,
    sizes: Size,
    batch_size: int | None = None,
    allow_none: bool = True,
    allow_scalar: bool = True,
    **param_kwargs: Any,
) -> Any:
    """Turn a parameter spec into a value: call an initializer, check an array.

    - an initializer, or any callable, is called with the shape `sizes`
      (`(batch_size, *sizes)` when `batch_size` is given);
    - an array (JAX, NumPy or brainunit Quantity) must broadcast to `sizes`;
      it is returned as is, or broadcast to `(batch_size, *sizes)`;
    - a scalar (a Python or NumPy number, or any 0-d array or Quantity) is
      returned unchanged: it broadcasts against anything;
    - `None` is returned unchanged (an absent optional parameter).

    With `allow_none=False` a `None` raises; with `allow_scalar=False` a
    scalar is broadcast to the full shape instead of passed through.

    ```python
    import brainunit as u
    import eqstate

    assert eqstate.init.param(eqstate.init.ZeroInit(), 3, batch_size=2).shape == (2, 3)
    assert eqstate.init.param(1.0 * u.ohm, (1,)).unit == u.ohm
    ```

    Args:
        init: an initializer, a callable `shape -> array`, an array, a scalar
            or `None`.
        sizes: the parameter's shape without the batch dim (an int or a tuple).
        batch_size: if given, a leading batch dim of this size.
        allow_none: accept `None` (returned as is).
        allow_scalar: pass scalars through unchanged.
        **param_kwargs: forwarded to a callable `init`.

    Returns:
        The parameter value.

    Raises:
        ValueError: if an array's shape does not broadcast to `sizes`, or
            `init` is `None` with `allow_none=False`.
        TypeError: if `init` is none of the above.
    """
    shape = _as_shape(sizes)
    full = shape if batch_size is None else (int(batch_size), *shape)
    if init is None:
        if allow_none:
            return None
        raise ValueError(
            "param: got None for a parameter that must have a value "
            "(allow_none=False). Pass an initializer, an array or a number."
        )
    if isinstance(init, (bool, int, float, complex, np.generic)):
        return init if allow_scalar else _broadcast(jnp.asarray(init), full)
    if is_quantity(init) or isinstance(init, (jax.Array, np.ndarray)):
        actual = _shape_of(init)
        if actual == ():
            return init if allow_scalar else _broadcast(init, full)
        if not _broadcastable(actual, shape):
            raise ValueError(
                f"param: expected a value of shape {shape} (or one that broadcasts "
                f"to it), got an array of shape {actual}."
            )
        return init if batch_size is None else _broadcast(init, full)
    if callable(init):
        return init(full, **param_kwargs)
    raise TypeError(
        "param: `init` must be an initializer (or a callable taking a shape), an "
        f"array, a scalar or None; got {type(init).__name__}."
    )
