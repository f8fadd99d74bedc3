"""Adaptive pooling (`AdaptiveAvgPool`, `AdaptiveMaxPool`) and `MaxUnpool`, 1d/2d/3d.

Adaptive pools reduce each spatial axis to a target size, one axis at a time,
with brainstate's partition: the first `n % target` cells pool
`n // target + 1` inputs, the rest `n // target`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any, ClassVar

import equinox as eqx
import jax.numpy as jnp
from jaxtyping import Array, Float, Int

from ._layer_common import LayerError, as_size, spatial_axes
from ._module import Module, init_module
from ._pooling import Size, _check_ints, _probe_out_size

__all__ = [
    "AdaptiveAvgPool1d",
    "AdaptiveAvgPool2d",
    "AdaptiveAvgPool3d",
    "AdaptiveMaxPool1d",
    "AdaptiveMaxPool2d",
    "AdaptiveMaxPool3d",
    "MaxUnpool1d",
    "MaxUnpool2d",
    "MaxUnpool3d",
]


def _adaptive_axis(x: Array, axis: int, target: int, op: Callable[..., Any]) -> Array:
    """Reduce `axis` to `target` cells: the first `n % target` cells cover
    `n // target + 1` inputs, the rest `n // target`."""
    n = x.shape[axis]
    if not 1 <= target <= n:
        raise LayerError(
            f"adaptive pooling: target size {target} must be in [1, {n}] for an axis "
            f"of size {n} (upsampling is not supported)."
        )
    x = jnp.moveaxis(x, axis, -1)
    long, short = n % target, n // target
    split = long * (short + 1)
    parts = []
    if long:
        parts.append(
            op(x[..., :split].reshape(*x.shape[:-1], long, short + 1), axis=-1)
        )
    parts.append(
        op(x[..., split:].reshape(*x.shape[:-1], target - long, short), axis=-1)
    )
    out = parts[0] if len(parts) == 1 else jnp.concatenate(parts, axis=-1)
    return jnp.moveaxis(out, -1, axis)


class _AdaptivePool(Module):
    pool_dim: ClassVar[int]
    reduction: ClassVar[Callable[..., Any]]

    target_shape: tuple[int | None, ...] = eqx.field(static=True)
    channel_axis: int | None = eqx.field(static=True)

    def __init__(
        self,
        target_size: int | Sequence[int | None],
        channel_axis: int | None = -1,
        name: str | None = None,
        in_size: Size | None = None,
    ):
        init_module(self, name)
        owner = type(self).__name__
        target = (
            (target_size,) * self.pool_dim
            if isinstance(target_size, int)
            else tuple(target_size)
        )
        if len(target) != self.pool_dim or not all(
            t is None or (isinstance(t, int) and t > 0) for t in target
        ):
            raise LayerError(
                f"{owner}: target_size must be a positive int or {self.pool_dim} "
                f"positive ints (None keeps an axis), got {target_size!r}."
            )
        self.target_shape = target
        self.channel_axis = channel_axis
        _probe_out_size(self, in_size)

    def update(self, x: Float[Array, "*shape"]) -> Float[Array, "*out_shape"]:
        """Pool the spatial axes down to `target_shape`."""
        axes = spatial_axes(
            x.ndim, self.pool_dim, self.channel_axis, type(self).__name__
        )
        for axis, target in zip(axes, self.target_shape):
            if target is not None:
                x = _adaptive_axis(x, axis, target, type(self).reduction)
        return x


class _MaxUnpool(Module):
    pool_dim: ClassVar[int]

    kernel_size: tuple[int, ...] = eqx.field(static=True)
    stride: tuple[int, ...] = eqx.field(static=True)
    padding: tuple[int, ...] = eqx.field(static=True)
    channel_axis: int | None = eqx.field(static=True)

    def __init__(
        self,
        kernel_size: Size,
        stride: Size | None = None,
        padding: int | Sequence[int] = 0,
        channel_axis: int | None = -1,
        name: str | None = None,
        in_size: Size | None = None,
    ):
        init_module(self, name)
        owner = type(self).__name__
        self.kernel_size = _check_ints(kernel_size, self.pool_dim, "kernel_size", owner)
        self.stride = (
            self.kernel_size
            if stride is None
            else _check_ints(stride, self.pool_dim, "stride", owner)
        )
        self.padding = _check_ints(padding, self.pool_dim, "padding", owner)
        self.channel_axis = channel_axis
        if in_size is not None:
            self.in_size = in_size

    def update(
        self,
        x: Float[Array, "*shape"],
        indices: Int[Array, "*shape"],
        output_size: Any = None,
    ) -> Float[Array, "*out_shape"]:
        """Scatter `x` back to where `MaxPool(return_indices=True)` found it;
        every other cell is zero."""
        axes = spatial_axes(
            x.ndim, self.pool_dim, self.channel_axis, type(self).__name__
        )
        natural = list(x.shape)
        for i, a in enumerate(axes):
            natural[a] = (
                (x.shape[a] - 1) * self.stride[i]
                - 2 * self.padding[i]
                + self.kernel_size[i]
            )
        shape = list(natural)
        if output_size is not None:
            sizes = as_size(output_size, "output_size")
            if len(sizes) == x.ndim:
                shape = list(sizes)
            elif len(sizes) == self.pool_dim:
                for a, s in zip(axes, sizes):
                    shape[a] = s
            else:
                raise LayerError(
                    f"{type(self).__name__}: output_size must have {self.pool_dim} "
                    f"(spatial) or {x.ndim} entries, got {output_size!r}."
                )
        flat_idx, values = indices.ravel(), x.ravel()
        size = math.prod(shape)
        if shape == natural:
            return jnp.zeros(size, x.dtype).at[flat_idx].set(values).reshape(shape)
        coords = jnp.unravel_index(flat_idx, tuple(natural))
        inside = jnp.ones(flat_idx.shape, bool)
        for c, d in zip(coords, shape):
            inside = inside & (c < d)
        clipped = tuple(jnp.minimum(c, d - 1) for c, d in zip(coords, shape))
        target = jnp.where(
            inside, jnp.ravel_multi_index(clipped, tuple(shape), mode="clip"), size
        )
        out = jnp.zeros(size + 1, x.dtype).at[target].set(values)
        return out[:size].reshape(shape)


class AdaptiveAvgPool1d(_AdaptivePool):
    """1-d adaptive average pooling to a fixed output size.

    ```python
    import jax.numpy as jnp
    import eqstate

    x = jnp.arange(8.0).reshape((1, 4, 2))
    y = eqstate.nn.AdaptiveAvgPool1d(3)(x)
    assert y.shape == (1, 3, 2)
    ```

    Args:
        target_size: the output spatial size, an int or one per dim (None keeps one).
        channel_axis: the channel axis (not pooled), or None.
        name: the module's name.
        in_size: the shape of one sample (without batch), to infer `out_size`.
    """

    pool_dim: ClassVar[int] = 1
    reduction: ClassVar[Callable[..., Any]] = staticmethod(jnp.mean)


class AdaptiveMaxPool1d(_AdaptivePool):
    """1-d adaptive max pooling to a fixed output size.

    ```python
    import jax.numpy as jnp
    import eqstate

    x = jnp.arange(8.0).reshape((1, 4, 2))
    y = eqstate.nn.AdaptiveMaxPool1d(1)(x)
    assert float(y.max()) == float(x.max())
    ```

    Args:
        target_size: the output spatial size, an int or one per dim (None keeps one).
        channel_axis: the channel axis (not pooled), or None.
        name: the module's name.
        in_size: the shape of one sample (without batch), to infer `out_size`.
    """

    pool_dim: ClassVar[int] = 1
    reduction: ClassVar[Callable[..., Any]] = staticmethod(jnp.max)


class MaxUnpool1d(_MaxUnpool):
    """The inverse of `MaxPool1d(return_indices=True)`: maxima back in place, zeros elsewhere.

    ```python
    import jax.numpy as jnp
    import eqstate

    x = jnp.arange(8.0).reshape((1,) + (4,) * 1 + (2,))
    y, idx = eqstate.nn.MaxPool1d(2, return_indices=True)(x)
    z = eqstate.nn.MaxUnpool1d(2)(y, idx)
    assert z.shape == x.shape and float(z.sum()) == float(y.sum())
    ```

    Args:
        kernel_size: the pool's window.
        stride: the pool's step (default: the window).
        padding: the pool's padding, one int or one per dim.
        channel_axis: the channel axis, or None.
        name: the module's name.
        in_size: the shape of one sample (without batch).
    """

    pool_dim: ClassVar[int] = 1


class AdaptiveAvgPool2d(_AdaptivePool):
    """2-d adaptive average pooling to a fixed output size.

    ```python
    import jax.numpy as jnp
    import eqstate

    x = jnp.arange(32.0).reshape((1, 4, 4, 2))
    y = eqstate.nn.AdaptiveAvgPool2d(3)(x)
    assert y.shape == (1, 3, 3, 2)
    ```

    Args:
        target_size: the output spatial size, an int or one per dim (None keeps one).
        channel_axis: the channel axis (not pooled), or None.
        name: the module's name.
        in_size: the shape of one sample (without batch), to infer `out_size`.
    """

    pool_dim: ClassVar[int] = 2
    reduction: ClassVar[Callable[..., Any]] = staticmethod(jnp.mean)


class AdaptiveMaxPool2d(_AdaptivePool):
    """2-d adaptive max pooling to a fixed output size.

    ```python
    import jax.numpy as jnp
    import eqstate

    x = jnp.arange(32.0).reshape((1, 4, 4, 2))
    y = eqstate.nn.AdaptiveMaxPool2d(1)(x)
    assert float(y.max()) == float(x.max())
    ```

    Args:
        target_size: the output spatial size, an int or one per dim (None keeps one).
        channel_axis: the channel axis (not pooled), or None.
        name: the module's name.
        in_size: the shape of one sample (without batch), to infer `out_size`.
    """

    pool_dim: ClassVar[int] = 2
    reduction: ClassVar[Callable[..., Any]] = staticmethod(jnp.max)


class MaxUnpool2d(_MaxUnpool):
    """The inverse of `MaxPool2d(return_indices=True)`: maxima back in place, zeros elsewhere.

    ```python
    import jax.numpy as jnp
    import eqstate

    x = jnp.arange(32.0).reshape((1,) + (4,) * 2 + (2,))
    y, idx = eqstate.nn.MaxPool2d(2, return_indices=True)(x)
    z = eqstate.nn.MaxUnpool2d(2)(y, idx)
    assert z.shape == x.shape and float(z.sum()) == float(y.sum())
    ```

    Args:
        kernel_size: the pool's window.
        stride: the pool's step (default: the window).
        padding: the pool's padding, one int or one per dim.
        channel_axis: the channel axis, or None.
        name: the module's name.
        in_size: the shape of one sample (without batch).
    """

    pool_dim: ClassVar[int] = 2


class AdaptiveAvgPool3d(_AdaptivePool):
    """3-d adaptive average pooling to a fixed output size.

    ```python
    import jax.numpy as jnp
    import eqstate

    x = jnp.arange(128.0).reshape((1, 4, 4, 4, 2))
    y = eqstate.nn.AdaptiveAvgPool3d(3)(x)
    assert y.shape == (1, 3, 3, 3, 2)
    ```

    Args:
        target_size: the output spatial size, an int or one per dim (None keeps one).
        channel_axis: the channel axis (not pooled), or None.
        name: the module's name.
        in_size: the shape of one sample (without batch), to infer `out_size`.
    """

    pool_dim: ClassVar[int] = 3
    reduction: ClassVar[Callable[..., Any]] = staticmethod(jnp.mean)


class AdaptiveMaxPool3d(_AdaptivePool):
    """3-d adaptive max pooling to a fixed output size.

    ```python
    import jax.numpy as jnp
    import eqstate

    x = jnp.arange(128.0).reshape((1, 4, 4, 4, 2))
    y = eqstate.nn.AdaptiveMaxPool3d(1)(x)
    assert float(y.max()) == float(x.max())
    ```

    Args:
        target_size: the output spatial size, an int or one per dim (None keeps one).
        channel_axis: the channel axis (not pooled), or None.
        name: the module's name.
        in_size: the shape of one sample (without batch), to infer `out_size`.
    """

    pool_dim: ClassVar[int] = 3
    reduction: ClassVar[Callable[..., Any]] = staticmethod(jnp.max)


class MaxUnpool3d(_MaxUnpool):
    """The inverse of `MaxPool3d(return_indices=True)`: maxima back in place, zeros elsewhere.

    ```python
    import jax.numpy as jnp
    import eqstate

    x = jnp.arange(128.0).reshape((1,) + (4,) * 3 + (2,))
    y, idx = eqstate.nn.MaxPool3d(2, return_indices=True)(x)
    z = eqstate.nn.MaxUnpool3d(2)(y, idx)
    assert z.shape == x.shape and float(z.sum()) == float(y.sum())
    ```

    Args:
        kernel_size: the pool's window.
        stride: the pool's step (default: the window).
        padding: the pool's padding, one int or one per dim.
        channel_axis: the channel axis, or None.
        name: the module's name.
        in_size: the shape of one sample (without batch).
    """

    pool_dim: ClassVar[int] = 3
