"""Import the optax/msgpack-backed subpackages on first use, to keep `import eqstate` fast."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any


def lazy_submodules(package: str, names: tuple[str, ...]) -> Callable[[str], Any]:
    def __getattr__(name: str) -> Any:
        if name in names:
            return importlib.import_module(f"{package}.{name}")
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    return __getattr__
