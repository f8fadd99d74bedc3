"""`Dynamics` hooks and prefetch handles, collective ops, SDE `exp_euler_step`, State kinds."""

import jax
import jax.numpy as jnp
import jaxtyping
import numpy as np
import pytest

import eqstate
from eqstate import environ, nn


class Counter(nn.Dynamics):
    def init_state(self, batch_size=None):
        shape = self.varshape if batch_size is None else (batch_size, *self.varshape)
        self.n = eqstate.HiddenState(jnp.zeros(shape))

    def reset_state(self, batch_size=None):
        self.n.value = jnp.zeros_like(self.n.value)

    def update(self, x=1.0):
        self.n.value = self.n.value + x
        return self.n.value


@pytest.fixture(autouse=True)
def dt():
    with environ.context(dt=1.0):
        yield


def test_in_size_varshape_and_errors():
    assert Counter(3).varshape == (3,) and Counter((2, 4)).out_size == (2, 4)
    with pytest.raises(eqstate.EqstateError, match="in_size must be an int"):
        Counter([])


def _prefetch_delay_over_foreign_hook():
    c = Counter(1)
    c.add_after_update("n-prefetch-delay-None", lambda *args: None)
    nn.init_maybe_prefetch(nn.PrefetchDelay(c, "n"))


# brainstate 0.5.4 raises these builtins in the same cases; its programs'
# `except ValueError:` (AttributeError, TypeError) clauses must keep working.
@pytest.mark.parametrize(
    ("make", "builtin", "texts"),
    [
        pytest.param(
            lambda: Counter("abc"),
            ValueError,
            ["in_size must be an int", "'abc'", "`Dynamics(100)`"],
            id="in_size-str",
        ),
        pytest.param(
            lambda: Counter(3.0),
            ValueError,
            ["in_size must be an int", "3.0"],
            id="in_size-float",
        ),
        pytest.param(
            lambda: Counter(1).prefetch("missing")(),
            AttributeError,
            ["Counter has no attribute 'missing' to prefetch", "init_state"],
            id="prefetch-missing",
        ),
        pytest.param(
            _prefetch_delay_over_foreign_hook,
            TypeError,
            ["not a StateWithDelay", "'n-prefetch-delay-None'", "another key"],
            id="prefetch-delay-type",
        ),
    ],
)
def test_errors_are_the_builtins_brainstate_raises(make, builtin, texts, monkeypatch):
    # The suite's jaxtyping hook would reject the ill-typed arguments first;
    # users run without it, so check eqstate's own error.
    monkeypatch.setattr(jaxtyping.config, "jaxtyping_disable", True)
    with pytest.raises(builtin) as info:
        make()
    err = info.value
    assert isinstance(err, eqstate.EqstateError)
    for text in texts:
        assert text in str(err)


def test_before_and_after_hooks_run_in_order_with_flags():
    c = Counter(1)
    seen = []

    def before():
        seen.append("before")

    def before_with_input(x):
        seen.append(("input", x))

    def after(out):
        seen.append(("after", float(out[0])))

    def tick():
        seen.append("tick")

    c.add_before_update("b", before)
    c.add_before_update("bi", nn.receive_update_input(before_with_input))
    c.add_after_update("a", after)
    c.add_after_update("t", nn.not_receive_update_output(tick))
    nn.init_all_states(c)
    c(2.0)
    assert seen == ["before", ("input", 2.0), ("after", 2.0), "tick"]
    assert c.has_before_update("b") and not c.has_after_update("b")
    assert c.get_after_update("a") is after
    assert list(c.after_updates) == ["a", "t"] and list(c.before_updates) == ["b", "bi"]
    with pytest.raises(KeyError, match="'a' is already registered in after_updates"):
        c.add_after_update("a", after)
    with pytest.raises(KeyError, match="'zz' is not registered in before_updates"):
        c.get_before_update("zz")
    nn.receive_update_output(tick)
    nn.not_receive_update_input(before_with_input)
    seen.clear()
    with pytest.raises(TypeError):
        c(1.0)  # tick() now receives the output


