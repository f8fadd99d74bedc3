"""Spike functions: a Heaviside step forward, a smooth surrogate backward.

A spiking neuron emits `1.0` where its scaled membrane potential `x` is
non-negative and `0.0` elsewhere. That step has a zero derivative almost
everywhere, so training a spiking network by gradient descent replaces the
derivative (and only the derivative) with a smooth bump around `x = 0`.

One engine does this for every surrogate: `_spike`, a `jax.custom_jvp` whose
primal is the step and whose tangent is `surrogate_grad(x) * x_dot`. Each class
below only supplies its derivative formula, so all of them work under `jit`,
`vmap`, `grad`, `jacrev`, `jacfwd` and inside `lax.scan` alike. The lower-case
functions are thin conveniences over the classes.
"""

from __future__ import annotations

import abc
import dataclasses
import functools
import math
from collections.abc import Callable
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
from jax import Array

from .._units import is_quantity

__all__ = [
    "AbstractSurrogate",
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

_UNIT_MESSAGE = """\
a surrogate spike function needs a dimensionless input, got a Quantity in
{unit}. Scale the membrane potential by a voltage first, for example

    spk = surrogate((V - V_th) / (V_th - V_reset))   # mV / mV: dimensionless

so that the threshold sits at x = 0 and the surrogate's width is unit-free."""


def _as_float_array(x: Any) -> Array:
    """`x` as a floating JAX array; a dimensionless brainunit Quantity is unwrapped."""
    if is_quantity(x):
        if not x.dim.is_dimensionless:
            raise TypeError(_UNIT_MESSAGE.format(unit=x.unit))
        x = x.to_decimal()  # folds a scale such as mV/V into the number
    x = jnp.asarray(x)
    if not jnp.issubdtype(x.dtype, jnp.floating):
        x = x.astype(jnp.result_type(float))
    return x


@functools.partial(jax.custom_jvp, nondiff_argnums=(0,))
def _spike(derivative: Callable[[Array], Array], x: Array) -> Array:
    """Heaviside step of `x` (1 at `x >= 0`), differentiated as `derivative`."""
    del derivative
    return (x >= 0).astype(x.dtype)


@_spike.defjvp
def _spike_jvp(
    derivative: Callable[[Array], Array],
    primals: tuple[Array],
    tangents: tuple[Array],
) -> tuple[Array, Array]:
    (x,) = primals
    (x_dot,) = tangents
    return _spike(derivative, x), derivative(x) * x_dot


class AbstractSurrogate(eqx.Module):
    """Base class of the spike functions in `eqstate.surrogate`.

    Calling an instance gives the Heaviside step of its input (`1.0` where
    `x >= 0`, else `0.0`, in the input's floating dtype); differentiating it
    gives `surrogate_grad(x)`. A subclass only writes `_derivative`.

    ```python
    import jax.numpy as jnp
    import eqstate

    spk = eqstate.surrogate.Sigmoid(alpha=4.0)
    assert isinstance(spk, eqstate.surrogate.AbstractSurrogate)
    assert spk(jnp.array([-1.0, 0.0, 1.0])).tolist() == [0.0, 1.0, 1.0]
    ```
    """

    @abc.abstractmethod
    def _derivative(self, x: Array) -> Array:
        """The surrogate derivative at a floating array `x`."""

    def __call__(self, x: Any) -> Array:
        """The spike: `1.0` where `x >= 0`, else `0.0`.

        Args:
            x: an array (or a dimensionless brainunit Quantity); integer and
                boolean inputs are cast to the default float dtype.

        Returns:
            An array of `x`'s shape and floating dtype.
        """
        return _spike(self.surrogate_grad, _as_float_array(x))

    def surrogate_grad(self, x: Any) -> Array:
        """The derivative used in place of the step's: $g'(x)$ at each element.

        Args:
            x: an array (or a dimensionless brainunit Quantity).

        Returns:
            An array of `x`'s shape and floating dtype.
        """
        x = _as_float_array(x)
        return self._derivative(x).astype(x.dtype)

    def __repr__(self) -> str:
        args = ", ".join(
            f"{f.name}={getattr(self, f.name)!r}" for f in dataclasses.fields(self)
        )
        return f"{type(self).__name__}({args})"


def _hyper(default: float) -> Any:
    """A static float hyperparameter (ints are accepted and converted)."""
    return eqx.field(static=True, default=default, converter=float)


def _check_positive(owner: AbstractSurrogate, *names: str) -> None:
    for name in names:
        value = getattr(owner, name)
        if not value > 0:
            raise ValueError(
                f"{type(owner).__name__}: `{name}` must be positive, got {value!r}."
            )


class Sigmoid(AbstractSurrogate):
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

    alpha: float = _hyper(4.0)

    def _derivative(self, x: Array) -> Array:
        s = jax.nn.sigmoid(self.alpha * x)
        return self.alpha * s * (1.0 - s)


class ReluGrad(AbstractSurrogate):
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

    alpha: float = _hyper(0.3)
    width: float = _hyper(1.0)

    def __check_init__(self) -> None:
        _check_positive(self, "width")

    def _derivative(self, x: Array) -> Array:
        return self.alpha * jnp.maximum(self.width - jnp.abs(x), 0.0)


class Arctan(AbstractSurrogate):
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

    alpha: float = _hyper(1.0)

    def _derivative(self, x: Array) -> Array:
        z = (math.pi / 2) * self.alpha * x
        return (self.alpha / 2) / (1.0 + z * z)


class GaussianGrad(AbstractSurrogate):
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

    sigma: float = _hyper(0.5)
    alpha: float = _hyper(0.5)

    def __check_init__(self) -> None:
        _check_positive(self, "sigma")

    def _derivative(self, x: Array) -> Array:
        peak = self.alpha / (math.sqrt(2 * math.pi) * self.sigma)
        return peak * jnp.exp(-(x * x) / (2 * self.sigma**2))


class SoftSign(AbstractSurrogate):
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

    alpha: float = _hyper(1.0)

    def _derivative(self, x: Array) -> Array:
        d = 1.0 + jnp.abs(self.alpha * x)
        return self.alpha / (2.0 * d * d)


class ERF(AbstractSurrogate):
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

    alpha: float = _hyper(1.0)

    def _derivative(self, x: Array) -> Array:
        z = self.alpha * x
        return (self.alpha / math.sqrt(math.pi)) * jnp.exp(-(z * z))


class PiecewiseQuadratic(AbstractSurrogate):
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

    alpha: float = _hyper(1.0)

    def __check_init__(self) -> None:
        _check_positive(self, "alpha")

    def _derivative(self, x: Array) -> Array:
        return jnp.maximum(self.alpha - self.alpha**2 * jnp.abs(x), 0.0)


class LeakyRelu(AbstractSurrogate):
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

    alpha: float = _hyper(0.1)
    beta: float = _hyper(1.0)

    def _derivative(self, x: Array) -> Array:
        return jnp.where(x >= 0, self.beta, self.alpha)


def sigmoid(x: Any, alpha: float = 4.0) -> Array:
    """Functional form of `Sigmoid`: `sigmoid(x, alpha) == Sigmoid(alpha)(x)`.

    ```python
    import eqstate

    assert float(eqstate.surrogate.sigmoid(0.0)) == 1.0
    ```
    """
    return Sigmoid(alpha)(x)


def relu_grad(x: Any, alpha: float = 0.3, width: float = 1.0) -> Array:
    """Functional form of `ReluGrad`.

    ```python
    import eqstate

    assert float(eqstate.surrogate.relu_grad(-0.1)) == 0.0
    ```
    """
    return ReluGrad(alpha, width)(x)


def arctan(x: Any, alpha: float = 1.0) -> Array:
    """Functional form of `Arctan`.

    ```python
    import eqstate

    assert float(eqstate.surrogate.arctan(2.0)) == 1.0
    ```
    """
    return Arctan(alpha)(x)


def gaussian_grad(x: Any, sigma: float = 0.5, alpha: float = 0.5) -> Array:
    """Functional form of `GaussianGrad`.

    ```python
    import eqstate

    assert float(eqstate.surrogate.gaussian_grad(0.0)) == 1.0
    ```
    """
    return GaussianGrad(sigma, alpha)(x)


def soft_sign(x: Any, alpha: float = 1.0) -> Array:
    """Functional form of `SoftSign`.

    ```python
    import eqstate

    assert float(eqstate.surrogate.soft_sign(-2.0)) == 0.0
    ```
    """
    return SoftSign(alpha)(x)


def erf(x: Any, alpha: float = 1.0) -> Array:
    """Functional form of `ERF`.

    ```python
    import eqstate

    assert float(eqstate.surrogate.erf(1.0)) == 1.0
    ```
    """
    return ERF(alpha)(x)


def piecewise_quadratic(x: Any, alpha: float = 1.0) -> Array:
    """Functional form of `PiecewiseQuadratic`.

    ```python
    import eqstate

    assert float(eqstate.surrogate.piecewise_quadratic(0.0)) == 1.0
    ```
    """
    return PiecewiseQuadratic(alpha)(x)


def leaky_relu(x: Any, alpha: float = 0.1, beta: float = 1.0) -> Array:
    """Functional form of `LeakyRelu`.

    ```python
    import eqstate

    assert float(eqstate.surrogate.leaky_relu(-1.0)) == 0.0
    ```
    """
    return LeakyRelu(alpha, beta)(x)
