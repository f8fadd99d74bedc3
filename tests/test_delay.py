"""`Delay`, `StateWithDelay`, `DelayAccess`: values against brainstate 0.5.4 (golden)."""

from pathlib import Path

import jax
import jax.numpy as jnp
import jaxtyping
import numpy as np
import pytest

import eqstate
from eqstate import environ
from eqstate.nn import Delay

GOLDEN = np.load(Path(__file__).parent / "golden" / "delay.npz")
XS = GOLDEN["xs"]
DT = 0.1
SPEC = jax.ShapeDtypeStruct((3,), jnp.float32)
INTERPOLATIONS = ["nearest", "linear", "cubic", "hermite", "polynomial2", "polynomial3"]


@pytest.fixture(autouse=True)
def dt():
    with environ.context(dt=DT):
        yield


def _one_per_interpolation(delay_method: str) -> list[Delay]:
    """A 0.5-time Delay of `SPEC` per interpolation, initialised."""
    delays = [
        Delay(SPEC, time=0.5, interpolation=name, delay_method=delay_method)
        for name in INTERPOLATIONS
    ]
    eqstate.nn.init_all_states(delays)
    return delays


@pytest.mark.parametrize("delay_method", ["rotation", "concat"])
def test_every_interpolation_and_method_match_brainstate(delay_method):
    delays = _one_per_interpolation(delay_method)
    assert delays[0].max_length == 6 and delays[0].delay_method == delay_method
    taus = [float(tau) for tau in GOLDEN["taus"]]

    def step(k, x):
        t = (k + 1) * DT
        out = []
        for delay in delays:
            delay.update(x)
            with environ.context(t=t):
                by_time = [delay.retrieve_at_time(t - tau) for tau in taus]
            by_step = [delay.retrieve_at_step(s) for s in range(6)]
            out.append((jnp.stack(by_step), jnp.stack(by_time)))
        return out

    got = eqstate.transform.for_loop(step, jnp.arange(len(XS)), jnp.asarray(XS))
    for name, (by_step, by_time) in zip(INTERPOLATIONS, got):
        np.testing.assert_allclose(by_step, GOLDEN[f"{name}_step"], err_msg=name)
        np.testing.assert_allclose(
            by_time, GOLDEN[f"{name}_time"], rtol=1e-5, atol=1e-6, err_msg=name
        )


@pytest.mark.parametrize("delay_method", ["rotation", "concat"])
def test_a_time_a_rounding_off_a_whole_step_retrieves_that_step(delay_method):
    # tau / dt in float32 lands an ulp or so off 2 steps; every interpolation
    # must give the value written 2 steps ago, not a blend reaching into the
    # neighbouring slots (which one XLA codegen or another would decide).
    delays = _one_per_interpolation(delay_method)
    for k in range(5):
        for delay in delays:
            delay.update(jnp.asarray(XS[k]))
    t = jnp.float32(0.5)
    for off in (-1, 1):  # two ulps either side of 2 * DT
        tau = jnp.nextafter(jnp.float32(0.2), jnp.float32(off))
        tau = jnp.nextafter(tau, jnp.float32(off))
        with environ.context(t=t):
            for name, delay in zip(INTERPOLATIONS, delays):
                got = delay.retrieve_at_time(t - tau)
                np.testing.assert_array_equal(got, XS[4 - 2], err_msg=name)
                assert (delay.retrieve_at_step(2) == got).all()


@pytest.mark.parametrize("delay_method", ["rotation", "concat"])
def test_update_every_matches_brainstate(delay_method):
    delay = Delay(SPEC, time=0.6, update_every=0.2, delay_method=delay_method)
    eqstate.nn.init_all_states(delay)
    assert (delay.max_length, delay.update_every_step) == (4, 2)
    got = []
    for k in range(len(XS)):
        delay.update(jnp.asarray(XS[k]))
        got.append([delay.retrieve_at_step(s) for s in range(4)])
    np.testing.assert_allclose(np.asarray(got), GOLDEN["every_step"])


@pytest.mark.parametrize("delay_method", ["rotation", "concat"])
def test_entries_indices_and_init_match_brainstate(delay_method):
    delay = Delay(SPEC, init=1.5, entries={"a": 0.3}, delay_method=delay_method)
    delay.register_entry("b", 0.2, jnp.array([2, 0]))
    eqstate.nn.init_all_states(delay)
    got = []
    for k in range(4):
        delay.update(jnp.asarray(XS[k]))
        got.append(np.concatenate([delay.at("a"), delay.at("b")]))
    np.testing.assert_allclose(np.asarray(got), GOLDEN["entries"])
    assert delay.max_length == int(GOLDEN["max_length"])


def test_delay_in_for_loop_and_jit_and_reset():
    delay = Delay(SPEC, time=0.2)
    eqstate.nn.init_all_states(delay)

    def step(x):
        delay.update(x)
        return delay.retrieve_at_step(2)

    out = eqstate.transform.for_loop(step, jnp.asarray(XS))
    np.testing.assert_allclose(out[2:], XS[:-2])
    assert np.all(np.asarray(out[:2]) == 0)
    delay.reset_state()
    assert np.all(np.asarray(delay.history.value) == 0)
    jitted = eqstate.transform.jit(step)
    assert np.all(np.asarray(jitted(jnp.ones(3))) == 0)
    assert isinstance(delay.history, eqstate.DelayState)
    assert set(delay.states()) == {("history",), ("write_ptr",)}


