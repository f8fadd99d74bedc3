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

__all__ = ["BranchMismatchError", "CondPredicateError", "cond", "ifelse", "switch"]


class BranchMismatchError(EqstateError, TypeError):
    """Branches of `cond` / `switch` / `ifelse` disagree on a State's type, or
    return different types.

    Every branch returns the new value of each State any branch writes, so
    all branches must leave it with one shape and dtype; the values they
    return must agree in structure, shape and dtype too. The message names
    the State, or the branches and what each returns. Like JAX's, the error
    is a `TypeError`.

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


class CondPredicateError(EqstateError, TypeError):
    """The predicate of `cond` is not a scalar.

    `cond(pred, true_fun, false_fun)` picks one branch for the whole call, so
    `pred` must be a single boolean (a Python bool or a 0-d array). Like
    JAX's, the error is a `TypeError`.

    **Fix**: reduce the predicate to one value (`jnp.all(mask)`,
    `jnp.any(mask)`), or choose elementwise with `jnp.where(mask, a, b)`.

    ```python
    import jax.numpy as jnp
    import eqstate

    try:
        eqstate.transform.cond(jnp.array([True, False]), lambda: 1.0, lambda: 2.0)
    except eqstate.EqstateError as e:
        message = str(e)
    assert "scalar boolean" in message
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
    index: Any,
    branches: Sequence[Callable[..., Any]],
    operands: Any,
    owner: str,
    names: Sequence[str],
) -> Any:
    """`jax.lax.switch` over the branches; `names` name them in errors."""
    found: dict[State, int] = {}
    operands = split(tuple(operands), found)
    arg_states = list(found)

    def attempt(plan: Plan) -> Any:
        pures = [_branch(b, plan, owner, arg_states) for b in branches]
        vals = gather(plan.writes)
        try:
            out, vals = jax.lax.switch(index, pures, vals, *operands)
        except TypeError:  # JAX's branch-type error: name the State or branches
            _check_branch_types(pures, plan, vals, operands, owner, names)
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
    names: Sequence[str],
) -> None:
    """Name the State that branches leave with different types, or the
    branches that return different types."""
    shapes = [jax.eval_shape(p, vals, *operands) for p in pures]
    for i, state in enumerate(plan.writes):
        kinds = [_types(s[1][i]) for s in shapes]
        if any(k != kinds[0] for k in kinds[1:]):
            listed = ", ".join(str(k) for k in kinds)
            raise BranchMismatchError(
                f"{state._describe()} leaves the branches of {owner} with different "
                f"shapes/dtypes ({listed}). Each branch returns the State's new "
                "value, so every branch must give it the same shape and dtype."
            )
    outs = [_types(s[0]) for s in shapes]
    if any(o != outs[0] for o in outs[1:]):
        listed = "\n".join(f"    {n} returns {o}" for n, o in zip(names, outs))
        rule = (
            f"{' and '.join(names)} must return"
            if len(names) == 2
            else "every branch must return"
        )
        raise BranchMismatchError(
            f"The branches of {owner} return different types:\n{listed}\n"
            f"{rule} the same types: the same structure, shapes and dtypes. "
            "Make them agree, e.g. `return jnp.asarray(x, jnp.float32)` in each, "
            "or `jnp.zeros_like(y)` in the branch that has nothing to return."
        )


def _types(tree: Any) -> Any:
    """A branch output's structure with `dtype[shape]` leaves, for messages."""
    return jax.tree.map(lambda x: f"{x.dtype}{list(x.shape)}", tree)


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
    names = [f"branches[{i}]" for i in range(len(branches))]
    return _call_branches(index, branches, operands, owner, names)


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
    pred = jnp.asarray(pred)
    if pred.shape != ():
        raise CondPredicateError(
            f"{owner} got a predicate of shape {pred.shape}; the predicate of cond "
            "must be a scalar boolean, since it picks one branch for the whole "
            "call. Reduce it to one value, e.g. `cond(jnp.all(mask), true_fun, "
            "false_fun)`, or choose elementwise with `jnp.where(mask, a, b)`."
        )
    index = pred.astype(jnp.int32)
    names = ["false_fun", "true_fun"]  # (in the order of the branches)
    return _call_branches(index, [false_fun, true_fun], operands, owner, names)


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
