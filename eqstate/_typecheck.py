"""Runtime meaning for `State[Float[Array, "..."]]` annotations.

`ParamState[Float[Array, "din dout"]]` is an ordinary generic alias to static
type checkers, so `.value` is typed. At runtime, when the type argument is a
jaxtyping array type, the alias becomes `Annotated[..., Is[value check]]`: a
beartype-checked module (`@jaxtyped(typechecker=beartype)`, or jaxtyping's
import hook) then checks the State's *value* against the shape and dtype, with
dimension names shared across all the fields of one `__init__` call.
"""

from __future__ import annotations

import sys
from typing import Annotated, Any

__all__ = ["annotate_state_alias"]


def _is_array_type(item: Any) -> bool:
    # No jaxtyping array type exists before jaxtyping is imported; asking
    # `sys.modules` keeps `State[int]` from importing it.
    jaxtyping = sys.modules.get("jaxtyping")
    if jaxtyping is None:
        return False
    return isinstance(item, type) and issubclass(item, jaxtyping.AbstractArray)


def annotate_state_alias(alias: Any, item: Any) -> Any:
    if not _is_array_type(item):
        return alias
    from beartype.vale import Is

    def value_matches(state: Any) -> bool:
        return isinstance(state.value, item)

    return Annotated[alias, Is[value_matches]]
