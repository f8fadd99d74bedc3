"""State hooks: callbacks on a State's reads, writes, restores and creation.

**Zero cost without hooks.** `State.value` is a plain property that goes
straight to the reference table (`_table.read` / `_table.write`). Registering
the first hook (global or on any State), or entering `check_state_value_tree`,
swaps in a *hooked* property on `State` (`_refresh`); removing the last one
swaps the plain property back. States without hooks never pay for a lookup
while no hook exists anywhere, and only a dictionary lookup while some do.

Per-State hook managers live in a dict keyed by `id(state)` (consulted only by
the hooked property; a finalizer drops the entry with the State), so a State
carries no hook slot.

**Transforms.** Hooks fire on user `.value` reads and writes. Inside an
eqstate transform (`jit`, `grad`, `vmap`, `for_loop`, ...) those happen while
the function is traced, so hooks see tracers and run once per trace, not once
per call; a write cancelled by a hook raises at trace time. The engine's own
gathering of State values before a call and its commit of the results after
it go through the table directly and fire no hooks.

A State subclass that defines its own `value` property bypasses the hooks
unless that property reads and writes through `super().value`.
"""

from __future__ import annotations

import contextlib
import threading
import weakref
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, ClassVar

import jax

from . import _table
from ._errors import EqstateError
from ._hook_manager import HookManager
from ._hook_types import Hook, HookCallback, HookConfig, HookHandle, HookType

if TYPE_CHECKING:
    from ._state import State

__all__ = [
    "GlobalHookRegistry",
    "check_state_value_tree",
    "clear_state_hooks",
    "has_state_hooks",
    "list_state_hooks",
    "register_state_hook",
    "unregister_state_hook",
]


class GlobalHookRegistry(HookManager):
    """The hooks that apply to every State (a singleton: `instance()`).

    Global hooks run before a State's own hooks. `register_state_hook` and
    friends act on it.

    ```python
    import eqstate

    registry = eqstate.GlobalHookRegistry.instance()
    assert registry is eqstate.GlobalHookRegistry.instance()
    handle = registry.register_hook("write_after", lambda ctx: None)
    assert eqstate.has_state_hooks("write_after")
    handle.remove()
    assert not eqstate.has_state_hooks()
    ```
    """

    _instance: ClassVar[GlobalHookRegistry | None] = None

    def __new__(cls, config: HookConfig | None = None) -> GlobalHookRegistry:
        if cls._instance is None:
            instance = super().__new__(cls)
            HookManager.__init__(instance, config)
            cls._instance = instance
        return cls._instance

    def __init__(self, config: HookConfig | None = None):
        pass  # initialised once, in __new__

    def _notify(self) -> None:
        _refresh()

    @classmethod
    def instance(cls) -> GlobalHookRegistry:
        """The registry (created on first use)."""
        return cls._instance if cls._instance is not None else cls()

    @classmethod
    def reset(cls) -> None:
        """Drop the registry and its hooks; the next `instance()` is a new, empty one."""
        cls._instance = None
        _refresh()


def register_state_hook(
    hook_type: HookType,
    callback: HookCallback,
    priority: int = 0,
    name: str | None = None,
    enabled: bool = True,
) -> HookHandle:
    """Register a hook on every State (run before each State's own hooks).

    ```python
    import jax.numpy as jnp
    import eqstate

    writes = []
    handle = eqstate.register_state_hook(
        "write_after", lambda ctx: writes.append(ctx.state_name)
    )
    a, b = eqstate.State(jnp.zeros(()), name="a"), eqstate.State(jnp.zeros(()), name="b")
    a.value, b.value = jnp.ones(()), jnp.ones(())
    eqstate.unregister_state_hook(handle)
    assert writes == ["a", "b"]
    ```

    Args:
        hook_type: `"read"`, `"write_before"`, `"write_after"`, `"restore"` or `"init"`.
        callback: called with the `HookContext` (a `MutableWriteHookContext`
            for `write_before`, which may transform or cancel the write).
        priority: higher runs earlier.
        name: shown in errors.
        enabled: whether it runs from the start.

    Returns:
        A `HookHandle`.
    """
    return GlobalHookRegistry.instance().register_hook(
        hook_type, callback, priority, name, enabled
    )


