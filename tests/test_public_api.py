"""The public-API gate.

Every public name of every public module must import, appear in the API docs,
have a docstring with a ```python example, and (for the core modules) that
example must run. A module's public names are its `__all__`, or else what its
`__init__` re-exports as `from ._x import y as y` (the re-export rule of PEP 484
and pyright) plus what it defines without a leading underscore.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import re
import textwrap
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
API_DOCS = ROOT / "docs" / "api"

MODULES = [
    "eqstate",
    "eqstate.transform",
    "eqstate.nn",
    "eqstate.nn.init",
    "eqstate.graph",
    "eqstate.random",
    "eqstate.environ",
    "eqstate.filters",
    "eqstate.typing",
    "eqstate.util",
    "eqstate.init",
    "eqstate.surrogate",
    "eqstate.optim",
    "eqstate.checkpoint",
    "eqstate.mixin",
    "eqstate.sharding",
    "eqstate.distributed",
]

# Modules whose docstring examples are executed by `test_docstring_example`.
EXECUTED = [
    "eqstate",  # the State kinds and the errors
    "eqstate.transform",
    "eqstate.nn",
    "eqstate.nn.init",
    "eqstate.graph",
    "eqstate.random",
    "eqstate.environ",
    "eqstate.filters",
    "eqstate.mixin",
    "eqstate.util",
    "eqstate.typing",
    "eqstate.optim",
    "eqstate.checkpoint",
    "eqstate.sharding",
]

_EXAMPLE = re.compile(r"^```python[ \t]*\n(.*?)^```[ \t]*$", re.S | re.M)


def _import(name: str) -> ModuleType:
    module = pytest.importorskip(name)
    if getattr(module, "__file__", None) is None:
        pytest.skip(f"{name} has no __init__.py yet (namespace package)")
    return module


def _reexports(body: list[ast.stmt]) -> list[str]:
    names: list[str] = []
    for node in body:
        if isinstance(node, ast.ImportFrom):
            if node.module is None:
                continue  # `from . import sub as sub`: a subpackage, checked itself
            names += [a.name for a in node.names if a.asname == a.name]
        elif isinstance(node, ast.If):
            names += _reexports(node.body) + _reexports(node.orelse)
        elif isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.append(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names += [t.id for t in targets if isinstance(t, ast.Name)]
    return [n for n in names if not n.startswith("_")]


def public_names(module: ModuleType) -> list[str]:
    exported = getattr(module, "__all__", None)
    if exported is not None:
        return list(exported)
    return _reexports(ast.parse(inspect.getsource(module)).body)


def _subpackages(module: ModuleType) -> list[str]:
    """The `from . import x as x` subpackages of a package's `__init__`."""
    found: list[str] = []

    def visit(body: list[ast.stmt]) -> None:
        for node in body:
            if isinstance(node, ast.ImportFrom) and node.module is None:
                found.extend(a.name for a in node.names if a.asname == a.name)
            elif isinstance(node, ast.If):
                visit(node.body)
                visit(node.orelse)

    visit(ast.parse(inspect.getsource(module)).body)
    return [f"{module.__name__}.{n}" for n in found]


def _own(obj: Any) -> bool:
    """A class or callable that eqstate itself defines (not a re-exported alias)."""
    module = getattr(obj, "__module__", None) or ""
    return module.split(".")[0] == "eqstate" and (inspect.isclass(obj) or callable(obj))


# -- (a) importable ---------------------------------------------------------


def test_every_public_subpackage_is_listed():
    import eqstate

    # brainstate's deprecated alias modules own no names (test_deprecated_aliases.py).
    aliases = {"eqstate.augment", "eqstate.functional"}
    missing = sorted(set(_subpackages(eqstate)) - set(MODULES) - aliases)
    assert not missing, f"public subpackages missing from MODULES here: {missing}"


@pytest.mark.parametrize("name", MODULES)
def test_public_names_importable(name: str):
    module = _import(name)
    names = public_names(module)
    assert names, f"{name} exports nothing"
    missing = []
    for attr in names:
        try:
            exec(f"from {name} import {attr}", {})
        except ImportError as e:
            missing.append(f"{attr}: {e}")
    assert not missing, f"{name}: public names that do not import: {missing}"


# -- (b) documented ---------------------------------------------------------


def _directives() -> dict[str, set[str] | None]:
    """`::: target` directives in docs/api/*.md -> the members they restrict
    rendering to (None: every public member)."""
    found: dict[str, set[str] | None] = {}
    for page in sorted(API_DOCS.glob("*.md")):
        lines = page.read_text().splitlines()
        for i, line in enumerate(lines):
            match = re.match(r"^:::\s+(\S+)\s*$", line)
            if match is None:
                continue
            options = []
            for following in lines[i + 1 :]:
                if following and not following[0].isspace():
                    break
                options.append(following)
            found[match.group(1)] = _members_option(options)
    return found


