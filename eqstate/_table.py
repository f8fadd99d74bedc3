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
other's frames. `transform/_engine.py` drives the frames. The table's other
half, `_table_donation.py`, is `jit`'s per-call path on the eager slots (with
safe donation); these two modules are the only code that touches a State's
slot.
"""

from __future__ import annotations

import contextlib
import threading
import weakref
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

import jax

from . import _jax_hooks
from ._errors import StateLeakError, TraceContextError

if TYPE_CHECKING:
    from ._state import State

__all__ = [
    "Dead",
    "Frame",
    "commit",
    "create",
    "eager_now",
    "framing",
    "leaf",
    "read",
    "replace",
    "replacements",
    "successor",
    "write",
]


class Dead:
    """Marks the eager slot of a State whose value is gone: it only ever lived
    in a trace, or (`donated`) it was donated to a jitted call that failed."""

    __slots__ = ("owner", "donated")

    def __init__(self, owner: str, donated: bool = False):
        self.owner = owner
        self.donated = donated

    def __repr__(self) -> str:
        if self.donated:
            return f"<value lost when {self.owner} failed>"
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
        framing.add(self)
        return self

    def __exit__(self, *exc: object) -> None:
        popped = _local.frames.pop()
        framing.discard(self)
        assert popped is self, "eqstate frames were popped out of order"


class _Local(threading.local):
    def __init__(self) -> None:
        self.frames: list[Frame] = []


_local = _Local()
# The frames active in any thread: empty means no thread is inside a frame
# (one test, cheaper than the thread-local stack, on `jit`'s per-call path).
framing: set[Frame] = set()


def active_frames() -> list[Frame]:
    return _local.frames


def _describe(state: State) -> str:
    return state._describe()


def _read_eager(state: State) -> Any:
    value = state._value
    if type(value) is Dead and value.donated:
        raise StateLeakError(
            f"{_describe(state)} lost its value: it was donated to {value.owner}, "
            "which failed while running, after XLA had taken the buffer.\n"
            "Give the State a new value (`state.value = ...`), and pass "
            "`donate=False` to `jit` if the function can fail at run time (for "
            "example in a callback) and its States must survive the failure."
        )
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
    if isinstance(value, jax.Array) and not _jax_hooks.is_tracer(value):
        _CONCRETE.add(type(value))  # learnt once per array type
    state._owned = False  # handed out: `jit` no longer donates it as it is
    return value


# Value types `read` and `write` hand over with no further check: concrete
# arrays (learnt by `_read_eager`), never tracers or `Dead`.
_CONCRETE: set[type] = set()


def _read_in(frames: list[Frame], i: int, state: State) -> Any:
    frame = frames[i]
    value = frame.values.get(state, _MISSING)
    if value is not _MISSING:
        return value
    value = _read_in(frames, i - 1, state) if i else _read_eager(state)
    frame.missed[state] = None
    frame.values[state] = value
    return value


def read_eager_all(states: Sequence[State], handed_out: bool = True) -> list[Any]:
    """The eager values of `states` (the fast path of a transform's gather);
    `handed_out=False` when only a trace sees them (their shapes)."""
    values = [s._value for s in states]
    if handed_out:
        for s in states:
            s._owned = False  # (see `_read_eager`)
    for v in values:
        if type(v) is Dead:
            for s in states:
                _read_eager(s)  # raises StateLeakError naming the dead State
    return values


@contextlib.contextmanager
def outside_frames() -> Iterator[None]:
    """Run as if no eqstate transform were active, so the States created
    inside are eager: for a module's module-level States, when the module is
    first imported inside a transform.
    """
    saved, _local.frames = _local.frames, []
    try:
        yield
    finally:
        _local.frames = saved


def peek(state: State) -> Any:
    """The value `state` has in the current context, without recording a read
    (a `Dead` when its value died with a transform): for reprs and hooks."""
    for frame in reversed(_local.frames):
        value = frame.values.get(state, _MISSING)
        if value is not _MISSING:
            return value
    state._owned = False  # handed out (see `_read_eager`)
    return state._value


def eager_slot(state: State) -> Any:
    """The State's eager value as stored (a `Dead`, or None before it has one)."""
    if not hasattr(state, "_value"):
        return None
    state._owned = False  # handed out (see `_read_eager`)
    return state._value


def read(state: State) -> Any:
    """The value of `state` as the current (innermost) context sees it."""
    if framing:
        frames = _local.frames
        if frames:
            return _read_in(frames, len(frames) - 1, state)
    value = state._value
    if type(value) in _CONCRETE:  # (the common eager read, checked below once)
        state._owned = False  # handed out (see `_read_eager`)
        return value
    return _read_eager(state)


def leaf(state: State) -> Any:
    """What flattening `state` hands out: `read(state)`, except that a State
    whose value is gone (its eager slot is `Dead` and no active frame holds a
    value for it) gives its `Dead` marker, neither raising nor recorded as
    read. equinox flattens a module to bind its methods, so a module holding
    such a State can still call `init_state` / `reset_state` to replace it;
    reading `.value` still raises, naming the State."""
    value = state._value
    if type(value) is Dead and not any(state in f.values for f in _local.frames):
        return value
    return read(state)


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
    frames = _local.frames if framing else None
    if not frames:
        if (
            type(value) in _CONCRETE
            and not state._info.metadata
            and _jax_hooks.is_eager()
        ):  # (the common eager write: the checks below pass)
            state._value = value
            state._owned = False
            return
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
        elif isinstance(value, jax.Array):  # (no tracer: checked above)
            _CONCRETE.add(type(value))  # learnt once per array type
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
    committed values are not donated as they are (they may be the user's own
    arrays, passed through an eagerly run transform); only `jit`'s outputs
    are (see `eager_caller`).
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
            state._owned = False
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


# -- replacements: a module's State set anew ---------------------------------
# An `init_state` hook run again (`init_all_states(model)`) assigns new State
# objects where the old ones were. A settled `jit` holds the States it found,
# so it would keep reading and writing the old ones, which nothing else sees
# any more: it follows `successor` instead. `replacements[0]` counts them, so
# `jit`'s per-call path notices one with a single comparison.

_successors: weakref.WeakKeyDictionary[State, State] = weakref.WeakKeyDictionary()
replacements = [0]


def replace(old: State, new: State) -> None:
    """`new` takes `old`'s place in a module (an attribute assigned anew).

    Recorded for eager assignments only: a State made inside a trace is local
    to it.
    """
    if old is new or not eager_now():
        return
    _successors.pop(new, None)  # `new` is current again (no cycles)
    _successors[old] = new
    replacements[0] += 1


def successor(state: State) -> State:
    """The State in `state`'s place now (`state` itself if none replaced it)."""
    while (new := _successors.get(state)) is not None:
        state = new
    return state
