"""Windowed pooling: `MaxPool`, `AvgPool`, `LPPool` (1d/2d/3d).

One core (`_Pool`) serves every windowed pool: it maps the window, stride and
padding onto the input's last `pool_dim` non-channel axes (so any number of
leading batch axes works) and calls `jax.lax.reduce_window`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any, ClassVar

import equinox as eqx
import jax
import jax.numpy as jnp
from jaxtyping import Array, Float

from ._layer_common import LayerError, as_size, per_dim, spatial_axes, window_padding
from ._module import Module, init_module

__all__ = [
    "AvgPool1d",
    "AvgPool2d",
    "AvgPool3d",
    "LPPool1d",
    "LPPool2d",
    "LPPool3d",
    "MaxPool1d",
    "MaxPool2d",
    "MaxPool3d",
]

Size = int | Sequence[int]
Padding = str | int | Sequence[int] | Sequence[Sequence[int]]


def _probe_out_size(layer: Module, in_size: Any) -> None:
    """Set `in_size` and infer `out_size` by tracing a batch of one."""
    if in_size is None:
        return
    size = as_size(in_size)
    layer.in_size = size
    probe = jax.ShapeDtypeStruct((1, *size), jnp.result_type(float))
    out = jax.eval_shape(layer.update, probe)
    out = out[0] if isinstance(out, tuple) else out
    layer.out_size = out.shape[1:]


def _check_ints(value: Any, n: int, what: str, owner: str) -> tuple[int, ...]:
    values = per_dim(value, n, what, owner)
    if len(values) != n or not all(isinstance(v, int) for v in values):
        raise LayerError(f"{owner}: {what} must be an int or {n} ints, got {value!r}.")
    return values


class _Pool(Module):
    """The windowed-pool core: window, stride and padding over the spatial axes."""

    pool_dim: ClassVar[int]

    kernel_size: tuple[int, ...] = eqx.field(static=True)
    stride: tuple[int, ...] = eqx.field(static=True)
    padding: Any = eqx.field(static=True)
    channel_axis: int | None = eqx.field(static=True)

    def _setup(
        self,
        kernel_size: Size,
        stride: Size | None,
        padding: Padding,
        channel_axis: int | None,
        name: str | None,
    ) -> None:
        init_module(self, name)
        owner = type(self).__name__
        self.kernel_size = _check_ints(kernel_size, self.pool_dim, "kernel_size", owner)
        self.stride = (
            self.kernel_size
            if stride is None
            else _check_ints(stride, self.pool_dim, "stride", owner)
        )
        self.padding = window_padding(padding, self.pool_dim, owner)
        if channel_axis is not None and not isinstance(channel_axis, int):
            raise LayerError(f"{owner}: channel_axis must be an int or None.")
        self.channel_axis = channel_axis

    def _window(self, x: Array) -> tuple[tuple[int, ...], tuple[int, ...], Any]:
        """Per-axis window, strides and padding for `x`."""
        axes = spatial_axes(
            x.ndim, self.pool_dim, self.channel_axis, type(self).__name__
        )
        window, strides = [1] * x.ndim, [1] * x.ndim
        pads = [(0, 0)] * x.ndim
        for i, a in enumerate(axes):
            window[a], strides[a] = self.kernel_size[i], self.stride[i]
            if not isinstance(self.padding, str):
                pads[a] = self.padding[i]
        if isinstance(self.padding, str):
            return tuple(window), tuple(strides), self.padding
        return tuple(window), tuple(strides), tuple(pads)

    def _reduce(self, x: Array, init: Any, op: Callable[..., Any]) -> Array:
        window, strides, pads = self._window(x)
        return jax.lax.reduce_window(x, init, op, window, strides, pads)


class _MaxPool(_Pool):
    return_indices: bool = eqx.field(static=True)

    def __init__(
        self,
        kernel_size: Size,
        stride: Size | None = None,
        padding: Padding = "VALID",
        channel_axis: int | None = -1,
        return_indices: bool = False,
        name: str | None = None,
        in_size: Size | None = None,
    ):
        self._setup(kernel_size, stride, padding, channel_axis, name)
        self.return_indices = bool(return_indices)
        _probe_out_size(self, in_size)

    def update(self, x: Float[Array, "*shape"]) -> Any:
        """The window maxima (and, with `return_indices`, their flat indices)."""
        if not self.return_indices:
            return self._reduce(x, -jnp.inf, jax.lax.max)
        window, strides, pads = self._window(x)
        if isinstance(pads, str):
            pads = tuple(jax.lax.padtype_to_pads(x.shape, window, strides, pads))
        index = jnp.arange(x.size, dtype=jnp.int32).reshape(x.shape)

        def pick(a: tuple[Array, Array], b: tuple[Array, Array]) -> tuple[Array, Array]:
            (va, ia), (vb, ib) = a, b
            take_b = (vb > va) | ((vb == va) & (ib < ia))
            return jnp.where(take_b, vb, va), jnp.where(take_b, ib, ia)

        init = (jnp.array(-jnp.inf, x.dtype), jnp.array(x.size, jnp.int32))
        values, where = jax.lax.reduce_window(
            (x, index), init, pick, window, strides, pads
        )
        return values, jnp.where(where == x.size, 0, where).astype(jnp.int32)


class _AvgPool(_Pool):
    def __init__(
        self,
        kernel_size: Size,
        stride: Size = 1,
        padding: Padding = "VALID",
        channel_axis: int | None = -1,
        name: str | None = None,
        in_size: Size | None = None,
    ):
        self._setup(kernel_size, stride, padding, channel_axis, name)
        _probe_out_size(self, in_size)

    def update(self, x: Float[Array, "*shape"]) -> Float[Array, "*out_shape"]:
        """The window means (padding cells are not counted)."""
        total = self._reduce(x, 0.0, jax.lax.add)
        if self.padding == "VALID":
            return total / math.prod(self.kernel_size)
        counts = self._reduce(jnp.ones_like(x), 0.0, jax.lax.add)
        return total / jnp.maximum(counts, 1)


class _LPPool(_Pool):
    norm_type: float = eqx.field(static=True)

    def __init__(
        self,
        norm_type: float,
        kernel_size: Size,
        stride: Size | None = None,
        padding: Padding = "VALID",
        channel_axis: int | None = -1,
        name: str | None = None,
        in_size: Size | None = None,
    ):
        if not (norm_type > 0 and math.isfinite(norm_type)):
            raise LayerError(
                f"{type(self).__name__}: norm_type must be a positive finite number "
                f"(the p of the p-norm), got {norm_type}."
            )
        self._setup(kernel_size, stride, padding, channel_axis, name)
        self.norm_type = float(norm_type)
        _probe_out_size(self, in_size)

    def update(self, x: Float[Array, "*shape"]) -> Float[Array, "*out_shape"]:
        """The windows' power means `(mean |x|^p)^(1/p)`."""
        p = self.norm_type
        total = self._reduce(jnp.abs(x) ** p, 0.0, jax.lax.add)
        positive = total > 0
        root = jnp.where(positive, total, 1.0) ** (1.0 / p)
        return math.prod(self.kernel_size) ** (-1.0 / p) * jnp.where(
            positive, root, 0.0
        )


