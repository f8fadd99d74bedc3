"""Regularizations that are negative log-densities of named priors
(`StudentTReg`, `CauchyReg`, `LogNormalReg`, `SpikeAndSlabReg`, ...), up to
constants; the gamma-family priors (`GammaReg`, `BetaReg`, ...) live in
`_param_priors_gamma`.

Scales and shapes pass through `relu(.) + 1e-8` so that a trained
(`fit_hyper=True`) hyperparameter can never leave the valid range.
"""

from __future__ import annotations

import math
from typing import Any

import jax
import jax.numpy as jnp
from jax import Array
from jax.scipy.special import gammaln

from ..typing import ArrayLike, Size
from ._param_regs import Regularization, _gauss, _key, _pos, _shape, _v

__all__ = [
    "CauchyReg",
    "ExponentialReg",
    "HorseshoeReg",
    "LogNormalReg",
    "LogUniformReg",
    "SpikeAndSlabReg",
    "StudentTReg",
    "UniformReg",
]


def _u(shape: Size) -> jax.Array:
    return jax.random.uniform(_key(), _shape(shape))


class StudentTReg(Regularization):
    """Student-t prior with `df` degrees of freedom and scale `scale` (heavy tails:
    tolerates a few large values).

    ```python
    import jax.numpy as jnp
    import eqstate

    reg = eqstate.nn.StudentTReg()
    assert float(reg.loss(jnp.array([0.0]))) < float(reg.loss(jnp.array([3.0])))
    ```

    Args:
        weight: the factor on the loss.
        df: the degrees of freedom.
        scale: the scale.
        fit_hyper: make `df` and `scale` trainable.
    """

    def __init__(
        self,
        weight: float = 1.0,
        df: float = 3.0,
        scale: float = 1.0,
        fit_hyper: bool = False,
    ) -> None:
        super().__init__(fit_hyper)
        self.weight: Array = jnp.asarray(weight, jnp.float32)
        self.df: Any = self._hyper(df)
        self.scale: Any = self._hyper(scale)

    def loss(self, value: ArrayLike) -> ArrayLike:
        value = jnp.asarray(value)
        df, scale = _pos(self.df), _pos(self.scale)
        data = jnp.sum(0.5 * (df + 1.0) * jnp.log(1.0 + (value / scale) ** 2 / df))
        norm = jnp.log(scale) + gammaln(df / 2.0) + 0.5 * jnp.log(df * math.pi)
        norm = norm - gammaln((df + 1.0) / 2.0)
        return self.weight * (data + value.size * norm)

    def sample_init(self, shape: Size) -> ArrayLike:
        return _pos(self.scale) * jax.random.t(_key(), _pos(self.df), _shape(shape))

    def reset_value(self) -> ArrayLike:
        return 0.0


class CauchyReg(Regularization):
    """Cauchy prior: `weight * (sum(log(1 + (x / scale)**2)) + n log(scale))`.

    ```python
    import jax.numpy as jnp
    import eqstate

    assert float(eqstate.nn.CauchyReg().loss(jnp.array([0.0]))) == 0.0
    ```

    Args:
        weight: the factor on the loss.
        scale: the scale.
        fit_hyper: make `scale` trainable.
    """

    def __init__(
        self, weight: float = 1.0, scale: float = 1.0, fit_hyper: bool = False
    ) -> None:
        super().__init__(fit_hyper)
        self.weight: Array = jnp.asarray(weight, jnp.float32)
        self.scale: Any = self._hyper(scale)

    def loss(self, value: ArrayLike) -> ArrayLike:
        value = jnp.asarray(value)
        scale = _pos(self.scale)
        data = jnp.sum(jnp.log(1.0 + (value / scale) ** 2))
        return self.weight * (data + value.size * jnp.log(scale))

    def sample_init(self, shape: Size) -> ArrayLike:
        return _pos(self.scale) * jnp.tan(jnp.pi * (_u(shape) - 0.5))

    def reset_value(self) -> ArrayLike:
        return 0.0


