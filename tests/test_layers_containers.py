"""`nn.HiData`, `nn.Map`, `Param`'s cache and `Module.param_precompute`, and the
`brainstate.nn` names eqstate leaves out."""

from __future__ import annotations

import copy
import pickle

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import eqstate
from eqstate import nn

# --- HiData -------------------------------------------------------------------


def _record() -> nn.HiData:
    lif = nn.HiData(name="lif", v=jnp.zeros(3), spike=jnp.zeros(3, jnp.int32), x=None)
    return nn.HiData({"exc": lif}, name="net", rate=jnp.ones(2), k=3)


def test_hidata_access_and_sizes():
    d = _record()
    assert d.exc is d["exc"] and "rate" in d and "nope" not in d
    assert list(d.keys()) == ["exc", "rate", "k"] and len(d) == 3
    assert [k for k, _ in d.items()] == list(d.keys()) and len(list(d.values())) == 3
    assert d.state_size == 4  # v, spike (x is None), rate, k
    assert d.dtype == jnp.float32 and nn.HiData(n=jnp.arange(2)).dtype == jnp.int32
    with pytest.raises(AttributeError, match="has no child 'nope'; its children"):
        d.nope
    with pytest.raises(AttributeError, match="HiData is immutable"):
        d.rate = 1.0  # type: ignore[misc]


def test_hidata_is_a_pytree_with_sorted_children_and_static_name():
    d = _record()
    doubled = jax.tree.map(lambda x: 2 * x, d)
    assert isinstance(doubled, nn.HiData) and doubled.name == "net"
    assert doubled.exc.name == "lif" and doubled.k == 6
    assert [np.shape(x) for x in jax.tree.leaves(d)] == [(3,), (3,), (), (2,)]
    same = nn.HiData(name="net", k=3, rate=jnp.ones(2), exc=d.exc)
    assert jax.tree.structure(same) == jax.tree.structure(d)
    out = jax.jit(lambda r: r.replace(rate=r.rate + 1))(d)
    assert out.rate.tolist() == [2.0, 2.0] and out.name == "net"


def test_hidata_functional_updates():
    d = _record()
    added = d.add({"a": 1}, nn.HiData(b=2), c=3)
    assert list(added.keys()) == ["exc", "rate", "k", "a", "b", "c"]
    assert added.name == "net" and list(d.keys()) == ["exc", "rate", "k"]
    assert list(d.pop("k", "rate").keys()) == ["exc"]
    assert d.replace(k=4).k == 4 and d.k == 3
    for copied in (copy.copy(d), copy.deepcopy(d), pickle.loads(pickle.dumps(d))):
        assert copied.name == "net" and copied.exc.name == "lif" and copied.k == 3
    clone = d.clone()
    assert clone is not d and clone.exc is not d.exc and clone.k == 3
    nested = {"a": 1.0, "b": {"c": 2.0}}
    back = nn.HiData.from_dict(nested)
    assert back.name is None and back.b.c == 2.0 and back.to_dict() == nested


def test_hidata_errors_and_repr():
    d = _record()
    with pytest.raises(KeyError, match="pop: no child 'nope'"):
        d.pop("nope")
    with pytest.raises(ValueError, match="got int; pass single values by keyword"):
        d.add(3)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="no child is an array"):
        nn.HiData(a=1).dtype
    text = repr(d)
    assert text.startswith("HiData(\n  name='net',\n  exc=HiData(\n    name='lif',")
    assert "v=Array(shape=(3,), dtype=float32)" in text and text.endswith("  k=3\n)")
    assert repr(nn.HiData()) == "HiData(name=None)"


# --- Param cache --------------------------------------------------------------


def test_param_cache_is_valid_until_the_raw_value_changes():
    p = nn.Param(jnp.array([1.0, 2.0]), t=nn.SoftplusT(0.0))
    assert p.cache_stats == {"valid": False, "has_cached_value": False}
    v = p.cache()
    assert p.value() is v and p.cache_stats == {"valid": True, "has_cached_value": True}
    p.val.value = p.val.value + 1.0  # an optimizer's write
    assert p.cache_stats == {"valid": False, "has_cached_value": False}
    assert p.value() is not v
    p.cache()
    p.set_value(jnp.array([3.0, 4.0]))
    assert not p.cache_stats["valid"]
    np.testing.assert_allclose(p.value(), [3.0, 4.0], rtol=1e-5)
    p.cache()
    p.clear_cache()
    assert p.cache_stats == {"valid": False, "has_cached_value": False}


