"""Helpers shared by the layer families: sizes, per-dim tuples, padding, errors."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .._errors import EqstateError

__all__ = ["LayerError"]


class LayerError(EqstateError, ValueError):
    """A layer was built with an inconsistent configuration or fed the wrong shape.

    It is also a `ValueError`, the class brainstate raises for the same
    mistakes, so code written for brainstate keeps catching it. The message
    names the layer, what was expected, what was given, and the fix.

    ```python
    import jax.numpy as jnp
    import eqstate

    conv = eqstate.nn.Conv2d((8, 8, 3), 4, 3)
    try:
        conv(jnp.zeros((2, 8, 8, 5)))
    except eqstate.nn.LayerError as e:
        assert "expects inputs of shape (8, 8, 3)" in str(e)
    ```
    """


def as_size(size: Any, what: str = "in_size") -> tuple[int, ...]:
    """An int or a sequence of ints as a tuple of ints."""
    if isinstance(size, (int, np.integer)):
        return (int(size),)
    try:
        return tuple(int(n) for n in size)
    except TypeError:
        raise LayerError(
            f"{what} must be an int or a sequence of ints, got {size!r}."
        ) from None


def per_dim(value: Any, n: int, what: str, owner: str) -> tuple[Any, ...]:
    """`value` repeated `n` times, or a length-1 / length-`n` sequence as a tuple."""
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
        return (value,) * n
    if len(value) == 1:
        return tuple(value) * n
    if len(value) == n:
        return tuple(value)
    raise LayerError(
        f"{owner}: {what} must be one value or a sequence of 1 or {n} values "
        f"(one per spatial dim), got {value!r}."
    )


def window_padding(
    padding: Any, n: int, owner: str
) -> str | tuple[tuple[int, int], ...]:
    """'SAME'/'VALID', an int, n ints, a (lo, hi) pair, or n pairs -> pads."""
    if isinstance(padding, str):
        if padding not in ("SAME", "VALID"):
            raise LayerError(
                f"{owner}: string padding must be 'SAME' or 'VALID', got {padding!r}."
            )
        return padding
    if isinstance(padding, (int, np.integer)):
        return ((int(padding), int(padding)),) * n
    if isinstance(padding, (tuple, list)) and padding:
        if all(isinstance(p, (int, np.integer)) for p in padding):
            if len(padding) == n:
                return tuple((int(p), int(p)) for p in padding)
            if n == 1 and len(padding) == 2:
                return ((int(padding[0]), int(padding[1])),)
        elif all(isinstance(p, (tuple, list)) and len(p) == 2 for p in padding):
            pairs = tuple((int(lo), int(hi)) for lo, hi in padding)
            if len(pairs) == 1:
                return pairs * n
            if len(pairs) == n:
                return pairs
    raise LayerError(
        f"{owner}: padding must be 'SAME', 'VALID', an int, {n} ints, or "
        f"{n} (low, high) pairs; got {padding!r}."
    )


def spatial_axes(ndim: int, n: int, channel_axis: int | None, owner: str) -> list[int]:
    """The last `n` axes of an `ndim`-d input other than `channel_axis`."""
    axes = list(range(ndim))
    if channel_axis is not None:
        if not -ndim <= channel_axis < ndim:
            raise LayerError(
                f"{owner}: channel_axis={channel_axis} is out of range for a "
                f"{ndim}-d input."
            )
        axes.pop(channel_axis % ndim)
    if len(axes) < n:
        need = n + (channel_axis is not None)
        raise LayerError(
            f"{owner}: expects inputs with at least {need} dims ({n} spatial"
            f"{' + 1 channel' if channel_axis is not None else ''}), got {ndim}."
        )
    return axes[len(axes) - n :]