class UniformReg(Regularization):
    """A soft box: `weight * sum(relu(lower - x)**2 + relu(x - upper)**2)`.

    ```python
    import jax.numpy as jnp
    import eqstate

    reg = eqstate.nn.UniformReg(lower=0.0, upper=1.0)
    assert float(reg.loss(jnp.array([0.5, 2.0]))) == 1.0
    assert reg.reset_value() == 0.5
    ```

    Args:
        weight: the factor on the loss.
        lower: the lower edge.
        upper: the upper edge.
        fit_hyper: make `lower` and `upper` trainable.
    """

    def __init__(
        self,
        weight: float = 1.0,
        lower: float = -1.0,
        upper: float = 1.0,
        fit_hyper: bool = False,
    ) -> None:
        super().__init__(fit_hyper)
        self.weight: Array = jnp.asarray(weight, jnp.float32)
        self.lower: Any = self._hyper(lower)
        self.upper: Any = self._hyper(upper)

    def loss(self, value: ArrayLike) -> ArrayLike:
        value = jnp.asarray(value)
        below = jax.nn.relu(_v(self.lower) - value) ** 2
        above = jax.nn.relu(value - _v(self.upper)) ** 2
        return self.weight * jnp.sum(below + above)

    def sample_init(self, shape: Size) -> ArrayLike:
        lower, upper = _v(self.lower), _v(self.upper)
        return lower + (upper - lower) * _u(shape)

    def reset_value(self) -> ArrayLike:
        return (_v(self.lower) + _v(self.upper)) / 2.0


class LogNormalReg(Regularization):
    """Log-normal prior on positive values (`log x ~ N(mu, sigma)`).

    ```python
    import jax.numpy as jnp
    import eqstate

    reg = eqstate.nn.LogNormalReg()
    assert float(reg.loss(jnp.array([1.0]))) < float(reg.loss(jnp.array([10.0])))
    ```

    Args:
        weight: the factor on the loss.
        mu: the mean of `log x`.
        sigma: the standard deviation of `log x`.
        fit_hyper: make `mu` and `sigma` trainable.
    """

    def __init__(
        self,
        weight: float = 1.0,
        mu: float = 0.0,
        sigma: float = 1.0,
        fit_hyper: bool = False,
    ) -> None:
        super().__init__(fit_hyper)
        self.weight: Array = jnp.asarray(weight, jnp.float32)
        self.mu: Any = self._hyper(mu)
        self.sigma: Any = self._hyper(sigma)

    def loss(self, value: ArrayLike) -> ArrayLike:
        value = jnp.asarray(value)
        mu, sigma = _v(self.mu), _pos(self.sigma)
        log_x = jnp.log(jax.nn.relu(value) + 1e-8)
        data = jnp.sum((log_x - mu) ** 2 / (2 * sigma**2) + log_x)
        return self.weight * (data + value.size * jnp.log(sigma))

    def sample_init(self, shape: Size) -> ArrayLike:
        return jnp.exp(_v(self.mu) + _gauss(_pos(self.sigma), shape))

    def reset_value(self) -> ArrayLike:
        return jnp.exp(_v(self.mu))


class ExponentialReg(Regularization):
    """Exponential prior on non-negative values: `weight * rate * sum(relu(x))`.

    ```python
    import jax.numpy as jnp
    import eqstate

    reg = eqstate.nn.ExponentialReg(rate=2.0)
    assert abs(float(reg.loss(jnp.array([1.0, -1.0]))) - 2.0) < 1e-6
    ```

    Args:
        weight: the factor on the loss.
        rate: the rate.
        fit_hyper: make `rate` trainable.
    """

    def __init__(
        self, weight: float = 1.0, rate: float = 1.0, fit_hyper: bool = False
    ) -> None:
        super().__init__(fit_hyper)
        self.weight: Array = jnp.asarray(weight, jnp.float32)
        self.rate: Any = self._hyper(rate)

    def loss(self, value: ArrayLike) -> ArrayLike:
        return self.weight * _pos(self.rate) * jnp.sum(jax.nn.relu(jnp.asarray(value)))

    def sample_init(self, shape: Size) -> ArrayLike:
        return -jnp.log(_u(shape) + 1e-8) / _pos(self.rate)

    def reset_value(self) -> ArrayLike:
        return 0.0


class HorseshoeReg(Regularization):
    """Horseshoe-like shrinkage prior with global scale `tau`:
    `weight * (sum(log(1 + (x / tau)**2)) + n log(tau))`.

    ```python
    import jax.numpy as jnp
    import eqstate

    assert float(eqstate.nn.HorseshoeReg().loss(jnp.array([0.0]))) == 0.0
    ```

    Args:
        weight: the factor on the loss.
        tau: the global scale.
        fit_hyper: make `tau` trainable.
    """

    def __init__(
        self, weight: float = 1.0, tau: float = 1.0, fit_hyper: bool = False
    ) -> None:
        super().__init__(fit_hyper)
        self.weight: Array = jnp.asarray(weight, jnp.float32)
        self.tau: Any = self._hyper(tau)

    def loss(self, value: ArrayLike) -> ArrayLike:
        value = jnp.asarray(value)
        tau = _pos(self.tau)
        data = jnp.sum(jnp.log(1.0 + (value / tau) ** 2))
        return self.weight * (data + value.size * jnp.log(tau))

    def sample_init(self, shape: Size) -> ArrayLike:
        local = jnp.abs(jnp.tan(jnp.pi * (_u(shape) - 0.5)))
        return _gauss(_pos(self.tau) * local, shape)

    def reset_value(self) -> ArrayLike:
        return 0.0


