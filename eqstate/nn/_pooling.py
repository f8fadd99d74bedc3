"""Pooling: `MaxPool`, `AvgPool`, `LPPool`, `AdaptiveAvgPool`, `AdaptiveMaxPool`,
`MaxUnpool` (1d/2d/3d), and the reshaping layers `Flatten` / `Unflatten`.

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
from jaxtyping import Array, Float, Int

from ._layer_common import LayerError, as_size, per_dim, spatial_axes, window_padding
from ._module import Module, init_module

__all__ = [
    "AdaptiveAvgPool1d",
    "AdaptiveAvgPool2d",
    "AdaptiveAvgPool3d",
    "AdaptiveMaxPool1d",
    "AdaptiveMaxPool2d",
    "AdaptiveMaxPool3d",
    "AvgPool1d",
    "AvgPool2d",
    "AvgPool3d",
    "LPPool1d",
    "LPPool2d",
    "LPPool3d",
    "MaxPool1d",
    "MaxPool2d",
    "MaxPool3d",
    "MaxUnpool1d",
    "MaxUnpool2d",
    "MaxUnpool3d",
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

    def update(self, x: Float[Array, "*batch ..."]) -> Any:
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

    def update(self, x: Float[Array, "*batch ..."]) -> Float[Array, "*batch ..."]:
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

    def update(self, x: Float[Array, "*batch ..."]) -> Float[Array, "*batch ..."]:
        """The windows' power means `(mean |x|^p)^(1/p)`."""
        p = self.norm_type
        total = self._reduce(jnp.abs(x) ** p, 0.0, jax.lax.add)
        positive = total > 0
        root = jnp.where(positive, total, 1.0) ** (1.0 / p)
        return math.prod(self.kernel_size) ** (-1.0 / p) * jnp.where(
            positive, root, 0.0
        )


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

    def update(self, x: Float[Array, "*batch ..."]) -> Float[Array, "*batch ..."]:
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
        x: Float[Array, "*batch ..."],
        indices: Int[Array, "*batch ..."],
        output_size: Any = None,
    ) -> Float[Array, "*batch ..."]:
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
