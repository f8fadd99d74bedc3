"""Every eqstate.optim optimizer: 100 steps equal raw optax's, and it trains an MLP.

One tiny 1-32-1 MLP fits y = x**2 on 32 points. For each optimizer the
train step runs inside one jitted `for_loop`; the same gradients fed to the
raw optax transformation by hand give the same weights after 100 steps
(float32 tolerance), and after `STEPS` steps the loss is low.
"""

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

import eqstate
import eqstate.optim as optim

_X = jnp.linspace(-1.0, 1.0, 32)[:, None]
_Y = _X**2
_KEYS = ("b1", "b2", "w1", "w2")
MATCH_STEPS = 100
STEPS = 300


def _init():
    k1, k2 = jax.random.split(jax.random.PRNGKey(0))
    return {
        "w1": jax.random.normal(k1, (1, 32)),
        "b1": jnp.zeros(32),
        "w2": jax.random.normal(k2, (32, 1)) / jnp.sqrt(32.0),
        "b2": jnp.zeros(1),
    }


def _loss(p):
    hidden = jnp.tanh(_X @ p["w1"] + p["b1"])
    return jnp.mean((hidden @ p["w2"] + p["b2"] - _Y) ** 2)


class MLP(eqstate.nn.Module):
    def __init__(self):
        for name, value in _init().items():
            setattr(self, name, eqstate.ParamState(value))


def _train_eqstate(opt):
    model = MLP()
    opt.register_trainable_weights(model.states(eqstate.ParamState))

    def step(_):
        values = lambda: {k: getattr(model, k).value for k in _KEYS}  # noqa: E731
        grads = eqstate.transform.grad(
            lambda: _loss(values()), opt.param_states.to_pytree()
        )()
        opt.update(grads)
        return _loss(values())

    run = eqstate.transform.jit(lambda n: eqstate.transform.for_loop(step, n))
    run(jnp.arange(MATCH_STEPS))
    at_match = {k: jnp.array(getattr(model, k).value) for k in _KEYS}
    losses = run(jnp.arange(STEPS - MATCH_STEPS))
    return at_match, float(losses[-1])


def _optax_by_hand(tx, lookahead=False):
    params = _init()
    if lookahead:
        params = optax.LookaheadParams.init_synced(params)
    state = tx.init(params)

    def step(carry, _):
        params, state = carry
        fast = params.fast if lookahead else params
        grads = jax.grad(_loss)(fast)
        updates, state = tx.update(grads, state, params)
        return (optax.apply_updates(params, updates), state), None

    (params, _), _ = jax.lax.scan(step, (params, state), None, length=MATCH_STEPS)
    return params.fast if lookahead else params


def _wd(tx, wd=1e-3):
    return optax.chain(optax.add_decayed_weights(wd), tx)


