"""Loops: `for_loop`, `scan`, `while_loop`, `map`, and `remat`/`checkpoint`.

States written in a loop body are carried (they are inputs and outputs of
every iteration); States only read are closed over. The plan of carried
States is found by tracing the body and growing the plan on a `Retry`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any, ParamSpec, TypeVar, overload

import jax
import jax.numpy as jnp
import jax.tree_util as jtu

from .._errors import EqstateError, StateWriteError
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
    scatter,
    split,
    unsplit,
)
from ._loop_checks import loop_length, without_writes
from ._progress import ProgressBar

__all__ = [
    "LoopCarryError",
    "checkpoint",
    "for_loop",
    "map",
    "remat",
    "scan",
    "while_loop",
]


class LoopCarryError(EqstateError):
    """A State written in a loop body changed its shape, dtype or structure.

    A loop (`for_loop`, `scan`, `while_loop`) carries every State its body
    writes from one iteration to the next, so the value must keep its shape
    and dtype. The message names the State and both types.

    **Fix**: cast or reshape the new value to the State's type, e.g.
    `state.value = new.astype(state.value.dtype)`.

    ```python
    import jax.numpy as jnp
    import eqstate

    n = eqstate.State(jnp.array(0))  # an int32 counter

    def body(i):
        n.value = n.value + 0.5  # becomes float32

    try:
        eqstate.transform.for_loop(body, jnp.arange(3))
    except eqstate.transform.LoopCarryError as e:
        message = str(e)
    assert "astype" in message
    ```
    """


def _check_carry(
    states: Sequence[State], old: Sequence[Any], new: Sequence[Any], owner: str
):
    """Name the State whose value changed shape or dtype inside a loop body."""
    for state, a, b in zip(states, old, new):
        ta, tb = jtu.tree_structure(a), jtu.tree_structure(b)
        sa = [(jnp.shape(x), jnp.result_type(x)) for x in jtu.tree_leaves(a)]
        sb = [(jnp.shape(x), jnp.result_type(x)) for x in jtu.tree_leaves(b)]
        if ta != tb or sa != sb:
            raise LoopCarryError(
                f"{state._describe()} changes from {sa} to {sb} inside {owner}. A "
                "loop carries each written State, so its shape and dtype must stay "
                "the same across iterations; cast the new value, e.g. "
                "`state.value = new.astype(state.value.dtype)`."
            )


def _body_step(
    fun: Callable[..., Any],
    args: Sequence[Any],
    plan: Plan,
    vals: Sequence[Any],
    owner: str,
    arg_states: Sequence[State],
) -> tuple[Any, list[Any]]:
    out, new_vals, _ = run_planned(
        fun, owner, plan, vals, tuple(args), {}, arg_states, reads=False
    )
    _check_carry(plan.writes, vals, new_vals, owner)
    return out, new_vals


def _cond_reader(
    cond_fun: Callable[[Any], Any], plan: Plan, arg_states: Sequence[State]
) -> Callable[[tuple[Any, list[Any]]], Any]:
    """A while loop's condition: reads the carried States, may not write."""
    cond_owner = owner_name("while_loop.cond_fun", cond_fun)

    def cond(carry: tuple[Any, list[Any]]) -> Any:
        value, vals = carry
        value = unsplit(value, arg_states)
        out, frame = run(cond_fun, (value,), {}, cond_owner, zip(plan.writes, vals))
        if frame.written:
            state = next(iter(frame.written))
            raise StateWriteError(
                f"{state._describe()} was written in the condition of {cond_owner}. "
                "A while_loop condition may only read States (it is evaluated "
                "an extra time and its writes could not be kept); move the "
                "write into body_fun."
            )
        return out

    return cond


def scan(
    f: Callable[[Any, Any], tuple[Any, Any]],
    init: Any,
    xs: Any = None,
    length: int | None = None,
    reverse: bool = False,
    unroll: int | bool = 1,
    pbar: ProgressBar | int | None = None,
) -> tuple[Any, Any]:
    """`jax.lax.scan` for a body `f(carry, x) -> (carry, y)` that uses States.

    ```python
    import jax.numpy as jnp
    import eqstate

    total = eqstate.State(jnp.array(0.0))

    def body(c, x):
        total.value += x
        return c + 1, total.value

    n, partial_sums = eqstate.transform.scan(body, 0, jnp.arange(4.0))
    assert int(n) == 4 and partial_sums.tolist() == [0.0, 1.0, 3.0, 6.0]
    assert float(total.value) == 6.0
    ```

    Args:
        f: the body; States it writes are carried across iterations.
        init: the initial (non-State) carry.
        xs: the values scanned over (leading axis).
        length: the number of iterations when `xs` is None.
        reverse: iterate from the end.
        unroll: as in `jax.lax.scan`.
        pbar: a `ProgressBar` (or an update frequency).
    """
    return _scan(f, init, xs, length, reverse, unroll, pbar, owner_name("scan", f))


