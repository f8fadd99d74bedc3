"""The checks `for_loop`, `scan`, `map` and the checkpointed loops share:
their inputs' lengths agree (`LoopLengthError`), and `map` with a
`batch_size` does not write States (`MapWriteError`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax.numpy as jnp
import jax.tree_util as jtu

from .. import _table
from .._errors import EqstateError, StateWriteError
from .._state import State
from ._engine import owner_name, run, scatter

__all__ = ["LoopLengthError", "MapWriteError", "loop_length", "without_writes"]


class LoopLengthError(EqstateError, ValueError):
    """The inputs of a loop disagree on its number of steps.

    `for_loop`, `scan`, `map` and the checkpointed loops take one slice of
    every input along its leading axis per step, so all inputs must have the
    same leading length, and `length` (only needed when there are no inputs)
    must agree with it. Like `jax.lax.scan`'s, the error is a `ValueError`.

    **Fix**: slice the inputs to one length, e.g. `for_loop(f, a[:n], b[:n])`,
    or drop `length`.

    ```python
    import jax.numpy as jnp
    import eqstate

    try:
        eqstate.transform.for_loop(lambda a, b: a + b, jnp.ones(5), jnp.ones(3))
    except eqstate.EqstateError as e:
        message = str(e)
    assert "different leading axis sizes: 5, 3" in message
    ```
    """


def loop_length(xs: Any, length: int | None, owner: str) -> int:
    """The number of steps of a loop over the leading axis of `xs` (checked)."""
    leaves = jtu.tree_leaves(xs)
    if not leaves:
        if length is None:
            raise LoopLengthError(
                f"{owner} got no values to loop over and no `length`. Pass the "
                "number of steps for a loop without inputs, e.g. "
                "`for_loop(f, length=10)`."
            )
        return length
    sizes = []
    for leaf in leaves:
        shape = jnp.shape(leaf)
        if not shape:
            raise LoopLengthError(
                f"{owner} got a value with no leading axis to loop over: {leaf!r}. "
                "Each step takes one slice of every input along its leading axis; "
                "pass one value per step (e.g. `jnp.full(n, x)`), or close over a "
                "constant instead of passing it."
            )
        sizes.append(shape[0])
    if length is not None and any(n != length for n in sizes):
        raise LoopLengthError(
            f"{owner} got length={length}, which disagrees with the leading axis "
            f"sizes of its inputs {sizes}. `length` is only needed when there are "
            f"no inputs: drop it, or slice the inputs to {length} steps "
            f"(`x[:{length}]`)."
        )
    if len(set(sizes)) > 1:
        listed = ", ".join(str(n) for n in sizes)
        shortest = min(sizes)
        raise LoopLengthError(
            f"{owner} got inputs with different leading axis sizes: {listed}. Each "
            "step takes one slice of every input, so all inputs need the same "
            f"length; slice them to agree, e.g. `x[:{shortest}]` for each input."
        )
    return sizes[0]


class MapWriteError(StateWriteError, ValueError):
    """`map(f, xs, batch_size=k)` was given an `f` that writes a State.

    With `batch_size`, `map` runs `f` on `k` slices at once (with `vmap`) and
    loops over the chunks, so a write would happen once per chunk, not once
    per slice: the result would depend on `batch_size`. The message names the
    State. Reading States is fine, and so are random draws (every slice gets
    its own key). Like brainstate's, the error is a `ValueError`.

    **Fix**: drop `batch_size` (a sequential loop, which can accumulate into
    States), or return the values instead of writing them.

    ```python
    import jax.numpy as jnp
    import eqstate

    count = eqstate.State(jnp.array(0))

    def f(x):
        count.value = count.value + 1
        return x * 2

    try:
        eqstate.transform.map(f, jnp.arange(5.0), batch_size=2)
    except eqstate.StateWriteError as e:
        message = str(e)
    assert "Drop batch_size" in message

    eqstate.transform.map(f, jnp.arange(5.0))  # the fix: one slice at a time
    assert int(count.value) == 5
    ```
    """


def _map_write_message(state: State, batch_size: int) -> str:
    return (
        f"eqstate.transform.map(..., batch_size={batch_size}) runs the function on "
        f"{batch_size} slices at once (with vmap), and the function writes "
        f"{state._describe()}: the write would happen once per chunk of "
        f"{batch_size} slices, not once per slice.\n"
        "Drop batch_size to run it one slice at a time (a sequential loop that "
        "can accumulate into States):\n\n"
        "    ys = eqstate.transform.map(f, xs)\n\n"
        "or return the values instead of writing them:\n\n"
        "    def f(x):\n"
        "        return y, new_value  # instead of `state.value = new_value`\n\n"
        "    ys, new_values = eqstate.transform.map(f, xs, batch_size=...)"
    )


def without_writes(f: Callable[..., Any], batch_size: int) -> Callable[..., Any]:
    """`f`, refusing to write States other than random streams (see `map`)."""
    from ._vmap import splits_lanes

    owner = owner_name("map", f)

    def checked(*x: Any) -> Any:
        out, frame = run(f, x, {}, owner)
        for state in frame.written:
            if not splits_lanes(state):
                raise MapWriteError(_map_write_message(state, batch_size))
        written = list(frame.written)  # random streams: vmap splits them per lane
        scatter(written, [frame.values[s] for s in written])
        for state in frame.created:  # local to the enclosing vmap, as if made there
            _table.create(state, frame.values[state])
        return out

    return checked
