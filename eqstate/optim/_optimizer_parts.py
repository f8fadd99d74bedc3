"""The parts of `OptaxOptimizer` that are not the class itself: `ParamStates`
(the registered weights) and the checks of what is registered and of the
gradients given to `update` (the optax side is in `_transformation.py`)."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, Literal, TypeAlias

import jax

from .._state import State
from ._base import OptimizerError

__all__ = ["ParamStates"]

Key = Any
Layout: TypeAlias = Literal["list", "dict", "nested"]
"""How the weights were registered: a list, a flat dict, or a nested dict (whose
keys are then key paths)."""


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
    as `grad_states`; the gradients then come back with the same keys. Weights
    registered as a nested dict (`{"enc": {"w": w}, "b": b}`) are listed here
    by their key paths (`("enc", "w")`, `("b",)`); `to_pytree()` nests them
    again.

    ```python
    import jax.numpy as jnp
    import eqstate
    import eqstate.optim as optim

    opt = optim.SGD(lr=0.1)
    opt.register_trainable_weights({("w",): eqstate.ParamState(jnp.ones(2))})
    assert list(opt.param_states.to_pytree()) == [("w",)]
    ```
    """

    def __init__(self, states: dict[Key, State[Any]], layout: Layout):
        self._states: dict[Key, State[Any]] = states
        self._layout: Layout = layout

    def __getitem__(self, key: Key) -> State[Any]:
        return self._states[key]

    def __iter__(self) -> Iterator[Key]:
        return iter(self._states)

    def __len__(self) -> int:
        return len(self._states)

    def to_pytree(self) -> dict[Key, Any] | list[State[Any]]:
        """A new dict `{key: State}` (a list, or a nested dict, if one was
        registered)."""
        return _as_registered(self._layout, list(self._states), self._states.values())

    def __repr__(self) -> str:
        return f"ParamStates({list(self._states)})"


_UNKNOWN_LR = (
    "current_lr is unknown: this optimizer wraps a ready optax "
    "GradientTransformation whose learning rate eqstate cannot see. Build "
    "it from the factory instead: OptaxOptimizer(optax.adam, lr=...)."
)


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


def _as_registered(layout: Layout, keys: list[Key], values: Iterable[Any]) -> Any:
    """`values` (in registration order) in the structure the weights were
    registered in: a list, a dict, or a nested dict rebuilt from key paths."""
    if layout == "list":
        return list(values)
    if layout == "dict":
        return dict(zip(keys, values))
    nested: dict[Key, Any] = {}
    for path, value in zip(keys, values):
        node = nested
        for key in path[:-1]:
            node = node.setdefault(key, {})
        node[path[-1]] = value
    return nested


def _is_branch(x: Any) -> bool:
    """A dict of weights nested in the registered dict (a State is a leaf)."""
    return isinstance(_flat_if_state_tree(x), Mapping) and not isinstance(x, State)


def _key_paths(tree: Mapping[Key, Any], prefix: tuple[Key, ...]) -> list[Any]:
    """`(key path, leaf)` pairs of a nested dict, in its order."""
    pairs: list[Any] = []
    for key, value in _flat_if_state_tree(tree).items():
        path = (*prefix, key)
        if _is_branch(value):
            if not value:
                raise OptimizerError(
                    f"register_trainable_weights: the dict at {path!r} is empty. "
                    "Leave it out, or put the States it should hold in it."
                )
            pairs.extend(_key_paths(value, path))
        else:
            pairs.append((path, value))
    return pairs


def _registered_items(
    param_states: Mapping[Key, Any] | Sequence[State[Any]],
) -> tuple[list[tuple[Key, State[Any]]], Layout]:
    """The `(key, State)` pairs to register, and the layout they came in."""
    param_states = _flat_if_state_tree(param_states)
    layout: Layout
    if isinstance(param_states, Mapping):
        if any(_is_branch(v) for v in param_states.values()):
            items, layout = _key_paths(param_states, ()), "nested"
        else:
            items, layout = list(param_states.items()), "dict"
    elif isinstance(param_states, (list, tuple)):
        items, layout = list(enumerate(param_states)), "list"
    else:
        raise OptimizerError(
            "register_trainable_weights expects a dict {path: State} (e.g. "
            f"model.states(eqstate.ParamState)), a nested dict of States, or a "
            f"list of States; got {type(param_states).__name__}."
        )
    if not items:
        raise OptimizerError(
            "register_trainable_weights got no States. Check the filter, e.g. "
            "model.states(eqstate.ParamState) finds the ParamStates of `model`."
        )
    first_key: dict[int, Key] = {}
    for key, state in items:
        if not isinstance(state, State):
            hint = (
                " Nest dicts, not lists: e.g. {'layers': {0: state0, 1: state1}}."
                if isinstance(state, (list, tuple))
                else ""
            )
            raise OptimizerError(
                f"register_trainable_weights: the entry at {key!r} is a "
                f"{type(state).__name__}, not a State.{hint}"
            )
        if id(state) in first_key:
            raise OptimizerError(
                f"register_trainable_weights: {state._describe()} is registered "
                f"twice, at {first_key[id(state)]!r} and {key!r}. Register each "
                "State once (model.states(...) already removes duplicates)."
            )
        first_key[id(state)] = key
    return items, layout


