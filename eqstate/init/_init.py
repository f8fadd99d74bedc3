"""The `Initialization` base class and the basic initializers.

An initializer is a small frozen `eqx.Module` that makes an array from a shape:
`init(shape, key=None, dtype=None, **kwargs)`. Randomness follows brainstate:
with no `key` the initializer draws one from eqstate's default random stream
(`eqstate.random.split_key()`), so `eqstate.random.seed(0)` makes model
construction reproducible, and draws inside `eqstate.transform.jit` advance
the stream like any other written State. Extra keyword arguments (braintools
passes `rng=`, `distances=`, ...) are ignored by initializers that do not use
them and forwarded by the combinators.

Values may carry brainunit units (`Constant(0.0 * u.mV)`, `Normal(mean=-65 * u.mV,
std=2 * u.mV)`). brainunit is an optional dependency and is never imported
here: a value is a Quantity only if brainunit is already loaded.
"""

from __future__ import annotations

import abc
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeAlias

import jax
import jax.numpy as jnp
import numpy as np
from jax.typing import DTypeLike
from jaxtyping import PRNGKeyArray

from .._hyper_module import HyperModule, short_repr
from .._units import is_quantity, split_unit, with_unit
from ._common import (
    InitializationError,
    Size,
    _as_shape,
    _float_dtype,
    _in_unit,
    _key,
    _repr,
    _times_unit,
)

if TYPE_CHECKING:
    from ._combinators import _Apply, _Binary, _Clip, _Pipe

__all__ = [
    "AbstractInitializer",
    "Constant",
    "Initialization",
    "Initializer",
    "Normal",
    "TruncatedNormal",
    "Uniform",
    "ZeroInit",
]


class Initialization(HyperModule):
    """Base class of the initializers in `eqstate.init` (braintools' `Initialization`).

    An initializer maps a shape to an array; `param` calls it for you.
    Initializers combine with arithmetic (`init + 1.0`, `2.0 * init`,
    `init_a - init_b`, `init / 4`), `clip`, `apply` and the pipe `init | fn`.

    ```python
    import eqstate

    init = eqstate.init.Normal(0.0, 0.1)
    assert isinstance(init, eqstate.init.Initialization)
    assert init((3, 2)).shape == (3, 2)
    w = (init * 10.0 + 1.0).clip(0.0, 2.0)((100,))
    assert float(w.min()) >= 0.0 and float(w.max()) <= 2.0
    ```
    """

    @abc.abstractmethod
    def __call__(
        self,
        shape: Size,
        key: PRNGKeyArray | None = None,
        dtype: DTypeLike | None = None,
        **kwargs: Any,
    ) -> Any:
        """Make a value of `shape`.

        Args:
            shape: an int or a tuple of ints.
            key: a PRNG key; `None` draws one from `eqstate.random.split_key()`.
                Deterministic initializers ignore it.
            dtype: the floating dtype of the result (of its mantissa, for a
                Quantity); `None` means the default float dtype.
            **kwargs: extra arguments for initializers that need them
                (`DistanceModulated` takes `distances=`, `Conditional` takes
                `neuron_indices=`); the others ignore them.

        Returns:
            An array of `shape`, or a brainunit Quantity when the
            initializer's values carry units.
        """

    def __repr__(self) -> str:
        return _repr(self)

    def _binary(self, other: Any, op: str, *, reverse: bool = False) -> _Binary:
        from ._combinators import _Binary

        return _Binary(other, op, self) if reverse else _Binary(self, op, other)

    def __add__(self, other: Any) -> _Binary:
        return self._binary(other, "+")

    def __radd__(self, other: Any) -> _Binary:
        return self._binary(other, "+", reverse=True)

    def __sub__(self, other: Any) -> _Binary:
        return self._binary(other, "-")

    def __rsub__(self, other: Any) -> _Binary:
        return self._binary(other, "-", reverse=True)

    def __mul__(self, other: Any) -> _Binary:
        return self._binary(other, "*")

    def __rmul__(self, other: Any) -> _Binary:
        return self._binary(other, "*", reverse=True)

    def __truediv__(self, other: Any) -> _Binary:
        return self._binary(other, "/")

    def __rtruediv__(self, other: Any) -> _Binary:
        return self._binary(other, "/", reverse=True)

    def __or__(self, other: Callable[[Any], Any]) -> _Pipe:
        from ._combinators import _Pipe

        return _Pipe(self, other)

    def add(self, value: Any) -> _Binary:
        """`self + value`: add a number, an array or another initializer's draws.

        ```python
        import eqstate

        assert eqstate.init.ZeroInit().add(2.0)(3).tolist() == [2.0, 2.0, 2.0]
        ```
        """
        return self._binary(value, "+")

    def multiply(self, value: Any) -> _Binary:
        """`self * value`.

        ```python
        import eqstate

        assert eqstate.init.Constant(2.0).multiply(3.0)(2).tolist() == [6.0, 6.0]
        ```
        """
        return self._binary(value, "*")

    def clip(self, min_val: Any = None, max_val: Any = None) -> _Clip:
        """Clip the draws to `[min_val, max_val]` (`None`: no bound on that side).

        ```python
        import eqstate

        w = eqstate.init.Normal(0.0, 5.0).clip(-1.0, 1.0)((100,))
        assert float(abs(w).max()) <= 1.0
        ```
        """
        from ._combinators import _Clip

        return _Clip(self, min_val, max_val)

    def apply(self, func: Callable[[Any], Any]) -> _Apply:
        """Transform the draws with `func`.

        ```python
        import jax.numpy as jnp
        import eqstate

        w = eqstate.init.Normal(0.0, 1.0).apply(jnp.abs)((100,))
        assert float(w.min()) >= 0.0
        ```
        """
        from ._combinators import _Apply

        return _Apply(self, func)


