"""`OptimState` and the helpers that keep optax's state in States."""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp

from .._state import is_state as _is_state
from .._state_kinds import LongTermState

__all__ = ["OptimState", "assign_values", "state_tree", "tree_values"]


class OptimState(LongTermState[Any]):
    """State owned by an optimizer or a schedule: moments, counters, positions.

    A `LongTermState`, so it persists across runs and is saved by
    `eqstate.checkpoint.save` together with the optimizer.

    ```python
    import jax.numpy as jnp
    import eqstate.optim as optim

    count = optim.OptimState(jnp.zeros((), jnp.int32), name="count")
    assert int(count.value) == 0
    ```
    """


def state_tree(tree: Any, name: str) -> Any:
    """`tree` with each array leaf in its own `OptimState` (named by its path).

    One State per array (rather than one State holding the whole pytree)
    keeps every optimizer value a plain array for the transforms and gives
    checkpoints a path per array. Each array is copied: optax's `init` may
    return one buffer at two places (or the parameters themselves, as L-BFGS
    does), and two States must never share a buffer.
    """

    def own(path: Any, x: Any) -> OptimState:
        value = jnp.array(x, copy=True) if isinstance(x, jax.Array) else x
        return OptimState(value, name=name + jax.tree_util.keystr(path))

    return jax.tree_util.tree_map_with_path(own, tree)


def tree_values(tree: Any) -> Any:
    """The values of the States in a `state_tree`, in the same structure."""
    return jax.tree.map(lambda s: s.value, tree, is_leaf=_is_state)


def assign_values(tree: Any, values: Any) -> None:
    """Write `values` (structured like `tree`) into the States of `tree`."""
    states = jax.tree.leaves(tree, is_leaf=_is_state)
    for state, value in zip(states, jax.tree.leaves(values), strict=True):
        state.value = value