# name: (eqstate optimizer, the same transformation in raw optax or None, loss bound)
CASES = {
    "SGD": (lambda: optim.SGD(0.3, 0.9, 1e-3), lambda: _wd(optax.sgd(0.3, 0.9)), 2e-3),
    "SGD-nesterov-clipped": (
        lambda: optim.SGD(0.3, 0.9, 1e-3, True, grad_clip_norm=1.0, grad_clip_value=0.5),
        lambda: optax.chain(
            optax.clip_by_global_norm(1.0), optax.clip(0.5), _wd(optax.sgd(0.3, 0.9, True))
        ),
        2e-3,
    ),
    "Momentum": (lambda: optim.Momentum(0.1), lambda: optax.sgd(0.1, 0.9), 2e-3),
    "MomentumNesterov": (
        lambda: optim.MomentumNesterov(0.1),
        lambda: optax.sgd(0.1, 0.9, nesterov=True),
        2e-3,
    ),
    "Adam": (lambda: optim.Adam(2e-2), lambda: optax.adam(2e-2), 2e-3),
    "Adam-amsgrad-wd": (
        lambda: optim.Adam(2e-2, (0.8, 0.99), eps=1e-6, weight_decay=1e-3, amsgrad=True),
        lambda: _wd(optax.amsgrad(2e-2, 0.8, 0.99, 1e-6)),
        2e-3,
    ),
    "AdamW": (
        lambda: optim.AdamW(2e-2, weight_decay=0.1),
        lambda: optax.adamw(2e-2, weight_decay=0.1),
        2e-3,
    ),
    "RMSprop": (
        lambda: optim.RMSprop(1e-2, momentum=0.5, centered=True),
        lambda: optax.rmsprop(
            1e-2, decay=0.99, eps=1e-8, eps_in_sqrt=False, centered=True, momentum=0.5
        ),
        5e-3,
    ),
    "Adagrad": (
        lambda: optim.Adagrad(0.1, lr_decay=1e-3),
        lambda: optax.chain(
            optax.adagrad(0.1, eps=1e-10),
            optax.scale_by_schedule(lambda c: 1.0 / (1.0 + c * 1e-3)),
        ),
        2e-3,
    ),
    "Adadelta": (lambda: optim.Adadelta(30.0), lambda: optax.adadelta(30.0), 1e-2),
    "Adamax": (lambda: optim.Adamax(2e-2), lambda: optax.adamax(2e-2), 2e-3),
    "Nadam": (lambda: optim.Nadam(2e-2), None, 2e-3),  # braintools' NAdam: golden test
    "RAdam": (lambda: optim.RAdam(2e-2), lambda: optax.radam(2e-2), 2e-3),
    "Lamb": (
        lambda: optim.Lamb(2e-2, weight_decay=1e-3),
        lambda: optax.lamb(2e-2, weight_decay=1e-3),
        2e-3,
    ),
    "Lars": (lambda: optim.Lars(50.0), lambda: optax.lars(50.0, eps=1e-8), 5e-3),
    "Lion": (lambda: optim.Lion(3e-3), lambda: optax.lion(3e-3), 3e-3),
    "Yogi": (lambda: optim.Yogi(2e-2), lambda: optax.yogi(2e-2), 2e-3),
    "AdaBelief": (lambda: optim.AdaBelief(2e-2), lambda: optax.adabelief(2e-2), 2e-3),
    "Adafactor": (lambda: optim.Adafactor(2e-2), lambda: optax.adafactor(2e-2), 5e-3),
    "Novograd": (
        lambda: optim.Novograd(2e-2),
        lambda: optax.novograd(2e-2, 0.9, 0.999, 1e-8),
        5e-3,
    ),
    "Rprop": (lambda: optim.Rprop(1e-2), lambda: optax.rprop(1e-2), 2e-3),
    "SM3": (
        lambda: optim.SM3(0.1),
        lambda: optax.chain(optax.scale_by_sm3(0.9, 1.0, 1e-8), optax.scale(-0.1)),
        5e-3,
    ),
    "Fromage": (lambda: optim.Fromage(2e-2), lambda: optax.fromage(2e-2), 5e-3),
    "Lookahead": (
        lambda: optim.Lookahead(optax.adam(2e-2), sync_period=5, alpha=0.5),
        lambda: optax.lookahead(optax.adam(2e-2), 5, 0.5),
        2e-3,
    ),
    "OptaxOptimizer-default": (lambda: optim.OptaxOptimizer(lr=2e-2), lambda: optax.adam(2e-2), 2e-3),
    "OptaxOptimizer-factory": (
        lambda: optim.OptaxOptimizer(optax.yogi, lr=2e-2),
        lambda: optax.yogi(2e-2),
        2e-3,
    ),
    "OptaxOptimizer-ready": (
        lambda: optim.OptaxOptimizer(optax.chain(optax.clip(1.0), optax.adabelief(2e-2))),
        lambda: optax.chain(optax.clip(1.0), optax.adabelief(2e-2)),
        2e-3,
    ),
    "schedule-per-update": (
        lambda: optim.SGD(optax.linear_schedule(0.3, 0.05, 200), 0.9),
        lambda: optax.sgd(optax.linear_schedule(0.3, 0.05, 200), 0.9),
        2e-3,
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_optimizer_matches_optax_and_trains(name):
    make, make_raw, bound = CASES[name]
    opt = make()
    assert isinstance(opt, optim.Optimizer) and isinstance(opt, optim.OptaxOptimizer)
    ours, final_loss = _train_eqstate(opt)
    if make_raw is not None:
        ref = _optax_by_hand(make_raw(), lookahead=name == "Lookahead")
        for k in _KEYS:
            np.testing.assert_allclose(ours[k], ref[k], rtol=2e-4, atol=2e-5, err_msg=k)
        moved = max(float(jnp.max(jnp.abs(ref[k] - _init()[k]))) for k in _KEYS)
        assert moved > 1e-2  # the comparison is not vacuous
    assert final_loss < bound, final_loss  # the initial loss is about 0.15


def test_every_optimizer_is_covered():
    classes = {
        n for n in dir(optim)
        if isinstance(getattr(optim, n), type) and issubclass(getattr(optim, n), optim.OptaxOptimizer)
    }
    covered = {name.split("-")[0] for name in CASES} | {"LBFGS"}
    assert classes <= covered, classes - covered


def test_lbfgs_reaches_the_rosenbrock_minimum():
    def rosenbrock(p):
        x, y = p["xy"]
        return (1 - x) ** 2 + 100 * (y - x**2) ** 2

    xy = eqstate.ParamState(jnp.array([-1.2, 1.0]))
    opt = optim.LBFGS()
    opt.register_trainable_weights({"xy": xy})

    def step(_):
        grads, loss = eqstate.transform.grad(
            lambda: rosenbrock({"xy": xy.value}), {"xy": xy}, return_value=True
        )()
        opt.update(grads, value=loss, value_fn=rosenbrock)
        return loss

    losses = eqstate.transform.jit(lambda n: eqstate.transform.for_loop(step, n))(
        jnp.arange(60)
    )
    np.testing.assert_allclose(xy.value, [1.0, 1.0], atol=1e-3)
    assert float(losses[-1]) < 1e-6
    assert isinstance(opt.opt_state, tuple)  # optax's L-BFGS state, in States


def test_signatures_follow_braintools():
    """Positional arguments mean what they mean in braintools 0.3.0."""
    sgd = optim.SGD(0.1, 0.9, 5e-4)
    assert (sgd.momentum, sgd.weight_decay, sgd.nesterov) == (0.9, 5e-4, False)
    adam = optim.Adam(1e-3, (0.8, 0.9), None, 0.95)
    assert adam.betas == (0.8, 0.95)
    assert optim.Adagrad(0.1, 0.01).lr_decay == 0.01
    assert optim.Lars(1.0, 0.8, 0.1).weight_decay == 0.1
    assert optim.Nadam().momentum_decay == 4e-3 and optim.Adafactor().base_lr == 1e-3
    with pytest.warns(UserWarning, match="Fromage has no momentum"):
        optim.Fromage(1.0, 0.9)
    with pytest.raises(optim.OptimizerError, match="weight_decay must be >= 0"):
        optim.SGD(0.1, 0.0, -1.0)
    with pytest.raises((optim.OptimizerError, TypeError), match="base_optimizer"):
        optim.Lookahead(optim.Adam())  # pyright: ignore[reportArgumentType]
    with pytest.raises(optim.OptimizerError, match="unknown linesearch 'newton'"):
        optim.LBFGS(linesearch="newton")


def test_subclass_with_default_tx():
    class ScaledSign(optim.OptaxOptimizer):
        def __init__(self, lr=0.1):
            super().__init__(lr=lr)

        def default_tx(self, learning_rate=None):
            return optax.chain(optax.scale_by_sign(), optax.scale(-self._rate(learning_rate)))

    w = eqstate.ParamState(jnp.array([1.0, -1.0]))
    opt = ScaledSign(lr=optim.StepLR(0.1, step_size=1, gamma=0.5))
    opt.register_trainable_weights([w])

    @eqstate.transform.jit
    def step():
        opt.update([w.value])
        opt.lr.step()

    step()
    step()
    np.testing.assert_allclose(w.value, [0.85, -0.85], rtol=1e-6)
    assert isinstance(opt, optim.Optimizer) and opt.base_lr == 0.1