def unregister_state_hook(handle: HookHandle) -> bool:
    """Remove a global hook; False if it was not registered.

    ```python
    import eqstate

    handle = eqstate.register_state_hook("read", lambda ctx: None)
    assert eqstate.unregister_state_hook(handle)
    assert not eqstate.unregister_state_hook(handle)
    ```
    """
    return GlobalHookRegistry.instance().unregister_hook(handle)


def clear_state_hooks(hook_type: str | None = None) -> None:
    """Remove every global hook (of one kind, or all).

    ```python
    import eqstate

    eqstate.register_state_hook("read", lambda ctx: None)
    eqstate.clear_state_hooks()
    assert not eqstate.has_state_hooks()
    ```
    """
    GlobalHookRegistry.instance().clear_hooks(hook_type)


def has_state_hooks(hook_type: str | None = None) -> bool:
    """Whether a global hook is registered (for one kind: an enabled one).

    ```python
    import eqstate

    assert not eqstate.has_state_hooks("init")
    ```
    """
    return GlobalHookRegistry.instance().has_hooks(hook_type)


def list_state_hooks(hook_type: str | None = None) -> list[Hook]:
    """The global hooks (of one kind, or all).

    ```python
    import eqstate

    handle = eqstate.register_state_hook("read", lambda ctx: None, name="probe")
    assert [h.name for h in eqstate.list_state_hooks("read")] == ["probe"]
    handle.remove()
    ```
    """
    return GlobalHookRegistry.instance().get_hooks(hook_type)


# -- per-State managers ----------------------------------------------------

# `id(state)` -> its manager; the entry goes when the State does (a finalizer),
# so an id is never reused while listed. Cheaper to look up than a WeakKeyDictionary.
_managers: dict[int, HookManager] = {}


class _StateHookManager(HookManager):
    """A State's hooks: adding the first or removing the last swaps `State.value`."""

    def _notify(self) -> None:
        _refresh()


def manager_of(state: State[Any]) -> HookManager:
    """The hook manager of `state` (created on first use)."""
    manager = _managers.get(id(state))
    if manager is None:
        manager = _managers[id(state)] = _StateHookManager()
        weakref.finalize(state, _forget, id(state))
    return manager


def _forget(key: int) -> None:
    if _managers.pop(key, None) is not None:
        _refresh()


# -- activation: the plain and the hooked `value` ---------------------------


class _Local(threading.local):
    def __init__(self) -> None:
        self.tree_check: list[bool] = []
        self.catchers: list[Any] = []  # open `catch_new_states` blocks (`_catch.py`)


_local = _Local()
_active_checks = [0]  # open `check_state_value_tree(True)` blocks, all threads
_catching = [0]  # open `catch_new_states` blocks, all threads


def _global() -> HookManager | None:
    registry = GlobalHookRegistry._instance
    return registry if registry is not None and registry._has_hooks else None


def _refresh() -> None:
    """Install the hooked `State.value` iff something needs it; likewise the init hook."""
    from . import _state

    hooked = (
        _global() is not None
        or _active_checks[0] > 0
        or any(m._has_hooks for m in list(_managers.values()))
    )
    prop = _HOOKED_VALUE if hooked else _state.PLAIN_VALUE
    if _state.State.__dict__["value"] is not prop:
        type.__setattr__(_state.State, "value", prop)
    registry = _global()
    watch = _catching[0] > 0 or (registry is not None and registry.has_hooks("init"))
    _state.ON_INIT[:] = [on_init] if watch else []


def has_own_hooks(state: State[Any]) -> bool:
    """Whether `state` has hooks of its own registered (enabled or not)."""
    own = _managers.get(id(state))
    return own is not None and own._has_hooks


