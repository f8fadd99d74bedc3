"""Identity maps and shared split / merge contexts; `Static` and `NodeStates`."""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Iterable, Iterator, Mapping, MutableMapping
from typing import Any, Generic, TypeVar

import jax.tree_util as jtu

from .._filters import Filter
from ..util._dataclass import PyTreeNode, field
from ..util._pretty import MappingReprMixin
from ._flatten import GraphDef, GraphError, flatten, unflatten

__all__ = [
    "MergeContext",
    "NodeStates",
    "RefMap",
    "SplitContext",
    "Static",
    "merge_context",
    "split_context",
]

A = TypeVar("A")
B = TypeVar("B")


class RefMap(MutableMapping[A, B], MappingReprMixin[A, B]):
    """A dict keyed by object identity (`is`), for unhashable or array keys.

    ```python
    import jax.numpy as jnp
    import eqstate

    a, b = eqstate.State(jnp.zeros(1)), eqstate.State(jnp.zeros(1))
    refs = eqstate.graph.RefMap([(a, 0)])
    refs[b] = 1
    assert refs[a] == 0 and len(refs) == 2 and list(refs) == [a, b]
    ```
    """

    def __init__(self, mapping: Mapping[A, B] | Iterable[tuple[A, B]] = ()) -> None:
        self._mapping: dict[int, tuple[A, B]] = {}
        self.update(mapping)

    def __getitem__(self, key: A) -> B:
        return self._mapping[id(key)][1]

    def __contains__(self, key: object) -> bool:
        return id(key) in self._mapping

    def __setitem__(self, key: A, value: B) -> None:
        self._mapping[id(key)] = (key, value)

    def __delitem__(self, key: A) -> None:
        del self._mapping[id(key)]

    def __iter__(self) -> Iterator[A]:
        return (key for key, _ in self._mapping.values())

    def __len__(self) -> int:
        return len(self._mapping)

    def __repr__(self) -> str:
        return f"RefMap({len(self)} entries)"


@dataclasses.dataclass(frozen=True)
class Static(Generic[A]):
    """A value kept out of JAX's leaves: a pytree with no children.

    ```python
    import jax
    import eqstate

    s = eqstate.graph.Static("relu")
    assert jax.tree.leaves(s) == [] and jax.tree.map(lambda x: x, s) == s
    ```
    """

    value: A


jtu.register_pytree_node(
    Static, lambda s: ((), s.value), lambda value, _: Static(value)
)


class NodeStates(PyTreeNode):
    """A `GraphDef` (static) with state mappings (leaves) and metadata (static).

    ```python
    import jax.numpy as jnp
    import eqstate

    class Linear(eqstate.nn.Module):
        def __init__(self):
            self.w = eqstate.ParamState(jnp.ones(2))

    ns = eqstate.graph.NodeStates.from_split(*eqstate.graph.flatten(Linear()))
    model = eqstate.graph.unflatten(ns.graphdef, ns.state)
    assert model.w.value.tolist() == [1.0, 1.0]
    ```
    """

    _graphdef: GraphDef[Any] | None = field(pytree_node=False)
    states: tuple[Any, ...]
    metadata: Any = field(pytree_node=False)

    @property
    def graphdef(self) -> GraphDef[Any]:
        """The GraphDef (raises if this NodeStates holds none)."""
        if self._graphdef is None:
            raise GraphError(
                "This NodeStates holds no GraphDef; build it with NodeStates.from_split."
            )
        return self._graphdef

    @property
    def state(self) -> Any:
        """The single state mapping (raises if there are several)."""
        if len(self.states) != 1:
            raise GraphError(
                f"NodeStates.state needs exactly one mapping, this one has "
                f"{len(self.states)}; use .states instead."
            )
        return self.states[0]

    @classmethod
    def from_split(
        cls, graphdef: GraphDef[Any], state: Any, /, *states: Any, metadata: Any = None
    ) -> NodeStates:
        """From `flatten` / `treefy_split` output."""
        return cls(graphdef, (state, *states), metadata)

    @classmethod
    def from_states(cls, state: Any, *states: Any) -> NodeStates:
        """From state mappings alone (no GraphDef)."""
        return cls(None, (state, *states), None)

    @classmethod
    def from_prefixes(
        cls, prefixes: Iterable[Any], /, *, metadata: Any = None
    ) -> NodeStates:
        """From prefix values (no GraphDef), e.g. vmap axes per mapping."""
        return cls(None, tuple(prefixes), metadata)


