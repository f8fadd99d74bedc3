"""Type aliases for model signatures."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeAlias

import jax
import numpy as np

__all__ = ["ArrayLike", "DTypeLike", "PyTree", "Shape", "Size"]

Size: TypeAlias = int | Sequence[int]
"""A number of units or a shape: `10` or `(10, 20)`."""

Shape: TypeAlias = Sequence[int]
"""An array shape."""

ArrayLike: TypeAlias = jax.Array | np.ndarray | np.number | float | int | bool | Any
"""Anything usable as an array, brainunit Quantities included."""

DTypeLike: TypeAlias = Any
"""A dtype or something convertible to one."""

PyTree: TypeAlias = Any
"""Any pytree."""