def test_prefetch_and_prefetch_delay_in_for_loop():
    c = Counter(2)
    now = c.prefetch("n")
    two_back = c.prefetch_delay("n", 2.0)
    again = c.prefetch_delay("n", 1.0)  # shares the same delay, grows nothing
    assert again.state_delay is two_back.state_delay
    hook = c.get_after_update("n-prefetch-delay-None")
    assert isinstance(hook, nn.StateWithDelay) and hook.max_length == 3
    nn.init_all_states(c)
    assert ("_after_updates", "n-prefetch-delay-None", "history") in c.states()

    def step(i):
        c(1.0)
        return now(), two_back(), again()

    cur, lag2, lag1 = eqstate.transform.for_loop(step, jnp.arange(5))
    assert cur[:, 0].tolist() == [1, 2, 3, 4, 5]
    assert lag2[:, 0].tolist() == [0, 0, 1, 2, 3]
    assert lag1[:, 0].tolist() == [0, 1, 2, 3, 4]
    assert nn.PrefetchDelay(c, "n").at(1.0)()[0] == 4.0
    nn.init_maybe_prefetch(now)
    nn.init_maybe_prefetch(nn.PrefetchDelay(c, "n"))
    with pytest.raises(eqstate.EqstateError, match="no attribute 'w' to prefetch"):
        c.prefetch("w")()


def test_output_delay_and_units():
    c = Counter(1)
    past = c.output_delay(2.0)
    nn.init_all_states(c)
    outs = [float(c(1.0)[0]) for _ in range(4)]
    assert outs == [1, 2, 3, 4] and float(past()[0]) == 2.0
    bu = pytest.importorskip("brainunit")
    with environ.context(dt=0.5 * bu.ms):
        d = Counter(1)
        lag = d.prefetch_delay("n", 1.0 * bu.ms)
        nn.init_all_states(d)
        for _ in range(3):
            d()
        assert float(lag()[0]) == 1.0


def test_call_order_exclusion_and_missing_methods():
    calls = []

    class Early(nn.Module):
        def __init__(self, tag):
            self.tag_ = tag

        def go(self):
            calls.append(self.tag_)

    class Late(Early):
        @nn.call_order(2)
        def go(self):
            calls.append("late-" + self.tag_)

    class Root(nn.Module):
        def __init__(self):
            self.late = Late("x")
            self.a = Early("a")
            self.b = Early("b")

        def go(self):
            calls.append("root")

    nn.call_all_fns(Root(), "go")
    assert calls == ["b", "a", "root", "late-x"]
    calls.clear()
    nn.call_all_fns(Root(), "go", node_to_exclude=Late)
    assert calls == ["b", "a", "root"]
    calls.clear()
    nn.call_all_fns(Root(), "go", node_to_exclude=lambda path, m: path == ("a",))
    assert calls == ["b", "root", "late-x"]
    with pytest.raises(AttributeError, match="fn_if_not_exist='pass'"):
        nn.call_all_fns(Root(), "nope")
    with pytest.raises(ValueError, match=r"\[0, 10\)"):
        nn.call_order(10)
    with pytest.warns(UserWarning, match="has no method 'nope'"):
        nn.call_all_fns(Root(), "nope", fn_if_not_exist="warn")


def test_init_and_reset_all_states_with_exclusion():
    a, b = Counter(2), Counter(2)
    nn.init_all_states([a, b], batch_size=3)
    assert a.n.value.shape == (3, 2)
    a(1.0), b(1.0)
    nn.reset_all_states([a, b], node_to_exclude=lambda path, m: m is b)
    assert float(a.n.value.sum()) == 0 and float(b.n.value.sum()) == 6


def test_vmap_init_and_reset_give_each_lane_its_own_values():
    class Noisy(nn.Dynamics):
        def __init__(self, n):
            super().__init__(n)
            self.w = eqstate.ParamState(jnp.ones(n))

        def init_state(self, batch_size=None):
            self.v = eqstate.HiddenState(eqstate.random.rand(*self.varshape))
            self.k = eqstate.State(jnp.zeros(()), tag="shared")

        def reset_state(self, batch_size=None):
            self.v.value = eqstate.random.rand(*self.varshape) * self.w.value

    m = Noisy(2)
    lag = m.prefetch_delay("v", 1.0)
    nn.vmap_init_all_states(m, axis_size=4, state_to_exclude="shared")
    assert m.v.value.shape == (4, 2) and m.k.value.shape == ()
    assert len(np.unique(np.asarray(m.v.value[:, 0]))) == 4
    delay = lag.state_delay
    assert delay.history.value.shape == (4, 2, 2) and delay.write_ptr.value.shape == ()
    old = np.asarray(m.v.value)
    for _ in range(2):  # what the reset does not write keeps its shape
        nn.vmap_reset_all_states(m, axis_size=4)
        assert m.v.value.shape == (4, 2) and not np.allclose(old, m.v.value)
        assert m.k.value.shape == () and m.w.value.shape == (2,)
    with pytest.raises(ValueError, match="axis_size=None"):
        nn.vmap_init_all_states(m)


