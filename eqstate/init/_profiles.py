"""The distance profiles: Gaussian, exponential, power-law, linear, step, sigmoid,
logistic, difference-of-Gaussians, Mexican-hat and bimodal.

Each profile's lengths (and the distances) may be brainunit Quantities; see
`_profile_base` for the unit rules.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp

from .._units import _brainunit, split_unit
from ._common import _check_positive, _in_unit
from ._profile_base import DistanceProfile

__all__ = [
    "BimodalProfile",
    "DoGProfile",
    "ExponentialProfile",
    "GaussianProfile",
    "LinearProfile",
    "LogisticProfile",
    "MexicanHatProfile",
    "PowerLawProfile",
    "SigmoidProfile",
    "StepProfile",
]


def _lengths(distances: Any, ref: Any, ref_name: str) -> tuple[jax.Array, Any]:
    """`distances` as a plain array in `ref`'s unit, and that unit."""
    _, unit = split_unit(ref)
    d = _in_unit(distances, unit, what="the distances", ref=f"`{ref_name}`")
    return jnp.asarray(d), unit


def _length(value: Any, unit: Any, name: str, ref_name: str) -> Any:
    return _in_unit(value, unit, what=f"`{name}`", ref=f"`{ref_name}`")


def _cutoff(
    prob: jax.Array, d: jax.Array, max_distance: Any, unit: Any, ref: str
) -> jax.Array:
    if max_distance is None:
        return prob
    limit = _length(max_distance, unit, "max_distance", ref)
    return jnp.where(d > limit, 0.0, prob)


class GaussianProfile(DistanceProfile):
    r"""$p(d) = e^{-d^2 / 2\sigma^2}$, zero beyond `max_distance`.

    ```python
    import math
    import eqstate

    p = eqstate.init.GaussianProfile(sigma=2.0, max_distance=5.0)
    assert abs(float(p.probability(2.0)) - math.exp(-0.5)) < 1e-6
    assert float(p.probability(6.0)) == 0.0
    ```

    Args:
        sigma: the width $\sigma$ (positive; a number or a length Quantity).
        max_distance: the cutoff, or `None`.
    """

    sigma: Any
    max_distance: Any = None

    def __check_init__(self) -> None:
        _check_positive(self, "sigma")
        _check_positive(self, "max_distance")

    def probability(self, distances: Any) -> jax.Array:
        d, unit = _lengths(distances, self.sigma, "sigma")
        sigma = split_unit(self.sigma)[0]
        prob = jnp.exp(-0.5 * (d / sigma) ** 2)
        return _cutoff(prob, d, self.max_distance, unit, "sigma")


class ExponentialProfile(DistanceProfile):
    r"""$p(d) = e^{-d / \lambda}$, zero beyond `max_distance`.

    ```python
    import math
    import eqstate

    p = eqstate.init.ExponentialProfile(decay_constant=10.0)
    assert abs(float(p.probability(10.0)) - math.exp(-1)) < 1e-6
    ```

    Args:
        decay_constant: the length $\lambda$ (positive).
        max_distance: the cutoff, or `None`.
    """

    decay_constant: Any
    max_distance: Any = None

    def __check_init__(self) -> None:
        _check_positive(self, "decay_constant")
        _check_positive(self, "max_distance")

    def probability(self, distances: Any) -> jax.Array:
        d, unit = _lengths(distances, self.decay_constant, "decay_constant")
        prob = jnp.exp(-d / split_unit(self.decay_constant)[0])
        return _cutoff(prob, d, self.max_distance, unit, "decay_constant")


class PowerLawProfile(DistanceProfile):
    r"""$p(d) = (\max(d, d_0) / d_0)^{-k}$, zero beyond `max_distance`.

    $d_0$ is `min_distance`; when it is `None` it is 1 in the distances'
    unit, or 1 µm when the distances are a length Quantity.

    ```python
    import eqstate

    p = eqstate.init.PowerLawProfile(exponent=2.0, min_distance=1.0)
    assert [float(v) for v in p.probability([0.5, 2.0])] == [1.0, 0.25]
    ```

    Args:
        exponent: the exponent $k$.
        min_distance: the distance $d_0$ below which $p = 1$, or `None`.
        max_distance: the cutoff, or `None`.
    """

    exponent: float
    min_distance: Any = None
    max_distance: Any = None

    def __check_init__(self) -> None:
        _check_positive(self, "min_distance")
        _check_positive(self, "max_distance")

    def probability(self, distances: Any) -> jax.Array:
        d, unit = split_unit(distances)
        d = jnp.asarray(d)
        if unit is not None and unit.dim.is_dimensionless:
            d, unit = jnp.asarray(distances.to_decimal()), None
        if self.min_distance is not None:
            d0 = _length(self.min_distance, unit, "min_distance", "distances")
        elif unit is None:
            d0 = 1.0
        else:
            d0 = (1.0 * _brainunit().um).to_decimal(unit)
        prob = (jnp.maximum(d, d0) / d0) ** (-self.exponent)
        return _cutoff(prob, d, self.max_distance, unit, "distances")


