"""Packaging: one version, declared dependencies, the license in the metadata."""

import ast
import importlib.metadata
import pathlib
import re
import subprocess
import sys
import tomllib

import pytest

import eqstate

ROOT = pathlib.Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())


def _fresh_interpreter(script: str) -> subprocess.CompletedProcess[str]:
    """Run `script` in a new Python process from the repository root."""
    return subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT
    )


def _installed_metadata() -> importlib.metadata.PackageMetadata:
    try:
        return importlib.metadata.metadata("eqstate")
    except importlib.metadata.PackageNotFoundError:
        pytest.skip("eqstate is not installed (only on PYTHONPATH)")


def test_version_is_the_installed_metadata():
    assert isinstance(eqstate.__version__, str)
    assert re.fullmatch(r"\d+\.\d+\.\d+(\S*)", eqstate.__version__)
    assert _installed_metadata()["Version"] == eqstate.__version__


def test_version_lives_in_one_place():
    assert "version" not in PYPROJECT["project"]
    assert "version" in PYPROJECT["project"]["dynamic"]
    assert PYPROJECT["tool"]["hatch"]["version"]["path"] == "eqstate/__init__.py"


def test_license_is_declared_and_shipped():
    assert PYPROJECT["project"]["license"] == "Apache-2.0"
    assert PYPROJECT["project"]["license-files"] == ["LICENSE"]
    assert "Apache License" in (ROOT / "LICENSE").read_text()
    assert (ROOT / "eqstate" / "py.typed").exists()


def _requirement_name(req: str) -> str:
    name = re.match(r"[A-Za-z0-9_.\-]+", req)
    assert name is not None, req
    return re.sub(r"[-_.]+", "-", name.group(0)).lower()


def test_tests_extra_holds_no_lint_or_type_tools():
    extras = PYPROJECT["project"]["optional-dependencies"]
    tests = {_requirement_name(r) for r in extras["tests"]}
    assert tests.isdisjoint({"ruff", "pyright", "mkdocs", "mkdocs-material"})
    assert {"ruff", "pyright"} <= {_requirement_name(r) for r in extras["dev"]}


def _module_level_imports(path: pathlib.Path) -> set[str]:
    tree = ast.parse(path.read_text(), str(path))
    found: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


def test_every_third_party_import_is_a_declared_dependency():
    imported: set[str] = set()
    for path in (ROOT / "eqstate").rglob("*.py"):
        imported |= _module_level_imports(path)
    third_party = {
        name
        for name in imported - set(sys.stdlib_module_names)
        if name not in {"eqstate", "__future__"}
    }
    declared = {_requirement_name(r) for r in PYPROJECT["project"]["dependencies"]}
    distributions = importlib.metadata.packages_distributions()
    for name in sorted(third_party):
        dists = {_requirement_name(d) for d in distributions.get(name, [name])}
        assert dists & declared, (
            f"eqstate imports {name!r} at module level, but none of its "
            f"distributions {sorted(dists)} is in pyproject's dependencies"
        )


_LIGHT_IMPORT = """
import sys
import eqstate, eqstate.optim
heavy = ["equinox", "jaxtyping", "beartype", "wadler_lindig", "jax.extend", "eqstate.nn",
         "eqstate.random"]
print(",".join(m for m in heavy if m in sys.modules))
import eqstate.typing, jaxtyping
assert eqstate.typing.PyTree is jaxtyping.PyTree
m = eqstate.nn.Linear(2, 3)
import equinox as eqx
assert issubclass(eqstate.nn.Module, eqx.Module)
print(type(m).__name__)
"""


def test_import_eqstate_and_optim_leaves_equinox_and_jaxtyping_for_first_use():
    """DESIGN §4's import row: `import eqstate, eqstate.optim` loads neither
    equinox (the model library) nor jaxtyping / beartype / the printer; the first
    model definition does."""
    proc = _fresh_interpreter(_LIGHT_IMPORT)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.split() == ["Linear"], proc.stdout


_RANDOM_FIRST_USED_IN_A_TRACE = """
import sys
import eqstate
assert "eqstate.random" not in sys.modules
draw = eqstate.transform.jit(lambda: eqstate.random.normal(size=(2,)))
a, b = draw(), draw()  # the module (and its default stream) loads in the trace
assert (a != b).all(), (a, b)
eqstate.random.normal()  # the default stream outlived that trace
print("ok")
"""


