"""brainstate's variance-scaling and orthogonal initializers.

Unlike braintools' (`eqstate.init`), brainstate's normal variants draw from a
truncated normal, its fans come from `in_axis` / `out_axis` (the other axes
are the receptive field), and `Orthogonal` / `DeltaOrthogonal` take an `axis`.
The draws themselves are `eqstate.init`'s.
"""

from __future__ import annotations

import math
from typing import Any, Literal

import jax.numpy as jnp

from ...init._common import InitializationError
from ...init._orthogonal import _orthogonal
from ...init._variance_scaling import draw_scaled
from ._base import _dtype, _to_size, _with_unit
from ._basic import SeedOrKey, _Random

__all__ = [
    "DeltaOrthogonal",
    "KaimingNormal",
    "KaimingUniform",
    "LecunNormal",
    "LecunUniform",
    "Orthogonal",
    "VarianceScaling",
    "XavierNormal",
    "XavierUniform",
]

# brainstate annotates these as `str`; a wrong one is an InitializationError
FanMode = Literal["fan_in", "fan_out", "fan_avg"] | str
Distribution = Literal["truncated_normal", "normal", "uniform"] | str


def _fans(shape: tuple[int, ...], in_axis: int, out_axis: int) -> tuple[float, float]:
    try:
        n_in, n_out = shape[in_axis], shape[out_axis]
    except IndexError:
        raise InitializationError(
            f"variance scaling: shape {shape} has no axes in_axis={in_axis} and "
            f"out_axis={out_axis}; pass a weight shape such as (n_in, n_out)."
        ) from None
    receptive = math.prod(shape) / n_in / n_out
    return n_in * receptive, n_out * receptive


class VarianceScaling(_Random):
    r"""Zero-mean draws with variance $\text{scale} / n$, $n$ a fan chosen by `mode`.

    `fan_in = shape[in_axis] * r` and `fan_out = shape[out_axis] * r`, `r`
    the product of the other dims (the receptive field); `"fan_avg"` is their
    mean. `distribution` is `"truncated_normal"` (a normal cut at two standard
    deviations and rescaled by 1/0.8796... to the target variance),
    `"normal"`, or `"uniform"` on $[-\sqrt{3v}, \sqrt{3v})$.

    ```python
    import eqstate

    init = eqstate.nn.init.VarianceScaling(2.0, "fan_in", "normal", seed=0)
    w = init((400, 300))
    assert abs(float(w.std()) - (2 / 400) ** 0.5) < 0.005
    ```

    Args:
        scale: the variance numerator.
        mode: `"fan_in"`, `"fan_out"` or `"fan_avg"`.
        distribution: `"truncated_normal"`, `"normal"` or `"uniform"`.
        in_axis: the input axis of the weight.
        out_axis: the output axis of the weight.
        seed: a seed or key for a stream of its own (None: the default stream).
        unit: a brainunit unit for the result (None: a plain array).

    Raises:
        InitializationError: for an unknown `mode` or `distribution`.
    """

    def __init__(
        self,
        scale: Any,
        mode: FanMode,
        distribution: Distribution,
        in_axis: int = -2,
        out_axis: int = -1,
        seed: SeedOrKey = None,
        unit: Any = None,
    ) -> None:
        if mode not in ("fan_in", "fan_out", "fan_avg"):
            raise InitializationError(
                f"{type(self).__name__}: `mode` must be 'fan_in', 'fan_out' or "
                f"'fan_avg', got {mode!r}."
            )
        if distribution not in ("truncated_normal", "normal", "uniform"):
            raise InitializationError(
                f"{type(self).__name__}: `distribution` must be 'truncated_normal', "
                f"'normal' or 'uniform', got {distribution!r}."
            )
        self.scale = scale
        self.mode = mode
        self.in_axis = in_axis
        self.out_axis = out_axis
        self.distribution = distribution
        self._seed(seed)
        self.unit = unit

    def __call__(self, shape: Any, **kwargs: Any) -> Any:
        """Draw weights of `shape` (keywords: `dtype=`, `rng=`)."""
        size = _to_size(shape)
        fan_in, fan_out = _fans(size, self.in_axis, self.out_axis)
        n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}
        variance = self.scale / n[self.mode]
        key = self._rng(kwargs).split_key()
        w = draw_scaled(key, size, _dtype(kwargs), variance, self.distribution)
        return _with_unit(w, self.unit)


