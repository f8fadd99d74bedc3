"""The filter language used wherever States are selected.

A filter is one of:

- a State subclass: matches instances (`ParamState`, `Count`);
- a string: matches States whose `tag` metadata equals it;
- `True` or `...`: matches every State; `None` or `False`: matches none;
- a callable `(path, state) -> bool`;
- a tuple or list of filters: matches when any of them does;
- `All(*filters)`, `Any(*filters)`, `Not(filter)`: combinations.

`Module.states`, `graph.states`, `grad`'s `grad_states`, `vmap`'s
`in_states`/`out_states` and optimizers all accept it.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable
from typing import Any as _AnyType, cast

from ._state import State

__all__ = ["All", "Any", "Filter", "Not", "Predicate", "to_predicate"]

Path = tuple[_AnyType, ...]
Predicate = Callable[[Path, State[_AnyType]], bool]
Filter = _AnyType
"""Any object `to_predicate` accepts (see the module docstring)."""


class _Combinator:
    __slots__ = ("predicates", "filters")

    filters: tuple[Filter, ...]
    predicates: tuple[Predicate, ...]

    def __init__(self, *filters: Filter):
        self.filters = filters
        self.predicates = tuple(to_predicate(f) for f in filters)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(map(repr, self.filters))})"


class All(_Combinator):
    """Matches States that every one of `filters` matches.

    ```python
    import eqstate
    from eqstate.filters import All

    only_trainable_weights = All(eqstate.ParamState, "weight")
    ```
    """

    def __call__(self, path: Path, state: State[_AnyType]) -> bool:
        return builtins.all(p(path, state) for p in self.predicates)


class Any(_Combinator):
    """Matches States that at least one of `filters` matches (like a tuple).

    ```python
    import jax.numpy as jnp
    import eqstate
    from eqstate.filters import Any

    params_or_cache = Any(eqstate.ParamState, "cache")
    assert params_or_cache((), eqstate.State(jnp.zeros(()), tag="cache"))
    assert not params_or_cache((), eqstate.State(jnp.zeros(())))
    ```
    """

    def __call__(self, path: Path, state: State[_AnyType]) -> bool:
        return builtins.any(p(path, state) for p in self.predicates)


class Not(_Combinator):
    """Matches States that `filter` does not match.

    ```python
    import eqstate
    from eqstate.filters import Not

    not_params = Not(eqstate.ParamState)
    ```
    """

    def __init__(self, filter: Filter):
        super().__init__(filter)

    def __call__(self, path: Path, state: State[_AnyType]) -> bool:
        return not self.predicates[0](path, state)


def _everything(path: Path, state: State[_AnyType]) -> bool:
    return True


def _nothing(path: Path, state: State[_AnyType]) -> bool:
    return False


def to_predicate(filter: Filter) -> Predicate:
    """Turn any filter into a `(path, state) -> bool` predicate.

    ```python
    import jax.numpy as jnp
    import eqstate
    from eqstate.filters import to_predicate

    is_param = to_predicate(eqstate.ParamState)
    assert is_param(("w",), eqstate.ParamState(jnp.zeros(2)))
    assert not is_param(("n",), eqstate.State(jnp.zeros(2)))
    ```
    """
    if isinstance(filter, _Combinator):
        return cast(Predicate, filter)
    if filter is True or filter is Ellipsis:
        return _everything
    if filter is None or filter is False:
        return _nothing
    if isinstance(filter, type):
        if not issubclass(filter, State):
            raise TypeError(
                f"A type used as a State filter must subclass eqstate.State; got "
                f"{filter.__name__}."
            )
        kind = filter
        return lambda path, state: isinstance(state, kind)
    if isinstance(filter, str):
        tag = filter
        return lambda path, state: state.tag == tag
    if isinstance(filter, (tuple, list)):
        return cast(Predicate, Any(*filter))
    if callable(filter):
        return cast(Predicate, filter)
    raise TypeError(
        f"Cannot use {filter!r} as a State filter. Use a State subclass, a tag "
        "string, True/None, a `(path, state) -> bool` callable, or a tuple of these."
    )
