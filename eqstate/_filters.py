"""The filter language used wherever States (or modules) are selected.

A filter is one of:

- a type: matches instances (`ParamState`, `Count`, a `Module` subclass), and
  `TreefyState`s of that State type (`OfType`);
- a string: matches objects whose `tag` equals it (`WithTag`);
- `True` or `...`: matches everything; `None` or `False`: nothing;
- a callable `(path, obj) -> bool`;
- a tuple or list of filters: matches when any of them does;
- `All(*filters)`, `Any(*filters)`, `Not(filter)`, `PathContains(key)`: combinations.

`Module.states`, `graph.states`, `graph.nodes` and `eqstate.util`'s dicts
accept it; the transforms take the States those return
(`grad(f, grad_states=model.states(ParamState))`), and `vmap`'s
`in_states`/`out_states` also take `(module, filter)` pairs.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Hashable
from typing import Any as _AnyType, TypeAlias, cast

from ._errors import EqstateError

__all__ = [
    "All",
    "Any",
    "Everything",
    "Filter",
    "FilterError",
    "Not",
    "Nothing",
    "OfType",
    "PathContains",
    "Predicate",
    "WithTag",
    "to_predicate",
]

Path: TypeAlias = tuple[_AnyType, ...]
Predicate: TypeAlias = Callable[[Path, _AnyType], bool]
"""A `(path, obj) -> bool` function: what every filter becomes."""
Filter: TypeAlias = _AnyType
"""Any object `to_predicate` accepts (see the module docstring)."""


class FilterError(EqstateError, TypeError):
    """An object used as a filter that the filter language does not know.

    It is also a `TypeError`, as brainstate raises for the same mistake.

    ```python
    import eqstate
    from eqstate.filters import FilterError, to_predicate

    try:
        to_predicate(3)
    except FilterError as e:
        assert "Cannot use 3 as a filter" in str(e)
    ```
    """


class WithTag:
    """Matches objects whose `tag` equals `tag`, or holds it among several (the string filter).

    ```python
    import jax.numpy as jnp
    import eqstate
    from eqstate.util import WithTag

    f = WithTag("fast")
    assert f((), eqstate.State(jnp.zeros(()), tag="fast"))
    assert not f((), eqstate.State(jnp.zeros(())))
    ```
    """

    __slots__ = ("tag",)

    tag: str

    def __init__(self, tag: str):
        if not isinstance(tag, str):
            raise FilterError(
                f"WithTag expects a str, got {type(tag).__name__} {tag!r}; "
                "write WithTag('name')."
            )
        self.tag = tag

    def __call__(self, path: Path, x: _AnyType) -> bool:
        tag = getattr(x, "tag", None)
        if isinstance(tag, (tuple, list, set, frozenset)):  # several (`add_tag`)
            return self.tag in tag
        return tag == self.tag

    def __repr__(self) -> str:
        return f"WithTag({self.tag!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, WithTag) and other.tag == self.tag

    def __hash__(self) -> int:
        return hash((WithTag, self.tag))


class PathContains:
    """Matches objects whose path contains `key`.

    ```python
    import eqstate
    from eqstate.util import PathContains

    f = PathContains("encoder")
    assert f(("encoder", "w"), None) and not f(("decoder", "w"), None)
    ```
    """

    __slots__ = ("key",)

    key: Hashable

    def __init__(self, key: Hashable):
        self.key = key

    def __call__(self, path: Path, x: _AnyType) -> bool:
        return self.key in path

    def __repr__(self) -> str:
        return f"PathContains({self.key!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PathContains) and other.key == self.key

    def __hash__(self) -> int:
        return hash((PathContains, self.key))


class OfType:
    """Matches instances of `type`, and `TreefyState`s of a State of that type.

    ```python
    import jax.numpy as jnp
    import eqstate
    from eqstate.util import OfType

    f = OfType(eqstate.ParamState)
    assert f((), eqstate.ParamState(jnp.zeros(2)))
    assert f((), eqstate.TreefyState(eqstate.ParamState, jnp.zeros(2)))
    assert not f((), eqstate.State(jnp.zeros(2)))
    ```
    """

    __slots__ = ("type",)

    type: builtins.type

    def __init__(self, type: type):
        if not isinstance(type, builtins.type):
            raise FilterError(
                f"OfType expects a class, got {type!r}; write OfType(ParamState)."
            )
        self.type = type

    def __call__(self, path: Path, x: _AnyType) -> bool:
        if isinstance(x, self.type):
            return True
        inner = getattr(x, "type", None)
        return isinstance(inner, builtins.type) and issubclass(inner, self.type)

    def __repr__(self) -> str:
        return f"OfType({self.type!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, OfType) and other.type == self.type

    def __hash__(self) -> int:
        return hash((OfType, self.type))


class _Combinator:
    __slots__ = ("predicates", "filters")

    filters: tuple[Filter, ...]
    predicates: tuple[Predicate, ...]

    def __init__(self, *filters: Filter):
        self.filters = filters
        self.predicates = tuple(to_predicate(f) for f in filters)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(map(repr, self.filters))})"

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other.predicates == self.predicates  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        try:
            return hash((type(self), self.predicates))
        except TypeError:  # a plain function or unhashable callable inside
            return hash((type(self), tuple(map(id, self.predicates))))


class All(_Combinator):
    """Matches what every one of `filters` matches.

    ```python
    import jax.numpy as jnp
    import eqstate
    from eqstate.util import All

    trainable_weights = All(eqstate.ParamState, "weight")
    assert trainable_weights((), eqstate.ParamState(jnp.zeros(2), tag="weight"))
    assert not trainable_weights((), eqstate.ParamState(jnp.zeros(2)))
    ```
    """

    def __call__(self, path: Path, x: _AnyType) -> bool:
        return builtins.all(p(path, x) for p in self.predicates)


class Any(_Combinator):
    """Matches what at least one of `filters` matches (like a tuple).

    ```python
    import jax.numpy as jnp
    import eqstate
    from eqstate.util import Any

    params_or_cache = Any(eqstate.ParamState, "cache")
    assert params_or_cache((), eqstate.State(jnp.zeros(()), tag="cache"))
    assert not params_or_cache((), eqstate.State(jnp.zeros(())))
    ```
    """

    def __call__(self, path: Path, x: _AnyType) -> bool:
        return builtins.any(p(path, x) for p in self.predicates)


class Not(_Combinator):
    """Matches what `collection_filter` does not match.

    ```python
    import jax.numpy as jnp
    import eqstate
    from eqstate.util import Not

    not_params = Not(eqstate.ParamState)
    assert not_params((), eqstate.State(jnp.zeros(())))
    ```
    """

    def __init__(self, collection_filter: Filter, /):
        super().__init__(collection_filter)

    def __call__(self, path: Path, x: _AnyType) -> bool:
        return not self.predicates[0](path, x)


class Everything:
    """Matches everything (what `True` and `...` become).

    ```python
    from eqstate.util import Everything

    assert Everything()(("any", "path"), 1.0)
    ```
    """

    def __call__(self, path: Path, x: _AnyType) -> bool:
        return True

    def __repr__(self) -> str:
        return "Everything()"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Everything)

    def __hash__(self) -> int:
        return hash(Everything)


class Nothing:
    """Matches nothing (what `None` and `False` become).

    ```python
    from eqstate.util import Nothing

    assert not Nothing()(("any", "path"), 1.0)
    ```
    """

    def __call__(self, path: Path, x: _AnyType) -> bool:
        return False

    def __repr__(self) -> str:
        return "Nothing()"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Nothing)

    def __hash__(self) -> int:
        return hash(Nothing)


_KNOWN = (_Combinator, WithTag, PathContains, OfType, Everything, Nothing)


def to_predicate(the_filter: Filter) -> Predicate:
    """Turn any filter into a `(path, obj) -> bool` predicate.

    ```python
    import jax.numpy as jnp
    import eqstate
    from eqstate.filters import to_predicate

    is_param = to_predicate(eqstate.ParamState)
    assert is_param(("w",), eqstate.ParamState(jnp.zeros(2)))
    assert not is_param(("n",), eqstate.State(jnp.zeros(2)))
    assert to_predicate("fast") == eqstate.util.WithTag("fast")
    ```

    Raises:
        FilterError: for an object that is none of the filter forms.
    """
    if isinstance(the_filter, _KNOWN):
        return cast(Predicate, the_filter)
    if the_filter is True or the_filter is Ellipsis:
        return Everything()
    if the_filter is None or the_filter is False:
        return Nothing()
    if isinstance(the_filter, type):
        return OfType(the_filter)
    if isinstance(the_filter, str):
        return WithTag(the_filter)
    if isinstance(the_filter, (tuple, list)):
        return Any(*the_filter)
    if callable(the_filter):
        return cast(Predicate, the_filter)
    raise FilterError(
        f"Cannot use {the_filter!r} as a filter. Use a type (ParamState), a tag "
        "string, True/... (all) or None (none), a `(path, obj) -> bool` callable, "
        "or a tuple of these."
    )
