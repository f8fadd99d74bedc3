"""Seed 004 (a LIF neuron through every transform), with and without brainunit."""

import os
import re
import subprocess
import sys
from collections.abc import Callable

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import eqstate as brainstate
from eqstate import init, surrogate

try:
    import brainunit as u
except ImportError:  # the float path must work without it: test_without_brainunit
    u = None


class Units:
    """The seed's units, or plain floats (every unit is 1)."""

    def __init__(self, on: bool):
        self.on = on
        names = ["ohm", "ms", "mV", "mA"]
        for n in names:
            setattr(self, n, getattr(u, n) if on else 1.0)

    def asarray(self, x):
        return u.math.asarray(x) if self.on else jnp.asarray(x)

    def mantissa(self, x):
        return x.mantissa if self.on else x


def make_lif(U: Units):
    class LIFDynamics(brainstate.nn.Dynamics):
        def __init__(
            self,
            in_size: brainstate.typing.Size,
            R: brainstate.typing.ArrayLike = 1.0 * U.ohm,
            tau: brainstate.typing.ArrayLike = 5.0 * U.ms,
            V_th: brainstate.typing.ArrayLike = 1.0 * U.mV,
            V_reset: brainstate.typing.ArrayLike = 0.0 * U.mV,
            V_rest: brainstate.typing.ArrayLike = 0.0 * U.mV,
            V_initializer: Callable = init.Constant(0.0 * U.mV),
            spk_fun: Callable = surrogate.ReluGrad(),
            spk_reset: str = "soft",
            name: str | None = None,
        ):
            super().__init__(in_size, name=name)
            self.R = init.param(R, self.varshape)
            self.tau = init.param(tau, self.varshape)
            self.V_th = init.param(V_th, self.varshape)
            self.V_reset = init.param(V_reset, self.varshape)
            self.V_rest = init.param(V_rest, self.varshape)
            self.V_initializer = V_initializer
            self.spk_fun = spk_fun
            self.spk_reset = spk_reset

        def init_state(self, batch_size: int | None = None, **kwargs):
            self.V = brainstate.HiddenState(
                init.param(self.V_initializer, self.varshape, batch_size)
            )

        def reset_state(self, batch_size: int | None = None, **kwargs):
            self.V.value = init.param(self.V_initializer, self.varshape, batch_size)

        def get_spike(self, V=None):
            V = self.V.value if V is None else V
            v_scaled = (V - self.V_th) / (self.V_th - self.V_reset)
            return self.spk_fun(v_scaled)

        def update(self, x=0.0 * U.mA):
            last_v = self.V.value
            spk = self.get_spike(last_v)
            V_th_or_v = (
                self.V_th if self.spk_reset == "soft" else jax.lax.stop_gradient(last_v)
            )
            V = last_v - (V_th_or_v - self.V_reset) * spk
            dv = lambda v: (-(v - self.V_rest) + self.R * x) / self.tau  # noqa: E731
            V = brainstate.nn.exp_euler_step(dv, V)
            self.V.value = V
            return self.get_spike(V)

    return LIFDynamics


def run_lif(U, lif_module, inputs, reset=True):
    if reset:
        lif_module.reset_state()
    inputs = U.asarray(inputs)
    idx = np.arange(inputs.shape[0])

    def step(i, x):
        with brainstate.environ.context(i=i):
            s = lif_module(x)
            return lif_module.V.value, s

    return brainstate.transform.for_loop(step, idx, inputs)


@pytest.fixture(params=[True, False], ids=["brainunit", "floats"])
def U(request):
    if request.param and u is None:
        pytest.skip("brainunit is not installed")
    U = Units(request.param)
    with brainstate.environ.context(dt=0.1 * U.ms):
        yield U


def test_repr_and_for_loop_nine_spikes(U):
    LIF = make_lif(U)
    neuron = LIF(in_size=1)
    brainstate.nn.init_all_states(neuron)
    text = repr(neuron)
    assert text.startswith("LIFDynamics(\n  in_size=(1,),\n  out_size=(1,),")
    assert "spk_fun=ReluGrad(alpha=0.3, width=1.0)" in text and "V=HiddenState(" in text
    V_trace, spikes = run_lif(U, neuron, np.ones(500) * 1.5 * U.mA)
    assert V_trace.shape == (500, 1) and spikes.shape == (500, 1)
    assert int((np.asarray(spikes) >= 0.5).sum()) == 9

    # the same run with a progress bar, under jit: same spikes, State updated
    jit_neuron = LIF(1)
    brainstate.nn.init_all_states(jit_neuron)
    run = brainstate.transform.jit(lambda inp: run_lif(U, jit_neuron, inp))
    _, s1 = run(np.ones(500) * 1.5 * U.mA)
    _, s2 = run(np.ones(500) * 1.5 * U.mA)
    assert int((np.asarray(s1) >= 0.5).sum()) == int((np.asarray(s2) >= 0.5).sum()) == 9


def _trial_factory(U, LIF):
    def single_trial(inp_seq):
        lif = LIF(1)
        brainstate.nn.init_all_states(lif)
        inp_seq = U.asarray(inp_seq)
        idx = np.arange(inp_seq.shape[0])

        def step(i, x):
            with brainstate.environ.context(i=i):
                return lif(x)

        return brainstate.transform.for_loop(step, idx, inp_seq)

    return single_trial


