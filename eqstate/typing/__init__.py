"""Type aliases used in model signatures (brainstate's `brainstate.typing`)."""

from ._aliases import (
    ArrayLike as ArrayLike,
    DTypeLike as DTypeLike,
    PyTree as PyTree,
    Shape as Shape,
    Size as Size,
)
