"""Abstract tracing: `make_jaxpr`, `eval_shape`, `StateFinder`."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any, Literal

import jax

from .._filters import Filter, Predicate, to_predicate
from .._state import State
from ._engine import (
    Plan,
    gather,
    known,
    owner_name,
    restore,
    retrying,
    run,
    run_planned,
    split,
)

__all__ = ["StateFinder", "eval_shape", "make_jaxpr"]


def _trace(
    jax_call: Callable[..., Any],
    fun: Callable[..., Any],
    owner: str,
    args: Sequence[Any],
    kwargs: dict[str, Any],
    static: Sequence[int] = (),
) -> tuple[Any, Plan, list[State]]:
    """`jax_call(pure, *inputs)` (make_jaxpr / eval_shape), States as inputs."""
    index: dict[State, int] = {}
    args = [a if i in static else split(a, index) for i, a in enumerate(args)]
    kwargs = split(kwargs, index)
    arg_states = list(index)

    def attempt(plan: Plan) -> tuple[Any, Plan, list[State]]:
        def pure(
            write_vals: list[Any], read_vals: list[Any], *args: Any, **kwargs: Any
        ):
            vals = [*write_vals, *read_vals]
            out, new_vals, _ = run_planned(
                fun, owner, plan, vals, args, kwargs, arg_states, reads=True
            )
            return out, new_vals

        plan = Plan(plan.writes, [*plan.reads, *arg_states])
        result = jax_call(
            pure, gather(plan.writes), gather(plan.reads), *args, **kwargs
        )
        return result, plan, list(known(arg_states, plan))

    return retrying(Plan(), attempt, owner)


def make_jaxpr(
    fun: Callable[..., Any], static_argnums: int | Sequence[int] = ()
) -> Callable[..., tuple[Any, tuple[State, ...]]]:
    """The jaxpr of a stateful function, and the States it takes and returns.

    The jaxpr's inputs are the written States' values, then the read-only
    States' values, then the arguments; its outputs are the function's output
    followed by the written States' new values. Nothing is written back.

    ```python
    import jax.numpy as jnp
    import eqstate

    w = eqstate.ParamState(jnp.ones(2))
    jaxpr, states = eqstate.transform.make_jaxpr(lambda x: x * w.value)(jnp.ones(2))
    assert states == (w,)
    ```
    """
    nums = (
        (static_argnums,) if isinstance(static_argnums, int) else tuple(static_argnums)
    )
    owner = owner_name("make_jaxpr", fun)

    @functools.wraps(fun)
    def traced(*args: Any, **kwargs: Any) -> tuple[Any, tuple[State, ...]]:
        shifted = tuple(i + 2 for i in nums)

        def call(pure: Callable[..., Any], *inputs: Any, **kw: Any) -> Any:
            return jax.make_jaxpr(pure, static_argnums=shifted)(*inputs, **kw)

        jaxpr, plan, _ = _trace(call, fun, owner, args, kwargs, nums)
        return jaxpr, (*plan.writes, *plan.reads)

    return traced


def eval_shape(fun: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """The output shapes of a stateful function, without running it.

    States are read abstractly and nothing is written back.

    ```python
    import jax.numpy as jnp
    import eqstate

    w = eqstate.ParamState(jnp.ones((3, 2)))
    out = eqstate.transform.eval_shape(lambda x: x @ w.value, jnp.ones((5, 3)))
    assert out.shape == (5, 2)
    ```
    """
    (out, _), _, states = _trace(
        jax.eval_shape, fun, owner_name("eval_shape", fun), args, kwargs
    )
    return restore(out, states)


class StateFinder:
    """Find the States a function reads and writes, without running it.

    ```python
    import jax.numpy as jnp
    import eqstate

    a = eqstate.ParamState(jnp.ones(()), name="a")
    b = eqstate.State(jnp.zeros(()), name="b")

    def f(x):
        b.value = a.value * x
        return x

    found = eqstate.transform.StateFinder(f, usage="all")(2.0)
    assert list(found.values()) == [a, b]
    ```

    Args:
        fun: the function to inspect.
        filter: only return States this filter matches (see `eqstate.filters`).
        usage: `"all"` (read or written), `"read"` (read, never written) or
            `"write"` (written).
        return_type: `"dict"` (`{0: state, 1: ...}` in first-use order) or
            `"list"`.
    """

    def __init__(
        self,
        fun: Callable[..., Any],
        filter: Filter = None,
        usage: Literal["all", "read", "write"] = "all",
        return_type: Literal["dict", "list"] = "dict",
    ):
        if usage not in ("all", "read", "write"):
            raise ValueError(f"usage must be 'all', 'read' or 'write', not {usage!r}")
        if return_type not in ("dict", "list"):
            raise ValueError(
                f"return_type must be 'dict' or 'list', not {return_type!r}"
            )
        self.fun = fun
        self.predicate: Predicate = to_predicate(True if filter is None else filter)
        self.usage = usage
        self.return_type = return_type

    def __call__(
        self, *args: Any, **kwargs: Any
    ) -> dict[int, State[Any]] | list[State[Any]]:
        found: list[State[Any]] = []

        def probe(*args: Any, **kwargs: Any) -> Any:
            out, frame = run(
                self.fun, args, kwargs, owner_name("StateFinder", self.fun)
            )
            written = list(frame.written)
            if self.usage == "write":
                found.extend(written)
            elif self.usage == "read":
                found.extend(s for s in frame.missed if s not in frame.written)
            else:
                found.extend(dict.fromkeys([*frame.missed, *written]))
            return out

        jax.eval_shape(probe, *args, **kwargs)
        selected = [s for s in found if self.predicate((), s)]
        if self.return_type == "list":
            return selected
        return dict(enumerate(selected))
