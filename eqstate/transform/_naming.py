"""`named_call` and `named_scope`: names that show up in profiles and HLO."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

import jax

from ._jit import jit
from ._jit_wrapper import JitWrapper, P, R

__all__ = ["named_call", "named_scope"]


def named_call(fun: Callable[P, R] | None = None, *, name: str | None = None) -> Any:
    """Give the operations of `fun` a name in traces, profiles and HLO.

    Like `jax.named_call`; States are read and written as in the caller.

    ```python
    import jax
    import jax.numpy as jnp
    import eqstate

    @eqstate.transform.named_call(name="double_it")
    def double(x):
        return x * 2

    text = jax.jit(double).lower(jnp.ones(2)).as_text(debug_info=True)
    assert "double_it" in text
    ```

    Args:
        fun: the function; `named_call(name=...)` returns a decorator.
        name: the name (default: the function's).
    """
    if fun is None:
        return functools.partial(named_call, name=name)
    return jax.named_call(fun, name=name)


def named_scope(
    name: str,
    static_argnums: int | Sequence[int] | None = None,
    static_argnames: str | Sequence[str] | None = None,
) -> Callable[[Callable[P, R]], JitWrapper[P, R]]:
    """A decorator: `jit` the function under the name `name` (`jit_<name>` in HLO).

    ```python
    import jax.numpy as jnp
    import eqstate

    @eqstate.transform.named_scope("power", static_argnums=1)
    def power(x, n):
        return x**n

    assert power(jnp.array(2.0), 3).tolist() == 8.0
    assert "@jit_power" in power.lower(jnp.array(2.0), 3).as_text()
    ```

    Args:
        name: the name of the compiled computation.
        static_argnums: static positional arguments, as in `jit`.
        static_argnames: static keyword arguments, as in `jit`.
    """

    def decorate(fun: Callable[P, R]) -> Any:  # (beartype 0.20: no ParamSpec)
        return jit(
            fun,
            static_argnums=() if static_argnums is None else static_argnums,
            static_argnames=() if static_argnames is None else static_argnames,
            name=name,
        )

    return decorate