def _old(state: State[Any]) -> Any:
    value = _table.peek(state)
    return None if type(value) is _table.Dead else value


def run_hooks(state: State[Any], kind: str, value: Any, old: Any = None) -> Any:
    """Run the global, then the State's own, hooks of `kind` on `value`."""
    registry = _global()
    own = _managers.get(id(state))
    if own is not None and not own._has_hooks:
        own = None
    if registry is None and own is None:
        return value
    ref = weakref.ref(state)
    for manager in (registry, own):
        if manager is None:
            continue
        if kind == "read":
            manager.execute_read_hooks(value, ref)
        elif kind == "write_before":
            value = manager.execute_write_before_hooks(value, old, ref)
        elif kind == "write_after":
            manager.execute_write_after_hooks(value, old, ref)
        else:
            manager.execute_restore_hooks(value, old, ref)
    return value


def _wants(state: State[Any], *kinds: str) -> bool:
    """Whether a global hook or one of `state`'s own is enabled for one of `kinds`."""
    registry = GlobalHookRegistry._instance
    own = _managers.get(id(state))
    if (registry is None or not registry._has_hooks) and (
        own is None or not own._has_hooks
    ):
        return False
    return any(
        m is not None and m._has_hooks and any(m._enabled(k) for k in kinds)
        for m in (registry, own)
    )


class _TreeMismatchError(EqstateError, ValueError):
    """A write changed a State's tree structure where that is checked."""


def check_tree(state: State[Any], value: Any, old: Any, why: str) -> None:
    """Raise if `value`'s tree structure differs from `old`'s (None: no check)."""
    if old is None:
        return
    new_tree, old_tree = jax.tree.structure(value), jax.tree.structure(old)
    if new_tree != old_tree:
        raise _TreeMismatchError(
            f"{state._describe()} holds a value of tree structure {old_tree}; "
            f"the new value has {new_tree}. {why}"
        )


def _hooked_get(state: State[Any]) -> Any:
    value = _table.read(state)
    return run_hooks(state, "read", value)


def _hooked_set(state: State[Any], value: Any) -> None:
    if _active_checks[0] and _local.tree_check and _local.tree_check[-1]:
        check_tree(
            state,
            value,
            _old(state),
            "Inside `check_state_value_tree()` a State keeps its structure: write "
            "a value of the same structure, or change it outside that block.",
        )
    if not _wants(state, "write_before", "write_after"):
        _table.write(state, value)
        return
    old = _old(state)
    value = run_hooks(state, "write_before", value, old)
    _table.write(state, value)
    run_hooks(state, "write_after", value, old)


_HOOKED_VALUE = property(
    _hooked_get,
    _hooked_set,
    doc="The current value (as seen by the innermost active transform).",
)


def on_init(
    state: State[Any], value: Any, name: str | None, meta: dict[str, Any]
) -> None:
    """Called by `State.__init__` while catchers or global init hooks exist."""
    for catcher in list(_local.catchers):
        catcher.append(state)
    registry = _global()
    if registry is not None:
        metadata = {"_name": name, "tag": None, **meta}
        registry.execute_init_hooks(value, weakref.ref(state), metadata)


@contextlib.contextmanager
def check_state_value_tree(val: bool = True) -> Iterator[None]:
    """Inside this block, a write that changes a State's tree structure raises.

    Off by default (the check flattens every written value); blocks nest, and
    `check_state_value_tree(False)` turns it off inside an outer block.

    ```python
    import jax.numpy as jnp
    import eqstate

    s = eqstate.State(jnp.zeros(2))
    with eqstate.check_state_value_tree():
        s.value = jnp.ones(2)  # same structure: fine
        try:
            s.value = (jnp.ones(2), jnp.ones(2))
        except ValueError as e:
            assert "tree structure" in str(e)
    ```
    """
    _local.tree_check.append(val)
    _active_checks[0] += bool(val)
    _refresh()
    try:
        yield
    finally:
        _local.tree_check.pop()
        _active_checks[0] -= bool(val)
        _refresh()
