"""Importing a library inside an implementation, or reporting it missing."""

from __future__ import annotations

import importlib
from types import ModuleType

from .._core import Unavailable


def need(module: str) -> ModuleType:
    """Import `module`; raise `Unavailable` (a 'not available' row) if missing."""
    try:
        return importlib.import_module(module)
    except ImportError as e:
        raise Unavailable(f"`import {module}` failed: {e}") from None
