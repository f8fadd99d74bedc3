"""A model as structure (`GraphDef`) plus States, and back.

Built on the model's pytree structure: `flatten` takes the JAX treedef with
each State as a leaf and records, per State leaf, its path and index (tied
States share one). `unflatten` fills the leaves with States from a mapping.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, Generic, TypeVar

import jax.tree_util as jtu

from .._errors import EqstateError
from .._filters import Filter
from .._paths import to_path
from .._state import State, is_state as _is_state
from .._state_pytree import rebuild_state, reports_states
from .._treefy import TreefyState, to_treefy
from ..util._dicts import FlattedDict, NestedDict, _path_sort_key, flat_mapping
from ..util._pretty import PrettyAttr, PrettyRepr, PrettyType

__all__ = [
    "GraphDef",
    "GraphError",
    "StateTree",
    "clone",
    "flatten",
    "graphdef",
    "treefy_merge",
    "treefy_split",
    "treefy_states",
    "unflatten",
    "update_states",
]

A = TypeVar("A")
PathParts = tuple[Any, ...]


class GraphError(EqstateError, ValueError):
    """A graph operation given inconsistent inputs (also a `ValueError`).

    ```python
    import jax.numpy as jnp
    import eqstate

    class Net(eqstate.nn.Module):
        def __init__(self):
            self.w = eqstate.ParamState(jnp.ones(2))

    graphdef, _ = eqstate.graph.flatten(Net())
    try:
        eqstate.graph.unflatten(graphdef, {})
    except eqstate.graph.GraphError as e:
        assert "no State for path ('w',)" in str(e)
    ```
    """


StateTree = NestedDict
"""eqstate's older name of `NestedDict` (what `treefy_states` returns)."""


class _PathKeyError(EqstateError, KeyError):
    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


def _one_level(state: State[Any]) -> Any:
    return jtu.tree_structure(state, is_leaf=lambda x: x is not state)


class GraphDef(PrettyRepr, Generic[A]):
    """The structure of a model with its States taken out (see `flatten`).

    With a state mapping, `unflatten(graphdef, states)` rebuilds the model.
    Non-State leaves (arrays that are not States) stay in the GraphDef.

    ```python
    import jax.numpy as jnp
    import eqstate

    class Linear(eqstate.nn.Module):
        def __init__(self):
            self.w = eqstate.ParamState(jnp.ones(2))

    graphdef, states = eqstate.graph.flatten(Linear())
    assert graphdef.type is Linear and graphdef.index == 0
    assert eqstate.graph.unflatten(graphdef, states).w.value.tolist() == [1.0, 1.0]
    ```
    """

    __slots__ = ("treedef", "leaves", "slots")

    treedef: Any
    leaves: list[Any]
    slots: list[tuple[int, PathParts, Any] | None]

    def __init__(
        self,
        treedef: Any,
        leaves: list[Any],
        slots: list[tuple[int, PathParts, Any] | None],
    ):
        self.treedef = treedef
        self.leaves = leaves
        self.slots = slots  # per leaf: None, or (state index, path, one-level treedef)

    @property
    def type(self) -> type:
        """The type of the root."""
        return type(jtu.tree_unflatten(self.treedef, [None] * self.treedef.num_leaves))

    @property
    def index(self) -> int:
        """The index of the root node (0)."""
        return 0

    @property
    def paths(self) -> list[PathParts]:
        """The paths of the State leaves, in leaf order (tied States repeat)."""
        return [slot[1] for slot in self.slots if slot is not None]

    def __pretty_repr__(self) -> Iterator[PrettyType | PrettyAttr]:
        yield PrettyType(type(self))
        yield PrettyAttr("type", self.type.__name__)
        yield PrettyAttr("states", [slot[1] for slot in self.slots if slot is not None])

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, GraphDef)
            and self.treedef == other.treedef
            and [s and s[:2] for s in self.slots] == [s and s[:2] for s in other.slots]
        )

    def __hash__(self) -> int:
        return hash((self.treedef, tuple(s and s[:2] for s in self.slots)))


