"""Walking a model: its leaves, its graph nodes, its States, by path.

A *graph node* is an equinox module (an eqstate `Module` included) or an
instance of a type given to `register_graph_node_type` (or a `Node`
subclass). Other pytrees (lists, dicts, tuples) are walked through but are not
nodes; States are leaves. The walk uses the pytrees' own flatten functions, so
the paths are the JAX key paths, written plainly (`("layers", 0, "w")`).

**The `__eqstate_states__` protocol.** An object that is not a pytree but
owns States (an optimizer, a learning-rate schedule) reports them by defining
the method `__eqstate_states__(self)`, returning a pytree (usually a dict)
whose leaves are its States. The walk goes through what it returns as through
a dict at the object's place: `states({"opt": opt})` lists the optimizer's
`("opt", "step_count")`, `("opt", "opt_state", ...)`. Such an object is not a
graph node (`nodes` does not list it) and is not rebuilt: `flatten` lists its
States but keeps the object itself in the `GraphDef`, so `unflatten`, `clone`
and `treefy_merge` give back that same object; write values into its States
with `update_states`. The method wins over a pytree's own children. The same
protocol tells `eqstate.checkpoint` and `eqstate.transform` what to save and
thread.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar, overload

import jax.tree_util as jtu

from .._errors import EqstateError, TraceContextError
from .._filters import Filter, to_predicate
from .._paths import clean_keypath, key_entry
from .._state import State
from .._state_pytree import is_equinox_module, reports_states
from ..util._dicts import FlattedDict, _path_sort_key
from ..util._pretty import PrettyObject

__all__ = [
    "Node",
    "is_graph_node",
    "iter_leaf",
    "iter_node",
    "nodes",
    "register_graph_node_type",
    "states",
]

MAX_INT = 2**31 - 1
N = TypeVar("N")
PathParts = tuple[Any, ...]


@dataclasses.dataclass(frozen=True)
class _NodeImpl:
    flatten: Callable[[Any], tuple[Sequence[tuple[Any, Any]], Any]]
    set_key: Callable[[Any, Any, Any], None]
    pop_key: Callable[[Any, Any], Any]
    create_empty: Callable[[Any], Any]
    clear: Callable[[Any], None]


_NODE_TYPES: dict[type, _NodeImpl] = {}


def node_impl(x: Any) -> _NodeImpl | None:
    """The registration of `x`'s type (None for modules and plain pytrees)."""
    return _NODE_TYPES.get(type(x))


def is_graph_node(x: Any) -> bool:
    """Whether `x` is a graph node (an equinox module or a registered type)."""
    return is_equinox_module(x) or type(x) in _NODE_TYPES


def register_graph_node_type(
    type: type,
    flatten: Callable[[N], tuple[Sequence[tuple[Any, Any]], Any]],
    set_key: Callable[[N, Any, Any], None],
    pop_key: Callable[[N, Any], Any],
    create_empty: Callable[[Any], N],
    clear: Callable[[N], None],
) -> None:
    """Make instances of a mutable class graph nodes (and pytrees).

    `flatten(node)` gives `([(key, child), ...], aux)`; the node is rebuilt by
    `create_empty(aux)` then `set_key(node, key, child)` for each child;
    `pop_key` and `clear` let `pop_states` remove children.

    ```python
    import jax.numpy as jnp
    import eqstate

    class Bag:
        def __init__(self, **items):
            self.items = dict(items)

    eqstate.graph.register_graph_node_type(
        Bag,
        flatten=lambda b: (sorted(b.items.items()), None),
        set_key=lambda b, k, v: b.items.__setitem__(k, v),
        pop_key=lambda b, k: b.items.pop(k),
        create_empty=lambda aux: Bag(),
        clear=lambda b: b.items.clear(),
    )
    bag = Bag(w=eqstate.ParamState(jnp.ones(2)))
    assert list(eqstate.graph.states(bag)) == [("w",)]
    assert eqstate.graph.clone(bag).items["w"] is not bag.items["w"]
    ```
    """
    impl = _NodeImpl(flatten, set_key, pop_key, create_empty, clear)
    _NODE_TYPES[type] = impl

    def flatten_with_keys(node: Any) -> tuple[list[tuple[Any, Any]], Any]:
        items, aux = impl.flatten(node)
        keys = tuple(k for k, _ in items)
        return [(jtu.DictKey(k), v) for k, v in items], (keys, aux)

    def unflatten(meta: Any, children: Any) -> Any:
        keys, aux = meta
        node = impl.create_empty(aux)
        for key, child in zip(keys, children):
            impl.set_key(node, key, child)
        return node

    def flatten_plain(node: Any) -> tuple[list[Any], Any]:
        items, aux = impl.flatten(node)
        return [v for _, v in items], (tuple(k for k, _ in items), aux)

    jtu.register_pytree_with_keys(type, flatten_with_keys, unflatten, flatten_plain)


