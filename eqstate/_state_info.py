"""What a State carries besides its value, and where it was created."""

from __future__ import annotations

import sys
from typing import Any

__all__: list[str] = []

_MISSING: Any = object()

_LIBRARY_MODULES = ("eqstate", "jaxtyping", "beartype", "equinox", "jax")


def _user_location() -> str:
    """`file:line` of the innermost caller outside eqstate and its checkers."""
    frame = sys._getframe(2)
    while frame is not None and (
        frame.f_globals.get("__name__", "").split(".")[0] in _LIBRARY_MODULES
        or frame.f_code.co_filename.startswith("<@beartype")
    ):
        frame = frame.f_back
    if frame is None:
        return "<unknown>"
    return f"{frame.f_code.co_filename}:{frame.f_lineno}"


class _Info:
    """What a State carries besides its value; shared with its pytree copies.

    Compared by name and metadata only, so modules copied by `jax.tree.map`
    have equal tree structures (and hit the same JAX caches).
    """

    __slots__ = ("name", "metadata", "origin", "label")

    def __init__(self, name: str | None, metadata: dict[str, Any], origin: str):
        self.name = name
        self.metadata = metadata
        self.origin = origin
        self.label: str | None = None  # `Owner.attr`, set by the owning module

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, _Info)
            and self.name == other.name
            and self.metadata == other.metadata
        )

    def __hash__(self) -> int:
        return hash((self.name, tuple(self.metadata)))

    def evolve(
        self, name: Any = _MISSING, origin: str | None = None, **meta: Any
    ) -> _Info:
        """A new `_Info` with `name`, `origin` or metadata entries changed."""
        info = _Info(
            self.name if name is _MISSING else name,
            {**self.metadata, **meta},
            self.origin if origin is None else origin,
        )
        info.label = self.label
        return info
