"""The classic surrogates: `Sigmoid`, `ReluGrad`, `Arctan`, `GaussianGrad`, ... and their functions."""

from __future__ import annotations

import math
from typing import Any

import jax
import jax.numpy as jnp
from jax import Array

from ._base import Hyper, Surrogate, _check_positive, _hyper

__all__ = [
    "ERF",
    "Arctan",
    "GaussianGrad",
    "LeakyRelu",
    "PiecewiseQuadratic",
    "ReluGrad",
    "Sigmoid",
    "SoftSign",
    "arctan",
    "erf",
    "gaussian_grad",
    "leaky_relu",
    "piecewise_quadratic",
    "relu_grad",
    "sigmoid",
    "soft_sign",
]


class Sigmoid(Surrogate):
    r"""Spike with the derivative of a steep logistic sigmoid.

    Surrogate $g(x) = \sigma(\alpha x)$, with derivative
    $g'(x) = \alpha\,\sigma(\alpha x)\,(1 - \sigma(\alpha x))$, where
    $\sigma(z) = 1 / (1 + e^{-z})$. Larger `alpha` gives a narrower, taller bump.

    ```python
    import jax
    import eqstate

    spk = eqstate.surrogate.Sigmoid(alpha=4.0)
    assert float(spk(0.5)) == 1.0
    assert abs(float(jax.grad(spk)(0.0)) - 1.0) < 1e-6  # alpha / 4 at x = 0
    ```

    Args:
        alpha: steepness of the sigmoid.
    """

    alpha: Hyper = _hyper(4.0)

    def _derivative(self, x: Array) -> Array:
        s = jax.nn.sigmoid(self.alpha * x)
        return self.alpha * s * (1.0 - s)

    def _function(self, x: Array) -> Array:
        return jax.nn.sigmoid(self.alpha * x)


class ReluGrad(Surrogate):
    r"""Spike with a triangular ("ReLU-shaped") surrogate derivative.

    $g'(x) = \alpha \max(w - |x|, 0)$ with $w$ the `width`: a triangle of
    height $\alpha w$ at $x = 0$ that reaches zero at $|x| = w$.

    ```python
    import jax
    import eqstate

    spk = eqstate.surrogate.ReluGrad()
    assert repr(spk) == "ReluGrad(alpha=0.3, width=1.0)"
    assert abs(float(jax.grad(spk)(0.5)) - 0.15) < 1e-6
    ```

    Args:
        alpha: slope of the triangle's sides.
        width: half-width $w$ of the support (positive).
    """

    alpha: Hyper = _hyper(0.3)
    width: Hyper = _hyper(1.0)

    def __check_init__(self) -> None:
        _check_positive(self, "width")

    def _derivative(self, x: Array) -> Array:
        return self.alpha * jnp.maximum(self.width - jnp.abs(x), 0.0)


class Arctan(Surrogate):
    r"""Spike with the derivative of a scaled arctangent.

    Surrogate $g(x) = \frac{1}{\pi}\arctan(\frac{\pi}{2}\alpha x) + \frac{1}{2}$,
    with derivative $g'(x) = \frac{\alpha / 2}{1 + (\frac{\pi}{2}\alpha x)^2}$.

    ```python
    import jax
    import eqstate

    spk = eqstate.surrogate.Arctan(alpha=2.0)
    assert abs(float(jax.grad(spk)(0.0)) - 1.0) < 1e-6  # alpha / 2 at x = 0
    ```

    Args:
        alpha: steepness; the peak derivative is $\alpha / 2$.
    """

    alpha: Hyper = _hyper(1.0)

    def _derivative(self, x: Array) -> Array:
        z = (math.pi / 2) * self.alpha * x
        return (self.alpha / 2) / (1.0 + z * z)

    def _function(self, x: Array) -> Array:
        return jnp.arctan((math.pi / 2) * self.alpha * x) / math.pi + 0.5


