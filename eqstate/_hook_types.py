"""The pieces of state hooks: the contexts a hook receives, `Hook`,
`HookHandle` and `HookConfig` (their errors are in `_hook_errors.py`).
`_hook_manager.py` runs them."""

from __future__ import annotations

import itertools
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from ._hook_errors import HookError, HookExecutionError, HookRegistrationError
from ._state import State

if TYPE_CHECKING:
    from ._hooks import HookManager

__all__ = [
    "Hook",
    "HookConfig",
    "HookContext",
    "HookHandle",
    "HookCallback",
    "HookType",
    "InitHookContext",
    "MutableWriteHookContext",
    "ReadHookContext",
    "RestoreHookContext",
    "WriteHookContext",
]

HookType = Literal["read", "write_before", "write_after", "restore", "init"]
HookCallback = Callable[[Any], Any]
"""A hook's callback: called with the `HookContext` subclass of its kind
(`ReadHookContext`, `MutableWriteHookContext`, ...)."""
HOOK_TYPES: tuple[str, ...] = ("read", "write_before", "write_after", "restore", "init")


# -- contexts ---------------------------------------------------------------


@dataclass(slots=True)
class HookContext:
    """What a hook's callback receives: the operation and the State.

    `state_ref` is a weak reference, so a hook never keeps a State alive;
    `state` and `state_name` read it. `metadata` is free for the callbacks.

    ```python
    import jax.numpy as jnp
    import eqstate

    s = eqstate.State(jnp.zeros(2), name="v")
    seen = []
    with s.temporary_hook("read", lambda ctx: seen.append((ctx.operation, ctx.state_name))):
        s.value
    assert seen == [("read", "v")]
    ```

    Args:
        operation: `"read"`, `"write_before"`, `"write_after"`, `"restore"` or `"init"`.
        state_ref: a weak reference to the State.
        timestamp: when the operation happened (`time.time()`).
        metadata: free-form data for the callbacks.
    """

    operation: HookType
    state_ref: weakref.ref[State[Any]]
    timestamp: float = field(default_factory=time.time)
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def state(self) -> State[Any] | None:
        """The State, or None once it has been garbage-collected."""
        return self.state_ref()

    @property
    def state_name(self) -> str | None:
        """The State's name (None when it has none or is gone)."""
        state = self.state_ref()
        return None if state is None else state.name


@dataclass(slots=True)
class ReadHookContext(HookContext):
    """The context of a `read` hook: `value` is the value being read.

    Under an eqstate transform the read happens at trace time, so `value` is
    a tracer there.

    ```python
    import jax.numpy as jnp
    import eqstate

    s = eqstate.State(jnp.arange(3))
    reads = []
    with s.temporary_hook("read", lambda ctx: reads.append(ctx.value.sum())):
        s.value
    assert int(reads[0]) == 3
    ```
    """

    value: Any = None


@dataclass(slots=True)
class WriteHookContext(HookContext):
    """The context of a `write_after` hook: the new `value` and the `old_value`.

    ```python
    import jax.numpy as jnp
    import eqstate

    s = eqstate.State(jnp.array(1.0))
    log = []
    with s.temporary_hook("write_after", lambda c: log.append((c.old_value, c.value))):
        s.value = jnp.array(2.0)
    assert [(float(a), float(b)) for a, b in log] == [(1.0, 2.0)]
    ```
    """

    value: Any = None
    old_value: Any = None


@dataclass(slots=True)
class MutableWriteHookContext(WriteHookContext):
    """The context of a `write_before` hook, which may change or cancel the write.

    `value` is the value the user wrote; `transformed_value` is what the
    hooks before this one made of it (hooks run by priority, highest first,
    each seeing the previous one's result). Set `transformed_value` to
    change what is written, or `cancel = True` (and `cancel_reason`) to
    refuse the write with a `HookCancellationError`.

    ```python
    import jax.numpy as jnp
    import eqstate

    s = eqstate.State(jnp.zeros(3))

    def clip(ctx):
        ctx.transformed_value = jnp.clip(ctx.transformed_value, -1.0, 1.0)

    with s.temporary_hook("write_before", clip):
        s.value = jnp.array([-5.0, 0.5, 5.0])
    assert s.value.tolist() == [-1.0, 0.5, 1.0]
    ```
    """

    transformed_value: Any = None
    cancel: bool = False
    cancel_reason: str | None = None


@dataclass(slots=True)
class RestoreHookContext(WriteHookContext):
    """The context of a `restore` hook (`State.restore_value`): `value` and `old_value`.

    ```python
    import jax.numpy as jnp
    import eqstate

    s = eqstate.State(jnp.array(3.0))
    restored = []
    with s.temporary_hook("restore", lambda ctx: restored.append(float(ctx.value))):
        s.restore_value(jnp.array(0.0))
    assert restored == [0.0]
    ```
    """


@dataclass(slots=True)
class InitHookContext(HookContext):
    """The context of an `init` hook: the new State's `value` and `init_metadata`.

    Init hooks are global (`register_state_hook("init", ...)`): they run when
    a State is constructed. `init_metadata` holds `_name`, `tag` and the
    other keyword metadata.

    ```python
    import jax.numpy as jnp
    import eqstate

    made = []
    handle = eqstate.register_state_hook(
        "init", lambda ctx: made.append(ctx.init_metadata["_name"])
    )
    eqstate.State(jnp.zeros(2), name="w")
    handle.remove()
    assert made == ["w"]
    ```
    """

    value: Any = None
    init_metadata: dict[str, Any] = field(default_factory=dict)


# -- hooks ------------------------------------------------------------------