class LinearProfile(DistanceProfile):
    r"""$p(d) = \max(0, 1 - d / d_{max})$.

    ```python
    import eqstate

    p = eqstate.init.LinearProfile(max_distance=4.0)
    assert [float(v) for v in p.probability([0.0, 1.0, 5.0])] == [1.0, 0.75, 0.0]
    ```

    Args:
        max_distance: the distance $d_{max}$ where $p$ reaches 0 (positive).
    """

    max_distance: Any

    def __check_init__(self) -> None:
        _check_positive(self, "max_distance")

    def probability(self, distances: Any) -> jax.Array:
        d, _ = _lengths(distances, self.max_distance, "max_distance")
        return jnp.maximum(0.0, 1.0 - d / split_unit(self.max_distance)[0])


class StepProfile(DistanceProfile):
    """`inside_prob` up to `threshold` (inclusive), `outside_prob` beyond.

    ```python
    import eqstate

    p = eqstate.init.StepProfile(threshold=2.0, inside_prob=0.8, outside_prob=0.1)
    assert [round(float(v), 6) for v in p.probability([2.0, 2.5])] == [0.8, 0.1]
    ```

    Args:
        threshold: the step's distance (positive).
        inside_prob: the value at distances up to `threshold`.
        outside_prob: the value beyond.
    """

    threshold: Any
    inside_prob: float = 1.0
    outside_prob: float = 0.0

    def __check_init__(self) -> None:
        _check_positive(self, "threshold")

    def probability(self, distances: Any) -> jax.Array:
        d, _ = _lengths(distances, self.threshold, "threshold")
        inside = d <= split_unit(self.threshold)[0]
        return jnp.where(inside, self.inside_prob, self.outside_prob)


class SigmoidProfile(DistanceProfile):
    r"""$p(d) = \sigma(-s (d - d_{mid}))$: near 1 close by, 1/2 at `midpoint`, then falling.

    ```python
    import eqstate

    p = eqstate.init.SigmoidProfile(midpoint=100.0, slope=0.05)
    assert float(p.probability(100.0)) == 0.5
    ```

    Args:
        midpoint: the distance $d_{mid}$ where $p = 1/2$ (positive).
        slope: the steepness $s$ (per unit of distance).
        max_distance: the cutoff, or `None`.
    """

    midpoint: Any
    slope: float = 0.05
    max_distance: Any = None

    def __check_init__(self) -> None:
        _check_positive(self, "midpoint")
        _check_positive(self, "max_distance")

    def probability(self, distances: Any) -> jax.Array:
        d, unit = _lengths(distances, self.midpoint, "midpoint")
        mid = split_unit(self.midpoint)[0]
        prob = jax.nn.sigmoid(-self.slope * (d - mid))
        return _cutoff(prob, d, self.max_distance, unit, "midpoint")


class LogisticProfile(DistanceProfile):
    r"""$p(d) = \sigma(-r (d - d_{mid}))$, the logistic curve with growth rate $r$.

    ```python
    import eqstate

    p = eqstate.init.LogisticProfile(growth_rate=1.0, midpoint=5.0)
    assert float(p.probability(5.0)) == 0.5 and float(p.probability(0.0)) > 0.99
    ```

    Args:
        growth_rate: the steepness $r$ (per unit of distance).
        midpoint: the distance $d_{mid}$ where $p = 1/2$ (positive).
        max_distance: the cutoff, or `None`.
    """

    growth_rate: float
    midpoint: Any
    max_distance: Any = None

    def __check_init__(self) -> None:
        _check_positive(self, "midpoint")
        _check_positive(self, "max_distance")

    def probability(self, distances: Any) -> jax.Array:
        d, unit = _lengths(distances, self.midpoint, "midpoint")
        mid = split_unit(self.midpoint)[0]
        prob = jax.nn.sigmoid(-self.growth_rate * (d - mid))
        return _cutoff(prob, d, self.max_distance, unit, "midpoint")


def _bump(d: jax.Array, centre: Any, sigma: Any) -> jax.Array:
    return jnp.exp(-0.5 * ((d - centre) / sigma) ** 2)


