"""Helpers of `JitWrapper` for States and instances that change under it: a
jitted method bound weakly to each instance (`bind`), and whether a State
that took another's place can reuse the other's traces (`alike`)."""

from __future__ import annotations

import functools
import inspect
import sys
import types
import weakref
from collections.abc import Callable
from typing import Any

from .._state import State

__all__ = ["alike", "bind"]


def weak_method(fun: Callable[..., Any], ref: weakref.ref[Any]) -> Callable[..., Any]:
    """`fun` with its first argument the object `ref` refers to."""

    @functools.wraps(fun)
    def method(*args: Any, **kwargs: Any) -> Any:
        instance = ref()
        if instance is None:
            raise ReferenceError(
                f"{fun.__qualname__} was called on an instance that no longer exists"
            )
        return fun(instance, *args, **kwargs)

    try:
        params = list(inspect.signature(fun).parameters.values())[1:]
        method.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    except (TypeError, ValueError):
        pass
    return method


def bind(
    cache: dict[int, tuple[weakref.ref[Any], Any]],
    instance: Any,
    fun: Callable[..., Any],
    make: Callable[[Callable[..., Any], types.MethodType], Any],
    unbound: Callable[..., Any],
) -> Any:
    """The jit of `fun` bound to `instance`: `make(method, bound_method)`,
    made once per live instance and kept in `cache` until it dies (`method`
    holds the instance weakly; `bound_method`, a bound method, tells which
    States it holds). For objects without weak references, `unbound` with
    the instance as its first argument."""
    key = id(instance)
    entry = cache.get(key)
    if entry is not None and entry[0]() is instance:
        return entry[1]
    try:
        ref = weakref.ref(instance, lambda _: cache.pop(key, None))
    except TypeError:  # (no weak references: an argument as it is)
        return functools.partial(unbound, instance)
    bound = make(weak_method(fun, ref), types.MethodType(fun, instance))
    cache[key] = (ref, bound)
    return bound


def alike(old: State[Any], new: State[Any]) -> bool:
    """Whether a trace that used `old` holds for `new` in its place."""
    if old is new:
        return True
    if type(old) is not type(new) or old._info != new._info:
        return False
    hooks = sys.modules.get("eqstate._hooks")  # (none exist before it loads)
    return hooks is None or not (hooks.has_own_hooks(old) or hooks.has_own_hooks(new))
