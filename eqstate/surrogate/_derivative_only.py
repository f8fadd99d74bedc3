"""Surrogates known only by their derivative: multi-Gaussian, inverse-square, SLAYER.

None of them has a closed-form `surrogate_fun` (braintools defines none
either), so their forward pass is the step alone. The classic surrogates are
in `_surrogate.py`; the other newer ones, with their functions, in `_more.py`.
"""

from __future__ import annotations

import math
from typing import Any

import jax.numpy as jnp
from jax import Array

from ._base import Hyper, Surrogate, _check_positive, _hyper

__all__ = [
    "InvSquareGrad",
    "MultiGaussianGrad",
    "SlayerGrad",
    "inv_square_grad",
    "multi_gaussian_grad",
    "slayer_grad",
]


def _gauss(x: Array, mu: Hyper, sigma: Hyper) -> Array:
    return jnp.exp(-((x - mu) ** 2) / (2.0 * sigma**2)) / (
        math.sqrt(2 * math.pi) * sigma
    )


class MultiGaussianGrad(Surrogate):
    r"""Spike with a Gaussian bump minus two wide Gaussian side lobes.

    With $\mathcal{N}(x; \mu, \sigma)$ the normal density,
    $g'(x) = k\left[(1 + h)\mathcal{N}(x; 0, \sigma) - h\,\mathcal{N}(x; \sigma, s\sigma)
    - h\,\mathcal{N}(x; -\sigma, s\sigma)\right]$, $k$ the `scale`.

    ```python
    import jax
    import eqstate

    spk = eqstate.surrogate.MultiGaussianGrad()
    assert float(jax.grad(spk)(0.0)) > 0.0
    assert float(jax.grad(spk)(2.0)) < 0.0  # the negative side lobe
    ```

    Args:
        h: weight of the side lobes.
        s: width of the side lobes relative to `sigma` (positive).
        sigma: width $\sigma$ of the central bump (positive).
        scale: overall scale $k$.
    """

    h: Hyper = _hyper(0.15)
    s: Hyper = _hyper(6.0)
    sigma: Hyper = _hyper(0.5)
    scale: Hyper = _hyper(0.5)

    def __check_init__(self) -> None:
        _check_positive(self, "s", "sigma")

    def _derivative(self, x: Array) -> Array:
        wide = self.s * self.sigma
        center = (1.0 + self.h) * _gauss(x, 0.0, self.sigma)
        sides = self.h * (_gauss(x, self.sigma, wide) + _gauss(x, -self.sigma, wide))
        return self.scale * (center - sides)


class InvSquareGrad(Surrogate):
    r"""Spike with an inverse-square surrogate derivative.

    $g'(x) = \frac{1}{(\alpha |x| + 1)^2}$, equal to 1 at $x = 0$.

    ```python
    import jax
    import eqstate

    spk = eqstate.surrogate.InvSquareGrad(alpha=1.0)
    assert abs(float(jax.grad(spk)(1.0)) - 0.25) < 1e-6
    ```

    Args:
        alpha: how fast the derivative falls off.
    """

    alpha: Hyper = _hyper(100.0)

    def _derivative(self, x: Array) -> Array:
        d = self.alpha * jnp.abs(x) + 1.0
        return 1.0 / (d * d)


class SlayerGrad(Surrogate):
    r"""Spike with SLAYER's exponential surrogate derivative.

    $g'(x) = e^{-\alpha |x|}$, equal to 1 at $x = 0$.

    ```python
    import math
    import jax
    import eqstate

    spk = eqstate.surrogate.SlayerGrad(alpha=1.0)
    assert abs(float(jax.grad(spk)(1.0)) - math.exp(-1.0)) < 1e-6
    ```

    Args:
        alpha: decay rate of the derivative.
    """

    alpha: Hyper = _hyper(1.0)

    def _derivative(self, x: Array) -> Array:
        return jnp.exp(-self.alpha * jnp.abs(x))


def multi_gaussian_grad(
    x: Any,
    h: Hyper = 0.15,
    s: Hyper = 6.0,
    sigma: Hyper = 0.5,
    scale: Hyper = 0.5,
) -> Array:
    """Functional form of `MultiGaussianGrad`.

    ```python
    import eqstate

    assert float(eqstate.surrogate.multi_gaussian_grad(0.0)) == 1.0
    ```
    """
    return MultiGaussianGrad(h, s, sigma, scale)(x)


def inv_square_grad(x: Any, alpha: Hyper = 100.0) -> Array:
    """Functional form of `InvSquareGrad`.

    ```python
    import eqstate

    assert float(eqstate.surrogate.inv_square_grad(-1e-3)) == 0.0
    ```
    """
    return InvSquareGrad(alpha)(x)


def slayer_grad(x: Any, alpha: Hyper = 1.0) -> Array:
    """Functional form of `SlayerGrad`.

    ```python
    import eqstate

    assert float(eqstate.surrogate.slayer_grad(1.0)) == 1.0
    ```
    """
    return SlayerGrad(alpha)(x)
