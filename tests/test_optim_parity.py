"""eqstate.optim against braintools 0.3.0, where differential testing found them apart.

The expected numbers are braintools 0.3.0's (brainstate 0.5.4, optax 0.2.x,
float32), recorded by running the same calls with `braintools.optim` and
`brainstate.ParamState`; each test says which call. The learning-rate cases
are played from `golden/optim_lr.json` (`golden/record_optim_lr.py`).
"""

import json
from pathlib import Path

import jax.numpy as jnp
import numpy as np
import optax
import pytest

import eqstate
import eqstate.optim as optim

from .golden.optim_lr_calls import play

LR_GOLDEN = json.loads((Path(__file__).parent / "golden" / "optim_lr.json").read_text())


def _run(opt, w0, grads):
    w = eqstate.ParamState(jnp.asarray(w0, jnp.float32))
    opt.register_trainable_weights({"w": w})
    for g in grads:
        opt.update({"w": jnp.asarray(g, jnp.float32)})
    return np.asarray(w.value).ravel()


# -- RMSprop: eps inside the square root (optax.scale_by_rms / scale_by_stddev) ----

_G2 = [[0.1, 1.0], [-0.3, 0.5], [0.2, 0.2]]


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [  # braintools.optim.RMSprop(lr=0.1, eps=1e-2, **kwargs), the 3 gradients _G2
        ({}, [0.99914062, -3.1739984]),
        ({"momentum": 0.9}, [1.0864358, -4.6838198]),
        ({"centered": True}, [0.99918818, -3.1782701]),
        (
            {"centered": True, "momentum": 0.5, "weight_decay": 0.1},
            [0.70310736, -3.2837753],
        ),
    ],
)
def test_rmsprop_matches_braintools(kwargs, expected):
    got = _run(optim.RMSprop(lr=0.1, eps=1e-2, **kwargs), [1.0, -2.0], _G2)
    np.testing.assert_allclose(got, expected, rtol=1e-6)


def test_rmsprop_one_step_has_eps_inside_the_root():
    # braintools: [0.9004963, -2.7071068]; PyTorch's eps outside gives [0.5, -2.909091]
    got = _run(optim.RMSprop(lr=0.1, eps=1e-2), [1.0, -2.0], [[0.1, 1.0]])
    np.testing.assert_allclose(got, [0.9004963, -2.7071068], rtol=1e-6)


# -- Adafactor: braintools' chain (factored rms, decay, rate), no clipping or momentum --

_M = [[1.0, -2.0], [0.5, 0.3]]
_GM = [[[0.1, 1.0], [0.2, -0.3]], [[-0.2, 0.4], [0.1, 0.1]], [[0.3, -0.1], [0.0, 0.2]]]


def test_adafactor_matches_braintools():
    # braintools.optim.Adafactor(lr=0.1), one update: [0.9, -2.1, 0.4, 0.4]
    one = _run(optim.Adafactor(lr=0.1), _M, _GM[:1])
    np.testing.assert_allclose(one, [0.9, -2.1, 0.4, 0.4], rtol=1e-6)
    # braintools, the 3 gradients _GM
    got = _run(optim.Adafactor(lr=0.1), _M, _GM)
    expected = [0.89124954, -2.137547, 0.33372909, 0.25519148]
    np.testing.assert_allclose(got, expected, rtol=1e-6)
    # braintools.optim.Adafactor(lr=0.1, weight_decay=0.1, decay_rate=0.5)
    got = _run(optim.Adafactor(lr=0.1, weight_decay=0.1, decay_rate=0.5), _M, _GM)
    expected = [0.86682999, -2.0770106, 0.31491098, 0.23129281]
    np.testing.assert_allclose(got, expected, rtol=1e-6)


