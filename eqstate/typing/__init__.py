"""Type aliases used in model signatures (brainstate's `brainstate.typing`)."""

from typing import TYPE_CHECKING

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
    SeedOrKey as SeedOrKey,
    Shape as Shape,
    Size as Size,
    SupportsDType as SupportsDType,
)

if TYPE_CHECKING:
    from ._aliases import PyTree as PyTree
else:
    # `PyTree` comes from jaxtyping, imported on first use
    from ._aliases import __getattr__ as __getattr__
