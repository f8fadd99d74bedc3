"""Loops and branches: state threading, composition with jit/grad/vmap, errors."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import eqstate
from eqstate import transform as T
from eqstate.surrogate import ReluGrad, Sigmoid

from .helpers import TraceCounter


class Neuron(eqstate.nn.Dynamics):
    """A LIF neuron with a trainable input weight and a sigmoid surrogate spike."""

    def __init__(self, n, spike=Sigmoid(alpha=2.0)):
        super().__init__(n)
        self.w = eqstate.ParamState(jnp.full((n,), 0.8))
        self.spike = spike

    def init_state(self, batch_size=None):
        self.v = eqstate.HiddenState(jnp.zeros(self.varshape))

    def update(self, x):
        v = self.v.value
        s = self.spike(v - 1.0)
        v = 0.9 * v * (1.0 - s) + self.w.value * x
        self.v.value = v
        return s, v


def _unrolled_loss(w, xs, spike):
    v = jnp.zeros_like(w)
    total = 0.0
    for x in xs:
        s = spike(v - 1.0)
        v = 0.9 * v * (1.0 - s) + w * x
        total = total + jnp.sum(v) + jnp.sum(s)
    return total


@pytest.mark.parametrize(
    "amplitude, spike",
    [(0.02, ReluGrad(alpha=0.3, width=0.5)), (0.9, Sigmoid(alpha=2.0))],
    ids=["subthreshold", "spiking"],
)
def test_grad_through_for_loop_with_surrogate(amplitude, spike):
    neuron = Neuron(2, spike)
    eqstate.nn.init_all_states(neuron)
    xs = jnp.full((12, 2), amplitude)

    def loss():
        neuron.v.value = jnp.zeros(2)
        s, v = T.for_loop(neuron, xs)
        return jnp.sum(v) + jnp.sum(s)

    g = T.grad(loss, grad_states={"w": neuron.w})()["w"]
    expected = jax.grad(_unrolled_loss)(neuron.w.value, xs, neuron.spike)
    np.testing.assert_allclose(g, expected, rtol=1e-5)
    if amplitude < 0.5:
        # far below threshold ReluGrad's surrogate term vanishes, so the
        # gradient must equal a finite difference of the true (spike-free) loss
        eps = 1e-3
        w0 = neuron.w.value
        fd = []
        for i in range(2):
            e = jnp.zeros(2).at[i].set(eps)
            up = _unrolled_loss(w0 + e, xs, lambda x: jnp.zeros_like(x))
            down = _unrolled_loss(w0 - e, xs, lambda x: jnp.zeros_like(x))
            fd.append((up - down) / (2 * eps))
        np.testing.assert_allclose(g, fd, rtol=2e-2)
    # the loop wrote the final voltage back, outside any transform
    assert neuron.v.value.shape == (2,)


def test_vmap_of_for_loop_that_creates_states():
    def trial(amp):
        neuron = Neuron(1)
        eqstate.nn.init_all_states(neuron)
        s, v = T.for_loop(lambda x: neuron(x), jnp.full((20, 1), amp))
        return v[-1, 0]

    out = T.vmap(trial)(jnp.array([0.0, 0.1, 0.2]))
    assert (
        out.shape == (3,) and float(out[0]) == 0.0 and float(out[2]) > float(out[1]) > 0
    )


def test_jit_inside_vmap_inside_for_loop():
    total = eqstate.State(jnp.zeros(()), name="total")
    scale = eqstate.ParamState(jnp.array(2.0))
    inner = T.jit(lambda x: x * scale.value)

    def body(xs):
        ys = T.vmap(inner)(xs)
        total.value = total.value + jnp.sum(ys)
        return ys

    ys = T.for_loop(body, jnp.ones((3, 4)))
    assert ys.shape == (3, 4) and float(total.value) == 24.0


def test_while_loop_writes_in_body_and_cond_reads():
    n = eqstate.State(jnp.array(0), name="n")
    limit = eqstate.State(jnp.array(5), name="limit")

    def cond(x):
        return n.value < limit.value

    def body(x):
        n.value += 1
        return x + n.value

    out = T.jit(lambda: T.while_loop(cond, body, jnp.array(0)))()
    assert int(out) == 15 and int(n.value) == 5


def test_while_loop_cond_fun_write_raises():
    n = eqstate.State(jnp.array(0), name="n")

    def bad_cond(x):
        n.value += 1
        return x < 3

    with pytest.raises(
        eqstate.StateWriteError,
        match="(?s)State 'n'.*condition.*move the write into body_fun",
    ):
        T.while_loop(bad_cond, lambda x: x + 1, 0)
    assert int(n.value) == 0


def test_scan_carries_states_and_user_carry():
    acc = eqstate.State(jnp.array(1.0))

    def body(c, x):
        acc.value = acc.value * x
        return c + x, acc.value

    c, ys = T.scan(body, jnp.array(0.0), jnp.array([2.0, 3.0, 4.0]))
    assert (
        float(c) == 9.0 and ys.tolist() == [2.0, 6.0, 24.0] and float(acc.value) == 24.0
    )
    _, rev = T.scan(body, jnp.array(0.0), jnp.array([1.0, 2.0]), reverse=True)
    assert rev.tolist() == [48.0, 48.0]


def test_loop_state_changing_dtype_names_the_state():
    s = eqstate.State(jnp.zeros(2, jnp.float32), name="acc")

    def body(x):
        s.value = jnp.zeros(3)

    with pytest.raises(eqstate.EqstateError, match="State 'acc'.*changes from"):
        T.for_loop(body, jnp.arange(2))


def test_cond_writes_in_one_branch_and_switch_ifelse():
    hits = eqstate.State(jnp.zeros(3), name="hits")
    other = eqstate.State(jnp.array(0.0), name="other")

    def f(i):
        T.cond(
            i > 0,
            lambda: hits.__setattr__("value", hits.value.at[0].add(1.0)),
            lambda: other.__setattr__("value", other.value - 1.0),
        )

    jf = T.jit(f)
    for i in [1, 0, 2]:
        jf(jnp.array(i))
    assert hits.value.tolist() == [2.0, 0.0, 0.0] and float(other.value) == -1.0

    def bump(k):
        return lambda: hits.__setattr__("value", hits.value.at[k].add(10.0))

    T.switch(jnp.array(2), [bump(0), bump(1), bump(2)])
    assert hits.value.tolist() == [2.0, 0.0, 10.0]
    picks = [
        int(
            T.ifelse(
                [x < 0, (x >= 0) & (x < 1), x >= 1], [lambda: 0, lambda: 1, lambda: 2]
            )
        )
        for x in (-1.0, 0.5, 5.0)
    ]
    assert picks == [0, 1, 2]
    first_true = [
        int(T.ifelse([x < 0, x < 1], [lambda: 0, lambda: 1], check_cond=False))
        for x in (-1.0, 0.5, 5.0)
    ]
    assert first_true == [0, 1, 1]  # none true: the last branch
    with pytest.raises(T.JitCheckError, match="exactly one condition"):
        T.ifelse([True, True], [lambda: 0, lambda: 1])
    with pytest.raises(ValueError, match="one branch per condition"):
        T.ifelse([True, False], [lambda: 0, lambda: 1, lambda: 2])


def test_cond_errors_speak_of_cond_and_switch_errors_of_switch():
    with pytest.raises(TypeError) as info:  # JAX and brainstate raise TypeErrors
        T.cond(jnp.array([True, False]), lambda: 1.0, lambda: 2.0)
    assert type(info.value).__name__ == "CondPredicateError"
    message = str(info.value)
    assert "shape (2,)" in message and "must be a scalar boolean" in message
    assert "jnp.all(mask)" in message and "Branch index" not in message
    with pytest.raises(T.BranchMismatchError) as info:
        T.cond(True, lambda: 1.0, lambda: jnp.ones(2))
    message = str(info.value)
    assert isinstance(info.value, TypeError) and "switch branches" not in message
    assert "true_fun returns float32[]" in message
    assert "false_fun returns float32[2]" in message
    assert "false_fun and true_fun must return the same types" in message
    with pytest.raises(T.BranchMismatchError, match=r"(?s)switch.*branches\[1\] ret"):
        T.switch(1, [lambda: 1.0, lambda: jnp.ones(2)])


def test_cond_inside_vmap_with_declared_states():
    v = eqstate.State(jnp.zeros(4), name="v")

    def lane(x):
        T.cond(x > 1.0, lambda: v.__setattr__("value", v.value + x), lambda: None)

    T.vmap(lane, in_states=[v], out_states=[v])(jnp.arange(4.0))
    assert v.value.tolist() == [0.0, 0.0, 2.0, 3.0]


def test_map_with_and_without_batch_size():
    count = eqstate.State(jnp.array(0))

    def f(x):
        count.value += 1
        return x * 2

    assert T.map(f, jnp.arange(4.0)).tolist() == [0.0, 2.0, 4.0, 6.0]
    assert int(count.value) == 4
    out = T.map(lambda x: x + 1, jnp.arange(5.0), batch_size=2)
    assert out.tolist() == [1.0, 2.0, 3.0, 4.0, 5.0]


def test_remat_grad_and_write():
    w = eqstate.ParamState(jnp.array(0.5))
    calls = eqstate.State(jnp.array(0))

    @T.remat
    def f(x):
        calls.value += 1
        return jnp.sin(w.value * x)

    g = T.grad(lambda x: f(x), grad_states=[w])(2.0)
    assert float(g[0]) == pytest.approx(2.0 * float(jnp.cos(1.0)), rel=1e-6)
    assert int(calls.value) == 1


def test_for_loop_inside_jit_traces_body_bounded_times():
    v = eqstate.State(jnp.zeros(()))
    body = TraceCounter(lambda x: v.__setattr__("value", v.value + x))
    f = T.jit(lambda xs: T.for_loop(body, xs))
    f(jnp.ones(5))
    traced = body.count
    f(jnp.ones(5))
    f(jnp.ones(5) * 2)
    assert body.count == traced <= 4
    assert float(v.value) == 20.0


def test_progress_bar_under_jit(capsys):
    f = T.jit(
        lambda xs: T.for_loop(
            lambda x: x + 1, xs, pbar=T.ProgressBar(freq=10, desc="sim")
        )
    )
    assert f(jnp.zeros(50)).tolist() == [1.0] * 50
    err = capsys.readouterr().err
    assert "sim" in err and "50/50" in err
    with pytest.raises(ValueError, match="positive"):
        T.ProgressBar(freq=0)
    with pytest.raises(TypeError, match="pbar"):
        T.for_loop(lambda x: x, jnp.zeros(3), pbar="yes")
