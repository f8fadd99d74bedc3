"""Memory-bounded loops for reverse mode: `checkpointed_scan`,
`checkpointed_for_loop`, `bounded_while_loop`.

All three are equinox's bounded while loop (`equinox.internal.while_loop`
with `kind="bounded"`): the loop is nested into scans of `base` steps, and
reverse-mode autodiff stores only the carries at the boundaries of each
level, so the backward pass keeps O(base · log_base(n)) carries instead of n.
States written in the body are carried, as in `scan`; outputs are written
into preallocated buffers in place.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import jax.tree_util as jtu

from .._errors import EqstateError
from .._state import State
from ._engine import Plan, gather, known, owner_name, restore, retrying, scatter, split
from ._loop_checks import loop_length
from ._loops import _body_step, _cond_reader
from ._progress import ProgressBar, as_progress_bar

__all__ = ["bounded_while_loop", "checkpointed_for_loop", "checkpointed_scan"]


def checkpointed_scan(
    f: Callable[[Any, Any], tuple[Any, Any]],
    init: Any,
    xs: Any,
    length: int | None = None,
    base: int = 16,
    pbar: ProgressBar | int | None = None,
) -> tuple[Any, Any]:
    """`scan` whose reverse-mode gradient needs O(log n) memory, not O(n).

    Same results and gradients as `eqstate.transform.scan`; the backward pass
    keeps `base · ⌈log_base n⌉` carries and recomputes the steps between them
    (equinox's checkpointed while loop, a binomial "treeverse" schedule)
    instead of storing every step. Over 10,000 steps of a 256-wide recurrent
    cell the compiled backward pass needs about 1/200 of `scan`'s scratch
    memory (`python -m benchmarks.checkpointed_memory`). Reverse mode only:
    forward-mode transforms (`jvp`, `jacfwd`, `hessian`, `fwd_grad`) need
    `scan`.

    ```python
    import jax.numpy as jnp
    import eqstate

    w = eqstate.ParamState(jnp.array(0.9))

    def loss(x0):
        def body(c, x):
            return c * w.value + x, c

        c, _ = eqstate.transform.checkpointed_scan(body, x0, jnp.ones(20), base=4)
        return c

    g = eqstate.transform.grad(loss, grad_states=w)(1.0)

    def plain(x0):
        return eqstate.transform.scan(lambda c, x: (c * w.value + x, c), x0,
                                      jnp.ones(20))[0]

    assert jnp.allclose(g, eqstate.transform.grad(plain, grad_states=w)(1.0))
    ```

    Args:
        f: the body `f(carry, x) -> (carry, y)`; States it writes are carried.
        init: the initial (non-State) carry.
        xs: the values scanned over (leading axis).
        length: the number of steps when `xs` is None.
        base: sets the number of checkpoints, `base · ⌈log_base n⌉` (memory
            grows with it, recomputation shrinks).
        pbar: a `ProgressBar` (or an update frequency).
    """
    owner = owner_name("checkpointed_scan", f)
    bar = as_progress_bar(pbar)
    index: dict[State, int] = {}
    init, xs = split((init, xs), index)
    arg_states = list(index)
    n = loop_length(xs, length, owner)

    def attempt(plan: Plan) -> tuple[Any, Any]:
        def step(user_carry: Any, x: Any, vals: list[Any]) -> Any:
            return _body_step(f, (user_carry, x), plan, vals, owner, arg_states)

        def x_at(i: Any) -> Any:
            return jtu.tree_map(lambda a: a[i], xs)

        vals = gather(plan.writes)
        (_, y0), _ = jax.eval_shape(step, init, x_at(0), vals)
        ys0 = jtu.tree_map(lambda s: jnp.zeros((n, *s.shape), s.dtype), y0)

        def body(carry: Any) -> Any:
            i, user_carry, vals, ys = carry
            (user_carry, y), vals = step(user_carry, x_at(i), vals)
            ys = jtu.tree_map(lambda v, b: b.at[i].set(v), y, ys)  # buffers in place
            if bar is not None:
                bar.tick(i, n, carry=user_carry, y=y)
            return i + 1, user_carry, vals, ys

        import equinox.internal as eqxi  # imported on first use: slow to import

        _, carry, vals, ys = eqxi.while_loop(
            lambda c: c[0] < n,
            body,
            (jnp.asarray(0), init, vals, ys0),
            max_steps=n,
            buffers=lambda c: c[3],
            kind="checkpointed",
            checkpoints=_checkpoints(n, base),
        )
        scatter(plan.writes, vals)
        states = list(known(arg_states, plan))
        return restore(carry, states), restore(ys, states)

    return retrying(Plan(), attempt, owner)


class _CheckpointError(EqstateError, ValueError):
    """An invalid `base` for a checkpointed loop."""


def _checkpoints(n: int, base: int) -> int:
    """The carries kept for the backward pass: `base · ⌈log_base n⌉` (at most n).

    The memory the nested-scan scheme of `bounded_while_loop` would use; the
    binomial (treeverse) schedule of equinox's checkpointed loop recomputes
    the fewest steps for that many checkpoints.
    """
    if n <= 1:
        return 1
    if base < 2:
        raise _CheckpointError(
            f"checkpointed loops need base >= 2, got base={base}; the default "
            "is base=16."
        )
    levels = max(1, math.ceil(math.log(n) / math.log(base) - 1e-9))
    return max(1, min(n, base * levels))


def checkpointed_for_loop(
    f: Callable[..., Any],
    *xs: Any,
    length: int | None = None,
    base: int = 16,
    pbar: ProgressBar | int | None = None,
) -> Any:
    """`for_loop` whose reverse-mode gradient needs O(log n) memory.

    ```python
    import jax.numpy as jnp
    import eqstate

    v = eqstate.State(jnp.array(0.0))

    def step(x):
        v.value = 0.5 * v.value + x
        return v.value

    out = eqstate.transform.checkpointed_for_loop(step, jnp.ones(3), base=2)
    assert out.tolist() == [1.0, 1.5, 1.75]
    ```

    Args:
        f: the step function, called with one slice of each of `xs`.
        *xs: arrays (or pytrees) iterated over their leading axis.
        length: the number of steps when no `xs` are given.
        base: sets the number of checkpoints, `base · ⌈log_base n⌉`.
        pbar: a `ProgressBar` (or an update frequency).
    """

    def body(carry: None, x: tuple[Any, ...] | None) -> tuple[None, Any]:
        return None, f() if x is None else f(*x)  # (no xs: `length` calls)

    body.__qualname__ = getattr(f, "__qualname__", "checkpointed_for_loop")
    _, ys = checkpointed_scan(
        body, None, xs if xs else None, length=length, base=base, pbar=pbar
    )
    return ys


def bounded_while_loop(
    cond_fun: Callable[[Any], Any],
    body_fun: Callable[[Any], Any],
    init_val: Any,
    *,
    max_steps: int,
    base: int = 16,
) -> Any:
    """A `while_loop` of at most `max_steps` steps that reverse-mode autodiff
    can differentiate (memory ~ base · log_base(max_steps)).

    ```python
    import jax.numpy as jnp
    import eqstate

    n = eqstate.State(jnp.array(0))

    def body(x):
        n.value += 1
        return x * 2.0

    out = eqstate.transform.bounded_while_loop(
        lambda x: x < 100.0, body, 1.0, max_steps=10
    )
    assert float(out) == 128.0 and int(n.value) == 7
    ```

    Args:
        cond_fun: the condition; may only read States.
        body_fun: the body; States it writes are carried.
        init_val: the initial (non-State) value.
        max_steps: the most iterations the loop may take.
        base: the nesting base of the checkpointing (nested scans).
    """
    owner = owner_name("bounded_while_loop", body_fun)
    index: dict[State, int] = {}
    init_val = split(init_val, index)
    arg_states = list(index)

    def attempt(plan: Plan) -> Any:
        cond = _cond_reader(cond_fun, plan, arg_states)

        def body(carry: tuple[Any, list[Any]]) -> tuple[Any, list[Any]]:
            value, vals = carry
            return _body_step(body_fun, (value,), plan, vals, owner, arg_states)

        import equinox.internal as eqxi

        value, vals = eqxi.while_loop(
            cond,
            body,
            (init_val, gather(plan.writes)),
            max_steps=max_steps,
            kind="bounded",
            base=base,
        )
        scatter(plan.writes, vals)
        return restore(value, list(known(arg_states, plan)))

    return retrying(Plan(), attempt, owner)
