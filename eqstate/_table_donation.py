"""The reference table's other half: `jit`'s calls on the eager slots.

A `jit` call hands the States' eager values to XLA and writes the results
back, with no frame in between (`eager_caller`; once a plan is settled, the
same steps unrolled into one generated function, `fast_caller`). Written States'
buffers are donated when nobody else can see them (`donatable`: eqstate
produced the value, nothing has handed it out since, and only the slot holds
it, as CPython's reference count tells); anything else is copied first, in one
batch (`_copies`). A call that
fails after XLA took its donated buffers marks those States lost, so a read
names them instead of handing out a deleted array. With `_table.py`, this is
the only code that touches a State's slot.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from time import perf_counter
from typing import TYPE_CHECKING, Any

import jax

from . import _jax_hooks
from ._table import (
    Dead,
    _read_eager,
    framing,
    read_eager_all,
    replacements as _replacements,
)

if TYPE_CHECKING:
    from ._state import State

__all__ = ["WroteMore", "eager_caller", "fast_caller", "reusable"]


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
    copied: Callable[[list[int], float], None],
) -> Callable[..., Any]:
    """`run(args, kwargs)`: `jit`'s call on eager State values, committing
    what it writes (the slow path's; the caller makes sure no frame or trace
    is active; `fast_caller` is the settled plan's common case).

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
    donated_at = [(i, states[i]) for i in donated]

    def run(args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        values = [state._value for state in states]
        if donated_at:
            start = perf_counter()
            positions = _donate_safely(values, donated_at)
            if positions:
                copied(positions, perf_counter() - start)
        try:
            out, back, more = call(*values, *args, **kwargs)
        except BaseException as error:
            _after_failure(error, states, donated_at, owner)
            raise
        _commit_at(states, {i: back[i][0] for i in returned})
        if more:  # a new trace wrote States outside the returned ones
            _commit_at(states, more)
            raise WroteMore(out, list(more))
        return out

    return run


def fast_caller(
    call: Callable[..., Any],
    returned: Sequence[int],
    donated: Sequence[int],
    states: Sequence[State],
    owner: str,
    replacements: int,
    plain: Callable[[Any], bool],
    plain_types: set[type],
    fallback: Callable[[tuple[Any, ...], dict[str, Any]], Any],
    recover: Callable[[BaseException, tuple[Any, ...], dict[str, Any]], Any],
    learn: Callable[[Any, list[int]], Any],
    finish: Callable[[Any], Any],
    returns_states: list[bool],
) -> Callable[..., Any]:
    """The settled plan's per-call path, `fast(*args, **kwargs)`: the common
    case of `eager_caller`'s `run`, as one generated function with the
    States unrolled (no loop, list or second Python frame per call: this is
    `jit`'s `__call__`).

    It handles only eager calls whose arguments hold no State and no
    keyword, with every donated State's buffer its own (`_owned`, counted
    by reference); anything else, it hands to `fallback(args, kwargs)`
    untouched. When `call` raises, it marks the States whose donated buffers
    XLA took (as `run` does) and returns `recover(error, args, kwargs)`
    (which re-raises, or retries a signal); when a new trace wrote States
    outside `returned`, it commits them and returns `learn(out, positions)`.
    Otherwise it returns `out`, or `finish(out)` once `returns_states[0]`
    (a trace returned new States).
    """
    n = len(states)
    env: dict[str, Any] = {
        "call": call,
        "plain": plain,
        "plain_types": plain_types,
        "framing": framing,
        "replaced": _replacements,
        "getrefcount": sys.getrefcount,
        "donatable": donatable,
        "fallback": fallback,
        "finish": finish,
        "returns_states": returns_states,
    }
    if _jax_hooks.EAGER_CONFIG is None:  # pragma: no cover - JAX without it
        env["is_eager"], tracing = _jax_hooks.is_eager, "not is_eager()"
    else:
        env["config"], env["eager"] = _jax_hooks.EAGER_CONFIG
        tracing = "config.value is not eager"
    donated_at = [(i, states[i]) for i in donated]

    def failed(error: BaseException, args: Any, kwargs: Any) -> Any:
        __tracebackhide__ = True
        _after_failure(error, states, donated_at, owner)
        return recover(error, args, kwargs)

    def wrote_more(out: Any, more: dict[int, Any]) -> Any:
        _commit_at(states, more)
        return learn(out, list(more))

    env["failed"], env["wrote_more"] = failed, wrote_more
    # A donated value that is one array is checked inline (bound to a local
    # name, as `_REFS_LOCAL` counts); a pytree value by `donatable`.
    single = {i for i in donated if isinstance(states[i]._value, jax.Array)}
    v = [f"v{i}" for i in range(n)]
    lines = [
        "def fast(*args, **kwargs):",
        "    __tracebackhide__ = True",
        f"    if kwargs or framing or {tracing} or replaced[0] != {replacements}:",
        "        return fallback(args, kwargs)",
        "    for a in args:",
        "        if type(a) not in plain_types and not plain(a):",
        "            return fallback(args, kwargs)",
    ]
    trees = [f"donatable(s{i})" for i in donated if i not in single]
    if trees:
        lines += [
            *_all_of(trees),
            "    if not ok:",
            "        return fallback(args, kwargs)",
        ]
    lines += [f"    {v[i]} = s{i}._value" for i in range(n)]
    owned = [
        f"s{i}._owned and getrefcount(v{i}) <= {_REFS_LOCAL}" for i in sorted(single)
    ]
    # (the values are let go before handing over: a reference of ours
    # would keep the slow path from donating them)
    release = [f"        del {', '.join(v)}"] if v else []
    if owned:
        lines += [*_all_of(owned), "    if not ok:", *release]
        lines.append("        return fallback(args, kwargs)")
    # (`layout` unpacked by position: `(new value,)` at each returned one)
    back = set(returned)
    layout = "".join(f"(n{i},), " if i in back else "_, " for i in range(n))
    lines += [
        "    try:",
        f"        out, [{layout}], more = call({''.join(x + ', ' for x in v)}*args)",
        "    except BaseException as error:",
        *release,
        "        return failed(error, args, kwargs)",
    ]
    for i in returned:
        lines.append(f"    s{i}._value = n{i}")
        if i not in single:  # (`single` ones were checked owned, and stay so)
            lines.append(f"    s{i}._owned = True")
    lines += ["    if more:", "        return wrote_more(out, more)"]
    lines += [
        "    if returns_states[0]:",
        "        return finish(out)",
        "    return out",
    ]
    # the States and the names above are the function's globals (its own)
    namespace: dict[str, Any] = {**env, **{f"s{i}": s for i, s in enumerate(states)}}
    source = "\n".join(lines)
    exec(compile(source, f"<{owner}: per-call path>", "exec"), namespace)
    return namespace["fast"]


def _all_of(tests: list[str], chunk: int = 32) -> list[str]:
    """Lines setting `ok` to the conjunction of `tests`, `chunk` terms a line
    (one long `and` chain is slow to compile)."""
    lines = []
    for start in range(0, len(tests), chunk):
        part = " and ".join(tests[start : start + chunk])
        lines.append(f"    ok = {part}" if not start else f"    ok = ok and {part}")
    return lines


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


class _Holder:
    __slots__ = ("_value",)


def _reference_counts() -> tuple[int, int, int]:
    """What `sys.getrefcount` says, on this interpreter, of a value held only
    by a State's slot: read from the slot; bound to a local name, as in
    `fast_caller`'s function; as a container's item in a generator's loop
    (which references count, temporaries or not, differs between Python
    versions)."""
    holder = _Holder()
    holder._value = [object()]
    in_slot = sys.getrefcount(holder._value)
    in_local = _local_count(holder)
    in_loop = max(sys.getrefcount(x) for x in holder._value)
    return in_slot, in_local, in_loop


def _local_count(s0: _Holder) -> int:
    v0 = s0._value
    return sys.getrefcount(v0)


_REFS_SLOT, _REFS_LOCAL, _REFS_ITEM = _reference_counts()


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
