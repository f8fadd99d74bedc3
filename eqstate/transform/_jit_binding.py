"""Helpers of `JitWrapper` for States and instances that change under it: a
method bound weakly to its instance (`weak_method`), and whether a State that
took another's place can reuse the other's traces (`alike`)."""

from __future__ import annotations

import functools
import inspect
import sys
import weakref
from collections.abc import Callable
from typing import Any

from .._state import State

__all__ = ["alike", "weak_method"]


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


def alike(old: State[Any], new: State[Any]) -> bool:
    """Whether a trace that used `old` holds for `new` in its place."""
    if old is new:
        return True
    if type(old) is not type(new) or old._info != new._info:
        return False
    hooks = sys.modules.get("eqstate._hooks")  # (none exist before it loads)
    return hooks is None or not (hooks.has_own_hooks(old) or hooks.has_own_hooks(new))
