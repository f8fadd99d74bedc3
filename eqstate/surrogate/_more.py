"""More surrogates, each with a closed-form `surrogate_fun`: exponential, logarithmic,
Fourier, S2NN and q-PseudoSpike (and their functions).

The ones known only by their derivative are in `_derivative_only.py`.
"""

from __future__ import annotations

import math
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
from jax import Array

from ._base import Hyper, Surrogate, _check_positive, _hyper

__all__ = [
    "S2NN",
    "LogTailedRelu",
    "NonzeroSignLog",
    "PiecewiseExp",
    "PiecewiseLeakyRelu",
    "QPseudoSpike",
    "SquarewaveFourierSeries",
    "log_tailed_relu",
    "nonzero_sign_log",
    "piecewise_exp",
    "piecewise_leaky_relu",
    "q_pseudo_spike",
    "s2nn",
    "squarewave_fourier_series",
]


class PiecewiseExp(Surrogate):
    r"""Spike with a two-sided exponential (Laplace-shaped) surrogate derivative.

    $g'(x) = \frac{\alpha}{2} e^{-\alpha |x|}$, the derivative of
    $g(x) = \frac{1}{2}e^{\alpha x}$ for $x < 0$ and
    $1 - \frac{1}{2}e^{-\alpha x}$ for $x \ge 0$.

    ```python
    import jax
    import eqstate

    spk = eqstate.surrogate.PiecewiseExp(alpha=2.0)
    assert float(spk(0.0)) == 1.0
    assert abs(float(jax.grad(spk)(0.0)) - 1.0) < 1e-6  # alpha / 2 at x = 0
    ```

    Args:
        alpha: steepness; the peak derivative is $\alpha / 2$.
    """

    alpha: Hyper = _hyper(1.0)

    def _derivative(self, x: Array) -> Array:
        return (self.alpha / 2.0) * jnp.exp(-self.alpha * jnp.abs(x))

    def _function(self, x: Array) -> Array:
        neg = jnp.exp(self.alpha * jnp.minimum(x, 0.0)) / 2.0
        pos = 1.0 - jnp.exp(-self.alpha * jnp.maximum(x, 0.0)) / 2.0
        return jnp.where(x < 0, neg, pos)


class NonzeroSignLog(Surrogate):
    r"""Spike with the derivative of a signed logarithm.

    $g(x) = \operatorname{sign}(x)\log(1 + |\alpha x|)$ (with
    $\operatorname{sign}(0) = 1$), so $g'(x) = \frac{1}{1/\alpha + |x|}$.

    ```python
    import jax
    import eqstate

    spk = eqstate.surrogate.NonzeroSignLog(alpha=1.0)
    assert abs(float(jax.grad(spk)(1.0)) - 0.5) < 1e-6
    ```

    Args:
        alpha: the peak derivative, at $x = 0$ (positive).
    """

    alpha: Hyper = _hyper(1.0)

    def __check_init__(self) -> None:
        _check_positive(self, "alpha")

    def _derivative(self, x: Array) -> Array:
        return 1.0 / (1.0 / self.alpha + jnp.abs(x))

    def _function(self, x: Array) -> Array:
        return jnp.where(x < 0, -1.0, 1.0) * jnp.log1p(jnp.abs(self.alpha * x))


class PiecewiseLeakyRelu(Surrogate):
    r"""Spike with a box-shaped surrogate derivative and leaky tails.

    $g'(x) = \frac{1}{2w}$ for $|x| \le w$ and $c$ beyond: the derivative of a
    ramp from 0 to 1 over $[-w, w]$ continued with slope $c$ on both sides.

    ```python
    import jax
    import eqstate

    spk = eqstate.surrogate.PiecewiseLeakyRelu(c=0.01, w=1.0)
    assert abs(float(jax.grad(spk)(0.5)) - 0.5) < 1e-6
    assert abs(float(jax.grad(spk)(3.0)) - 0.01) < 1e-6
    ```

    Args:
        c: the derivative outside $[-w, w]$.
        w: the half-width $w$ of the ramp (positive).
    """

    c: Hyper = _hyper(0.01)
    w: Hyper = _hyper(1.0)

    def __check_init__(self) -> None:
        _check_positive(self, "w")

    def _derivative(self, x: Array) -> Array:
        return jnp.where(jnp.abs(x) > self.w, self.c, 1.0 / (2.0 * self.w))

    def _function(self, x: Array) -> Array:
        c, w = self.c, self.w
        ramp = 0.5 * x / w + 0.5
        return jnp.where(x < -w, c * (x + w), jnp.where(x > w, c * (x - w) + 1.0, ramp))


