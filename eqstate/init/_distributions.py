"""Initializers that draw from skewed or bounded distributions.

`LogNormal`, `Gamma`, `Exponential`, `Weibull` (positive values such as
synaptic weights or time constants) and `Beta` (values in a range). Scale-like
arguments may be brainunit Quantities; the result then carries their unit.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
from jax.typing import DTypeLike
from jaxtyping import PRNGKeyArray

from .._units import is_quantity, split_unit
from ._common import (
    InitializationError,
    Size,
    _as_shape,
    _check_positive,
    _float_dtype,
    _in_unit,
    _key,
    _times_unit,
)
from ._init import Initialization, _check_less

__all__ = ["Beta", "Exponential", "Gamma", "LogNormal", "Weibull"]


def _scaled(
    scale: Any, draw: jax.Array, unit_arg: Any
) -> Any:  # `scale * draw` keeps scale's unit
    return _times_unit(scale * draw, unit_arg)


def _dimensionless(owner: Any, name: str) -> None:
    if is_quantity(getattr(owner, name)):
        raise InitializationError(
            f"{type(owner).__name__}: `{name}` is a shape parameter and must be a "
            f"plain number, got {getattr(owner, name)}."
        )


class LogNormal(Initialization):
    r"""Draw from a log-normal distribution with the given (linear-space) mean and std.

    $x = e^{\mu + \sigma z}$, $z \sim \mathcal{N}(0, 1)$, with
    $\mu = \log\frac{m^2}{\sqrt{m^2 + s^2}}$ and $\sigma^2 = \log(1 + s^2/m^2)$
    so that $E[x] = m$ and $\mathrm{Std}[x] = s$.

    ```python
    import eqstate

    w = eqstate.init.LogNormal(mean=1.0, std=0.5)((20000,))
    assert float(w.min()) > 0.0
    assert abs(float(w.mean()) - 1.0) < 0.03
    ```

    Args:
        mean: the mean $m$ of $x$ (positive; a number, an array or a Quantity).
        std: the standard deviation $s$ of $x$ (non-negative, `mean`'s unit).
        unit: braintools' deprecated `unit=`: multiplies the result.
    """

    mean: Any
    std: Any
    unit: Any = None

    def __check_init__(self) -> None:
        _check_positive(self, "mean")
        _check_positive(self, "std", allow_zero=True)

    def __call__(
        self,
        shape: Size,
        key: PRNGKeyArray | None = None,
        dtype: DTypeLike | None = None,
        **kwargs: Any,
    ) -> Any:
        del kwargs
        m, unit = split_unit(self.mean)
        s = _in_unit(self.std, unit, what="`std`", ref="`mean`")
        var_ratio = jnp.log1p(jnp.square(jnp.asarray(s) / m))
        mu = jnp.log(m) - 0.5 * var_ratio
        dtype = _float_dtype(dtype)
        z = jax.random.normal(_key(key), _as_shape(shape), dtype)
        x = jnp.exp(mu + jnp.sqrt(var_ratio) * z).astype(dtype)
        return _times_unit(x if unit is None else x * unit, self.unit)


class Gamma(Initialization):
    r"""Draw from a gamma distribution with shape $k$ and scale $\theta$.

    Mean $k\theta$, variance $k\theta^2$.

    ```python
    import eqstate

    w = eqstate.init.Gamma(shape=2.0, scale=0.5)((20000,))
    assert abs(float(w.mean()) - 1.0) < 0.03
    ```

    Args:
        shape: the shape parameter $k$ (positive, dimensionless).
        scale: the scale $\theta$ (positive; a number or a Quantity).
        unit: braintools' deprecated `unit=`: multiplies the result.
    """

    shape: Any
    scale: Any
    unit: Any = None

    def __check_init__(self) -> None:
        _dimensionless(self, "shape")
        _check_positive(self, "shape")
        _check_positive(self, "scale")

    def __call__(
        self,
        shape: Size,
        key: PRNGKeyArray | None = None,
        dtype: DTypeLike | None = None,
        **kwargs: Any,
    ) -> Any:
        del kwargs
        dtype = _float_dtype(dtype)
        log_g = jax.random.loggamma(_key(key), self.shape, _as_shape(shape), dtype)
        return _scaled(self.scale, jnp.exp(log_g), self.unit)


class Exponential(Initialization):
    r"""Draw from an exponential distribution with mean $\beta$ (the `scale`).

    ```python
    import eqstate

    w = eqstate.init.Exponential(scale=2.0)((20000,))
    assert float(w.min()) >= 0.0 and abs(float(w.mean()) - 2.0) < 0.06
    ```

    Args:
        scale: the mean $\beta = 1/\lambda$ (positive; a number or a Quantity).
        unit: braintools' deprecated `unit=`: multiplies the result.
    """

    scale: Any
    unit: Any = None

    def __check_init__(self) -> None:
        _check_positive(self, "scale")

    def __call__(
        self,
        shape: Size,
        key: PRNGKeyArray | None = None,
        dtype: DTypeLike | None = None,
        **kwargs: Any,
    ) -> Any:
        del kwargs
        dtype = _float_dtype(dtype)
        e = jax.random.exponential(_key(key), _as_shape(shape), dtype)
        return _scaled(self.scale, e, self.unit)


class Weibull(Initialization):
    r"""Draw from a Weibull distribution with shape $k$ and scale $\lambda$.

    $x = \lambda(-\log(1 - u))^{1/k}$, $u \sim U(0, 1)$; mean
    $\lambda\,\Gamma(1 + 1/k)$.

    ```python
    import eqstate

    w = eqstate.init.Weibull(shape=1.0, scale=2.0)((20000,))  # exponential
    assert abs(float(w.mean()) - 2.0) < 0.06
    ```

    Args:
        shape: the shape parameter $k$ (positive, dimensionless).
        scale: the scale $\lambda$ (positive; a number or a Quantity).
        unit: braintools' deprecated `unit=`: multiplies the result.
    """

    shape: Any
    scale: Any
    unit: Any = None

    def __check_init__(self) -> None:
        _dimensionless(self, "shape")
        _check_positive(self, "shape")
        _check_positive(self, "scale")

    def __call__(
        self,
        shape: Size,
        key: PRNGKeyArray | None = None,
        dtype: DTypeLike | None = None,
        **kwargs: Any,
    ) -> Any:
        del kwargs
        dtype = _float_dtype(dtype)
        w = jax.random.weibull_min(_key(key), 1.0, self.shape, _as_shape(shape), dtype)
        return _scaled(self.scale, w, self.unit)


class Beta(Initialization):
    r"""Draw from a beta distribution stretched onto $[\text{low}, \text{high}]$.

    $x = \text{low} + (\text{high} - \text{low})\,b$, $b \sim \mathrm{Beta}(\alpha, \beta)$,
    so the mean is $\text{low} + (\text{high} - \text{low})\frac{\alpha}{\alpha + \beta}$.

    ```python
    import eqstate

    w = eqstate.init.Beta(alpha=2.0, beta=2.0, low=-1.0, high=1.0)((20000,))
    assert float(abs(w).max()) <= 1.0 and abs(float(w.mean())) < 0.02
    ```

    Args:
        alpha: the first shape parameter (positive, dimensionless).
        beta: the second shape parameter (positive, dimensionless).
        low: the lower end of the range (a number or a Quantity).
        high: the upper end (`low`'s unit; above `low`).
        unit: braintools' deprecated `unit=`: multiplies the result.
    """

    alpha: Any
    beta: Any
    low: Any
    high: Any
    unit: Any = None

    def __check_init__(self) -> None:
        for name in ("alpha", "beta"):
            _dimensionless(self, name)
            _check_positive(self, name)
        _check_less(self, "low", "high")

    def __call__(
        self,
        shape: Size,
        key: PRNGKeyArray | None = None,
        dtype: DTypeLike | None = None,
        **kwargs: Any,
    ) -> Any:
        del kwargs
        dtype = _float_dtype(dtype)
        # B = G_a / (G_a + G_b) in log space (no underflow for small alpha, beta);
        # sharing loggamma's kernel with Gamma keeps compiles down.
        k_a, k_b = jax.random.split(_key(key))
        log_a = jax.random.loggamma(k_a, self.alpha, _as_shape(shape), dtype)
        log_b = jax.random.loggamma(k_b, self.beta, _as_shape(shape), dtype)
        b = jnp.exp(log_a - jnp.logaddexp(log_a, log_b))
        return _times_unit(self.low + (self.high - self.low) * b, self.unit)
