"""Normalising activation layers: `Softmax`, `Softmin`, `LogSoftmax`, `Softmax2d`."""

from __future__ import annotations

import equinox as eqx
import jax.numpy as jnp
from jax import Array

from ..typing import ArrayLike
from . import _activations as F
from ._elementwise import ElementWiseBlock
from ._module import init_module

__all__ = ["LogSoftmax", "Softmax", "Softmax2d", "Softmin"]


class Softmin(ElementWiseBlock):
    """`softmin` along `dim` (the last axis when `dim` is None).

    ```python
    import jax.numpy as jnp
    import eqstate

    assert abs(float(eqstate.nn.Softmin()(jnp.ones(4)).sum()) - 1.0) < 1e-6
    ```

    Args:
        dim: the axis normalised over.
    """

    dim: int | None = eqx.field(static=True)

    def __init__(self, dim: int | None = None) -> None:
        init_module(self)
        self.dim = dim

    def update(self, x: ArrayLike) -> Array:
        return F.softmin(x, -1 if self.dim is None else self.dim)


class Softmax(ElementWiseBlock):
    """`softmax` along `dim` (the last axis when `dim` is None).

    ```python
    import jax.numpy as jnp
    import eqstate

    assert eqstate.nn.Softmax()(jnp.ones(4)).tolist() == [0.25] * 4
    ```

    Args:
        dim: the axis normalised over.
    """

    dim: int | None = eqx.field(static=True)

    def __init__(self, dim: int | None = None) -> None:
        init_module(self)
        self.dim = dim

    def update(self, x: ArrayLike) -> Array:
        return F.softmax(x, axis=-1 if self.dim is None else self.dim)


class LogSoftmax(ElementWiseBlock):
    """`log_softmax` along `dim` (the last axis when `dim` is None).

    ```python
    import jax.numpy as jnp
    import eqstate

    y = eqstate.nn.LogSoftmax()(jnp.zeros(2))
    assert jnp.allclose(y, jnp.log(0.5))
    ```

    Args:
        dim: the axis normalised over.
    """

    dim: int | None = eqx.field(static=True)

    def __init__(self, dim: int | None = None) -> None:
        init_module(self)
        self.dim = dim

    def update(self, x: ArrayLike) -> Array:
        return F.log_softmax(x, axis=-1 if self.dim is None else self.dim)


class Softmax2d(ElementWiseBlock):
    """`softmax` over the channels of an image, axis -3 of a `(C, H, W)` or
    `(N, C, H, W)` input.

    ```python
    import jax.numpy as jnp
    import eqstate

    y = eqstate.nn.Softmax2d()(jnp.zeros((2, 3, 3)))
    assert jnp.allclose(y, 0.5)
    ```

    Args:
        name: an optional name.

    Raises:
        ValueError: if the input is not 3-d or 4-d.
    """

    def __init__(self, name: str | None = None):
        init_module(self, name)

    def update(self, x: ArrayLike) -> Array:
        x = jnp.asarray(x)
        if x.ndim not in (3, 4):
            raise ValueError(
                f"Softmax2d takes a (C, H, W) or (N, C, H, W) input, got shape "
                f"{x.shape}; for a softmax over the last axis use Softmax()."
            )
        return F.softmax(x, axis=-3)