def _scan(
    f: Callable[[Any, Any], tuple[Any, Any]],
    init: Any,
    xs: Any,
    length: int | None,
    reverse: bool,
    unroll: int | bool,
    pbar: ProgressBar | int | None,
    owner: str,
) -> tuple[Any, Any]:
    """`scan`, its errors naming `owner` (the public loop the user called)."""
    bar = None
    if pbar is not None:  # (the progress-bar module loads for loops that show one)
        from ._progress import as_progress_bar

        bar = as_progress_bar(pbar)
    index: dict[State, int] = {}
    init, xs = split((init, xs), index)
    arg_states = list(index)
    n = loop_length(xs, length, owner)

    def attempt(plan: Plan) -> tuple[Any, Any]:
        def body(carry: Any, x: Any) -> tuple[Any, Any]:
            i, user_carry, vals = carry
            (user_carry, y), new_vals = _body_step(
                f, (user_carry, x), plan, vals, owner, arg_states
            )
            if bar is not None:
                bar.tick(i, n, carry=user_carry, y=y)
                i = i + 1
            return (i, user_carry, new_vals), y

        counter = None if bar is None else jnp.asarray(0)
        init_carry = (counter, init, gather(plan.writes))
        (_, carry, vals), ys = jax.lax.scan(
            body, init_carry, xs, length=length, reverse=reverse, unroll=unroll
        )
        scatter(plan.writes, vals)
        states = list(known(arg_states, plan))
        return restore(carry, states), restore(ys, states)

    return retrying(Plan(), attempt, owner)


def for_loop(
    f: Callable[..., Any],
    *xs: Any,
    length: int | None = None,
    reverse: bool = False,
    unroll: int | bool = 1,
    pbar: ProgressBar | int | None = None,
) -> Any:
    """Run `f(*x_t)` for every slice `x_t` of `xs`; return the stacked outputs.

    The workhorse of simulations: States written in `f` (a neuron's voltage,
    a counter) carry over from one step to the next and hold their final
    values afterwards; the loop compiles to one `jax.lax.scan`.

    ```python
    import jax.numpy as jnp
    import eqstate

    v = eqstate.State(jnp.array(0.0))

    def step(i, x):
        v.value = 0.5 * v.value + x
        return v.value

    trace = eqstate.transform.for_loop(step, jnp.arange(3), jnp.ones(3))
    assert trace.tolist() == [1.0, 1.5, 1.75]
    ```

    Args:
        f: the step function, called with one slice of each of `xs`.
        *xs: arrays (or pytrees) iterated over their leading axis.
        length: the number of steps when no `xs` are given.
        reverse: iterate from the end.
        unroll: as in `jax.lax.scan`.
        pbar: show a progress bar: a `ProgressBar`, or an int to update every
            that many steps.
    """

    def body(carry: None, x: tuple[Any, ...] | None) -> tuple[None, Any]:
        return None, f() if x is None else f(*x)  # (no xs: `length` calls)

    body.__qualname__ = getattr(f, "__qualname__", "for_loop")
    owner = owner_name("for_loop", f)
    xs_or_none = xs if xs else None
    _, ys = _scan(body, None, xs_or_none, length, reverse, unroll, pbar, owner)
    return ys


def while_loop(
    cond_fun: Callable[[Any], Any], body_fun: Callable[[Any], Any], init_val: Any
) -> Any:
    """`jax.lax.while_loop` for functions that use States.

    `body_fun` may write States (they are carried); `cond_fun` may only read
    them: a write there raises `StateWriteError` naming the State.

    ```python
    import jax.numpy as jnp
    import eqstate

    n = eqstate.State(jnp.array(0))

    def body(x):
        n.value += 1
        return x * 2

    out = eqstate.transform.while_loop(lambda x: x < 100, body, 1)
    assert int(out) == 128 and int(n.value) == 7
    ```
    """
    owner = owner_name("while_loop", body_fun)
    index: dict[State, int] = {}
    init_val = split(init_val, index)
    arg_states = list(index)

    def attempt(plan: Plan) -> Any:
        cond = _cond_reader(cond_fun, plan, arg_states)

        def body(carry: tuple[Any, list[Any]]) -> tuple[Any, list[Any]]:
            value, vals = carry
            return _body_step(body_fun, (value,), plan, vals, owner, arg_states)

        value, vals = jax.lax.while_loop(cond, body, (init_val, gather(plan.writes)))
        scatter(plan.writes, vals)
        return restore(value, list(known(arg_states, plan)))

    return retrying(Plan(), attempt, owner)


