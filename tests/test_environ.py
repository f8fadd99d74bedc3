"""`eqstate.environ`."""

import threading

import jax.numpy as jnp
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
