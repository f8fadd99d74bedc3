"""Packages that load what they export on first use, to keep imports light."""

from __future__ import annotations

import ast
import importlib
import threading
from collections.abc import Callable
from typing import Any


def lazy_attributes(
    package: str,
    init_file: str,
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """`__getattr__` / `__dir__` that import the names a package's `__init__`
    re-exports under `if TYPE_CHECKING:` on first use; a brainstate name
    eqstate leaves out raises `LeftOutError` saying what to use instead.

    The relative `from ._x import y as y` lines there (`from ..pkg._x` too)
    are the one list of what the package exports lazily (pyright and the docs read the same lines).
    `__all__` (what `from package import *` binds) is every name re-exported
    as `x as x`, eager or lazy, as brainstate's `__all__` lists its own.
    """
    parsed: list[tuple[dict[str, tuple[str, str]], frozenset[str]]] = []

    def load_table() -> tuple[dict[str, tuple[str, str]], frozenset[str]]:
        """The lazy names' `(module, attribute)` and the eager re-exports."""
        if not parsed:
            with _PARSING:  # (first lookups from several threads at once)
                if not parsed:
                    parsed.append(_exports(init_file))
        return parsed[0]

    module = importlib.import_module(package)

    def __getattr__(name: str) -> Any:
        table, eager = load_table()
        if name == "__all__":
            exported = sorted({*eager, *table})
            setattr(module, name, exported)
            return exported
        entry = table.get(name)
        if entry is None:
            from ._left_out import LEFT_OUT, left_out

            if package in LEFT_OUT:
                return left_out(package)(name)
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        found = importlib.import_module(entry[0], package)
        value = getattr(found, entry[1]) if entry[1] else found
        setattr(module, name, value)  # later lookups skip this hook
        return value

    def __dir__() -> list[str]:
        return sorted({*vars(module), *load_table()[0]})

    return __getattr__, __dir__


_PARSING = threading.Lock()


def _exports(init_file: str) -> tuple[dict[str, tuple[str, str]], frozenset[str]]:
    """Read a package's `__init__`: `{name: (module, attribute)}` for the
    names re-exported under `if TYPE_CHECKING:` (attribute `""` for a
    subpackage), and the names it re-exports eagerly as `x as x`."""
    with open(init_file) as f:
        tree = ast.parse(f.read())
    table: dict[str, tuple[str, str]] = {}
    eager: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.level:
            eager.update(a.name for a in node.names if a.asname == a.name)
        if isinstance(node, ast.If) and getattr(node.test, "id", "") == "TYPE_CHECKING":
            for stmt in node.body:
                if isinstance(stmt, ast.ImportFrom) and stmt.level:
                    dots = "." * stmt.level  # relative to the package
                    for alias in stmt.names:
                        name = alias.asname or alias.name
                        if stmt.module is None:  # `from . import sub as sub`
                            table[name] = (dots + alias.name, "")
                        else:
                            table[name] = (dots + stmt.module, alias.name)
    return table, frozenset(eager)
