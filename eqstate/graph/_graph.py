"""Finding States and modules inside any pytree, and moving values in bulk."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any, TypeAlias

import equinox as eqx
import jax.tree_util as jtu

from .._errors import EqstateError
from .._filters import Filter, to_predicate
from .._state import State, _unflatten

__all__ = [
    "GraphDef",
    "StateTree",
    "nodes",
    "states",
    "treefy_merge",
    "treefy_split",
    "treefy_states",
    "update_states",
]

Path: TypeAlias = tuple[Any, ...]
_SKIP = jtu.GetAttrKey("_attrs")  # the store of undeclared module attributes


def _entry(key: Any) -> Any:
    for attr in ("name", "key", "idx"):
        if hasattr(key, attr):
            return getattr(key, attr)
    return str(key)


def _to_path(keypath: tuple[Any, ...]) -> Path:
    return tuple(_entry(k) for k in keypath if k != _SKIP)


def _sort_key(path: Path) -> tuple[tuple[int, Any], ...]:
    return tuple((0, e) if isinstance(e, int) else (1, str(e)) for e in path)


def _is_state(x: Any) -> bool:
    return isinstance(x, State)


def iter_states(tree: Any) -> Iterator[tuple[Path, State]]:
    """Every (path, State) in `tree`, in pytree order, a tied State only once."""
    seen: set[int] = set()
    leaves, _ = jtu.tree_flatten_with_path(tree, is_leaf=_is_state)
    for keypath, leaf in leaves:
        if isinstance(leaf, State) and id(leaf) not in seen:
            seen.add(id(leaf))
            yield _to_path(keypath), leaf


def _select(tree: Any, filter: Filter) -> dict[Path, State[Any]]:
    predicate = to_predicate(filter)
    found = [(p, s) for p, s in iter_states(tree) if predicate(p, s)]
    found.sort(key=lambda item: _sort_key(item[0]))
    return dict(found)


def states(
    tree: Any, *filters: Filter
) -> dict[Path, State[Any]] | tuple[dict[Path, State[Any]], ...]:
    """The States in any pytree (modules, lists, dicts...), keyed by path.

    With no filter, all of them; with one, those it matches; with several, a
    tuple of dicts, one per filter. Paths are sorted; a State reachable by two
    paths appears once, under the first.

    ```python
    import jax.numpy as jnp
    import eqstate

    tree = {"a": eqstate.ParamState(jnp.zeros(2)), "b": eqstate.State(jnp.ones(())) }
    assert list(eqstate.graph.states(tree, eqstate.ParamState)) == [("a",)]
    ```
    """
    if len(filters) <= 1:
        return _select(tree, filters[0] if filters else True)
    return tuple(_select(tree, f) for f in filters)


def nodes(tree: Any, *filters: type | Callable[[Any], bool]) -> dict[Path, eqx.Module]:
    """The equinox modules inside `tree` (itself under `()`), keyed by path.

    Filters are module types or predicates on the module; a module matches
    if any filter does.

    ```python
    import eqstate

    class Leaf(eqstate.nn.Module):
        pass

    class Root(eqstate.nn.Module):
        def __init__(self):
            self.leaf = Leaf()

    assert list(eqstate.graph.nodes(Root(), Leaf)) == [("leaf",)]
    ```
    """
    found: dict[Path, eqx.Module] = {}
    seen: set[int] = set()

    def visit(node: Any, prefix: Path) -> None:
        if isinstance(node, eqx.Module):
            if id(node) in seen:
                return
            seen.add(id(node))
            found[prefix] = node

        def is_child(x: Any) -> bool:
            return x is not node and isinstance(x, (State, eqx.Module))

        for keypath, leaf in jtu.tree_flatten_with_path(node, is_leaf=is_child)[0]:
            if isinstance(leaf, eqx.Module):
                visit(leaf, prefix + _to_path(keypath))

    visit(tree, ())
    if not filters:
        return found
    checks = [
        (lambda m, k=f: isinstance(m, k)) if isinstance(f, type) else f for f in filters
    ]
    return {p: m for p, m in found.items() if any(c(m) for c in checks)}


class StateTree(dict[Any, Any]):
    """A nested dict of States, keyed by path components.

    It is a pytree (States contribute their values), so `jax.tree.map` works on
    it; `.to_flat()` gives the `{path: State}` view.

    ```python
    import jax.numpy as jnp
    import eqstate

    class Linear(eqstate.nn.Module):
        def __init__(self):
            self.w = eqstate.ParamState(jnp.ones(2))

    tree = eqstate.graph.treefy_states(Linear())
    assert list(tree.to_flat()) == [("w",)]
    ```
    """

    def to_flat(self) -> dict[Path, State[Any]]:
        """The `{path: State}` view of this tree."""
        flat: dict[Path, State[Any]] = {}

        def visit(node: Mapping[Any, Any], prefix: Path) -> None:
            for key, value in node.items():
                if isinstance(value, Mapping):
                    visit(value, prefix + (key,))
                else:
                    flat[prefix + (key,)] = value

        visit(self, ())
        return flat

    @classmethod
    def from_flat(cls, flat: Mapping[Path, State[Any]]) -> StateTree:
        """Build a nested tree from a `{path: State}` mapping."""
        root = cls()
        for path, state in flat.items():
            node = root
            for key in path[:-1]:
                node = node.setdefault(key, cls())
            node[path[-1]] = state
        return root


def _tree_flatten(tree: StateTree) -> tuple[list[Any], tuple[Any, ...]]:
    keys = tuple(sorted(tree, key=lambda k: (isinstance(k, str), str(k))))
    return [tree[k] for k in keys], keys


def _tree_flatten_with_keys(tree: StateTree) -> tuple[list[Any], tuple[Any, ...]]:
    children, keys = _tree_flatten(tree)
    return [(jtu.DictKey(k), c) for k, c in zip(keys, children)], keys


def _tree_unflatten(keys: tuple[Any, ...], children: Any) -> StateTree:
    return StateTree(zip(keys, children))


jtu.register_pytree_with_keys(
    StateTree, _tree_flatten_with_keys, _tree_unflatten, _tree_flatten
)


def treefy_states(tree: Any, *filters: Filter) -> StateTree | tuple[StateTree, ...]:
    """Like `states`, but as nested `StateTree`s (one per filter if several).

    ```python
    import jax.numpy as jnp
    import eqstate

    class Block(eqstate.nn.Module):
        def __init__(self):
            self.w = eqstate.ParamState(jnp.ones(2))

    class Net(eqstate.nn.Module):
        def __init__(self):
            self.block = Block()
            self.n = eqstate.State(jnp.array(0))

    tree = eqstate.graph.treefy_states(Net(), eqstate.ParamState)
    assert tree["block"]["w"].value.shape == (2,)
    ```
    """
    found = states(tree, *filters)
    if isinstance(found, tuple):
        return tuple(StateTree.from_flat(f) for f in found)
    return StateTree.from_flat(found)


class GraphDef:
    """The structure of a pytree with its States taken out (see `treefy_split`).

    ```python
    import jax.numpy as jnp
    import eqstate

    class Linear(eqstate.nn.Module):
        def __init__(self):
            self.w = eqstate.ParamState(jnp.ones(2))

    graphdef, states = eqstate.graph.treefy_split(Linear())
    assert "1 states" in repr(graphdef)
    ```
    """

    __slots__ = ("treedef", "leaves", "paths")

    treedef: Any
    leaves: list[Any]
    paths: list[Path | None]

    def __init__(self, treedef: Any, leaves: list[Any], paths: list[Path | None]):
        self.treedef = treedef
        self.leaves = leaves
        self.paths = paths

    def __repr__(self) -> str:
        n = sum(p is not None for p in self.paths)
        return f"GraphDef({n} states, {self.treedef})"


def treefy_split(tree: Any, *filters: Filter) -> tuple[Any, ...]:
    """Split `tree` into its structure and one `StateTree` per filter.

    A State goes to the first filter that matches it; with no filter, all
    States go into one tree. `treefy_merge` rebuilds an independent copy.

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
    filters = filters or (True,)
    predicates = [to_predicate(f) for f in filters]
    flat, treedef = jtu.tree_flatten_with_path(tree, is_leaf=_is_state)
    leaves: list[Any] = []
    paths: list[Path | None] = []
    buckets: list[dict[Path, State[Any]]] = [{} for _ in filters]
    for keypath, leaf in flat:
        if not isinstance(leaf, State):
            leaves.append(leaf)
            paths.append(None)
            continue
        path = _to_path(keypath)
        for bucket, predicate in zip(buckets, predicates):
            if predicate(path, leaf):
                bucket.setdefault(path, leaf)
                break
        else:
            raise EqstateError(
                f"treefy_split: {leaf._describe()} at path {path} matches none of the "
                f"filters {filters}; add `...` as a last filter to collect the rest."
            )
        leaves.append(None)
        paths.append(path)
    graphdef = GraphDef(treedef, leaves, paths)
    return (graphdef, *(StateTree.from_flat(b) for b in buckets))


