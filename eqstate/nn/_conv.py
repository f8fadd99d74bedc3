"""Convolutions: `Conv1d..3d` and the core shared with `ConvTranspose1d..3d` and
`ScaledWSConv1d..3d` (in `_conv_variants.py`).

One core (`_ConvNd`) serves every dimension and kind: the kernel is stored as
`(*kernel_size, in_channels // groups, out_channels)` (transposed:
`(*kernel_size, out_channels, in_channels // groups)`), inputs are channels-last
by default (`channel_first=True` for NCHW), and the forward pass is one
`jax.lax.conv_general_dilated` call. A transposed convolution is the same call
with the kernel flipped and the input dilated by the stride.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, ClassVar

import equinox as eqx
import jax
import jax.numpy as jnp
from jaxtyping import Array, Float

from .. import init
from .._state_kinds import ParamState
from ..sharding._init import layer_names
from . import init as nn_init
from ._layer_common import LayerError, per_dim, window_padding
from ._module import Module, init_module
from ._normalization import weight_standardization

__all__ = [
    "Conv1d",
    "Conv2d",
    "Conv3d",
]

Init = Callable[..., Any] | jax.Array | Any
Padding = str | int | tuple[int, int] | tuple[tuple[int, int], ...] | Any


def _dimension_numbers(n: int, channel_first: bool, transpose: bool) -> Any:
    spatial = tuple(range(2, n + 2)) if channel_first else tuple(range(1, n + 1))
    image = (0, 1, *spatial) if channel_first else (0, n + 1, *spatial)
    # kernel layout (*spatial, a, b): (out, in) specs are (b, a), or (a, b) transposed
    kernel = (n, n + 1) if transpose else (n + 1, n)
    return jax.lax.ConvDimensionNumbers(image, (*kernel, *range(n)), image)


def _transpose_pads(k: int, s: int, mode: str) -> tuple[int, int]:
    """The explicit pads that make a stride-`s` transposed conv 'SAME' / 'VALID'."""
    if mode == "SAME":
        total = k + s - 2
        lo = k - 1 if s > k - 1 else -(-total // 2)
    else:
        total = k + s - 2 + max(k - s, 0)
        lo = k - 1
    return lo, total - lo


class _ConvNd(Module):
    """The convolution core shared by every dimension and variant."""

    num_spatial_dims: ClassVar[int]
    transposed: ClassVar[bool] = False
    standardized: ClassVar[bool] = False

    weight: ParamState[dict[str, Array]]
    w_mask: Array | None
    in_channels: int = eqx.field(static=True)
    out_channels: int = eqx.field(static=True)
    kernel_size: tuple[int, ...] = eqx.field(static=True)
    stride: tuple[int, ...] = eqx.field(static=True)
    padding: Any = eqx.field(static=True)
    lhs_dilation: tuple[int, ...] = eqx.field(static=True)
    rhs_dilation: tuple[int, ...] = eqx.field(static=True)
    groups: int = eqx.field(static=True)
    channel_first: bool = eqx.field(static=True)
    dimension_numbers: Any = eqx.field(static=True)
    eps: float = eqx.field(static=True)

    def _build(
        self,
        in_size: Any,
        out_channels: int,
        kernel_size: Any,
        stride: Any,
        padding: Padding,
        lhs_dilation: Any,
        rhs_dilation: Any,
        groups: int,
        w_init: Init,
        b_init: Init | None,
        w_mask: Init | None,
        channel_first: bool,
        name: str | None,
        param_type: type,
        ws_gain: bool = False,
        eps: float = 1e-4,
    ) -> None:
        init_module(self, name)
        owner = type(self).__name__
        n = self.num_spatial_dims
        size = tuple(int(d) for d in in_size)
        if len(size) != n + 1:
            raise LayerError(
                f"{owner}: in_size must have {n + 1} entries ({n} spatial + "
                f"channels), got {size}."
            )
        self.in_size = size
        self.channel_first = bool(channel_first)
        self.in_channels = size[0] if channel_first else size[-1]
        self.out_channels = int(out_channels)
        self.kernel_size = per_dim(kernel_size, n, "kernel_size", owner)
        self.stride = per_dim(stride, n, "stride", owner)
        self.lhs_dilation = per_dim(lhs_dilation, n, "lhs_dilation", owner)
        self.rhs_dilation = per_dim(rhs_dilation, n, "rhs_dilation", owner)
        self.groups = int(groups)
        self.eps = float(eps)
        self.padding = window_padding(padding, n, owner)
        self.dimension_numbers = _dimension_numbers(n, channel_first, self.transposed)
        for what, count in (
            ("out_channels", out_channels),
            ("in_channels", self.in_channels),
        ):
            if count % groups:
                raise LayerError(
                    f"{owner}: {what}={count} is not divisible by groups={groups}."
                )
        pair = (self.in_channels // groups, self.out_channels)
        kernel_shape = self.kernel_size + (pair[::-1] if self.transposed else pair)
        self.w_mask = init.param(w_mask, kernel_shape)
        params = {"weight": init.param(w_init, kernel_shape)}
        if b_init is not None:
            bias_shape = (
                (1, self.out_channels) + (1,) * n
                if channel_first
                else (1,) * n + (self.out_channels,)
            )
            params["bias"] = init.param(b_init, bias_shape)
        if ws_gain:
            params["gain"] = jnp.ones(
                (1,) * (n + 1) + (self.out_channels,), params["weight"].dtype
            )
        inits = {"weight": w_init, "bias": b_init}  # logical names, if any
        self.weight = param_type(
            params, **layer_names(**{k: inits.get(k) for k in params})
        )
        probe = jax.ShapeDtypeStruct((1, *size), jnp.result_type(params["weight"]))
        self.out_size = jax.eval_shape(lambda x: self._conv(x, params), probe).shape[1:]

    def _conv(self, x: Array, params: dict[str, Array]) -> Array:
        w = params["weight"]
        if self.standardized:
            w = weight_standardization(w, self.eps, params.get("gain"))
        if self.w_mask is not None:
            w = w * self.w_mask
        n = self.num_spatial_dims
        if self.transposed:
            padding = self.padding
            if isinstance(padding, str):
                padding = tuple(
                    _transpose_pads((k - 1) * d + 1, s, padding)
                    for k, s, d in zip(self.kernel_size, self.stride, self.rhs_dilation)
                )
            y = jax.lax.conv_general_dilated(
                x,
                jnp.flip(w, axis=tuple(range(n))),
                window_strides=(1,) * n,
                padding=padding,
                lhs_dilation=self.stride,
                rhs_dilation=self.rhs_dilation,
                feature_group_count=self.groups,
                dimension_numbers=self.dimension_numbers,
            )
        else:
            y = jax.lax.conv_general_dilated(
                x,
                w,
                window_strides=self.stride,
                padding=self.padding,
                lhs_dilation=self.lhs_dilation,
                rhs_dilation=self.rhs_dilation,
                feature_group_count=self.groups,
                dimension_numbers=self.dimension_numbers,
            )
        if "bias" in params:
            y = y + params["bias"]
        return y

    def update(self, x: Float[Array, "*shape"]) -> Float[Array, "*out_shape"]:
        """Convolve `x` of shape `in_size` or `(batch, *in_size)`."""
        n = self.num_spatial_dims
        if x.ndim not in (n + 1, n + 2) or x.shape[x.ndim - n - 1 :] != self.in_size:
            raise LayerError(
                f"{type(self).__name__} expects inputs of shape {self.in_size} or "
                f"(batch, *{self.in_size}), got {x.shape}. Check in_size and "
                f"channel_first={self.channel_first}."
            )
        if x.ndim == n + 1:
            return self._conv(x[None], self.weight.value)[0]
        return self._conv(x, self.weight.value)


class _Conv(_ConvNd):
    def __init__(
        self,
        in_size: Sequence[int],
        out_channels: int,
        kernel_size: int | Sequence[int],
        stride: int | Sequence[int] = 1,
        padding: Padding = "SAME",
        lhs_dilation: int | Sequence[int] = 1,
        rhs_dilation: int | Sequence[int] = 1,
        groups: int = 1,
        w_init: Init = nn_init.XavierNormal(),
        b_init: Init | None = None,
        w_mask: Init | None = None,
        channel_first: bool = False,
        name: str | None = None,
        param_type: type = ParamState,
    ):
        self._build(
            in_size, out_channels, kernel_size, stride, padding, lhs_dilation,
            rhs_dilation, groups, w_init, b_init, w_mask, channel_first, name,
            param_type,
        )  # fmt: skip


class Conv1d(_Conv):
    """A 1-d convolution (channels last by default) on `jax.lax.conv_general_dilated`.

    ```python
    import jax.numpy as jnp
    import eqstate

    conv = eqstate.nn.Conv1d((5, 3), 4, 3, b_init=eqstate.init.ZeroInit())
    assert conv(jnp.ones((2, *(5, 3)))).shape == (2, *(5, 4))
    assert conv.out_size == (5, 4)
    ```

    Args:
        in_size: the shape of one sample: `(*spatial, channels)`, or
            `(channels, *spatial)` with `channel_first=True`.
        out_channels: the output channels.
        kernel_size: the window, one int or one per spatial dim.
        stride: the step, one int or one per spatial dim.
        padding: 'SAME', 'VALID', an int, one int per dim, or `(low, high)` pairs.
        lhs_dilation: the input dilation.
        rhs_dilation: the kernel dilation.
        groups: split the channels into this many independent groups.
        w_init: the kernel (array or initializer) of shape
            `(*kernel_size, in_channels // groups, out_channels)`.
        b_init: the bias (array or initializer), or None for no bias.
        w_mask: a fixed array multiplied into the kernel, or None.
        channel_first: inputs are `(batch, channels, *spatial)`.
        name: the module's name.
        param_type: the State class holding `{'weight', 'bias'}`.
    """

    num_spatial_dims: ClassVar[int] = 1


class Conv2d(_Conv):
    """A 2-d convolution (channels last by default) on `jax.lax.conv_general_dilated`.

    ```python
    import jax.numpy as jnp
    import eqstate

    conv = eqstate.nn.Conv2d((5, 5, 3), 4, 3, b_init=eqstate.init.ZeroInit())
    assert conv(jnp.ones((2, *(5, 5, 3)))).shape == (2, *(5, 5, 4))
    assert conv.out_size == (5, 5, 4)
    ```

    Args:
        in_size: the shape of one sample: `(*spatial, channels)`, or
            `(channels, *spatial)` with `channel_first=True`.
        out_channels: the output channels.
        kernel_size: the window, one int or one per spatial dim.
        stride: the step, one int or one per spatial dim.
        padding: 'SAME', 'VALID', an int, one int per dim, or `(low, high)` pairs.
        lhs_dilation: the input dilation.
        rhs_dilation: the kernel dilation.
        groups: split the channels into this many independent groups.
        w_init: the kernel (array or initializer) of shape
            `(*kernel_size, in_channels // groups, out_channels)`.
        b_init: the bias (array or initializer), or None for no bias.
        w_mask: a fixed array multiplied into the kernel, or None.
        channel_first: inputs are `(batch, channels, *spatial)`.
        name: the module's name.
        param_type: the State class holding `{'weight', 'bias'}`.
    """

    num_spatial_dims: ClassVar[int] = 2


class Conv3d(_Conv):
    """A 3-d convolution (channels last by default) on `jax.lax.conv_general_dilated`.

    ```python
    import jax.numpy as jnp
    import eqstate

    conv = eqstate.nn.Conv3d((5, 5, 5, 3), 4, 3, b_init=eqstate.init.ZeroInit())
    assert conv(jnp.ones((2, *(5, 5, 5, 3)))).shape == (2, *(5, 5, 5, 4))
    assert conv.out_size == (5, 5, 5, 4)
    ```

    Args:
        in_size: the shape of one sample: `(*spatial, channels)`, or
            `(channels, *spatial)` with `channel_first=True`.
        out_channels: the output channels.
        kernel_size: the window, one int or one per spatial dim.
        stride: the step, one int or one per spatial dim.
        padding: 'SAME', 'VALID', an int, one int per dim, or `(low, high)` pairs.
        lhs_dilation: the input dilation.
        rhs_dilation: the kernel dilation.
        groups: split the channels into this many independent groups.
        w_init: the kernel (array or initializer) of shape
            `(*kernel_size, in_channels // groups, out_channels)`.
        b_init: the bias (array or initializer), or None for no bias.
        w_mask: a fixed array multiplied into the kernel, or None.
        channel_first: inputs are `(batch, channels, *spatial)`.
        name: the module's name.
        param_type: the State class holding `{'weight', 'bias'}`.
    """

    num_spatial_dims: ClassVar[int] = 3
