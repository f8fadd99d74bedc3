"""`pop_states`: take States out of mutable graph nodes."""

from __future__ import annotations

from typing import Any

from .._filters import Filter, to_predicate
from .._paths import to_path
from .._state import State
from ..util._dicts import NestedDict
from ._flatten import GraphError

__all__ = ["pop_states"]

PathParts = tuple[Any, ...]


def pop_states(node: Any, *filters: Filter) -> Any:
    """Remove the matching States from mutable graph nodes and return them.

    Works on `Node` subclasses, registered graph node types, dicts and lists.
    eqstate `Module`s are frozen: take States out of one with
    `treefy_split` (or `eqx.tree_at`) instead.

    ```python
    import jax.numpy as jnp
    import eqstate

    class Holder(eqstate.graph.Node):
        def __init__(self):
            self.w = eqstate.ParamState(jnp.ones(2))
            self.n = eqstate.State(jnp.array(0))

    h = Holder()
    popped = eqstate.graph.pop_states(h, eqstate.ParamState)
    assert list(popped.to_flat()) == [("w",)] and not hasattr(h, "w")
    ```
    """
    from ._walk import _children, is_graph_node, node_impl

    if not filters:
        raise GraphError(
            "pop_states needs at least one filter, e.g. pop_states(node, ParamState)."
        )
    predicates = [to_predicate(f) for f in filters]
    groups: list[dict[PathParts, Any]] = [{} for _ in filters]
    seen: set[int] = set()

    def take(path: PathParts, child: Any) -> bool:
        for group, predicate in zip(groups, predicates):
            if predicate(path, child):
                group[path] = child
                return True
        return False

    def visit(x: Any, path: PathParts, owner: str = "") -> None:
        if id(x) in seen:
            return
        seen.add(id(x))
        impl = node_impl(x)
        if impl is not None:
            for key, child in list(impl.flatten(x)[0]):
                if isinstance(child, State):
                    if take((*path, key), child):
                        impl.pop_key(x, key)
                else:
                    visit(child, (*path, key))
        elif isinstance(x, dict):
            for key, child in list(x.items()):
                if isinstance(child, State):
                    if take((*path, key), child):
                        del x[key]
                else:
                    visit(child, (*path, key))
        elif isinstance(x, list):
            keep = []
            for i, child in enumerate(x):
                if isinstance(child, State) and take((*path, i), child):
                    continue
                if not isinstance(child, State):
                    visit(child, (*path, i))
                keep.append(child)
            x[:] = keep
        else:
            owner = type(x).__name__ if is_graph_node(x) else owner
            for key, child in _children(x) or []:
                sub = (*path, *to_path([key]))
                if isinstance(child, State):
                    if any(p(sub, child) for p in predicates):
                        raise GraphError(
                            f"pop_states: cannot remove the State at {sub!r} from a frozen "
                            f"{owner or type(x).__name__}: eqstate modules are immutable pytrees. "
                            "Take States out with graph.treefy_split(model, filter, ...) "
                            "or eqx.tree_at instead."
                        )
                else:
                    visit(child, sub, owner)

    visit(node, ())
    built = tuple(NestedDict.from_flat(g) for g in groups)
    return built[0] if len(filters) == 1 else built
