"""`jit`: the engine's pure function under `jax.jit`, with safe donation.

A call gathers the values of the plan's States (those the function reaches
by closure, found by `speculate` and grown on `Retry`) and of the States in
its arguments (`split` into slots), and calls the traced function

    (*state values, *args) -> (out, layout, more)

under `jax.jit`: `layout` marks the positions that come back with their new
values, so nothing leaves the trace through a side channel. Eager calls learn
which States are written by tracing (`jax.jit(...).trace`, no compile) on the
first call; the `jax.jit` that donates those positions then finds the trace
in JAX's cache, so the user's function is traced once. Donated buffers are
only those eqstate produced and nobody else holds (`donatable`);
anything else is copied first. Inside another transform, `jit` calls a second
function object that returns exactly what it writes and donates nothing (the
two never share a JAX trace cache).
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Sequence
from typing import Any, Generic, ParamSpec, TypeVar, overload

import jax

from .. import _table
from .._state import State
from .._table import Frame
from .._table_donation import NotEager, WroteMore, eager_caller, reusable
from ._engine import (
    Plan,
    Retry,
    export,
    gather,
    owner_name,
    restore,
    retrying,
    scatter,
    split,
    unsplit,
)
from ._inputs import PLAIN_TYPES, plain, plain_args, speculate
from ._jit_options import JitOptions, static_arguments

__all__ = ["jit"]

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
        self.static_argnums, self.static_argnames = static_arguments(
            fun, static_argnums, static_argnames
        )
        self.donate = donate
        self.options = options or JitOptions()
        self.owner = owner_name("jit", fun)
        self._name = self.options.lowered_name(fun)
        self._plan = Plan(reads=speculate(fun))
        # Per thread: the States of the call being traced (two threads may
        # trace the same function at once).
        self._current: dict[int, Sequence[State[Any]]] = {}
        self._returns_states = False
        self._reset()
        functools.update_wrapper(self, fun, updated=())  # type: ignore[arg-type]

    def _reset(self) -> None:
        """A new plan: new traced functions (their inputs changed)."""
        # The settled plan's per-call path (`eager_caller`), if any.
        self._run: Callable[..., Any] | None = None
        # Per number of State inputs: the positions eager calls return (and
        # donate), and the eager jit.
        self._masks: dict[int, tuple[int, ...]] = {}
        self._eager: dict[int, tuple[Any, tuple[int, ...], tuple[int, ...]]] = {}
        self._nested: dict[int, Any] = {}  # per number of States: the nested jit
        self._flat = self._flat_function(masked=True)
        self._flat_nested = self._flat_function(masked=False)

    def _flat_function(self, masked: bool) -> Callable[..., Any]:
        """The traced function, `(*state values, *args) -> (out, layout,
        more)`: `layout[i]` is `(new value,)` at each returned position, None
        elsewhere (the output's tree structure says which positions come
        back), and `more` the written positions beyond them.

        Unmasked (calls inside a trace), it returns exactly what it writes.
        Masked (eager calls), a discovery trace returns what it writes and
        later traces return every position of the learnt mask (their input,
        if this trace does not write it), so no donated buffer is ever left
        unused. A new function object is a new trace cache: `_learn` makes a
        new one whenever a mask widens."""

        def flat(*args: Any, **kwargs: Any) -> Any:
            states = self._current.get(threading.get_ident())
            if states is None:  # traced from the fast path: the plan's States
                states = self._plan.states
            n = len(states)
            a: tuple[Any, ...]
            k: dict[str, Any]
            a, k = unsplit((args[n:], kwargs), states)
            frame = Frame(self.owner, zip(states, args[:n]))
            index = {s: i for i, s in enumerate(states)}
            with frame:
                out = self.fun(*a, **k)
                exported = export(out, frame, index)
            if exported is not out:
                self._returns_states = True
            missed = [s for s in frame.missed if s not in index]
            new_writes = [s for s in frame.written if s not in index]
            if missed or new_writes:
                raise Retry(missed, new_writes)
            values = frame.values
            written = {
                index[s]: _keep_sharding(s, values[s])
                if s._info.metadata  # a declared sharding (trace time only)
                else values[s]
                for s in frame.written
            }
            mask = self._masks.get(n) if masked else None
            back = set(written) if mask is None else set(mask)
            layout = [
                (written.pop(i, args[i]),) if i in back else None for i in range(n)
            ]
            return exported, layout, written

        flat.__name__ = flat.__qualname__ = self._name
        return flat

    # -- calling -------------------------------------------------------------

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R:
        __tracebackhide__ = True
        run = self._run
        if run is not None and not kwargs:
            for a in args:
                if type(a) not in PLAIN_TYPES and not plain(a):
                    break
            else:  # State-free arguments: the settled plan, if called eagerly
                try:
                    out = run(args, kwargs)
                except NotEager:  # inside a trace or another transform
                    return self._call(args, kwargs)
                except Retry as retry:  # new argument shapes met new States
                    self._plan = self._plan.grow(retry)
                    self._reset()
                    return self._call(args, kwargs)
                except WroteMore as more:  # ... or wrote more of them
                    self._learn(len(self._plan.states), more.positions)
                    out = more.out
                if self._returns_states:
                    return restore(out, self._plan.states)
                return out
        return self._call(args, kwargs)

    def _call(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        __tracebackhide__ = True
        return self._retrying(args, kwargs, self._call_once)

    def _retrying(self, args: Any, kwargs: Any, once: Callable[..., Any]) -> Any:
        """`once(states, args, kwargs, state_free)`, the States split out of
        the arguments (`state_free`: there were none), growing the plan on
        `Retry`."""
        __tracebackhide__ = True

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
            call, mask, donated = self._eager_entry(states, args, kwargs)
            run = eager_caller(call, mask, donated, states, self.owner)
            try:
                out = run(args, kwargs)
            except WroteMore as more:
                self._learn(n, more.positions)
                out = more.out
            else:
                if state_free:  # the plan's States alone: the fast path's inputs
                    self._run = run
        else:  # inside another transform: no donation, exactly what it writes
            nested = self._nested.get(n)
            if nested is None:
                nested = self._nested[n] = self._jitted(self._flat_nested, n, ())
            out, layout, _ = nested(*gather(states), *args, **kwargs)
            back = [i for i, x in enumerate(layout) if x is not None]
            scatter([states[i] for i in back], [layout[i][0] for i in back])
        return restore(out, states) if self._returns_states else out

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
            traced = jitted.trace(*gather(states), *args, **kwargs)
            layout = traced.out_info[1]
            mask = tuple(i for i, x in enumerate(layout) if x is not None)
            self._masks[n] = mask
            donated = ()
            if self.donate:
                ins = traced.args_info[0]
                donated = tuple(i for i in mask if reusable(ins[i], layout[i][0]))
            if donated:
                jitted = self._jitted(self._flat, n, donated)
            entry = self._eager[n] = (jitted, mask, donated)
        return entry

    def _learn(self, n: int, positions: list[int]) -> None:
        """A trace wrote States outside the returned positions: return (and
        donate) them from now on. Earlier traces return only the old
        positions, so the traced function is a new one (traces again once per
        argument shape)."""
        self._masks[n] = tuple(sorted({*self._masks.get(n, ()), *positions}))
        self._eager.clear()
        self._run = None
        self._flat = self._flat_function(masked=True)

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
        if instance is None:
            return self
        return functools.partial(self, instance)

    def lower(self, *args: P.args, **kwargs: P.kwargs) -> Any:
        """Lower for ahead-of-time compilation (like `jax.jit(...).lower`).

        The States the function reads and writes are inputs of the lowered
        computation (after the plan is settled by a trace).
        """

        def lower_once(states: Any, a: Any, k: Any, state_free: bool) -> Any:
            call = self._eager_entry(states, a, k)[0]
            return call.lower(*gather(states), *a, **k)

        return self._retrying(args, kwargs, lower_once)


def _keep_sharding(state: State[Any], value: Any) -> Any:
    """A written value held to its State's declared sharding (loads sharding)."""
    from ..sharding._hooks import constrain_written

    return constrain_written(state, value)


