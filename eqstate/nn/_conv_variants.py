"""The convolution variants: `ScaledWSConv1d..3d` (the kernel standardized per
output channel on every call, with a learned gain) and `ConvTranspose1d..3d` (the
same `jax.lax.conv_general_dilated` call with the kernel flipped and the input
dilated by the stride). Both share `_ConvNd` with `Conv1d..3d`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from .._state_kinds import ParamState
from . import init as nn_init
from ._conv import Init, Padding, _ConvNd

__all__ = [
    "ConvTranspose1d",
    "ConvTranspose2d",
    "ConvTranspose3d",
    "ScaledWSConv1d",
    "ScaledWSConv2d",
    "ScaledWSConv3d",
]


class _ScaledWSConv(_ConvNd):
    standardized: ClassVar[bool] = True

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
        ws_gain: bool = True,
        eps: float = 1e-4,
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
            param_type, ws_gain, eps,
        )  # fmt: skip


class _ConvTranspose(_ConvNd):
    transposed: ClassVar[bool] = True

    def __init__(
        self,
        in_size: Sequence[int],
        out_channels: int,
        kernel_size: int | Sequence[int],
        stride: int | Sequence[int] = 1,
        padding: Padding = "SAME",
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
            in_size, out_channels, kernel_size, stride, padding, 1, rhs_dilation,
            groups, w_init, b_init, w_mask, channel_first, name, param_type,
        )  # fmt: skip


class ScaledWSConv1d(_ScaledWSConv):
    """A 1-d convolution whose kernel is standardized per output channel on every call
    (`weight_standardization`) and scaled by a learned gain.

    ```python
    import jax.numpy as jnp
    import eqstate

    conv = eqstate.nn.ScaledWSConv1d((5, 3), 4, 3)
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
        ws_gain: learn a per-output-channel gain (`params['gain']`).
        eps: the lower bound on `fan_in * var` in the standardization.
        w_init: the kernel (array or initializer) of shape
            `(*kernel_size, in_channels // groups, out_channels)`.
        b_init: the bias (array or initializer), or None for no bias.
        w_mask: a fixed array multiplied into the kernel, or None.
        channel_first: inputs are `(batch, channels, *spatial)`.
        name: the module's name.
        param_type: the State class holding `{'weight', 'bias', 'gain'}`.
    """

    num_spatial_dims: ClassVar[int] = 1


class ScaledWSConv2d(_ScaledWSConv):
    """A 2-d convolution whose kernel is standardized per output channel on every call
    (`weight_standardization`) and scaled by a learned gain.

    ```python
    import jax.numpy as jnp
    import eqstate

    conv = eqstate.nn.ScaledWSConv2d((5, 5, 3), 4, 3)
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
        ws_gain: learn a per-output-channel gain (`params['gain']`).
        eps: the lower bound on `fan_in * var` in the standardization.
        w_init: the kernel (array or initializer) of shape
            `(*kernel_size, in_channels // groups, out_channels)`.
        b_init: the bias (array or initializer), or None for no bias.
        w_mask: a fixed array multiplied into the kernel, or None.
        channel_first: inputs are `(batch, channels, *spatial)`.
        name: the module's name.
        param_type: the State class holding `{'weight', 'bias', 'gain'}`.
    """

    num_spatial_dims: ClassVar[int] = 2


class ScaledWSConv3d(_ScaledWSConv):
    """A 3-d convolution whose kernel is standardized per output channel on every call
    (`weight_standardization`) and scaled by a learned gain.

    ```python
    import jax.numpy as jnp
    import eqstate

    conv = eqstate.nn.ScaledWSConv3d((5, 5, 5, 3), 4, 3)
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
        ws_gain: learn a per-output-channel gain (`params['gain']`).
        eps: the lower bound on `fan_in * var` in the standardization.
        w_init: the kernel (array or initializer) of shape
            `(*kernel_size, in_channels // groups, out_channels)`.
        b_init: the bias (array or initializer), or None for no bias.
        w_mask: a fixed array multiplied into the kernel, or None.
        channel_first: inputs are `(batch, channels, *spatial)`.
        name: the module's name.
        param_type: the State class holding `{'weight', 'bias', 'gain'}`.
    """

    num_spatial_dims: ClassVar[int] = 3


class ConvTranspose1d(_ConvTranspose):
    """A 1-d transposed convolution; with 'SAME' padding it multiplies each
    spatial size by the stride.

    ```python
    import jax.numpy as jnp
    import eqstate

    conv = eqstate.nn.ConvTranspose1d((5, 3), 4, 3, stride=2)
    assert conv(jnp.ones((2, *(5, 3)))).shape == (2, *(10, 4))
    assert conv.out_size == (10, 4)
    ```

    Args:
        in_size: the shape of one sample: `(*spatial, channels)`, or
            `(channels, *spatial)` with `channel_first=True`.
        out_channels: the output channels.
        kernel_size: the window, one int or one per spatial dim.
        stride: the step, one int or one per spatial dim.
        padding: 'SAME', 'VALID', an int, one int per dim, or `(low, high)` pairs.
        rhs_dilation: the kernel dilation.
        groups: split the channels into this many independent groups.
        w_init: the kernel (array or initializer) of shape
            `(*kernel_size, out_channels, in_channels // groups)`.
        b_init: the bias (array or initializer), or None for no bias.
        w_mask: a fixed array multiplied into the kernel, or None.
        channel_first: inputs are `(batch, channels, *spatial)`.
        name: the module's name.
        param_type: the State class holding `{'weight', 'bias'}`.
    """

    num_spatial_dims: ClassVar[int] = 1


class ConvTranspose2d(_ConvTranspose):
    """A 2-d transposed convolution; with 'SAME' padding it multiplies each
    spatial size by the stride.

    ```python
    import jax.numpy as jnp
    import eqstate

    conv = eqstate.nn.ConvTranspose2d((5, 5, 3), 4, 3, stride=2)
    assert conv(jnp.ones((2, *(5, 5, 3)))).shape == (2, *(10, 10, 4))
    assert conv.out_size == (10, 10, 4)
    ```

    Args:
        in_size: the shape of one sample: `(*spatial, channels)`, or
            `(channels, *spatial)` with `channel_first=True`.
        out_channels: the output channels.
        kernel_size: the window, one int or one per spatial dim.
        stride: the step, one int or one per spatial dim.
        padding: 'SAME', 'VALID', an int, one int per dim, or `(low, high)` pairs.
        rhs_dilation: the kernel dilation.
        groups: split the channels into this many independent groups.
        w_init: the kernel (array or initializer) of shape
            `(*kernel_size, out_channels, in_channels // groups)`.
        b_init: the bias (array or initializer), or None for no bias.
        w_mask: a fixed array multiplied into the kernel, or None.
        channel_first: inputs are `(batch, channels, *spatial)`.
        name: the module's name.
        param_type: the State class holding `{'weight', 'bias'}`.
    """

    num_spatial_dims: ClassVar[int] = 2


class ConvTranspose3d(_ConvTranspose):
    """A 3-d transposed convolution; with 'SAME' padding it multiplies each
    spatial size by the stride.

    ```python
    import jax.numpy as jnp
    import eqstate

    conv = eqstate.nn.ConvTranspose3d((5, 5, 5, 3), 4, 3, stride=2)
    assert conv(jnp.ones((2, *(5, 5, 5, 3)))).shape == (2, *(10, 10, 10, 4))
    assert conv.out_size == (10, 10, 10, 4)
    ```

    Args:
        in_size: the shape of one sample: `(*spatial, channels)`, or
            `(channels, *spatial)` with `channel_first=True`.
        out_channels: the output channels.
        kernel_size: the window, one int or one per spatial dim.
        stride: the step, one int or one per spatial dim.
        padding: 'SAME', 'VALID', an int, one int per dim, or `(low, high)` pairs.
        rhs_dilation: the kernel dilation.
        groups: split the channels into this many independent groups.
        w_init: the kernel (array or initializer) of shape
            `(*kernel_size, out_channels, in_channels // groups)`.
        b_init: the bias (array or initializer), or None for no bias.
        w_mask: a fixed array multiplied into the kernel, or None.
        channel_first: inputs are `(batch, channels, *spatial)`.
        name: the module's name.
        param_type: the State class holding `{'weight', 'bias'}`.
    """

    num_spatial_dims: ClassVar[int] = 3
