"""The one engine under every eqstate transform.

Every transform hands JAX a pure function `(state values, args) -> (out, new
state values)` and is built from the same four steps:

1. **split**: States found in the arguments (positional, keyword, operands,
   carries, modules passed in, anywhere in the pytrees) are replaced by
   `Slot`s, pytree nodes without children, so JAX never flattens a State and
   never unflattens a copy of one. The States themselves join the plan.
2. **trace**: inside the JAX transform, `Traced.run` calls the user's
   function in a `Frame` seeded with the planned States' values, the slots
   put back to the *same* State objects. The frame records what was read and
   written; a State outside the plan raises `Retry`, and `retrying` grows the
   plan and traces again (a bounded number of times, then `PlanGrowthError`).
3. **call** the JAX primitive (`jax.jit`, `jax.vmap`, `jax.lax.scan`, ...).
4. **commit**: the written values go back to the enclosing frame (or the
   eager slots); States in the output come back as the States they were (a
   `Slot`) or, if created inside, as new States (`NewState`).

Each wrapper (`_jit.py`, `_grad.py`, `_vjp.py`, `_vmap.py`, `_loops.py`,
`_cond.py`, `_tracing.py`) is this engine plus the JAX call.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import jax.tree_util as jtu

from .. import _jax_hooks, _table
from .._errors import EqstateError
from .._state import State, is_state
from .._state_pytree import new_state
from .._table import Frame
from ._inputs import PLAIN_TYPES, unwrap

__all__ = [
    "Plan",
    "PlanGrowthError",
    "Retry",
    "gather",
    "restore",
    "run",
    "scatter",
    "split",
]

MAX_RETRIES = 16

# Users see their own frames in JAX's filtered tracebacks, not the engine's.
_jax_hooks.hide_from_tracebacks(os.path.dirname(__file__))


class Retry(BaseException):  # noqa: N818 - a signal, not an error
    """Internal: the trace found States outside the plan; grow it and retrace.

    A control-flow signal, so not an `Exception`: it leaves a trace through
    the JAX transforms on the way (`lax.scan`, `jax.jit`, ...) untouched,
    where JAX's API boundaries extract the whole stack, reading and keeping
    every frame's source file (~0.6 MB), for each `Exception` crossing them.
    """

    def __init__(self, reads: Sequence[State] = (), writes: Sequence[State] = ()):
        super().__init__("eqstate internal retrace signal (this should not escape)")
        self.reads = tuple(reads)
        self.writes = tuple(writes)


class PlanGrowthError(EqstateError):
    """A transform kept meeting new States every time it traced its function.

    Each trace of a transformed function records the States it reads and
    writes; the transform then traces again with those States as inputs. A
    function that creates *new* States on every trace and hands them to code
    outside its own trace (a global list, a cache) never settles.

    **Fix**: create the States once, outside the transformed function, or keep
    States created inside local to the call (return values, not States, to the
    outside world).

    ```python
    import eqstate

    assert issubclass(eqstate.transform.PlanGrowthError, eqstate.EqstateError)
    ```
    """


# -- slots: States inside arguments ------------------------------------------


class Slot:
    """Stands in for the `index`-th State of a split pytree."""

    __slots__ = ("index", "kind", "info")

    def __init__(self, index: int, kind: type[State[Any]], info: Any):
        self.index = index
        self.kind = kind
        self.info = info

    def __eq__(self, other: object) -> bool:
        return (
            type(other) is Slot
            and self.index == other.index
            and self.kind is other.kind
            and self.info == other.info
        )

    def __hash__(self) -> int:
        return hash((self.index, self.kind))


jtu.register_pytree_node(
    Slot, lambda s: ((), (s.index, s.kind, s.info)), lambda aux, _: Slot(*aux)
)


class NewState:
    """A State created inside a transform and returned: travels as its value."""

    __slots__ = ("kind", "info", "value")

    def __init__(self, kind: type[State[Any]], info: Any, value: Any):
        self.kind = kind
        self.info = info
        self.value = value


jtu.register_pytree_node(
    NewState,
    lambda s: ((s.value,), (s.kind, s.info)),
    lambda aux, children: NewState(aux[0], aux[1], children[0]),
)


def _is_marker(x: Any) -> bool:
    return type(x) is Slot or type(x) is NewState


def split(tree: Any, index: dict[State[Any], int]) -> Any:
    """Replace every State in `tree` by a `Slot`; new States join `index`.

    `index` maps States to their input position (the plan's States first);
    a State met twice gets one slot index, so aliasing is part of the
    skeleton's structure (and of JAX's cache key).
    """
    if type(tree) in PLAIN_TYPES:
        return tree
    leaves, treedef = jtu.tree_flatten(tree, is_leaf=is_state)
    if not any(isinstance(x, State) for x in leaves):
        return tree
    out = []
    for x in leaves:
        if isinstance(x, State):
            i = index.setdefault(x, len(index))
            x = Slot(i, type(x), x._info)
        out.append(x)
    return jtu.tree_unflatten(treedef, out)


def unsplit(tree: Any, states: Sequence[State[Any]]) -> Any:
    """Put the States back where `split` left slots (same objects)."""
    if type(tree) in PLAIN_TYPES:
        return tree
    return jtu.tree_map(
        lambda x: states[x.index] if type(x) is Slot else x, tree, is_leaf=_is_marker
    )


def export(out: Any, frame: Frame, index: dict[State[Any], int]) -> Any:
    """Inside a trace: States in a transformed function's output become a
    `Slot` (an input State) or a `NewState` carrying the in-frame value."""
    if type(out) in PLAIN_TYPES:
        return out
    leaves, treedef = jtu.tree_flatten(out, is_leaf=is_state)
    if not any(isinstance(x, State) for x in leaves):
        return out
    values = frame.values
    new = []
    for x in leaves:
        if isinstance(x, State):
            i = index.get(x)
            if i is None:
                value = values[x] if x in values else _table.read(x)
                x = NewState(type(x), x._info, value)
            else:
                x = Slot(i, type(x), x._info)
        new.append(x)
    return jtu.tree_unflatten(treedef, new)


def restore(out: Any, states: Sequence[State[Any]]) -> Any:
    """After the JAX call: slots back to the caller's States, new States built
    in the enclosing context (local to its frame, or eager)."""
    if type(out) in PLAIN_TYPES:
        return out

    def back(x: Any) -> Any:
        if type(x) is Slot:
            return states[x.index]
        if type(x) is NewState:
            return new_state(x.kind, x.info, x.value, copy=False)
        return x

    return jtu.tree_map(back, out, is_leaf=_is_marker)


# -- running the user's function in a frame ----------------------------------


def run(
    fun: Callable[..., Any],
    args: Sequence[Any],
    kwargs: dict[str, Any],
    owner: str,
    inputs: Iterable[tuple[State[Any], Any]] = (),
) -> tuple[Any, Frame]:
    """Call `fun(*args, **kwargs)` in a new frame seeded with `inputs`."""
    frame = Frame(owner, inputs)
    with frame:
        out = fun(*args, **kwargs)
    return out, frame


class Plan:
    """The States a transform passes in (`writes` first, then `reads`).

    `writes` are passed in too (so a trace that happens not to write one can
    return it unchanged); `reads` are the read-only rest.
    """

    __slots__ = ("writes", "reads", "states")

    def __init__(
        self, writes: Iterable[State[Any]] = (), reads: Iterable[State[Any]] = ()
    ):
        self.writes: tuple[State[Any], ...] = tuple(dict.fromkeys(writes))
        w = set(self.writes)
        self.reads: tuple[State[Any], ...] = tuple(
            s for s in dict.fromkeys(reads) if s not in w
        )
        self.states: tuple[State[Any], ...] = self.writes + self.reads

    def grow(self, retry: Retry) -> Plan:
        return Plan(self.writes + retry.writes, self.reads + retry.reads)

    def check(self, frame: Frame, *, reads: bool = True) -> None:
        """Raise `Retry` if the frame touched States outside this plan.

        With `reads=False` only writes must be planned: States read but not
        written may stay closed-over constants of the JAX computation (loops,
        branches), which is only wrong for a computation that is cached and
        replayed with new values (jit).
        """
        planned = set(self.writes)
        new_writes = [s for s in frame.written if s not in planned]
        missed: list[State[Any]] = []
        if reads:
            planned.update(self.reads)
            missed = [s for s in frame.missed if s not in planned]
        if missed or new_writes:
            raise Retry(missed, new_writes)

    def inputs(self, write_vals: Sequence[Any], read_vals: Sequence[Any]):
        yield from zip(self.writes, write_vals)
        yield from zip(self.reads, read_vals)


def retrying(plan: Plan, attempt: Callable[[Plan], Any], owner: str) -> Any:
    """Call `attempt(plan)`, growing the plan and calling again on `Retry`."""
    history: list[Retry] = []
    while True:
        try:
            return attempt(plan)
        except Retry as retry:
            history.append(retry)
            if len(history) > MAX_RETRIES:
                raise PlanGrowthError(_growth_message(owner, history)) from None
            plan = plan.grow(retry)


def _growth_message(owner: str, history: list[Retry]) -> str:
    seen = [s for r in history[-3:] for s in (*r.writes, *r.reads)]
    listed = "\n".join(f"    {s._describe()}" for s in dict.fromkeys(seen))
    return (
        f"{owner} met new States on each of its last {len(history)} traces, so "
        f"its plan never settled. The newest were:\n{listed}\n"
        "A function that creates States and hands them to the outside world "
        "(a global list, a cache) makes every trace see new ones. Create the "
        "States once, outside the transformed function."
    )


def run_planned(
    fun: Callable[..., Any],
    owner: str,
    plan: Plan,
    vals: Sequence[Any],
    args: Any,
    kwargs: dict[str, Any],
    arg_states: Sequence[State[Any]],
    *,
    reads: bool,
) -> tuple[Any, list[Any], Frame]:
    """Inside a JAX trace: run `fun` on split `args` with the plan's values.

    `arg_states` are the States `split` took out of `args`. Returns the
    exported output (see `known`), the new values of the plan's written
    States and the frame. Raises `Retry` for States outside the plan.
    """
    args, kwargs = unsplit((args, kwargs), arg_states)
    frame = Frame(owner, zip(plan.states, vals))
    with frame:
        try:
            out = fun(*args, **kwargs)
        except Exception:
            # A trace that failed after touching States outside the plan (e.g.
            # a closed-over value whose shape only fits once it is an input)
            # retraces with them planned; other failures are the user's.
            plan.check(frame, reads=reads)
            raise
        out = export(out, frame, known(arg_states, plan))
    plan.check(frame, reads=reads)
    return out, [frame.values[s] for s in plan.writes], frame


def known(arg_states: Sequence[State[Any]], plan: Plan) -> dict[State[Any], int]:
    """The States a transform's output may name by slot: arguments, then plan."""
    return {s: i for i, s in enumerate(dict.fromkeys([*arg_states, *plan.states]))}


