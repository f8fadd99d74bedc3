"""`named_call` and `named_scope`: names that show up in profiles and HLO."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any, overload

import jax

from ._jit import jit
from ._jit_options import static_arguments
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


@overload
def named_scope(
    name: str,
    static_argnums: int | Sequence[int] | None = None,
    static_argnames: str | Sequence[str] | None = None,
) -> Callable[[Callable[P, R]], JitWrapper[P, R]]: ...


@overload
def named_scope(
    name: str,
    static_argnums: int | Sequence[int] | Callable[..., Any] | None = None,
    static_argnames: str | Sequence[str] | Callable[..., Any] | None = None,
) -> Callable[[Callable[P, R]], Callable[P, R]]: ...


def named_scope(
    name: str,
    static_argnums: int | Sequence[int] | Callable[..., Any] | None = None,
    static_argnames: str | Sequence[str] | Callable[..., Any] | None = None,
) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """A decorator: `jit` the function under the name `name` (`jit_<name>` in HLO).

    ```python
    import jax.numpy as jnp
    import eqstate

    @eqstate.transform.named_scope("power", static_argnums=1)
    def power(x, n):
        return x**n

    assert power(jnp.array(2.0), 3).tolist() == 8.0
    assert "@jit_power" in power.lower(jnp.array(2.0), 3).as_text()

    # the static arguments may depend on the call (one jit per answer)
    @eqstate.transform.named_scope("scaled", static_argnums=lambda *a, **k: (1, 2))
    def scaled(x, n, scale):
        return x**n * scale

    assert scaled(jnp.array(2.0), 2, 3).tolist() == 12.0
    ```

    Args:
        name: the name of the compiled computation.
        static_argnums: static positional arguments, as in `jit`; or a
            function of the call's arguments that returns them.
        static_argnames: static keyword arguments, as in `jit`; or a function
            of the call's arguments that returns them.
    """

    def decorate(fun: Callable[P, R]) -> Any:  # (beartype 0.20: no ParamSpec)
        def jitted(nums: Any, names: Any) -> JitWrapper[P, R]:
            return jit(
                fun,
                static_argnums=() if nums is None else nums,
                static_argnames=() if names is None else names,
                name=name,
            )

        if not (callable(static_argnums) or callable(static_argnames)):
            return jitted(static_argnums, static_argnames)
        cache: dict[tuple[Any, Any], JitWrapper[P, R]] = {}

        @functools.wraps(fun)
        def call(*args: P.args, **kwargs: P.kwargs) -> R:
            nums: Any = static_argnums
            names: Any = static_argnames
            if callable(nums):
                nums = nums(*args, **kwargs)
            if callable(names):
                names = names(*args, **kwargs)
            key = static_arguments(
                fun, () if nums is None else nums, () if names is None else names
            )
            wrapper = cache.get(key)
            if wrapper is None:
                wrapper = cache[key] = jitted(*key)
            return wrapper(*args, **kwargs)

        return call

    return decorate
