"""The one engine under every eqstate transform.

A transform wants to hand JAX a pure function `(state values, args) -> (out,
new state values)`. The engine provides the pieces:

- `run(fun, args, kwargs, owner, inputs)` calls the user's function inside a
  fresh `Frame` whose inputs are the given `(State, value)` pairs, and returns
  the output together with the frame, which records which other States were
  read (`missed`) and which were written;
- `Retry` is raised by a transform's pure function when the trace touched
  States the transform did not plan for; the wrapper then grows its plan
  (`Plan.grow`) and traces again. Plans only grow, so this converges, and
  transforms that cache (jit) keep the plan so later calls trace once;
- `gather` / `scatter` read the current values of planned States from the
  enclosing context and write results back to it after the JAX call.

Each transform module (`_jit.py`, `_autodiff.py`, `_vmap.py`, ...) is then a
thin layer: build the pure function from `run`, call the JAX primitive,
`scatter` the written States.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

import equinox as eqx
import jax.tree_util as jtu

from .. import _table
from .._state import State
from .._table import Dead, Frame

__all__ = ["Plan", "Retry", "gather", "run", "scatter", "speculate"]


class Retry(Exception):
    """Internal: the trace found States outside the plan; grow it and retrace."""

    def __init__(self, reads: Sequence[State] = (), writes: Sequence[State] = ()):
        super().__init__("eqstate internal retrace signal (this should not escape)")
        self.reads = tuple(reads)
        self.writes = tuple(writes)


def _is_state(x: Any) -> bool:
    return isinstance(x, State)


def _detached(state: State, value: Any) -> State:
    copy = object.__new__(type(state))
    copy._info = state._info
    copy._value = value
    return copy


def detach_states(out: Any, frame: Frame) -> Any:
    """Replace States in `out` by copies holding their in-frame values.

    JAX flattens a transformed function's output after the function returns,
    i.e. after its frame is gone; the copies carry the value with them.
    """
    leaves = jtu.tree_leaves(out, is_leaf=_is_state)
    if not any(isinstance(x, State) for x in leaves):
        return out
    with frame:
        return jtu.tree_map(
            lambda x: _detached(x, x.value) if isinstance(x, State) else x,
            out,
            is_leaf=_is_state,
        )


def run(
    fun: Callable[..., Any],
    args: Sequence[Any],
    kwargs: dict[str, Any],
    owner: str,
    inputs: Iterable[tuple[State, Any]] = (),
) -> tuple[Any, Frame]:
    """Call `fun(*args, **kwargs)` in a new frame seeded with `inputs`."""
    frame = Frame(owner, inputs)
    with frame:
        out = fun(*args, **kwargs)
    return detach_states(out, frame), frame


class Plan:
    """The States a transform passes in (`reads`) and out (`writes`).

    `writes` are passed in too (so a trace that happens not to write one can
    return it unchanged); `reads` are the read-only rest.
    """

    __slots__ = ("writes", "reads")

    def __init__(self, writes: Iterable[State] = (), reads: Iterable[State] = ()):
        self.writes: tuple[State, ...] = tuple(dict.fromkeys(writes))
        w = set(self.writes)
        self.reads: tuple[State, ...] = tuple(
            s for s in dict.fromkeys(reads) if s not in w
        )

    def grow(self, retry: Retry) -> Plan:
        return Plan(self.writes + retry.writes, self.reads + retry.reads)

    def check(self, frame: Frame, *, reads: bool = True, writes: bool = True) -> None:
        """Raise `Retry` if the frame touched States outside this plan.

        With `reads=False` only writes must be planned: States read but not
        written may stay closed-over constants of the JAX computation (loops,
        branches), which is only wrong for a computation that is cached and
        replayed with new values (jit). With `writes=False` only reads must be
        planned (jit's discovery trace records the writes instead).
        """
        planned = set(self.writes)
        new_writes = [s for s in frame.written if s not in planned] if writes else []
        missed: list[State] = []
        if reads:
            planned.update(self.reads)
            missed = [s for s in frame.missed if s not in planned]
        if missed or new_writes:
            raise Retry(missed, new_writes)

    def retrying(self, attempt: Callable[[Plan], Any]) -> Any:
        """Call `attempt(plan)`, growing the plan and calling again on `Retry`."""
        plan = self
        while True:
            try:
                return attempt(plan)
            except Retry as retry:
                plan = plan.grow(retry)

    def inputs(self, write_vals: Sequence[Any], read_vals: Sequence[Any]):
        yield from zip(self.writes, write_vals)
        yield from zip(self.reads, read_vals)


def gather(states: Sequence[State]) -> list[Any]:
    """Current values of `states` in the enclosing context (eager or a frame)."""
    if not states:
        return []
    if _table.active_frames():
        return [_table.read(s) for s in states]
    values = [s._value for s in states]
    for s, v in zip(states, values):
        if type(v) is Dead:
            _table.read(s)  # raises StateLeakError naming the State
    return values


def scatter(states: Sequence[State], values: Sequence[Any]) -> None:
    """Write a transform's results into the enclosing context."""
    frames = _table.active_frames()
    _table.commit(len(frames) - 1, zip(states, values))


def owner_name(kind: str, fun: Any) -> str:
    name = getattr(fun, "__qualname__", None) or getattr(fun, "__name__", None)
    if name is None:
        name = type(fun).__name__
    return f"eqstate.transform.{kind}({name})"


def speculate(fun: Any) -> list[State]:
    """States a function probably reads: those of the module it is, or is bound
    to, and of modules and States it names through closures or globals.

    Only a guess that saves a retrace on the first call; the trace itself
    decides what is really read and written.
    """
    roots: list[Any] = []
    target = fun
    while isinstance(target, functools_partial_types()):
        roots.extend(target.args)
        target = target.func
    if isinstance(target, eqx.Module):
        roots.append(target)
    owner = getattr(target, "__self__", None)
    if owner is not None:
        roots.append(owner)
    code = getattr(target, "__code__", None)
    if code is not None:
        for cell in getattr(target, "__closure__", None) or ():
            try:
                roots.append(cell.cell_contents)
            except ValueError:  # empty cell
                pass
        glb = getattr(target, "__globals__", {})
        for name in _code_names(code):
            if name in glb:
                roots.append(glb[name])
    found: dict[State, None] = {}
    for root in roots:
        if isinstance(root, State):
            found[root] = None
        elif isinstance(root, eqx.Module) or hasattr(root, "__eqstate_states__"):
            hook = getattr(root, "__eqstate_states__", None)
            if hook is not None:
                root = hook()
            for leaf in jtu.tree_leaves(root, is_leaf=_is_state):
                if isinstance(leaf, State):
                    found[leaf] = None
    return list(found)


def _code_names(code: Any) -> Iterable[str]:
    yield from code.co_names
    for const in code.co_consts:
        if hasattr(const, "co_names"):
            yield from _code_names(const)


def functools_partial_types() -> tuple[type, ...]:
    import functools

    return (functools.partial, jtu.Partial)