AbstractInitializer = Initialization
"""The former name of `Initialization`, kept as an alias."""

Initializer: TypeAlias = Initialization | float | int | np.ndarray | jax.Array | Any
"""What a parameter spec may be: an initializer, a number, an array or a Quantity."""


def _full(shape: tuple[int, ...], value: Any, dtype: DTypeLike | None) -> Any:
    if is_quantity(value):
        mantissa = _full(shape, value.mantissa, dtype)
        return with_unit(mantissa, value.unit)
    if dtype is None:
        dtype = jnp.result_type(value) if hasattr(value, "dtype") else None
    return jnp.full(shape, value, dtype=_float_dtype(dtype))


class Constant(Initialization):
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
        unit: braintools' deprecated `unit=`: multiplies the result (give the
            value a unit instead).
    """

    value: Any
    unit: Any = None

    def __call__(
        self,
        shape: Size,
        key: PRNGKeyArray | None = None,
        dtype: DTypeLike | None = None,
        **kwargs: Any,
    ) -> Any:
        del key, kwargs
        return _times_unit(_full(_as_shape(shape), self.value, dtype), self.unit)


class ZeroInit(Initialization):
    """Fill with zeros.

    ```python
    import eqstate

    assert (eqstate.init.ZeroInit()(4) == 0).all()
    ```

    Args:
        unit: if given (a brainunit unit), the zeros carry it.
    """

    unit: Any = None

    def __call__(
        self,
        shape: Size,
        key: PRNGKeyArray | None = None,
        dtype: DTypeLike | None = None,
        **kwargs: Any,
    ) -> Any:
        del key, kwargs
        zeros = jnp.zeros(_as_shape(shape), _float_dtype(dtype))
        return _times_unit(zeros, self.unit)


class Normal(Initialization):
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
        unit: braintools' deprecated `unit=`: multiplies the result.
    """

    mean: Any = 0.0
    std: Any = 1.0
    unit: Any = None

    def __call__(
        self,
        shape: Size,
        key: PRNGKeyArray | None = None,
        dtype: DTypeLike | None = None,
        **kwargs: Any,
    ) -> Any:
        del kwargs
        z = jax.random.normal(_key(key), _as_shape(shape), _float_dtype(dtype))
        return _times_unit(self.mean + self.std * z, self.unit)


