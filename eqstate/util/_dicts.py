"""`NestedDict` and `FlattedDict`: the two shapes of a collection of States.

A `FlattedDict` is keyed by path tuples (`("layers", 0, "w")`), a `NestedDict`
by one path entry a level. Both are dicts and pytrees, and select their
entries with the filter language (`filter`, `split`, `subset`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, TypeVar

import jax.tree_util as jtu

from .._errors import EqstateError
from .._filters import Filter, to_predicate
from ._errors import UtilTypeError
from ._pretty import (
    PrettyAttr,
    PrettyRepr,
    PrettyType,
    _render,
    yield_unique_pretty_repr_items,
)

__all__ = ["FlattedDict", "NestedDict", "PrettyDict", "flat_mapping", "nest_mapping"]

V = TypeVar("V")
PathParts = tuple[Any, ...]


class DictPathError(EqstateError, KeyError):
    """A path asked of a NestedDict / FlattedDict that it does not hold."""

    def __str__(self) -> str:  # KeyError would repr the message
        return str(self.args[0]) if self.args else ""


class FilterCoverageError(EqstateError, ValueError):
    """`split` left entries that no filter matched."""


def _sort_key(entry: Any) -> tuple[int, Any]:
    return (0, entry) if isinstance(entry, int) else (1, str(entry))


def _path_sort_key(path: PathParts) -> tuple[tuple[int, Any], ...]:
    return tuple(_sort_key(e) for e in path)


def _is_treefy(x: Any) -> bool:
    from .._treefy import TreefyState

    return isinstance(x, TreefyState)


def _leaf_value(x: Any) -> Any:
    from .._state import State

    return x.value if isinstance(x, (State,)) or _is_treefy(x) else x


def _partition(
    items: Iterable[tuple[PathParts, Any]], filters: tuple[Filter, ...]
) -> list[dict[PathParts, Any]]:
    predicates = [to_predicate(f) for f in filters]
    groups: list[dict[PathParts, Any]] = [{} for _ in filters]
    for path, value in items:
        for group, predicate in zip(groups, predicates):
            if predicate(path, value):
                group[path] = value
                break
    return groups


def _head(node: Any) -> Iterator[PrettyType]:
    yield PrettyType("", value_sep=": ", start="{", end="}")


def _attrs(node: Mapping[Any, Any]) -> Iterator[PrettyAttr]:
    for key, value in node.items():
        if isinstance(value, dict) and not isinstance(value, PrettyDict):
            value = PrettyDict(value)
        yield PrettyAttr(repr(key), value)


class PrettyDict(dict[Any, Any], PrettyRepr):
    """A dict with the pretty, one-entry-a-line repr and filter selection.

    ```python
    import jax.numpy as jnp
    import eqstate
    from eqstate.util import PrettyDict

    d = PrettyDict({"w": eqstate.ParamState(jnp.ones(2)), "n": eqstate.State(0)})
    assert list(d.filter(eqstate.ParamState)) == ["w"]
    ```
    """

    def __repr__(self) -> str:
        return _render(self)

    def __pretty_repr__(self) -> Iterator[PrettyType | PrettyAttr]:
        yield from yield_unique_pretty_repr_items(self, _head, _attrs)

    def _items(self) -> Iterable[tuple[PathParts, Any]]:
        return (((k,), v) for k, v in self.items())

    def _build(self, group: Mapping[PathParts, Any]) -> Any:
        return type(self)({p[0]: v for p, v in group.items()})

    def filter(self, *filters: Filter) -> Any:
        """The entries each filter matches (first match wins); one dict per filter."""
        if not filters:
            raise UtilTypeError(
                "filter() needs at least one filter, e.g. d.filter(ParamState)."
            )
        groups = _partition(self._items(), filters)
        built = tuple(self._build(g) for g in groups)
        return built[0] if len(filters) == 1 else built

    def subset(self, *filters: Filter) -> Any:
        """Same as `filter`."""
        return self.filter(*filters)

    def split(self, *filters: Filter) -> Any:
        """Like `filter`, but every entry must be matched (end with `...` for the rest)."""
        if not filters:
            return self
        groups = _partition(self._items(), (*filters, ...))
        if groups[-1]:
            rest = sorted(map(str, groups[-1]))
            raise FilterCoverageError(
                f"split: the filters {filters} match no filter for {len(rest)} "
                f"entries ({', '.join(rest[:5])}); add `...` as the last filter to "
                "collect the rest."
            )
        built = tuple(self._build(g) for g in groups[:-1])
        return built[0] if len(filters) == 1 else built

    def merge(self, *states: PrettyDict) -> PrettyDict:
        """This dict updated with each of `states` in turn."""
        new = type(self)(self)
        for other in states:
            new.update(other)
        return new

    def to_dict(self) -> dict[Any, Any]:
        """A plain dict copy."""
        return dict(self)

    def treefy_state(self) -> Any:
        """A copy with each State replaced by its `TreefyState`."""
        from .._treefy import to_treefy

        return jtu.tree_map(
            lambda x: to_treefy(x), self, is_leaf=lambda x: _is_state_like(x)
        )


def _is_state_like(x: Any) -> bool:
    from .._state import State

    return isinstance(x, State) or _is_treefy(x)


class _EmptyNode:
    """Marks an empty sub-dict kept by `flat_mapping(keep_empty_nodes=True)`."""

    def __repr__(self) -> str:
        return "_EmptyNode()"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _EmptyNode)

    def __hash__(self) -> int:
        return hash(_EmptyNode)


def _never(path: PathParts, value: Mapping[Any, Any]) -> bool:
    return False


def flat_mapping(
    xs: Mapping[Any, Any],
    /,
    *,
    keep_empty_nodes: bool = False,
    is_leaf: Callable[[PathParts, Mapping[Any, Any]], bool] | None = _never,
    sep: str | None = None,
) -> FlattedDict:
    """Flatten nested mappings into a `FlattedDict` keyed by path tuples.

    Args:
        xs: nested mappings.
        keep_empty_nodes: keep empty sub-mappings (as a marker value).
        is_leaf: `(path, mapping) -> bool`; True keeps that mapping as a value.
        sep: join the path entries with it into string keys instead.

    ```python
    from eqstate.util import flat_mapping

    assert dict(flat_mapping({"a": {"b": 1}, "c": 2})) == {("a", "b"): 1, ("c",): 2}
    assert dict(flat_mapping({"a": {"b": 1}}, sep="/")) == {"a/b": 1}
    ```
    """
    if not isinstance(xs, Mapping):
        raise UtilTypeError(f"flat_mapping expects a mapping, got {type(xs).__name__}.")
    out: dict[Any, Any] = {}

    def key(path: PathParts) -> Any:
        return path if sep is None else sep.join(map(str, path))

    def visit(node: Mapping[Any, Any], prefix: PathParts) -> None:
        for k, value in node.items():
            path = (*prefix, k)
            if isinstance(value, Mapping) and not (is_leaf and is_leaf(path, value)):
                if value:
                    visit(value, path)
                elif keep_empty_nodes:
                    out[key(path)] = _EmptyNode()
            else:
                out[key(path)] = value

    visit(xs, ())
    return FlattedDict(out)


def nest_mapping(xs: Any, /, *, sep: str | None = None) -> NestedDict:
    """Rebuild nested dicts from a path-keyed mapping (inverse of `flat_mapping`).

    ```python
    from eqstate.util import nest_mapping

    assert nest_mapping({("a", "b"): 1}).to_dict() == {"a": {"b": 1}}
    assert nest_mapping({"a/b": 1}, sep="/").to_dict() == {"a": {"b": 1}}
    ```
    """
    items = xs.items() if isinstance(xs, Mapping) else xs
    root: dict[Any, Any] = {}
    for path, value in items:
        if sep is not None:
            path = tuple(path.split(sep))
        elif not isinstance(path, tuple):
            path = (path,)
        if not path:
            raise DictPathError(
                "nest_mapping: an empty path () cannot be nested; give each entry a path of one key or more."
            )
        node = root
        for entry in path[:-1]:
            child = node.setdefault(entry, {})
            if not isinstance(child, dict):
                raise DictPathError(
                    f"nest_mapping: {path!r} goes through {entry!r}, which already "
                    "holds a value; a path cannot be both a value and a sub-dict."
                )
            node = child
        if not isinstance(value, _EmptyNode):
            node[path[-1]] = value
        else:
            node.setdefault(path[-1], {})
    return NestedDict(root)


class NestedDict(PrettyDict):
    """A dict of dicts keyed by one path entry a level; a pytree.

    ```python
    import jax.numpy as jnp
    import eqstate
    from eqstate.util import NestedDict

    tree = NestedDict({"enc": {"w": eqstate.ParamState(jnp.ones(2))}, "n": 0})
    assert list(tree.to_flat()) == [("enc", "w"), ("n",)]
    params, rest = tree.split(eqstate.ParamState, ...)
    assert list(params.to_flat()) == [("enc", "w")] and rest.to_dict() == {"n": 0}
    ```
    """

    def _items(self) -> Iterable[tuple[PathParts, Any]]:
        return self.to_flat().items()

    def _build(self, group: Mapping[PathParts, Any]) -> NestedDict:
        return nest_mapping(group)

    def to_flat(self) -> FlattedDict:
        """The `{path tuple: value}` view."""
        return flat_mapping(self)

    @classmethod
    def from_flat(
        cls, flat_dict: Mapping[PathParts, Any] | Iterable[tuple[PathParts, Any]]
    ) -> NestedDict:
        """Build from `{path tuple: value}` entries."""
        return cls(nest_mapping(flat_dict))

    def filter(self, *filters: Filter) -> Any:
        """The entries each filter matches (first match wins); one NestedDict per filter."""
        return super().filter(*filters)

    def split(self, *filters: Filter) -> Any:
        """Like `filter`, but every entry must be matched (end with `...`)."""
        return super().split(*filters)

    @staticmethod
    def merge(*states: Any) -> NestedDict:  # type: ignore[override]
        """One NestedDict with the entries of all `states` (later ones win)."""
        flat: dict[PathParts, Any] = {}
        for state in states:
            flat.update(
                state.to_flat()
                if isinstance(state, NestedDict)
                else flat_mapping(state)
            )
        return nest_mapping(flat)

    def to_pure_dict(self) -> dict[str, Any]:
        """Plain nested dicts, each `TreefyState` replaced by its value."""
        flat = {p: v.value if _is_treefy(v) else v for p, v in self.to_flat().items()}
        return nest_mapping(flat).to_dict()

    def to_dict(self) -> dict[Any, Any]:
        """Plain nested dicts."""

        def plain(node: Mapping[Any, Any]) -> dict[Any, Any]:
            return {k: plain(v) if isinstance(v, dict) else v for k, v in node.items()}

        return plain(self)

    def replace_by_pure_dict(
        self,
        pure_dict: dict[str, Any],
        replace_fn: Callable[[Any, Any], Any] | None = None,
    ) -> None:
        """Put the values of `pure_dict` (same nesting) into this dict's entries.

        States get the new value written; `TreefyState`s are replaced by copies
        with it; other entries are replaced. `replace_fn(old, new)` overrides that.
        """
        flat = self.to_flat()
        for path, value in flat_mapping(pure_dict).items():
            if path not in flat:
                raise DictPathError(
                    f"replace_by_pure_dict: this NestedDict has no entry at {path!r}; "
                    f"its paths are {sorted(flat, key=_path_sort_key)}."
                )
            old = flat[path]
            node: Any = self
            for entry in path[:-1]:
                node = node[entry]
            node[path[-1]] = (
                _replace(old, value) if replace_fn is None else replace_fn(old, value)
            )


def _replace(old: Any, value: Any) -> Any:
    from .._state import State

    if isinstance(old, State):
        old.value = value
        return old
    if _is_treefy(old):
        return old.replace(value)
    return value


class FlattedDict(PrettyDict):
    """A dict keyed by path tuples (what `states()` returns); a pytree.

    ```python
    import jax.numpy as jnp
    import eqstate

    class Net(eqstate.nn.Module):
        def __init__(self):
            self.w = eqstate.ParamState(jnp.ones(2))
            self.n = eqstate.State(jnp.array(0))

    states = Net().states()
    assert list(states) == [("n",), ("w",)]
    assert list(states.filter(eqstate.ParamState)) == [("w",)]
    assert states.to_nest()["w"].value.shape == (2,)
    assert states.to_dict_values()[("n",)] == 0
    ```
    """

    def _items(self) -> Iterable[tuple[PathParts, Any]]:
        return self.items()

    def _build(self, group: Mapping[PathParts, Any]) -> FlattedDict:
        return FlattedDict(group)

    def filter(self, first: Filter, /, *filters: Filter) -> Any:  # type: ignore[override]
        """The entries each filter matches (first match wins); one FlattedDict per filter."""
        return super().filter(first, *filters)

    def split(self, first: Filter, /, *filters: Filter) -> Any:  # type: ignore[override]
        """Like `filter`, but every entry must be matched (end with `...`)."""
        return super().split(first, *filters)

    def to_nest(self) -> NestedDict:
        """The nested view."""
        return nest_mapping(self)

    @classmethod
    def from_nest(
        cls, nested_dict: Mapping[Any, Any] | Iterable[tuple[Any, Any]]
    ) -> FlattedDict:
        """Build from nested dicts."""
        return cls(flat_mapping(dict(nested_dict)))

    @staticmethod
    def merge(*states: Any) -> FlattedDict:  # type: ignore[override]
        """One FlattedDict with the entries of all `states` (NestedDicts flattened)."""
        out = FlattedDict()
        for state in states:
            out.update(state.to_flat() if isinstance(state, NestedDict) else state)
        return out

    def to_dict_values(self) -> dict[PathParts, Any]:
        """`{path: value}`, States and TreefyStates replaced by their values."""
        return {path: _leaf_value(v) for path, v in self.items()}

    def assign_dict_values(self, data: dict[PathParts, Any]) -> None:
        """Write each `{path: value}` of `data` into the entry at that path."""
        missing = [p for p in data if p not in self]
        if missing:
            raise DictPathError(
                f"assign_dict_values: no entry at {missing[0]!r} ({len(missing)} "
                f"unknown path(s)); the paths are {sorted(self, key=_path_sort_key)}."
            )
        for path, value in data.items():
            self[path] = _replace(self[path], value)


def _nested_flatten_with_keys(
    d: Mapping[Any, Any],
) -> tuple[list[tuple[Any, Any]], tuple[Any, ...]]:
    keys = tuple(sorted(d, key=_sort_key))
    return [(jtu.DictKey(k), d[k]) for k in keys], keys


def _flat_flatten_with_keys(
    d: FlattedDict,
) -> tuple[list[tuple[Any, Any]], tuple[Any, ...]]:
    keys = tuple(sorted(d, key=_path_sort_key))
    return [(jtu.DictKey(k), d[k]) for k in keys], keys


jtu.register_pytree_with_keys(
    NestedDict,
    _nested_flatten_with_keys,
    lambda keys, values: NestedDict(zip(keys, values)),
)
jtu.register_pytree_with_keys(
    FlattedDict,
    _flat_flatten_with_keys,
    lambda keys, values: FlattedDict(zip(keys, values)),
)
jtu.register_pytree_with_keys(
    PrettyDict,
    _nested_flatten_with_keys,
    lambda keys, values: PrettyDict(zip(keys, values)),
)
