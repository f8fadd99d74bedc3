"""`HookManager`: the hooks of one State (or of all, as `GlobalHookRegistry`)."""

from __future__ import annotations

import threading
import warnings
import weakref
from typing import Any

from ._hook_errors import (
    HookCancellationError,
    HookExecutionError,
    HookRegistrationError,
    HookWarning,
)
from ._hook_types import (
    HOOK_TYPES,
    Hook,
    HookCallback,
    HookConfig,
    HookContext,
    HookHandle,
    HookType,
    InitHookContext,
    MutableWriteHookContext,
    ReadHookContext,
    RestoreHookContext,
    WriteHookContext,
)

__all__ = ["HookManager"]


class _UnknownHookType(HookRegistrationError, ValueError):
    """A hook type that is none of `HOOK_TYPES`."""


def _check_type(hook_type: str | None, allow_none: bool = True) -> None:
    if (hook_type is None and allow_none) or hook_type in HOOK_TYPES:
        return
    raise _UnknownHookType(
        f"Unknown hook type {hook_type!r}. The hook types are "
        f"{', '.join(map(repr, HOOK_TYPES))}."
    )


class HookManager:
    """The hooks of one State (`state.hooks`), or a standalone set of hooks.

    Hooks of each kind run by priority, highest first (ties in registration
    order). `write_before` hooks chain: each sees the previous one's
    `transformed_value`.

    ```python
    import eqstate

    manager = eqstate.HookManager()
    handle = manager.register_hook("read", lambda ctx: None, priority=10, name="r")
    assert manager.has_hooks("read") and not manager.has_hooks("write_after")
    assert [h.name for h in manager.get_hooks()] == ["r"]
    manager.clear_hooks()
    assert not manager.has_hooks()
    ```

    Args:
        config: how callbacks that raise are handled (`HookConfig()` by default).
    """

    def __init__(self, config: HookConfig | None = None):
        self._lock = threading.RLock()
        self._hooks: dict[str, list[Hook]] = {t: [] for t in HOOK_TYPES}
        self._has_hooks = False
        self._cache: dict[str, list[Hook]] | None = None
        self.config: HookConfig = config or HookConfig()

    def register_hook(
        self,
        hook_type: HookType,
        callback: HookCallback,
        priority: int = 0,
        name: str | None = None,
        enabled: bool = True,
    ) -> HookHandle:
        """Add a hook of kind `hook_type`; the handle enables, disables or removes it."""
        _check_type(hook_type, allow_none=False)
        hook = Hook(callback, priority, name, enabled)
        with self._lock:
            self._hooks[hook_type].append(hook)
            self._has_hooks = True
            self._cache = None
        self._notify()
        return HookHandle(weakref.ref(self), hook, hook_type)

    def unregister_hook(self, handle: HookHandle) -> bool:
        """Remove the hook of `handle`; False if this manager does not hold it."""
        with self._lock:
            hooks = self._hooks.get(handle._hook_type, [])
            if handle._hook not in hooks:
                return False
            hooks.remove(handle._hook)
            handle._removed = True
            self._changed()
        return True

    def get_hooks(self, hook_type: str | None = None) -> list[Hook]:
        """The registered hooks (of one kind, or all), enabled or not."""
        _check_type(hook_type)
        with self._lock:
            if hook_type is not None:
                return list(self._hooks[hook_type])
            return [h for t in HOOK_TYPES for h in self._hooks[t]]

    def clear_hooks(self, hook_type: str | None = None) -> None:
        """Remove every hook (of one kind, or all)."""
        _check_type(hook_type)
        with self._lock:
            for t in HOOK_TYPES if hook_type is None else (hook_type,):
                self._hooks[t].clear()
            self._changed()

    def has_hooks(self, hook_type: str | None = None) -> bool:
        """Whether any hook is registered (for one kind: any enabled one)."""
        _check_type(hook_type)
        if not self._has_hooks:
            return False
        if hook_type is None:
            return True
        return any(h.enabled for h in self._hooks[hook_type])

    def execute_read_hooks(self, value: Any, state_ref: weakref.ref[Any]) -> None:
        """Run the `read` hooks on `value`."""
        hooks = self._enabled("read")
        if hooks:
            self._run(hooks, ReadHookContext("read", state_ref, value=value))

    def execute_write_before_hooks(
        self, new_value: Any, old_value: Any, state_ref: weakref.ref[Any]
    ) -> Any:
        """Run the `write_before` hooks; the value to write.

        Raises:
            HookCancellationError: a hook set `ctx.cancel`.
        """
        value = new_value
        for hook in self._enabled("write_before"):
            ctx = MutableWriteHookContext(
                "write_before",
                state_ref,
                value=new_value,
                old_value=old_value,
                transformed_value=value,
            )
            self._run((hook,), ctx)
            if ctx.cancel:
                state = state_ref()
                what = "a State" if state is None else state._describe()
                raise HookCancellationError(
                    f"The write to {what} was cancelled by write_before hook "
                    f"{hook.name!r}: {ctx.cancel_reason or 'no reason given'}.\n"
                    "Write a value the hook accepts, or remove the hook "
                    "(`handle.remove()`)."
                )
            if ctx.transformed_value is not None:
                value = ctx.transformed_value
        return value

    def execute_write_after_hooks(
        self, new_value: Any, old_value: Any, state_ref: weakref.ref[Any]
    ) -> None:
        """Run the `write_after` hooks."""
        hooks = self._enabled("write_after")
        if hooks:
            ctx = WriteHookContext(
                "write_after", state_ref, value=new_value, old_value=old_value
            )
            self._run(hooks, ctx)

    def execute_restore_hooks(
        self, new_value: Any, old_value: Any, state_ref: weakref.ref[Any]
    ) -> None:
        """Run the `restore` hooks."""
        hooks = self._enabled("restore")
        if hooks:
            ctx = RestoreHookContext(
                "restore", state_ref, value=new_value, old_value=old_value
            )
            self._run(hooks, ctx)

    def execute_init_hooks(
        self,
        value: Any,
        state_ref: weakref.ref[Any],
        init_metadata: dict[str, Any] | None = None,
    ) -> None:
        """Run the `init` hooks."""
        hooks = self._enabled("init")
        if hooks:
            ctx = InitHookContext(
                "init", state_ref, value=value, init_metadata=init_metadata or {}
            )
            self._run(hooks, ctx)

    # -- internals ----------------------------------------------------------

    def _invalidate_cache(self) -> None:
        self._cache = None

    def _changed(self) -> None:
        self._cache = None
        self._has_hooks = any(self._hooks.values())
        self._notify()

    def _notify(self) -> None:
        """Called after hooks were added or removed (see `_hooks._refresh`)."""

    def _enabled(self, hook_type: str) -> list[Hook]:
        cache = self._cache
        if cache is None:
            with self._lock:
                cache = {
                    t: sorted(h for h in hooks if h.enabled)
                    for t, hooks in self._hooks.items()
                }
                self._cache = cache
        return cache[hook_type]

    def _run(self, hooks: Any, ctx: HookContext) -> None:
        for hook in hooks:
            if not hook.enabled:
                continue
            try:
                hook.execute(ctx)
            except HookExecutionError as e:
                self._on_error(hook, e.__cause__ or e, ctx)

    def _on_error(self, hook: Hook, error: BaseException, ctx: HookContext) -> None:
        config = self.config
        hook._error_count += 1
        message = f"Hook {hook.name!r} error #{hook._error_count}: {error!r}"
        if config.disable_on_error and hook._error_count >= config.max_errors_per_hook:
            hook.enabled = False
            self._cache = None
            message += f" (disabled after {hook._error_count} errors)"
        if config.on_error == "raise":
            raise HookExecutionError(message) from error
        if config.on_error == "log":
            if config.error_logger is not None and isinstance(error, Exception):
                config.error_logger(message, error, hook, ctx)
            else:
                warnings.warn(message, HookWarning, stacklevel=2)