def test_the_default_random_stream_survives_a_first_use_inside_jit():
    """A module-level State of a module first imported inside a transform is
    eager (`_table.outside_frames`), not local to that trace."""
    proc = _fresh_interpreter(_RANDOM_FIRST_USED_IN_A_TRACE)
    assert proc.returncode == 0 and proc.stdout.split() == ["ok"], proc.stderr[-2000:]


_CORE_ONLY = """
import sys
import jax.numpy as jnp
import eqstate

class LIF(eqstate.nn.Module):
    def __init__(self):
        self.v = eqstate.HiddenState(jnp.zeros(3))

    def __call__(self, x):
        self.v.value = 0.9 * self.v.value + x
        return self.v.value.sum()

lif = LIF()
run = eqstate.transform.jit(lambda xs: eqstate.transform.for_loop(lif, xs))
print(round(run(jnp.ones((4, 3))).tolist()[-1], 3))  # 3 * (1 - 0.9**4)
assert (lif.v.varshape, lif.v.num_state) == ((3,), 1)  # no other State kind loaded
rest = ["eqstate._hooks", "eqstate._catch", "eqstate._state_extra", "eqstate.environ",
        "eqstate.graph", "eqstate.util", "eqstate.sharding"]
print(",".join(m for m in rest if m in sys.modules) or "-")
assert eqstate.register_state_hook is eqstate._hooks.register_state_hook
assert {"DelayState", "HookManager", "util", "catch_new_states"} <= set(dir(eqstate))
print(eqstate.DelayState.__name__, eqstate.util.FrozenDict.__name__)
"""


def test_a_model_run_through_jit_and_for_loop_loads_only_the_core():
    """DESIGN §4's import and memory rows: States, `nn.Module`, `jit` and
    `for_loop` run without the hooks, graph, util, environ or sharding code,
    which load on first use (and are then there, and listed by `dir`)."""
    proc = _fresh_interpreter(_CORE_ONLY)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.split() == ["10.317", "-", "DelayState", "FrozenDict"]


@pytest.mark.parametrize(
    "package, names",
    [
        (
            "eqstate",
            {"State", "EqstateError", "HookManager", "DelayState", "nn", "transform"},
        ),
        ("eqstate.nn", {"Module", "Linear", "LSTMCell"}),
        ("eqstate.transform", {"jit", "for_loop", "ProgressBar"}),
    ],
)
def test_star_imports_bind_every_exported_name(package: str, names: set[str]):
    """`from eqstate import *` binds the lazily exported names too (as
    brainstate's `__all__` lists its own), and no helper like TYPE_CHECKING."""
    namespace: dict[str, object] = {}
    exec(f"from {package} import *", namespace)
    assert names <= set(namespace)
    assert "TYPE_CHECKING" not in namespace and "lazy_attributes" not in namespace


_FIRST_LOOKUPS_FROM_THREADS = """
import sys, threading
sys.setswitchinterval(1e-6)  # switch threads as often as possible
import eqstate
names = ["HookManager", "DelayState", "TreefyState", "catch_new_states", "HiddenTreeState",
         "register_state_hook", "FakeState", "GlobalHookRegistry", "maybe_state",
         "HookConfig", "HiddenGroupState", "BrainStateError"]
barrier = threading.Barrier(len(names))
errors = []

def first_lookup(name):
    barrier.wait()
    try:
        getattr(eqstate, name)
    except BaseException as e:
        errors.append((name, repr(e)))

threads = [threading.Thread(target=first_lookup, args=(n,)) for n in names]
for t in threads:
    t.start()
for t in threads:
    t.join()
print(errors or "ok")
"""


def test_first_lookups_of_lazy_names_from_many_threads():
    """The export table is read once, under a lock: threads that look up lazy
    names for the first time at the same moment all find them (reading it
    from several threads at once raised SystemError and AttributeError in
    most runs)."""
    for _ in range(2):  # each run is a fresh interpreter (the table loads once)
        proc = _fresh_interpreter(_FIRST_LOOKUPS_FROM_THREADS)
        assert proc.returncode == 0 and proc.stdout.split() == ["ok"], (
            proc.stdout + proc.stderr[-2000:]
        )
