"""`JitWrapper`, what `jit` returns: the engine's pure function under
`jax.jit`, with safe donation.

A call gathers the values of the plan's States (those the function reaches
by closure, found by `speculate` and grown on `Retry`) and of the States in
its arguments (`split` into slots), and calls the traced function
(`traced_function`: State values and arguments in; the output and the new
values out, with nothing leaving the trace through a side channel) under
`jax.jit`. Eager calls learn which States are written by tracing
(`jax.jit(...).trace`, no compile) on the first call; the `jax.jit` that
donates those positions (`Donation` says which, and when to stop) then finds
the trace in JAX's cache, so the user's function is traced once. Only buffers
nobody else can see are donated as they are (`eqstate._table_donation`). Once
a plan settles, a call with State-free arguments is one generated function
(`fast_caller`): `JitWrapper.__call__` is that function itself, with no frame
of ours around it. A State whose shape changes with new argument shapes stops
being donated (`Undonatable`). Inside another transform, `jit` calls a second
function object that returns exactly what it writes and donates nothing (the
two never share a JAX trace cache).
"""

from __future__ import annotations

import functools
import operator
import threading
import types
import weakref
from collections.abc import Callable, Sequence
from time import perf_counter
from typing import TYPE_CHECKING, Any, Generic, ParamSpec, TypeVar

import jax

from .. import _table
from .._state import State
from .._table_donation import WroteMore, eager_caller, fast_caller
from ._engine import (
    Plan,
    Retry,
    gather,
    owner_name,
    restore,
    retrying,
    scatter,
    split,
)
from ._inputs import PLAIN_TYPES, plain, plain_args, speculate
from ._jit_binding import alike, bind
from ._jit_donation import Donation
from ._jit_options import JitOptions, static_arguments
from ._jit_traced import Undonatable, traced_function

__all__ = ["JitWrapper"]

P = ParamSpec("P")
R = TypeVar("R")