class SplitContext:
    """Splits sharing one State numbering (made by `split_context`).

    ```python
    import jax.numpy as jnp
    import eqstate

    state = eqstate.State(jnp.zeros(1))
    with eqstate.graph.split_context() as (ctx, ref_index):
        ctx.treefy_split([state])
        ctx.treefy_split({"again": state})
    assert ref_index[state] == 0 and len(ref_index) == 1
    ```
    """

    def __init__(self, ref_index: RefMap[Any, int]):
        self.ref_index = ref_index

    def treefy_split(self, node: Any, *filters: Filter) -> tuple[Any, ...]:
        """Like `graph.treefy_split`, numbering States across the context."""
        graph, mapping = flatten(node, ref_index=self.ref_index)
        if not filters:
            return graph, mapping
        parts = mapping.split(*filters)
        return (graph, *(parts if len(filters) > 1 else (parts,)))


class MergeContext:
    """Merges sharing one set of rebuilt States (made by `merge_context`).

    ```python
    import jax.numpy as jnp
    import eqstate

    state = eqstate.State(jnp.zeros(1))
    with eqstate.graph.split_context() as (ctx, _):
        g1, s1 = ctx.treefy_split([state])
        g2, s2 = ctx.treefy_split([state])
    with eqstate.graph.merge_context() as (ctx, _):
        a, b = ctx.treefy_merge(g1, s1), ctx.treefy_merge(g2, s2)
    assert a[0] is b[0]
    ```
    """

    def __init__(self, index_ref: dict[int, Any]):
        self.index_ref = index_ref

    def treefy_merge(self, graphdef: GraphDef[A], *state_mappings: Any) -> A:
        """Like `graph.treefy_merge`; a State shared across splits is rebuilt once."""
        flat: dict[Any, Any] = {}
        for mapping in state_mappings:
            flat.update(mapping.to_flat() if hasattr(mapping, "to_flat") else mapping)
        return unflatten(graphdef, flat, index_ref=self.index_ref)


@contextlib.contextmanager
def split_context() -> Iterator[tuple[SplitContext, RefMap[Any, int]]]:
    """Split several models so that a State they share keeps one index.

    Merge the results inside one `merge_context` to get the sharing back.

    ```python
    import jax.numpy as jnp
    import eqstate

    class Linear(eqstate.nn.Module):
        def __init__(self, w):
            self.w = w

    shared = eqstate.ParamState(jnp.ones(2))
    a, b = Linear(shared), Linear(shared)
    with eqstate.graph.split_context() as (ctx, _):
        ga, sa = ctx.treefy_split(a)
        gb, sb = ctx.treefy_split(b)
    with eqstate.graph.merge_context() as (ctx, _):
        a2, b2 = ctx.treefy_merge(ga, sa), ctx.treefy_merge(gb, sb)
    assert a2.w is b2.w and a2.w is not shared
    ```
    """
    ref_index: RefMap[Any, int] = RefMap()
    yield SplitContext(ref_index), ref_index


@contextlib.contextmanager
def merge_context() -> Iterator[tuple[MergeContext, dict[int, Any]]]:
    """Merge several splits from one `split_context`, rebuilding shared States once.

    ```python
    import jax.numpy as jnp
    import eqstate

    class Linear(eqstate.nn.Module):
        def __init__(self):
            self.w = eqstate.ParamState(jnp.ones(2))

    with eqstate.graph.split_context() as (ctx, _):
        g, s = ctx.treefy_split(Linear())
    with eqstate.graph.merge_context() as (ctx, index_ref):
        model = ctx.treefy_merge(g, s)
    assert index_ref[0] is model.w
    ```
    """
    index_ref: dict[int, Any] = {}
    yield MergeContext(index_ref), index_ref
