"""Type aliases for model signatures (brainstate's `brainstate.typing`)."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from types import EllipsisType
from typing import (
    TYPE_CHECKING,
    Annotated,
    Any,
    Protocol,
    TypeAlias,
    TypeVar,
    runtime_checkable,
)

import jax
import numpy as np

__all__ = [
    "Array",
    "ArrayLike",
    "Axes",
    "DType",
    "DTypeLike",
    "Filter",
    "FilterLiteral",
    "K",
    "Key",
    "Missing",
    "PathParts",
    "Predicate",
    "PyTree",
    "SeedOrKey",
    "Shape",
    "Size",
    "SupportsDType",
]


@runtime_checkable
class Key(Hashable, Protocol):
    """A pytree path entry: hashable and orderable (`"w"`, `0`).

    ```python
    from eqstate.typing import Key

    assert isinstance("w", Key) and isinstance(0, Key)
    ```
    """

    def __lt__(self, value: Any, /) -> bool: ...


K = TypeVar("K", bound=Key)
"""A type variable for path entries."""

Size: TypeAlias = int | Sequence[int] | np.integer | Sequence[np.integer]
"""A number of units or a shape: `10` or `(10, 20)`."""

Shape: TypeAlias = Sequence[int]
"""An array shape."""

Axes: TypeAlias = int | Sequence[int]
"""One axis or several."""

ArrayLike: TypeAlias = (
    jax.Array | np.ndarray | np.bool_ | np.number | bool | int | float | complex | Any
)
"""Anything usable as an array, brainunit Quantities included."""

if TYPE_CHECKING:
    Array: TypeAlias = jax.Array
    """A JAX array; `Array["m, n"]` notes a shape, as brainstate's does (for
    checked shapes use jaxtyping: `Float[Array, "m n"]`)."""
else:

    class _ArrayType(type):
        def __instancecheck__(cls, obj: Any) -> bool:
            return isinstance(obj, jax.Array)

        def __subclasscheck__(cls, sub: type) -> bool:
            return issubclass(sub, jax.Array)

    class Array(metaclass=_ArrayType):
        """A JAX array: `isinstance(x, Array)` is `isinstance(x, jax.Array)`.

        `Array["m, n"]` (or `Array[jnp.float32, "m"]`) notes a shape in an
        annotation, as brainstate's `Array` does: it is
        `Annotated[jax.Array, "m, n"]`, which no checker enforces. For checked
        shapes and dtypes use jaxtyping, with beartype: `Float[Array, "m n"]`.

        ```python
        import typing
        import jax
        import jax.numpy as jnp
        from eqstate.typing import Array

        def f(a: Array["m, n"]) -> Array["m"]:
            return a.sum(axis=1)

        assert isinstance(jnp.zeros(2), Array) and issubclass(jax.Array, Array)
        assert typing.get_args(Array["m, n"]) == (jax.Array, "m, n")
        ```
        """

        def __class_getitem__(cls, spec: Any) -> Any:
            notes = spec if isinstance(spec, tuple) else (spec,)
            return Annotated[(jax.Array, *notes)]


DType: TypeAlias = np.dtype
"""A NumPy dtype."""


@runtime_checkable
class SupportsDType(Protocol):
    """Anything with a `dtype` attribute.

    ```python
    import jax.numpy as jnp
    from eqstate.typing import SupportsDType

    assert isinstance(jnp.zeros(1), SupportsDType)
    ```
    """

    @property
    def dtype(self) -> DType: ...


DTypeLike: TypeAlias = str | type[Any] | np.dtype | SupportsDType | Any
"""A dtype or something convertible to one (`"float32"`, `jnp.float32`)."""

SeedOrKey: TypeAlias = int | jax.Array | np.ndarray
"""A seed or a PRNG key."""

if TYPE_CHECKING:
    PyTree: TypeAlias = Any
    """Any pytree; `PyTree[float]` for one whose leaves are floats (jaxtyping's)."""
else:

    def __getattr__(name: str) -> Any:
        # jaxtyping's `PyTree`, imported on first use: `import eqstate` stays
        # free of jaxtyping until a model annotation asks for it.
        if name == "PyTree":
            import jaxtyping

            return jaxtyping.PyTree
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


PathParts: TypeAlias = tuple[Key, ...]
"""A path into a pytree: `("layers", 0, "w")`."""

Predicate: TypeAlias = Callable[[PathParts, Any], bool]
"""A `(path, obj) -> bool` filter function."""

FilterLiteral: TypeAlias = type | str | Predicate | bool | EllipsisType | None
"""A single filter: a type, a tag, a predicate, a bool, `...` or None."""

Filter: TypeAlias = FilterLiteral | tuple[Any, ...] | list[Any]
"""A filter or a tuple / list of filters (see `eqstate.filters`)."""


class Missing:
    """The sentinel for "no value given" where None is a valid value.

    ```python
    from eqstate.typing import Missing

    def f(x=Missing):
        return "unset" if x is Missing else x

    assert f() == "unset" and f(None) is None
    ```
    """
