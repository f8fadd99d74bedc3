"""Abstract tracing: `make_jaxpr`, `eval_shape`, `StateFinder`."""

from __future__ import annotations

import functools
from collections.abc import Callable, Hashable, Sequence
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
    all_states: bool = False,
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
            out, new_vals, frame = run_planned(
                fun, owner, plan, vals, args, kwargs, arg_states, reads=True
            )
            if all_states:  # the read-only States' values too (unchanged)
                new_vals = new_vals + [frame.values[s] for s in plan.reads]
            return out, new_vals

        plan = Plan(plan.writes, [*plan.reads, *arg_states])
        result = jax_call(
            pure, gather(plan.writes), gather(plan.reads), *args, **kwargs
        )
        return result, plan, list(known(arg_states, plan))

    return retrying(Plan(), attempt, owner)


def make_jaxpr(
    fun: Callable[..., Any],
    static_argnums: int | Sequence[int] = (),
    static_argnames: str | Sequence[str] = (),
    axis_env: Sequence[tuple[Any, int]] | None = None,
    return_shape: bool = False,
    return_only_write: bool = False,
) -> Callable[..., tuple[Any, ...]]:
    """The jaxpr of a stateful function, and the States it takes and returns.

    The jaxpr's inputs are the written States' values, then the read-only
    States' values, then the arguments; its outputs are the function's output
    followed by the States' new values: every State's (written, then
    read-only), or only the written ones with `return_only_write=True`.
    Nothing is written back.

    ```python
    import jax.numpy as jnp
    import eqstate

    w = eqstate.ParamState(jnp.ones(2))
    n = eqstate.State(jnp.array(0))

    def f(x):
        n.value += 1
        return x * w.value

    jaxpr, states = eqstate.transform.make_jaxpr(f)(jnp.ones(2))
    assert states == (n, w) and len(jaxpr.out_avals) == 3
    jaxpr, states, shape = eqstate.transform.make_jaxpr(
        f, return_only_write=True, return_shape=True
    )(jnp.ones(2))
    assert len(jaxpr.out_avals) == 2 and shape.shape == (2,)
    ```

    Args:
        fun: the function.
        static_argnums: positional arguments that are static (as in
            `jax.make_jaxpr`).
        static_argnames: the same, by keyword.
        axis_env: named axes the function uses, as in `jax.make_jaxpr`.
        return_shape: also return the output's shape structure.
        return_only_write: the jaxpr returns only the written States' values.

    Returns:
        A function returning `(jaxpr, states)`, or `(jaxpr, states, shape)`.
    """
    nums = (
        (static_argnums,) if isinstance(static_argnums, int) else tuple(static_argnums)
    )
    names = (
        (static_argnames,)
        if isinstance(static_argnames, str)
        else tuple(static_argnames)
    )
    owner = owner_name("make_jaxpr", fun)

    @functools.wraps(fun)
    def traced(*args: Any, **kwargs: Any) -> tuple[Any, ...]:
        shifted = tuple(i + 2 for i in nums)
        shape: list[Any] = []

        def call(pure: Callable[..., Any], *inputs: Any, **kw: Any) -> Any:
            made = jax.make_jaxpr(
                pure, static_argnums=shifted, axis_env=axis_env, return_shape=True
            )(*inputs, **kw)
            shape.append(made[1][0])
            return made[0]

        static = {k: v for k, v in kwargs.items() if k in names}
        target = functools.partial(fun, **static) if static else fun
        dynamic = {k: v for k, v in kwargs.items() if k not in names}
        jaxpr, plan, states = _trace(
            call, target, owner, args, dynamic, nums, all_states=not return_only_write
        )
        found = (*plan.writes, *plan.reads)
        if return_shape:
            return jaxpr, found, restore(shape[-1], states)
        return jaxpr, found

    return traced


