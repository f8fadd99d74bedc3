"""The reference table's other half: `jit`'s calls on the eager slots.

A settled `jit` call hands the States' eager values to XLA and writes the
results back, with no frame in between (`eager_caller`). Written States'
buffers are donated when nobody else can see them (`donatable`: eqstate
produced the value, nothing has handed it out since, and only the slot holds
it, as CPython's reference count tells); anything else is copied first, in one
batch (`_copies`). A call that
fails after XLA took its donated buffers marks those States lost, so a read
names them instead of handing out a deleted array. With `_table.py`, this is
the only code that touches a State's slot.
"""

from __future__ import annotations

import operator
import sys
from collections.abc import Callable, Sequence
from time import perf_counter
from typing import TYPE_CHECKING, Any

import jax

from . import _jax_hooks
from ._table import (
    Dead,
    _local,
    _read_eager,
    read_eager_all,
    replacements as _replacements,
)

if TYPE_CHECKING:
    from ._state import State

__all__ = ["NotEager", "WroteMore", "eager_caller", "reusable"]


class NotEager(Exception):  # noqa: N818 - a signal, not an error
    """An `eager_caller` run was called inside a frame or a JAX trace."""


class WroteMore(Exception):  # noqa: N818 - a signal, not an error
    """A jitted call wrote States outside the positions it returns (a new
    trace did).

    Raised by an `eager_caller` run after everything was committed: `out` is
    the call's result, `positions` the written positions beyond the
    returned ones.
    """

    def __init__(self, out: Any, positions: list[int]):
        super().__init__(positions)
        self.out = out
        self.positions = positions


