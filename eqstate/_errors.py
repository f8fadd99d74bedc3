"""The error hierarchy. Each class docstring is the troubleshooting page for it."""

from __future__ import annotations

__all__ = [
    "BatchAxisError",
    "EqstateError",
    "StateLeakError",
    "StateWriteError",
    "TraceContextError",
]


class EqstateError(Exception):
    """Base class of every error eqstate raises on purpose.

    Catch this to handle any eqstate misuse in one place:

    ```python
    import eqstate

    try:
        eqstate.environ.get("no_such_setting")
    except eqstate.EqstateError as e:
        print(type(e).__name__)
    ```
    """


class TraceContextError(EqstateError):
    """A State was written where the write would be lost.

    JAX transforms such as `jax.jit`, `jax.vmap`, `jax.lax.scan` or
    `eqx.filter_jit` trace a function into a pure computation: any write to a
    State inside them is a Python side effect that happens once, at trace
    time, and holds a tracer that dies when the trace ends. eqstate therefore
    refuses the write and tells you which State it was.

    **Fix**: use the state-aware transform from `eqstate.transform` instead
    (`eqstate.transform.jit`, `vmap`, `for_loop`, ...), which threads the
    State through the computation and writes the result back afterwards.
    Reading States under raw JAX transforms is fine.

    ```python
    import jax
    import jax.numpy as jnp
    import eqstate

    count = eqstate.State(jnp.array(0))

    def step():
        count.value += 1

    try:
        jax.jit(step)()  # the write would be lost: raises
    except eqstate.TraceContextError as e:
        message = str(e)
    assert "eqstate.transform.jit" in message

    eqstate.transform.jit(step)()  # the fix
    assert int(count.value) == 1
    ```
    """


class StateLeakError(EqstateError):
    """A State's value is gone: it was a tracer of a trace that has ended.

    This happens when a State is created inside a transform (its value is a
    tracer of that transform) and then used after the transform returned, for
    example when `init_all_states(model)` runs inside `jit` for a model that
    lives outside it.

    **Fix**: create States (and call `init_all_states`) outside the transform,
    or return the values you need from the transformed function.

    It also happens when a jitted function fails while running (in a
    callback, say) after XLA took the buffers donated to it: the written
    States lost their values. Give them new ones, and pass `donate=False` to
    `jit` if the function can fail at run time and its States must survive.

    ```python
    import jax.numpy as jnp
    import eqstate

    created = []

    @eqstate.transform.jit
    def f(x):
        created.append(eqstate.State(x))  # local to this trace
        return x

    f(jnp.ones(2))
    try:
        created[0].value
    except eqstate.StateLeakError as e:
        message = str(e)
    assert "created inside eqstate.transform.jit(f)" in message
    ```
    """


class StateWriteError(EqstateError):
    """A State write was refused because it breaks an eqstate rule.

    For example a `while_loop` condition function may only read States, and
    a structure that was frozen after construction may not gain new States.
    The message says which State and what to do instead.

    ```python
    import jax.numpy as jnp
    import eqstate

    n = eqstate.State(jnp.array(0))

    def cond(i):
        n.value += 1  # a condition may only read States
        return i < 3

    try:
        eqstate.transform.while_loop(cond, lambda i: i + 1, 0)
    except eqstate.StateWriteError as e:
        message = str(e)
    assert "condition" in message
    ```
    """


class BatchAxisError(EqstateError):
    """A State was written with a batched value inside `vmap`, undeclared.

    Inside `eqstate.transform.vmap` every lane computes its own value. A State
    that is not declared in `out_states` has a single, unbatched value, so a
    batched write would have to pick one lane and drop the rest.

    **Fix**: declare the State in `out_states` (and in `in_states` if each lane
    should also start from its own value), for example
    `vmap(f, in_states=model.states(), out_states=model.states())`, or create
    the module inside the vmapped function so its States are local to it.

    ```python
    import jax.numpy as jnp
    import eqstate

    total = eqstate.State(jnp.zeros(()))

    def add(x):
        total.value = total.value + x  # a different value in every lane
        return x

    try:
        eqstate.transform.vmap(add)(jnp.arange(3.0))
    except eqstate.BatchAxisError as e:
        message = str(e)
    assert "out_states" in message

    eqstate.transform.vmap(add, out_states=[total])(jnp.arange(3.0))  # the fix
    assert total.value.tolist() == [0.0, 1.0, 2.0]
    ```
    """
