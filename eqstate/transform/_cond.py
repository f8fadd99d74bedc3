"""Branches: `cond`, `switch`, `ifelse`.

Every branch returns the union of the States written by any branch: a State
written in one branch only keeps its current value in the others.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import jax
import jax.numpy as jnp

from ._engine import Plan, gather, owner_name, run, scatter

__all__ = ["cond", "ifelse", "switch"]


def _branch(fun: Callable[..., Any], plan: Plan, owner: str) -> Callable[..., Any]:
    def pure(vals: list[Any], *operands: Any) -> tuple[Any, list[Any]]:
        out, frame = run(fun, operands, {}, owner, zip(plan.writes, vals))
        plan.check(frame, reads=False)
        return out, [frame.values[s] for s in plan.writes]

    return pure


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

    def attempt(plan: Plan) -> Any:
        pures = [_branch(b, plan, owner) for b in branches]
        out, vals = jax.lax.switch(index, pures, gather(plan.writes), *operands)
        scatter(plan.writes, vals)
        return out

    return Plan().retrying(attempt)


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

    def attempt(plan: Plan) -> Any:
        branches = [_branch(false_fun, plan, owner), _branch(true_fun, plan, owner)]
        index = jnp.asarray(pred).astype(jnp.int32)
        out, vals = jax.lax.switch(index, branches, gather(plan.writes), *operands)
        scatter(plan.writes, vals)
        return out

    return Plan().retrying(attempt)


def ifelse(
    conditions: Sequence[Any], branches: Sequence[Callable[..., Any]], *operands: Any
) -> Any:
    """Call the branch of the first true condition (an if / elif / else chain).

    `branches` has one function per condition, or one more as the `else`
    branch taken when no condition holds.

    ```python
    import jax.numpy as jnp
    import eqstate

    def sign(x):
        return eqstate.transform.ifelse(
            [x > 0, x < 0], [lambda: 1, lambda: -1, lambda: 0]
        )

    assert [int(sign(v)) for v in (3.0, -2.0, 0.0)] == [1, -1, 0]
    ```
    """
    conditions = list(conditions)
    if len(branches) not in (len(conditions), len(conditions) + 1):
        raise ValueError(
            f"ifelse needs one branch per condition (plus an optional else branch); "
            f"got {len(conditions)} conditions and {len(branches)} branches."
        )
    stacked = jnp.stack([jnp.asarray(c, dtype=bool) for c in conditions])
    first = jnp.argmax(stacked)
    if len(branches) == len(conditions):
        index = first
    else:
        index = jnp.where(jnp.any(stacked), first, len(conditions))
    return switch(index, branches, *operands)
