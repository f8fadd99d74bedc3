"""Variance-scaling initializers: `VarianceScaling` and the Xavier, Kaiming, LeCun families.

Fans are read channels-last, the layout of eqstate's (and brainstate's) kernels:
a `(..., in, out)` shape has `fan_in = in * r` and `fan_out = out * r`, `r` the
product of the leading (receptive-field) dims. braintools reads PyTorch's
`(out, in, ...)` instead; the two agree on 1-D and 2-D shapes.
"""

from __future__ import annotations

import math
from typing import Any, Literal

import equinox as eqx
import jax
from jax.typing import DTypeLike
from jaxtyping import PRNGKeyArray

from .._units import split_unit
from ._common import (
    InitializationError,
    Size,
    _as_shape,
    _float_dtype,
    _key,
    _times_unit,
)
from ._init import Initialization

__all__ = [
    "KaimingNormal",
    "KaimingUniform",
    "LecunNormal",
    "LecunUniform",
    "VarianceScaling",
    "XavierNormal",
    "XavierUniform",
]

FanMode = Literal["fan_in", "fan_out", "fan_avg"]
Distribution = Literal["uniform", "normal", "truncated_normal"]

# std of a standard normal truncated to [-2, 2]
_TRUNCATED_STD = 0.87962566103423978


def _fans(shape: tuple[int, ...]) -> tuple[float, float]:
    """(fan_in, fan_out): the last two dims times the receptive field before them."""
    if not shape:
        return 1.0, 1.0
    if len(shape) == 1:
        return float(shape[0]), float(shape[0])
    receptive = math.prod(shape[:-2])
    return float(shape[-2] * receptive), float(shape[-1] * receptive)


def _kaiming_scale(scale: Any, nonlinearity: str, negative_slope: float) -> Any:
    if scale is not None:
        return scale
    if nonlinearity == "relu":
        return 2.0
    if nonlinearity == "leaky_relu":
        return 2.0 / (1.0 + negative_slope**2)
    raise InitializationError(
        f"Kaiming initializers know nonlinearity 'relu' or 'leaky_relu', got "
        f"{nonlinearity!r}; for another one pass its gain squared as `scale=`."
    )


def draw_scaled(
    key: PRNGKeyArray,
    shape: tuple[int, ...],
    dtype: Any,
    variance: Any,
    distribution: str,
) -> jax.Array:
    """Zero-mean draws of `shape` with `variance` from `distribution`.

    Shared with `eqstate.nn.init` (brainstate's variance-scaling initializers).
    """
    if distribution == "normal":
        x = variance**0.5 * jax.random.normal(key, shape, dtype)
    elif distribution == "uniform":
        limit = (3.0 * variance) ** 0.5
        x = jax.random.uniform(key, shape, dtype, -limit, limit)
    else:
        z = jax.random.truncated_normal(key, -2.0, 2.0, shape, dtype)
        x = (variance**0.5 / _TRUNCATED_STD) * z
    return x.astype(dtype)


class VarianceScaling(Initialization):
    r"""Zero-mean draws with variance $s / n$, $n$ a fan chosen by `mode`.

    `distribution` picks the shape: `"normal"` ($\mathcal{N}(0, s/n)$),
    `"uniform"` ($U(-l, l)$, $l = \sqrt{3s/n}$) or `"truncated_normal"` (a
    normal truncated at two standard deviations, rescaled to variance $s/n$).
    `fan_in`/`fan_out` are the last two dims of `shape`, times the product of
    the leading dims (channels-last kernels).

    ```python
    import eqstate

    init = eqstate.init.VarianceScaling(2.0, "fan_in", "truncated_normal")
    w = init((400, 300))
    assert abs(float(w.std()) - (2 / 400) ** 0.5) < 0.005
    ```

    Args:
        scale: the variance numerator $s$ (a Quantity gives the result its unit).
        mode: which fan is $n$: `"fan_in"`, `"fan_out"` or `"fan_avg"`.
        distribution: `"normal"`, `"uniform"` or `"truncated_normal"`.
        unit: braintools' deprecated `unit=`: multiplies the result.
    """

    scale: Any = 1.0
    mode: FanMode = eqx.field(static=True, default="fan_in")
    distribution: Distribution = eqx.field(static=True, default="normal")
    unit: Any = None

    def __check_init__(self) -> None:
        if self.mode not in ("fan_in", "fan_out", "fan_avg"):
            raise InitializationError(
                f"{type(self).__name__}: `mode` must be 'fan_in', 'fan_out' or "
                f"'fan_avg', got {self.mode!r}."
            )
        if self.distribution not in ("uniform", "normal", "truncated_normal"):
            raise InitializationError(
                f"{type(self).__name__}: `distribution` must be 'uniform', "
                f"'normal' or 'truncated_normal', got {self.distribution!r}."
            )

    def __call__(
        self,
        shape: Size,
        key: PRNGKeyArray | None = None,
        dtype: DTypeLike | None = None,
        **kwargs: Any,
    ) -> Any:
        del kwargs
        shape = _as_shape(shape)
        fan_in, fan_out = _fans(shape)
        fan = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}
        scale, unit = split_unit(self.scale)
        variance = scale / max(1.0, fan[self.mode])
        x = draw_scaled(
            _key(key), shape, _float_dtype(dtype), variance, self.distribution
        )
        if unit is not None:
            x = x * unit
        return _times_unit(x, self.unit)