def test_batched_init_and_callable_init():
    delay = Delay(SPEC, time=0.1, init=lambda shape, dtype: jnp.full(shape, 2.0, dtype))
    eqstate.nn.init_all_states(delay, batch_size=4)
    assert delay.history.value.shape == (2, 4, 3)
    assert float(delay.retrieve_at_step(1).mean()) == 2.0


def test_delay_access_and_units():
    bu = pytest.importorskip("brainunit")
    with environ.context(dt=0.1 * bu.ms):
        delay = Delay(jax.ShapeDtypeStruct((2,), jnp.float32), take_aware_unit=True)
        access = delay.access("syn", 0.2 * bu.ms)
        eqstate.nn.init_all_states(delay)
        for k in range(3):
            delay.update(jnp.full(2, float(k)) * bu.mV)
        got = access()
    assert got.unit == bu.mV
    assert got.mantissa.tolist() == [0.0, 0.0]
    with environ.context(dt=0.1 * bu.ms):
        with pytest.raises(eqstate.EqstateError, match="dimensionless number of steps"):
            Delay(SPEC, time=2.0)


def test_state_with_delay_follows_target():
    class Counter(eqstate.nn.Dynamics):
        def init_state(self, batch_size=None):
            self.n = eqstate.HiddenState(jnp.zeros(2))

        def update(self):
            self.n.value = self.n.value + 1

    counter = Counter(2)
    delayed = eqstate.nn.StateWithDelay(counter, "n")
    step = delayed.register_delay(0.3)
    assert step == (3,)
    eqstate.nn.init_all_states([counter, delayed])
    seen = []
    for _ in range(5):
        counter()
        delayed.update()
        seen.append(float(delayed.retrieve_at_step(*step)[0]))
    assert seen == [0.0, 0.0, 0.0, 1.0, 2.0]


def test_delay_errors_say_what_to_do():
    delay = Delay(SPEC, time=0.2)
    with pytest.raises(eqstate.EqstateError, match="init_all_states"):
        delay.retrieve_at_step(0)
    eqstate.nn.init_all_states(delay)
    with pytest.raises(eqstate.EqstateError, match="beyond the buffer \\(3 slots"):
        delay.retrieve_at_step(3)
    delay.register_entry("x", 0.1)
    with pytest.raises(eqstate.EqstateError, match="'x' is already registered"):
        delay.register_entry("x", 0.2)
    with pytest.raises(eqstate.EqstateError, match="no delay entry 'y'"):
        delay.at("y")
    with pytest.raises(eqstate.EqstateError, match="unknown interpolation 'spline'"):
        Delay(SPEC, interpolation="spline")
    with pytest.raises(eqstate.EqstateError, match="'rotation' or 'concat'"):
        Delay(SPEC, delay_method="shift")
    with pytest.raises(eqstate.EqstateError, match="shorter than dt"):
        Delay(SPEC, update_every=0.05)
    with pytest.raises(eqstate.EqstateError, match="must be integers"):
        delay.register_delay(0.1, jnp.array([0.5]))


def _registered(entry):
    delay = Delay(SPEC, time=0.2)
    delay.register_entry(entry, 0.1)
    return delay


# brainstate 0.5.4 raises these builtins in the same cases; `except KeyError:`
# (or TypeError) clauses of brainstate programs must keep catching them.
@pytest.mark.parametrize(
    ("make", "builtin", "texts"),
    [
        pytest.param(
            lambda: _registered("x").register_entry("x", 0.2),
            KeyError,
            ["'x' is already registered", "under another name"],
            id="duplicate-entry",
        ),
        pytest.param(
            lambda: _registered("x").at("y"),
            KeyError,
            ["no delay entry 'y'", "registered: ['x']", "register_entry('y', time)"],
            id="unknown-entry",
        ),
        pytest.param(
            lambda: Delay(SPEC, init="zeros"),
            TypeError,
            ["init must be a number, an array or an initializer", "got str"],
            id="init-type",
        ),
        pytest.param(
            lambda: Delay(SPEC, interpolation=3),
            TypeError,
            ["interpolation must be a name in InterpolationRegistry", "got int"],
            id="interpolation-type",
        ),
    ],
)
def test_delay_errors_are_the_builtins_brainstate_raises(
    make, builtin, texts, monkeypatch
):
    # The suite's jaxtyping hook would reject the ill-typed arguments first;
    # users run without it, so check eqstate's own error.
    monkeypatch.setattr(jaxtyping.config, "jaxtyping_disable", True)
    with pytest.raises(builtin) as info:
        make()
    err = info.value
    assert isinstance(err, eqstate.EqstateError)
    assert str(err) == err.args[0]  # no KeyError quoting
    for text in texts:
        assert text in str(err)


def test_custom_interpolation_registered():
    def oldest(history, indices, float_idx, max_length):
        return history[(jnp.asarray(float_idx, jnp.int32) + 1) % max_length]

    eqstate.nn.InterpolationRegistry.register("test-oldest", oldest)
    assert "test-oldest" in eqstate.nn.InterpolationRegistry.list_methods()
    delay = Delay(SPEC, time=0.2, interpolation="test-oldest")
    eqstate.nn.init_all_states(delay)
    for k in range(4):
        delay.update(jnp.asarray(XS[k]))
    with environ.context(t=0.4):
        np.testing.assert_allclose(delay.retrieve_at_time(0.35), XS[1])
