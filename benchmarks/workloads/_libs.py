"""Importing a library inside an implementation, or reporting it missing."""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any

from .._core import Unavailable


def need(module: str) -> ModuleType:
    """Import `module`; raise `Unavailable` (a 'not available' row) if missing."""
    try:
        return importlib.import_module(module)
    except ImportError as e:
        raise Unavailable(f"`import {module}` failed: {e}") from None


def need_attr(module: ModuleType, path: str, why: str) -> Any:
    """`module.<path>` (attribute or submodule), or `Unavailable` if it does not exist.

    Only the absence of `path` itself counts as unavailable; any other error
    while importing it is raised (and reported as an error).
    """
    obj: Any = module
    name = module.__name__
    for part in path.split("."):
        name = f"{name}.{part}"
        try:
            obj = getattr(obj, part)
            continue
        except AttributeError:
            pass
        except ModuleNotFoundError as e:
            if e.name != name:
                raise
            raise Unavailable(f"`{name}` does not exist yet ({why})") from None
        try:
            obj = importlib.import_module(name)
        except ModuleNotFoundError as e:
            if e.name != name:
                raise
            raise Unavailable(f"`{name}` does not exist yet ({why})") from None
    return obj