def test_adafactor_factors_a_large_matrix_as_braintools():
    big = (np.arange(130 * 128).reshape(130, 128) % 7 - 3.0) / 3
    got = _run(optim.Adafactor(lr=0.1), big, [np.cos(big * (i + 1)) for i in range(3)])
    # braintools.optim.Adafactor(lr=0.1): first 4, last 3 entries and the sum
    np.testing.assert_allclose(
        got[:4],
        [-0.8708272, -0.73961556, -0.63647372, -0.40323746],
        rtol=1e-5,
    )
    np.testing.assert_allclose(
        got[-3:], [0.59338343, 1.1287752, -0.87096381], rtol=1e-5
    )
    assert float(got.astype(np.float64).sum()) == pytest.approx(-2126.948921, rel=1e-5)


def test_adafactor_warns_about_arguments_braintools_ignores():
    with pytest.warns(UserWarning, match=r"beta1=0.9, eps\[1\]=0.01.*not used"):
        opt = optim.Adafactor(lr=0.1, beta1=0.9, eps=(1e-30, 1e-2))
    got = _run(opt, _M, _GM[:1])  # ignored: the same step as without them
    np.testing.assert_allclose(got, [0.9, -2.1, 0.4, 0.4], rtol=1e-6)


# -- lr_apply, current_lr and the schedule, call by call (golden/optim_lr.json) -------


@pytest.mark.parametrize("jitted", [False, True])
@pytest.mark.parametrize("name", sorted(LR_GOLDEN))
def test_learning_rate_calls_match_braintools(name, jitted):
    """lr_apply applies to the schedule's own rate (no compounding); before the
    schedule's first step the optimizer reports base_lr; updates use the rate
    braintools uses. `jitted`: each train step under `eqstate.transform.jit`."""
    case = LR_GOLDEN[name]
    rows = play(
        optim, eqstate.ParamState, case, eqstate.transform.jit if jitted else None
    )
    assert [r[0] for r in rows] == [r[0] for r in case["rows"]]
    for got, expected in zip(rows, case["rows"]):
        np.testing.assert_allclose(
            got[1:], expected[1:], rtol=1e-5, atol=1e-7, err_msg=f"{name}: {got}"
        )


def test_lr_apply_does_not_compound():
    """The golden numbers, spelled out: braintools' constant-mixed case."""
    w = eqstate.ParamState(jnp.zeros(1))
    opt = optim.SGD(lr=1.0)
    opt.register_trainable_weights([w])
    opt.lr_apply(lambda lr: lr * 0.5)
    opt.lr_apply(lambda lr: lr * 0.5)  # braintools: 0.5 again, not 0.25
    assert float(opt.current_lr) == 0.5
    opt.update([jnp.ones(1)])
    np.testing.assert_allclose(w.value, [-0.5])
    assert float(opt.lr.get_lr()[0]) == 1.0  # the schedule's own rate


def test_current_lr_is_base_lr_until_a_warmup_schedule_steps():
    """braintools: LinearLR(0.1, start_factor=0.25) reports 0.1, updates with 0.025."""
    warmup = optim.LinearLR(base_lr=0.1, start_factor=0.25, total_iters=4)
    w = eqstate.ParamState(jnp.zeros(1))
    opt = optim.SGD(lr=warmup)
    opt.register_trainable_weights([w])
    assert float(opt.current_lr) == pytest.approx(0.1)
    assert float(opt.get_last_lr()[0]) == pytest.approx(0.1)
    assert float(warmup.get_last_lr()[0]) == pytest.approx(0.025)
    opt.update([jnp.ones(1)])
    np.testing.assert_allclose(w.value, [-0.025], rtol=1e-6)
    saved = opt.state_dict()  # the "not told yet" mark survives a round trip
    warmup.step()
    assert float(opt.current_lr) == pytest.approx(0.04375)
    opt.load_state_dict(saved)
    assert float(opt.current_lr) == pytest.approx(0.1)
    assert float(warmup.current_lr) == pytest.approx(0.025)


# -- current_lr and get_last_lr follow the schedule --------------------------------


