"""Argument handling shared by every sampler: keys, `size`, `dtype`, checks.

Each sampler in `eqstate.random` takes the numpy-style `size=`, a `key=` that
draws from a given key instead of the stream, and a `dtype=`; the helpers here
turn those into a raw PRNG key, a result shape and a concrete dtype, one way
for all of them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeAlias

import jax
import jax.numpy as jnp
import numpy as np

from .._errors import EqstateError
from .._jax_hooks import is_tracer

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
