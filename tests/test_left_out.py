"""brainstate / braintools names eqstate leaves out (DESIGN.md section 6): each
raises `LeftOutError`, an AttributeError saying what to use instead, and the
migration guide lists it."""

import importlib
import pathlib
import re

import jax.numpy as jnp
import pytest

import eqstate
import eqstate.optim as optim
from eqstate._left_out import LEFT_OUT, LeftOutError

ROOT = pathlib.Path(__file__).resolve().parent.parent
CASES = [(owner, name) for owner, names in LEFT_OUT.items() for name in names]


def _owner(owner: str) -> tuple[object, str]:
    """An object whose attribute lookups `owner`'s entries are, and its name
    in messages."""
    if owner == "State":
        return eqstate.ParamState(jnp.zeros(1)), "ParamState"
    if owner == "OptaxOptimizer":
        return optim.Adam(lr=0.1), "Adam"
    if owner == "StatefulFunction":
        return eqstate.transform.StatefulFunction(abs), "StatefulFunction"
    return importlib.import_module(owner), owner


@pytest.mark.parametrize("owner, name", CASES)
def test_a_left_out_name_says_what_to_use(owner: str, name: str):
    obj, shown = _owner(owner)
    with pytest.raises(LeftOutError) as info:
        getattr(obj, name)
    origin = (
        "braintools" if owner in ("eqstate.optim", "OptaxOptimizer") else "brainstate"
    )
    assert str(info.value) == (
        f"{shown}.{name} is part of {origin} but not of eqstate: {LEFT_OUT[owner][name]}"
    )
    assert isinstance(info.value, AttributeError)
    assert isinstance(info.value, eqstate.EqstateError)
    assert not hasattr(obj, name)  # never a stub
    if owner in ("State", "OptaxOptimizer", "StatefulFunction"):
        assert not hasattr(type(obj), name)


@pytest.mark.parametrize("owner", list(LEFT_OUT))
def test_other_missing_names_stay_plain_attribute_errors(owner: str):
    obj, shown = _owner(owner)
    with pytest.raises(AttributeError) as info:
        getattr(obj, "nope")
    assert not isinstance(info.value, LeftOutError)
    if owner in ("State", "OptaxOptimizer", "StatefulFunction"):
        assert str(info.value) == f"{shown!r} object has no attribute 'nope'"
        assert info.value.name == "nope" and info.value.obj is obj  # "did you mean"
    else:
        assert str(info.value) == f"module {shown!r} has no attribute 'nope'"


def test_left_out_names_are_not_exported_and_lazy_ones_still_load():
    assert not set(LEFT_OUT["eqstate"]) & set(eqstate.__all__)
    assert not set(LEFT_OUT["eqstate.transform"]) & set(eqstate.transform.__all__)
    assert eqstate.util.breakpoint_if is eqstate.transform.breakpoint_if


def test_the_migration_guide_lists_every_left_out_name():
    guide = (ROOT / "docs" / "migrating.md").read_text()
    section = guide[guide.index("## What eqstate leaves out") :]
    missing = [
        f"{o}.{n}" for o, n in CASES if not re.search(rf"`(\w+\.)*{n}`", section)
    ]
    assert not missing, f"docs/migrating.md does not list {missing}"