def _merged(
    params: dict[Key, State[Any]],
    layout: Layout,
    items: list[tuple[Key, State[Any]]],
    new_layout: Layout,
) -> tuple[dict[Key, State[Any]], Layout]:
    """The weights registered so far with `items` (a later registration) added.

    As in braintools 0.3.0, a State already registered is skipped and keeps
    its first key. A list adds its States after the registered ones; a flat
    dict and a nested one together become a nested dict (a flat key `k` is
    the key path `(k,)`). A new key that is taken (or, nested, is a prefix of
    a registered path or the other way round) raises, as does mixing a list
    with a dict.
    """
    if (layout == "list") != (new_layout == "list"):
        first, now = ("a list", "a dict") if layout == "list" else ("a dict", "a list")
        raise OptimizerError(
            f"register_trainable_weights: the weights were registered as {first} "
            f"before, and now as {now}; the gradients can only take one form. "
            "Register dicts each time, e.g.\n\n"
            "    optimizer.register_trainable_weights(encoder.states(eqstate.ParamState))\n"
            "    optimizer.register_trainable_weights(decoder.states(eqstate.ParamState))"
        )
    known = {id(s) for s in params.values()}
    fresh = [(key, s) for key, s in items if id(s) not in known]
    if layout == "list":
        start = len(params)
        return {**params, **{start + i: s for i, (_, s) in enumerate(fresh)}}, layout
    if layout != new_layout:
        params = {(k,) if layout == "dict" else k: s for k, s in params.items()}
        fresh = [((k,) if new_layout == "dict" else k, s) for k, s in fresh]
        layout = "nested"
    for key, state in fresh:
        taken = [
            old
            for old in params
            if old == key
            or (
                layout == "nested"
                and (old[: len(key)] == key or key[: len(old)] == old)
            )
        ]
        if taken:
            raise OptimizerError(
                f"register_trainable_weights: {state._describe()} is given at "
                f"{key!r}, but {params[taken[0]]._describe()} is already registered "
                f"at {taken[0]!r}. Give the new weights other keys, e.g. "
                "{'decoder': decoder.states(eqstate.ParamState)}."
            )
    return {**params, **dict(fresh)}, layout


def _mismatch(missing: list[Key], extra: list[Key]) -> OptimizerError:
    lines = ["optimizer.update: the gradients do not match the registered weights."]
    if missing:
        lines.append(f"  missing (registered, no gradient): {missing}")
    if extra:
        lines.append(f"  extra (a gradient for no registered weight): {extra}")
    return OptimizerError("\n".join(lines) + "\n" + _GRADS_FIX)


def _nested_grads(paths: list[tuple[Key, ...]], grads: Any) -> list[Any]:
    """The gradients for `paths` from `grads`, nested like the registered dict."""
    leaves = set(paths)
    branches = {path[:i] for path in paths for i in range(1, len(path))}
    found: dict[tuple[Key, ...], Any] = {}
    extra: list[Key] = []

    def walk(node: Any, prefix: tuple[Key, ...]) -> None:
        node = _flat_if_state_tree(node)
        if not isinstance(node, Mapping):
            raise OptimizerError(
                "optimizer.update: the weights were registered as a nested dict, "
                f"so the gradients at {prefix or 'the top'!r} must be a dict too; "
                f"got {_describe(node)}.\n" + _GRADS_FIX
            )
        for key, value in node.items():
            path = (*prefix, key)
            if path in leaves:
                found[path] = value
            elif path in branches:
                walk(value, path)
            else:
                extra.append(path)

    walk(grads, ())
    missing = [path for path in paths if path not in found]
    if missing or extra:
        raise _mismatch(missing, extra)
    return [found[path] for path in paths]


def _grads_list(params: dict[Key, State[Any]], layout: Layout, grads: Any) -> list[Any]:
    """`grads` as a list in the order of `params`, checked against its keys."""
    keys = list(params)
    if layout == "list":
        if not isinstance(grads, (list, tuple)) or len(grads) != len(keys):
            raise OptimizerError(
                f"optimizer.update: the weights were registered as a list of "
                f"{len(keys)} States, so the gradients must be a list of "
                f"{len(keys)} arrays in the same order; got {_describe(grads)}.\n"
                + _GRADS_FIX
            )
        return list(grads)
    if layout == "nested":
        return _nested_grads(keys, grads)
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
        raise _mismatch(missing, extra)
    return [grads[k] for k in keys]