def eval_shape(
    fun: Callable[..., Any],
    *args: Any,
    return_state_shapes: bool = False,
    **kwargs: Any,
) -> Any:
    """The output shapes of a stateful function, without running it.

    States are read abstractly and nothing is written back.

    ```python
    import jax.numpy as jnp
    import eqstate

    w = eqstate.ParamState(jnp.ones((3, 2)))
    out = eqstate.transform.eval_shape(lambda x: x @ w.value, jnp.ones((5, 3)))
    assert out.shape == (5, 2)
    states, out = eqstate.transform.eval_shape(
        lambda x: x @ w.value, jnp.ones((5, 3)), return_state_shapes=True
    )
    assert states[w].shape == (3, 2)
    ```

    Args:
        fun: the function.
        *args: its positional arguments (arrays or shape structures).
        return_state_shapes: also return `{State: shape}` for every State the
            function reads or writes (then `(state_shapes, out)`).
        **kwargs: its keyword arguments.
    """
    (out, vals), plan, states = _trace(
        jax.eval_shape,
        fun,
        owner_name("eval_shape", fun),
        args,
        kwargs,
        all_states=True,
    )
    out = restore(out, states)
    if return_state_shapes:
        return dict(zip((*plan.writes, *plan.reads), vals)), out
    return out


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
    both = eqstate.transform.StateFinder(f, usage="both", key_fn=lambda i, s: s.name)
    assert both(2.0) == {"read": {"a": a}, "write": {"b": b}}
    ```

    Args:
        fn: the function to inspect.
        filter: only return States this filter matches (see `eqstate.filters`).
        usage: `"all"` (read or written), `"read"` (read, never written),
            `"write"` (written), or `"both"` (`{"read": ..., "write": ...}`).
        return_type: `"dict"` (keyed by `key_fn`, by default the position in
            first-use order), `"list"` or `"tuple"`.
        key_fn: `key_fn(index, state)` gives the dict keys.
    """

    def __init__(
        self,
        fn: Callable[..., Any],
        filter: Filter = None,
        *,
        usage: Literal["all", "read", "write", "both"] = "all",
        return_type: Literal["dict", "list", "tuple"] = "dict",
        key_fn: Callable[[int, State[Any]], Hashable] | None = None,
    ):
        if usage not in ("all", "read", "write", "both"):
            raise ValueError(
                f"usage must be 'all', 'read', 'write' or 'both', not {usage!r}"
            )
        if return_type not in ("dict", "list", "tuple"):
            raise ValueError(
                f"return_type must be 'dict', 'list' or 'tuple', not {return_type!r}"
            )
        self.fn = fn
        self.predicate: Predicate = to_predicate(True if filter is None else filter)
        self.usage = usage
        self.return_type = return_type
        self.key_fn = key_fn

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """Same as `find`."""
        return self.find(*args, **kwargs)

    def find(self, *args: Any, **kwargs: Any) -> Any:
        """Trace the function abstractly on these arguments; return the States.

        Nothing runs: the function is traced with `jax.eval_shape`, and no
        State changes.

        ```python
        import jax.numpy as jnp
        import eqstate

        w = eqstate.ParamState(jnp.ones(2), name="w")
        n = eqstate.State(jnp.array(0), name="n")

        def step(x):
            n.value += 1
            return w.value * x

        finder = eqstate.transform.StateFinder(step, usage="write", return_type="list")
        assert finder.find(jnp.ones(2)) == [n] and int(n.value) == 0
        ```
        """
        found: dict[str, list[State[Any]]] = {}
        owner = owner_name("StateFinder", self.fn)

        def probe(*args: Any, **kwargs: Any) -> Any:
            out, frame = run(self.fn, args, kwargs, owner)
            written = list(frame.written)
            found["write"] = written
            found["read"] = [s for s in frame.missed if s not in frame.written]
            found["all"] = list(dict.fromkeys([*frame.missed, *written]))
            return None

        jax.eval_shape(probe, *args, **kwargs)
        if self.usage == "both":
            return {k: self._shape(found[k]) for k in ("read", "write")}
        return self._shape(found[self.usage])

    def _shape(self, states: list[State[Any]]) -> Any:
        selected = [s for s in states if self.predicate((), s)]
        if self.return_type == "list":
            return selected
        if self.return_type == "tuple":
            return tuple(selected)
        key = self.key_fn or (lambda i, s: i)
        return {key(i, s): s for i, s in enumerate(selected)}
