"""Runtime meaning for `State[Float[Array, "..."]]` annotations.

`ParamState[Float[Array, "din dout"]]` is an ordinary generic alias to static
type checkers, so `.value` is typed. At runtime, when the type argument is a
jaxtyping array type, the alias becomes `Annotated[..., Is[value check]]`: a
beartype-checked module (`@jaxtyped(typechecker=beartype)`, or jaxtyping's
import hook) then checks the State's *value* against the shape and dtype, with
dimension names shared across all the fields of one `__init__` call.
"""

from __future__ import annotations

from typing import Annotated, Any

__all__ = ["annotate_state_alias"]


def _is_array_type(item: Any) -> bool:
    try:
        from jaxtyping import AbstractArray
    except ImportError:  # pragma: no cover - jaxtyping is a dependency
        return False
    return isinstance(item, type) and issubclass(item, AbstractArray)


def annotate_state_alias(alias: Any, item: Any) -> Any:
    if not _is_array_type(item):
        return alias
    from beartype.vale import Is

    def value_matches(state: Any) -> bool:
        return isinstance(state.value, item)

    return Annotated[alias, Is[value_matches]]