@overload
def jit(
    fun: Callable[P, R],
    in_shardings: Any = None,
    out_shardings: Any = None,
    static_argnums: int | Sequence[int] = (),
    donate_argnums: int | Sequence[int] | None = None,
    static_argnames: str | Sequence[str] = (),
    donate_argnames: str | Sequence[str] | None = None,
    keep_unused: bool = False,
    device: Any = None,
    backend: str | None = None,
    inline: bool = False,
    name: str | None = None,
    *,
    donate: bool = True,
) -> JitWrapper[P, R]: ...
@overload
def jit(
    fun: None = None,
    in_shardings: Any = None,
    out_shardings: Any = None,
    static_argnums: int | Sequence[int] = (),
    donate_argnums: int | Sequence[int] | None = None,
    static_argnames: str | Sequence[str] = (),
    donate_argnames: str | Sequence[str] | None = None,
    keep_unused: bool = False,
    device: Any = None,
    backend: str | None = None,
    inline: bool = False,
    name: str | None = None,
    *,
    donate: bool = True,
) -> Callable[[Callable[P, R]], JitWrapper[P, R]]: ...
def jit(
    fun: Callable[P, R] | None = None,
    in_shardings: Any = None,
    out_shardings: Any = None,
    static_argnums: int | Sequence[int] = (),
    donate_argnums: int | Sequence[int] | None = None,
    static_argnames: str | Sequence[str] = (),
    donate_argnames: str | Sequence[str] | None = None,
    keep_unused: bool = False,
    device: Any = None,
    backend: str | None = None,
    inline: bool = False,
    name: str | None = None,
    *,
    donate: bool = True,
) -> JitWrapper[P, R] | Callable[[Callable[P, R]], JitWrapper[P, R]]:
    """Compile a function that reads and writes States, like `jax.jit`.

    The function may read and write any State it reaches, through its
    arguments (modules included) or through closures. The first call traces
    it once, learns which States it reads and writes, and compiles a pure
    function `(state values, args) -> (out, new state values)`; later calls
    with same-shaped arguments only gather the current values, run the
    compiled code and write the new values back.

    Written States' buffers are donated to XLA when nothing else can see
    them (a value eqstate produced and nobody holds); an array you passed in
    or read out stays valid. `donate=False` turns donation off.

    ```python
    import jax.numpy as jnp
    import eqstate

    count = eqstate.State(jnp.array(0))

    @eqstate.transform.jit
    def step(x):
        count.value += 1
        return x * 2

    step(jnp.ones(3))
    step(jnp.ones(3))
    assert int(count.value) == 2
    ```

    Args:
        fun: the function (or module) to compile; `jit` also works as a
            decorator with keyword arguments only.
        in_shardings: shardings of the positional arguments (as in
            `jax.jit`; State values keep their own).
        out_shardings: shardings of the output (States keep their own).
        static_argnums: positional arguments that are hashed into the cache
            key instead of traced (as in `jax.jit`).
        donate_argnums: positional arguments whose buffers XLA may reuse
            (as in `jax.jit`: you may not use them after the call).
        static_argnames: the same as `static_argnums`, by keyword.
        donate_argnames: the same as `donate_argnums`, by keyword.
        keep_unused: as in `jax.jit`.
        device: as in `jax.jit`.
        backend: as in `jax.jit`.
        inline: as in `jax.jit`.
        name: the name of the lowered computation (default: the function's).
        donate: donate the buffers of written States where that is safe.

    Returns:
        A callable with `fun`'s signature, plus `.lower(*args)`.
    """
    options = JitOptions(
        in_shardings,
        out_shardings,
        donate_argnums,
        donate_argnames,
        keep_unused,
        device,
        backend,
        inline,
        name,
    )
    if fun is None:

        def decorate(f: Callable[P, R]) -> Any:  # (beartype 0.20: no ParamSpec)
            return JitWrapper(f, static_argnums, static_argnames, donate, options)

        return decorate
    return JitWrapper(fun, static_argnums, static_argnames, donate, options)