class SquarewaveFourierSeries(Surrogate):
    r"""Spike with the derivative of a truncated Fourier series of a square wave.

    With $\omega = 2\pi / T$,
    $g(x) = \frac{1}{2} + \frac{2}{\pi}\sum_{i=1}^{n} \frac{\sin((2i-1)\omega x)}{2i-1}$
    and $g'(x) = \frac{4}{T}\sum_{i=1}^{n} \cos((2i-1)\omega x)$.

    ```python
    import jax
    import eqstate

    spk = eqstate.surrogate.SquarewaveFourierSeries(n=2, t_period=8.0)
    assert abs(float(jax.grad(spk)(0.0)) - 1.0) < 1e-6  # 4 n / T at x = 0
    ```

    Args:
        n: the number of odd harmonics kept (at least 1); a Python int, as it
            sets the number of terms (a static field, unlike `t_period`).
        t_period: the period $T$ of the square wave (positive).
    """

    n: int = eqx.field(static=True, default=2, converter=int)
    t_period: Hyper = _hyper(8.0)

    def __check_init__(self) -> None:
        _check_positive(self, "n", "t_period")

    def _harmonics(self) -> list[float]:
        return [2.0 * i - 1.0 for i in range(1, self.n + 1)]

    def _derivative(self, x: Array) -> Array:
        w = 2.0 * math.pi / self.t_period
        total = sum(jnp.cos(k * w * x) for k in self._harmonics())
        return (4.0 / self.t_period) * jnp.asarray(total)

    def _function(self, x: Array) -> Array:
        w = 2.0 * math.pi / self.t_period
        total = sum(jnp.sin(k * w * x) / k for k in self._harmonics())
        return 0.5 + (2.0 / math.pi) * jnp.asarray(total)


class S2NN(Surrogate):
    r"""Spike with the S2NN surrogate: a sigmoid below threshold, a logarithm above.

    $g'(x) = \alpha\,\sigma(\alpha x)(1 - \sigma(\alpha x))$ for $x < 0$ and
    $g'(x) = \frac{\beta}{x + 1}$ for $x \ge 0$; the function is
    $\sigma(\alpha x)$ below zero and $\beta\log(|x + 1| + \epsilon) + \frac{1}{2}$
    above.

    ```python
    import jax
    import eqstate

    spk = eqstate.surrogate.S2NN()
    assert abs(float(jax.grad(spk)(1.0)) - 0.5) < 1e-6  # beta / (x + 1)
    assert abs(float(jax.grad(spk)(-0.01)) - 1.0) < 1e-3  # alpha / 4 near 0-
    ```

    Args:
        alpha: steepness of the sigmoid side.
        beta: scale of the logarithmic side.
        epsilon: keeps the logarithm finite at $x = -1$.
    """

    alpha: Hyper = _hyper(4.0)
    beta: Hyper = _hyper(1.0)
    epsilon: Hyper = _hyper(1e-8)

    def _derivative(self, x: Array) -> Array:
        s = jax.nn.sigmoid(self.alpha * x)
        above = self.beta / (jnp.where(x < 0, 1.0, x) + 1.0)
        return jnp.where(x < 0, self.alpha * s * (1.0 - s), above)

    def _function(self, x: Array) -> Array:
        above = self.beta * jnp.log(jnp.abs(x + 1.0) + self.epsilon) + 0.5
        return jnp.where(x < 0, jax.nn.sigmoid(self.alpha * x), above)


class QPseudoSpike(Surrogate):
    r"""Spike with the q-PseudoSpike surrogate, whose tails fatten as `alpha` falls.

    $g'(x) = \left(1 + \frac{2|x|}{\alpha + 1}\right)^{-\alpha}$, with
    $g'(0) = 1$.

    ```python
    import jax
    import eqstate

    spk = eqstate.surrogate.QPseudoSpike(alpha=2.0)
    assert float(jax.grad(spk)(0.0)) == 1.0
    assert abs(float(jax.grad(spk)(1.5)) - 0.25) < 1e-6  # (1 + 1)^-2
    ```

    Args:
        alpha: the tail exponent (positive).
    """

    alpha: Hyper = _hyper(2.0)

    def __check_init__(self) -> None:
        _check_positive(self, "alpha")

    def _derivative(self, x: Array) -> Array:
        base = 1.0 + 2.0 / (self.alpha + 1.0) * jnp.abs(x)
        return jnp.power(base, -self.alpha)

    def _function(self, x: Array) -> Array:
        # alpha may be traced, so its special value 1 (a logarithm instead of
        # a power) is chosen by `where`, with a harmless stand-in alpha on the
        # branch not taken, which keeps both branches (and gradients) finite.
        a = jnp.asarray(self.alpha)
        one = a == 1.0
        b = jnp.where(one, 2.0, a)
        log_part = (a + 1.0) / 2.0 * jnp.log1p(2.0 / (a + 1.0) * jnp.abs(x))
        power = (1.0 + 2.0 / (b + 1.0) * jnp.abs(x)) ** (1.0 - b) - 1.0
        integral = jnp.where(one, log_part, (b + 1.0) / (2.0 * (1.0 - b)) * power)
        return 0.5 + jnp.sign(x) * integral