@pytest.mark.parametrize("jitted", [False, True])
def test_current_lr_is_the_schedule_rate_after_step(jitted):
    schedule = optim.StepLR(base_lr=0.1, step_size=1, gamma=0.5)
    w = eqstate.ParamState(jnp.array([1.0, -2.0]))
    opt = optim.SGD(lr=schedule)
    opt.register_trainable_weights({"w": w})
    assert float(opt.current_lr) == pytest.approx(0.1)  # braintools: 0.1
    assert float(opt.get_last_lr()[0]) == pytest.approx(0.1)

    def epoch():
        opt.update({"w": jnp.ones(2)})
        schedule.step()

    run = eqstate.transform.jit(epoch) if jitted else epoch
    reported = []
    for _ in range(3):
        run()
        reported.append((float(opt.current_lr), float(schedule.get_last_lr()[0])))
    # braintools, eagerly and under brainstate.transform.jit alike
    expected = [(0.05, 0.05), (0.025, 0.025), (0.0125, 0.0125)]
    np.testing.assert_allclose(reported, expected, rtol=1e-6)
    # the rates applied were 0.1, 0.05, 0.025
    np.testing.assert_allclose(w.value, [0.825, -2.175], rtol=1e-6)
    assert float(opt.get_last_lr()[0]) == pytest.approx(0.0125)


# -- current_lr = value ----------------------------------------------------------


def test_current_lr_setter_changes_the_applied_rate():
    w = eqstate.ParamState(jnp.array([1.0, -2.0]))
    opt = optim.SGD(lr=0.1)
    opt.register_trainable_weights({"w": w})
    opt.current_lr = 0.5
    assert float(opt.current_lr) == 0.5
    opt.update({"w": jnp.ones(2)})
    np.testing.assert_allclose(w.value, [0.5, -2.5])  # braintools: [0.5, -2.5]


def test_current_lr_setter_holds_until_the_schedule_steps():
    schedule = optim.StepLR(base_lr=0.1, step_size=1, gamma=0.5)
    w = eqstate.ParamState(jnp.array([1.0, -2.0]))
    opt = optim.SGD(lr=schedule)
    opt.register_trainable_weights({"w": w})
    opt.current_lr = 0.5
    assert float(schedule.get_last_lr()[0]) == 0.5  # braintools: [0.5]
    opt.update({"w": jnp.ones(2)})
    np.testing.assert_allclose(w.value, [0.5, -2.5])
    schedule.step()  # braintools: back to the schedule, 0.05
    assert float(opt.current_lr) == pytest.approx(0.05)
    opt.update({"w": jnp.ones(2)})
    np.testing.assert_allclose(w.value, [0.45, -2.55], rtol=1e-6)


def test_current_lr_setter_inside_jit_and_errors():
    w = eqstate.ParamState(jnp.array([1.0]))
    opt = optim.Adam(lr=1e-3)
    opt.register_trainable_weights([w])

    @eqstate.transform.jit
    def set_rate(rate):
        opt.current_lr = rate

    set_rate(jnp.float32(0.25))
    assert float(opt.current_lr) == 0.25
    with pytest.raises(eqstate.EqstateError, match="must return one rate"):
        opt.current_lr = jnp.ones(2)
    ready = optim.OptaxOptimizer(optax.sgd(0.1))
    with pytest.raises(optim.OptimizerError, match="current_lr is unknown"):
        ready.current_lr = 0.1


# -- lr_apply with a constant rate ----------------------------------------------------


def test_lr_apply_on_a_constant_rate():
    w = eqstate.ParamState(jnp.array([1.0, -2.0]))
    opt = optim.SGD(lr=0.1)
    opt.register_trainable_weights({"w": w})
    opt.lr_apply(lambda lr: lr * 0.1)
    opt.update({"w": jnp.ones(2)})
    # braintools: w moves by 0.01 * grad, current_lr 0.01
    np.testing.assert_allclose(w.value, [0.99, -2.01], rtol=1e-6)
    assert float(opt.current_lr) == pytest.approx(0.01)


