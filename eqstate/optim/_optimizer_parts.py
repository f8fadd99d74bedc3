"""The parts of `OptaxOptimizer` that are not the class itself: `ParamStates`
(the registered weights), the optax building blocks (`_clips`, `_decayed`) and
the checks of what is registered and of the gradients given to `update`."""

from __future__ import annotations

import sys
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import jax
import optax

from .._state import State
from ._base import OptimizerError

__all__ = ["ParamStates"]

Key = Any


def _flat_if_state_tree(tree: Any) -> Any:
    """A `graph.StateTree` (a `util.NestedDict`) as its flat mapping, anything
    else as it is. None exists before `eqstate.util` is loaded, so optimizers
    do not load it (or `graph`) to ask."""
    dicts = sys.modules.get("eqstate.util._dicts")
    if dicts is not None and isinstance(tree, dicts.NestedDict):
        return tree.to_flat()
    return tree


_GRADS_FIX = """\
Compute the gradients for exactly the registered States, e.g.

    grads = eqstate.transform.grad(loss_fn, optimizer.param_states.to_pytree())()
    optimizer.update(grads)"""


class ParamStates(Mapping[Key, State[Any]]):
    """The weights an optimizer updates, keyed as they were registered.

    `to_pytree()` gives the dict (or list) to pass to `eqstate.transform.grad`
    as `grad_states`; the gradients then come back with the same keys.

    ```python
    import jax.numpy as jnp
    import eqstate
    import eqstate.optim as optim

    opt = optim.SGD(lr=0.1)
    opt.register_trainable_weights({("w",): eqstate.ParamState(jnp.ones(2))})
    assert list(opt.param_states.to_pytree()) == [("w",)]
    ```
    """

    def __init__(self, states: dict[Key, State[Any]], as_list: bool):
        self._states: dict[Key, State[Any]] = states
        self._as_list: bool = as_list

    def __getitem__(self, key: Key) -> State[Any]:
        return self._states[key]

    def __iter__(self) -> Iterator[Key]:
        return iter(self._states)

    def __len__(self) -> int:
        return len(self._states)

    def to_pytree(self) -> dict[Key, State[Any]] | list[State[Any]]:
        """A new dict `{key: State}` (or list, if a list was registered)."""
        if self._as_list:
            return list(self._states.values())
        return dict(self._states)

    def __repr__(self) -> str:
        return f"ParamStates({list(self._states)})"


def _clips(grad_clip_norm: float | None, grad_clip_value: float | None) -> list[Any]:
    clips: list[Any] = []
    if grad_clip_norm is not None:
        clips.append(optax.clip_by_global_norm(grad_clip_norm))
    if grad_clip_value is not None:
        clips.append(optax.clip(grad_clip_value))
    return clips


_UNKNOWN_LR = (
    "current_lr is unknown: this optimizer wraps a ready optax "
    "GradientTransformation whose learning rate eqstate cannot see. Build "
    "it from the factory instead: OptaxOptimizer(optax.adam, lr=...)."
)


def _decayed(
    weight_decay: float, tx: optax.GradientTransformation
) -> optax.GradientTransformation:
    """`tx` with the coupled L2 term `weight_decay * param` added to the gradient."""
    if weight_decay:
        return optax.chain(optax.add_decayed_weights(weight_decay), tx)
    return tx


def _has_callable(tree: dict[str, Any]) -> bool:
    return any(callable(x) for x in jax.tree.leaves(tree))


def _shape(x: Any) -> Any:
    """An array's shape; for a pytree-valued weight (`nn.Linear`'s
    `{"weight": ..., "bias": ...}`), the same tree of its leaves' shapes."""
    shape = getattr(x, "shape", None)
    return (
        jax.tree.map(lambda leaf: tuple(getattr(leaf, "shape", ())), x)
        if shape is None
        else shape
    )


def _describe(x: Any) -> str:
    if isinstance(x, Mapping):
        return f"a {type(x).__name__} with keys {list(x)}"
    if isinstance(x, (list, tuple)):
        return f"a {type(x).__name__} of length {len(x)}"
    return f"a {type(x).__name__}"


def _registered_items(
    param_states: Mapping[Key, State[Any]] | Sequence[State[Any]],
) -> tuple[list[tuple[Key, State[Any]]], bool]:
    """The `(key, State)` pairs to register, and whether a list was given."""
    param_states = _flat_if_state_tree(param_states)
    if isinstance(param_states, Mapping):
        items, as_list = list(param_states.items()), False
    elif isinstance(param_states, (list, tuple)):
        items, as_list = list(enumerate(param_states)), True
    else:
        raise OptimizerError(
            "register_trainable_weights expects a dict {path: State} (e.g. "
            f"model.states(eqstate.ParamState)) or a list of States; got "
            f"{type(param_states).__name__}."
        )
    if not items:
        raise OptimizerError(
            "register_trainable_weights got no States. Check the filter, e.g. "
            "model.states(eqstate.ParamState) finds the ParamStates of `model`."
        )
    first_key: dict[int, Key] = {}
    for key, state in items:
        if not isinstance(state, State):
            raise OptimizerError(
                f"register_trainable_weights: the entry at {key!r} is a "
                f"{type(state).__name__}, not a State."
            )
        if id(state) in first_key:
            raise OptimizerError(
                f"register_trainable_weights: {state._describe()} is registered "
                f"twice, at {first_key[id(state)]!r} and {key!r}. Register each "
                "State once (model.states(...) already removes duplicates)."
            )
        first_key[id(state)] = key
    return items, as_list


def _grads_list(params: dict[Key, State[Any]], as_list: bool, grads: Any) -> list[Any]:
    """`grads` as a list in the order of `params`, checked against its keys."""
    keys = list(params)
    if as_list:
        if not isinstance(grads, (list, tuple)) or len(grads) != len(keys):
            raise OptimizerError(
                f"optimizer.update: the weights were registered as a list of "
                f"{len(keys)} States, so the gradients must be a list of "
                f"{len(keys)} arrays in the same order; got {_describe(grads)}.\n"
                + _GRADS_FIX
            )
        return list(grads)
    grads = _flat_if_state_tree(grads)
    if not isinstance(grads, Mapping):
        raise OptimizerError(
            "optimizer.update: the weights were registered as a dict, so the "
            f"gradients must be a dict with the same keys; got {_describe(grads)}.\n"
            + _GRADS_FIX
        )
    missing = [k for k in keys if k not in grads]
    extra = [k for k in grads if k not in params]
    if missing or extra:
        lines = ["optimizer.update: the gradients do not match the registered weights."]
        if missing:
            lines.append(f"  missing (registered, no gradient): {missing}")
        if extra:
            lines.append(f"  extra (a gradient for no registered weight): {extra}")
        raise OptimizerError("\n".join(lines) + "\n" + _GRADS_FIX)
    return [grads[k] for k in keys]