class LogTailedRelu(Surrogate):
    r"""Spike with the derivative of a ReLU whose tail above 1 is logarithmic.

    $g'(x) = \alpha$ for $x \le 0$, $1$ for $0 < x \le 1$ and $1/x$ for
    $x > 1$; $g(x)$ is $\alpha x$, $x$ and $1 + \log x$ on those pieces.

    ```python
    import jax
    import eqstate

    spk = eqstate.surrogate.LogTailedRelu(alpha=0.1)
    assert abs(float(jax.grad(spk)(-1.0)) - 0.1) < 1e-6
    assert abs(float(jax.grad(spk)(4.0)) - 0.25) < 1e-6
    ```

    Args:
        alpha: the derivative at and below zero.
    """

    alpha: Hyper = _hyper(0.0)

    def _derivative(self, x: Array) -> Array:
        safe = jnp.where(x > 1, x, 1.0)
        return jnp.where(x > 1, 1.0 / safe, jnp.where(x > 0, 1.0, self.alpha))

    def _function(self, x: Array) -> Array:
        safe = jnp.where(x > 1, x, 1.0)
        return jnp.where(
            x > 1, 1.0 + jnp.log(safe), jnp.where(x > 0, x, self.alpha * x)
        )


def piecewise_exp(x: Any, alpha: Hyper = 1.0) -> Array:
    """Functional form of `PiecewiseExp`.

    ```python
    import eqstate

    assert float(eqstate.surrogate.piecewise_exp(-0.5)) == 0.0
    ```
    """
    return PiecewiseExp(alpha)(x)


def nonzero_sign_log(x: Any, alpha: Hyper = 1.0) -> Array:
    """Functional form of `NonzeroSignLog`.

    ```python
    import eqstate

    assert float(eqstate.surrogate.nonzero_sign_log(0.0)) == 1.0
    ```
    """
    return NonzeroSignLog(alpha)(x)


def piecewise_leaky_relu(x: Any, c: Hyper = 0.01, w: Hyper = 1.0) -> Array:
    """Functional form of `PiecewiseLeakyRelu`.

    ```python
    import eqstate

    assert float(eqstate.surrogate.piecewise_leaky_relu(2.0)) == 1.0
    ```
    """
    return PiecewiseLeakyRelu(c, w)(x)


def squarewave_fourier_series(x: Any, n: int = 2, t_period: Hyper = 8.0) -> Array:
    """Functional form of `SquarewaveFourierSeries`.

    ```python
    import eqstate

    assert float(eqstate.surrogate.squarewave_fourier_series(-1.0)) == 0.0
    ```
    """
    return SquarewaveFourierSeries(n, t_period)(x)


def s2nn(x: Any, alpha: Hyper = 4.0, beta: Hyper = 1.0, epsilon: Hyper = 1e-8) -> Array:
    """Functional form of `S2NN`.

    ```python
    import eqstate

    assert float(eqstate.surrogate.s2nn(0.3)) == 1.0
    ```
    """
    return S2NN(alpha, beta, epsilon)(x)


def q_pseudo_spike(x: Any, alpha: Hyper = 2.0) -> Array:
    """Functional form of `QPseudoSpike`.

    ```python
    import eqstate

    assert float(eqstate.surrogate.q_pseudo_spike(-0.3)) == 0.0
    ```
    """
    return QPseudoSpike(alpha)(x)


def log_tailed_relu(x: Any, alpha: Hyper = 0.0) -> Array:
    """Functional form of `LogTailedRelu`.

    ```python
    import eqstate

    assert float(eqstate.surrogate.log_tailed_relu(5.0)) == 1.0
    ```
    """
    return LogTailedRelu(alpha)(x)
