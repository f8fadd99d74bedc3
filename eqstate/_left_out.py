"""`__getattr__` for packages: a brainstate name eqstate leaves out says what to use."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ._errors import EqstateError


class LeftOutError(EqstateError, AttributeError):
    """A brainstate name that eqstate leaves out on purpose (also an AttributeError)."""


def left_out(module: str, names: Mapping[str, str]) -> Callable[[str], Any]:
    """A module `__getattr__` raising `LeftOutError` with `names[name]` as the advice."""

    def __getattr__(name: str) -> Any:
        if name in names:
            raise LeftOutError(
                f"{module}.{name} is part of brainstate but not of eqstate: {names[name]}"
            )
        raise AttributeError(f"module {module!r} has no attribute {name!r}")

    return __getattr__