def map(
    f: Callable[..., Any],
    *xs: Any,
    batch_size: int | None = None,
) -> Any:
    """Apply `f` to slices of `xs` sequentially, `batch_size` at a time.

    With `batch_size=None` this is `for_loop`; otherwise each chunk of
    `batch_size` slices is vectorised with `vmap` and the chunks run in a
    loop, bounding memory. `f` may then read States and draw random numbers
    but not write States (`MapWriteError`): a write would count once per
    chunk.

    ```python
    import jax.numpy as jnp
    import eqstate

    out = eqstate.transform.map(lambda x: x**2, jnp.arange(5.0), batch_size=2)
    assert out.tolist() == [0.0, 1.0, 4.0, 9.0, 16.0]
    ```
    """
    if batch_size is None:
        return for_loop(f, *xs)
    from ._vmap import vmap

    n = loop_length(xs, None, owner_name("map", f))
    n_full = (n // batch_size) * batch_size
    batched = vmap(without_writes(f, batch_size))
    head = jtu.tree_map(lambda x: x[:n_full].reshape(-1, batch_size, *x.shape[1:]), xs)
    ys = for_loop(lambda *chunk: batched(*chunk), *head)
    ys = jtu.tree_map(lambda y: y.reshape(-1, *y.shape[2:]), ys)
    if n_full == n:
        return ys
    tail = batched(*jtu.tree_map(lambda x: x[n_full:], xs))
    return jtu.tree_map(lambda a, b: jnp.concatenate([a, b]), ys, tail)


P = ParamSpec("P")
R = TypeVar("R")


@overload
def remat(
    fun: Callable[P, R],
    *,
    prevent_cse: bool = True,
    policy: Callable[..., bool] | None = None,
    static_argnums: int | tuple[int, ...] = (),
) -> Callable[P, R]: ...
@overload
def remat(
    fun: None = None,
    *,
    prevent_cse: bool = True,
    policy: Callable[..., bool] | None = None,
    static_argnums: int | tuple[int, ...] = (),
) -> Callable[[Callable[P, R]], Callable[P, R]]: ...
def remat(
    fun: Callable[..., Any] | None = None,
    *,
    prevent_cse: bool = True,
    policy: Callable[..., bool] | None = None,
    static_argnums: int | tuple[int, ...] = (),
) -> Any:
    """`jax.checkpoint` for functions that use States: recompute, don't store.

    ```python
    import jax.numpy as jnp
    import eqstate

    w = eqstate.ParamState(jnp.array(3.0))
    f = eqstate.transform.remat(lambda x: jnp.sin(w.value * x))
    g = eqstate.transform.grad(f, grad_states=[w])(1.0)
    assert abs(float(g[0]) - float(jnp.cos(3.0))) < 1e-6
    ```
    """
    if fun is None:
        return functools.partial(
            remat, prevent_cse=prevent_cse, policy=policy, static_argnums=static_argnums
        )
    owner = owner_name("remat", fun)
    nums = (static_argnums,) if isinstance(static_argnums, int) else static_argnums

    @functools.wraps(fun)
    def wrapped(*args: Any) -> Any:
        index: dict[State, int] = {}
        args = tuple(a if i in nums else split(a, index) for i, a in enumerate(args))
        arg_states = list(index)

        def attempt(plan: Plan) -> Any:
            def pure(vals: list[Any], *args: Any) -> tuple[Any, list[Any]]:
                out, new_vals, _ = run_planned(
                    fun, owner, plan, vals, args, {}, arg_states, reads=False
                )
                return out, new_vals

            checkpointed = jax.checkpoint(
                pure,
                prevent_cse=prevent_cse,
                policy=policy,
                static_argnums=tuple(i + 1 for i in nums),
            )
            out, vals = checkpointed(gather(plan.writes), *args)
            scatter(plan.writes, vals)
            return restore(out, list(known(arg_states, plan)))

        return retrying(Plan(), attempt, owner)

    return wrapped


checkpoint = remat
"""brainstate's other name for `remat` (like `jax.checkpoint`)."""