class GaussianGrad(Surrogate):
    r"""Spike with a Gaussian-bump surrogate derivative.

    $g'(x) = \alpha \frac{1}{\sqrt{2\pi}\,\sigma} \exp(-\frac{x^2}{2\sigma^2})$:
    `alpha` times the density of $\mathcal{N}(0, \sigma^2)$.

    ```python
    import math
    import jax
    import eqstate

    spk = eqstate.surrogate.GaussianGrad(sigma=0.5, alpha=0.5)
    peak = 0.5 / (math.sqrt(2 * math.pi) * 0.5)
    assert abs(float(jax.grad(spk)(0.0)) - peak) < 1e-6
    ```

    Args:
        sigma: standard deviation $\sigma$ of the bump (positive).
        alpha: overall scale.
    """

    sigma: Hyper = _hyper(0.5)
    alpha: Hyper = _hyper(0.5)

    def __check_init__(self) -> None:
        _check_positive(self, "sigma")

    def _derivative(self, x: Array) -> Array:
        peak = self.alpha / (math.sqrt(2 * math.pi) * self.sigma)
        return peak * jnp.exp(-(x * x) / (2 * self.sigma**2))


class SoftSign(Surrogate):
    r"""Spike with the derivative of a shifted softsign.

    Surrogate $g(x) = \frac{1}{2}(\frac{\alpha x}{1 + |\alpha x|} + 1)$, with
    derivative $g'(x) = \frac{\alpha}{2 (1 + |\alpha x|)^2}$.

    ```python
    import jax
    import eqstate

    spk = eqstate.surrogate.SoftSign(alpha=1.0)
    assert abs(float(jax.grad(spk)(1.0)) - 0.125) < 1e-6
    ```

    Args:
        alpha: steepness; the peak derivative is $\alpha / 2$.
    """

    alpha: Hyper = _hyper(1.0)

    def _derivative(self, x: Array) -> Array:
        d = 1.0 + jnp.abs(self.alpha * x)
        return self.alpha / (2.0 * d * d)

    def _function(self, x: Array) -> Array:
        return x / (2.0 / self.alpha + 2.0 * jnp.abs(x)) + 0.5


class ERF(Surrogate):
    r"""Spike with the derivative of a scaled error function.

    Surrogate $g(x) = \frac{1}{2}(1 + \operatorname{erf}(\alpha x))$, with
    derivative $g'(x) = \frac{\alpha}{\sqrt{\pi}} e^{-\alpha^2 x^2}$.

    ```python
    import math
    import jax
    import eqstate

    spk = eqstate.surrogate.ERF(alpha=1.0)
    assert abs(float(jax.grad(spk)(0.0)) - 1 / math.sqrt(math.pi)) < 1e-6
    ```

    Args:
        alpha: steepness.
    """

    alpha: Hyper = _hyper(1.0)

    def _derivative(self, x: Array) -> Array:
        z = self.alpha * x
        return (self.alpha / math.sqrt(math.pi)) * jnp.exp(-(z * z))

    def _function(self, x: Array) -> Array:
        return 0.5 * (1.0 + jax.scipy.special.erf(self.alpha * x))


class PiecewiseQuadratic(Surrogate):
    r"""Spike with a triangular derivative of a piecewise-quadratic surrogate.

    $g'(x) = \max(\alpha - \alpha^2 |x|, 0)$: equal to $\alpha - \alpha^2|x|$
    for $|x| \le 1/\alpha$ and to $0$ beyond.

    ```python
    import jax
    import eqstate

    spk = eqstate.surrogate.PiecewiseQuadratic(alpha=1.0)
    assert abs(float(jax.grad(spk)(0.25)) - 0.75) < 1e-6
    assert float(jax.grad(spk)(2.0)) == 0.0
    ```

    Args:
        alpha: height of the peak, and inverse half-width (positive).
    """

    alpha: Hyper = _hyper(1.0)

    def __check_init__(self) -> None:
        _check_positive(self, "alpha")

    def _derivative(self, x: Array) -> Array:
        # `where`, not `maximum`: at |x| = 1/alpha the derivative with respect
        # to alpha is that of the inner formula, as in braintools
        inner = self.alpha - self.alpha**2 * jnp.abs(x)
        return jnp.where(jnp.abs(x) > 1.0 / self.alpha, 0.0, inner)

    def _function(self, x: Array) -> Array:
        a = self.alpha
        inner = (1.0 - a * jnp.abs(x) / 2.0) * a * x + 0.5
        return jnp.where(x < -1.0 / a, 0.0, jnp.where(x > 1.0 / a, 1.0, inner))


