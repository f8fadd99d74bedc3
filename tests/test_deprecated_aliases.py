"""`eqstate.augment` and `eqstate.functional`: brainstate's deprecated aliases."""

import pytest

import eqstate
from eqstate import augment, functional

CASES = [(augment, "eqstate.transform", name) for name in sorted(augment._NAMES)] + [
    (functional, "eqstate.nn", name) for name in sorted(functional._NAMES)
]


@pytest.mark.parametrize(("alias", "target", "name"), CASES, ids=lambda x: str(x))
def test_each_alias_forwards_to_its_new_home_with_a_deprecation_warning(
    alias, target, name
):
    home = eqstate.transform if target == "eqstate.transform" else eqstate.nn
    with pytest.warns(DeprecationWarning, match=f"use `{target}.{name}`"):
        assert getattr(alias, name) is getattr(home, name)


def test_other_names_are_not_aliased():
    with pytest.raises(
        AttributeError, match="deprecated alias .* Use `eqstate.transform`"
    ):
        augment.jit  # noqa: B018  (brainstate's augment never had jit)
    with pytest.raises(AttributeError, match="Use `eqstate.nn`"):
        functional.Linear  # noqa: B018