def flatten(
    node: Any, /, ref_index: Any = None, treefy_state: bool = True
) -> tuple[GraphDef[Any], NestedDict]:
    """Split `node` into its `GraphDef` and a `NestedDict` of its States.

    With `treefy_state` the mapping holds `TreefyState` snapshots (so
    `unflatten` builds new States); otherwise the States themselves (so
    `unflatten` rebuilds a model sharing them). `ref_index` (a `RefMap`)
    numbers States across several calls (see `split_context`). An object
    reporting its States through `__eqstate_states__` (an optimizer) stays
    in the GraphDef as it is, its States listed under its path: `unflatten`
    gives back that same object.

    ```python
    import jax.numpy as jnp
    import eqstate

    class Linear(eqstate.nn.Module):
        def __init__(self):
            self.w = eqstate.ParamState(jnp.ones(2))

    model = Linear()
    graphdef, states = eqstate.graph.flatten(model, treefy_state=False)
    assert states["w"] is model.w
    assert eqstate.graph.unflatten(graphdef, states).w is model.w
    ```
    """
    from ._context import RefMap
    from ._walk import states

    index: Any = RefMap() if ref_index is None else ref_index
    flat, treedef = jtu.tree_flatten_with_path(
        node, is_leaf=lambda x: _is_state(x) or reports_states(x)
    )
    leaves: list[Any] = []
    slots: list[tuple[int, PathParts, Any] | None] = []
    found: dict[PathParts, Any] = {}
    first: dict[int, PathParts] = {}

    def record(state: State[Any], path: PathParts) -> None:
        if id(state) not in first:
            first[id(state)] = path
            found[path] = to_treefy(state) if treefy_state else state
        if state not in index:
            index[state] = len(index)

    for keypath, leaf in flat:
        if not isinstance(leaf, State):
            # an optimizer (`__eqstate_states__`): kept as it is, its States listed
            if reports_states(leaf):
                owned = states(leaf)
                assert isinstance(owned, FlattedDict)
                for sub, state in owned.items():
                    record(state, (*to_path(keypath), *sub))
            leaves.append(leaf)
            slots.append(None)
            continue
        record(leaf, to_path(keypath))
        leaves.append(None)
        slots.append((index[leaf], first[id(leaf)], _one_level(leaf)))
    ordered = dict(sorted(found.items(), key=lambda item: _path_sort_key(item[0])))
    return GraphDef(treedef, leaves, slots), NestedDict.from_flat(ordered)


def _as_flat(mapping: Any) -> dict[PathParts, Any]:
    if isinstance(mapping, FlattedDict):
        return dict(mapping)
    if isinstance(mapping, Mapping):
        if mapping and all(isinstance(k, tuple) for k in mapping):
            return dict(mapping)
        return dict(flat_mapping(mapping))
    raise GraphError(
        f"Expected a state mapping (NestedDict, FlattedDict or dict), got "
        f"{type(mapping).__name__}."
    )


def unflatten(
    graphdef: GraphDef[A],
    state_mapping: Any,
    /,
    *,
    index_ref: dict[int, Any] | None = None,
    index_ref_cache: dict[int, Any] | None = None,
) -> A:
    """Rebuild the model of `graphdef` with the States in `state_mapping`.

    A `TreefyState` entry becomes a new State; a State entry is used as is.
    `index_ref` ({index: State}) is filled with the States used, and a State
    already in it is reused (see `merge_context`); `index_ref_cache` offers
    States to reuse, their value replaced by the mapping's.

    ```python
    import jax.numpy as jnp
    import eqstate

    class Linear(eqstate.nn.Module):
        def __init__(self):
            self.w = eqstate.ParamState(jnp.ones(2))

    graphdef, states = eqstate.graph.flatten(Linear())
    states["w"] = states["w"].replace(jnp.zeros(2))
    assert eqstate.graph.unflatten(graphdef, states).w.value.tolist() == [0.0, 0.0]
    ```
    """
    if not isinstance(graphdef, GraphDef):
        raise GraphError(
            f"unflatten expects the GraphDef returned by flatten, got {type(graphdef).__name__}."
        )
    flat = _as_flat(state_mapping)
    made: dict[int, Any] = {} if index_ref is None else index_ref
    leaves: list[Any] = []
    for leaf, slot in zip(graphdef.leaves, graphdef.slots):
        if slot is None:
            leaves.append(leaf)
            continue
        idx, path, one_level = slot
        if idx not in made:
            if path not in flat:
                raise GraphError(
                    f"no State for path {path!r} in the state mapping; pass every "
                    "mapping that flatten / treefy_split returned (merged)."
                )
            made[idx] = _make_state(flat[path], one_level, idx, index_ref_cache)
        leaves.append(made[idx])
    return jtu.tree_unflatten(graphdef.treedef, leaves)


def _make_state(
    entry: Any, one_level: Any, idx: int, cache: dict[int, Any] | None
) -> Any:
    value = entry.value if isinstance(entry, (State, TreefyState)) else entry
    if cache is not None and isinstance(cache.get(idx), State):
        state = cache[idx]
        state.value = value
        return state
    if isinstance(entry, State):
        return entry
    if isinstance(entry, TreefyState):
        return entry.to_state()
    return rebuild_state(one_level, value)


