"""`vjp` and `jvp` for functions that read and write States."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import jax
import jax.tree_util as jtu

from .._state import State, is_state
from ._autodiff import _unique_states
from ._engine import export, gather, owner_name, restore, run, scatter, split, unsplit

__all__ = ["jvp", "vjp"]


def vjp(
    fun: Callable[..., Any],
    *primals: Any,
    grad_states: Any = None,
    argnums: int | Sequence[int] | None = 0,
    has_aux: bool = False,
) -> tuple[Any, ...]:
    """The output of `fun(*primals)` and its vector-Jacobian product function.

    Like `jax.vjp`, differentiating the positional arguments `argnums` and
    the States `grad_states`. States the function writes are written back.
    `vjp_fn(cotangent)` returns gradients structured as `grad` returns them:
    `state_grads` (the container of `grad_states`), `arg_grads`, or both as a
    tuple.

    ```python
    import jax.numpy as jnp
    import eqstate

    w = eqstate.ParamState(jnp.array([1.0, 2.0]))
    out, vjp_fn = eqstate.transform.vjp(lambda x: w.value * x, jnp.ones(2),
                                         grad_states={"w": w})
    state_grads, x_grad = vjp_fn(jnp.ones(2))
    assert state_grads["w"].tolist() == [1.0, 1.0] and x_grad.tolist() == [1.0, 2.0]
    ```

    Args:
        fun: the function.
        *primals: its positional arguments.
        grad_states: States to differentiate (a State, list, tuple or dict).
        argnums: positional arguments to differentiate; None for States only.
        has_aux: `fun` returns `(out, aux)`; then `(out, vjp_fn, aux)` is
            returned.
    """
    owner = owner_name("vjp", fun)
    states = [] if grad_states is None else _unique_states(grad_states)
    single = isinstance(argnums, int)
    nums: tuple[int, ...] = (
        () if argnums is None else ((argnums,) if single else tuple(argnums))
    )  # type: ignore[arg-type]
    nums = tuple(i % len(primals) for i in nums) if primals else ()
    if not nums and not states:
        raise ValueError(
            "vjp has nothing to differentiate: pass positional arguments (argnums) "
            "and/or grad_states."
        )
    index: dict[State[Any], int] = {}
    args = [a if i in nums else split(a, index) for i, a in enumerate(primals)]
    arg_states = list(index)
    written: list[State[Any]] = []

    def pure(state_vals: list[Any], diff: tuple[Any, ...]) -> Any:
        full = list(args)
        for pos, i in enumerate(nums):
            full[i] = diff[pos]
        out, frame = run(
            fun, unsplit(full, arg_states), {}, owner, zip(states, state_vals)
        )
        with frame:
            out = export(out, frame, {s: i for i, s in enumerate(arg_states)})
        primal, aux = out if has_aux else (out, None)
        written[:] = list(frame.written)
        return primal, (aux, [frame.values[s] for s in written])

    primal, pull, (aux, new_vals) = jax.vjp(
        pure, gather(states), tuple(primals[i] for i in nums), has_aux=True
    )
    scatter(written, new_vals)
    aux = restore(aux, arg_states)
    lookup = {id(s): i for i, s in enumerate(states)}

    def vjp_fn(cotangent: Any) -> Any:
        state_ct, arg_ct = pull(cotangent)
        arg_grads = arg_ct[0] if single and nums else arg_ct
        if not states:
            return arg_grads
        by_state = jtu.tree_map(
            lambda s: state_ct[lookup[id(s)]], grad_states, is_leaf=is_state
        )
        return (by_state, arg_grads) if nums else by_state

    return (primal, vjp_fn, aux) if has_aux else (primal, vjp_fn)


def jvp(
    fun: Callable[..., Any],
    primals: Sequence[Any],
    tangents: Sequence[Any],
    *,
    has_aux: bool = False,
) -> tuple[Any, ...]:
    """`jax.jvp` for a function that reads and writes States.

    States read inside are constants of the differentiation; States written
    are written back.

    ```python
    import jax.numpy as jnp
    import eqstate

    w = eqstate.ParamState(jnp.array(3.0))
    calls = eqstate.State(jnp.array(0))

    def f(x):
        calls.value += 1
        return w.value * x**2

    y, dy = eqstate.transform.jvp(f, (2.0,), (1.0,))
    assert float(y) == 12.0 and float(dy) == 12.0 and int(calls.value) == 1
    ```

    Args:
        fun: the function.
        primals: its positional arguments (a tuple or list).
        tangents: one tangent per primal.
        has_aux: `fun` returns `(out, aux)`; then `(out, tangent_out, aux)`.
    """
    if not isinstance(primals, (tuple, list)) or not isinstance(
        tangents, (tuple, list)
    ):
        raise TypeError("jvp: `primals` and `tangents` must be tuples or lists.")
    owner = owner_name("jvp", fun)
    written: list[State[Any]] = []

    def pure(*args: Any) -> Any:
        out, frame = run(fun, args, {}, owner)
        with frame:
            out = export(out, frame, {})
        primal, aux = out if has_aux else (out, None)
        written[:] = list(frame.written)
        return primal, (aux, [frame.values[s] for s in written])

    primal, tangent, (aux, new_vals) = jax.jvp(
        pure, tuple(primals), tuple(tangents), has_aux=True
    )
    scatter(written, new_vals)
    aux = restore(aux, [])
    return (primal, tangent, aux) if has_aux else (primal, tangent)