def test_param_cache_never_crosses_a_transform():
    p = nn.Param(jnp.array([1.0, 2.0]), t=nn.SoftplusT(0.0))
    p.cache()

    @eqstate.transform.jit
    def twice():
        return p.value() * 2  # traced: val is a tracer, the cache does not apply

    @eqstate.transform.jit
    def cached_inside():
        p.cache()
        return p.value() + p.value()

    np.testing.assert_allclose(twice(), [2.0, 4.0], rtol=1e-5)
    np.testing.assert_allclose(cached_inside(), [2.0, 4.0], rtol=1e-5)
    # the tracer cached inside is never handed out afterwards
    assert p.cache_stats["valid"] is False
    np.testing.assert_allclose(p.value(), [1.0, 2.0], rtol=1e-5)


def test_params_built_alike_keep_one_pytree_structure():
    a = nn.Param(1.0, t=nn.SoftplusT(0.0))
    b = nn.Param(2.0, t=nn.SoftplusT(0.0))
    a.cache()
    assert jax.tree.structure(a) == jax.tree.structure(b)
    total = jax.tree.map(lambda x, y: x + y, a, b)
    np.testing.assert_allclose(total.val.value, a.val.value + b.val.value)
    # the rebuilt Param may share a's holder, never a's cached value
    np.testing.assert_allclose(total.value(), jax.nn.softplus(total.val.value))
    np.testing.assert_allclose(a.value(), 1.0, rtol=1e-6)


def test_param_precompute_caches_then_clears_even_on_error():
    class Two(nn.Module):
        def __init__(self):
            self.a = nn.Param(jnp.ones(2), t=nn.SoftplusT(0.0))
            self.inner = nn.Sequential(nn.Identity())
            self.b = nn.Const(2.0)

    m = Two()
    with m.param_precompute():
        assert m.a.cache_stats["valid"] and m.b.cache_stats["valid"]
    assert not m.a.cache_stats["valid"] and not m.b.cache_stats["valid"]
    with pytest.raises(RuntimeError, match="boom"):
        with m.param_precompute():
            raise RuntimeError("boom")
    assert not m.a.cache_stats["has_cached_value"]
    with m.param_precompute(allowed_hierarchy=(2, 5)):  # no Param that deep
        assert not m.a.cache_stats["valid"]


# --- Map ----------------------------------------------------------------------


class _Neuron(nn.Module):
    def init_state(self, size: int = 3) -> None:
        self.w = eqstate.ParamState(eqstate.random.rand(size))
        self.v = eqstate.HiddenState(jnp.zeros(()))

    def update(self, x):
        self.v.value = self.v.value + x @ self.w.value
        return self.v.value

    def read(self, scale):
        return self.v.value * scale


def test_map_creates_per_lane_states_and_calls_under_vmap():
    neuron = _Neuron()
    pop = nn.Map(neuron, init_map_size=4)
    with pytest.raises(ValueError, match="call init_all_states before calling"):
        pop(jnp.ones((4, 3)))
    assert pop.init_all_states(size=3) is pop
    w = neuron.w.value
    assert w.shape == (4, 3) and len({float(r.sum()) for r in w}) == 4  # own draws
    x = jnp.arange(12.0).reshape(4, 3)
    out = pop(x)
    np.testing.assert_allclose(out, jnp.sum(x * w, axis=1), rtol=1e-6)
    np.testing.assert_allclose(neuron.v.value, out)
    np.testing.assert_allclose(pop.map("read", in_axes=None)(2.0), 2 * out)
    states = pop.dict_vmap_states
    assert states is not None and set(states) == {0} and len(states[0]) == 2

    step = eqstate.transform.jit(lambda x: pop(x))
    np.testing.assert_allclose(step(x), 2 * out, rtol=1e-6)
    copy = jax.tree.map(lambda a: a, pop)  # its own States, the same layout
    np.testing.assert_allclose(copy(jnp.zeros((4, 3))), 2 * out, rtol=1e-6)


def test_map_state_axes_and_errors():
    neuron = _Neuron()
    pop = nn.Map(
        neuron,
        init_map_size=4,
        init_state_axes={1: eqstate.ParamState, None: eqstate.HiddenState},
    )
    pop.init_all_states(size=3)
    assert neuron.w.value.shape == (3, 4) and neuron.v.value.shape == ()
    states = pop.dict_vmap_states
    assert states is not None and set(states) == {None, 1}
    out = pop.map(lambda x: x @ neuron.w.value, in_axes=None)(jnp.ones(3))
    np.testing.assert_allclose(out, neuron.w.value.sum(0), rtol=1e-6)
    with pytest.raises(AttributeError, match="_Neuron has no method 'nope'"):
        pop.map("nope")
    with pytest.raises(ValueError, match="behavior='pmap' is not supported"):
        nn.Map(_Neuron(), 4, behavior="pmap")
    with pytest.raises(ValueError, match="init_map_size must be an int"):
        nn.Map(_Neuron(), True)
