"""`eqstate.environ`: settings, contexts, precision and the x64 switch, round trips."""

import threading
import warnings

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import eqstate
from eqstate import environ as env
from eqstate.environ import _environ


@pytest.fixture(autouse=True)
def fresh_environment(monkeypatch: pytest.MonkeyPatch):
    """Each test starts from a default environment and restores x64 even on failure."""
    x64 = jax.config.read("jax_enable_x64")
    monkeypatch.setattr(_environ, "_ENV", _environ.EnvironmentState())
    try:
        yield
    finally:
        jax.config.update("jax_enable_x64", x64)


def test_set_get_pop_reset_round_trip():
    env.set(dt=0.1, tau=5.0)
    assert env.get(env.DT) == 0.1 and env.get("tau") == 5.0
    assert env.all() == {"precision": 32, "dt": 0.1, "tau": 5.0}
    assert env.pop("tau") == 5.0
    assert env.get("tau", None) is None
    with pytest.raises(KeyError, match=r"eqstate.environ.pop\('tau', None\)"):
        env.pop("tau")
    env.reset()
    assert env.all() == {"precision": 32}
    assert env.get_precision() == 32 and env.dftype() == np.float32


def test_get_desc_in_message_and_missing_key():
    with pytest.raises(env.EnvironKeyError, match=r"'tau' \(membrane time"):
        env.get("tau", desc="membrane time constant")
    with pytest.raises(eqstate.EqstateError, match=r"eqstate.environ.set\(tau=...\)"):
        env.get("tau")


def test_context_nests_and_pop_refuses_inside_context():
    env.set(dt=0.25)
    with env.context(dt=0.5, i=1) as values:
        assert values == {"precision": 32, "dt": 0.5, "i": 1}
        with env.context(i=2):
            assert env.get(env.I) == 2 and env.get_dt() == 0.5
        assert env.get("i") == 1
        with pytest.raises(ValueError, match="after the `with` block"):
            env.pop("dt")
    assert env.get("i", "unset") == "unset" and env.get_dt() == 0.25
    assert env.pop("dt") == 0.25


def test_context_refuses_platform_and_device_count():
    for key in ("platform", "host_device_count"):
        with pytest.raises(env.EnvironValueError, match=rf"environ.set\({key}=...\)"):
            with env.context(**{key: 1}):
                pass
    assert env.all() == {"precision": 32}


@pytest.mark.parametrize(
    ("precision", "f", "i", "u", "c", "bits"),
    [
        (64, np.float64, np.int64, np.uint64, np.complex128, 64),
        (32, np.float32, np.int32, np.uint32, np.complex64, 32),
        (16, np.float16, np.int16, np.uint16, np.complex64, 16),
        ("bf16", jnp.bfloat16, np.int16, np.uint16, np.complex64, 16),
        (8, jnp.float8_e5m2, np.int8, np.uint8, np.complex64, 8),
    ],
)
def test_precision_dtypes_and_x64_switch(precision, f, i, u, c, bits):
    env.set(precision=precision)
    assert jax.config.read("jax_enable_x64") is (precision == 64)
    assert (env.dftype(), env.ditype(), env.dutype(), env.dctype()) == (f, i, u, c)
    assert env.get_precision() == bits
    if precision == 64:
        assert jnp.zeros(2, env.dftype()).dtype == jnp.float64
        assert env.tolerance() == 1e-12
    env.reset()
    assert jax.config.read("jax_enable_x64") is False
    assert env.dftype() == np.float32 and env.tolerance() == np.float32(1e-5)


def test_precision_64_in_context_then_back():
    with env.context(precision=64):
        assert jax.config.read("jax_enable_x64") is True
        assert jnp.asarray(1.0, env.dftype()).dtype == jnp.float64
    assert jax.config.read("jax_enable_x64") is False
    assert env.dftype() == np.float32 and env.get_precision() == 32
    env.set_precision(64)
    assert jax.config.read("jax_enable_x64") is True
    env.set_precision(32)
    assert jax.config.read("jax_enable_x64") is False


def test_bad_values_are_refused():
    with pytest.raises(
        env.EnvironValueError, match=r"precision=12.*set\(precision=64\)"
    ):
        env.set(precision=12)
    with pytest.raises(env.EnvironValueError, match="precision=7"):
        with env.context(precision=7):
            pass
    with pytest.raises(env.EnvironValueError, match="needs a scalar time step"):
        env.set(dt=jnp.ones(3))
    with pytest.raises(env.EnvironValueError, match="one of \\('cpu'"):
        env.set_platform("abacus")
    with pytest.raises(env.EnvironValueError, match="positive int"):
        env.set_host_device_count(0)
    assert env.all() == {"precision": 32}


def test_platform_and_host_device_count(monkeypatch: pytest.MonkeyPatch):
    assert env.get(env.PLATFORM) == env.get_platform() == "cpu"
    monkeypatch.setenv(
        "XLA_FLAGS", "--xla_cpu_foo=1 --xla_force_host_platform_device_count=2"
    )
    assert env.get(env.HOST_DEVICE_COUNT) == 2
    env.set(host_device_count=6)
    assert env.get_host_device_count() == 6
    import os

    assert os.environ["XLA_FLAGS"].split() == [
        "--xla_force_host_platform_device_count=6",
        "--xla_cpu_foo=1",
    ]


def test_default_behaviors_follow_set_and_context():
    seen = []
    env.register_default_behavior("mode", seen.append)
    with pytest.raises(ValueError, match="replace_if_exist=True"):
        env.register_default_behavior("mode", print)
    env.set(mode="a")
    with env.context(mode="b"):
        with env.context(mode="c"):
            pass
    assert seen == ["a", "b", "c", "b", "a"]
    env.register_default_behavior("mode", lambda v: 1 / 0, replace_if_exist=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        env.set(mode="d")
    assert "ZeroDivisionError" in str(caught[0].message)
    assert env.list_registered_behaviors() == ["mode"]
    assert env.unregister_default_behavior("mode") is True
    assert env.unregister_default_behavior("mode") is False
    env.reset()
    assert env.list_registered_behaviors() == []


def test_explicit_environment_is_independent():
    other = env.EnvironmentState()
    env.set(dt=1.0, precision=16, env=other)
    assert jax.config.read("jax_enable_x64") is False  # only the default env switches
    assert env.get_dt(env=other) == 1.0 and env.dftype(env=other) == np.float16
    assert env.get("dt", None) is None and env.dftype() == np.float32
    with env.context(dt=2.0, env=other):
        assert env.get_dt(env=other) == 2.0
    env.reset(env=other)
    assert env.all(env=other) == {"precision": 32}


def test_settings_are_per_thread_and_accept_tracers():
    env.set(dt=0.1)
    seen = {}

    def worker():
        seen["dt"] = env.get("dt", None)
        env.set(dt=9.0)

    t = threading.Thread(target=worker)
    t.start()
    t.join()
    assert seen["dt"] is None and env.get_dt() == 0.1

    def body(i):
        with env.context(i=i):
            return env.get("i") * 2

    assert eqstate.transform.for_loop(body, jnp.arange(3)).tolist() == [0, 2, 4]