def _members_option(options: list[str]) -> set[str] | None:
    """The names of a directive's `members:` option (None when absent)."""
    for j, option in enumerate(options):
        match = re.match(r"^\s*members:\s*(.*)$", option)
        if match is None:
            continue
        if match.group(1):  # members: [a, b]
            return set(re.findall(r"\w+", match.group(1)))
        members: set[str] = set()
        for item in options[j + 1 :]:
            entry = re.match(r"^\s*-\s*(\w+)\s*$", item)
            if entry is None:
                break
            members.add(entry.group(1))
        return members
    return None


def test_api_docs_parse():
    directives = _directives()
    assert "eqstate.transform" in directives, directives
    assert "eqstate.State" in directives, directives


def _documented(module: str, attr: str, directives: dict[str, set[str] | None]) -> bool:
    if f"{module}.{attr}" in directives:
        return True
    if module not in directives:
        return False
    members = directives[module]
    return members is None or attr in members


@pytest.mark.parametrize("name", MODULES)
def test_public_names_documented(name: str):
    module = _import(name)
    directives = _directives()
    undocumented = [
        attr for attr in public_names(module) if not _documented(name, attr, directives)
    ]
    assert not undocumented, (
        f"{name}: public names with no docs entry: {undocumented}. Add "
        f"`::: {name}` (or `::: {name}.<name>`) to a page in docs/api/."
    )


# -- (c) every public class/function shows an example -----------------------


@pytest.mark.parametrize("name", MODULES)
def test_public_docstrings_have_examples(name: str):
    module = _import(name)
    offenders = []
    for attr in public_names(module):
        obj = getattr(module, attr)
        if _own(obj) and not _EXAMPLE.search(inspect.getdoc(obj) or ""):
            offenders.append(attr)
    assert not offenders, (
        f"{name}: public classes/functions whose docstring has no ```python "
        f"example: {offenders}"
    )


# -- (d) the examples run ---------------------------------------------------


def _documented_objects(name: str) -> list[tuple[str, Any]]:
    """(qualified name, object) for a module, its public names, and the public
    methods and properties those classes define themselves."""
    module = importlib.import_module(name)
    out: list[tuple[str, Any]] = [(name, module)]
    for attr in public_names(module):
        obj = getattr(module, attr)
        if not _own(obj):
            continue
        out.append((f"{name}.{attr}", obj))
        if inspect.isclass(obj):
            for key, member in vars(obj).items():
                if key.startswith("_"):
                    continue
                if isinstance(member, (staticmethod, classmethod)):
                    member = member.__func__
                if isinstance(member, property):
                    member = member.fget
                if callable(member):
                    out.append((f"{name}.{attr}.{key}", member))
    return out


def _examples() -> list[Any]:
    params: list[Any] = []
    seen: set[int] = set()
    for name in EXECUTED:
        for qualname, obj in _documented_objects(name):
            doc = inspect.getdoc(obj)
            if id(obj) in seen or not doc:
                continue
            seen.add(id(obj))
            blocks = _EXAMPLE.findall(doc)
            for i, block in enumerate(blocks):
                label = qualname if len(blocks) == 1 else f"{qualname}[{i}]"
                params.append(pytest.param(textwrap.dedent(block), id=label))
    return params


EXAMPLES = _examples()


def test_examples_were_collected():
    assert len(EXAMPLES) >= 20, [p.id for p in EXAMPLES]


@pytest.fixture
def isolated_globals(monkeypatch: pytest.MonkeyPatch):
    """Keep examples that call `environ.set` or `random.seed` from leaking."""
    # Examples run against a copy of the default environment (the settings
    # `environ.set` changes, the behaviours, the precision) that is dropped after.
    import jax

    import eqstate
    from eqstate.environ import _environ

    old = _environ._default_env()
    env = _environ.EnvironmentState(settings=dict(old.settings))
    env.functions.update(old.functions)
    monkeypatch.setattr(_environ, "_ENV", env)
    x64 = jax.config.read("jax_enable_x64")
    key = eqstate.random.get_key()
    np_state = np.random.get_state()
    yield
    jax.config.update("jax_enable_x64", x64)
    eqstate.random.set_key(key)
    np.random.set_state(np_state)


@pytest.mark.usefixtures("isolated_globals")
@pytest.mark.parametrize("source", EXAMPLES)
def test_docstring_example(source: str, request: pytest.FixtureRequest):
    label = request.node.callspec.id
    # dont_inherit: run as a user script would, without this file's __future__ imports
    code = compile(source, f"<docstring example {label}>", "exec", dont_inherit=True)
    exec(code, {"__name__": "__docstring_example__"})