class DoGProfile(DistanceProfile):
    r"""Difference of Gaussians, floored at 0: $\max(0, a_c g_c(d) - a_s g_s(d))$.

    $g(d) = e^{-d^2/2\sigma^2}$ with the centre and surround widths: local
    excitation with a ring of weaker inhibition (here clipped to zero).

    ```python
    import eqstate

    p = eqstate.init.DoGProfile(sigma_center=1.0, sigma_surround=3.0)
    assert float(p.probability(0.0)) == 0.5  # 1.0 - 0.5
    ```

    Args:
        sigma_center: the centre width (positive).
        sigma_surround: the surround width (positive, `sigma_center`'s unit).
        amplitude_center: $a_c$.
        amplitude_surround: $a_s$.
        max_distance: the cutoff, or `None`.
    """

    sigma_center: Any
    sigma_surround: Any
    amplitude_center: float = 1.0
    amplitude_surround: float = 0.5
    max_distance: Any = None

    def __check_init__(self) -> None:
        for name in ("sigma_center", "sigma_surround", "max_distance"):
            _check_positive(self, name)

    def probability(self, distances: Any) -> jax.Array:
        d, unit = _lengths(distances, self.sigma_center, "sigma_center")
        sc = split_unit(self.sigma_center)[0]
        ss = _length(self.sigma_surround, unit, "sigma_surround", "sigma_center")
        diff = self.amplitude_center * _bump(d, 0.0, sc)
        diff = diff - self.amplitude_surround * _bump(d, 0.0, ss)
        prob = jnp.maximum(diff, 0.0)
        return _cutoff(prob, d, self.max_distance, unit, "sigma_center")


class MexicanHatProfile(DistanceProfile):
    r"""The Ricker wavelet floored at 0: $\max(0, a(1 - (d/\sigma)^2)e^{-(d/\sigma)^2/2})$.

    ```python
    import eqstate

    p = eqstate.init.MexicanHatProfile(sigma=2.0)
    assert float(p.probability(0.0)) == 1.0 and float(p.probability(3.0)) == 0.0
    ```

    Args:
        sigma: the width $\sigma$ (positive); $p = 0$ from $d = \sigma$ on.
        amplitude: the peak $a$.
        max_distance: the cutoff, or `None`.
    """

    sigma: Any
    amplitude: float = 1.0
    max_distance: Any = None

    def __check_init__(self) -> None:
        _check_positive(self, "sigma")
        _check_positive(self, "max_distance")

    def probability(self, distances: Any) -> jax.Array:
        d, unit = _lengths(distances, self.sigma, "sigma")
        r2 = (d / split_unit(self.sigma)[0]) ** 2
        prob = jnp.maximum(self.amplitude * (1.0 - r2) * jnp.exp(-r2 / 2.0), 0.0)
        return _cutoff(prob, d, self.max_distance, unit, "sigma")


class BimodalProfile(DistanceProfile):
    r"""Two Gaussian bumps: $a_1 e^{-(d - c_1)^2/2\sigma_1^2} + a_2 e^{-(d - c_2)^2/2\sigma_2^2}$.

    ```python
    import eqstate

    p = eqstate.init.BimodalProfile(sigma1=1.0, sigma2=1.0, center1=0.0, center2=10.0)
    assert abs(float(p.probability(10.0)) - 1.0) < 1e-6
    ```

    Args:
        sigma1: the first width (positive).
        sigma2: the second width (positive, `sigma1`'s unit).
        center1: the first centre (braintools' default is `0 * u.um`; a plain
            `0.0` here, accepted in any unit).
        center2: the second centre.
        amplitude1: $a_1$.
        amplitude2: $a_2$.
        max_distance: the cutoff, or `None`.
    """

    sigma1: Any
    sigma2: Any
    center1: Any = 0.0
    center2: Any = 0.0
    amplitude1: float = 1.0
    amplitude2: float = 1.0
    max_distance: Any = None

    def __check_init__(self) -> None:
        for name in ("sigma1", "sigma2", "max_distance"):
            _check_positive(self, name)

    def probability(self, distances: Any) -> jax.Array:
        d, unit = _lengths(distances, self.sigma1, "sigma1")
        s1 = split_unit(self.sigma1)[0]
        s2 = _length(self.sigma2, unit, "sigma2", "sigma1")
        c1 = _length(self.center1, unit, "center1", "sigma1")
        c2 = _length(self.center2, unit, "center2", "sigma1")
        prob = self.amplitude1 * _bump(d, c1, s1) + self.amplitude2 * _bump(d, c2, s2)
        return _cutoff(prob, d, self.max_distance, unit, "sigma1")
