"""`BatchNorm0d..3d`: batch normalization with running statistics in `BatchState`s."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

import equinox as eqx
import jax.numpy as jnp
from jaxtyping import Array, Float

from .. import environ, init
from .._state_kinds import BatchState, ParamState
from ._layer_common import LayerError, as_size
from ._module import Module, init_module
from ._normalization import Axes, _affine, _axes, _groups, _normalize, _stats

__all__ = ["BatchNorm0d", "BatchNorm1d", "BatchNorm2d", "BatchNorm3d"]


class _BatchNorm(Module):
    """Batch normalization over every axis but the feature axes (the base of
    `BatchNorm0d..3d`)."""

    num_spatial_dims: ClassVar[int]

    weight: ParamState[dict[str, Array]] | None
    running_mean: BatchState[Array] | None
    running_var: BatchState[Array] | None
    feature_axes: tuple[int, ...] = eqx.field(static=True)
    epsilon: float = eqx.field(static=True)
    momentum: float = eqx.field(static=True)
    axis_name: Any = eqx.field(static=True)
    axis_index_groups: Any = eqx.field(static=True)
    use_fast_variance: bool = eqx.field(static=True)
    dtype: Any = eqx.field(static=True)

    def __init__(
        self,
        in_size: int | Sequence[int],
        feature_axis: Axes = -1,
        *,
        track_running_stats: bool = True,
        epsilon: float = 1e-5,
        momentum: float = 0.99,
        affine: bool = True,
        bias_initializer: Any = init.Constant(0.0),
        scale_initializer: Any = init.Constant(1.0),
        axis_name: str | Sequence[str] | None = None,
        axis_index_groups: Sequence[Sequence[int]] | None = None,
        use_fast_variance: bool = True,
        name: str | None = None,
        dtype: Any = None,
        param_type: type = ParamState,
        mean_type: type = BatchState,
    ):
        init_module(self, name)
        owner = type(self).__name__
        size = as_size(in_size)
        if len(size) != self.num_spatial_dims + 1:
            raise LayerError(
                f"{owner}: in_size must have {self.num_spatial_dims + 1} entries "
                f"({self.num_spatial_dims} spatial + channels), got {size}."
            )
        self.in_size = self.out_size = size
        self.dtype = jnp.dtype(dtype or jnp.result_type(float))
        self.epsilon = float(epsilon)
        self.momentum = float(momentum)
        self.axis_name = (
            axis_name if isinstance(axis_name, (str, type(None))) else tuple(axis_name)
        )
        self.axis_index_groups = _groups(axis_index_groups)
        self.use_fast_variance = bool(use_fast_variance)
        self.feature_axes = _axes(len(size), feature_axis, owner)
        shape = tuple(n if i in self.feature_axes else 1 for i, n in enumerate(size))
        if track_running_stats:
            self.running_mean = mean_type(jnp.zeros(shape, self.dtype))
            self.running_var = mean_type(jnp.ones(shape, self.dtype))
        else:
            self.running_mean = self.running_var = None
        if affine:
            if not track_running_stats:
                raise LayerError(
                    f"{owner}: affine=True needs track_running_stats=True; pass "
                    "affine=False to normalise with batch statistics only."
                )
            self.weight = param_type(
                _affine(size, self.feature_axes, scale_initializer, bias_initializer)
            )
        else:
            self.weight = None

    def update(
        self, x: Float[Array, "*shape"], mask: Array | None = None
    ) -> Float[Array, "*shape"]:
        """Normalise `x`; in training (`environ.get('fit')`) with the batch
        statistics, which also update the running ones."""
        owner = type(self).__name__
        n = self.num_spatial_dims + 1
        if x.ndim not in (n, n + 1) or x.shape[x.ndim - n :] != self.in_size:
            raise LayerError(
                f"{owner} expects inputs of shape {self.in_size} or "
                f"(batch, *{self.in_size}), got {x.shape}."
            )
        lead = x.ndim - n
        axes = tuple(i for i in range(x.ndim) if i - lead not in self.feature_axes)
        if self.running_mean is None or self.running_var is None:
            mean, var = _stats(
                x, axes, self.dtype, self.axis_name, self.axis_index_groups,
                True, self.use_fast_variance, mask,
            )  # fmt: skip
            return _normalize(x, mean, var, None, axes, self.dtype, self.epsilon)
        if environ.get("fit"):
            mean, var = _stats(
                x, axes, self.dtype, self.axis_name, self.axis_index_groups,
                True, self.use_fast_variance, mask,
            )  # fmt: skip
            m = jnp.asarray(self.momentum, self.dtype)
            old_mean, old_var = self.running_mean.value, self.running_var.value
            self.running_mean.value = m * old_mean + (1 - m) * mean.reshape(
                old_mean.shape
            )
            self.running_var.value = m * old_var + (1 - m) * var.reshape(old_var.shape)
        else:
            mean, var = self.running_mean.value, self.running_var.value
        params = None if self.weight is None else self.weight.value
        return _normalize(x, mean, var, params, axes, self.dtype, self.epsilon)


class BatchNorm0d(_BatchNorm):
    """Batch normalization for inputs with 0 spatial dims (channels last).

    In training (`eqstate.environ.get('fit')` true) it normalises with the
    batch's mean and (biased) variance and moves the running statistics
    (`BatchState`s) towards them: `running = momentum * running + (1 - momentum)
    * batch`. Otherwise it uses the running statistics. With `axis_name`, the
    batch statistics are averaged across that named `vmap` / `shard_map` axis.

    ```python
    import jax.numpy as jnp
    import eqstate

    bn = eqstate.nn.BatchNorm0d((3,))
    x = jnp.arange(6.0).reshape((2, 3))
    with eqstate.environ.context(fit=True):
        y = bn(x)
    assert y.shape == x.shape and float(abs(y.mean())) < 1e-5
    assert float(bn.running_mean.value.sum()) > 0  # moved towards the batch mean
    ```

    Args:
        in_size: the shape of one sample (spatial dims + channels).
        feature_axis: the axis (or axes) of `in_size` that keep their own
            statistics.
        track_running_stats: keep running statistics (else always use the batch's).
        epsilon: added to the variance.
        momentum: the running statistics' decay.
        affine: learn a per-feature `scale` and `bias` (in `weight`).
        bias_initializer: the bias's initial value or initializer.
        scale_initializer: the scale's initial value or initializer.
        axis_name: a named mapped axis (or several) to average the statistics over.
        axis_index_groups: groups of that axis's indices to average within.
        use_fast_variance: compute the variance as `E[x^2] - E[x]^2`.
        name: the module's name.
        dtype: the dtype of the statistics and the output (default float32).
        param_type: the State class of the affine parameters.
        mean_type: the State class of the running statistics.
    """

    num_spatial_dims: ClassVar[int] = 0


class BatchNorm1d(_BatchNorm):
    """Batch normalization for inputs with 1 spatial dim (channels last).

    In training (`eqstate.environ.get('fit')` true) it normalises with the
    batch's mean and (biased) variance and moves the running statistics
    (`BatchState`s) towards them: `running = momentum * running + (1 - momentum)
    * batch`. Otherwise it uses the running statistics. With `axis_name`, the
    batch statistics are averaged across that named `vmap` / `shard_map` axis.

    ```python
    import jax.numpy as jnp
    import eqstate

    bn = eqstate.nn.BatchNorm1d((2, 3))
    x = jnp.arange(12.0).reshape((2, 2, 3))
    with eqstate.environ.context(fit=True):
        y = bn(x)
    assert y.shape == x.shape and float(abs(y.mean())) < 1e-5
    assert float(bn.running_mean.value.sum()) > 0  # moved towards the batch mean
    ```

    Args:
        in_size: the shape of one sample (spatial dims + channels).
        feature_axis: the axis (or axes) of `in_size` that keep their own
            statistics.
        track_running_stats: keep running statistics (else always use the batch's).
        epsilon: added to the variance.
        momentum: the running statistics' decay.
        affine: learn a per-feature `scale` and `bias` (in `weight`).
        bias_initializer: the bias's initial value or initializer.
        scale_initializer: the scale's initial value or initializer.
        axis_name: a named mapped axis (or several) to average the statistics over.
        axis_index_groups: groups of that axis's indices to average within.
        use_fast_variance: compute the variance as `E[x^2] - E[x]^2`.
        name: the module's name.
        dtype: the dtype of the statistics and the output (default float32).
        param_type: the State class of the affine parameters.
        mean_type: the State class of the running statistics.
    """

    num_spatial_dims: ClassVar[int] = 1


class BatchNorm2d(_BatchNorm):
    """Batch normalization for inputs with 2 spatial dims (channels last).

    In training (`eqstate.environ.get('fit')` true) it normalises with the
    batch's mean and (biased) variance and moves the running statistics
    (`BatchState`s) towards them: `running = momentum * running + (1 - momentum)
    * batch`. Otherwise it uses the running statistics. With `axis_name`, the
    batch statistics are averaged across that named `vmap` / `shard_map` axis.

    ```python
    import jax.numpy as jnp
    import eqstate

    bn = eqstate.nn.BatchNorm2d((2, 2, 3))
    x = jnp.arange(24.0).reshape((2, 2, 2, 3))
    with eqstate.environ.context(fit=True):
        y = bn(x)
    assert y.shape == x.shape and float(abs(y.mean())) < 1e-5
    assert float(bn.running_mean.value.sum()) > 0  # moved towards the batch mean
    ```

    Args:
        in_size: the shape of one sample (spatial dims + channels).
        feature_axis: the axis (or axes) of `in_size` that keep their own
            statistics.
        track_running_stats: keep running statistics (else always use the batch's).
        epsilon: added to the variance.
        momentum: the running statistics' decay.
        affine: learn a per-feature `scale` and `bias` (in `weight`).
        bias_initializer: the bias's initial value or initializer.
        scale_initializer: the scale's initial value or initializer.
        axis_name: a named mapped axis (or several) to average the statistics over.
        axis_index_groups: groups of that axis's indices to average within.
        use_fast_variance: compute the variance as `E[x^2] - E[x]^2`.
        name: the module's name.
        dtype: the dtype of the statistics and the output (default float32).
        param_type: the State class of the affine parameters.
        mean_type: the State class of the running statistics.
    """

    num_spatial_dims: ClassVar[int] = 2


class BatchNorm3d(_BatchNorm):
    """Batch normalization for inputs with 3 spatial dims (channels last).

    In training (`eqstate.environ.get('fit')` true) it normalises with the
    batch's mean and (biased) variance and moves the running statistics
    (`BatchState`s) towards them: `running = momentum * running + (1 - momentum)
    * batch`. Otherwise it uses the running statistics. With `axis_name`, the
    batch statistics are averaged across that named `vmap` / `shard_map` axis.

    ```python
    import jax.numpy as jnp
    import eqstate

    bn = eqstate.nn.BatchNorm3d((2, 2, 2, 3))
    x = jnp.arange(48.0).reshape((2, 2, 2, 2, 3))
    with eqstate.environ.context(fit=True):
        y = bn(x)
    assert y.shape == x.shape and float(abs(y.mean())) < 1e-5
    assert float(bn.running_mean.value.sum()) > 0  # moved towards the batch mean
    ```

    Args:
        in_size: the shape of one sample (spatial dims + channels).
        feature_axis: the axis (or axes) of `in_size` that keep their own
            statistics.
        track_running_stats: keep running statistics (else always use the batch's).
        epsilon: added to the variance.
        momentum: the running statistics' decay.
        affine: learn a per-feature `scale` and `bias` (in `weight`).
        bias_initializer: the bias's initial value or initializer.
        scale_initializer: the scale's initial value or initializer.
        axis_name: a named mapped axis (or several) to average the statistics over.
        axis_index_groups: groups of that axis's indices to average within.
        use_fast_variance: compute the variance as `E[x^2] - E[x]^2`.
        name: the module's name.
        dtype: the dtype of the statistics and the output (default float32).
        param_type: the State class of the affine parameters.
        mean_type: the State class of the running statistics.
    """

    num_spatial_dims: ClassVar[int] = 3
