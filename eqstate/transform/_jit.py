"""`jit`: `jax.jit` over the engine's pure function, with the plan cached.

The first call of a plan *discovers*: it traces the user's function once,
under a plain `jax.jit` (`.trace`), where the planned States (those of the
modules the function names, see `speculate`) are inputs and every write is
recorded. That fixes which States are read-only and which are written, so the
donating `jax.jit` that follows can be built; its first trace calls the
discovery's `jax.jit` on the same avals, which hits that jit's trace cache
(one nested call: the user's Python and its autodiff run once in all), and
later traces, for new argument shapes, run the user's function under the now
exact plan. A trace that touches a State outside the plan raises `Retry`, the
plan grows and discovery runs again.
"""

from __future__ import annotations

import functools
import weakref
from collections.abc import Callable, Sequence
from typing import Any, Generic, ParamSpec, TypeVar

import jax
import jax.tree_util as jtu

from .._state import State
from .._table import Dead, Frame
from ._engine import Plan, Retry, gather, owner_name, run, scatter, speculate

__all__ = ["jit"]

P = ParamSpec("P")
R = TypeVar("R")

_N_LEAD = 3  # pure(write_vals, read_vals, arg_state_vals, *args, **kwargs)


class _ArgSlot:
    """Stands in for the k-th State found in a jitted function's arguments."""

    __slots__ = ("index", "kind", "info")

    def __init__(self, index: int, kind: type[State[Any]], info: Any):
        self.index = index
        self.kind = kind
        self.info = info


jtu.register_pytree_node(
    _ArgSlot,
    lambda s: ((), (s.index, s.kind, s.info)),
    lambda aux, _: _ArgSlot(*aux),
)


def _is_slot(x: Any) -> bool:
    return isinstance(x, _ArgSlot)


def _is_state(x: Any) -> bool:
    return isinstance(x, State)


def _has_states(tree: Any) -> bool:
    return any(isinstance(x, State) for x in jtu.tree_leaves(tree, is_leaf=_is_state))


class _Trace:
    """What one trace of the user's function produced."""

    __slots__ = ("out", "frame", "proxies", "arg_writes", "out_tree")

    def __init__(self, out: Any, frame: Frame, proxies: list[State[Any]]):
        self.out = out
        self.frame = frame
        self.proxies = proxies
        self.arg_writes = tuple(i for i, p in enumerate(proxies) if p in frame.written)
        for p in proxies:  # argument States travel by position, not in the plan
            frame.written.pop(p, None)
        has_states = _has_states(out)
        self.out_tree = jtu.tree_structure(out) if has_states else None

    def output(self) -> Any:
        return jtu.tree_leaves(self.out) if self.out_tree is not None else self.out


class _Replay:
    """The discovery's traced `jax.jit`, called by the final jit's first trace."""

    __slots__ = ("fun", "in_avals", "order", "n_writes", "written")

    def __init__(self, fun: Any, in_avals: Any, plan: Plan, written: list[State[Any]]):
        self.fun = fun  # returns (output, written values, argument writes)
        self.in_avals = in_avals  # the avals it was traced for
        self.order = (*plan.writes, *plan.reads)  # the States' input order
        self.n_writes = len(plan.writes)
        self.written = written  # the States whose new values it returns


class _Compiled:
    """The `jax.jit` of the pure function for one plan (None until discovered)."""

    __slots__ = ("plan", "jitted", "arg_writes", "out_tree", "replay")

    def __init__(self, plan: Plan):
        self.plan = plan
        self.jitted: Any = None
        self.arg_writes: tuple[int, ...] = ()
        self.out_tree: Any = None
        self.replay: _Replay | None = None