def test_assign_state_values_and_environ_context():
    c = nn.init_all_states(Counter(2))
    unexpected, missing = nn.assign_state_values(
        c, {"n": jnp.array([1.0, 2.0])}, {("x", 1): 0}
    )
    assert c.n.value.tolist() == [1.0, 2.0]
    assert unexpected == [("x", 1)] and missing == []

    class ReadDt(nn.Module):
        def update(self):
            return environ.get_dt()

    wrapped = nn.EnvironContext(ReadDt(), dt=0.25)
    assert wrapped() == 0.25
    wrapped.add_context(dt=0.5)
    assert wrapped() == 0.5 and environ.get_dt() == 1.0


def test_exp_euler_ou_stationary_moments():
    theta, mu, sigma, n = 1.0, 1.0, 1.0, 10_000
    eqstate.random.seed(0)
    x = eqstate.State(jnp.full(n, mu))

    def step(i):
        x.value = nn.exp_euler_step(
            lambda v: theta * (mu - v), lambda v: sigma, x.value
        )

    with environ.context(dt=0.01):
        eqstate.transform.for_loop(step, jnp.arange(500))
    xs = np.asarray(x.value, np.float64)
    var = sigma**2 / (2 * theta)
    assert abs(xs.mean() - mu) < 3 * np.sqrt(var / n)
    assert abs(xs.var() - var) < 3 * var * np.sqrt(2 / (n - 1))


def test_exp_euler_errors_and_units():
    with pytest.raises(eqstate.EqstateError, match="needs the state"):
        nn.exp_euler_step(lambda v: -v, lambda v: 1.0)
    with pytest.raises(eqstate.EqstateError, match="floating-point"):
        nn.exp_euler_step(lambda v: -v, jnp.arange(3))
    bu = pytest.importorskip("brainunit")
    with environ.context(dt=0.1 * bu.ms):
        v = nn.exp_euler_step(
            lambda v: -v / (10 * bu.ms),
            lambda v: 1.0 * bu.mV / bu.ms**0.5,
            jnp.zeros(100) * bu.mV,
        )
        assert v.unit == bu.mV and float(v.mantissa.std()) > 0
        with pytest.raises(eqstate.EqstateError, match="per sqrt\\(time\\)"):
            nn.exp_euler_step(lambda v: -v / bu.ms, lambda v: 1.0 * bu.mV, v)


def test_exp_euler_coupled_systems_match_brainstate():
    # brainstate 0.5.4 linearises with vector_grad (the Jacobian's column
    # sums); numbers from the reference venv, float32
    f = lambda y: jnp.array([-y[0] + y[1], -y[1] - y[0]])  # noqa: E731
    w = jnp.array([[-1.0, 0.5, 0.0], [0.2, -2.0, 0.3], [0.0, 0.4, -0.5]])
    with environ.context(dt=0.1):
        two = nn.exp_euler_step(f, jnp.array([1.0, 0.5]))
        three = nn.exp_euler_step(
            lambda v, i: w @ v + i, jnp.array([1.0, -1.0, 2.0]), 0.5
        )
    np.testing.assert_allclose(two, [0.9546827, 0.35], rtol=1e-6)
    np.testing.assert_allclose(three, [0.9038954, -0.6875024, 1.9108940], rtol=1e-6)


def test_exp_euler_value_errors_are_value_errors():
    with pytest.raises(ValueError, match="floating-point states; got dtype int32"):
        nn.exp_euler_step(lambda v: -v, jnp.arange(3))
    bu = pytest.importorskip("brainunit")
    with environ.context(dt=0.1 * bu.ms), pytest.raises(ValueError) as info:
        nn.exp_euler_step(
            lambda v: -v / bu.ms, lambda v: 1.0 * bu.mV, jnp.ones(2) * bu.mV
        )
    assert isinstance(info.value, eqstate.EqstateError)
    assert "not that of the state per sqrt(time) (mV / sqrt(ms))" in str(info.value)