class Uniform(Initialization):
    r"""Draw uniformly from $[\text{low}, \text{high})$.

    ```python
    import eqstate

    w = eqstate.init.Uniform(-1.0, 1.0)((100,))
    assert float(w.min()) >= -1.0 and float(w.max()) < 1.0
    ```

    Args:
        low: the lower bound (a number, an array or a Quantity).
        high: the upper bound (same unit as `low`).
        unit: braintools' deprecated `unit=`: multiplies the result.
    """

    low: Any = 0.0
    high: Any = 1.0
    unit: Any = None

    def __check_init__(self) -> None:
        _check_less(self, "low", "high")

    def __call__(
        self,
        shape: Size,
        key: PRNGKeyArray | None = None,
        dtype: DTypeLike | None = None,
        **kwargs: Any,
    ) -> Any:
        del kwargs
        u = jax.random.uniform(_key(key), _as_shape(shape), _float_dtype(dtype))
        return _times_unit(self.low + (self.high - self.low) * u, self.unit)


def _check_less(owner: Any, low_name: str, high_name: str) -> None:
    """`low < high` elementwise, when both are concrete."""
    low, high = getattr(owner, low_name), getattr(owner, high_name)
    if low is None or high is None:
        return
    try:
        lo, unit = split_unit(low)
        hi = _in_unit(high, unit, what=f"`{high_name}`", ref=f"`{low_name}`")
        bad = bool(np.any(np.asarray(lo) >= np.asarray(hi)))
    except jax.errors.ConcretizationTypeError:
        return
    if bad:
        raise InitializationError(
            f"{type(owner).__name__}: `{low_name}` must be below `{high_name}`, got "
            f"{low_name}={short_repr(low)}, {high_name}={short_repr(high)}."
        )


class TruncatedNormal(Initialization):
    r"""Draw from $\mathcal{N}(\mu, \sigma^2)$ conditioned on $\text{low} \le x \le \text{high}$.

    The bounds are values of $x$ (in `mean`'s unit); `None` leaves that
    side open, so with no bounds this is `Normal`.

    ```python
    import eqstate

    w = eqstate.init.TruncatedNormal(mean=0.0, std=1.0, low=-1.0, high=1.0)((500,))
    assert float(abs(w).max()) <= 1.0
    ```

    Args:
        mean: the mean $\mu$ before truncation.
        std: the standard deviation $\sigma$ before truncation (non-negative).
        low: the lower bound, or `None`.
        high: the upper bound, or `None`.
        unit: braintools' deprecated `unit=`: multiplies the result.
    """

    mean: Any = 0.0
    std: Any = 1.0
    low: Any = None
    high: Any = None
    unit: Any = None

    def __check_init__(self) -> None:
        from ._common import _check_positive

        _check_positive(self, "std", allow_zero=True)
        _check_less(self, "low", "high")

    def __call__(
        self,
        shape: Size,
        key: PRNGKeyArray | None = None,
        dtype: DTypeLike | None = None,
        **kwargs: Any,
    ) -> Any:
        del kwargs
        mean, unit = split_unit(self.mean)
        std = _in_unit(self.std, unit, what="`std`", ref="`mean`")
        dtype = _float_dtype(dtype)
        safe_std = jnp.where(jnp.asarray(std) == 0, 1.0, std)
        lo = -jnp.inf
        hi = jnp.inf
        if self.low is not None:
            lo = _in_unit(self.low, unit, what="`low`", ref="`mean`")
        if self.high is not None:
            hi = _in_unit(self.high, unit, what="`high`", ref="`mean`")
        a = (jnp.asarray(lo, dtype) - mean) / safe_std
        b = (jnp.asarray(hi, dtype) - mean) / safe_std
        z = jax.random.truncated_normal(_key(key), a, b, _as_shape(shape), dtype)
        x = jnp.clip(mean + std * z, lo, hi).astype(dtype)
        return _times_unit(with_unit(x, unit), self.unit)
