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
    """


class StateLeakError(EqstateError):
    """A State holds a value from a trace that has ended.

    This happens when a State is created inside a transform (its value is a
    tracer of that transform) and then used after the transform returned, for
    example when `init_all_states(model)` runs inside `jit` for a model that
    lives outside it.

    **Fix**: create States (and call `init_all_states`) outside the transform,
    or return the values you need from the transformed function.
    """


class StateWriteError(EqstateError):
    """A State write was refused because it breaks an eqstate rule.

    For example a `while_loop` condition function may only read States, and
    a structure that was frozen after construction may not gain new States.
    The message says which State and what to do instead.
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
    """