class JitWrapper(Generic[P, R]):
    """The callable `jit` returns; see `jit`."""

    def __init__(
        self,
        fun: Callable[P, R],
        static_argnums: int | Sequence[int],
        static_argnames: str | Sequence[str],
        donate: bool,
        options: JitOptions | None = None,
    ):
        self.fun = fun
        nums, names = static_arguments(fun, static_argnums, static_argnames)
        self.static_argnums: tuple[int, ...] = nums
        self.static_argnames: tuple[str, ...] = names
        self.donate = donate
        self.options = options or JitOptions()
        self.owner: str = owner_name("jit", fun)
        self._name: str = self.options.lowered_name(fun)
        self._plan = Plan(reads=speculate(fun))
        # Per thread: the States of the call being traced (two threads may
        # trace the same function at once).
        self._current: dict[int, Sequence[State[Any]]] = {}
        # Per live instance (by id): the method bound to it (see `__get__`).
        self._bound: dict[int, tuple[weakref.ref[Any], JitWrapper[..., R]]] = {}
        # whether a trace returned new States (one flag the generated
        # per-call path shares: a new trace inside it may set it)
        self._returns_states: list[bool] = [False]
        self._replacements = _table.replacements[0]  # as of the plan's States
        self._reset()
        functools.update_wrapper(self, fun, updated=())  # type: ignore[arg-type]

    def _reset(self) -> None:
        """A new plan: new traced functions (their inputs changed)."""
        self._unsettle()
        # Per number of State inputs: the positions eager calls return (and
        # donate), and the eager jit.
        self._masks: dict[int, tuple[int, ...]] = {}
        self._eager: dict[int, tuple[Any, tuple[int, ...], tuple[int, ...]]] = {}
        self._nested: dict[int, Any] = {}  # per number of States: the nested jit
        self._donation = Donation(self.donate)
        self._flat = traced_function(self, masked=True)
        self._flat_nested = traced_function(self, masked=False)

    # -- calling -------------------------------------------------------------

    if TYPE_CHECKING:

        def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R: ...

    else:
        # The call is `self._fast` itself (no frame of ours in between): the
        # settled plan's generated per-call path (`fast_caller`), which hands
        # anything unusual to `_call`, or `_entry` before the plan settles.
        __call__ = property(operator.attrgetter("_fast"))

    def _entry(self, *args: Any, **kwargs: Any) -> Any:
        __tracebackhide__ = True
        return self._call(args, kwargs)

    def _settle(self, entry: Any, states: Sequence[State[Any]]) -> None:
        """Calls with State-free arguments take `entry` (the eager jit for
        the plan's States) through a generated function from now on."""
        call, mask, donated = entry
        self._fast = fast_caller(
            call,
            mask,
            donated,
            states,
            self.owner,
            self._replacements,
            plain,
            PLAIN_TYPES,
            self._call,
            self._recover,
            functools.partial(self._learnt, len(states), states),
            functools.partial(restore, states=states),
            self._returns_states,
        )
        self._settled = entry

    def _unsettle(self) -> None:
        self._fast: Callable[..., Any] = self._entry
        self._settled: Any = None

    def _recover(self, error: BaseException, args: Any, kwargs: Any) -> Any:
        """A settled call raised `error`: a signal from a new trace (new
        argument shapes) is answered by the slow path; anything else raises."""
        __tracebackhide__ = True
        if isinstance(error, Retry):  # new argument shapes met new States
            self._plan = self._plan.grow(error)
            self._reset()
        elif isinstance(error, Undonatable):  # ... or changed a donated shape
            self._stop_donating(len(self._plan.states), error.positions)
        else:
            raise error
        return self._call(args, kwargs)

    def _learnt(self, n: int, states: Any, out: Any, positions: list[int]) -> Any:
        """A new trace wrote (and the call committed) States outside the
        returned positions: return them from now on."""
        self._learn(n, positions)
        return restore(out, states) if self._returns_states[0] else out

    def _call(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        __tracebackhide__ = True
        return self._retrying(args, kwargs, self._call_once)

    def _retrying(self, args: Any, kwargs: Any, once: Callable[..., Any]) -> Any:
        """`once(states, args, kwargs, state_free)`, the States split out of
        the arguments (`state_free`: there were none), growing the plan on
        `Retry`."""
        __tracebackhide__ = True
        if self._replacements != _table.replacements[0]:
            self._follow_replacements()

        def attempt(plan: Plan) -> Any:
            if plan is not self._plan:  # grown: new traced functions
                self._plan = plan
                self._reset()
            state_free = plain_args(args, kwargs)
            if state_free:
                states, a, k = plan.states, args, kwargs
            else:
                index = {s: i for i, s in enumerate(plan.states)}
                a, k = split((args, kwargs), index)
                states = tuple(index)
            thread = threading.get_ident()
            outer = self._current.get(thread)  # (a recursive call's)
            self._current[thread] = states
            try:
                return once(states, a, k, state_free)
            finally:
                if outer is None:
                    del self._current[thread]
                else:
                    self._current[thread] = outer

        return retrying(self._plan, attempt, self.owner)

    def _call_once(
        self, states: Sequence[State[Any]], args: Any, kwargs: Any, state_free: bool
    ) -> Any:
        n = len(states)
        if _table.eager_now():
            new, start = n not in self._eager, perf_counter()
            entry = self._eager_entry(states, args, kwargs)
            call, mask, donated = entry
            run = eager_caller(
                call,
                mask,
                donated,
                states,
                self.owner,
                functools.partial(self._copied, n),
            )
            try:
                out = run(args, kwargs)
            except WroteMore as more:
                self._learn(n, more.positions)
                out = more.out
            except Undonatable as signal:
                self._stop_donating(n, signal.positions)
                return self._call_once(states, args, kwargs, state_free)
            else:
                if new:  # (what building a jit for `n` States costs)
                    self._donation.built(n, perf_counter() - start)
                # The plan's States alone: the fast path's inputs (unless the
                # call stopped donating some of them: a new jit next time).
                if state_free and self._eager.get(n) is entry:
                    if self._settled is not entry:
                        self._settle(entry, states)
        else:  # inside another transform: no donation, exactly what it writes
            nested = self._nested.get(n)
            if nested is None:
                nested = self._nested[n] = self._jitted(self._flat_nested, n, ())
            out, layout, _ = nested(*gather(states), *args, **kwargs)
            back = [i for i, x in enumerate(layout) if x is not None]
            scatter([states[i] for i in back], [layout[i][0] for i in back])
        return restore(out, states) if self._returns_states[0] else out

    def _eager_entry(
        self, states: Sequence[State[Any]], args: Any, kwargs: Any
    ) -> tuple[Any, tuple[int, ...], tuple[int, ...]]:
        """The jit for eager calls with these many States, the positions it
        returns (the written ones) and those it donates (the returned ones
        whose shape and dtype do not change), learnt by tracing (no compile);
        the call then finds the trace in JAX's cache."""
        n = len(states)
        entry = self._eager.get(n)
        if entry is None:
            jitted = self._jitted(self._flat, n, ())
            traced = jitted.trace(*gather(states, shapes_only=True), *args, **kwargs)
            layout = traced.out_info[1]
            mask = tuple(i for i, x in enumerate(layout) if x is not None)
            self._masks[n] = mask
            donated = self._donation.positions(n, traced, mask)
            if donated:
                jitted = self._jitted(self._flat, n, donated)
            entry = self._eager[n] = (jitted, mask, donated)
        return entry

    def _follow_replacements(self) -> None:
        """Put in the plan the States modules assigned in place of its own
        (an `init_state` hook run again), as the function would reach them
        if traced now. A new State like the old (kind, name, metadata, no
        hooks of its own) takes the old one's position in the traced
        functions; any other difference traces anew."""
        self._replacements = _table.replacements[0]
        old = self._plan
        new = Plan(map(_table.successor, old.writes), map(_table.successor, old.reads))
        if new.states == old.states:
            return
        self._plan = new
        if len(new.states) == len(old.states) and all(
            map(alike, old.states, new.states)
        ):
            self._unsettle()  # the next call settles on the new States
        else:
            self._reset()

    def _learn(self, n: int, positions: list[int]) -> None:
        """A trace wrote States outside the returned positions: return (and
        donate) them from now on. Earlier traces return only the old
        positions, so the traced function is a new one (traces again once per
        argument shape)."""
        self._masks[n] = tuple(sorted({*self._masks.get(n, ()), *positions}))
        self._eager.clear()
        self._unsettle()
        self._flat = traced_function(self, masked=True)

    def _copied(self, n: int, positions: list[int], seconds: float) -> None:
        """A call copied the donated States at `positions` (someone else
        could see their buffers): stop donating them once the copies have
        cost what building the jit did (see `Donation`)."""
        if self._donation.copied(n, seconds):
            self._stop_donating(n, set(positions))

    def _stop_donating(self, n: int, positions: set[int]) -> None:
        """Rebuild the jit for `n` States without donating the written States
        at `positions`: their shape or dtype changed with new argument shapes
        (XLA could not reuse their buffers), or they are routinely seen
        elsewhere (`_copied`)."""
        self._donation.stop(n, positions)
        self._eager.pop(n, None)
        self._unsettle()

    def _jitted(self, flat: Any, n: int, donate_at: tuple[int, ...]) -> Any:
        """`jax.jit` of a flat function for `n` States, donating `donate_at`."""
        kwargs = self.options.jax_kwargs(n, 2)
        kwargs["donate_argnums"] = (*donate_at, *kwargs.get("donate_argnums", ()))
        return jax.jit(
            flat,
            static_argnums=tuple(i + n if i >= 0 else i for i in self.static_argnums),
            static_argnames=self.static_argnames,
            **kwargs,
        )

    def __get__(self, instance: Any, owner: Any = None) -> Any:
        """A method bound to `instance`: the jit of `instance.method`, made
        once per live instance (like `jit(model.method)`, it finds the
        instance's States as closed-over ones, so a call costs what
        `jit(model)`'s does; each instance traces once). It holds the
        instance weakly: dropping the instance frees it and its States."""
        if instance is None:
            return self
        return bind(self._bound, instance, self.fun, self._rebound, self)

    def _rebound(
        self, method: Callable[..., Any], bound_method: types.MethodType
    ) -> JitWrapper[..., Any]:
        """The jit of `method`, this one's function on an instance."""
        bound = JitWrapper(
            method,
            tuple(i - 1 if i > 0 else i for i in self.static_argnums if i != 0),
            self.static_argnames,
            self.donate,
            self.options,
        )
        # the States the instance holds, as for a bound method (no retrace)
        bound._plan = Plan(reads=speculate(bound_method))
        return bound

    # -- ahead of time (no State changes) ----------------------------------

    @property
    def origin_fun(self) -> Callable[P, R]:
        """The function `jit` compiles (brainstate's name for it)."""
        return self.fun

    def trace(self, *args: P.args, **kwargs: P.kwargs) -> jax.stages.Traced:
        """Trace for these arguments (like `jax.jit(...).trace`), without
        running anything: the States it reads and writes are the leading
        inputs of the traced computation."""

        def trace_once(states: Any, a: Any, k: Any, state_free: bool) -> Any:
            call = self._eager_entry(states, a, k)[0]
            return call.trace(*gather(states, shapes_only=True), *a, **k)

        return self._retrying(args, kwargs, trace_once)

    def lower(self, *args: P.args, **kwargs: P.kwargs) -> jax.stages.Lowered:
        """Lower for ahead-of-time compilation (like `jax.jit(...).lower`)."""
        return self.trace(*args, **kwargs).lower()

    def compile(self, *args: P.args, **kwargs: P.kwargs) -> jax.stages.Compiled:
        """Lower and compile for these arguments, without running."""
        return self.lower(*args, **kwargs).compile()

    def eval_shape(self, *args: P.args, **kwargs: P.kwargs) -> Any:
        """The output's shapes and dtypes (`jax.ShapeDtypeStruct`s), without
        running anything or changing any State."""
        return self.trace(*args, **kwargs).out_info[0]

    def clear_cache(self) -> None:
        """Forget what the traces learnt and the compiled code: the next call
        traces again and finds the States it uses anew."""
        self._plan = Plan(reads=speculate(self.fun))
        self._reset()
