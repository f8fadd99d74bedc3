"""Initializers, and `param`: turn a spec (a value or an initializer) into a value.

An initializer is a small frozen `eqx.Module` that makes an array from a shape:
`init(shape, key=None, dtype=None)`. Randomness follows brainstate: with no
`key` the initializer draws one from eqstate's default random stream
(`eqstate.random.split_key()`), so `eqstate.random.seed(0)` makes model
construction reproducible, and draws inside `eqstate.transform.jit` advance
the stream like any other written State.

Values may carry brainunit units (`Constant(0.0 * u.mV)`, `Normal(mean=-65 * u.mV,
std=2 * u.mV)`). brainunit is an optional dependency and is never imported
here: a value is a Quantity only if brainunit is already loaded.
"""

from __future__ import annotations

import abc
import dataclasses
from collections.abc import Sequence
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jax.core import Tracer
from jax.typing import DTypeLike
from jaxtyping import PRNGKeyArray

from .._units import is_quantity, with_unit
from ..random import split_key

__all__ = [
    "AbstractInitializer",
    "Constant",
    "Normal",
    "TruncatedNormal",
    "Uniform",
    "ZeroInit",
    "param",
]

Size = int | Sequence[int]


def _as_shape(size: Size) -> tuple[int, ...]:
    if isinstance(size, int):
        return (size,)
    return tuple(int(d) for d in size)


def _float_dtype(dtype: DTypeLike | None) -> Any:
    """`dtype`, or the default floating dtype (float32 unless x64 is on)."""
    return jnp.result_type(float) if dtype is None else jnp.dtype(dtype)


def _key(key: PRNGKeyArray | None) -> PRNGKeyArray:
    return split_key() if key is None else key


def _format(value: Any) -> str:
    """Short repr: `0.0`, `-65.0 * mvolt`, `float32[3]`, `float32[3] * mvolt`."""
    if is_quantity(value):
        name = getattr(value.unit, "name", None) or str(value.unit)
        return f"{_format(value.mantissa)} * {name}"
    shape = getattr(value, "shape", None)
    dtype = getattr(value, "dtype", None)
    if shape is None or dtype is None:
        return repr(value)
    if shape == () and not isinstance(value, Tracer):
        return repr(np.asarray(value).item())
    return f"{np.dtype(dtype).name}[{','.join(str(d) for d in shape)}]"


class AbstractInitializer(eqx.Module):
    """Base class of the initializers in `eqstate.init`.

    An initializer maps a shape to an array; `param` calls it for you.

    ```python
    import eqstate

    init = eqstate.init.Normal(std=0.1)
    assert isinstance(init, eqstate.init.AbstractInitializer)
    assert init((3, 2)).shape == (3, 2)
    ```
    """

    @abc.abstractmethod
    def __call__(
        self,
        shape: Size,
        key: PRNGKeyArray | None = None,
        dtype: DTypeLike | None = None,
    ) -> Any:
        """Make a value of `shape`.

        Args:
            shape: an int or a tuple of ints.
            key: a PRNG key; `None` draws one from `eqstate.random.split_key()`.
                Deterministic initializers ignore it.
            dtype: the floating dtype of the result (of its mantissa, for a
                Quantity); `None` means the default float dtype.

        Returns:
            An array of `shape`, or a brainunit Quantity when the
            initializer's values carry units.
        """

    def __repr__(self) -> str:
        args = ", ".join(
            f"{f.name}={_format(getattr(self, f.name))}"
            for f in dataclasses.fields(self)
        )
        return f"{type(self).__name__}({args})"


def _full(shape: tuple[int, ...], value: Any, dtype: DTypeLike | None) -> Any:
    if is_quantity(value):
        mantissa = _full(shape, value.mantissa, dtype)
        return with_unit(mantissa, value.unit)
    if dtype is None:
        dtype = jnp.result_type(value) if hasattr(value, "dtype") else None
    return jnp.full(shape, value, dtype=_float_dtype(dtype))


class Constant(AbstractInitializer):
    """Fill with one value (a number, an array broadcastable to the shape, or a Quantity).

    ```python
    import brainunit as u
    import eqstate

    v = eqstate.init.Constant(0.0 * u.mV)((2, 3))
    assert v.shape == (2, 3) and v.unit == u.mV
    assert repr(eqstate.init.Constant(0.0 * u.mV)) == "Constant(value=0.0 * mvolt)"
    ```

    Args:
        value: the fill value. With `dtype=None` the result keeps an array
            value's dtype; a Python number gives the default float dtype.
    """

    value: Any

    def __call__(
        self,
        shape: Size,
        key: PRNGKeyArray | None = None,
        dtype: DTypeLike | None = None,
    ) -> Any:
        del key
        return _full(_as_shape(shape), self.value, dtype)