def split_args(args: Any, kwargs: dict[str, Any]) -> tuple[Any, Any, list[State[Any]]]:
    """`split` for a call's `(args, kwargs)`: the skeletons and the States."""
    index: dict[State[Any], int] = {}
    args, kwargs = split((args, kwargs), index)
    return args, kwargs, list(index)


def gather(states: Sequence[State[Any]], *, shapes_only: bool = False) -> list[Any]:
    """Current values of `states` in the enclosing context (eager or a frame).

    `shapes_only`: the values only feed a trace, which sees their shapes, so
    they are not handed out (`jit` may still donate them as they are)."""
    if not states:
        return []
    if _table.active_frames():
        return [_table.read(s) for s in states]
    return _table.read_eager_all(states, handed_out=not shapes_only)


def scatter(states: Sequence[State[Any]], values: Sequence[Any]) -> None:
    """Write a transform's results into the enclosing context."""
    frames = _table.active_frames()
    _table.commit(len(frames) - 1, zip(states, values))


def owner_name(kind: str, fun: Any) -> str:
    """`eqstate.transform.<kind>(<function name>)`, as errors show it."""
    target, _ = unwrap(fun)
    name = getattr(target, "__qualname__", None) or getattr(target, "__name__", None)
    if name is None:
        name = type(target).__name__
    return f"eqstate.transform.{kind}({name})"
