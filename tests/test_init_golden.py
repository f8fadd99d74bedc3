"""Distance profiles and deterministic initializers against braintools 0.3.0.

Golden: tests/golden/init_profiles.{json,npz} from record_init_profiles.py. The
JSON keeps each case as an expression, evaluated here with `init = eqstate.init`.
Cases without units also run in a process where brainunit cannot be imported.
"""

import ast
import json
import re
import sys
from pathlib import Path

import jax.numpy as jnp
import numpy as np
import pytest

import eqstate.init

try:
    import brainunit as u
except ImportError:  # test_without_brainunit: the plain cases must still pass
    u = None

GOLDEN = Path(__file__).parent / "golden"
DATA = np.load(GOLDEN / "init_profiles.npz")
META = json.loads((GOLDEN / "init_profiles.json").read_text())


def _namespace() -> dict:
    d = np.linspace(0.0, 300.0, 61)
    ns = {"init": eqstate.init, "np": np, "jnp": jnp, "d": d, "u": u}
    if u is not None:
        ns.update(d_um=d * u.um, d_mm=(d / 1000.0) * u.mm)
    return ns


def _needs_units(*exprs: str) -> bool:
    return any(re.search(r"\bu\.|d_um|d_mm", e) for e in exprs)


def _cases(table):
    skip = [pytest.mark.skip(reason="needs brainunit")]
    return [
        pytest.param(
            *case,
            id=case[0],
            marks=skip if u is None and _needs_units(*case[1:]) else [],
        )
        for case in table
    ]


@pytest.mark.parametrize("case, profile, dist", _cases(META["profiles"]))
def test_profile_matches_braintools(case, profile, dist):
    ns = _namespace()
    p = eval(profile, ns)
    assert isinstance(p, eqstate.init.DistanceProfile)
    distances = eval(dist, ns)
    for method in ("probability", "weight_scaling"):
        got = np.asarray(getattr(p, method)(distances))
        np.testing.assert_allclose(
            got, DATA[f"{case}.{method}"], rtol=2e-6, atol=1e-7, err_msg=method
        )
    np.testing.assert_allclose(
        np.asarray(p(distances)), DATA[f"{case}.weight_scaling"], rtol=2e-6, atol=1e-7
    )


@pytest.mark.parametrize("case, expr, call", _cases(META["inits"]))
def test_deterministic_initializer_matches_braintools(case, expr, call):
    ns = _namespace()
    f = eval(expr, ns)
    assert isinstance(f, eqstate.init.Initialization)
    value = eval(call, {**ns, "f": f})
    unit = META["units"][case]
    if unit != "1":
        assert str(value.unit) == unit
        value = value.mantissa
    expected = DATA[f"{case}.value"]
    assert value.shape == expected.shape
    np.testing.assert_allclose(np.asarray(value), expected, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize(
    "case, profile, dist",
    [c for c in META["profiles"] if not _needs_units(*c[1:])][:12],
    ids=lambda x: x if isinstance(x, str) and "(" not in x and x != "d" else "",
)
def test_plain_profiles_without_brainunit(monkeypatch, case, profile, dist):
    """With brainunit unloadable (`sys.modules["brainunit"] = None`), plain
    numbers take the same path: eqstate never imports brainunit itself."""
    monkeypatch.setitem(sys.modules, "brainunit", None)
    ns = {**_namespace(), "u": None}
    p = eval(profile, ns)
    got = np.asarray(p.probability(eval(dist, ns)))
    np.testing.assert_allclose(got, DATA[f"{case}.probability"], rtol=2e-6, atol=1e-7)


def test_no_brainunit_import_in_the_package():
    root = Path(eqstate.init.__file__).parent
    for path in root.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                assert all(a.name != "brainunit" for a in node.names), path.name
            if isinstance(node, ast.ImportFrom):
                assert node.module != "brainunit", path.name