class LogUniformReg(Regularization):
    """Log-uniform (scale-invariant) prior on `[lower, upper]`: `weight * sum(log x)`
    with `x` clipped into the interval.

    ```python
    import jax.numpy as jnp
    import eqstate

    reg = eqstate.nn.LogUniformReg(lower=1.0, upper=100.0)
    assert abs(float(reg.reset_value()) - 10.0) < 1e-4  # the geometric mean
    ```

    Args:
        weight: the factor on the loss.
        lower: the lower edge.
        upper: the upper edge.
        fit_hyper: make `lower` and `upper` trainable.
    """

    def __init__(
        self,
        weight: float = 1.0,
        lower: float = 1e-3,
        upper: float = 1e3,
        fit_hyper: bool = False,
    ) -> None:
        super().__init__(fit_hyper)
        self.weight: Array = jnp.asarray(weight, jnp.float32)
        self.lower: Any = self._hyper(lower)
        self.upper: Any = self._hyper(upper)

    def loss(self, value: ArrayLike) -> ArrayLike:
        x = jax.nn.relu(jnp.asarray(value)) + 1e-8
        x = jnp.clip(x, _pos(self.lower), _pos(self.upper))
        return self.weight * jnp.sum(jnp.log(x))

    def sample_init(self, shape: Size) -> ArrayLike:
        lo, hi = jnp.log(_pos(self.lower)), jnp.log(_pos(self.upper))
        return jnp.exp(lo + (hi - lo) * _u(shape))

    def reset_value(self) -> ArrayLike:
        return jnp.sqrt(_pos(self.lower) * _pos(self.upper))


class SpikeAndSlabReg(Regularization):
    """A mixture of a narrow Gaussian at zero (the spike, probability `pi`) and a
    wide one (the slab): `-weight * sum(log mixture density)`.

    ```python
    import jax.numpy as jnp
    import eqstate

    reg = eqstate.nn.SpikeAndSlabReg()
    assert float(reg.loss(jnp.array([0.0]))) < float(reg.loss(jnp.array([0.5])))
    ```

    Args:
        weight: the factor on the loss.
        spike_scale: the spike's standard deviation.
        slab_scale: the slab's standard deviation.
        pi: the spike's probability.
        fit_hyper: make the scales and `pi` trainable.
    """

    def __init__(
        self,
        weight: float = 1.0,
        spike_scale: float = 0.01,
        slab_scale: float = 1.0,
        pi: float = 0.5,
        fit_hyper: bool = False,
    ) -> None:
        super().__init__(fit_hyper)
        self.weight: Array = jnp.asarray(weight, jnp.float32)
        self.spike_scale: Any = self._hyper(spike_scale)
        self.slab_scale: Any = self._hyper(slab_scale)
        self.pi: Any = self._hyper(pi)

    def loss(self, value: ArrayLike) -> ArrayLike:
        value = jnp.asarray(value)
        spike, slab = _pos(self.spike_scale), _pos(self.slab_scale)
        pi = jnp.clip(_v(self.pi), 1e-8, 1.0 - 1e-8)
        dens_spike = jnp.exp(-0.5 * (value / spike) ** 2) / spike
        dens_slab = jnp.exp(-0.5 * (value / slab) ** 2) / slab
        mixture = pi * dens_spike + (1 - pi) * dens_slab
        return self.weight * jnp.sum(-jnp.log(mixture + 1e-8))

    def sample_init(self, shape: Size) -> ArrayLike:
        pi = jnp.clip(_v(self.pi), 1e-8, 1.0 - 1e-8)
        is_spike = _u(shape) < pi
        return jnp.where(
            is_spike,
            _gauss(_pos(self.spike_scale), shape),
            _gauss(_pos(self.slab_scale), shape),
        )

    def reset_value(self) -> ArrayLike:
        return 0.0
