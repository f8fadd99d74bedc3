"""Distance profiles: connection probability and weight scaling as functions of distance.

A profile maps an array of distances to an array of the same shape:
`probability(d)` (a connection probability, or a value to threshold) and
`weight_scaling(d)` (a factor for the weights; the probability unless a
profile says otherwise). Calling a profile gives `weight_scaling`.

Distances and the profile's lengths may be brainunit Quantities (`sigma=50 *
u.um`, distances in `u.mm`): the distances are converted to the unit of the
profile's first length before the formula runs, and the result is a plain
array. Plain numbers work the same without brainunit. Mixing a plain length
with Quantity distances (or the reverse) raises an `InitializationError`;
a plain `0` is accepted in any unit.

Profiles combine: `p + q`, `p * 0.5`, `1 - p`, `p.clip(0, 1)`,
`p.apply(f)` and the pipe `p | f`.
"""

from __future__ import annotations

import abc
import dataclasses
import operator
from collections.abc import Callable
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp

from .._units import _brainunit
from ._common import _check_positive, _format, _in_unit, _split_unit

__all__ = [
    "ApplyProfile",
    "BimodalProfile",
    "ClipProfile",
    "ComposedProfile",
    "DistanceProfile",
    "DoGProfile",
    "ExponentialProfile",
    "GaussianProfile",
    "LinearProfile",
    "LogisticProfile",
    "MexicanHatProfile",
    "PipeProfile",
    "PowerLawProfile",
    "SigmoidProfile",
    "StepProfile",
]


class DistanceProfile(eqx.Module):
    """Base class of the distance profiles (braintools' `DistanceProfile`).

    A subclass implements `probability`; `weight_scaling` defaults to it, and
    calling the profile gives `weight_scaling`.

    ```python
    import jax.numpy as jnp
    import eqstate

    class Box(eqstate.init.DistanceProfile):
        width: float = 1.0

        def probability(self, distances):
            return jnp.where(jnp.asarray(distances) <= self.width, 1.0, 0.0)

    p = Box(2.0) * 0.5
    assert p(jnp.array([1.0, 3.0])).tolist() == [0.5, 0.0]
    ```
    """

    @abc.abstractmethod
    def probability(self, distances: Any) -> jax.Array:
        """The connection probability at each distance.

        Args:
            distances: an array of distances (a Quantity when the profile's
                lengths carry units).

        Returns:
            An array of `distances`' shape.
        """

    def weight_scaling(self, distances: Any) -> jax.Array:
        """The weight factor at each distance (by default the probability).

        Args:
            distances: an array of distances.

        Returns:
            An array of `distances`' shape.
        """
        return self.probability(distances)

    def __call__(self, distances: Any) -> jax.Array:
        """`weight_scaling(distances)`."""
        return self.weight_scaling(distances)

    def __repr__(self) -> str:
        parts = []
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if value is None and f.default is None:
                continue
            parts.append(f"{f.name}={_format(value)}")
        return f"{type(self).__name__}({', '.join(parts)})"

    def __add__(self, other: Any) -> ComposedProfile:
        return ComposedProfile(self, other, operator.add, "+")

    def __radd__(self, other: Any) -> ComposedProfile:
        return ComposedProfile(other, self, operator.add, "+")

    def __sub__(self, other: Any) -> ComposedProfile:
        return ComposedProfile(self, other, operator.sub, "-")

    def __rsub__(self, other: Any) -> ComposedProfile:
        return ComposedProfile(other, self, operator.sub, "-")

    def __mul__(self, other: Any) -> ComposedProfile:
        return ComposedProfile(self, other, operator.mul, "*")

    def __rmul__(self, other: Any) -> ComposedProfile:
        return ComposedProfile(other, self, operator.mul, "*")

    def __truediv__(self, other: Any) -> ComposedProfile:
        return ComposedProfile(self, other, operator.truediv, "/")

    def __rtruediv__(self, other: Any) -> ComposedProfile:
        return ComposedProfile(other, self, operator.truediv, "/")

    def __or__(self, other: Callable[[Any], Any]) -> PipeProfile:
        return PipeProfile(self, other)

    def clip(
        self, min_val: float | None = None, max_val: float | None = None
    ) -> ClipProfile:
        """The profile's values clipped to `[min_val, max_val]`.

        ```python
        import eqstate

        p = eqstate.init.LinearProfile(10.0).clip(0.2, 0.9)
        assert [round(float(v), 3) for v in p.probability([0.0, 5.0, 10.0])] == [0.9, 0.5, 0.2]
        ```
        """
        return ClipProfile(self, min_val, max_val)

    def apply(self, func: Callable[[Any], Any]) -> ApplyProfile:
        """The profile's values transformed by `func`.

        ```python
        import eqstate

        p = eqstate.init.LinearProfile(4.0).apply(lambda v: v**2)
        assert float(p.probability(2.0)) == 0.25
        ```
        """
        return ApplyProfile(self, func)


def _operand(obj: Any, distances: Any, method: str) -> Any:
    if isinstance(obj, DistanceProfile):
        return getattr(obj, method)(distances)
    return obj