def eager_caller(
    call: Callable[..., Any],
    returned: Sequence[int],
    donated: Sequence[int],
    states: Sequence[State],
    owner: str,
    replacements: int,
    copied: Callable[[list[int], float], None],
) -> Callable[..., Any]:
    """`run(args, kwargs)`: `jit`'s call on eager State values, committing
    what it writes (the settled plan's per-call path, and each call of the
    slow path). It raises `NotEager`, having done nothing, unless `eager_now()`
    and no module replaced a State since `_table.replacements[0]` was
    `replacements` (the caller then updates its States).

    `call(*values, *args, **kwargs)` takes the States' values as leading
    arguments and returns `(out, layout, more)`: `layout[i]` is `(new value,)`
    at each position of `returned` (unwritten ones unchanged) and None
    elsewhere; `more` holds the written positions beyond them. `call` donates
    the `donated` positions (some of `returned`): a State's buffer is handed
    to XLA as it is only when nobody else can see it (see `donatable`), else
    a copy is, and `copied(positions, seconds)` is told which positions were
    copied and what the copies cost (so the caller can stop donating States
    that are routinely seen elsewhere). `run` returns `out`; it raises
    `WroteMore` (after committing) when the call wrote States outside the
    returned ones.
    """
    value_of = operator.attrgetter("_value")
    back_at = [(i, states[i]) for i in returned]
    donated_at = [(i, states[i]) for i in donated]
    getrefcount = sys.getrefcount
    buffers = _BUFFER_TYPES
    listed = _REFS_LISTED
    local, is_eager = _local, _jax_hooks.is_eager
    replaced = _replacements

    def run(args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        # (`eager_now`, inlined)
        if local.frames or not is_eager() or replaced[0] != replacements:
            raise NotEager
        values = list(map(value_of, states))
        for i, state in donated_at:
            # held by the slot and `values` alone: nobody else can see it
            if not (
                state._owned
                and type(values[i]) in buffers
                and getrefcount(values[i]) <= listed
            ):
                start = perf_counter()
                positions = _donate_safely(values, donated_at)
                if positions:  # (not when all proved donatable: pytree values)
                    copied(positions, perf_counter() - start)
                break
        try:
            if kwargs:
                out, back, more = call(*values, *args, **kwargs)
            else:  # (the common case: no dict to unpack)
                out, back, more = call(*values, *args)
        except BaseException as error:
            _after_failure(error, states, donated_at, owner)
            raise
        for i, state in back_at:
            state._value = back[i][0]
            state._owned = True
        if more:  # a new trace wrote States outside the returned ones
            _commit_at(states, more)
            raise WroteMore(out, list(more))
        return out

    return run


def _after_failure(
    error: BaseException,
    states: Sequence[State],
    donated_at: list[tuple[int, State]],
    owner: str,
) -> None:
    """A jitted call raised: name a dead State it was given, and mark the
    States whose donated buffers XLA took (their reads say what happened)."""
    if isinstance(error, TypeError):
        read_eager_all(states)  # a dead State raises StateLeakError naming it
    for _, state in donated_at:
        value = state._value
        if isinstance(value, jax.Array) and not _jax_hooks.is_tracer(value):
            if value.is_deleted():
                state._value = Dead(owner, donated=True)
                state._owned = False


def _donate_safely(values: list[Any], donated_at: list[tuple[int, State]]) -> list[int]:
    """Replace in `values` the donated values that someone else may hold
    (see `donatable`) by fresh copies, made in one batch; return their
    positions."""
    copies = []
    for i, state in donated_at:
        values[i] = None  # (a second reference would defeat `donatable`)
        if not donatable(state):
            copies.append(i)
        values[i] = state._value
    if copies:
        for i, value in zip(copies, _copies([values[i] for i in copies])):
            values[i] = value
    return copies


def _commit_at(states: Sequence[State], written: dict[int, Any]) -> None:
    """Eager slots take the values `jit` produced, by position in `states`."""
    for i, value in written.items():
        state = states[i]
        state._value = value
        state._owned = True


# Concrete array types seen by `donatable` (not tracers): the fast test above.
_BUFFER_TYPES: set[type] = set()


class _Holder:
    __slots__ = ("_value",)


def _reference_counts() -> tuple[int, int, int]:
    """What `sys.getrefcount` says, on this interpreter, of a value held only
    by a State's slot: read from the slot; as an item of the list `run`
    builds; as a container's item in a generator's loop (which references
    count, temporaries or not, differs between Python versions)."""
    holder = _Holder()
    holder._value = [object()]
    in_slot = sys.getrefcount(holder._value)
    values = [holder._value]
    in_list = sys.getrefcount(values[0])
    in_loop = max(sys.getrefcount(x) for x in holder._value)
    return in_slot, in_list, in_loop


_REFS_SLOT, _REFS_LISTED, _REFS_ITEM = _reference_counts()


def donatable(state: State) -> bool:
    """Whether the eager value of `state` can be donated to XLA as it is.

    Only when `jit` produced it (the last commit), nothing handed it out
    since (a read, a flatten, a hook: any of them may have made a new Array
    over the same buffer, such as `jax.device_put(value, device)`, which no
    reference count sees), and nothing else references it: no user variable,
    no other State, no pytree copy (CPython's reference count tells).
    Otherwise `eager_caller` donates a fresh copy, so no array a user can
    reach is ever invalidated.
    """
    # Counts taken with no local name bound to the value, compared with those
    # of a value only a slot holds (`_reference_counts`). (Wrappers around
    # this function, such as beartype's, hold the State, never the value.)
    if state._owned and sys.getrefcount(state._value) <= _REFS_SLOT:
        kind = type(state._value)
        if issubclass(kind, jax.Array) and not _jax_hooks.is_tracer(state._value):
            _BUFFER_TYPES.add(kind)
            return True
        if kind is dict or kind is list or kind is tuple:
            items = state._value.values() if kind is dict else state._value
            if all(
                isinstance(x, jax.Array) and sys.getrefcount(x) <= _REFS_ITEM
                for x in items
            ):
                return True
    if type(state._value) is Dead:
        _read_eager(state)  # raises StateLeakError naming the State
    return False


def _copies(values: list[Any]) -> list[Any]:
    """Fresh copies of State values (pytrees of arrays), in one batch.

    Arrays are copied at runtime onto the same devices and sharding,
    committed or not as they were: no XLA program (`jnp.array(x, copy=True)`
    compiles one per shape and dtype).
    """
    leaves, treedef = jax.tree_util.tree_flatten(values)
    out = [
        x if isinstance(x, jax.Array) else jax.numpy.array(x, copy=True) for x in leaves
    ]
    for committed in (True, False):  # (global arrays always are committed)
        at = [
            i
            for i, x in enumerate(leaves)
            if isinstance(x, jax.Array) and x.committed is committed
        ]
        if at:
            xs = [leaves[i] for i in at]
            where = [x.sharding for x in xs] if committed else None
            for i, y in zip(at, jax.device_put(xs, where, may_alias=False)):
                out[i] = y
    return jax.tree_util.tree_unflatten(treedef, out)


def reusable(value: Any, new_value: Any) -> bool:
    """A State's new value keeps its tree, shapes and dtypes, so XLA can
    reuse its donated buffers (`value`, `new_value`: one State's input and
    output, as `jax.stages` descriptions or as tracers inside the trace)."""
    ins, in_tree = jax.tree_util.tree_flatten(value)
    outs, out_tree = jax.tree_util.tree_flatten(new_value)
    return in_tree == out_tree and all(map(_same_aval, ins, outs))


def _same_aval(a: Any, b: Any) -> bool:
    shape_a, shape_b = getattr(a, "shape", None), getattr(b, "shape", None)
    if shape_a is None or shape_b is None:  # a Python number written
        return False
    return tuple(shape_a) == tuple(shape_b) and a.dtype == b.dtype
