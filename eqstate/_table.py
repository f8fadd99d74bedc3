"""The reference table: where every `State.value` read and write goes.

Eager code reads and writes a State's own value slot. Each active eqstate
transform pushes a `Frame` onto a thread-local stack; while it is active, reads
and writes go to the top frame, which overlays the values below it:

- a read of a State the frame has not seen yet fetches the value visible from
  the frame below (or the eager slot), caches it and records a *miss*: the
  transform learns the State is an input;
- a write stores the new value in the frame and records it as *written*: the
  transform returns it as an output and commits it to the frame below when the
  JAX computation is done;
- a State created while a frame is active is *local* to it: its value lives in
  the frame only, and its slot is marked dead, so using it after the transform
  raises `StateLeakError` instead of handing out a tracer.

The stack is thread-local, so threads driving different models never see each
other's frames. Nothing here knows about JAX transforms; `transform/_engine.py`
drives the frames.
"""

from __future__ import annotations

import operator
import sys
import threading
import weakref
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

import jax

from . import _jax_hooks
from ._errors import StateLeakError, TraceContextError

if TYPE_CHECKING:
    from ._state import State

__all__ = [
    "Dead",
    "Frame",
    "NotEager",
    "WroteMore",
    "commit",
    "create",
    "donatable",
    "eager_caller",
    "eager_now",
    "read",
    "write",
]


class Dead:
    """Marks the eager slot of a State whose value only ever lived in a trace."""

    __slots__ = ("owner",)

    def __init__(self, owner: str):
        self.owner = owner

    def __repr__(self) -> str:
        return f"<value lost when {self.owner} ended>"


_MISSING: Any = object()


class Frame:
    """One transform's view of State values while it traces a function."""

    __slots__ = ("values", "missed", "written", "created", "token", "owner")

    def __init__(self, owner: str, inputs: Iterable[tuple[State, Any]] = ()):
        self.values: dict[State, Any] = dict(inputs)
        self.missed: dict[State, None] = {}
        self.written: dict[State, None] = {}
        self.created: set[State] = set()
        self.token = _jax_hooks.current_trace_token()
        self.owner = owner

    def __enter__(self) -> Frame:
        _local.frames.append(self)
        return self

    def __exit__(self, *exc: object) -> None:
        popped = _local.frames.pop()
        assert popped is self, "eqstate frames were popped out of order"


class _Local(threading.local):
    def __init__(self) -> None:
        self.frames: list[Frame] = []


_local = _Local()


def active_frames() -> list[Frame]:
    return _local.frames


def _describe(state: State) -> str:
    return state._describe()


def _read_eager(state: State) -> Any:
    value = state._value
    if type(value) is Dead:
        raise StateLeakError(
            f"{_describe(state)} was created inside {value.owner}, so its value "
            "was a tracer that died when the transform ended.\n"
            "Create the State (or call `init_all_states`) outside the transform, "
            "or return the values you need from the transformed function."
        )
    if _jax_hooks.is_tracer(value) and _jax_hooks.is_eager():
        raise StateLeakError(
            f"{_describe(state)} holds a tracer from a JAX transform that has "
            "ended (it was probably written or unflattened inside a raw "
            "`jax.jit`/`jax.vmap`). Use `eqstate.transform.jit`/`vmap` so the "
            "value is written back as a concrete array."
        )
    return value


def _read_in(frames: list[Frame], i: int, state: State) -> Any:
    frame = frames[i]
    value = frame.values.get(state, _MISSING)
    if value is not _MISSING:
        return value
    value = _read_in(frames, i - 1, state) if i else _read_eager(state)
    frame.missed[state] = None
    frame.values[state] = value
    return value


def read_eager_all(states: Iterable[State]) -> list[Any]:
    """The eager values of `states` (the fast path of a transform's gather)."""
    values = [s._value for s in states]
    for v in values:
        if type(v) is Dead:
            for s in states:
                _read_eager(s)  # raises StateLeakError naming the dead State
    return values


def peek(state: State) -> Any:
    """The value `state` has in the current context, without recording a read
    (a `Dead` when its value died with a transform): for reprs and hooks."""
    for frame in reversed(_local.frames):
        value = frame.values.get(state, _MISSING)
        if value is not _MISSING:
            return value
    return state._value


