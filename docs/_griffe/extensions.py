"""Griffe extensions for eqstate's API pages (loaded from `mkdocs.yml`).

- `RedundantAliasesArePublic`: eqstate's package `__init__` files re-export
  their public names as `from ._x import y as y` (the re-export rule of PEP 484
  and pyright) rather than with `__all__`. Griffe treats imported names as
  private, so without this `::: eqstate.nn` would render an empty page.
- `EquinoxFieldInit`: an `eqx.Module` that declares fields gets its `__init__`
  from `dataclasses` at class creation, which griffe's static analysis cannot
  see; its docstring's `Args:` (the fields) would then be reported as
  "not in the signature". This gives such classes the `__init__` they have at
  runtime, annotated with the fields' own annotations.
"""

from __future__ import annotations

import ast
import dataclasses
import importlib
import inspect
from typing import Any

import griffe


class RedundantAliasesArePublic(griffe.Extension):
    def on_alias_instance(
        self, *, node: ast.AST | griffe.ObjectNode, alias: griffe.Alias, **kwargs: Any
    ) -> None:
        if not isinstance(node, (ast.Import, ast.ImportFrom)):
            return
        for name in node.names:
            if name.asname == alias.name and name.name.split(".")[-1] == alias.name:
                alias.public = True


def _runtime_class(cls: griffe.Class) -> type | None:
    try:
        obj: Any = importlib.import_module(cls.module.path)
        for part in cls.path[len(cls.module.path) + 1 :].split("."):
            obj = getattr(obj, part)
    except Exception:
        return None
    return obj if isinstance(obj, type) else None


def _generated_init(runtime: type) -> bool:
    init = runtime.__dict__.get("__init__")
    code = getattr(init, "__code__", None)
    return (
        dataclasses.is_dataclass(runtime)
        and code is not None
        and code.co_filename == "<string>"  # written by `dataclasses`
    )


def _field_annotation(cls: griffe.Class, name: str) -> Any:
    member = cls.all_members.get(name)
    if member is not None and not member.is_alias and member.is_attribute:
        return member.annotation
    return None


def _add_init(cls: griffe.Class) -> None:
    if "__init__" in cls.members:
        return
    runtime = _runtime_class(cls)
    if runtime is None or not _generated_init(runtime):
        return
    kinds = {
        inspect.Parameter.POSITIONAL_OR_KEYWORD: griffe.ParameterKind.positional_or_keyword,
        inspect.Parameter.KEYWORD_ONLY: griffe.ParameterKind.keyword_only,
    }
    params = [griffe.Parameter("self", kind=griffe.ParameterKind.positional_or_keyword)]
    for p in list(inspect.signature(runtime.__init__).parameters.values())[1:]:
        if p.name.startswith("_") or p.kind not in kinds:
            continue
        annotation = _field_annotation(cls, p.name)
        if annotation is None and p.annotation is not inspect.Parameter.empty:
            annotation = p.annotation if isinstance(p.annotation, str) else repr(p.annotation)
        default = None
        if p.default is not inspect.Parameter.empty:
            default = repr(p.default)
        params.append(
            griffe.Parameter(p.name, annotation=annotation, kind=kinds[p.kind], default=default)
        )
    init = griffe.Function(
        "__init__",
        lineno=0,
        endlineno=0,
        parent=cls,
        parameters=griffe.Parameters(*params),
        returns="None",
    )
    cls.set_member("__init__", init)


def _visit(obj: griffe.Module | griffe.Class, seen: set[str]) -> None:
    if obj.path in seen:
        return
    seen.add(obj.path)
    if isinstance(obj, griffe.Class):
        _add_init(obj)
    for member in obj.members.values():
        if not member.is_alias and (member.is_module or member.is_class):
            _visit(member, seen)  # type: ignore[arg-type]


class EquinoxFieldInit(griffe.Extension):
    def on_package(self, *, pkg: griffe.Module, **kwargs: Any) -> None:
        _visit(pkg, set())