class XavierNormal(VarianceScaling):
    r"""Glorot/Xavier normal: $\mathcal{N}(0, \frac{2s}{n_{in} + n_{out}})$.

    ```python
    import eqstate

    w = eqstate.init.XavierNormal()((200, 300))
    assert abs(float(w.std()) - (2 / 500) ** 0.5) < 0.01
    ```

    Args:
        scale: multiplies the variance.
        unit: braintools' deprecated `unit=`: multiplies the result.
    """

    def __init__(self, scale: Any = 1.0, unit: Any = None) -> None:
        super().__init__(scale=scale, mode="fan_avg", distribution="normal", unit=unit)


class XavierUniform(VarianceScaling):
    r"""Glorot/Xavier uniform: $U(-l, l)$, $l = \sqrt{\frac{6s}{n_{in} + n_{out}}}$.

    ```python
    import eqstate

    w = eqstate.init.XavierUniform()((200, 300))
    assert float(abs(w).max()) <= (6 / 500) ** 0.5
    ```

    Args:
        scale: multiplies the variance.
        unit: braintools' deprecated `unit=`: multiplies the result.
    """

    def __init__(self, scale: Any = 1.0, unit: Any = None) -> None:
        super().__init__(scale=scale, mode="fan_avg", distribution="uniform", unit=unit)


class LecunNormal(VarianceScaling):
    r"""LeCun normal: $\mathcal{N}(0, s / n_{in})$ with $s = 1$ by default.

    ```python
    import eqstate

    w = eqstate.init.LecunNormal()((400, 100))
    assert abs(float(w.std()) - (1 / 400) ** 0.5) < 0.01
    ```

    Args:
        scale: the variance numerator $s$.
        unit: braintools' deprecated `unit=`: multiplies the result.
    """

    def __init__(self, scale: Any = 1.0, unit: Any = None) -> None:
        super().__init__(scale=scale, mode="fan_in", distribution="normal", unit=unit)


class LecunUniform(VarianceScaling):
    r"""LeCun uniform: $U(-l, l)$, $l = \sqrt{3 s / n_{in}}$, $s = 1$ by default.

    ```python
    import eqstate

    w = eqstate.init.LecunUniform()((300, 100))
    assert float(abs(w).max()) <= 0.1
    ```

    Args:
        scale: the variance numerator $s$.
        unit: braintools' deprecated `unit=`: multiplies the result.
    """

    def __init__(self, scale: Any = 1.0, unit: Any = None) -> None:
        super().__init__(scale=scale, mode="fan_in", distribution="uniform", unit=unit)


class KaimingNormal(VarianceScaling):
    r"""He/Kaiming normal: $\mathcal{N}(0, s / n)$, by default $s = 2$, $n = n_{in}$.

    With `scale=None` the gain comes from `nonlinearity`: $s = 2$ for
    `"relu"`, $s = 2 / (1 + a^2)$ for `"leaky_relu"` with slope $a$.

    ```python
    import eqstate

    w = eqstate.init.KaimingNormal()((400, 100))
    assert abs(float(w.std()) - (2 / 400) ** 0.5) < 0.01
    ```

    Args:
        scale: the variance numerator $s$, or `None` to derive it.
        mode: which fan is $n$: `"fan_in"`, `"fan_out"` or `"fan_avg"`.
        nonlinearity: `"relu"` or `"leaky_relu"`.
        negative_slope: the leaky ReLU's slope $a$.
        unit: braintools' deprecated `unit=`: multiplies the result.
    """

    nonlinearity: Literal["relu", "leaky_relu"] = eqx.field(static=True, default="relu")
    negative_slope: float = eqx.field(static=True, default=0.01)

    def __init__(
        self,
        scale: Any = None,
        mode: FanMode = "fan_in",
        nonlinearity: Literal["relu", "leaky_relu"] = "relu",
        negative_slope: float = 0.01,
        unit: Any = None,
    ) -> None:
        scale = _kaiming_scale(scale, nonlinearity, negative_slope)
        super().__init__(scale=scale, mode=mode, distribution="normal", unit=unit)
        self.nonlinearity, self.negative_slope = nonlinearity, negative_slope


class KaimingUniform(VarianceScaling):
    r"""He/Kaiming uniform: $U(-l, l)$ with $l = \sqrt{3 s / n}$, by default $s = 2$.

    ```python
    import eqstate

    w = eqstate.init.KaimingUniform()((400, 100))
    assert float(abs(w).max()) <= (6 / 400) ** 0.5
    ```

    Args:
        scale: the variance numerator $s$, or `None` to derive it from
            `nonlinearity` as in `KaimingNormal`.
        mode: which fan is $n$: `"fan_in"`, `"fan_out"` or `"fan_avg"`.
        nonlinearity: `"relu"` or `"leaky_relu"`.
        negative_slope: the leaky ReLU's slope.
        unit: braintools' deprecated `unit=`: multiplies the result.
    """

    nonlinearity: Literal["relu", "leaky_relu"] = eqx.field(static=True, default="relu")
    negative_slope: float = eqx.field(static=True, default=0.01)

    def __init__(
        self,
        scale: Any = None,
        mode: FanMode = "fan_in",
        nonlinearity: Literal["relu", "leaky_relu"] = "relu",
        negative_slope: float = 0.01,
        unit: Any = None,
    ) -> None:
        scale = _kaiming_scale(scale, nonlinearity, negative_slope)
        super().__init__(scale=scale, mode=mode, distribution="uniform", unit=unit)
        self.nonlinearity, self.negative_slope = nonlinearity, negative_slope
