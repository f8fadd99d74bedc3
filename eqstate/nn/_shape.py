"""Reshaping layers: `Flatten` and `Unflatten`."""

from __future__ import annotations

import math
from collections.abc import Sequence

import equinox as eqx
import jax.numpy as jnp
from jaxtyping import Array, Shaped

from ._layer_common import LayerError, as_size
from ._module import Module, init_module

__all__ = ["Flatten", "Unflatten"]


def _flatten(x: Array, start: int, end: int) -> Array:
    return x.reshape(
        x.shape[:start] + (math.prod(x.shape[start : end + 1]),) + x.shape[end + 1 :]
    )


class Flatten(Module):
    """Merge the axes `start_axis..end_axis` (inclusive) into one.

    With `in_size`, non-negative axes count within one sample, so leading batch
    axes are kept whatever their number.

    ```python
    import jax.numpy as jnp
    import eqstate

    flat = eqstate.nn.Flatten(in_size=(4, 4, 3))
    assert flat.out_size == (48,)
    assert flat(jnp.ones((2, 4, 4, 3))).shape == (2, 48)
    ```

    Args:
        start_axis: the first axis to merge.
        end_axis: the last axis to merge.
        in_size: the shape of one sample (without batch axes).
    """

    start_axis: int = eqx.field(static=True)
    end_axis: int = eqx.field(static=True)

    def __init__(
        self,
        start_axis: int = 0,
        end_axis: int = -1,
        in_size: int | Sequence[int] | None = None,
    ) -> None:
        init_module(self, None)
        self.start_axis, self.end_axis = int(start_axis), int(end_axis)
        if in_size is not None:
            size = as_size(in_size)
            self.in_size = size
            n = len(size)
            self.out_size = _flatten(
                jnp.empty(size, jnp.float32), start_axis % n, end_axis % n
            ).shape

    def update(self, x: Shaped[Array, "*in"]) -> Shaped[Array, "*out"]:
        """`x` with the axes merged."""
        lead = 0
        if self.in_size is not None:
            n = len(self.in_size)
            if x.ndim < n or x.shape[x.ndim - n :] != self.in_size:
                raise LayerError(
                    f"Flatten expects inputs ending in shape {self.in_size}, got "
                    f"{x.shape}."
                )
            lead = x.ndim - n
        start = (
            self.start_axis + lead if self.start_axis >= 0 else x.ndim + self.start_axis
        )
        end = self.end_axis + lead if self.end_axis >= 0 else x.ndim + self.end_axis
        return _flatten(x, start, end)


class Unflatten(Module):
    """Split axis `axis` into the shape `sizes`.

    ```python
    import jax.numpy as jnp
    import eqstate

    unflat = eqstate.nn.Unflatten(-1, (4, 3))
    assert unflat(jnp.ones((2, 12))).shape == (2, 4, 3)
    ```

    Args:
        axis: the axis to split.
        sizes: the shape it becomes (a tuple or list of ints).
        name: the module's name.
        in_size: the shape of one sample, to infer `out_size`.
    """

    axis: int = eqx.field(static=True)
    sizes: tuple[int, ...] = eqx.field(static=True)

    def __init__(
        self,
        axis: int,
        sizes: Sequence[int],
        name: str | None = None,
        in_size: int | Sequence[int] | None = None,
    ) -> None:
        init_module(self, name)
        if not isinstance(sizes, (tuple, list)) or not all(
            isinstance(s, int) for s in sizes
        ):
            raise LayerError(
                f"Unflatten: sizes must be a tuple or list of ints, got {sizes!r}."
            )
        self.axis, self.sizes = int(axis), tuple(sizes)
        if in_size is not None:
            size = as_size(in_size)
            self.in_size, self.out_size = size, self._split(size)

    def _split(self, shape: tuple[int, ...]) -> tuple[int, ...]:
        a = self.axis % len(shape)
        if math.prod(self.sizes) != shape[a]:
            raise LayerError(
                f"Unflatten: axis {self.axis} has size {shape[a]}, which cannot be "
                f"split into {self.sizes}."
            )
        return shape[:a] + self.sizes + shape[a + 1 :]

    def update(self, x: Shaped[Array, "*in"]) -> Shaped[Array, "*out"]:
        """`x` with the axis split."""
        return x.reshape(self._split(x.shape))