class MaxPool1d(_MaxPool):
    """1-d max pooling over the last 1 non-channel axes (stride defaults to the window).

    ```python
    import jax.numpy as jnp
    import eqstate

    x = jnp.arange(8.0).reshape((1, 4, 2))
    y = eqstate.nn.MaxPool1d(2)(x)
    assert y.shape == (1, 2, 2) and float(y.max()) == float(x.max())
    ```

    Args:
        kernel_size: the window, an int or one per spatial dim.
        stride: the step, an int or one per dim (default: the window).
        padding: 'SAME', 'VALID', an int, one int per dim, or `(low, high)` pairs.
        channel_axis: the channel axis (not pooled), or None.
        return_indices: also return the flat index of each maximum (for `MaxUnpool`).
        name: the module's name.
        in_size: the shape of one sample (without batch), to infer `out_size`.
    """

    pool_dim: ClassVar[int] = 1


class AvgPool1d(_AvgPool):
    """1-d average pooling (stride defaults to 1, as in brainstate).

    ```python
    import jax.numpy as jnp
    import eqstate

    x = jnp.arange(8.0).reshape((1, 4, 2))
    y = eqstate.nn.AvgPool1d(2, 2)(x)
    assert y.shape == (1, 2, 2)
    ```

    Args:
        kernel_size: the window, an int or one per spatial dim.
        stride: the step, an int or one per dim (default 1).
        padding: 'SAME', 'VALID', an int, one int per dim, or `(low, high)` pairs.
        channel_axis: the channel axis (not pooled), or None.
        name: the module's name.
        in_size: the shape of one sample (without batch), to infer `out_size`.
    """

    pool_dim: ClassVar[int] = 1


class LPPool1d(_LPPool):
    """1-d power-average pooling: `(sum |x|^p / k)^(1/p)` scaled to the window mean.

    ```python
    import jax.numpy as jnp
    import eqstate

    x = jnp.arange(8.0).reshape((1, 4, 2))
    y = eqstate.nn.LPPool1d(2.0, 2)(x)
    assert y.shape == (1, 2, 2)
    ```

    Args:
        norm_type: the p of the p-norm (positive, finite).
        kernel_size: the window, an int or one per spatial dim.
        stride: the step, an int or one per dim (default: the window).
        padding: 'SAME', 'VALID', an int, one int per dim, or `(low, high)` pairs.
        channel_axis: the channel axis (not pooled), or None.
        name: the module's name.
        in_size: the shape of one sample (without batch), to infer `out_size`.
    """

    pool_dim: ClassVar[int] = 1