class ComposedProfile(DistanceProfile):
    """Two profiles (or a profile and a value) combined by a binary operator.

    `p + q`, `p - 0.1`, `2 * p` and `p / q` build one; both `probability` and
    `weight_scaling` combine the operands' respective values.

    ```python
    import operator
    import eqstate

    g = eqstate.init.GaussianProfile(sigma=1.0)
    p = eqstate.init.ComposedProfile(g, 0.5, operator.mul, "*")
    assert float(p.probability(0.0)) == 0.5
    assert repr(g * 0.5) == "(GaussianProfile(sigma=1.0) * 0.5)"
    ```

    Args:
        left: a profile or a value.
        right: a profile or a value.
        op: the binary function.
        op_symbol: its symbol, for the repr.
    """

    left: Any
    right: Any
    op: Callable[[Any, Any], Any] = eqx.field(static=True)
    op_symbol: str = eqx.field(static=True)

    def probability(self, distances: Any) -> jax.Array:
        left = _operand(self.left, distances, "probability")
        return self.op(left, _operand(self.right, distances, "probability"))

    def weight_scaling(self, distances: Any) -> jax.Array:
        left = _operand(self.left, distances, "weight_scaling")
        return self.op(left, _operand(self.right, distances, "weight_scaling"))

    def __repr__(self) -> str:
        return f"({_format(self.left)} {self.op_symbol} {_format(self.right)})"


class ClipProfile(DistanceProfile):
    """A profile's values clipped to `[min_val, max_val]` (`None`: unbounded).

    ```python
    import eqstate

    p = eqstate.init.ClipProfile(eqstate.init.LinearProfile(10.0), None, 0.5)
    assert float(p.probability(0.0)) == 0.5
    ```

    Args:
        base: the profile.
        min_val: the lower bound, or `None`.
        max_val: the upper bound, or `None`.
    """

    base: DistanceProfile
    min_val: float | None
    max_val: float | None

    def _clip(self, values: Any) -> jax.Array:
        if self.min_val is not None:
            values = jnp.maximum(values, self.min_val)
        if self.max_val is not None:
            values = jnp.minimum(values, self.max_val)
        return values

    def probability(self, distances: Any) -> jax.Array:
        return self._clip(self.base.probability(distances))

    def weight_scaling(self, distances: Any) -> jax.Array:
        return self._clip(self.base.weight_scaling(distances))


def _check_callable(func: Any, where: str) -> None:
    if isinstance(func, DistanceProfile):
        raise TypeError(
            f"{where} must be a function of the profile's values, got the profile "
            f"{func!r}, which takes distances instead. Combine two profiles with "
            "+, -, * or /."
        )
    if not callable(func):
        raise TypeError(f"{where} must be callable, got {type(func).__name__}.")


class ApplyProfile(DistanceProfile):
    """A profile's values transformed by a function.

    ```python
    import jax.numpy as jnp
    import eqstate

    p = eqstate.init.ApplyProfile(eqstate.init.LinearProfile(2.0), jnp.sqrt)
    assert float(p.probability(1.5)) == 0.5
    ```

    Args:
        base: the profile.
        func: maps the values to new values.
    """

    base: DistanceProfile
    func: Callable[[Any], Any]

    def __check_init__(self) -> None:
        _check_callable(self.func, f"{type(self).__name__}'s `func`")

    def probability(self, distances: Any) -> jax.Array:
        return self.func(self.base.probability(distances))

    def weight_scaling(self, distances: Any) -> jax.Array:
        return self.func(self.base.weight_scaling(distances))


class PipeProfile(ApplyProfile):
    """`base | func`: the profile's values piped through `func`.

    ```python
    import eqstate

    p = eqstate.init.LinearProfile(4.0) | (lambda v: 1 - v)
    assert isinstance(p, eqstate.init.PipeProfile)
    assert float(p.probability(1.0)) == 0.25
    ```

    Args:
        base: the profile.
        func: a function of the values (not a profile: combine profiles with
            arithmetic instead).
    """

    def __repr__(self) -> str:
        return f"({self.base!r} | {self.func!r})"


def _lengths(distances: Any, ref: Any, ref_name: str) -> tuple[jax.Array, Any]:
    """`distances` as a plain array in `ref`'s unit, and that unit."""
    _, unit = _split_unit(ref)
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
        sigma = _split_unit(self.sigma)[0]
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
        prob = jnp.exp(-d / _split_unit(self.decay_constant)[0])
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
        d, unit = _split_unit(distances)
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
        return jnp.maximum(0.0, 1.0 - d / _split_unit(self.max_distance)[0])


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
        inside = d <= _split_unit(self.threshold)[0]
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
        mid = _split_unit(self.midpoint)[0]
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
        mid = _split_unit(self.midpoint)[0]
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
        sc = _split_unit(self.sigma_center)[0]
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
        r2 = (d / _split_unit(self.sigma)[0]) ** 2
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
        s1 = _split_unit(self.sigma1)[0]
        s2 = _length(self.sigma2, unit, "sigma2", "sigma1")
        c1 = _length(self.center1, unit, "center1", "sigma1")
        c2 = _length(self.center2, unit, "center2", "sigma1")
        prob = self.amplitude1 * _bump(d, c1, s1) + self.amplitude2 * _bump(d, c2, s2)
        return _cutoff(prob, d, self.max_distance, unit, "sigma1")
