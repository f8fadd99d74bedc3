"""Type aliases used in model signatures (brainstate's `brainstate.typing`)."""

from ._aliases import (
    Array as Array,
    ArrayLike as ArrayLike,
    Axes as Axes,
    DType as DType,
    DTypeLike as DTypeLike,
    Filter as Filter,
    FilterLiteral as FilterLiteral,
    K as K,
    Key as Key,
    Missing as Missing,
    PathParts as PathParts,
    Predicate as Predicate,
    PyTree as PyTree,
    SeedOrKey as SeedOrKey,
    Shape as Shape,
    Size as Size,
    SupportsDType as SupportsDType,
)
