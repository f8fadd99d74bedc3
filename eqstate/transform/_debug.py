"""Runtime checks inside compiled code: `checkify`, `jit_error_if`,
`debug_nan`, `breakpoint_if`, `unvmap`, and JAX's checkify error sets."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax.experimental import checkify as _cfy

from .._errors import EqstateError
from .._state import State
from ._engine import export, owner_name, restore, run, scatter

__all__ = [
    "JitCheckError",
    "all_checks",
    "automatic_checks",
    "breakpoint_if",
    "check",
    "check_error",
    "checkify",
    "debug_nan",
    "debug_nan_if",
    "div_checks",
    "float_checks",
    "index_checks",
    "jit_error_if",
    "nan_checks",
    "unvmap",
    "user_checks",
]

all_checks = _cfy.all_checks
automatic_checks = _cfy.automatic_checks
div_checks = _cfy.div_checks
float_checks = _cfy.float_checks
index_checks = _cfy.index_checks
nan_checks = _cfy.nan_checks
user_checks = _cfy.user_checks
check = _cfy.check
check_error = _cfy.check_error


class JitCheckError(EqstateError, RuntimeError, ValueError):
    """A runtime check raised by `jit_error_if` or `debug_nan` failed.

    The message is the one given to `jit_error_if` (formatted with its
    arguments' runtime values), or for `debug_nan` the first operation that
    produced a NaN and where it was written. It is also a `RuntimeError` and
    a `ValueError`, which brainstate raises (a jitted check failing in XLA's
    runtime, an eager one), so `except` clauses written for brainstate catch it.

    ```python
    import jax.numpy as jnp
    import eqstate

    try:
        eqstate.transform.jit_error_if(jnp.array(True), "x was {x}", x=3)
    except eqstate.transform.JitCheckError as e:
        assert "x was 3" in str(e)
    ```
    """


def checkify(fun: Callable[..., Any], errors: Any = user_checks) -> Callable[..., Any]:
    """`jax.experimental.checkify.checkify` for a function that uses States.

    Returns `f(*args) -> (error, out)`; call `error.throw()` (or
    `check_error(error)` inside a jitted function) to raise. States written
    by `fun` are written back.

    ```python
    import jax.numpy as jnp
    import eqstate

    n = eqstate.State(jnp.array(0))

    def f(x):
        n.value += 1
        eqstate.transform.check(x > 0, "x must be positive, got {x}", x=x)
        return jnp.log(x)

    err, out = eqstate.transform.checkify(f)(jnp.array(-1.0))
    assert err.get() is not None and "positive" in err.get()
    assert int(n.value) == 1
    ```

    Args:
        fun: the function to check.
        errors: which checks to enable (`user_checks`, `nan_checks`,
            `div_checks`, `index_checks`, `float_checks`, `automatic_checks`,
            `all_checks`, or a union).
    """
    owner = owner_name("checkify", fun)

    def checked(*args: Any, **kwargs: Any) -> tuple[Any, Any]:
        written: list[State[Any]] = []

        def pure(*args: Any, **kwargs: Any) -> Any:
            out, frame = run(fun, args, kwargs, owner)
            with frame:
                out = export(out, frame, {})
            written[:] = list(frame.written)
            return out, [frame.values[s] for s in written]

        err, (out, new_vals) = _cfy.checkify(pure, errors=errors)(*args, **kwargs)
        scatter(written, new_vals)
        return err, restore(out, [])

    return checked


def _format(error: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> str:
    if callable(error):
        return str(error(*args, **kwargs))
    return str(error).format(*args, **kwargs)


def jit_error_if(
    pred: Any, error: Callable[..., Any] | str, *err_args: Any, **err_kwargs: Any
) -> None:
    """Raise `JitCheckError` at run time when `pred` holds, also inside `jit`.

    `error` is a message (formatted with `err_args`/`err_kwargs`' runtime
    values) or a callable returning one. Under `jit` the error reaches the
    caller wrapped in JAX's runtime error, with the message in its text.

    ```python
    import jax.numpy as jnp
    import eqstate

    @eqstate.transform.jit
    def safe_sqrt(x):
        eqstate.transform.jit_error_if(jnp.any(x < 0), "negative input: {}", x)
        return jnp.sqrt(x)

    assert safe_sqrt(jnp.array([4.0])).tolist() == [2.0]
    try:
        safe_sqrt(jnp.array([-1.0]))
    except Exception as e:  # JAX wraps errors raised while the program runs
        assert "negative input" in str(e)
    ```
    """

    def raise_if(flag: Any, *args: Any, **kwargs: Any) -> None:
        if np.any(np.asarray(flag)):
            raise JitCheckError(_format(error, args, kwargs))

    jax.debug.callback(raise_if, jnp.any(jnp.asarray(pred)), *err_args, **err_kwargs)


def debug_nan(fn: Callable[..., Any], *args: Any, phase: str = "") -> None:
    """Run `fn(*args)` one operation at a time; raise at the first NaN.

    Interprets the function's jaxpr eagerly, equation by equation, and raises
    `JitCheckError` naming the first primitive whose output holds a NaN (or
    infinity) while its inputs did not, with its source line.

    ```python
    import jax.numpy as jnp
    import eqstate

    def f(x):
        y = x - 1.0
        return jnp.log(y)  # NaN for x < 1

    eqstate.transform.debug_nan(f, jnp.array([2.0]))  # fine
    try:
        eqstate.transform.debug_nan(f, jnp.array([0.5]), phase="forward")
    except eqstate.transform.JitCheckError as e:
        assert "log" in str(e) and "forward" in str(e)
    ```
    """
    closed = jax.make_jaxpr(fn)(*args)
    jaxpr = closed.jaxpr
    env: dict[Any, Any] = {}

    def read(v: Any) -> Any:
        return v.val if hasattr(v, "val") and not hasattr(v, "count") else env[v]

    for v, c in zip(jaxpr.constvars, closed.consts):
        env[v] = c
    for v, a in zip(jaxpr.invars, jax.tree.leaves(args)):
        env[v] = a
    for eqn in jaxpr.eqns:
        ins = [read(v) for v in eqn.invars]
        outs = eqn.primitive.bind(*ins, **eqn.params)
        outs = outs if eqn.primitive.multiple_results else [outs]
        if _bad(outs) and not _bad(ins):
            where = f" during {phase}" if phase else ""
            raise JitCheckError(
                f"NaN or Inf first produced{where} by `{eqn.primitive.name}` "
                f"({_source(eqn)}); its inputs were finite."
            )
        for v, o in zip(eqn.outvars, outs):
            env[v] = o


def _bad(values: list[Any]) -> bool:
    for x in values:
        arr = np.asarray(x)
        if np.issubdtype(arr.dtype, np.inexact) and not np.all(np.isfinite(arr)):
            return True
    return False


def _source(eqn: Any) -> str:
    from jax.extend import source_info_util

    return source_info_util.summarize(eqn.source_info)


def debug_nan_if(
    has_nan: Any, fn: Callable[..., Any], *args: Any, phase: str = ""
) -> None:
    """`debug_nan(fn, *args)` when `has_nan` holds at run time (also in `jit`).

    ```python
    import jax.numpy as jnp
    import eqstate

    x = jnp.array([1.0, 2.0])
    eqstate.transform.debug_nan_if(jnp.isnan(x).any(), jnp.log, x)  # no NaN: no-op
    ```
    """

    def maybe(flag: Any, *args: Any) -> None:
        if np.any(np.asarray(flag)):
            debug_nan(fn, *args, phase=phase)

    jax.debug.callback(maybe, jnp.any(jnp.asarray(has_nan)), *args)


def breakpoint_if(pred: Any, **breakpoint_kwargs: Any) -> Any:
    """`jax.debug.breakpoint()` only when `pred` holds (also inside `jit`).

    ```python
    import jax.numpy as jnp
    import eqstate

    eqstate.transform.breakpoint_if(jnp.array(False))  # does not stop
    ```
    """
    return jax.lax.cond(
        jnp.any(jnp.asarray(pred)),
        lambda: jax.debug.breakpoint(**breakpoint_kwargs),
        lambda: None,
    )


def unvmap(x: Any, op: str = "any") -> Any:
    """Reduce `x` over every `vmap` batch axis it carries (and its own axes).

    `op="any"` / `"all"` give one boolean for all lanes, `"max"` the maximum:
    the usual way to stop a batched `while_loop` when every lane is done.
    `op="none"` reduces nothing: every lane sees the whole batch of `x`.

    ```python
    import jax
    import jax.numpy as jnp
    import eqstate

    out = jax.vmap(lambda x: eqstate.transform.unvmap(x > 1.0, op="any"))(
        jnp.array([0.0, 2.0])
    )
    assert out.tolist() == [True, True]
    ```
    """
    import equinox.internal as eqxi  # imported on first use: it is slow to import

    if op == "any":
        return eqxi.unvmap_any(x)
    if op == "all":
        return eqxi.unvmap_all(x)
    if op == "max":
        return eqxi.unvmap_max(x)
    if op == "none":
        return _whole_batch(x)
    raise ValueError(f"unvmap: op must be 'any', 'all', 'max' or 'none', not {op!r}.")


@jax.custom_batching.custom_vmap
def _whole_batch(x: Any) -> Any:
    return x


@_whole_batch.def_vmap
def _whole_batch_vmap(axis_size: int, in_batched: list[bool], x: Any) -> Any:
    # the batch axis stays in the value, and the result is not batched: every
    # lane sees all of them (nested vmaps unwrap one level per rule call)
    return _whole_batch(x), False
