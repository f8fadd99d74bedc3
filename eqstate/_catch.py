"""`catch_new_states`: collect the States constructed inside a `with` block."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from . import _hooks
from ._filters import Nothing, to_predicate
from ._state import State
from .typing import Filter

__all__ = ["NewStateCatcher", "catch_new_states"]


class NewStateCatcher:
    """The States built inside a `catch_new_states` block, in creation order.

    ```python
    import jax.numpy as jnp
    import eqstate

    with eqstate.catch_new_states("new") as catcher:
        a = eqstate.State(jnp.zeros(2))
    assert len(catcher) == 1 and a in catcher and catcher.get_by_tag("new") == [a]
    ```

    Args:
        state_tag: a tag added to every caught State (`add_tag`), or None.
        state_to_exclude: a filter; matching States are not caught.
    """

    def __init__(
        self, state_tag: str | None = None, state_to_exclude: Filter = Nothing()
    ):
        self.state_tag = state_tag
        self.state_to_exclude = state_to_exclude
        self._exclude = to_predicate(state_to_exclude)
        self.states: list[State[Any]] = []
        self.state_ids: set[int] = set()

    def append(self, state: State[Any]) -> None:
        """Catch `state` (once), tagging it with `state_tag`."""
        if self._exclude((), state) or id(state) in self.state_ids:
            return
        self.state_ids.add(id(state))
        self.states.append(state)
        if self.state_tag is not None:
            state.add_tag(self.state_tag)

    def get_states(self) -> list[State[Any]]:
        """The caught States."""
        return self.states

    def get_state_values(self) -> list[Any]:
        """The values of the caught States."""
        return [state.value for state in self.states]

    @property
    def values(self) -> list[Any]:
        """The values of the caught States."""
        return self.get_state_values()

    def get_by_tag(self, tag: str) -> list[State[Any]]:
        """The caught States carrying `tag`."""
        return [s for s in self.states if s.tag == tag or _has(s.tag, tag)]

    def remove(self, state: State[Any]) -> None:
        """Forget `state`."""
        if id(state) in self.state_ids:
            self.state_ids.discard(id(state))
            self.states.remove(state)

    def clear(self) -> None:
        """Forget every caught State."""
        self.state_ids.clear()
        self.states.clear()

    def __iter__(self) -> Iterator[State[Any]]:
        return iter(self.states)

    def __len__(self) -> int:
        return len(self.states)

    def __getitem__(self, index: int) -> State[Any]:
        return self.states[index]

    def __contains__(self, state: object) -> bool:
        return id(state) in self.state_ids

    def __repr__(self) -> str:
        return f"NewStateCatcher(state_tag={self.state_tag!r}, {len(self)} states)"


def _has(tags: Any, tag: str) -> bool:
    return isinstance(tags, (tuple, list, set, frozenset)) and tag in tags


@contextlib.contextmanager
def catch_new_states(
    state_tag: str | None = None, state_to_exclude: Filter = Nothing()
) -> Iterator[NewStateCatcher]:
    """Catch the States constructed inside the block (nested blocks all catch).

    ```python
    import jax.numpy as jnp
    import eqstate

    with eqstate.catch_new_states("hidden", eqstate.ParamState) as catcher:
        v = eqstate.HiddenState(jnp.zeros(3))
        w = eqstate.ParamState(jnp.ones(3))  # excluded
    assert catcher.get_states() == [v] and v.tag == "hidden" and w.tag is None
    ```

    Args:
        state_tag: a tag added to every caught State, or None.
        state_to_exclude: a filter of States not to catch.

    Yields:
        The `NewStateCatcher`.
    """
    catcher = NewStateCatcher(state_tag, state_to_exclude)
    _hooks._local.catchers.append(catcher)
    _hooks._catching[0] += 1
    _hooks._refresh()
    try:
        yield catcher
    finally:
        _hooks._local.catchers.remove(catcher)
        _hooks._catching[0] -= 1
        _hooks._refresh()
