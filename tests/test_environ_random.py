"""`eqstate.environ` and `eqstate.random`."""

import threading

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import eqstate
from eqstate import transform as T


def test_environ_set_get_context_nesting():
    eqstate.environ.set(dt=0.25)
    assert eqstate.environ.get_dt() == 0.25
    with eqstate.environ.context(dt=0.5, i=1) as values:
        assert values["dt"] == 0.5 and eqstate.environ.get("i") == 1
        with eqstate.environ.context(i=2):
            assert eqstate.environ.get("i") == 2 and eqstate.environ.get_dt() == 0.5
        assert eqstate.environ.get("i") == 1
    assert eqstate.environ.get("i", "unset") == "unset"
    assert eqstate.environ.all()["dt"] == 0.25


def test_environ_missing_key_says_how_to_set_it():
    with pytest.raises(KeyError, match=r"eqstate.environ.set\(tau=...\)"):
        eqstate.environ.get("tau")
    with pytest.raises(eqstate.EqstateError):
        eqstate.environ.get("tau")


def test_environ_context_is_thread_local_and_accepts_tracers():
    seen = {}

    def worker():
        seen["worker"] = eqstate.environ.get("who", None)

    with eqstate.environ.context(who="main"):
        t = threading.Thread(target=worker)
        t.start()
        t.join()
    assert seen["worker"] is None
    out = T.for_loop(lambda i: _read_i(i), jnp.arange(3))
    assert out.tolist() == [0, 2, 4]


def _read_i(i):
    with eqstate.environ.context(i=i):
        return eqstate.environ.get("i") * 2


def test_random_seed_reproducible_and_samplers():
    eqstate.random.seed(3)
    a = eqstate.random.randn(4)
    eqstate.random.seed(3)
    assert np.array_equal(a, eqstate.random.randn(4))
    assert eqstate.random.rand(2, 3).shape == (2, 3)
    assert eqstate.random.uniform(1.0, 2.0, size=5).min() >= 1.0
    assert eqstate.random.normal(5.0, 0.0, size=(2,)).tolist() == [5.0, 5.0]
    r = eqstate.random.randint(0, 3, size=100)
    assert r.dtype == jnp.int32 and set(np.asarray(r).tolist()) <= {0, 1, 2}
    assert eqstate.random.bernoulli(1.0, size=3).all()
    assert sorted(np.asarray(eqstate.random.permutation(5)).tolist()) == [0, 1, 2, 3, 4]
    assert eqstate.random.choice(jnp.arange(3), size=4).shape == (4,)
    t = eqstate.random.truncated_normal(-1.0, 1.0, size=100)
    assert float(jnp.abs(t).max()) <= 1.0
    assert eqstate.random.split_keys(3).shape[0] == 3


def test_random_state_instances_and_jit_vmap():
    rs = eqstate.random.RandomState(42)
    first = rs.normal(size=(2,))
    assert not np.allclose(first, rs.normal(size=(2,)))
    f = T.jit(lambda: rs.rand(3))
    assert not np.allclose(f(), f())
    lanes = T.vmap(lambda _: rs.randn(), axis_size=5)(jnp.zeros(5))
    assert len(set(np.asarray(lanes).tolist())) == 5
    with jax.ensure_compile_time_eval():
        key = rs.value
    assert key.shape == (2,)