class KaimingUniform(VarianceScaling):
    """He/Kaiming uniform: variance `scale / fan_in` (`scale=2`), uniform draws.

    ```python
    import eqstate

    w = eqstate.nn.init.KaimingUniform(seed=0)((400, 100))
    assert float(abs(w).max()) <= (6 / 400) ** 0.5
    ```

    Args:
        scale: the variance numerator.
        mode: `"fan_in"`, `"fan_out"` or `"fan_avg"`.
        distribution: `"truncated_normal"`, `"normal"` or `"uniform"`.
        in_axis: the input axis of the weight.
        out_axis: the output axis of the weight.
        seed: a seed or key for a stream of its own (None: the default stream).
        unit: a brainunit unit for the result (None: a plain array).
    """

    def __init__(
        self,
        scale: float = 2.0,
        mode: FanMode = "fan_in",
        distribution: Distribution = "uniform",
        in_axis: int = -2,
        out_axis: int = -1,
        seed: SeedOrKey = None,
        unit: Any = None,
    ) -> None:
        super().__init__(scale, mode, distribution, in_axis, out_axis, seed, unit)


class KaimingNormal(VarianceScaling):
    """He/Kaiming normal: variance `scale / fan_in` (`scale=2`), truncated-normal draws.

    brainstate's `nn.Linear` default weight initializer.

    ```python
    import eqstate

    w = eqstate.nn.init.KaimingNormal(seed=0)((400, 100))
    assert abs(float(w.std()) - (2 / 400) ** 0.5) < 0.005
    assert float(abs(w).max()) <= 2 * (2 / 400) ** 0.5 / 0.8796
    ```

    Args:
        scale: the variance numerator.
        mode: `"fan_in"`, `"fan_out"` or `"fan_avg"`.
        distribution: `"truncated_normal"`, `"normal"` or `"uniform"`.
        in_axis: the input axis of the weight.
        out_axis: the output axis of the weight.
        seed: a seed or key for a stream of its own (None: the default stream).
        unit: a brainunit unit for the result (None: a plain array).
    """

    def __init__(
        self,
        scale: float = 2.0,
        mode: FanMode = "fan_in",
        distribution: Distribution = "truncated_normal",
        in_axis: int = -2,
        out_axis: int = -1,
        seed: SeedOrKey = None,
        unit: Any = None,
    ) -> None:
        super().__init__(scale, mode, distribution, in_axis, out_axis, seed, unit)


class XavierUniform(VarianceScaling):
    """Glorot/Xavier uniform: variance `scale / fan_avg` (`scale=1`), uniform draws.

    ```python
    import eqstate

    w = eqstate.nn.init.XavierUniform(seed=0)((200, 300))
    assert float(abs(w).max()) <= (6 / 500) ** 0.5
    ```

    Args:
        scale: the variance numerator.
        mode: `"fan_in"`, `"fan_out"` or `"fan_avg"`.
        distribution: `"truncated_normal"`, `"normal"` or `"uniform"`.
        in_axis: the input axis of the weight.
        out_axis: the output axis of the weight.
        seed: a seed or key for a stream of its own (None: the default stream).
        unit: a brainunit unit for the result (None: a plain array).
    """

    def __init__(
        self,
        scale: float = 1.0,
        mode: FanMode = "fan_avg",
        distribution: Distribution = "uniform",
        in_axis: int = -2,
        out_axis: int = -1,
        seed: SeedOrKey = None,
        unit: Any = None,
    ) -> None:
        super().__init__(scale, mode, distribution, in_axis, out_axis, seed, unit)


