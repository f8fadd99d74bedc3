"""`UniqueStateManager`: the States of a pytree, each once, with their paths."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import jax
import jax.tree_util as jtu

from .._state import State, is_state as _is_state

__all__ = ["UniqueStateManager"]


def _key(entry: Any) -> Any:
    for attr in ("key", "idx", "name"):
        if hasattr(entry, attr):
            return getattr(entry, attr)
    return entry


def _nest(paths: Sequence[tuple[Any, ...]], leaves: Sequence[Any]) -> dict[Any, Any]:
    """Nested dicts holding `leaves` at `paths` (list indices become dict keys)."""
    out: dict[Any, Any] = {}
    for path, leaf in zip(paths, leaves):
        keys = [_key(k) for k in path]
        if not keys:
            continue
        node = out
        for k in keys[:-1]:
            node = node.setdefault(k, {})
        node[keys[-1]] = leaf
    return out


def _dotted(path: tuple[Any, ...]) -> str:
    text = ""
    for entry in path:
        if hasattr(entry, "idx"):
            text += f"[{entry.idx}]"
        else:
            part = str(_key(entry))
            text = part if not text else f"{text}.{part}"
    return text


class UniqueStateManager:
    """The States found in a pytree, each kept once (the first path wins).

    A weight reachable by two paths (tied weights) must be updated once;
    `make_unique` and `merge_with` keep the first path of every State, and
    `to_pytree` / `to_dict` give the deduplicated collection back.

    ```python
    import jax.numpy as jnp
    import eqstate
    import eqstate.optim as optim

    w = eqstate.ParamState(jnp.ones(2))
    b = eqstate.ParamState(jnp.zeros(2))
    manager = optim.UniqueStateManager({"enc": {"w": w}, "dec": {"w": w, "b": b}})
    assert manager.num_unique_states == 2
    assert sorted(manager.to_dict()) == ["dec.b", "dec.w"]
    ```

    Args:
        pytree: an initial pytree of States, or None.
    """

    def __init__(self, pytree: Any = None):
        self.flattened_states: list[tuple[Any, State[Any]]] = []
        self.seen_ids: set[int] = set()
        self.pytree_structure: Any = None
        if pytree is not None:
            self.make_unique(pytree)

    @property
    def unique_paths(self) -> list[Any]:
        """The key path of each unique State."""
        return [p for p, _ in self.flattened_states]

    @property
    def unique_states(self) -> list[State[Any]]:
        """The unique States, in order of first appearance."""
        return [s for _, s in self.flattened_states]

    def _add(self, pytree: Any) -> None:
        for path, leaf in jtu.tree_flatten_with_path(pytree, is_leaf=_is_state)[0]:
            if isinstance(leaf, State) and id(leaf) not in self.seen_ids:
                self.seen_ids.add(id(leaf))
                self.flattened_states.append((path, leaf))

    def make_unique(self, pytree: Any) -> Any:
        """Forget what was held, keep each State of `pytree` once, return them nested.

        Args:
            pytree: a pytree of States.

        Returns:
            Nested dicts of the unique States, keyed by their paths.
        """
        self.clear()
        self.pytree_structure = jax.tree.structure(pytree, is_leaf=_is_state)
        self._add(pytree)
        return self.to_pytree()

    def merge_with(self, other_pytree: Any) -> UniqueStateManager:
        """Add the States of `other_pytree` not held yet; return `self`.

        Args:
            other_pytree: a pytree of States.
        """
        self._add(other_pytree)
        return self

    def to_pytree(self) -> Any:
        """The unique States as nested dicts keyed by their paths."""
        return _nest(self.unique_paths, self.unique_states)

    def to_pytree_value(self) -> Any:
        """Like `to_pytree`, with each State's value instead of the State."""
        return _nest(self.unique_paths, [s.value for s in self.unique_states])

    def to_dict(self) -> dict[str, State[Any]]:
        """`{dotted path: State}`, e.g. `{"layer.w": ..., "items[0]": ...}`."""
        return {_dotted(p): s for p, s in self.flattened_states}

    def to_dict_value(self) -> dict[str, Any]:
        """`{dotted path: value}`."""
        return {_dotted(p): s.value for p, s in self.flattened_states}

    def get_flattened(self) -> list[tuple[Any, State[Any]]]:
        """The `(key path, State)` pairs."""
        return list(self.flattened_states)

    def get_state_by_path(self, target_path: Any) -> State[Any] | None:
        """The State at `target_path` (a JAX key path), or None.

        Args:
            target_path: a key path as in `get_flattened()`.
        """
        for path, state in self.flattened_states:
            if path == target_path:
                return state
        return None

    def update_state(self, target_path: Any, new_state: State[Any]) -> bool:
        """Replace the State at `target_path`; False if there is none.

        Args:
            target_path: a key path as in `get_flattened()`.
            new_state: the State to hold there instead.
        """
        for i, (path, old) in enumerate(self.flattened_states):
            if path == target_path:
                self.seen_ids.discard(id(old))
                self.seen_ids.add(id(new_state))
                self.flattened_states[i] = (path, new_state)
                return True
        return False

    @property
    def num_unique_states(self) -> int:
        """How many States are held."""
        return len(self.flattened_states)

    def clear(self) -> None:
        """Forget every State."""
        self.flattened_states = []
        self.seen_ids = set()
        self.pytree_structure = None

    def __len__(self) -> int:
        return len(self.flattened_states)
