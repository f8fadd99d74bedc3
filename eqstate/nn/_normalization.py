"""Normalization layers `LayerNorm`, `RMSNorm`, `GroupNorm`, the normalization
core shared with the BatchNorm layers (`_batchnorm.py`), and `weight_standardization`.

All of them share two functions: `_stats` (mean and variance over some axes,
optionally averaged across a named `vmap` / `shard_map` axis) and `_normalize`
(subtract, scale by `rsqrt(var + eps)`, apply the learned scale and bias).
Learned parameters live in one `ParamState` named `weight` (`{'scale', 'bias'}`;
`RMSNorm` calls it `scale`), as in brainstate.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
from jaxtyping import Array, Float

from .. import init
from .._state_kinds import ParamState
from ._layer_common import LayerError, as_size
from ._module import Module, init_module

__all__ = [
    "GroupNorm",
    "LayerNorm",
    "RMSNorm",
    "weight_standardization",
]

Axes = int | Sequence[int]


def weight_standardization(
    w: Float[Array, "*fan out"],
    eps: float = 1e-4,
    gain: Array | None = None,
    out_axis: int = -1,
) -> Float[Array, "*fan out"]:
    r"""Standardize a weight over every axis but `out_axis`.

    $\hat w = g\,(w - \mu) / \sqrt{\max(n\sigma^2, \epsilon)}$, with $\mu$,
    $\sigma^2$ the mean and variance over the fan-in axes and $n$ the fan-in.

    ```python
    import jax.numpy as jnp
    import eqstate

    w = jnp.arange(6.0).reshape(3, 2)
    ws = eqstate.nn.weight_standardization(w)
    assert jnp.allclose(ws.mean(axis=0), 0.0, atol=1e-6)
    assert jnp.allclose((ws**2).sum(axis=0), 1.0, atol=1e-4)
    ```

    Args:
        w: the weight.
        eps: a lower bound on $n\sigma^2$.
        gain: an optional multiplier broadcast against the per-output scale.
        out_axis: the output axis (kept).

    Returns:
        The standardized weight, same shape as `w`.
    """
    out_axis = out_axis % w.ndim
    axes = tuple(i for i in range(w.ndim) if i != out_axis)
    fan_in = 1
    for i in axes:
        fan_in *= w.shape[i]
    mean = jnp.mean(w, axis=axes, keepdims=True)
    var = jnp.var(w, axis=axes, keepdims=True)
    scale = jax.lax.rsqrt(jnp.maximum(var * fan_in, eps))
    if gain is not None:
        scale = gain * scale
    return w * scale - mean * scale


def _axes(ndim: int, axes: Axes, owner: str) -> tuple[int, ...]:
    axes = (axes,) if isinstance(axes, int) else tuple(axes)
    for a in axes:
        if not -ndim <= a < ndim:
            raise LayerError(
                f"{owner}: axis {a} is out of range for a {ndim}-d input or size."
            )
    return tuple(a % ndim for a in axes)


def _stats(
    x: Array,
    axes: tuple[int, ...],
    dtype: Any,
    axis_name: Any,
    groups: Any,
    use_mean: bool,
    fast: bool,
    mask: Array | None,
) -> tuple[Array, Array]:
    """(mean, var) of `x` over `axes` (in at least float32), optionally
    averaged across the named mapped axis `axis_name`."""
    dtype = jnp.promote_types(
        jnp.result_type(x) if dtype is None else dtype, jnp.float32
    )
    x = jnp.asarray(x, dtype)

    def mean(*values: Array) -> tuple[Array, ...]:
        mus = tuple(v.mean(axes, where=mask) for v in values)
        if axis_name is None:
            return mus
        stacked = jax.lax.pmean(jnp.stack(mus), axis_name, axis_index_groups=groups)
        return tuple(stacked[i] for i in range(len(mus)))

    if not use_mean:
        (var,) = mean(jnp.square(x))
        return jnp.zeros_like(var), var
    if fast:
        mu, mu2 = mean(x, jnp.square(x))
        return mu, jnp.maximum(0.0, mu2 - jnp.square(mu))
    (mu,) = mean(x)
    (var,) = mean(jnp.square(x - jnp.expand_dims(mu, axes)))
    return mu, var


def _normalize(
    x: Array,
    mean: Array,
    var: Array,
    params: dict[str, Array] | None,
    axes: tuple[int, ...],
    dtype: Any,
    epsilon: float,
) -> Array:
    """`(x - mean) * rsqrt(var + eps) * scale + bias`, cast to `dtype` (or the
    promoted dtype of `x` and the parameters)."""
    shape = tuple(1 if i in axes else n for i, n in enumerate(x.shape))
    y = (x - mean.reshape(shape)) * jax.lax.rsqrt(var.reshape(shape) + epsilon)
    leaves = [] if params is None else list(params.values())
    if params is not None:
        if "scale" in params:
            y = y * params["scale"]
        if "bias" in params:
            y = y + params["bias"]
    if dtype is None:
        dtype = jnp.result_type(x, *leaves)
        if not jnp.issubdtype(dtype, jnp.inexact):
            dtype = jnp.promote_types(jnp.float32, dtype)
    return jnp.asarray(y, dtype)


def _affine(
    in_size: tuple[int, ...],
    feature_axes: tuple[int, ...],
    scale_init: Any,
    bias_init: Any,
) -> dict[str, Any]:
    shape = tuple(n if i in feature_axes else 1 for i, n in enumerate(in_size))
    params = {}
    if scale_init is not None:
        params["scale"] = init.param(scale_init, shape)
    if bias_init is not None:
        params["bias"] = init.param(bias_init, shape)
    return params


def _groups(groups: Any) -> Any:
    return None if groups is None else tuple(tuple(g) for g in groups)


class _StatsNorm(Module):
    """The shared body of `LayerNorm` / `RMSNorm`: statistics over
    `reduction_axes` of each input."""

    reduction_axes: tuple[int, ...] = eqx.field(static=True)
    feature_axes: tuple[int, ...] = eqx.field(static=True)
    epsilon: float = eqx.field(static=True)
    axis_name: Any = eqx.field(static=True)
    axis_index_groups: Any = eqx.field(static=True)
    use_fast_variance: bool = eqx.field(static=True)
    dtype: Any = eqx.field(static=True)

    def _setup(
        self,
        in_size: Any,
        reduction_axes: Axes,
        feature_axes: Axes,
        epsilon: float,
        axis_name: Any,
        axis_index_groups: Any,
        use_fast_variance: bool,
        dtype: Any,
    ) -> tuple[int, ...]:
        init_module(self, None)
        size = as_size(in_size)
        self.in_size = self.out_size = size
        self.feature_axes = _axes(len(size), feature_axes, type(self).__name__)
        self.reduction_axes = (
            (reduction_axes,)
            if isinstance(reduction_axes, int)
            else tuple(reduction_axes)
        )
        self.epsilon = float(epsilon)
        self.axis_name = axis_name
        self.axis_index_groups = _groups(axis_index_groups)
        self.use_fast_variance = bool(use_fast_variance)
        self.dtype = jnp.dtype(dtype or jnp.result_type(float))
        return size

    def _run(
        self,
        x: Array,
        mask: Array | None,
        use_mean: bool,
        state: ParamState[dict[str, Array]] | None,
    ) -> Array:
        axes = _axes(x.ndim, self.reduction_axes, type(self).__name__)
        mean, var = _stats(
            x, axes, self.dtype, self.axis_name, self.axis_index_groups,
            use_mean, self.use_fast_variance, mask,
        )  # fmt: skip
        params = None if state is None else state.value
        return _normalize(x, mean, var, params, axes, self.dtype, self.epsilon)


class LayerNorm(_StatsNorm):
    r"""Layer normalization: each sample normalised over `reduction_axes`.

    $y = (x - \mu) / \sqrt{\sigma^2 + \epsilon} \cdot \gamma + \beta$.

    ```python
    import jax.numpy as jnp
    import eqstate

    ln = eqstate.nn.LayerNorm(4)
    y = ln(jnp.arange(8.0).reshape(2, 4))
    assert jnp.allclose(y.mean(axis=-1), 0.0, atol=1e-6)
    ```

    Args:
        in_size: the shape of one sample.
        reduction_axes: the axes of the input to normalise over.
        feature_axes: the axes of `in_size` that get their own scale and bias.
        epsilon: added to the variance.
        use_bias: learn a bias $\beta$.
        use_scale: learn a scale $\gamma$.
        bias_init: the bias's initializer.
        scale_init: the scale's initializer.
        axis_name: a named mapped axis to average the statistics over.
        axis_index_groups: groups of that axis's indices to average within.
        use_fast_variance: compute the variance as `E[x^2] - E[x]^2`.
        dtype: the output dtype (default float32).
        param_type: the State class of the parameters.
    """

    weight: ParamState[dict[str, Array]] | None

    def __init__(
        self,
        in_size: int | Sequence[int],
        reduction_axes: Axes = -1,
        feature_axes: Axes = -1,
        *,
        epsilon: float = 1e-6,
        use_bias: bool = True,
        use_scale: bool = True,
        bias_init: Any = init.ZeroInit(),
        scale_init: Any = init.Constant(1.0),
        axis_name: str | None = None,
        axis_index_groups: Any = None,
        use_fast_variance: bool = True,
        dtype: Any = None,
        param_type: type = ParamState,
    ):
        size = self._setup(
            in_size, reduction_axes, feature_axes, epsilon, axis_name,
            axis_index_groups, use_fast_variance, dtype,
        )  # fmt: skip
        params = _affine(
            size, self.feature_axes,
            scale_init if use_scale else None, bias_init if use_bias else None,
        )  # fmt: skip
        self.weight = param_type(params) if params else None

    def update(
        self, x: Float[Array, "*shape"], *, mask: Array | None = None
    ) -> Float[Array, "*shape"]:
        """Normalise each sample of `x`."""
        return self._run(x, mask, True, self.weight)


class RMSNorm(_StatsNorm):
    r"""Root-mean-square normalization: $y = x / \sqrt{E[x^2] + \epsilon} \cdot \gamma$.

    The scale lives in the `ParamState` `scale` (`{'scale': ...}`), as in brainstate.

    ```python
    import jax.numpy as jnp
    import eqstate

    rms = eqstate.nn.RMSNorm(4)
    y = rms(jnp.full((2, 4), 3.0))
    assert jnp.allclose(y, 1.0, atol=1e-5)
    ```

    Args:
        in_size: the shape of one sample.
        epsilon: added to the mean square.
        dtype: the output dtype (default float32).
        use_scale: learn a scale $\gamma$.
        scale_init: the scale's initializer.
        reduction_axes: the axes of the input to normalise over.
        feature_axes: the axes of `in_size` that get their own scale.
        axis_name: a named mapped axis to average the statistics over.
        axis_index_groups: groups of that axis's indices to average within.
        use_fast_variance: unused (kept for brainstate's signature).
        param_type: the State class of the scale.
    """

    scale: ParamState[dict[str, Array]] | None

    def __init__(
        self,
        in_size: int | Sequence[int],
        *,
        epsilon: float = 1e-6,
        dtype: Any = None,
        use_scale: bool = True,
        scale_init: Any = init.Constant(1.0),
        reduction_axes: Axes = -1,
        feature_axes: Axes = -1,
        axis_name: str | None = None,
        axis_index_groups: Any = None,
        use_fast_variance: bool = True,
        param_type: type = ParamState,
    ):
        size = self._setup(
            in_size, reduction_axes, feature_axes, epsilon, axis_name,
            axis_index_groups, use_fast_variance, dtype,
        )  # fmt: skip
        params = _affine(
            size, self.feature_axes, scale_init if use_scale else None, None
        )
        self.scale = param_type(params) if params else None

    def update(
        self, x: Float[Array, "*shape"], *, mask: Array | None = None
    ) -> Float[Array, "*shape"]:
        """Normalise each sample of `x` by its root mean square."""
        return self._run(x, mask, False, self.scale)


class GroupNorm(Module):
    r"""Group normalization: the channels split into groups, each normalised
    over its channels and the spatial axes.

    ```python
    import jax.numpy as jnp
    import eqstate

    gn = eqstate.nn.GroupNorm(4, num_groups=2)
    y = gn(jnp.arange(8.0).reshape(2, 4))
    assert jnp.allclose(y.reshape(2, 2, 2).mean(-1), 0.0, atol=1e-6)
    ```

    Args:
        in_size: the shape of one sample (channels last).
        feature_axis: the channel axis of `in_size`.
        num_groups: the number of groups (pass None when giving `group_size`).
        group_size: the channels per group.
        epsilon: added to the variance.
        dtype: the output dtype (default: promoted from input and parameters).
        use_bias: learn a bias.
        use_scale: learn a scale.
        bias_init: the bias's initializer.
        scale_init: the scale's initializer.
        reduction_axes: the input axes to normalise over (default all but the first).
        axis_name: a named mapped axis to average the statistics over.
        axis_index_groups: groups of that axis's indices to average within.
        use_fast_variance: compute the variance as `E[x^2] - E[x]^2`.
        param_type: the State class of the parameters.
    """

    weight: ParamState[dict[str, Array]] | None
    num_groups: int = eqx.field(static=True)
    group_size: int = eqx.field(static=True)
    feature_axes: tuple[int, ...] = eqx.field(static=True)
    reduction_axes: tuple[int, ...] | None = eqx.field(static=True)
    epsilon: float = eqx.field(static=True)
    axis_name: Any = eqx.field(static=True)
    axis_index_groups: Any = eqx.field(static=True)
    use_fast_variance: bool = eqx.field(static=True)
    dtype: Any = eqx.field(static=True)

    def __init__(
        self,
        in_size: int | Sequence[int],
        feature_axis: Axes = -1,
        num_groups: int | None = 32,
        group_size: int | None = None,
        *,
        epsilon: float = 1e-6,
        dtype: Any = None,
        use_bias: bool = True,
        use_scale: bool = True,
        bias_init: Any = init.ZeroInit(),
        scale_init: Any = init.Constant(1.0),
        reduction_axes: Axes | None = None,
        axis_name: str | None = None,
        axis_index_groups: Any = None,
        use_fast_variance: bool = True,
        param_type: type = ParamState,
    ):
        init_module(self, None)
        size = as_size(in_size)
        self.in_size = self.out_size = size
        self.feature_axes = _axes(len(size), feature_axis, "GroupNorm")
        if len(self.feature_axes) != 1:
            raise LayerError(
                "GroupNorm: exactly one feature (channel) axis is supported."
            )
        channels = size[self.feature_axes[0]]
        if (num_groups is None) == (group_size is None):
            raise LayerError(
                "GroupNorm: give exactly one of num_groups and group_size; to set "
                "group_size pass num_groups=None (num_groups defaults to 32)."
            )
        if group_size is not None:
            if channels % group_size:
                raise LayerError(
                    f"GroupNorm: {channels} channels are not a multiple of "
                    f"group_size={group_size}."
                )
            num_groups = channels // group_size
        assert num_groups is not None
        if num_groups <= 0 or channels % num_groups:
            raise LayerError(
                f"GroupNorm: num_groups={num_groups} does not divide the {channels} "
                "channels; choose a divisor, e.g. num_groups=1."
            )
        self.num_groups = int(num_groups)
        self.group_size = channels // self.num_groups
        self.reduction_axes = (
            None if reduction_axes is None
            else (reduction_axes,) if isinstance(reduction_axes, int)
            else tuple(reduction_axes)
        )  # fmt: skip
        self.epsilon = float(epsilon)
        self.axis_name = axis_name
        self.axis_index_groups = _groups(axis_index_groups)
        self.use_fast_variance = bool(use_fast_variance)
        self.dtype = None if dtype is None else jnp.dtype(dtype)
        params = _affine(
            size, self.feature_axes,
            scale_init if use_scale else None, bias_init if use_bias else None,
        )  # fmt: skip
        self.weight = param_type(params) if params else None

    def update(
        self, x: Float[Array, "batch ..."], *, mask: Array | None = None
    ) -> Float[Array, "batch ..."]:
        """Normalise each group of channels of each sample."""
        red = self.reduction_axes
        if red is None:
            red = (*range(1, x.ndim - 1), -1)
        axes = _axes(x.ndim, red, "GroupNorm")
        grouped = x.reshape(x.shape[:-1] + (self.num_groups, self.group_size))
        if mask is not None:
            mask = mask.reshape(grouped.shape)
        mean, var = _stats(
            grouped, (*axes[:-1], grouped.ndim - 1), self.dtype, self.axis_name,
            self.axis_index_groups, True, self.use_fast_variance, mask,
        )  # fmt: skip
        mean = jnp.repeat(mean, self.group_size, axis=1)
        var = jnp.repeat(var, self.group_size, axis=1)
        params = None if self.weight is None else self.weight.value
        return _normalize(x, mean, var, params, axes[:-1], self.dtype, self.epsilon)