@dataclass
class HookConfig:
    """How a `HookManager` treats a callback that raises.

    ```python
    import eqstate

    config = eqstate.HookConfig(on_error="raise")
    manager = eqstate.HookManager(config)
    assert manager.config.on_error == "raise"
    ```

    Args:
        on_error: `"raise"` (a `HookExecutionError`), `"log"` (a `HookWarning`,
            or `error_logger` when given) or `"ignore"`.
        error_logger: called as `error_logger(message, error, hook, context)`
            instead of warning.
        max_errors_per_hook: with `disable_on_error`, the errors after which a
            hook is disabled.
        disable_on_error: disable a hook once it reached `max_errors_per_hook`.
    """

    on_error: Literal["raise", "log", "ignore"] = "log"
    error_logger: Callable[[str, Exception, Hook, HookContext], None] | None = None
    max_errors_per_hook: int = 10
    disable_on_error: bool = False


_ids = itertools.count()
_ids_lock = threading.Lock()


class Hook:
    """A callback with a priority (higher runs first), a name and an on/off switch.

    `register_hook` and `register_state_hook` build these; `list_hooks` and
    `list_state_hooks` return them.

    ```python
    import weakref
    import jax.numpy as jnp
    import eqstate

    state = eqstate.State(jnp.zeros(2), name="v")
    ctx = eqstate.HookContext("read", weakref.ref(state))
    hook = eqstate.Hook(lambda ctx: ctx.state_name, priority=5, name="probe")
    assert hook.execute(ctx) == "v" and hook.name == "probe"
    hook.enabled = False
    assert hook.execute(ctx) is None
    ```

    Args:
        callback: called with the `HookContext`.
        priority: hooks of one kind run from the highest priority down (ties:
            in registration order).
        name: shown in errors; `hook_<n>` by default.
        enabled: whether the hook runs.
    """

    def __init__(
        self,
        callback: HookCallback,
        priority: int = 0,
        name: str | None = None,
        enabled: bool = True,
    ):
        if not callable(callback):
            raise HookRegistrationError(
                f"A hook's callback must be callable, got {type(callback).__name__} "
                f"{callback!r}. Pass a function of the context: "
                "`state.register_hook('read', lambda ctx: print(ctx.value))`."
            )
        with _ids_lock:
            self.hook_id: int = next(_ids)
        self.callback = callback
        self.priority = priority
        self.name: str = name or f"hook_{self.hook_id}"
        self.enabled = enabled
        self._error_count = 0

    def execute(self, context: HookContext) -> Any:
        """Call the callback with `context` (None when disabled).

        Raises:
            HookExecutionError: the callback raised (its error is the cause).
        """
        if not self.enabled:
            return None
        try:
            return self.callback(context)
        except Exception as e:
            raise HookExecutionError(
                f"Hook {self.name!r} raised {type(e).__name__}: {e}"
            ) from e

    def __lt__(self, other: Hook) -> bool:
        if self.priority != other.priority:
            return self.priority > other.priority
        return self.hook_id < other.hook_id

    def __repr__(self) -> str:
        status = "enabled" if self.enabled else "disabled"
        return f"Hook(name={self.name!r}, priority={self.priority}, {status})"


class HookHandle:
    """What registering a hook returns: enable, disable or remove it later.

    ```python
    import jax.numpy as jnp
    import eqstate

    s = eqstate.State(jnp.zeros(2))
    reads = []
    handle = s.register_hook("read", lambda ctx: reads.append(1))
    handle.disable()
    s.value
    handle.enable()
    s.value
    assert reads == [1] and handle.is_enabled()
    assert handle.remove() and handle.is_removed() and not s.has_hooks()
    ```

    Args:
        manager_ref: a weak reference to the `HookManager` holding the hook.
        hook: the hook.
        hook_type: its kind (`"read"`, ...).
    """

    def __init__(
        self, manager_ref: weakref.ref[HookManager], hook: Hook, hook_type: str
    ):
        self._manager_ref = manager_ref
        self._hook = hook
        self._hook_type = hook_type
        self._removed = False

    def _manager(self, action: str) -> HookManager:
        if self._removed:
            raise HookError(
                f"Cannot {action} hook {self.name!r}: it was removed. Register it "
                "again (`state.register_hook(...)`) to use it."
            )
        manager = self._manager_ref()
        if manager is None:
            raise HookError(
                f"Cannot {action} hook {self.name!r}: its State (or HookManager) "
                "no longer exists."
            )
        return manager

    def enable(self) -> None:
        """Run the hook again (after `disable`)."""
        manager = self._manager("enable")
        self._hook.enabled = True
        manager._invalidate_cache()

    def disable(self) -> None:
        """Stop running the hook, keeping it registered."""
        manager = self._manager("disable")
        self._hook.enabled = False
        manager._invalidate_cache()

    def remove(self) -> bool:
        """Unregister the hook; False if it was already removed."""
        if self._removed:
            return False
        manager = self._manager_ref()
        if manager is None or not manager.unregister_hook(self):
            return False
        self._removed = True
        return True

    def is_enabled(self) -> bool:
        """Whether the hook runs (False once removed)."""
        return not self._removed and self._hook.enabled

    def is_removed(self) -> bool:
        """Whether `remove` (or the manager) unregistered the hook."""
        return self._removed

    @property
    def name(self) -> str:
        """The hook's name."""
        return self._hook.name

    @property
    def priority(self) -> int:
        """The hook's priority."""
        return self._hook.priority

    def __repr__(self) -> str:
        if self._removed:
            return f"HookHandle(name={self.name!r}, removed)"
        status = "enabled" if self.is_enabled() else "disabled"
        return f"HookHandle(name={self.name!r}, priority={self.priority}, {status})"