def test_vmap_creating_neurons_1800_spikes(U):
    LIF = make_lif(U)
    inputs = U.asarray([np.ones(1000) * 1.5 * U.mA for _ in range(100)])
    spikes = brainstate.transform.vmap(_trial_factory(U, LIF))(inputs)
    assert spikes.shape == (100, 1000, 1)
    assert int((np.asarray(spikes) >= 0.5).sum()) == 1800


def test_jit_vmap_fi_curve_shapes(U):
    LIF = make_lif(U)
    currents = np.linspace(0.1, 0.2, 10)
    inputs = U.asarray([np.ones(1000) * c * U.mA for c in currents])
    fast = brainstate.transform.jit(brainstate.transform.vmap(_trial_factory(U, LIF)))
    a, b = fast(inputs), fast(inputs)
    assert a.shape == (10, 1000, 1) and np.array_equal(np.asarray(a), np.asarray(b))


def test_nested_for_loop_nine_each(U):
    LIF = make_lif(U)
    nested_neuron = LIF(1)
    brainstate.nn.init_all_states(nested_neuron)

    def run_single_trial_noise(trial_idx):
        nested_neuron.reset_state()
        key = jax.random.PRNGKey(trial_idx)
        inputs = 1.5 * U.mA + jax.random.normal(key, (500,)) * 0.03 * U.mA
        _, spikes = run_lif(U, nested_neuron, inputs, reset=False)
        return (spikes >= 0.5).sum()

    counts = brainstate.transform.for_loop(
        lambda i: run_single_trial_noise(i), jnp.arange(5)
    )
    assert counts.tolist() == [9, 9, 9, 9, 9]


def test_cond_switch_five_then_twelve(U):
    def adaptive_scale(x, threshold):
        return brainstate.transform.cond(
            x > threshold, lambda v: v * 2.0, lambda v: v * 0.5, x
        )

    out = [float(adaptive_scale(v, 1.5)) for v in jnp.array([0.5, 1.0, 1.5, 2.0, 2.5])]
    assert out == [0.25, 0.5, 0.75, 4.0, 5.0]

    LIF = make_lif(U)
    cond_neuron = LIF(1)
    brainstate.nn.init_all_states(cond_neuron)

    def get_input_current(step_idx):
        return brainstate.transform.cond(
            step_idx < 500, lambda _: 1.2 * U.mA, lambda _: 1.8 * U.mA, None
        )

    cond_neuron.reset_state()

    def step_with_cond(i, _):
        with brainstate.environ.context(i=i):
            current = get_input_current(i)
            spike = cond_neuron(current)
            return current, cond_neuron.V.value, spike

    currents, V_cond, spikes = brainstate.transform.for_loop(
        step_with_cond, np.arange(1000), jnp.zeros(1000)
    )
    assert float(U.mantissa(currents)[0]) == pytest.approx(1.2)
    assert int((spikes[:500] >= 0.5).sum()) == 5
    assert int((spikes[500:] >= 0.5).sum()) == 12


def test_grad_linear_regressor_trains():
    class LinearRegressor(brainstate.nn.Module):
        def __init__(self, in_features: int):
            super().__init__()
            key = jax.random.PRNGKey(0)
            self.weight = brainstate.ParamState(
                jax.random.normal(key, (in_features, 1)) * 0.1
            )
            self.bias = brainstate.ParamState(jnp.zeros((1,)))

        def __call__(self, x):
            return jnp.dot(x, self.weight.value) + self.bias.value

    model = LinearRegressor(1)
    key = jax.random.PRNGKey(42)
    x_train = jax.random.uniform(key, (20, 1))
    y_train = 2.0 * x_train + 1.0 + jax.random.normal(key, (20, 1)) * 0.1

    def compute_loss(x_data, y_data):
        return jnp.mean((model(x_data) - y_data) ** 2)

    grad_fn = brainstate.transform.grad(
        compute_loss, grad_states=[model.weight, model.bias], return_value=True
    )
    losses = []
    for _ in range(150):
        (grad_w, grad_b), loss = grad_fn(x_train, y_train)
        model.weight.value = model.weight.value - 0.1 * grad_w
        model.bias.value = model.bias.value - 0.1 * grad_b
        losses.append(float(loss))
    assert losses[-1] < 0.01 < losses[20] < losses[0]
    assert float(model.weight.value[0, 0]) == pytest.approx(1.96, abs=0.1)


def test_without_brainunit():
    """The float runs of this file pass in a process where brainunit cannot be
    imported: eqstate never needs it unless a Quantity shows up."""
    # (in this process: pytest-xdist's workers would not see the block)
    code = (
        "import sys; sys.modules['brainunit'] = None; import pytest; "
        "sys.exit(pytest.main(['-v', '-p', 'no:cacheprovider', '-n', '0', "
        f"{__file__!r}, '-k', 'floats']))"
    )
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=root, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    passed = re.search(r"(\d+) passed", result.stdout)
    assert passed is not None and int(passed.group(1)) >= 5, result.stdout[-2000:]
    assert "skipped" not in result.stdout