def graphdef(node: Any) -> GraphDef[Any]:
    """The `GraphDef` of `node` (the first half of `flatten`).

    ```python
    import jax.numpy as jnp
    import eqstate

    class Linear(eqstate.nn.Module):
        def __init__(self):
            self.w = eqstate.ParamState(jnp.ones(2))

    assert eqstate.graph.graphdef(Linear()) == eqstate.graph.graphdef(Linear())
    ```
    """
    return flatten(node)[0]


def clone(node: Any) -> Any:
    """A copy of `node` with new States (ties between States are kept).

    ```python
    import jax.numpy as jnp
    import eqstate

    class Linear(eqstate.nn.Module):
        def __init__(self):
            self.w = eqstate.ParamState(jnp.ones(2))

    model = Linear()
    copy = eqstate.graph.clone(model)
    copy.w.value = jnp.zeros(2)
    assert model.w.value.tolist() == [1.0, 1.0]
    ```
    """
    return unflatten(*flatten(node))


def treefy_states(node: Any, *filters: Filter) -> Any:
    """The States of `node` as `TreefyState` snapshots in a `NestedDict`.

    With filters, one NestedDict per filter (first match wins).

    ```python
    import jax.numpy as jnp
    import eqstate

    class Net(eqstate.nn.Module):
        def __init__(self):
            self.w = eqstate.ParamState(jnp.ones(2))
            self.n = eqstate.State(jnp.array(0))

    tree = eqstate.graph.treefy_states(Net(), eqstate.ParamState)
    assert tree["w"].type is eqstate.ParamState and tree["w"].value.shape == (2,)
    ```
    """
    _, mapping = flatten(node)
    return mapping.filter(*filters) if filters else mapping


def treefy_split(node: Any, *filters: Filter) -> tuple[Any, ...]:
    """`(graphdef, mapping, ...)`: the structure and one NestedDict per filter.

    A State goes to the first filter that matches it; every State must match
    one (end with `...` for the rest). `treefy_merge` rebuilds a copy.

    ```python
    import jax.numpy as jnp
    import eqstate

    class Linear(eqstate.nn.Module):
        def __init__(self):
            self.w = eqstate.ParamState(jnp.ones(2))
            self.n = eqstate.State(jnp.array(0))

    graphdef, params, rest = eqstate.graph.treefy_split(
        Linear(), eqstate.ParamState, ...
    )
    model = eqstate.graph.treefy_merge(graphdef, params, rest)
    assert model.w.value.shape == (2,)
    ```
    """
    graph, mapping = flatten(node)
    if not filters:
        return graph, mapping
    parts = mapping.split(*filters)
    return (graph, *(parts if len(filters) > 1 else (parts,)))


def treefy_merge(graphdef: GraphDef[A], *state_mappings: Any) -> A:
    """Rebuild the model split by `treefy_split`, with new, independent States.

    ```python
    import jax.numpy as jnp
    import eqstate

    class Linear(eqstate.nn.Module):
        def __init__(self):
            self.w = eqstate.ParamState(jnp.ones(2))

    model = Linear()
    graphdef, states = eqstate.graph.treefy_split(model)
    copy = eqstate.graph.treefy_merge(graphdef, states)
    copy.w.value = jnp.zeros(2)
    assert float(model.w.value[0]) == 1.0  # the original is untouched
    ```
    """
    flat: dict[PathParts, Any] = {}
    for mapping in state_mappings:
        flat.update(_as_flat(mapping))
    return unflatten(graphdef, flat)


def update_states(node: Any, state_dict: Any, /, *state_dicts: Any) -> None:
    """Write the values in the mappings into the States of `node` at the same paths.

    A mapping holds States, TreefyStates or plain values, nested or keyed by
    path tuples. A path `node` does not have raises (nothing is written then).

    ```python
    import jax.numpy as jnp
    import eqstate

    class Linear(eqstate.nn.Module):
        def __init__(self, v):
            self.w = eqstate.ParamState(jnp.full(2, v))

    src, dst = Linear(1.0), Linear(0.0)
    eqstate.graph.update_states(dst, eqstate.graph.treefy_states(src))
    assert float(dst.w.value[0]) == 1.0
    ```
    """
    from ._walk import states

    flat: dict[PathParts, Any] = {}
    for mapping in (state_dict, *state_dicts):
        flat.update(_as_flat(mapping))
    own = states(node)
    assert isinstance(own, FlattedDict)
    missing = [p for p in flat if p not in own]
    if missing:
        raise _PathKeyError(
            f"update_states: the target has no State at {missing[0]!r} "
            f"({len(missing)} unknown path(s)); its paths are {list(own)}"
        )
    for path, value in flat.items():
        own[path].value = (
            value.value if isinstance(value, (State, TreefyState)) else value
        )
