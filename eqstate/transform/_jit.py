"""`jit`: the engine's pure function under `jax.jit`, with safe donation.

A call gathers the values of the plan's States (those the function reaches
by closure, found by `speculate` and grown on `Retry`) and of the States in
its arguments (`split` into slots), and calls the traced function

    (state values, *args) -> (out, {position: new value})

under `jax.jit`; the written positions come back as the keys of the output
dict, so nothing leaves the trace through a side channel. Called eagerly, the
State values are leading positional arguments of a `jax.jit` that donates the
written ones. Which States are written is learnt by tracing that same function
(`jax.jit(...).trace`, no compile) on the first call; the donating `jax.jit` of
the same function then finds the trace in JAX's cache, so the user's function
is traced once. Once the donated positions are known, traces return them all
(unwritten ones unchanged), so no donated buffer is ever left unused. Donated
buffers are only those eqstate produced and nobody else holds
(`_table.donatable`); anything else is copied first.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any, Generic, ParamSpec, TypeVar, overload

import jax
import numpy as np

from .. import _table
from .._state import State
from .._table import Frame
from ..sharding._hooks import constrain_written
from ._engine import (
    MAX_RETRIES,
    Plan,
    PlanGrowthError,
    Retry,
    export,
    gather,
    owner_name,
    restore,
    scatter,
    speculate,
    split,
    unsplit,
)
from ._jit_options import JitOptions

__all__ = ["jit"]

P = ParamSpec("P")
R = TypeVar("R")

# Types that cannot hold a State (jax.Array types are learnt on first sight).
_PLAIN_TYPES: set[type] = {np.ndarray, int, float, bool, complex, str, type(None)}


def _plain(a: Any) -> bool:
    """Cheap test: no State inside `a` (arrays, numbers, strings, None, and
    tuples, lists and dicts of them, such as a `(x, y)` batch)."""
    kind = type(a)
    if kind in _PLAIN_TYPES:
        return True
    if kind is tuple or kind is list:
        return all(_plain(x) for x in a)
    if kind is dict:
        return all(_plain(x) for x in a.values())
    if isinstance(a, jax.Array):  # arrays and tracers hold no States
        _PLAIN_TYPES.add(kind)  # learnt once per type
        return True
    return False


def _plain_args(args: tuple[Any, ...], kwargs: dict[str, Any]) -> bool:
    """No argument can hold a State, and no keyword arguments."""
    if kwargs:
        return False
    for a in args:
        if type(a) not in _PLAIN_TYPES and not _plain(a):
            return False
    return True


class JitWrapper(Generic[P, R]):
    """The callable `jit` returns; see `jit`."""

    def __init__(
        self,
        fun: Callable[P, R],
        static_argnums: Sequence[int],
        static_argnames: Sequence[str],
        donate: bool,
        options: JitOptions | None = None,
    ):
        self.fun = fun
        self.static_argnums = tuple(static_argnums)
        self.static_argnames = tuple(static_argnames)
        self.donate = donate
        self.options = options or JitOptions()
        self.owner = owner_name("jit", fun)
        self._name = self.options.name or _jit_name(fun)  # names lowered modules
        self._plan = Plan(reads=speculate(fun))
        self._current: Sequence[State[Any]] | None = None  # the call being traced
        self._returns_states = False
        self._reset()
        functools.update_wrapper(self, fun, updated=())  # type: ignore[arg-type]

    def _reset(self) -> None:
        """A new plan: new jitted functions (their inputs changed)."""
        # The settled plan's per-call path (`_table.eager_caller`), if any.
        self._run: Callable[..., Any] | None = None
        # Per number of State inputs: the donated positions, and the donating jit.
        self._masks: dict[int, tuple[int, ...]] = {}
        self._outer: dict[int, tuple[Any, tuple[int, ...]]] = {}
        self._flat = self._flat_function()

        def pure(state_vals: list[Any], *args: Any, **kwargs: Any) -> Any:
            return self._pure(state_vals, args, kwargs)

        pure.__name__ = pure.__qualname__ = self._name
        self._inner = jax.jit(
            pure,
            static_argnums=tuple(i + 1 for i in self.static_argnums),
            static_argnames=self.static_argnames,
            **self.options.jax_kwargs(1, 1),
        )

    def _flat_function(self) -> Callable[..., Any]:
        """The traced function with the State values as leading arguments, for
        the donating jits (a new function object: a new trace cache)."""

        def flat(*args: Any, **kwargs: Any) -> Any:
            states = self._current
            if states is None:  # traced from the fast path: the plan's States
                states = self._plan.states
            n = len(states)
            out, written = self._pure(list(args[:n]), args[n:], kwargs)
            # `(value,)` at each donated position, None elsewhere: the layout
            # (in the output's tree structure) says which positions come back.
            # A discovery trace returns those it writes; a trace for a
            # donating jit returns every donated position (its input, if this
            # trace does not write it) and, apart, what it writes beyond them.
            mask = self._masks.get(n)
            back = set(written) if mask is None else set(mask)
            layout = [
                (written.pop(i, args[i]),) if i in back else None for i in range(n)
            ]
            return out, layout, written

        flat.__name__ = flat.__qualname__ = self._name
        return flat

    # -- inside the trace ----------------------------------------------------

    def _pure(
        self, state_vals: list[Any], args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> tuple[Any, dict[int, Any]]:
        states = self._current
        if states is None:  # traced from the fast path: the plan's States
            states = self._plan.states
        args, kwargs = unsplit((args, kwargs), states)
        frame = Frame(self.owner, zip(states, state_vals))
        index = {s: i for i, s in enumerate(states)}
        with frame:
            out = self.fun(*args, **kwargs)
            exported = export(out, frame, index)
        if exported is not out:
            self._returns_states = True
        missed = [s for s in frame.missed if s not in index]
        new_writes = [s for s in frame.written if s not in index]
        if missed or new_writes:
            raise Retry(missed, new_writes)
        values = frame.values
        written = {
            index[s]: constrain_written(s, values[s])
            if s._info.metadata  # a declared sharding is kept (trace time only)
            else values[s]
            for s in frame.written
        }
        return exported, written

    # -- calling -------------------------------------------------------------

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R:
        __tracebackhide__ = True
        run = self._run
        if run is not None and not kwargs and _table.eager_now():
            for a in args:
                if type(a) not in _PLAIN_TYPES and not _plain(a):
                    break
            else:  # an eager call with State-free arguments: the settled plan
                try:
                    out = run(args, kwargs)
                except Retry:  # new argument shapes met new States
                    self._unsettle()
                    return self._call(args, kwargs)
                except _table.WroteMore as more:  # ... or wrote more of them
                    self._learn(len(self._plan.states), more.positions)
                    out = more.out
                if self._returns_states:
                    return restore(out, self._plan.states)
                return out
        return self._call(args, kwargs)

    def _call(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        __tracebackhide__ = True
        for _ in range(MAX_RETRIES):
            plan_states = self._plan.states
            plain = _plain_args(args, kwargs)
            if plain:
                states, a, k = plan_states, args, kwargs
            else:
                index = {s: i for i, s in enumerate(plan_states)}
                a, k = split((args, kwargs), index)
                states = tuple(index)
            self._current = states
            try:
                if _table.eager_now():
                    if self.donate:
                        out = self._call_donating(states, a, k)
                    else:
                        planned = (self._inner, None, states)
                        out = _table.eager_caller(planned)(a, k)
                    if plain:
                        self._settle(states)
                else:
                    out, written = self._inner(gather(states), *a, **k)
                    if written:
                        scatter([states[i] for i in written], list(written.values()))
            except Retry as retry:
                self._plan = self._plan.grow(retry)
                self._reset()
                continue
            finally:
                self._current = None
            return restore(out, states) if self._returns_states else out
        raise PlanGrowthError(
            f"{self.owner} met new States on each of its last {MAX_RETRIES} traces; "
            "create the States it uses once, outside the function."
        )

    def _settle(self, states: Sequence[State[Any]]) -> None:
        """After an eager call on the plan's States alone: the fast path's inputs."""
        if not self.donate:
            self._run = _table.eager_caller((self._inner, None, states))
        elif (entry := self._outer.get(len(states))) is not None:
            self._run = _table.eager_caller((entry[0], entry[1], states))

    def _unsettle(self) -> None:
        self._run = None

    def _call_donating(
        self, states: Sequence[State[Any]], args: Any, kwargs: Any
    ) -> Any:
        """An eager call through the donating jit of the written States."""
        outer, donate_at = self._donating_entry(states, args, kwargs)
        try:
            return _table.eager_caller((outer, donate_at, states))(args, kwargs)
        except _table.WroteMore as more:
            self._learn(len(states), more.positions)
            return more.out

    def _donating_entry(
        self, states: Sequence[State[Any]], args: Any, kwargs: Any
    ) -> tuple[Any, tuple[int, ...]]:
        """The donating jit for calls with these many States, and the donated
        positions: the written ones, learnt by tracing on the first call."""
        n = len(states)
        entry = self._outer.get(n)
        if entry is None:
            mask = self._masks.get(n)
            if mask is None:  # trace (no compile) to learn what is written
                traced = self._jitted(n, ()).trace(*gather(states), *args, **kwargs)
                layout = traced.out_info[1]
                mask = tuple(i for i, x in enumerate(layout) if x is not None)
                self._masks[n] = mask
            entry = self._outer[n] = (self._jitted(n, mask), mask)
        return entry

    def _learn(self, n: int, positions: list[int]) -> None:
        """A trace wrote States outside the donated positions: donate them
        from now on. Earlier traces return only the old positions, so the
        traced function is a new one (traces again once per argument shape)."""
        self._masks[n] = tuple(sorted({*self._masks.get(n, ()), *positions}))
        self._outer.clear()
        self._unsettle()
        self._flat = self._flat_function()

    def _jitted(self, n: int, donate_at: tuple[int, ...]) -> Any:
        """`jax.jit` of the flat function for `n` States, donating `donate_at`."""
        kwargs = self.options.jax_kwargs(n, 2)
        kwargs["donate_argnums"] = (*donate_at, *kwargs.get("donate_argnums", ()))
        return jax.jit(
            self._flat,
            static_argnums=tuple(i + n for i in self.static_argnums),
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
        for _ in range(MAX_RETRIES):
            index = {s: i for i, s in enumerate(self._plan.states)}
            a, k = split((args, kwargs), index)
            states = list(index)
            self._current = states
            try:
                if not self.donate:
                    return self._inner.lower(gather(states), *a, **k)
                outer, _ = self._donating_entry(states, a, k)
                return outer.lower(*gather(states), *a, **k)
            except Retry as retry:
                self._plan = self._plan.grow(retry)
                self._reset()
            finally:
                self._current = None
        raise PlanGrowthError(f"{self.owner}'s plan never settled.")


def _jit_name(fun: Any) -> str:
    name = getattr(fun, "__name__", None)
    if name is None:  # a partial or a module instance
        inner = getattr(fun, "func", None)
        name = getattr(inner, "__name__", None) or type(fun).__name__
    return name if name.isidentifier() else "fun"


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
    nums = (static_argnums,) if isinstance(static_argnums, int) else static_argnums
    names = (static_argnames,) if isinstance(static_argnames, str) else static_argnames
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
            return JitWrapper(f, nums, names, donate, options)

        return decorate
    return JitWrapper(fun, nums, names, donate, options)