def _node_flatten(node: Node) -> tuple[list[tuple[str, Any]], type]:
    return sorted(vars(node).items()), type(node)


def _node_create(cls: type) -> Node:
    return object.__new__(cls)


class Node(PrettyObject):
    """Base class of mutable graph nodes: attributes are the children.

    Every subclass is registered with `register_graph_node_type`, so `states`,
    `nodes`, `flatten` / `unflatten` and `clone` walk it, and it is a pytree.
    (eqstate's `nn.Module` is a frozen equinox module instead, and a graph node
    too.)

    ```python
    import jax.numpy as jnp
    import eqstate

    class Holder(eqstate.graph.Node):
        def __init__(self):
            self.w = eqstate.ParamState(jnp.ones(2))

    h = Holder()
    assert list(eqstate.graph.states(h)) == [("w",)]
    assert eqstate.graph.clone(h).w.value.tolist() == [1.0, 1.0]
    ```
    """

    def check_valid_context(self, error_msg: Callable[[], str]) -> None:
        """Raise `TraceContextError(error_msg())` if a State of this node is unusable here.

        A State is unusable when it was created inside a transform that has
        ended (its value was a tracer of that transform).
        """
        for _, value in iter_leaf(self):
            if isinstance(value, State):
                try:
                    value.value
                except EqstateError as e:
                    raise TraceContextError(f"{error_msg()}\n({e})") from None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        register_graph_node_type(
            cls,
            flatten=_node_flatten,
            set_key=lambda n, k, v: object.__setattr__(n, k, v),
            pop_key=lambda n, k: vars(n).pop(k),
            create_empty=_node_create,
            clear=lambda n: vars(n).clear(),
        )


def _children(node: Any) -> list[tuple[Any, Any]] | None:
    """`node`'s one-level `(jax key, child)` pairs; None for a leaf."""
    flat, _ = jtu.tree_flatten_with_path(node, is_leaf=lambda x: x is not node)
    if len(flat) == 1 and flat[0][0] == ():
        return None
    return [(keypath[0], child) for keypath, child in flat]


def _walk(
    node: Any, allowed_hierarchy: tuple[int, int], want: str
) -> Iterator[tuple[PathParts, Any]]:
    lo, hi = allowed_hierarchy
    seen: set[int] = set()

    def visit(
        x: Any, keypath: tuple[Any, ...], level: int
    ) -> Iterator[tuple[PathParts, Any]]:
        if level > hi:
            return
        if reports_states(x):
            if id(x) not in seen:
                seen.add(id(x))
                yield from visit(x.__eqstate_states__(), keypath, level)
            return
        children = None if isinstance(x, State) else _children(x)
        if children is None:
            if want == "leaf" and level >= lo:
                if isinstance(x, State):
                    if id(x) in seen:
                        return
                    seen.add(id(x))
                yield tuple(key_entry(k) for k in clean_keypath(keypath)), x
            return
        if id(x) in seen:
            return
        seen.add(id(x))
        for key, child in children:
            step = 1 if is_graph_node(child) else 0
            yield from visit(child, (*keypath, key), level + step)
        if want == "node" and level >= lo and is_graph_node(x):
            yield tuple(key_entry(k) for k in clean_keypath(keypath)), x

    yield from visit(node, (), 0)


def iter_leaf(
    node: Any, allowed_hierarchy: tuple[int, int] = (0, MAX_INT)
) -> Iterator[tuple[PathParts, Any]]:
    """Every `(path, leaf)` of `node`: States, arrays and other leaves.

    A container or State reachable twice is visited once. `allowed_hierarchy
    = (lo, hi)` keeps leaves owned by graph nodes `lo` to `hi` levels down
    (the root is level 0; lists and dicts do not count as levels).

    ```python
    import jax.numpy as jnp
    import eqstate

    class Net(eqstate.nn.Module):
        def __init__(self):
            self.w = eqstate.ParamState(jnp.ones(2))
            self.scale = jnp.array(2.0)

    assert [p for p, _ in eqstate.graph.iter_leaf(Net())] == [("w",), ("scale",)]
    ```
    """
    yield from _walk(node, allowed_hierarchy, "leaf")


