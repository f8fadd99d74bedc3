"""brainstate's deprecated module aliases (`augment`, `functional`): each name
they cover forwards to its new home with a `DeprecationWarning`."""

from __future__ import annotations

import importlib
import warnings
from collections.abc import Callable
from typing import Any

__all__ = ["forwarder"]


def forwarder(alias: str, target: str, names: frozenset[str]) -> Callable[[str], Any]:
    """A module `__getattr__` for the alias module `alias` of `target`."""

    def __getattr__(name: str) -> Any:
        if name not in names:
            raise AttributeError(
                f"module {alias!r} has no attribute {name!r}: it is brainstate's "
                f"deprecated alias of a few names of {target!r} "
                f"({', '.join(sorted(names))}). Use `{target}` directly."
            )
        warnings.warn(
            f"`{alias}.{name}` is deprecated, as in brainstate: use `{target}.{name}`.",
            DeprecationWarning,
            stacklevel=2,
        )
        return getattr(importlib.import_module(target), name)

    return __getattr__