def eager_slot(state: State) -> Any:
    """The State's eager value as stored (a `Dead`, or None before it has one)."""
    return getattr(state, "_value", None)


def read(state: State) -> Any:
    """The value of `state` as the current (innermost) context sees it."""
    frames = _local.frames
    if frames:
        return _read_in(frames, len(frames) - 1, state)
    return _read_eager(state)


_RAW_TRANSFORM_FIX = """\
Writes to a State are only kept under eqstate's own transforms. Under a raw
JAX transform (jax.jit, jax.vmap, jax.lax.scan, eqx.filter_jit, ...) the write
happens once, at trace time, and is lost. Wrap the function with the
eqstate transform instead:

    f = eqstate.transform.jit(f)       # instead of jax.jit(f)
    f = eqstate.transform.vmap(f, ...) # instead of jax.vmap(f)
    eqstate.transform.for_loop(body, xs)  # instead of jax.lax.scan(...)

Reading States under raw JAX transforms is fine."""


def _has_tracer(value: Any) -> bool:
    if _jax_hooks.is_tracer(value):
        return True
    if isinstance(value, jax.Array):
        return False
    return any(_jax_hooks.is_tracer(x) for x in jax.tree_util.tree_leaves(value))


# States built while a raw JAX transform traces (e.g. by `treefy_merge` inside
# `jax.grad`) may be written under that same trace: they are local to it.
_raw_locals: weakref.WeakKeyDictionary[State, Any] = weakref.WeakKeyDictionary()


def write(state: State, value: Any) -> None:
    """Assign `value` to `state` in the current context."""
    frames = _local.frames
    if not frames:
        if _has_tracer(value) or not _jax_hooks.is_eager():
            owner = _raw_locals.get(state)
            if owner is not None and owner == _jax_hooks.current_trace_token():
                state._value = value
                return
            raise TraceContextError(
                f"{_describe(state)} was written inside a JAX transform that "
                f"eqstate does not manage.\n{_RAW_TRANSFORM_FIX}"
            )
        if state._info.metadata:  # only States with metadata (a sharding) pay
            from .sharding._hooks import check_eager_write

            value = check_eager_write(state, value)
        state._value = value
        state._owned = False
        return
    frame = frames[-1]
    if _jax_hooks.current_trace_token() != frame.token:
        raise TraceContextError(
            f"{_describe(state)} was written inside a raw JAX transform nested in "
            f"{frame.owner}.\n{_RAW_TRANSFORM_FIX}"
        )
    frame.values[state] = value
    if state not in frame.created:
        frame.written[state] = None


def create(
    state: State, value: Any, *, copy: bool = False, eager: bool = False
) -> None:
    """Give a new State its first value; local to the top frame if one is active.

    Under a raw JAX trace (no eqstate frame), a State built from a tracer may
    be written under that same trace (`treefy_merge` inside `jax.grad`), unless
    it is a pytree `copy` that JAX unflattened: its writes would be lost.
    `eager=True` gives the State its value outside every frame (a global
    created on first use, such as the default random stream).
    """
    state._owned = False
    frames = _local.frames
    if frames and not eager:
        frame = frames[-1]
        frame.created.add(state)
        frame.values[state] = value
        state._value = Dead(frame.owner)
    else:
        state._value = value
        if not copy and _jax_hooks.is_tracer(value) and not _jax_hooks.is_eager():
            _raw_locals[state] = _jax_hooks.current_trace_token()


def commit(frame_index: int, updates: Iterable[tuple[State, Any]]) -> None:
    """Write a transform's results into the frame at `frame_index` (-1: eager).

    Used by the engine after the JAX computation returns; skips the checks of
    `write` because the values are the transform's own outputs. Eagerly
    committed values are buffers only the State holds (`_owned`), which makes
    them candidates for donation (see `donatable`).
    """
    if frame_index < 0:
        for state, value in updates:
            if _has_tracer(value):  # an eqstate transform called under a raw one
                owner = _raw_locals.get(state)
                if owner is None or owner != _jax_hooks.current_trace_token():
                    raise TraceContextError(
                        f"{_describe(state)} was written by an eqstate transform "
                        "called inside a JAX transform that eqstate does not "
                        f"manage.\n{_RAW_TRANSFORM_FIX}"
                    )
            state._value = value
            state._owned = True
        return
    frame = _local.frames[frame_index]
    values, written, created = frame.values, frame.written, frame.created
    for state, value in updates:
        values[state] = value
        if state not in created:
            written[state] = None


