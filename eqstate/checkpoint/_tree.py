"""Flatten a tree of States into named leaves, check values against it, write them.

Used by the checkpoint functions and by `OptaxOptimizer.load_state_dict`. A
State is transparent in a path: `{"w": State(x)}` and `{"w": x}` both give the
path `['w']`, so a tree of States and the tree of its values flatten alike.
Objects that are not pytrees but hold States (optimizers, schedules) expose
them through `__eqstate_states__()`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import jax.tree_util as jtu
import numpy as np

from .._jax_hooks import is_tracer
from .._paths import clean_keypath
from .._state import State, is_state as _is_state
from .._state_pytree import reports_states
from ._errors import CheckpointError, CheckpointMismatchError

__all__ = ["Flat", "Leaf", "Spec", "flatten", "restore", "spec_of"]


class Spec(NamedTuple):
    """What must match between a saved leaf and the leaf it is loaded into."""

    dtype: str
    shape: tuple[int, ...]

    def __str__(self) -> str:
        return f"{self.dtype}[{', '.join(map(str, self.shape))}]"


class Leaf(NamedTuple):
    path: str
    value: Any


def expand(tree: Any) -> Any:
    """Replace every object with `__eqstate_states__` by the States it reports."""
    if reports_states(tree):
        return expand(tree.__eqstate_states__())
    leaves = jtu.tree_leaves(tree, is_leaf=reports_states)
    if not any(reports_states(x) for x in leaves):
        return tree

    def stop(x: Any) -> bool:  # States stay leaves: rebuilding one would copy it
        return isinstance(x, State) or reports_states(x)

    return jtu.tree_map(
        lambda x: expand(x) if reports_states(x) else x, tree, is_leaf=stop
    )


def _keystr(keypath: Sequence[Any]) -> str:
    return jtu.keystr(clean_keypath(keypath))


def _is_saveable(x: Any) -> bool:
    return isinstance(
        x, (jax.Array, np.ndarray, np.generic, bool, int, float, complex, str)
    )


def _is_key(x: Any) -> bool:
    return isinstance(x, jax.Array) and jnp.issubdtype(x.dtype, jax.dtypes.prng_key)


def spec_of(x: Any) -> Spec:
    """The dtype and shape of a saveable leaf."""
    if isinstance(x, str):
        return Spec("str", ())
    if _is_key(x):
        return Spec(f"key<{jax.random.key_impl(x)}>", tuple(x.shape))
    arr = np.asarray(x) if not isinstance(x, jax.Array) else x
    return Spec(np.dtype(arr.dtype).name, tuple(arr.shape))


class _Slot(NamedTuple):
    """One top-level entry: a State (with its value's structure) or a plain leaf."""

    state: State | None
    treedef: Any  # of the State's value; None for a plain leaf
    originals: list[Any]  # the current leaves
    indices: list[int | None]  # position of each leaf in `Flat.leaves`, None if unsaved


class Flat(NamedTuple):
    """A flattened tree: its named saveable leaves and how to rebuild it."""

    leaves: list[Leaf]
    slots: list[_Slot]
    treedef: Any
    original: Any


def flatten(tree: Any, what: str) -> Flat:
    """Name every saveable leaf of `tree` (State values included) by its path."""
    expanded = expand(tree)
    top, treedef = jtu.tree_flatten_with_path(expanded, is_leaf=_is_state)
    leaves: list[Leaf] = []
    slots: list[_Slot] = []
    seen: dict[int, int] = {}
    for keypath, item in top:
        prefix = _keystr(keypath)
        if isinstance(item, State):
            if id(item) in seen:  # a tied State: saved and written once
                slots.append(slots[seen[id(item)]]._replace(indices=[]))
                continue
            seen[id(item)] = len(slots)
            inner, inner_def = jtu.tree_flatten_with_path(item.value)
            originals = [x for _, x in inner]
            paths = [prefix + _keystr(k) for k, _ in inner]
            slots.append(
                _Slot(item, inner_def, originals, _add(leaves, paths, originals))
            )
        else:
            slots.append(_Slot(None, None, [item], _add(leaves, [prefix], [item])))
    for leaf in leaves:
        if is_tracer(leaf.value):
            raise CheckpointError(
                f"{what}: the value at {leaf.path or '<root>'} is a JAX tracer. "
                "Checkpoints are saved and loaded eagerly: call this outside "
                "`jit`/`grad`/`vmap`, for example after the jitted train step returns."
            )
    return Flat(leaves, slots, treedef, tree)


def _add(leaves: list[Leaf], paths: list[str], values: list[Any]) -> list[int | None]:
    indices: list[int | None] = []
    for path, value in zip(paths, values):
        if _is_saveable(value):
            indices.append(len(leaves))
            leaves.append(Leaf(path, value))
        else:
            indices.append(None)
    return indices


def first_mismatch(
    target: Sequence[tuple[str, Spec]], source: dict[str, Spec], source_name: str
) -> str | None:
    """Describe the first difference between the target's leaves and the source's."""
    problems: list[str] = []
    names = set()
    for path, want in target:
        names.add(path)
        have = source.get(path)
        if have is None:
            problems.append(
                f"at {path or '<root>'}: {source_name} has no value for it "
                f"(the target holds {want})"
            )
        elif have != want:
            problems.append(
                f"at {path or '<root>'}: {source_name} holds {have}, the target {want}"
            )
    for path, have in source.items():
        if path not in names:
            problems.append(
                f"at {path or '<root>'}: {source_name} holds {have}, which the "
                "target does not have"
            )
    if not problems:
        return None
    more = f"\n({len(problems)} mismatching paths in all.)" if len(problems) > 1 else ""
    return problems[0] + more


def _convert(value: Any, like: Any) -> Any:
    """`value` (a numpy array, or a key array) in the container type of `like`."""
    if isinstance(like, jax.Array):  # a copy: written State buffers may be donated
        if not _is_key(like) and like.ndim == 0 and getattr(like, "weak_type", False):
            # keep `jnp.array(0)`-style scalars weakly typed, so jitted code
            # compiled for the old value does not retrace for the loaded one
            weak = jnp.asarray(np.asarray(value).item())
            if weak.dtype == like.dtype:
                return weak
        return jnp.array(value, copy=True)
    if isinstance(like, np.ndarray):
        return np.array(value)
    if isinstance(like, np.generic):
        return np.asarray(value)[()]
    return type(like)(np.asarray(value).item())


def restore(flat: Flat, values: Sequence[Any]) -> Any:
    """Write `values` (one per `flat.leaves`, already checked) into the tree.

    States are written in place. The tree itself is returned when every saved
    leaf sits in a State; otherwise a rebuilt tree holding the same States.
    """
    converted = [_convert(v, leaf.value) for v, leaf in zip(values, flat.leaves)]
    new_values: list[tuple[State, Any]] = []
    top: list[Any] = []
    plain_changed = False
    for slot in flat.slots:
        if slot.state is not None:
            top.append(slot.state)
            if not slot.indices:
                continue
            leaves = [
                x if i is None else converted[i]
                for x, i in zip(slot.originals, slot.indices)
            ]
            new_values.append((slot.state, jtu.tree_unflatten(slot.treedef, leaves)))
        else:
            (i,) = slot.indices
            top.append(slot.originals[0] if i is None else converted[i])
            plain_changed = plain_changed or i is not None
    for state, value in new_values:
        state.value = value
    if not plain_changed:
        return flat.original
    return jtu.tree_unflatten(flat.treedef, top)


def load_values(like: Any, values: Any, what: str) -> Any:
    """Check the tree `values` against `like` (a tree of States), then write it.

    Nothing is written if any path, shape or dtype differs.
    """
    flat = flatten(like, what)
    given = flatten(values, what)
    source = {leaf.path: spec_of(leaf.value) for leaf in given.leaves}
    problem = first_mismatch(
        [(leaf.path, spec_of(leaf.value)) for leaf in flat.leaves],
        source,
        "the state dict",
    )
    if problem is not None:
        raise CheckpointMismatchError(
            f"{what}: the state dict does not match; nothing was changed.\n{problem}\n"
            "Build the target the same way as the object whose state_dict() this is."
        )
    by_path = {leaf.path: leaf.value for leaf in given.leaves}
    return restore(flat, [by_path[leaf.path] for leaf in flat.leaves])