class XavierNormal(VarianceScaling):
    """Glorot/Xavier normal: variance `scale / fan_avg` (`scale=1`), truncated-normal draws.

    brainstate's default for convolution kernels and several recurrent cells.

    ```python
    import eqstate

    w = eqstate.nn.init.XavierNormal(seed=0)((200, 300))
    assert abs(float(w.std()) - (2 / 500) ** 0.5) < 0.005
    ```

    Args:
        scale: the variance numerator.
        mode: `"fan_in"`, `"fan_out"` or `"fan_avg"`.
        distribution: `"truncated_normal"`, `"normal"` or `"uniform"`.
        in_axis: the input axis of the weight.
        out_axis: the output axis of the weight.
        seed: a seed or key for a stream of its own (None: the default stream).
        unit: a brainunit unit for the result (None: a plain array).
    """

    def __init__(
        self,
        scale: float = 1.0,
        mode: FanMode = "fan_avg",
        distribution: Distribution = "truncated_normal",
        in_axis: int = -2,
        out_axis: int = -1,
        seed: SeedOrKey = None,
        unit: Any = None,
    ) -> None:
        super().__init__(scale, mode, distribution, in_axis, out_axis, seed, unit)


class LecunUniform(VarianceScaling):
    """LeCun uniform: variance `scale / fan_in` (`scale=1`), uniform draws.

    ```python
    import eqstate

    w = eqstate.nn.init.LecunUniform(seed=0)((300, 100))
    assert float(abs(w).max()) <= 0.1
    ```

    Args:
        scale: the variance numerator.
        mode: `"fan_in"`, `"fan_out"` or `"fan_avg"`.
        distribution: `"truncated_normal"`, `"normal"` or `"uniform"`.
        in_axis: the input axis of the weight.
        out_axis: the output axis of the weight.
        seed: a seed or key for a stream of its own (None: the default stream).
        unit: a brainunit unit for the result (None: a plain array).
    """

    def __init__(
        self,
        scale: float = 1.0,
        mode: FanMode = "fan_in",
        distribution: Distribution = "uniform",
        in_axis: int = -2,
        out_axis: int = -1,
        seed: SeedOrKey = None,
        unit: Any = None,
    ) -> None:
        super().__init__(scale, mode, distribution, in_axis, out_axis, seed, unit)


class LecunNormal(VarianceScaling):
    """LeCun normal: variance `scale / fan_in` (`scale=1`), truncated-normal draws.

    ```python
    import eqstate

    w = eqstate.nn.init.LecunNormal(seed=0)((400, 100))
    assert abs(float(w.std()) - (1 / 400) ** 0.5) < 0.003
    ```

    Args:
        scale: the variance numerator.
        mode: `"fan_in"`, `"fan_out"` or `"fan_avg"`.
        distribution: `"truncated_normal"`, `"normal"` or `"uniform"`.
        in_axis: the input axis of the weight.
        out_axis: the output axis of the weight.
        seed: a seed or key for a stream of its own (None: the default stream).
        unit: a brainunit unit for the result (None: a plain array).
    """

    def __init__(
        self,
        scale: float = 1.0,
        mode: FanMode = "fan_in",
        distribution: Distribution = "truncated_normal",
        in_axis: int = -2,
        out_axis: int = -1,
        seed: SeedOrKey = None,
        unit: Any = None,
    ) -> None:
        super().__init__(scale, mode, distribution, in_axis, out_axis, seed, unit)