def test_update_flags_as_class_decorators_and_on_instances():
    calls = []

    @nn.not_receive_update_output
    class Tick(nn.Module):
        def __call__(self, *args):
            calls.append(("tick", len(args)))

    @nn.receive_update_input
    class See(nn.Module):
        def __call__(self, *args):
            calls.append(("see", len(args)))

    class Plain(nn.Module):
        def __call__(self, *args):
            calls.append(("plain", len(args)))

    c = nn.init_all_states(Counter(1))
    c.add_before_update("see", See())
    c.add_after_update("tick", Tick())
    plain = nn.not_receive_update_output(nn.receive_update_input(Plain()))
    c.add_before_update("plain", plain)
    c.add_after_update("plain", plain)
    c(jnp.ones(1))
    assert calls == [("see", 1), ("plain", 1), ("tick", 0), ("plain", 0)]

    # undoing: on the class, and on an instance whose class is flagged
    assert nn.receive_update_output(Tick) is Tick
    assert nn.not_receive_update_input(See) is See
    calls.clear()
    c(jnp.ones(1))
    assert calls == [("see", 0), ("plain", 1), ("tick", 1), ("plain", 0)]
    nn.not_receive_update_output(Tick)
    tick = nn.receive_update_output(Tick())
    calls.clear()
    tick_unit = nn.init_all_states(Counter(1))
    tick_unit.add_after_update("tick", tick)
    tick_unit(jnp.ones(1))
    assert calls == [("tick", 1)]


def test_environ_context_per_call_context():
    class Read(nn.Module):
        def update(self, x, **kwargs):
            return environ.get("fit"), environ.get("other", None), sorted(kwargs)

    wrapped = nn.EnvironContext(Read(), fit=True)
    assert wrapped(jnp.ones(2), context={"other": 1}) == (True, 1, [])
    assert wrapped(jnp.ones(2), context={"other": 1}, k=2) == (True, 1, ["k"])
    assert wrapped(jnp.ones(2)) == (True, None, [])
    with pytest.raises(TypeError, match="per-call context sets \\['fit'\\]"):
        wrapped(jnp.ones(2), context={"fit": False})


def test_state_kinds():
    h = eqstate.HiddenState(jnp.zeros((2, 3)))
    assert h.varshape == (2, 3) and h.num_state == 1  # type: ignore[attr-defined]
    g = eqstate.HiddenGroupState(jnp.zeros((3, 2)))
    assert (g.varshape, g.num_state, g.name2index) == ((3,), 2, {"0": 0, "1": 1})
    g.set_value([jnp.ones(3), jnp.full(3, 2.0)])
    assert g.get_value(-1).tolist() == [2.0] * 3
    with pytest.raises(eqstate.EqstateError, match="at least 2 dimensions"):
        eqstate.HiddenGroupState(jnp.zeros(3))
    with pytest.raises(eqstate.EqstateError, match="index 5 is out of range"):
        g.get_value(5)
    with pytest.raises(eqstate.EqstateError, match="expected \\(3,\\)"):
        g.set_value({0: jnp.ones(2)})
    t = eqstate.HiddenTreeState({"v": jnp.zeros(2), "w": jnp.ones(2)})
    copy = jax.tree.map(lambda a: a + 1, t)
    assert (
        copy.get_value("w").tolist() == [2.0, 2.0] and copy.name2index == t.name2index
    )
    with pytest.raises(eqstate.EqstateError, match="no variable named 'u'"):
        t.get_value("u")
    with pytest.raises(eqstate.EqstateError, match="same shape"):
        eqstate.HiddenTreeState({"v": jnp.zeros(2), "w": jnp.ones(3)})
    bu = pytest.importorskip("brainunit")
    q = eqstate.HiddenTreeState([jnp.zeros(2) * bu.mV, jnp.ones(2) * bu.ms])
    q.set_value({"0": jnp.ones(2) * bu.volt})
    assert q.get_value(0).unit == bu.mV and float(q.get_value(0).mantissa[0]) == 1000.0
    assert q.name2unit["1"] == bu.ms
    f = eqstate.FakeState(3, name="c")
    f.value += 1
    assert f.value == 4 and "FakeState" in repr(f)
    assert eqstate.graph.states({"f": f}) == {}
