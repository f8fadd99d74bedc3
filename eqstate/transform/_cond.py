"""Branches: `cond`, `switch`, `ifelse`.

Every branch returns the union of the States written by any branch: a State
written in one branch only keeps its current value in the others.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import jax
import jax.numpy as jnp

from .._errors import EqstateError
from .._state import State
from ._engine import (
    Plan,
    gather,
    known,
    owner_name,
    restore,
    retrying,
    run_planned,
    scatter,
    split,
)

__all__ = ["BranchMismatchError", "cond", "ifelse", "switch"]


class BranchMismatchError(EqstateError):
    """Branches of `cond` / `switch` / `ifelse` disagree on a State's type.

    Every branch returns the new value of each State any branch writes, so
    all branches must leave it with one shape and dtype. The message names
    the State and the types the branches gave it.

    **Fix**: give the value the same shape and dtype in every branch.

    ```python
    import jax.numpy as jnp
    import eqstate

    x = eqstate.State(jnp.zeros(2))

    def grow():
        x.value = jnp.zeros(3)

    try:
        eqstate.transform.cond(jnp.array(True), grow, lambda: None)
    except eqstate.transform.BranchMismatchError as e:
        message = str(e)
    assert "every branch" in message
    ```
    """


def _branch(
    fun: Callable[..., Any], plan: Plan, owner: str, arg_states: Sequence[State]
) -> Callable[..., Any]:
    def pure(vals: list[Any], *operands: Any) -> tuple[Any, list[Any]]:
        out, new_vals, _ = run_planned(
            fun, owner, plan, vals, operands, {}, arg_states, reads=False
        )
        return out, new_vals

    return pure


def _call_branches(
    index: Any, branches: Sequence[Callable[..., Any]], operands: Any, owner: str
) -> Any:
    found: dict[State, int] = {}
    operands = split(tuple(operands), found)
    arg_states = list(found)

    def attempt(plan: Plan) -> Any:
        pures = [_branch(b, plan, owner, arg_states) for b in branches]
        vals = gather(plan.writes)
        try:
            out, vals = jax.lax.switch(index, pures, vals, *operands)
        except TypeError:  # JAX's branch-type error: name the State if it is one
            _check_branch_types(pures, plan, vals, operands, owner)
            raise
        scatter(plan.writes, vals)
        return restore(out, list(known(arg_states, plan)))

    return retrying(Plan(), attempt, owner)


def _check_branch_types(
    pures: Sequence[Callable[..., Any]],
    plan: Plan,
    vals: list[Any],
    operands: Any,
    owner: str,
) -> None:
    """Name the State that branches leave with different types."""
    if not plan.writes:
        return
    shapes = [jax.eval_shape(p, vals, *operands)[1] for p in pures]
    for i, state in enumerate(plan.writes):
        kinds = [jax.tree.map(lambda x: (x.shape, x.dtype), s[i]) for s in shapes]
        if any(k != kinds[0] for k in kinds[1:]):
            listed = ", ".join(str(k) for k in kinds)
            raise BranchMismatchError(
                f"{state._describe()} leaves the branches of {owner} with different "
                f"shapes/dtypes ({listed}). Each branch returns the State's new "
                "value, so every branch must give it the same shape and dtype."
            )


def switch(index: Any, branches: Sequence[Callable[..., Any]], *operands: Any) -> Any:
    """Call `branches[index](*operands)`, like `jax.lax.switch`, with States.

    ```python
    import jax.numpy as jnp
    import eqstate

    hits = eqstate.State(jnp.zeros(3))

    def hit(k):
        return lambda: hits.__setattr__("value", hits.value.at[k].add(1.0))

    for i in [0, 2, 2]:
        eqstate.transform.switch(i, [hit(0), hit(1), hit(2)])
    assert hits.value.tolist() == [1.0, 0.0, 2.0]
    ```
    """
    owner = owner_name("switch", branches[0])
    return _call_branches(index, branches, operands, owner)


def cond(
    pred: Any,
    true_fun: Callable[..., Any],
    false_fun: Callable[..., Any],
    *operands: Any,
) -> Any:
    """`true_fun(*operands)` if `pred` else `false_fun(*operands)`, with States.

    Both branches are traced; a State written in only one of them works (the
    other branch leaves it unchanged).

    ```python
    import jax.numpy as jnp
    import eqstate

    x = eqstate.State(jnp.array(1.0))

    def double():
        x.value = x.value * 2

    eqstate.transform.cond(jnp.array(True), double, lambda: None)
    assert float(x.value) == 2.0
    ```
    """
    owner = owner_name("cond", true_fun)
    index = jnp.asarray(pred).astype(jnp.int32)
    return _call_branches(index, [false_fun, true_fun], operands, owner)


def ifelse(
    conditions: Sequence[Any],
    branches: Sequence[Callable[..., Any]],
    *operands: Any,
    check_cond: bool = True,
) -> Any:
    """Call the branch whose condition holds: a multi-way `if` / `elif` chain.

    There is one branch per condition. With `check_cond=True` (the default)
    exactly one condition must hold, checked at run time (also under `jit`);
    with `check_cond=False` the first true condition wins, and the last
    branch runs when none holds.

    ```python
    import jax.numpy as jnp
    import eqstate

    def sign(x):
        return eqstate.transform.ifelse(
            [x > 0, x < 0, x == 0], [lambda: 1, lambda: -1, lambda: 0]
        )

    assert [int(sign(v)) for v in (3.0, -2.0, 0.0)] == [1, -1, 0]
    ```

    Args:
        conditions: boolean scalars (mutually exclusive when `check_cond`).
        branches: one callable per condition, called with `*operands`.
        *operands: passed to the chosen branch.
        check_cond: check that exactly one condition holds.
    """
    if len(branches) != len(conditions) or len(branches) < 2:
        raise ValueError(
            f"ifelse needs one branch per condition and at least two of each; got "
            f"{len(conditions)} conditions and {len(branches)} branches."
        )
    flags = jnp.stack([jnp.asarray(c, dtype=bool) for c in conditions])
    if check_cond:
        from ._debug import jit_error_if

        jit_error_if(
            jnp.sum(flags) != 1,
            "ifelse: exactly one condition must hold, got {}. Pass "
            "check_cond=False for first-true-wins.",
            flags,
        )
    index = jnp.where(jnp.any(flags), jnp.argmax(flags), len(conditions) - 1)
    return switch(index, branches, *operands)