class Orthogonal(_Random):
    """A uniformly drawn (semi-)orthogonal matrix times `scale`.

    The weight is read as a matrix whose rows run along `axis` and whose
    columns are all the other dims flattened; its rows or its columns,
    whichever are fewer, are orthonormal.

    ```python
    import jax.numpy as jnp
    import eqstate

    q = eqstate.nn.init.Orthogonal(seed=0)((5, 3))
    assert jnp.allclose(q.T @ q, jnp.eye(3), atol=1e-5)
    ```

    Args:
        scale: multiplies the matrix.
        axis: the axis of the rows.
        seed: a seed or key for a stream of its own (None: the default stream).
        unit: a brainunit unit for the result (None: a plain array).
    """

    def __init__(
        self,
        scale: Any = 1.0,
        axis: int = -1,
        seed: SeedOrKey = None,
        unit: Any = None,
    ) -> None:
        self.scale = scale
        self.axis = axis
        self._seed(seed)
        self.unit = unit

    def __call__(self, shape: Any, **kwargs: Any) -> Any:
        """Draw an orthogonal weight of `shape` (keywords: `dtype=`, `rng=`)."""
        size = _to_size(shape)
        if not -len(size) <= self.axis < len(size):
            raise InitializationError(
                f"Orthogonal: axis={self.axis} is not an axis of shape {size}."
            )
        dtype = _dtype(kwargs)
        axis = self.axis % len(size)
        moved = (*size[:axis], *size[axis + 1 :], size[axis])
        q = _orthogonal(self._rng(kwargs).split_key(), moved, dtype)
        q = jnp.moveaxis(q, -1, axis).astype(dtype)
        return _with_unit((jnp.asarray(self.scale, dtype) * q).astype(dtype), self.unit)


class DeltaOrthogonal(_Random):
    """A convolution kernel that is zero but an orthogonal matrix at its centre (Xiao et al., 2018).

    The shape is `(*spatial, in, out)` with 1 to 3 spatial dims and
    `in <= out`; the `in x out` orthogonal matrix (an `Orthogonal(scale, axis)`
    draw) sits at the tap `(k - 1) // 2` of each spatial dim `k`, as in
    brainstate.

    ```python
    import jax.numpy as jnp
    import eqstate

    w = eqstate.nn.init.DeltaOrthogonal(seed=0)((3, 3, 4, 4))
    assert jnp.allclose(w[1, 1].T @ w[1, 1], jnp.eye(4), atol=1e-5)
    assert float(jnp.abs(w).sum() - jnp.abs(w[1, 1]).sum()) == 0.0
    ```

    Args:
        scale: multiplies the orthogonal matrix.
        axis: the `axis` of the inner `Orthogonal`.
        seed: a seed or key for a stream of its own (None: the default stream).
        unit: a brainunit unit for the result (None: a plain array).

    Raises:
        InitializationError: for a shape that is not 3-D to 5-D, or with
            `in > out`.
    """

    def __init__(
        self,
        scale: Any = 1.0,
        axis: int = -1,
        seed: SeedOrKey = None,
        unit: Any = None,
    ) -> None:
        self.scale = scale
        self.axis = axis
        self._seed(seed)
        self.unit = unit

    def __call__(self, shape: Any, **kwargs: Any) -> Any:
        """Draw a delta-orthogonal kernel of `shape` (keywords: `dtype=`, `rng=`)."""
        size = _to_size(shape)
        if len(size) not in (3, 4, 5):
            raise InitializationError(
                f"DeltaOrthogonal needs a 3-D, 4-D or 5-D kernel shape "
                f"(*spatial, in, out), got {size}; use Orthogonal for a matrix."
            )
        if size[-1] < size[-2]:
            raise InitializationError(
                f"DeltaOrthogonal needs in <= out (fan_in <= fan_out), got "
                f"shape {size}: {size[-2]} inputs, {size[-1]} outputs."
            )
        dtype = _dtype(kwargs)
        inner = Orthogonal(self.scale, self.axis)
        q = inner(size[-2:], dtype=dtype, rng=self._rng(kwargs))
        centre = tuple((k - 1) // 2 for k in size[:-2])
        w = jnp.zeros(size, dtype).at[centre].set(q)
        return _with_unit(w, self.unit)
