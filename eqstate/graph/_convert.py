"""`graph_to_tree` / `tree_to_graph`: graph nodes inside a pytree to `NodeStates` and back."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import jax.tree_util as jtu

from .._state import State
from ..typing._aliases import Missing
from ..util._dicts import FlattedDict
from ._context import (
    MergeContext,
    NodeStates,
    RefMap,
    SplitContext,
    merge_context,
    split_context,
)
from ._flatten import GraphError
from ._walk import is_graph_node

__all__ = ["graph_to_tree", "tree_to_graph"]

KeyPath = tuple[Any, ...]


def _broadcast_prefix(
    prefix: Any, tree: Any, is_leaf: Callable[[Any], bool] | None = None
) -> list[Any]:
    """One prefix value per leaf of `tree` (a `prefix` leaf covers its subtree)."""
    if prefix is Missing:
        return [None] * len(jtu.tree_leaves(tree, is_leaf=is_leaf))
    out: list[Any] = []

    def add(p: Any, subtree: Any) -> None:
        out.extend([p] * len(jtu.tree_leaves(subtree, is_leaf=is_leaf)))

    try:
        jax.tree.map(add, prefix, tree, is_leaf=lambda x: x is None)
    except ValueError as e:
        raise GraphError(
            f"`prefix` is not a prefix of the tree's structure ({e}); give one prefix "
            "value per top-level entry, or None for 'no prefix'."
        ) from None
    return out


def _default_split_fn(ctx: SplitContext, path: KeyPath, prefix: Any, leaf: Any) -> Any:
    return NodeStates.from_split(*ctx.treefy_split(leaf))


def graph_to_tree(
    may_have_graph_nodes: Any,
    /,
    *,
    prefix: Any = Missing,
    split_fn: Callable[[SplitContext, KeyPath, Any, Any], Any] = _default_split_fn,
    map_non_graph_nodes: bool = False,
    check_aliasing: bool = True,
) -> tuple[Any, FlattedDict]:
    """Replace each graph node in a pytree by a `NodeStates` (its GraphDef + States).

    All nodes are split in one `split_context`, so a State shared by two nodes
    keeps one index. Returns the new pytree and a `FlattedDict` `{(index,): State}`.
    With `prefix` (a prefix tree, e.g. vmap axes) each leaf's prefix is given to
    `split_fn(ctx, keypath, prefix, node)`; with `check_aliasing`, a node
    reached twice with different prefixes raises.

    ```python
    import jax.numpy as jnp
    import eqstate

    class Linear(eqstate.nn.Module):
        def __init__(self):
            self.w = eqstate.ParamState(jnp.ones(2))

    model = Linear()
    tree, found = eqstate.graph.graph_to_tree([model, 3])
    assert isinstance(tree[0], eqstate.graph.NodeStates) and tree[1] == 3
    assert found[(0,)] is model.w
    back = eqstate.graph.tree_to_graph(tree)
    assert back[0].w.value.tolist() == [1.0, 1.0] and back[0].w is not model.w
    ```
    """
    flat, treedef = jtu.tree_flatten_with_path(
        may_have_graph_nodes, is_leaf=is_graph_node
    )
    prefixes = _broadcast_prefix(prefix, may_have_graph_nodes, is_leaf=is_graph_node)
    seen: RefMap[Any, Any] = RefMap()
    out: list[Any] = []
    with split_context() as (ctx, ref_index):
        for (keypath, leaf), leaf_prefix in zip(flat, prefixes):
            if is_graph_node(leaf):
                if check_aliasing:
                    if leaf in seen and seen[leaf] != leaf_prefix:
                        raise GraphError(
                            f"graph_to_tree: the {type(leaf).__name__} at "
                            f"{jtu.keystr(keypath)} is also reached with prefix "
                            f"{seen[leaf]!r}, but here {leaf_prefix!r}; give one node one "
                            "prefix (or pass check_aliasing=False)."
                        )
                    seen[leaf] = leaf_prefix
                out.append(split_fn(ctx, keypath, leaf_prefix, leaf))
            elif map_non_graph_nodes:
                out.append(split_fn(ctx, keypath, leaf_prefix, leaf))
            else:
                out.append(leaf)
        found = FlattedDict(
            {(i,): s for s, i in ref_index.items() if isinstance(s, State)}
        )
    return jtu.tree_unflatten(treedef, out), found


def _is_node_states(x: Any) -> bool:
    return isinstance(x, NodeStates)


def _merge_tree_node(ctx: MergeContext, path: KeyPath, prefix: Any, leaf: Any) -> Any:
    if not isinstance(leaf, NodeStates):
        raise GraphError(
            f"tree_to_graph: expected a NodeStates at {jtu.keystr(path)}, got "
            f"{type(leaf).__name__}; only map NodeStates leaves (map_non_graph_nodes=False)."
        )
    return ctx.treefy_merge(leaf.graphdef, *leaf.states)


def tree_to_graph(
    tree: Any,
    /,
    *,
    prefix: Any = Missing,
    merge_fn: Callable[[MergeContext, KeyPath, Any, Any], Any] = _merge_tree_node,
    is_node_leaf: Callable[[Any], bool] = _is_node_states,
    is_leaf: Callable[[Any], bool] = _is_node_states,
    map_non_graph_nodes: bool = False,
) -> Any:
    """The inverse of `graph_to_tree`: each `NodeStates` merged back into its node.

    Merges share one `merge_context`, so States shared before the split are
    shared again (as new States).

    ```python
    import jax.numpy as jnp
    import eqstate

    class Linear(eqstate.nn.Module):
        def __init__(self, w):
            self.w = w

    w = eqstate.ParamState(jnp.ones(2))
    tree, _ = eqstate.graph.graph_to_tree({"a": Linear(w), "b": Linear(w)})
    back = eqstate.graph.tree_to_graph(tree)
    assert back["a"].w is back["b"].w
    ```
    """
    flat, treedef = jtu.tree_flatten_with_path(tree, is_leaf=is_leaf)
    prefixes = _broadcast_prefix(prefix, tree, is_leaf=is_leaf)
    out: list[Any] = []
    with merge_context() as (ctx, _):
        for (keypath, leaf), leaf_prefix in zip(flat, prefixes):
            if is_node_leaf(leaf) or map_non_graph_nodes:
                out.append(merge_fn(ctx, keypath, leaf_prefix, leaf))
            else:
                out.append(leaf)
    return jtu.tree_unflatten(treedef, out)