class LeakyRelu(Surrogate):
    r"""Spike with a two-level (leaky-ReLU-shaped) surrogate derivative.

    $g'(x) = \beta$ for $x \ge 0$ and $g'(x) = \alpha$ for $x < 0$.

    ```python
    import jax
    import eqstate

    spk = eqstate.surrogate.LeakyRelu(alpha=0.1, beta=1.0)
    assert abs(float(jax.grad(spk)(-3.0)) - 0.1) < 1e-6
    assert float(jax.grad(spk)(3.0)) == 1.0
    ```

    Args:
        alpha: derivative below the threshold.
        beta: derivative at and above the threshold.
    """

    alpha: Hyper = _hyper(0.1)
    beta: Hyper = _hyper(1.0)

    def _derivative(self, x: Array) -> Array:
        return jnp.where(x >= 0, self.beta, self.alpha)

    def _function(self, x: Array) -> Array:
        return jnp.where(x < 0, self.alpha * x, self.beta * x)


def sigmoid(x: Any, alpha: Hyper = 4.0) -> Array:
    """Functional form of `Sigmoid`: `sigmoid(x, alpha) == Sigmoid(alpha)(x)`.

    ```python
    import eqstate

    assert float(eqstate.surrogate.sigmoid(0.0)) == 1.0
    ```
    """
    return Sigmoid(alpha)(x)


def relu_grad(x: Any, alpha: Hyper = 0.3, width: Hyper = 1.0) -> Array:
    """Functional form of `ReluGrad`.

    ```python
    import eqstate

    assert float(eqstate.surrogate.relu_grad(-0.1)) == 0.0
    ```
    """
    return ReluGrad(alpha, width)(x)


def arctan(x: Any, alpha: Hyper = 1.0) -> Array:
    """Functional form of `Arctan`.

    ```python
    import eqstate

    assert float(eqstate.surrogate.arctan(2.0)) == 1.0
    ```
    """
    return Arctan(alpha)(x)


def gaussian_grad(x: Any, sigma: Hyper = 0.5, alpha: Hyper = 0.5) -> Array:
    """Functional form of `GaussianGrad`.

    ```python
    import eqstate

    assert float(eqstate.surrogate.gaussian_grad(0.0)) == 1.0
    ```
    """
    return GaussianGrad(sigma, alpha)(x)


def soft_sign(x: Any, alpha: Hyper = 1.0) -> Array:
    """Functional form of `SoftSign`.

    ```python
    import eqstate

    assert float(eqstate.surrogate.soft_sign(-2.0)) == 0.0
    ```
    """
    return SoftSign(alpha)(x)


def erf(x: Any, alpha: Hyper = 1.0) -> Array:
    """Functional form of `ERF`.

    ```python
    import eqstate

    assert float(eqstate.surrogate.erf(1.0)) == 1.0
    ```
    """
    return ERF(alpha)(x)


def piecewise_quadratic(x: Any, alpha: Hyper = 1.0) -> Array:
    """Functional form of `PiecewiseQuadratic`.

    ```python
    import eqstate

    assert float(eqstate.surrogate.piecewise_quadratic(0.0)) == 1.0
    ```
    """
    return PiecewiseQuadratic(alpha)(x)


def leaky_relu(x: Any, alpha: Hyper = 0.1, beta: Hyper = 1.0) -> Array:
    """Functional form of `LeakyRelu`.

    ```python
    import eqstate

    assert float(eqstate.surrogate.leaky_relu(-1.0)) == 0.0
    ```
    """
    return LeakyRelu(alpha, beta)(x)
