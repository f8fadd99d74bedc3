"""Import the optax/msgpack-backed subpackages on first use, to keep `import eqstate` fast."""

from __future__ import annotations

import ast
import importlib
from collections.abc import Callable
from typing import Any


def lazy_submodules(package: str, names: tuple[str, ...]) -> Callable[[str], Any]:
    def __getattr__(name: str) -> Any:
        if name in names:
            return importlib.import_module(f"{package}.{name}")
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    return __getattr__


def lazy_attributes(
    package: str,
    init_file: str,
    fallback: Callable[[str], Any] | None = None,
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """`__getattr__` / `__dir__` that import the names a package's `__init__`
    re-exports under `if TYPE_CHECKING:` on first use; other names go to
    `fallback` (e.g. `_left_out.left_out`'s advice) when given.

    The relative `from ._x import y as y` lines there (`from ..pkg._x` too)
    are the one list of what the package exports lazily (pyright and the docs read the same lines).
    `__all__` (what `from package import *` binds) is every name re-exported
    as `x as x`, eager or lazy, as brainstate's `__all__` lists its own.
    """
    table: dict[str, tuple[str, str]] = {}
    eager: set[str] = set()

    def load_table() -> dict[str, tuple[str, str]]:
        if not table:
            with open(init_file) as f:
                tree = ast.parse(f.read())
            for node in tree.body:
                if isinstance(node, ast.ImportFrom) and node.level:
                    eager.update(a.name for a in node.names if a.asname == a.name)
                if isinstance(node, ast.If) and getattr(node.test, "id", "") == (
                    "TYPE_CHECKING"
                ):
                    for stmt in node.body:
                        if isinstance(stmt, ast.ImportFrom) and stmt.level:
                            dots = "." * stmt.level  # relative to the package
                            for alias in stmt.names:
                                name = alias.asname or alias.name
                                if stmt.module is None:  # `from . import sub as sub`
                                    table[name] = (dots + alias.name, "")
                                else:
                                    table[name] = (dots + stmt.module, alias.name)
        return table

    module = importlib.import_module(package)

    def __getattr__(name: str) -> Any:
        if name == "__all__":
            lazy = load_table()  # (fills `eager` too)
            exported = sorted({*eager, *lazy})
            setattr(module, name, exported)
            return exported
        entry = load_table().get(name)
        if entry is None:
            if fallback is not None:
                return fallback(name)
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        found = importlib.import_module(entry[0], package)
        value = getattr(found, entry[1]) if entry[1] else found
        setattr(module, name, value)  # later lookups skip this hook
        return value

    def __dir__() -> list[str]:
        return sorted({*vars(module), *load_table()})

    return __getattr__, __dir__