class MaxPool2d(_MaxPool):
    """2-d max pooling over the last 2 non-channel axes (stride defaults to the window).

    ```python
    import jax.numpy as jnp
    import eqstate

    x = jnp.arange(32.0).reshape((1, 4, 4, 2))
    y = eqstate.nn.MaxPool2d(2)(x)
    assert y.shape == (1, 2, 2, 2) and float(y.max()) == float(x.max())
    ```

    Args:
        kernel_size: the window, an int or one per spatial dim.
        stride: the step, an int or one per dim (default: the window).
        padding: 'SAME', 'VALID', an int, one int per dim, or `(low, high)` pairs.
        channel_axis: the channel axis (not pooled), or None.
        return_indices: also return the flat index of each maximum (for `MaxUnpool`).
        name: the module's name.
        in_size: the shape of one sample (without batch), to infer `out_size`.
    """

    pool_dim: ClassVar[int] = 2


class AvgPool2d(_AvgPool):
    """2-d average pooling (stride defaults to 1, as in brainstate).

    ```python
    import jax.numpy as jnp
    import eqstate

    x = jnp.arange(32.0).reshape((1, 4, 4, 2))
    y = eqstate.nn.AvgPool2d(2, 2)(x)
    assert y.shape == (1, 2, 2, 2)
    ```

    Args:
        kernel_size: the window, an int or one per spatial dim.
        stride: the step, an int or one per dim (default 1).
        padding: 'SAME', 'VALID', an int, one int per dim, or `(low, high)` pairs.
        channel_axis: the channel axis (not pooled), or None.
        name: the module's name.
        in_size: the shape of one sample (without batch), to infer `out_size`.
    """

    pool_dim: ClassVar[int] = 2


class LPPool2d(_LPPool):
    """2-d power-average pooling: `(sum |x|^p / k)^(1/p)` scaled to the window mean.

    ```python
    import jax.numpy as jnp
    import eqstate

    x = jnp.arange(32.0).reshape((1, 4, 4, 2))
    y = eqstate.nn.LPPool2d(2.0, 2)(x)
    assert y.shape == (1, 2, 2, 2)
    ```

    Args:
        norm_type: the p of the p-norm (positive, finite).
        kernel_size: the window, an int or one per spatial dim.
        stride: the step, an int or one per dim (default: the window).
        padding: 'SAME', 'VALID', an int, one int per dim, or `(low, high)` pairs.
        channel_axis: the channel axis (not pooled), or None.
        name: the module's name.
        in_size: the shape of one sample (without batch), to infer `out_size`.
    """

    pool_dim: ClassVar[int] = 2


class MaxPool3d(_MaxPool):
    """3-d max pooling over the last 3 non-channel axes (stride defaults to the window).

    ```python
    import jax.numpy as jnp
    import eqstate

    x = jnp.arange(128.0).reshape((1, 4, 4, 4, 2))
    y = eqstate.nn.MaxPool3d(2)(x)
    assert y.shape == (1, 2, 2, 2, 2) and float(y.max()) == float(x.max())
    ```

    Args:
        kernel_size: the window, an int or one per spatial dim.
        stride: the step, an int or one per dim (default: the window).
        padding: 'SAME', 'VALID', an int, one int per dim, or `(low, high)` pairs.
        channel_axis: the channel axis (not pooled), or None.
        return_indices: also return the flat index of each maximum (for `MaxUnpool`).
        name: the module's name.
        in_size: the shape of one sample (without batch), to infer `out_size`.
    """

    pool_dim: ClassVar[int] = 3


class AvgPool3d(_AvgPool):
    """3-d average pooling (stride defaults to 1, as in brainstate).

    ```python
    import jax.numpy as jnp
    import eqstate

    x = jnp.arange(128.0).reshape((1, 4, 4, 4, 2))
    y = eqstate.nn.AvgPool3d(2, 2)(x)
    assert y.shape == (1, 2, 2, 2, 2)
    ```

    Args:
        kernel_size: the window, an int or one per spatial dim.
        stride: the step, an int or one per dim (default 1).
        padding: 'SAME', 'VALID', an int, one int per dim, or `(low, high)` pairs.
        channel_axis: the channel axis (not pooled), or None.
        name: the module's name.
        in_size: the shape of one sample (without batch), to infer `out_size`.
    """

    pool_dim: ClassVar[int] = 3


class LPPool3d(_LPPool):
    """3-d power-average pooling: `(sum |x|^p / k)^(1/p)` scaled to the window mean.

    ```python
    import jax.numpy as jnp
    import eqstate

    x = jnp.arange(128.0).reshape((1, 4, 4, 4, 2))
    y = eqstate.nn.LPPool3d(2.0, 2)(x)
    assert y.shape == (1, 2, 2, 2, 2)
    ```

    Args:
        norm_type: the p of the p-norm (positive, finite).
        kernel_size: the window, an int or one per spatial dim.
        stride: the step, an int or one per dim (default: the window).
        padding: 'SAME', 'VALID', an int, one int per dim, or `(low, high)` pairs.
        channel_axis: the channel axis (not pooled), or None.
        name: the module's name.
        in_size: the shape of one sample (without batch), to infer `out_size`.
    """

    pool_dim: ClassVar[int] = 3
