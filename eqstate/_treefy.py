"""`TreefyState`: a State's type, value and metadata as a plain pytree."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Generic, TypeVar

import jax.tree_util as jtu

from ._errors import EqstateError
from ._state import State
from ._state_pytree import rebuild_state
from .util._pretty import PrettyAttr, PrettyObject, PrettyType

__all__ = ["TreefyState", "maybe_state", "to_treefy"]

A = TypeVar("A")


class _ReadOnlyError(EqstateError, AttributeError):
    """Setting a TreefyState attribute other than `.value`."""


B = TypeVar("B")


class TreefyState(PrettyObject, Generic[A]):
    """A snapshot of a State: its type, value and metadata; a pytree of the value.

    Unlike a State it has no identity and no transform bookkeeping: it is what
    `graph.flatten`, `treefy_states` and `treefy_split` hand out, and
    `to_state()` turns it back into a (new) State.

    ```python
    import jax
    import jax.numpy as jnp
    import eqstate

    ref = eqstate.TreefyState(eqstate.ParamState, jnp.ones(2), tag="w")
    doubled = jax.tree.map(lambda x: 2 * x, ref)
    state = doubled.to_state()
    assert isinstance(state, eqstate.ParamState) and state.tag == "w"
    assert state.value.tolist() == [2.0, 2.0]
    ```

    Args:
        type: the State class.
        value: the value.
        **metadata: the State's metadata (`name` and `tag` included).
    """

    type: type[State[Any]]
    value: A

    def __init__(self, type: type[State[Any]], value: A, **metadata: Any):
        vars(self)["type"] = type
        vars(self)["value"] = value
        vars(self).update(metadata)

    def __setattr__(self, name: str, value: Any) -> None:
        if name == "value":
            vars(self)["value"] = value
            return
        raise _ReadOnlyError(
            f"TreefyState is read-only except for .value; cannot set {name!r}. "
            "Use .replace(value) for a copy with a new value."
        )

    def __pretty_repr__(self) -> Iterator[PrettyType | PrettyAttr]:
        yield PrettyType(type(self))
        for key, value in vars(self).items():
            if not key.startswith("_"):
                yield PrettyAttr(key, value)

    @property
    def name(self) -> str | None:
        """The `name` metadata entry, if any."""
        return vars(self).get("name")

    def get_metadata(self) -> dict[str, Any]:
        """The metadata (every attribute but `type` and `value`)."""
        return {
            k: v
            for k, v in vars(self).items()
            if k not in ("type", "value") and not k.startswith("_")
        }

    def copy(self) -> TreefyState[A]:
        """A copy (the value is shared, as arrays are immutable)."""
        return self.replace(self.value)

    def replace(self, value: B) -> TreefyState[B]:
        """A copy with `value` instead."""
        new = object.__new__(type(self))
        vars(new).update(vars(self))
        vars(new)["value"] = value
        return new  # type: ignore[return-value]

    def to_state(self) -> State[A]:
        """A new State of `type` holding `value`, with the same metadata."""
        source = vars(self).get("_source")
        if source is not None:  # made from a State: keep its exact identity info
            return rebuild_state(source, self.value)
        meta = self.get_metadata()
        name = meta.pop("name", None)
        return self.type(self.value, name=name, **meta)


def _flatten_with_keys(
    ref: TreefyState,
) -> tuple[tuple[tuple[Any, Any]], tuple[Any, ...]]:
    rest = tuple((k, v) for k, v in vars(ref).items() if k != "value")
    return ((jtu.GetAttrKey("value"), ref.value),), rest


def _unflatten(rest: tuple[Any, ...], children: Any) -> TreefyState:
    new = object.__new__(TreefyState)
    vars(new).update(rest)
    vars(new)["value"] = children[0]
    return new


jtu.register_pytree_with_keys(
    TreefyState,
    _flatten_with_keys,
    _unflatten,
    lambda ref: (
        (ref.value,),
        tuple((k, v) for k, v in vars(ref).items() if k != "value"),
    ),
)


def _one_level(state: State[Any]) -> Any:
    return jtu.tree_structure(state, is_leaf=lambda x: x is not state)


def to_treefy(x: Any) -> Any:
    """`x` as a TreefyState if it is a State, else `x` itself."""
    if not isinstance(x, State):
        return x
    ref = TreefyState(
        type(x), x.value, **({"name": x.name} if x.name else {}), **x.metadata
    )
    vars(ref)["_source"] = _one_level(x)
    return ref


def maybe_state(val: Any) -> Any:
    """The value of a State (or TreefyState); anything else unchanged.

    ```python
    import jax.numpy as jnp
    import eqstate

    assert eqstate.maybe_state(eqstate.State(jnp.array(3))) == 3
    assert eqstate.maybe_state(4) == 4
    ```
    """
    if isinstance(val, (State, TreefyState)):
        return val.value
    return val