def iter_node(
    node: Any, allowed_hierarchy: tuple[int, int] = (0, MAX_INT)
) -> Iterator[tuple[PathParts, Any]]:
    """Every `(path, graph node)` inside `node`, children before parents.

    ```python
    import eqstate

    class Leaf(eqstate.nn.Module):
        def __init__(self):
            pass

    class Root(eqstate.nn.Module):
        def __init__(self):
            self.leaf = Leaf()

    assert [p for p, _ in eqstate.graph.iter_node(Root())] == [("leaf",), ()]
    ```
    """
    yield from _walk(node, allowed_hierarchy, "node")


def _collect(
    found: Iterator[tuple[PathParts, Any]], filters: tuple[Filter, ...]
) -> FlattedDict | tuple[FlattedDict, ...]:
    items = sorted(found, key=lambda item: _path_sort_key(item[0]))
    chosen = (*filters, ...) if filters else (...,)
    predicates = [to_predicate(f) for f in chosen]
    groups: list[dict[PathParts, Any]] = [{} for _ in chosen]
    for path, value in items:
        for group, predicate in zip(groups, predicates):
            if predicate(path, value):
                group[path] = value
                break
    maps = tuple(FlattedDict(g) for g in groups)
    return maps[0] if len(filters) < 2 else maps[: len(filters)]


@overload
def states(node: Any, *, allowed_hierarchy: tuple[int, int] = ...) -> FlattedDict: ...
@overload
def states(
    node: Any, filter: Filter, /, *, allowed_hierarchy: tuple[int, int] = ...
) -> FlattedDict: ...
@overload
def states(
    node: Any,
    filter: Filter,
    filter2: Filter,
    /,
    *filters: Filter,
    allowed_hierarchy: tuple[int, int] = ...,
) -> tuple[FlattedDict, ...]: ...
@overload
def states(
    node: Any, *filters: Filter, allowed_hierarchy: tuple[int, int] = ...
) -> FlattedDict | tuple[FlattedDict, ...]: ...
def states(
    node: Any, *filters: Filter, allowed_hierarchy: tuple[int, int] = (0, MAX_INT)
) -> FlattedDict | tuple[FlattedDict, ...]:
    """The States in any pytree (modules, lists, dicts...), as a `FlattedDict`.

    Keys are path tuples, sorted; a State reachable twice appears once. With
    one filter, the States it matches; with several, one `FlattedDict` per
    filter, each State going to the first filter that matches it. An object
    that reports its States through `__eqstate_states__` (an optimizer) is
    walked through what it reports.

    ```python
    import jax.numpy as jnp
    import eqstate
    import eqstate.optim as optim

    tree = {"a": eqstate.ParamState(jnp.zeros(2)), "b": eqstate.State(jnp.ones(()))}
    params = eqstate.graph.states(tree, eqstate.ParamState)
    assert list(params) == [("a",)] and isinstance(params, eqstate.util.FlattedDict)

    opt = optim.SGD(lr=0.1)
    opt.register_trainable_weights({"a": tree["a"]})
    assert ("step_count",) in eqstate.graph.states(opt)
    ```
    """
    found = (
        (p, x)
        for p, x in _walk(node, allowed_hierarchy, "leaf")
        if isinstance(x, State)
    )
    return _collect(found, filters)


@overload
def nodes(node: Any, *, allowed_hierarchy: tuple[int, int] = ...) -> FlattedDict: ...
@overload
def nodes(
    node: Any, filter: Filter, /, *, allowed_hierarchy: tuple[int, int] = ...
) -> FlattedDict: ...
@overload
def nodes(
    node: Any,
    filter: Filter,
    filter2: Filter,
    /,
    *filters: Filter,
    allowed_hierarchy: tuple[int, int] = ...,
) -> tuple[FlattedDict, ...]: ...
@overload
def nodes(
    node: Any, *filters: Filter, allowed_hierarchy: tuple[int, int] = ...
) -> FlattedDict | tuple[FlattedDict, ...]: ...
def nodes(
    node: Any, *filters: Filter, allowed_hierarchy: tuple[int, int] = (0, MAX_INT)
) -> FlattedDict | tuple[FlattedDict, ...]:
    """The graph nodes inside `node` (itself under `()`), as a `FlattedDict`.

    Filters as for `states`: a module class, or a `(path, node) -> bool`.

    ```python
    import eqstate

    class Leaf(eqstate.nn.Module):
        def __init__(self):
            pass

    class Root(eqstate.nn.Module):
        def __init__(self):
            self.leaf = Leaf()

    assert list(eqstate.graph.nodes(Root(), Leaf)) == [("leaf",)]
    assert list(eqstate.graph.nodes(Root(), allowed_hierarchy=(1, 1))) == [("leaf",)]
    ```
    """
    return _collect(_walk(node, allowed_hierarchy, "node"), filters)