class JitWrapper(Generic[P, R]):
    """The callable `jit` returns; see `jit`."""

    def __init__(
        self,
        fun: Callable[P, R],
        static_argnums: Sequence[int],
        static_argnames: Sequence[str],
        donate: bool,
    ):
        self.fun = fun
        self.static_argnums = tuple(static_argnums)
        self.static_argnames = tuple(static_argnames)
        self.donate = donate
        self.owner = owner_name("jit", fun)
        self._name = _jit_name(fun)  # names the lowered modules
        self.arg_states = False  # switched on once a call passes States as arguments
        self._bound: dict[int, tuple[weakref.ref[Any], JitWrapper[Any, Any]]] = {}
        self._compiled = _Compiled(Plan(reads=speculate(fun)))
        functools.update_wrapper(self, fun, updated=())  # type: ignore[arg-type]

    # -- tracing -------------------------------------------------------------

    def _trace(
        self, plan: Plan, write_vals, read_vals, arg_vals, args, kwargs
    ) -> _Trace:
        proxies: list[State[Any]] = []
        if arg_vals:
            args, kwargs, proxies = _substitute_slots(args, kwargs, arg_vals)
        inputs = [*plan.inputs(write_vals, read_vals), *zip(proxies, arg_vals)]
        out, frame = run(self.fun, args, kwargs, self.owner, inputs)
        if not arg_vals and _has_states((args, kwargs)):
            self.arg_states = True
            raise Retry()
        return _Trace(out, frame, proxies)

    def _discover(
        self, plan: Plan, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> _Compiled:
        """Trace once to learn the writes; build the donating `jax.jit`."""
        record: dict[str, Any] = {}
        static_kw = {k: v for k, v in kwargs.items() if k in self.static_argnames}
        dyn_kw = {k: v for k, v in kwargs.items() if k not in self.static_argnames}

        def discover(write_vals, read_vals, arg_vals, *args, **kwargs):
            t = self._trace(
                plan, write_vals, read_vals, arg_vals, args, {**kwargs, **static_kw}
            )
            plan.check(t.frame, writes=False)
            written = list(t.frame.written)
            record.update(trace=t, written=written)
            values = t.frame.values
            return (
                t.output(),
                [values[s] for s in written],
                [values[t.proxies[i]] for i in t.arg_writes],
            )

        discover.__name__ = discover.__qualname__ = self._name
        static = tuple(i + _N_LEAD for i in self.static_argnums)
        args, dyn_kw, arg_states = self._split_arg_states(args, dyn_kw)
        inputs = (gather(plan.writes), gather(plan.reads), gather(arg_states))
        traced_fun = jax.jit(discover, static_argnums=static)
        traced = traced_fun.trace(*inputs, *args, **dyn_kw)
        trace: _Trace = record["trace"]
        written: list[State[Any]] = record["written"]
        compiled = _Compiled(Plan(plan.writes + tuple(written), plan.reads))
        compiled.arg_writes = trace.arg_writes
        compiled.out_tree = trace.out_tree
        compiled.replay = _Replay(traced_fun, traced.jaxpr.in_avals, plan, written)
        compiled.jitted = self._jit(compiled)
        return compiled

    def _jit(self, compiled: _Compiled) -> Any:
        plan = compiled.plan

        def pure(write_vals, read_vals, arg_vals, *args, **kwargs):
            replay = compiled.replay
            if replay is not None:
                compiled.replay = None
                out = _replayed(
                    replay,
                    plan,
                    (write_vals, read_vals, arg_vals),
                    args,
                    kwargs,
                    self.static_argnums,
                    self.static_argnames,
                )
                if out is not None:
                    return out
            t = self._trace(plan, write_vals, read_vals, arg_vals, args, kwargs)
            plan.check(t.frame)
            if t.arg_writes != compiled.arg_writes or t.out_tree != compiled.out_tree:
                raise Retry()  # a new argument structure: rediscover
            values = t.frame.values
            return (
                t.output(),
                [values[s] for s in plan.writes],
                [values[t.proxies[i]] for i in t.arg_writes],
            )

        pure.__name__ = pure.__qualname__ = self._name
        return jax.jit(
            pure,
            static_argnums=tuple(i + _N_LEAD for i in self.static_argnums),
            static_argnames=self.static_argnames,
            donate_argnums=(0,) if self.donate else (),
        )

    def _split_arg_states(
        self, args: Any, kwargs: Any
    ) -> tuple[Any, Any, list[State[Any]]]:
        if not self.arg_states:
            return args, kwargs, []
        return _slot_states(args, kwargs)

    # -- calling -------------------------------------------------------------

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R:
        __tracebackhide__ = True
        while True:
            compiled = self._compiled
            plan = compiled.plan
            try:
                if compiled.jitted is None:
                    compiled = self._compiled = self._discover(plan, args, kwargs)
                    plan = compiled.plan
                call_args, call_kwargs, arg_states = self._split_arg_states(
                    args, kwargs
                )
                out, new_writes, new_args = compiled.jitted(
                    gather(plan.writes),
                    gather(plan.reads),
                    gather(arg_states),
                    *call_args,
                    **call_kwargs,
                )
            except Retry as retry:
                self._compiled = _Compiled(plan.grow(retry))
                continue
            break
        scatter(plan.writes, new_writes)
        if new_args:
            scatter([arg_states[i] for i in compiled.arg_writes], new_args)
        if compiled.out_tree is not None:
            return jtu.tree_unflatten(compiled.out_tree, out)
        return out

    def __get__(self, instance: Any, owner: Any = None) -> Any:
        if instance is None:
            return self
        entry = self._bound.get(id(instance))
        if entry is not None and entry[0]() is instance:
            return entry[1]
        bound = JitWrapper(
            functools.partial(self.fun, instance),
            tuple(i - 1 for i in self.static_argnums if i > 0),
            self.static_argnames,
            self.donate,
        )
        self._bound[id(instance)] = (weakref.ref(instance), bound)
        return bound

    def lower(self, *args: P.args, **kwargs: P.kwargs) -> Any:
        """Lower for ahead-of-time compilation (like `jax.jit(...).lower`).

        The first call of a new plan traces the function to learn which States
        it writes, so the lowering matches what a call would run.
        """
        compiled = self._compiled
        if compiled.jitted is None:
            compiled = self._compiled = self._discover(compiled.plan, args, kwargs)
        plan = compiled.plan
        call_args, call_kwargs, arg_states = self._split_arg_states(args, kwargs)
        return compiled.jitted.lower(
            gather(plan.writes),
            gather(plan.reads),
            gather(arg_states),
            *call_args,
            **call_kwargs,
        )


def _replayed(
    replay: _Replay,
    plan: Plan,
    state_vals: tuple[list[Any], list[Any], list[Any]],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    static_argnums: tuple[int, ...],
    static_argnames: tuple[str, ...],
) -> tuple[Any, list[Any], list[Any]] | None:
    """Call the discovery's jit on this trace's inputs, if their types match.

    With matching avals the call hits the discovery's trace cache: it adds one
    nested call to this trace and runs no user code. Otherwise (None) the
    caller traces the user's function afresh.
    """
    write_vals, read_vals, arg_vals = state_vals
    by_state = dict(plan.inputs(write_vals, read_vals))
    ordered = [by_state[s] for s in replay.order]
    n = replay.n_writes
    dyn_args = [a for i, a in enumerate(args) if i not in static_argnums]
    dyn_kw = {k: v for k, v in kwargs.items() if k not in static_argnames}
    flat = jtu.tree_leaves(((ordered[:n], ordered[n:], arg_vals, *dyn_args), dyn_kw))
    avals = replay.in_avals
    if len(flat) != len(avals) or any(
        jax.typeof(x).shape != a.shape or jax.typeof(x).dtype != a.dtype
        for x, a in zip(flat, avals)
    ):
        return None
    out, written_vals, arg_writes = replay.fun(
        ordered[:n], ordered[n:], arg_vals, *args, **dyn_kw
    )
    written = dict(zip(replay.written, written_vals))
    new_writes = [written.get(s, by_state[s]) for s in plan.writes]
    return out, new_writes, list(arg_writes)


def _jit_name(fun: Any) -> str:
    name = getattr(fun, "__name__", None)
    if name is None:  # a partial (a bound jitted method) or a module instance
        inner = getattr(fun, "func", None)
        name = getattr(inner, "__name__", None) or type(fun).__name__
    return name if name.isidentifier() else "fun"


def _slot_states(args: Any, kwargs: Any) -> tuple[Any, Any, list[State[Any]]]:
    found: list[State[Any]] = []

    def to_slot(x: Any) -> Any:
        if isinstance(x, State):
            found.append(x)
            return _ArgSlot(len(found) - 1, type(x), x._info)
        return x

    args, kwargs = jtu.tree_map(to_slot, (args, kwargs), is_leaf=_is_state)
    return args, kwargs, found


def _substitute_slots(args: Any, kwargs: Any, arg_vals: Sequence[Any]):
    """Inside the trace: give each argument State a proxy holding its tracer."""
    proxies: dict[int, State[Any]] = {}

    def from_slot(x: Any) -> Any:
        if isinstance(x, _ArgSlot):
            proxy = proxies.get(x.index)
            if proxy is None:
                proxy = object.__new__(x.kind)
                proxy._info = x.info
                proxy._value = Dead("the jitted call")
                proxies[x.index] = proxy
            return proxy
        return x

    args, kwargs = jtu.tree_map(from_slot, (args, kwargs), is_leaf=_is_slot)
    ordered = [proxies[i] for i in range(len(arg_vals)) if i in proxies]
    return args, kwargs, ordered


def jit(
    fun: Callable[P, R] | None = None,
    *,
    static_argnums: int | Sequence[int] = (),
    static_argnames: str | Sequence[str] = (),
    donate: bool = True,
) -> Any:
    """Compile a function that reads and writes States, like `jax.jit`.

    The function may read and write any State it reaches, through its
    arguments or through closures. The first call traces it once, learns which
    States it reads and writes, and compiles a pure function
    `(state values, args) -> (out, new state values)`; later calls with
    same-shaped arguments only gather the current values, run the compiled
    code and write the new values back. The buffers of written States are
    donated to XLA (`donate=False` turns that off).

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
        static_argnums: positional arguments that are hashed into the cache
            key instead of traced (as in `jax.jit`).
        static_argnames: the same, by keyword.
        donate: donate the input buffers of written States.

    Returns:
        A callable with `fun`'s signature, plus `.lower(*args)`.
    """
    if isinstance(static_argnums, int):
        static_argnums = (static_argnums,)
    if isinstance(static_argnames, str):
        static_argnames = (static_argnames,)
    if fun is None:
        return functools.partial(
            jit,
            static_argnums=static_argnums,
            static_argnames=static_argnames,
            donate=donate,
        )
    return JitWrapper(fun, static_argnums, static_argnames, donate)
