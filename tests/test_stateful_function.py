"""`transform.StatefulFunction`: brainstate's layout, order and results.

The expected States, structures and numbers are those brainstate 0.5.4 gives
for the same programs.
"""

import jax
import jax.numpy as jnp
import pytest
from jax.extend.core import ClosedJaxpr

import eqstate
from eqstate._left_out import LEFT_OUT, LeftOutError
from eqstate.transform import StatefulFunction


def _program():
    """`c` read, `a` read, `b` written: brainstate lists them as (c, a, b)."""
    a = eqstate.ParamState(jnp.array([1.0, 2.0]), name="a")
    b = eqstate.State(jnp.array(0.0), name="b")
    c = eqstate.State(jnp.array(5.0), name="c")

    def f(x):
        y = c.value
        b.value = jnp.sum(a.value * x) + y
        return a.value * 2 + x

    return f, a, b, c


X = jnp.array([3.0, 4.0])


def test_states_come_in_first_use_order():
    f, a, b, c = _program()
    sf = StatefulFunction(f)
    assert sf.make_jaxpr(X) is sf
    assert sf.get_states(X) == (c, a, b)
    assert sf.get_read_states(X) == (c, a)
    assert sf.get_write_states(X) == (b,)

    n = eqstate.State(jnp.array(0), name="n")

    def g(x):
        b.value = x  # written before any read
        n.value += 1
        return a.value.sum() + b.value

    assert StatefulFunction(g).get_states(1.0) == (b, n, a)


@pytest.mark.parametrize("only_write, n_out", [(True, 2), (False, 4)])
def test_jaxpr_takes_arguments_then_states(only_write: bool, n_out: int):
    f, a, b, c = _program()
    jaxpr = StatefulFunction(f, return_only_write=only_write).get_jaxpr(X)
    assert isinstance(jaxpr, ClosedJaxpr)
    assert len(jaxpr.jaxpr.invars) == 1 + 3  # x, then c, a, b
    assert len(jaxpr.jaxpr.outvars) == n_out
    assert [v.aval.shape for v in jaxpr.jaxpr.invars] == [(2,), (), (2,), ()]


def test_jaxpr_call_matches_pure_jax():
    f, a, b, c = _program()
    vals = [jnp.array(7.0), jnp.array([0.5, 1.0]), jnp.array(-1.0)]  # c, a, b

    new, out = StatefulFunction(f).jaxpr_call(vals, X)
    assert new[0] is None and new[1] is None and len(new) == 3
    assert jnp.allclose(new[2], jnp.sum(vals[1] * X) + vals[0])
    assert jnp.allclose(out, vals[1] * 2 + X)

    every, out2 = StatefulFunction(f, return_only_write=False).jaxpr_call(vals, X)
    assert [float(jnp.sum(v)) for v in every] == [7.0, 1.5, 12.5]
    assert jnp.array_equal(out, out2)
    assert float(b.value) == 0.0 and float(c.value) == 5.0  # nothing written

    debug_new, debug_out = StatefulFunction(f).debug_call(vals, X)
    assert debug_new[:2] == (None, None) and float(debug_new[2]) == 12.5
    assert jnp.array_equal(debug_out, out) and float(b.value) == 0.0
    with pytest.raises(ValueError, match="takes the values of 3 States"):
        StatefulFunction(f).jaxpr_call(vals[:2], X)


def test_jaxpr_call_auto_writes_back_without_retracing():
    f, a, b, c = _program()
    traces = []

    def counted(x):
        traces.append(None)
        return f(x)

    sf = StatefulFunction(counted)
    out = sf.jaxpr_call_auto(X)
    assert out.tolist() == [5.0, 8.0] and float(b.value) == 16.0  # brainstate's
    assert float(c.value) == 5.0 and a.value.tolist() == [1.0, 2.0]
    first = len(traces)
    c.value = jnp.array(1.0)
    assert sf(X).tolist() == [5.0, 8.0] and float(b.value) == 12.0
    assert len(traces) == first


def test_out_shapes_and_treedef():
    f, a, b, c = _program()
    sf = StatefulFunction(f)
    out, states = sf.get_out_shapes(X)
    assert out == jax.ShapeDtypeStruct((2,), jnp.float32)
    assert states[:2] == (None, None) and states[2].shape == ()
    assert sf.get_out_treedef(X) == jax.tree.structure((0, (None, None, 0)))


def test_static_arguments_key_the_cache():
    w = eqstate.State(jnp.array(1.0))
    sf = StatefulFunction(lambda x, n: x**n + w.value, static_argnums=1)
    two, three = sf.get_jaxpr(X, 2), sf.get_jaxpr(X, 3)
    assert two is not three and sf.get_jaxpr(X, 2) is two
    assert sf.jaxpr_call([w.value], X, 3)[1].tolist() == [28.0, 65.0]
    with pytest.raises(ValueError, match="make_jaxpr"):
        sf.get_jaxpr(X, 4, compile_if_miss=False)
    sf.clear_cache()
    with pytest.raises(ValueError, match="make_jaxpr"):
        sf.get_jaxpr(X, 2, compile_if_miss=False)
    with pytest.raises(ValueError, match="only 1 positional"):
        sf.make_jaxpr(X)


@pytest.mark.parametrize(
    "name, pointer",
    [("get_cache_stats", "get_jaxpr(*args)"), ("get_state_trace", "get_states")],
)
def test_cache_inspection_methods_are_left_out(name: str, pointer: str):
    sf = StatefulFunction(lambda x: x)
    with pytest.raises(LeftOutError) as info:
        getattr(sf, name)
    advice = LEFT_OUT["StatefulFunction"][name]
    assert str(info.value) == (
        f"StatefulFunction.{name} is part of brainstate but not of eqstate: {advice}"
    )
    assert pointer in advice and not hasattr(StatefulFunction, name)
    with pytest.raises(AttributeError) as plain:
        getattr(sf, "nope")
    assert not isinstance(plain.value, LeftOutError)


def test_ir_optimizations_are_refused():
    StatefulFunction(lambda x: x, ir_optimizations=())
    with pytest.raises(ValueError, match="XLA applies these"):
        StatefulFunction(lambda x: x, ir_optimizations="constant_fold")


def test_a_state_whose_shape_changed_is_traced_again():
    w = eqstate.State(jnp.ones(2))
    sf = StatefulFunction(lambda x: x * w.value.sum())
    first = sf.get_jaxpr(1.0)
    w.value = jnp.ones(3)
    assert sf.get_jaxpr(1.0) is not first and float(sf(1.0)) == 3.0


def test_states_passed_as_arguments_are_inputs_too():
    a = eqstate.State(jnp.array(1.0))
    b = eqstate.State(jnp.array(2.0))

    def f(s, x):
        s.value = s.value + x
        return b.value

    sf = StatefulFunction(f)
    assert sf.get_states(a, 1.0) == (a, b) and sf.get_write_states(a, 1.0) == (a,)
    assert float(sf(a, 1.0)) == 2.0 and float(a.value) == 2.0
