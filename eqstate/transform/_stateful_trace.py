"""What `StatefulFunction` keeps per argument signature (`Entry`), and the
trace that makes it (`trace_entry`): the engine finds the States (`retrying` +
`run_planned`); the jaxpr lists them in the order the function first
touches them, as brainstate's does.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

import jax
import jax.tree_util as jtu

from .. import _table
from .._state import State
from ._engine import Plan, gather, known, retrying, run_planned

if TYPE_CHECKING:
    from ._stateful_function import StatefulFunction

__all__ = ["Entry", "signature", "trace_entry"]


class Entry(NamedTuple):
    """One traced signature of a `StatefulFunction`."""

    jaxpr: Any  # ClosedJaxpr: (args, kwargs, State values) -> (out, new values)
    out_shapes: Any
    out_treedef: Any
    states: tuple[State[Any], ...]
    written: frozenset[State[Any]]
    known: list[State[Any]]  # the States `restore` puts back into the output
    signature: Any  # the States' shapes and dtypes when traced


def signature(values: Sequence[Any]) -> Any:
    """The tree structure, shapes and dtypes of State values (None if one is
    not an array)."""
    leaves, treedef = jtu.tree_flatten(list(values))
    try:
        return treedef, [(t.shape, t.dtype) for t in map(jax.typeof, leaves)]
    except TypeError:  # not an array (a State whose value is gone): retrace
        return None


def trace_entry(
    function: StatefulFunction,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    dynamic: tuple[Any, Any],
    arg_states: list[State[Any]],
) -> Entry:
    """Trace `function.fun` for these arguments through the engine, with
    brainstate's jaxpr layout: the arguments, then the States in the order
    the function first touches them."""
    nums, fun, owner = function.static_argnums, function.fun, function._owner
    static_kw = {k: v for k, v in kwargs.items() if k in function.static_argnames}
    order: dict[State[Any], None] = {}  # first touched, first listed

    def probe(*a: Any, **k: Any) -> Any:
        frame = _table.active_frames()[-1]  # the one `run_planned` opened
        try:
            return fun(*a, **k)
        finally:
            order.update((s, None) for s in frame.values if s not in frame.created)

    def attempt(plan: Plan) -> Entry:
        plan = Plan(plan.writes, [*plan.reads, *arg_states])
        states = (*order, *(s for s in plan.states if s not in order))
        written = frozenset(plan.writes)

        def pure(dyn: Any, dyn_kw: Any, vals: list[Any]) -> Any:
            rest = iter(dyn)
            full = [args[i] if i in nums else next(rest) for i in range(len(args))]
            by_state = dict(zip(states, vals))
            out, _, frame = run_planned(
                probe,
                owner,
                plan,
                [by_state[s] for s in plan.states],
                full,
                {**dyn_kw, **static_kw},
                arg_states,
                reads=True,
            )
            new, keep = frame.values, written if function.return_only_write else states
            return out, tuple(new[s] if s in keep else None for s in states)

        vals = gather(states, shapes_only=True)
        jaxpr, shapes = jax.make_jaxpr(
            pure, axis_env=function.axis_env, return_shape=True
        )(*dynamic, vals)
        tree = jtu.tree_structure(shapes)
        found = list(known(arg_states, plan))
        return Entry(jaxpr, shapes, tree, states, written, found, signature(vals))

    return retrying(Plan(), attempt, owner)
