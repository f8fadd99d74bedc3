"""`jit`: compile a function that reads and writes States (`JitWrapper`
does the work: see `_jit_wrapper`)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, overload

from ._jit_options import JitOptions
from ._jit_wrapper import JitWrapper, P, R

__all__ = ["jit"]


@overload
def jit(
    fun: Callable[P, R],
    in_shardings: Any = None,
    out_shardings: Any = None,
    static_argnums: int | Sequence[int] = (),
    donate_argnums: int | Sequence[int] | None = None,
    static_argnames: str | Sequence[str] = (),
    donate_argnames: str | Sequence[str] | None = None,
    keep_unused: bool = False,
    device: Any = None,
    backend: str | None = None,
    inline: bool = False,
    name: str | None = None,
    *,
    donate: bool = True,
) -> JitWrapper[P, R]: ...
@overload
def jit(
    fun: None = None,
    in_shardings: Any = None,
    out_shardings: Any = None,
    static_argnums: int | Sequence[int] = (),
    donate_argnums: int | Sequence[int] | None = None,
    static_argnames: str | Sequence[str] = (),
    donate_argnames: str | Sequence[str] | None = None,
    keep_unused: bool = False,
    device: Any = None,
    backend: str | None = None,
    inline: bool = False,
    name: str | None = None,
    *,
    donate: bool = True,
) -> Callable[[Callable[P, R]], JitWrapper[P, R]]: ...
def jit(
    fun: Callable[P, R] | None = None,
    in_shardings: Any = None,
    out_shardings: Any = None,
    static_argnums: int | Sequence[int] = (),
    donate_argnums: int | Sequence[int] | None = None,
    static_argnames: str | Sequence[str] = (),
    donate_argnames: str | Sequence[str] | None = None,
    keep_unused: bool = False,
    device: Any = None,
    backend: str | None = None,
    inline: bool = False,
    name: str | None = None,
    *,
    donate: bool = True,
) -> JitWrapper[P, R] | Callable[[Callable[P, R]], JitWrapper[P, R]]:
    """Compile a function that reads and writes States, like `jax.jit`.

    The function may read and write any State it reaches, through its
    arguments (modules included) or through closures. The first call traces
    it once, learns which States it reads and writes, and compiles a pure
    function `(state values, args) -> (out, new state values)`; later calls
    with same-shaped arguments only gather the current values, run the
    compiled code and write the new values back.

    On a method (`@jit def step(self, x)`), `model.step` is `jit` of the
    bound method, made once per instance and holding it weakly: each
    instance traces once, and a call costs what `jit(model)`'s does.

    A State a module assigns anew (`init_all_states(model)` run again) takes
    the old one's place: later calls read and write the new State, reusing
    the compiled code when it is of the same kind, name and metadata.

    Written States' buffers are donated to XLA when nothing else can see
    them (a value eqstate produced that nobody read since); an array you
    passed in or read out stays valid. Such a value is copied before the call,
    and a State that needs a copy every call (one a loop records each step)
    stops being donated once the copies have cost what compiling did.
    `donate=False` turns donation off.

    ```python
    import jax.numpy as jnp
    import eqstate

    count = eqstate.State(jnp.array(0))

    @eqstate.transform.jit
    def step(x):
        count.value += 1
        return x * 2

    step(jnp.ones(3))
    step(jnp.ones(3))
    assert int(count.value) == 2
    ```

    Ahead of time (`eval_shape`, `trace`, `lower`, `compile`), nothing runs
    and no State changes:

    ```python
    import jax
    import jax.numpy as jnp
    import eqstate

    w = eqstate.ParamState(jnp.ones(3))

    @eqstate.transform.jit
    def scale(x):
        w.value = w.value * x
        return w.value.sum()

    assert scale.eval_shape(2.0) == jax.ShapeDtypeStruct((), jnp.float32)
    assert "stablehlo.multiply" in scale.lower(2.0).as_text()
    scale.compile(2.0)
    assert float(w.value[0]) == 1.0  # unchanged
    assert float(scale(2.0)) == 6.0 and scale.origin_fun.__name__ == "scale"
    ```

    Args:
        fun: the function (or module) to compile; `jit` also works as a
            decorator with keyword arguments only.
        in_shardings: shardings of the positional arguments (as in
            `jax.jit`; State values keep their own).
        out_shardings: shardings of the output (States keep their own).
        static_argnums: positional arguments that are hashed into the cache
            key instead of traced (as in `jax.jit`).
        donate_argnums: positional arguments whose buffers XLA may reuse
            (as in `jax.jit`: you may not use them after the call).
        static_argnames: the same as `static_argnums`, by keyword.
        donate_argnames: the same as `donate_argnums`, by keyword.
        keep_unused: as in `jax.jit`.
        device: as in `jax.jit`.
        backend: as in `jax.jit`.
        inline: as in `jax.jit`.
        name: the name of the lowered computation (default: the function's).
        donate: donate the buffers of written States where that is safe.

    Returns:
        A callable with `fun`'s signature, plus brainstate's ahead-of-time
        methods: `.trace(*args)`, `.lower(*args)`, `.compile(*args)`,
        `.eval_shape(*args)` (none runs the function or changes a State),
        `.clear_cache()` and `.origin_fun`.
    """
    options = JitOptions(
        in_shardings,
        out_shardings,
        donate_argnums,
        donate_argnames,
        keep_unused,
        device,
        backend,
        inline,
        name,
    )
    if fun is None:

        def decorate(f: Callable[P, R]) -> Any:  # (beartype 0.20: no ParamSpec)
            return JitWrapper(f, static_argnums, static_argnames, donate, options)

        return decorate
    return JitWrapper(fun, static_argnums, static_argnames, donate, options)
