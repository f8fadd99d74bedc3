"""`eqstate.typing`: brainstate.typing's names, usable at runtime and in annotations."""

import typing

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import eqstate
from eqstate import typing as et


def test_protocols_check_at_runtime():
    assert isinstance("w", et.Key) and isinstance(0, et.Key)
    assert isinstance(jnp.zeros(1), et.SupportsDType) and not isinstance(
        1.0, et.SupportsDType
    )
    assert et.DType is np.dtype
    assert isinstance(jnp.zeros(1), et.Array) and not isinstance(np.zeros(1), et.Array)
    assert issubclass(jax.Array, et.Array) and not issubclass(np.ndarray, et.Array)


def test_array_notes_shapes_as_brainstate_and_works_with_jaxtyping():
    """`Array["m, n"]` is brainstate's shape note (unchecked); jaxtyping's
    checked annotations take `Array` as they take `jax.Array`."""
    import beartype
    import jaxtyping

    assert typing.get_args(et.Array["m, n"]) == (jax.Array, "m, n")
    assert typing.get_args(et.Array[jnp.float32, "m"]) == (jax.Array, jnp.float32, "m")

    @jaxtyping.jaxtyped(typechecker=beartype.beartype)
    def double(x: jaxtyping.Float[et.Array, " n"]) -> jaxtyping.Float[et.Array, " n"]:
        return x * 2

    assert double(jnp.ones(2)).tolist() == [2.0, 2.0]
    with pytest.raises(jaxtyping.TypeCheckError):
        double(jnp.ones(2, jnp.int32))


def test_missing_is_a_sentinel():
    def f(x=et.Missing):
        return "unset" if x is et.Missing else x

    assert f() == "unset" and f(None) is None


@pytest.mark.parametrize(
    "alias, member",
    [
        (et.Size, int),
        (et.Axes, int),
        (et.SeedOrKey, jax.Array),
        (et.ArrayLike, np.ndarray),
        (et.FilterLiteral, str),
    ],
)
def test_aliases_are_unions_with_brainstate_members(alias, member):
    assert member in typing.get_args(alias)


def test_pytree_is_subscriptable_and_predicate_matches_filters():
    assert et.PyTree[float] is not None
    predicate: et.Predicate = eqstate.util.to_predicate(eqstate.ParamState)
    assert predicate(("w",), eqstate.ParamState(jnp.zeros(1)))
    assert isinstance(et.K, typing.TypeVar)


_TRANSFORMS = sorted(
    name
    for name in eqstate.transform.__all__
    if callable(getattr(eqstate.transform, name))
    and not isinstance(getattr(eqstate.transform, name), type)
)


@pytest.mark.parametrize("name", _TRANSFORMS)
def test_transforms_annotations_resolve_at_runtime(name: str):
    """`typing.get_type_hints` (what beartype and documentation tools call)
    resolves every annotation of the public transforms, lazily loaded ones
    (such as `for_loop`'s `ProgressBar`) included."""
    fun = getattr(eqstate.transform, name)
    hints = typing.get_type_hints(fun)
    assert hints.keys() == getattr(fun, "__annotations__", {}).keys()