def eager_now() -> bool:
    """True outside every eqstate frame and every JAX trace."""
    return not _local.frames and _jax_hooks.is_eager()


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
    states: Sequence[State],
    donate: bool,
) -> Callable[..., Any]:
    """`run(args, kwargs)`: a jitted call on eager State values, committing
    what it writes; built once per plan (the per-call path of a settled
    `jit`). It raises `NotEager`, having done nothing, unless `eager_now()`.

    `call(*values, *args, **kwargs)` takes the States' values as leading
    arguments and returns `(out, layout, more)`: `layout[i]` is `(new value,)`
    at each position of `returned` (unwritten ones unchanged) and None
    elsewhere; `more` holds the written positions beyond them. With `donate`,
    `call` donates the returned positions: a State's buffer is handed to XLA
    as it is only when nobody else can see it (see `donatable`), else a copy
    is. `run` returns `out`; it raises `WroteMore` (after committing) when
    the call wrote States outside the returned ones.
    """
    value_of = operator.attrgetter("_value")
    back_at = [(i, states[i]) for i in returned]
    getrefcount = sys.getrefcount
    buffers = _BUFFER_TYPES

    local, is_eager = _local, _jax_hooks.is_eager

    def run(args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        if local.frames or not is_eager():  # (`eager_now`, inlined)
            raise NotEager
        values = list(map(value_of, states))
        if donate:
            for i, state in back_at:
                # slot + `values` + getrefcount's argument: nobody else holds it
                if not (
                    state._owned
                    and type(values[i]) in buffers
                    and getrefcount(values[i]) <= 3
                ):
                    _donate_safely(values, back_at)
                    break
        try:
            if kwargs:
                out, back, more = call(*values, *args, **kwargs)
            else:  # (the common case: no dict to unpack)
                out, back, more = call(*values, *args)
        except TypeError:
            read_eager_all(states)  # a dead State raises StateLeakError naming it
            raise
        for i, state in back_at:
            state._value = back[i][0]
            state._owned = True
        if more:  # a new trace wrote States outside the returned ones
            _commit_at(states, more)
            raise WroteMore(out, list(more))
        return out

    return run


def _donate_safely(values: list[Any], back_at: list[tuple[int, State]]) -> None:
    """Replace in `values` the donated values that someone else may hold
    (see `donatable`) by fresh copies, made in one batch."""
    copies = []
    for i, state in back_at:
        values[i] = None  # (a second reference would defeat `donatable`)
        if not donatable(state):
            copies.append(i)
        values[i] = state._value
    if copies:
        for i, value in zip(copies, _copies([values[i] for i in copies])):
            values[i] = value


def _commit_at(states: Sequence[State], written: dict[int, Any]) -> None:
    """Eager slots take the values eqstate produced, by position in `states`."""
    for i, value in written.items():
        state = states[i]
        state._value = value
        state._owned = True


# Concrete array types seen by `donatable` (not tracers): the fast test above.
_BUFFER_TYPES: set[type] = set()


def donatable(state: State) -> bool:
    """Whether the eager value of `state` can be donated to XLA as it is.

    Only when eqstate produced it (the last commit) and nothing else
    references it: no user variable, no other State, no pytree copy
    (CPython's reference count tells). Otherwise `eager_caller` donates a
    fresh copy, so no array a user can reach is ever invalidated.
    """
    # Counts taken with no local name bound to the value: the slot plus
    # getrefcount's argument; a container's item adds the container and the
    # loop name. (Wrappers around this function, such as beartype's, hold the
    # State, never the value.)
    if state._owned and sys.getrefcount(state._value) <= 2:
        kind = type(state._value)
        if issubclass(kind, jax.Array) and not _jax_hooks.is_tracer(state._value):
            _BUFFER_TYPES.add(kind)
            return True
        if kind is dict or kind is list or kind is tuple:
            items = state._value.values() if kind is dict else state._value
            if all(isinstance(x, jax.Array) and sys.getrefcount(x) <= 3 for x in items):
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
