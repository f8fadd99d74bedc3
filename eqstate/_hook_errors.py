"""What state hooks raise and warn: `HookError` and its kinds, `HookWarning`."""

from __future__ import annotations

from ._errors import EqstateError

__all__ = [
    "HookCancellationError",
    "HookError",
    "HookExecutionError",
    "HookRegistrationError",
    "HookWarning",
]


class HookError(EqstateError):
    """Base class of the state-hook errors.

    ```python
    import eqstate

    handle = eqstate.register_state_hook("read", lambda ctx: None, name="probe")
    handle.remove()
    try:
        handle.enable()
    except eqstate.HookError as e:
        assert "it was removed" in str(e)
    ```
    """


class HookExecutionError(HookError):
    """A hook's callback raised (with `HookConfig(on_error="raise")`).

    The callback's exception is the `__cause__`. With the default
    `on_error="log"` the error becomes a `HookWarning` instead.

    ```python
    import jax.numpy as jnp
    import eqstate

    s = eqstate.State(jnp.zeros(2))
    s.hooks.config = eqstate.HookConfig(on_error="raise")
    s.register_hook("read", lambda ctx: 1 / 0, name="broken")
    try:
        s.value
    except eqstate.HookExecutionError as e:
        assert "'broken'" in str(e) and isinstance(e.__cause__, ZeroDivisionError)
    s.clear_hooks()
    ```
    """


class HookRegistrationError(HookError):
    """A hook could not be registered (an unknown hook type, a non-callable).

    ```python
    import jax.numpy as jnp
    import eqstate

    try:
        eqstate.State(jnp.zeros(2)).list_hooks("delete")
    except eqstate.HookRegistrationError as e:
        assert "Unknown hook type 'delete'" in str(e)
    ```
    """


class HookCancellationError(HookError):
    """A `write_before` hook cancelled a write (`ctx.cancel = True`).

    The State keeps its old value; the message names the hook and its reason.

    ```python
    import jax.numpy as jnp
    import eqstate

    s = eqstate.State(jnp.ones(2))

    def positive(ctx):
        if (ctx.value < 0).any():
            ctx.cancel, ctx.cancel_reason = True, "values must be >= 0"

    with s.temporary_hook("write_before", positive):
        try:
            s.value = -jnp.ones(2)
        except eqstate.HookCancellationError as e:
            assert "values must be >= 0" in str(e)
    assert s.value.tolist() == [1.0, 1.0]
    ```
    """


class HookWarning(UserWarning):
    """Issued when a hook's callback raises under `HookConfig(on_error="log")`.

    ```python
    import warnings
    import jax.numpy as jnp
    import eqstate

    s = eqstate.State(jnp.zeros(2))
    s.register_hook("read", lambda ctx: 1 / 0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        s.value  # the read succeeds; the error becomes a warning
    assert caught[0].category is eqstate.HookWarning
    s.clear_hooks()
    ```
    """