class ZeroInit(AbstractInitializer):
    """Fill with zeros.

    ```python
    import eqstate

    assert (eqstate.init.ZeroInit()(4) == 0).all()
    ```
    """

    def __call__(
        self,
        shape: Size,
        key: PRNGKeyArray | None = None,
        dtype: DTypeLike | None = None,
    ) -> Any:
        del key
        return jnp.zeros(_as_shape(shape), _float_dtype(dtype))


class Normal(AbstractInitializer):
    r"""Draw from a normal distribution, $x \sim \mathcal{N}(\mu, \sigma^2)$.

    ```python
    import eqstate

    eqstate.random.seed(0)
    w = eqstate.init.Normal(mean=1.0, std=0.1)((1000,))
    assert abs(float(w.mean()) - 1.0) < 0.05
    ```

    Args:
        mean: the mean $\mu$ (a number, an array or a Quantity).
        std: the standard deviation $\sigma$ (same unit as `mean`).
    """

    mean: Any = 0.0
    std: Any = 1.0

    def __call__(
        self,
        shape: Size,
        key: PRNGKeyArray | None = None,
        dtype: DTypeLike | None = None,
    ) -> Any:
        z = jax.random.normal(_key(key), _as_shape(shape), _float_dtype(dtype))
        return self.mean + self.std * z


class Uniform(AbstractInitializer):
    r"""Draw uniformly from $[\text{min\_val}, \text{max\_val})$.

    ```python
    import eqstate

    w = eqstate.init.Uniform(-1.0, 1.0)((100,))
    assert float(w.min()) >= -1.0 and float(w.max()) < 1.0
    ```

    Args:
        min_val: the lower bound (a number, an array or a Quantity).
        max_val: the upper bound (same unit as `min_val`).
    """

    min_val: Any = 0.0
    max_val: Any = 1.0

    def __call__(
        self,
        shape: Size,
        key: PRNGKeyArray | None = None,
        dtype: DTypeLike | None = None,
    ) -> Any:
        u = jax.random.uniform(_key(key), _as_shape(shape), _float_dtype(dtype))
        return self.min_val + (self.max_val - self.min_val) * u


class TruncatedNormal(AbstractInitializer):
    r"""Draw from a normal distribution truncated to `[lower, upper]` standard deviations.

    $x = \mu + \sigma z$ with $z \sim \mathcal{N}(0, 1)$ conditioned on
    $\text{lower} \le z \le \text{upper}$; the bounds are in units of `std`
    around `mean`, as in `jax.random.truncated_normal`.

    ```python
    import eqstate

    w = eqstate.init.TruncatedNormal(mean=0.0, std=1.0, lower=-1.0, upper=1.0)((500,))
    assert float(abs(w).max()) <= 1.0
    ```

    Args:
        mean: the mean $\mu$ before truncation.
        std: the standard deviation $\sigma$ before truncation.
        lower: lower bound on $z$.
        upper: upper bound on $z$.
    """

    mean: Any = 0.0
    std: Any = 1.0
    lower: float = eqx.field(default=-2.0, converter=float)
    upper: float = eqx.field(default=2.0, converter=float)

    def __call__(
        self,
        shape: Size,
        key: PRNGKeyArray | None = None,
        dtype: DTypeLike | None = None,
    ) -> Any:
        z = jax.random.truncated_normal(
            _key(key), self.lower, self.upper, _as_shape(shape), _float_dtype(dtype)
        )
        return self.mean + self.std * z


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


def param(init: Any, sizes: Size, batch_size: int | None = None) -> Any:
    """Turn a parameter spec into a value: call an initializer, check an array.

    - an initializer, or any callable, is called with the shape `sizes`
      (`(batch_size, *sizes)` when `batch_size` is given);
    - an array (JAX, NumPy or brainunit Quantity) must broadcast to `sizes`;
      it is returned as is, or broadcast to `(batch_size, *sizes)`;
    - a scalar (a Python or NumPy number, or any 0-d array or Quantity) is
      returned unchanged: it broadcasts against anything;
    - `None` is returned unchanged (an absent optional parameter).

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

    Returns:
        The parameter value.

    Raises:
        ValueError: if an array's shape does not broadcast to `sizes`.
        TypeError: if `init` is none of the above.
    """
    shape = _as_shape(sizes)
    full = shape if batch_size is None else (int(batch_size), *shape)
    if init is None or isinstance(init, (bool, int, float, complex, np.generic)):
        return init
    if is_quantity(init) or isinstance(init, (jax.Array, np.ndarray)):
        actual = _shape_of(init)
        if actual == ():
            return init
        if not _broadcastable(actual, shape):
            raise ValueError(
                f"param: expected a value of shape {shape} (or one that broadcasts "
                f"to it), got an array of shape {actual}."
            )
        return init if batch_size is None else _broadcast(init, full)
    if callable(init):
        return init(full)
    raise TypeError(
        "param: `init` must be an initializer (or a callable taking a shape), an "
        f"array, a scalar or None; got {type(init).__name__}."
    )