def test_lr_apply_reaches_a_compiled_constant_rate_step_without_retrace():
    w = eqstate.ParamState(jnp.array([1.0, -2.0]))
    opt = optim.Adam(lr=0.1)
    opt.register_trainable_weights({"w": w})
    traces = []

    @eqstate.transform.jit
    def step():
        traces.append(None)
        opt.update({"w": jnp.ones(2)})

    step()  # Adam's first step is lr * sign(g)
    np.testing.assert_allclose(w.value, [0.9, -2.1], rtol=1e-5)
    compiled = len(traces)
    opt.lr_apply(lambda lr: lr * 0.5)
    step()
    np.testing.assert_allclose(w.value, [0.85, -2.15], rtol=1e-5)
    assert len(traces) == compiled


# -- nested dicts of States ----------------------------------------------------------


def test_register_a_nested_dict_of_states():
    a = eqstate.ParamState(jnp.array([1.0, 2.0]))
    b = eqstate.ParamState(jnp.array(3.0))
    opt = optim.SGD(lr=0.1)
    opt.register_trainable_weights({"enc": {"a": a}, "b": b})
    assert list(opt.param_states) == [("enc", "a"), ("b",)]
    tree = opt.param_states.to_pytree()
    assert tree == {"enc": {"a": a}, "b": b}
    opt.update({"enc": {"a": jnp.array([1.0, 1.0])}, "b": jnp.array(1.0)})
    np.testing.assert_allclose(a.value, [0.9, 1.9])  # braintools: [0.9 1.9] 2.9
    np.testing.assert_allclose(b.value, 2.9)

    @eqstate.transform.jit
    def step():
        loss = lambda: jnp.sum(a.value**2) + b.value  # noqa: E731
        opt.update(eqstate.transform.grad(loss, opt.param_states.to_pytree())())

    step()
    np.testing.assert_allclose(a.value, [0.72, 1.52], rtol=1e-6)
    np.testing.assert_allclose(b.value, 2.8, rtol=1e-6)


def test_nested_gradients_that_do_not_match_name_the_paths():
    a, b = eqstate.ParamState(jnp.ones(2)), eqstate.ParamState(jnp.ones(()))
    opt = optim.Adam(lr=0.1)
    opt.register_trainable_weights({"enc": {"a": a}, "b": b})
    with pytest.raises(
        optim.OptimizerError,
        match=r"(?s)missing.*\('b',\).*extra.*\('enc', 'z'\).*param_states.to_pytree",
    ):
        opt.update({"enc": {"a": jnp.ones(2), "z": jnp.ones(2)}})
    with pytest.raises(optim.OptimizerError, match=r"at \('enc',\) must be a dict"):
        opt.update({"enc": jnp.ones(2), "b": jnp.ones(())})


def test_nested_registration_errors_say_what_to_pass():
    a = eqstate.ParamState(jnp.ones(2))
    with pytest.raises(optim.OptimizerError, match=r"Nest dicts, not lists"):
        optim.SGD(lr=0.1).register_trainable_weights({"layers": [a]})
    with pytest.raises(optim.OptimizerError, match=r"the dict at \('enc',\) is empty"):
        optim.SGD(lr=0.1).register_trainable_weights({"enc": {}, "a": a})
    with pytest.raises(optim.OptimizerError, match="registered twice"):
        optim.SGD(lr=0.1).register_trainable_weights({"x": {"a": a}, "b": a})


def test_lbfgs_value_fn_gets_the_nested_weights():
    a = eqstate.ParamState(jnp.array([1.0, 2.0]))
    b = eqstate.ParamState(jnp.array(3.0))
    opt = optim.LBFGS(lr=1.0)
    opt.register_trainable_weights({"enc": {"a": a}, "b": b})

    def value_fn(p):
        return jnp.sum(p["enc"]["a"] ** 2) + p["b"] ** 2

    for _ in range(3):
        weights = {"enc": {"a": a.value}, "b": b.value}
        grads = {"enc": {"a": 2 * a.value}, "b": 2 * b.value}
        opt.update(grads, value=value_fn(weights), value_fn=value_fn)
    assert float(value_fn({"enc": {"a": a.value}, "b": b.value})) < 1e-6
