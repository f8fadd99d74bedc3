"""Padding layers: `ZeroPad`, `ConstantPad`, `ReflectionPad`, `ReplicationPad`,
`CircularPad` in 1d/2d/3d.

One core (`_Pad`) pads the spatial axes of a channels-last input, unbatched
`(*spatial, channels)` or batched `(batch, *spatial, channels)`, with
`jax.numpy.pad` in the subclass's mode.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Float

from ._layer_common import LayerError, as_size
from ._module import Module, init_module

__all__ = [
    "CircularPad1d",
    "CircularPad2d",
    "CircularPad3d",
    "ConstantPad1d",
    "ConstantPad2d",
    "ConstantPad3d",
    "ReflectionPad1d",
    "ReflectionPad2d",
    "ReflectionPad3d",
    "ReplicationPad1d",
    "ReplicationPad2d",
    "ReplicationPad3d",
    "ZeroPad1d",
    "ZeroPad2d",
    "ZeroPad3d",
]


def _pairs(padding: Any, n: int, owner: str) -> tuple[tuple[int, int], ...]:
    """An int, `n` ints (symmetric) or `2n` ints (low, high per dim) as pairs."""
    if isinstance(padding, (int, np.integer)):
        return ((int(padding), int(padding)),) * n
    values = [int(p) for p in padding]
    if len(values) == n:
        return tuple((p, p) for p in values)
    if len(values) == 2 * n:
        return tuple((values[2 * i], values[2 * i + 1]) for i in range(n))
    raise LayerError(
        f"{owner}: padding must be an int, {n} ints (one per spatial dim) or "
        f"{2 * n} ints (low, high per dim), got {padding!r}."
    )


class _Pad(Module):
    """The padding core: pads the spatial axes of channels-last inputs."""

    pad_dim: ClassVar[int]
    mode: ClassVar[str]

    padding: tuple[tuple[int, int], ...] = eqx.field(static=True)
    value: float = eqx.field(static=True)

    def __init__(
        self,
        padding: int | Sequence[int],
        in_size: int | Sequence[int] | None = None,
        name: str | None = None,
    ):
        self._setup(padding, 0.0, in_size, name)

    def _setup(
        self, padding: Any, value: float, in_size: Any, name: str | None
    ) -> None:
        init_module(self, name)
        self.padding = _pairs(padding, self.pad_dim, type(self).__name__)
        self.value = value
        if in_size is not None:
            self.in_size = as_size(in_size)
            probe = jax.ShapeDtypeStruct(self.in_size, jnp.result_type(float))
            self.out_size = jax.eval_shape(self.update, probe).shape

    def update(self, x: Float[Array, "*shape"]) -> Float[Array, "*out_shape"]:
        """`x` padded along its spatial axes."""
        n = self.pad_dim
        if x.ndim not in (n + 1, n + 2):
            raise LayerError(
                f"{type(self).__name__} expects {n + 1}-d `(*spatial, channels)` or "
                f"{n + 2}-d `(batch, *spatial, channels)` inputs, got shape {x.shape}."
            )
        widths = [(0, 0)] * (x.ndim - n - 1) + list(self.padding) + [(0, 0)]
        if self.mode == "constant":
            return jnp.pad(x, widths, mode="constant", constant_values=self.value)
        return jnp.pad(x, widths, mode=self.mode)


class ZeroPad1d(_Pad):
    """Pads with zeros, along 1 spatial dim of a channels-last input.

    ```python
    import jax.numpy as jnp
    import eqstate

    x = jnp.arange(2.0).reshape((2, 1))
    y = eqstate.nn.ZeroPad1d(1)(x)
    assert y.shape == (4, 1) and float(y.ravel()[0]) == 0.0
    ```

    Args:
        padding: an int, one int per spatial dim, or (low, high) per dim as 2 ints.
        in_size: the shape of one sample (without batch), to infer `out_size`.
        name: the module's name.
    """

    pad_dim: ClassVar[int] = 1
    mode: ClassVar[str] = "constant"


class ZeroPad2d(_Pad):
    """Pads with zeros, along 2 spatial dims of a channels-last input.

    ```python
    import jax.numpy as jnp
    import eqstate

    x = jnp.arange(4.0).reshape((2, 2, 1))
    y = eqstate.nn.ZeroPad2d(1)(x)
    assert y.shape == (4, 4, 1) and float(y.ravel()[0]) == 0.0
    ```

    Args:
        padding: an int, one int per spatial dim, or (low, high) per dim as 4 ints.
        in_size: the shape of one sample (without batch), to infer `out_size`.
        name: the module's name.
    """

    pad_dim: ClassVar[int] = 2
    mode: ClassVar[str] = "constant"


class ZeroPad3d(_Pad):
    """Pads with zeros, along 3 spatial dims of a channels-last input.

    ```python
    import jax.numpy as jnp
    import eqstate

    x = jnp.arange(8.0).reshape((2, 2, 2, 1))
    y = eqstate.nn.ZeroPad3d(1)(x)
    assert y.shape == (4, 4, 4, 1) and float(y.ravel()[0]) == 0.0
    ```

    Args:
        padding: an int, one int per spatial dim, or (low, high) per dim as 6 ints.
        in_size: the shape of one sample (without batch), to infer `out_size`.
        name: the module's name.
    """

    pad_dim: ClassVar[int] = 3
    mode: ClassVar[str] = "constant"


class ConstantPad1d(_Pad):
    """Pads with a constant `value`, along 1 spatial dim of a channels-last input.

    ```python
    import jax.numpy as jnp
    import eqstate

    x = jnp.arange(2.0).reshape((2, 1))
    y = eqstate.nn.ConstantPad1d(1, value=9.0)(x)
    assert y.shape == (4, 1) and float(y.ravel()[0]) == 9.0
    ```

    Args:
        padding: an int, one int per spatial dim, or (low, high) per dim as 2 ints.
        value: the fill value.
        in_size: the shape of one sample (without batch), to infer `out_size`.
        name: the module's name.
    """

    pad_dim: ClassVar[int] = 1
    mode: ClassVar[str] = "constant"

    def __init__(
        self,
        padding: int | Sequence[int],
        value: float = 0,
        in_size: int | Sequence[int] | None = None,
        name: str | None = None,
    ):
        self._setup(padding, value, in_size, name)


class ConstantPad2d(_Pad):
    """Pads with a constant `value`, along 2 spatial dims of a channels-last input.

    ```python
    import jax.numpy as jnp
    import eqstate

    x = jnp.arange(4.0).reshape((2, 2, 1))
    y = eqstate.nn.ConstantPad2d(1, value=9.0)(x)
    assert y.shape == (4, 4, 1) and float(y.ravel()[0]) == 9.0
    ```

    Args:
        padding: an int, one int per spatial dim, or (low, high) per dim as 4 ints.
        value: the fill value.
        in_size: the shape of one sample (without batch), to infer `out_size`.
        name: the module's name.
    """

    pad_dim: ClassVar[int] = 2
    mode: ClassVar[str] = "constant"

    def __init__(
        self,
        padding: int | Sequence[int],
        value: float = 0,
        in_size: int | Sequence[int] | None = None,
        name: str | None = None,
    ):
        self._setup(padding, value, in_size, name)


class ConstantPad3d(_Pad):
    """Pads with a constant `value`, along 3 spatial dims of a channels-last input.

    ```python
    import jax.numpy as jnp
    import eqstate

    x = jnp.arange(8.0).reshape((2, 2, 2, 1))
    y = eqstate.nn.ConstantPad3d(1, value=9.0)(x)
    assert y.shape == (4, 4, 4, 1) and float(y.ravel()[0]) == 9.0
    ```

    Args:
        padding: an int, one int per spatial dim, or (low, high) per dim as 6 ints.
        value: the fill value.
        in_size: the shape of one sample (without batch), to infer `out_size`.
        name: the module's name.
    """

    pad_dim: ClassVar[int] = 3
    mode: ClassVar[str] = "constant"

    def __init__(
        self,
        padding: int | Sequence[int],
        value: float = 0,
        in_size: int | Sequence[int] | None = None,
        name: str | None = None,
    ):
        self._setup(padding, value, in_size, name)


class ReflectionPad1d(_Pad):
    """Pads with the reflection of the input (edge excluded), along 1 spatial dim of a channels-last input.

    ```python
    import jax.numpy as jnp
    import eqstate

    x = jnp.arange(2.0).reshape((2, 1))
    y = eqstate.nn.ReflectionPad1d(1)(x)
    assert y.shape == (4, 1) and y.shape == (4, 1)
    ```

    Args:
        padding: an int, one int per spatial dim, or (low, high) per dim as 2 ints.
        in_size: the shape of one sample (without batch), to infer `out_size`.
        name: the module's name.
    """

    pad_dim: ClassVar[int] = 1
    mode: ClassVar[str] = "reflect"


class ReflectionPad2d(_Pad):
    """Pads with the reflection of the input (edge excluded), along 2 spatial dims of a channels-last input.

    ```python
    import jax.numpy as jnp
    import eqstate

    x = jnp.arange(4.0).reshape((2, 2, 1))
    y = eqstate.nn.ReflectionPad2d(1)(x)
    assert y.shape == (4, 4, 1) and y.shape == (4, 4, 1)
    ```

    Args:
        padding: an int, one int per spatial dim, or (low, high) per dim as 4 ints.
        in_size: the shape of one sample (without batch), to infer `out_size`.
        name: the module's name.
    """

    pad_dim: ClassVar[int] = 2
    mode: ClassVar[str] = "reflect"


class ReflectionPad3d(_Pad):
    """Pads with the reflection of the input (edge excluded), along 3 spatial dims of a channels-last input.

    ```python
    import jax.numpy as jnp
    import eqstate

    x = jnp.arange(8.0).reshape((2, 2, 2, 1))
    y = eqstate.nn.ReflectionPad3d(1)(x)
    assert y.shape == (4, 4, 4, 1) and y.shape == (4, 4, 4, 1)
    ```

    Args:
        padding: an int, one int per spatial dim, or (low, high) per dim as 6 ints.
        in_size: the shape of one sample (without batch), to infer `out_size`.
        name: the module's name.
    """

    pad_dim: ClassVar[int] = 3
    mode: ClassVar[str] = "reflect"


class ReplicationPad1d(_Pad):
    """Pads by repeating the edge values, along 1 spatial dim of a channels-last input.

    ```python
    import jax.numpy as jnp
    import eqstate

    x = jnp.arange(2.0).reshape((2, 1))
    y = eqstate.nn.ReplicationPad1d(1)(x)
    assert y.shape == (4, 1) and y.shape == (4, 1)
    ```

    Args:
        padding: an int, one int per spatial dim, or (low, high) per dim as 2 ints.
        in_size: the shape of one sample (without batch), to infer `out_size`.
        name: the module's name.
    """

    pad_dim: ClassVar[int] = 1
    mode: ClassVar[str] = "edge"


class ReplicationPad2d(_Pad):
    """Pads by repeating the edge values, along 2 spatial dims of a channels-last input.

    ```python
    import jax.numpy as jnp
    import eqstate

    x = jnp.arange(4.0).reshape((2, 2, 1))
    y = eqstate.nn.ReplicationPad2d(1)(x)
    assert y.shape == (4, 4, 1) and y.shape == (4, 4, 1)
    ```

    Args:
        padding: an int, one int per spatial dim, or (low, high) per dim as 4 ints.
        in_size: the shape of one sample (without batch), to infer `out_size`.
        name: the module's name.
    """

    pad_dim: ClassVar[int] = 2
    mode: ClassVar[str] = "edge"


class ReplicationPad3d(_Pad):
    """Pads by repeating the edge values, along 3 spatial dims of a channels-last input.

    ```python
    import jax.numpy as jnp
    import eqstate

    x = jnp.arange(8.0).reshape((2, 2, 2, 1))
    y = eqstate.nn.ReplicationPad3d(1)(x)
    assert y.shape == (4, 4, 4, 1) and y.shape == (4, 4, 4, 1)
    ```

    Args:
        padding: an int, one int per spatial dim, or (low, high) per dim as 6 ints.
        in_size: the shape of one sample (without batch), to infer `out_size`.
        name: the module's name.
    """

    pad_dim: ClassVar[int] = 3
    mode: ClassVar[str] = "edge"


class CircularPad1d(_Pad):
    """Pads by wrapping around (periodic boundary), along 1 spatial dim of a channels-last input.

    ```python
    import jax.numpy as jnp
    import eqstate

    x = jnp.arange(2.0).reshape((2, 1))
    y = eqstate.nn.CircularPad1d(1)(x)
    assert y.shape == (4, 1) and y.shape == (4, 1)
    ```

    Args:
        padding: an int, one int per spatial dim, or (low, high) per dim as 2 ints.
        in_size: the shape of one sample (without batch), to infer `out_size`.
        name: the module's name.
    """

    pad_dim: ClassVar[int] = 1
    mode: ClassVar[str] = "wrap"


class CircularPad2d(_Pad):
    """Pads by wrapping around (periodic boundary), along 2 spatial dims of a channels-last input.

    ```python
    import jax.numpy as jnp
    import eqstate

    x = jnp.arange(4.0).reshape((2, 2, 1))
    y = eqstate.nn.CircularPad2d(1)(x)
    assert y.shape == (4, 4, 1) and y.shape == (4, 4, 1)
    ```

    Args:
        padding: an int, one int per spatial dim, or (low, high) per dim as 4 ints.
        in_size: the shape of one sample (without batch), to infer `out_size`.
        name: the module's name.
    """

    pad_dim: ClassVar[int] = 2
    mode: ClassVar[str] = "wrap"


class CircularPad3d(_Pad):
    """Pads by wrapping around (periodic boundary), along 3 spatial dims of a channels-last input.

    ```python
    import jax.numpy as jnp
    import eqstate

    x = jnp.arange(8.0).reshape((2, 2, 2, 1))
    y = eqstate.nn.CircularPad3d(1)(x)
    assert y.shape == (4, 4, 4, 1) and y.shape == (4, 4, 4, 1)
    ```

    Args:
        padding: an int, one int per spatial dim, or (low, high) per dim as 6 ints.
        in_size: the shape of one sample (without batch), to infer `out_size`.
        name: the module's name.
    """

    pad_dim: ClassVar[int] = 3
    mode: ClassVar[str] = "wrap"
