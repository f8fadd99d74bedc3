"""`jit`: `jax.jit` over the engine's pure function, with the plan cached."""

from __future__ import annotations

import functools
import weakref
from collections.abc import Callable, Sequence
from typing import Any, Generic, ParamSpec, TypeVar

import jax
import jax.tree_util as jtu

from .._state import State
from .._table import Dead
from ._engine import Plan, Retry, gather, owner_name, run, scatter, speculate

__all__ = ["jit"]

P = ParamSpec("P")
R = TypeVar("R")

_N_LEAD = 3  # pure(write_vals, read_vals, arg_state_vals, *args, **kwargs)


class _ArgSlot:
    """Stands in for the k-th State found in a jitted function's arguments."""

    __slots__ = ("index", "kind", "info")

    def __init__(self, index: int, kind: type[State], info: Any):
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


class _Compiled:
    """One `jax.jit` of the pure function, for one plan."""

    __slots__ = ("plan", "jitted", "arg_writes", "out_tree")

    def __init__(self, plan: Plan, jitted: Callable[..., Any]):
        self.plan = plan
        self.jitted = jitted
        self.arg_writes: tuple[int, ...] | None = None  # indices of written arg States
        self.out_tree: Any = None  # set when the output holds States


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
        self.arg_states = False  # switched on once a call passes States as arguments
        self._bound: dict[int, tuple[weakref.ref[Any], JitWrapper[Any, Any]]] = {}
        self._compiled = self._build(Plan(reads=speculate(fun)))
        functools.update_wrapper(self, fun, updated=())  # type: ignore[arg-type]

    def _build(self, plan: Plan) -> _Compiled:
        compiled: _Compiled

        def pure(write_vals, read_vals, arg_vals, *args, **kwargs):
            proxies: list[State] = []
            if arg_vals:
                args, kwargs, proxies = _substitute_slots(args, kwargs, arg_vals)
            inputs = [*plan.inputs(write_vals, read_vals), *zip(proxies, arg_vals)]
            out, frame = run(self.fun, args, kwargs, self.owner, inputs)
            if not arg_vals and _has_states((args, kwargs)):
                self.arg_states = True
                raise Retry()
            arg_writes = tuple(i for i, p in enumerate(proxies) if p in frame.written)
            for p in proxies:  # argument States travel by position, not in the plan
                frame.written.pop(p, None)
            plan.check(frame)
            if compiled.arg_writes is None:
                compiled.arg_writes = arg_writes
            elif not set(arg_writes) <= set(compiled.arg_writes):
                raise Retry()
            values = frame.values
            leaves, tree = jtu.tree_flatten(out)
            has_states = any(
                isinstance(x, State) for x in jtu.tree_leaves(out, is_leaf=_is_state)
            )
            compiled.out_tree = tree if has_states else None
            new_writes = [values[s] for s in plan.writes]
            new_args = [values[proxies[i]] for i in compiled.arg_writes]
            return (leaves if has_states else out), new_writes, new_args

        static = tuple(i + _N_LEAD for i in self.static_argnums)
        jitted = jax.jit(
            pure,
            static_argnums=static,
            static_argnames=self.static_argnames,
            donate_argnums=(0,) if self.donate else (),
        )
        compiled = _Compiled(plan, jitted)
        return compiled

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R:
        __tracebackhide__ = True
        while True:
            compiled = self._compiled
            plan = compiled.plan
            arg_states: list[State] = []
            if self.arg_states:
                args, kwargs, arg_states = _slot_states(args, kwargs)  # type: ignore[assignment]
            try:
                out, new_writes, new_args = compiled.jitted(
                    gather(plan.writes),
                    gather(plan.reads),
                    gather(arg_states),
                    *args,
                    **kwargs,
                )
            except Retry as retry:
                self._compiled = self._build(plan.grow(retry))
                continue
            break
        scatter(plan.writes, new_writes)
        if new_args:
            assert compiled.arg_writes is not None
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

        Uses the current plan; call the function once first so the plan
        includes every State it touches.
        """
        plan = self._compiled.plan
        arg_states: list[State] = []
        if self.arg_states:
            args, kwargs, arg_states = _slot_states(args, kwargs)  # type: ignore[assignment]
        jitted: Any = self._compiled.jitted
        return jitted.lower(
            gather(plan.writes), gather(plan.reads), gather(arg_states), *args, **kwargs
        )


def _has_states(tree: Any) -> bool:
    return any(isinstance(x, State) for x in jtu.tree_leaves(tree, is_leaf=_is_state))


def _slot_states(args: Any, kwargs: Any) -> tuple[Any, Any, list[State]]:
    found: list[State] = []

    def to_slot(x: Any) -> Any:
        if isinstance(x, State):
            found.append(x)
            return _ArgSlot(len(found) - 1, type(x), x._info)
        return x

    args, kwargs = jtu.tree_map(to_slot, (args, kwargs), is_leaf=_is_state)
    return args, kwargs, found


def _substitute_slots(args: Any, kwargs: Any, arg_vals: Sequence[Any]):
    """Inside the trace: give each argument State a proxy holding its tracer."""
    proxies: dict[int, State] = {}

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