def treefy_merge(graphdef: GraphDef, *trees: Mapping[Any, Any]) -> Any:
    """Rebuild the pytree split by `treefy_split`, with new, independent States.

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
    flat: dict[Path, State[Any]] = {}
    for tree in trees:
        flat.update(tree.to_flat() if isinstance(tree, StateTree) else tree)
    copies: dict[int, State] = {}
    leaves = []
    for leaf, path in zip(graphdef.leaves, graphdef.paths):
        if path is None:
            leaves.append(leaf)
            continue
        try:
            state = flat[path]
        except KeyError:
            raise EqstateError(
                f"treefy_merge: no State for path {path}; pass every StateTree that "
                "treefy_split returned."
            ) from None
        if id(state) not in copies:
            copies[id(state)] = _unflatten(type(state), state._info, (state.value,))
        leaves.append(copies[id(state)])
    return jtu.tree_unflatten(graphdef.treedef, leaves)


def update_states(tree: Any, values: Mapping[Any, Any]) -> None:
    """Assign the values in `values` to the States of `tree` with the same paths.

    `values` is a `StateTree`, a `{path: State}` dict or a `{path: value}` dict.
    A path in `values` that `tree` does not have raises `KeyError` (nothing is
    written then): no value is silently dropped.

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
    flat = values.to_flat() if isinstance(values, StateTree) else dict(values)
    own = dict(iter_states(tree))
    missing = [p for p in flat if p not in own]
    if missing:
        raise KeyError(
            f"update_states: the target has no State at {missing[0]!r} "
            f"({len(missing)} unknown path(s)); its paths are {sorted(own, key=_sort_key)}"
        )
    for path, value in flat.items():
        own[path].value = value.value if isinstance(value, State) else value
