"""eqstate.optim: each optimizer and schedule against raw optax, jit, errors, state."""

import functools

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

import eqstate
import eqstate.optim as optim
from eqstate.checkpoint import CheckpointMismatchError

# -- a small regression problem, solved by eqstate and by raw optax ------------

_X = jax.random.normal(jax.random.PRNGKey(1), (16, 3))
_Y = jnp.sin(_X @ jnp.array([[1.0, -2.0], [0.5, 0.3], [-1.0, 0.7]]))


def _init():
    k1, k2 = jax.random.split(jax.random.PRNGKey(2))
    return {"w": jax.random.normal(k1, (3, 2)), "b": 0.1 * jax.random.normal(k2, (2,))}


def _loss(w, b):
    return jnp.mean((jnp.tanh(_X @ w + b) - _Y) ** 2)


def _run_optax(tx, steps=10):
    p = _init()
    params = [p["b"], p["w"]]  # the registered order: sorted paths
    state = tx.init(params)

    @jax.jit
    def step(params, state):
        g = jax.grad(lambda ps: _loss(ps[1], ps[0]))(params)
        updates, state = tx.update(g, state, params)
        return optax.apply_updates(params, updates), state

    for _ in range(steps):
        params, state = step(params, state)
    return {("b",): params[0], ("w",): params[1]}


class _Model(eqstate.nn.Module):
    def __init__(self):
        p = _init()
        self.w = eqstate.ParamState(p["w"])
        self.b = eqstate.ParamState(p["b"])


def _run_eqstate(opt, steps=10, jitted=True, step_schedule=False):
    model = _Model()
    opt.register_trainable_weights(model.states(eqstate.ParamState))

    def train_step():
        grads = eqstate.transform.grad(
            lambda: _loss(model.w.value, model.b.value), opt.param_states.to_pytree()
        )()
        opt.update(grads)
        if step_schedule:
            opt.lr.step()

    if jitted:
        train_step = eqstate.transform.jit(train_step)
    for _ in range(steps):
        train_step()
    return {k: s.value for k, s in model.states(eqstate.ParamState).items()}


_exp = functools.partial(optax.exponential_decay, 1e-2, 3, 0.5)
_onecycle = functools.partial(optax.cosine_onecycle_schedule, 10, 0.1)

# (eqstate optimizer factory, the same algorithm in raw optax)
CASES = {
    "SGD": (lambda: optim.SGD(lr=0.1), lambda: optax.sgd(0.1)),
    "SGD-nesterov-wd": (
        lambda: optim.SGD(lr=0.1, momentum=0.9, nesterov=True, weight_decay=1e-2),
        lambda: optax.chain(
            optax.add_decayed_weights(1e-2), optax.sgd(0.1, 0.9, nesterov=True)
        ),
    ),
    "SGD-clipped": (
        lambda: optim.SGD(lr=0.1, grad_clip_norm=0.05, grad_clip_value=0.02),
        lambda: optax.chain(
            optax.clip(0.02), optax.clip_by_global_norm(0.05), optax.sgd(0.1)
        ),
    ),
    "Momentum": (lambda: optim.Momentum(lr=0.05), lambda: optax.sgd(0.05, 0.9)),
    "Adam": (lambda: optim.Adam(lr=1e-2), lambda: optax.adam(1e-2)),
    "Adam-amsgrad-wd": (
        lambda: optim.Adam(
            lr=1e-2, betas=(0.8, 0.99), eps=1e-6, weight_decay=1e-3, amsgrad=True
        ),
        lambda: optax.chain(
            optax.add_decayed_weights(1e-3), optax.amsgrad(1e-2, 0.8, 0.99, 1e-6)
        ),
    ),
    "AdamW": (
        lambda: optim.AdamW(lr=1e-2, weight_decay=0.1),
        lambda: optax.adamw(1e-2, weight_decay=0.1),
    ),
    "RMSprop": (
        lambda: optim.RMSprop(lr=1e-2, momentum=0.5, centered=True),
        lambda: optax.rmsprop(
            1e-2, decay=0.99, eps=1e-8, eps_in_sqrt=False, centered=True, momentum=0.5
        ),
    ),
    "Adagrad": (
        lambda: optim.Adagrad(lr=0.1),
        lambda: optax.adagrad(0.1, initial_accumulator_value=0.0, eps=1e-10),
    ),
    "Adadelta": (lambda: optim.Adadelta(lr=1.0), lambda: optax.adadelta(1.0)),
    "Adamax": (lambda: optim.Adamax(lr=1e-2), lambda: optax.adamax(1e-2)),
    "Nadam": (lambda: optim.Nadam(lr=1e-2), lambda: optax.nadam(1e-2)),
    "RAdam": (lambda: optim.RAdam(lr=1e-2), lambda: optax.radam(1e-2)),
    "Lamb": (
        lambda: optim.Lamb(lr=1e-2, weight_decay=1e-2),
        lambda: optax.lamb(1e-2, weight_decay=1e-2),
    ),
    "Lars": (lambda: optim.Lars(lr=0.1), lambda: optax.lars(0.1)),
    "Lion": (lambda: optim.Lion(lr=1e-2), lambda: optax.lion(1e-2, weight_decay=0.0)),
    "OptaxOptimizer-ready-chain": (
        lambda: optim.OptaxOptimizer(
            optax.chain(optax.clip(1.0), optax.adabelief(1e-2))
        ),
        lambda: optax.chain(optax.clip(1.0), optax.adabelief(1e-2)),
    ),
    "OptaxOptimizer-factory": (
        lambda: optim.OptaxOptimizer(optax.yogi, lr=1e-2),
        lambda: optax.yogi(1e-2),
    ),
    "optax-schedule-per-update": (
        lambda: optim.SGD(lr=_onecycle()),
        lambda: optax.sgd(_onecycle()),
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_optimizer_matches_optax(name):
    make, make_raw = CASES[name]
    ours = _run_eqstate(make())
    ref = _run_optax(make_raw())
    assert set(ours) == set(ref)
    for key in ref:
        np.testing.assert_allclose(ours[key], ref[key], rtol=1e-6, atol=1e-6)
    start = {("b",): _init()["b"], ("w",): _init()["w"]}
    moved = max(float(jnp.max(jnp.abs(ref[k] - start[k]))) for k in ref)
    assert moved > 1e-3  # the comparison is not vacuous


def test_stepped_schedule_in_optimizer_matches_optax():
    """An ExponentialDecayLR stepped once per update is optax's per-update decay."""
    ours = _run_eqstate(
        optim.Adam(lr=optim.ExponentialDecayLR(1e-2, 3, 0.5)), step_schedule=True
    )
    ref = _run_optax(optax.adam(_exp()))
    for key in ref:
        np.testing.assert_allclose(ours[key], ref[key], rtol=1e-6, atol=1e-6)
    unstepped = _run_eqstate(optim.Adam(lr=optim.ExponentialDecayLR(1e-2, 3, 0.5)))
    constant = _run_optax(optax.adam(1e-2))
    for key in ref:
        np.testing.assert_allclose(unstepped[key], constant[key], rtol=1e-6, atol=1e-6)


def test_eager_update_equals_jitted():
    eager = _run_eqstate(optim.Adam(lr=1e-2), steps=4, jitted=False)
    jitted = _run_eqstate(optim.Adam(lr=1e-2), steps=4, jitted=True)
    for key in eager:
        np.testing.assert_allclose(eager[key], jitted[key], rtol=1e-6, atol=1e-7)


# -- schedules, step by step ----------------------------------------------------

SCHEDULES = {
    "ConstantLR": (lambda: optim.ConstantLR(0.3), optax.constant_schedule(0.3)),
    "StepLR": (
        lambda: optim.StepLR(0.1, step_size=3, gamma=0.5),
        optax.exponential_decay(0.1, 3, 0.5, staircase=True),
    ),
    "MultiStepLR": (
        lambda: optim.MultiStepLR(0.1, milestones=[2, 5, 9], gamma=0.3),
        optax.piecewise_constant_schedule(0.1, {2: 0.3, 5: 0.3, 9: 0.3}),
    ),
    "ExponentialLR": (
        lambda: optim.ExponentialLR(0.1, gamma=0.9),
        optax.exponential_decay(0.1, 1, 0.9),
    ),
    "ExponentialDecayLR": (
        lambda: optim.ExponentialDecayLR(1e-2, 4, 0.5, transition_begin=2),
        optax.exponential_decay(1e-2, 4, 0.5, transition_begin=2),
    ),
    "CosineAnnealingLR": (
        lambda: optim.CosineAnnealingLR(0.1, T_max=8, eta_min=0.01),
        optax.cosine_decay_schedule(0.1, 8, alpha=0.1),
    ),
    "LinearLR": (
        lambda: optim.LinearLR(0.1, start_factor=0.25, end_factor=1.0, total_iters=6),
        optax.linear_schedule(0.025, 0.1, 6),
    ),
    "OneCycleLR": (
        lambda: optim.OneCycleLR(0.1, total_steps=10, pct_start=0.4),
        optax.cosine_onecycle_schedule(10, 0.1, pct_start=0.4),
    ),
    "WarmupCosineSchedule": (
        lambda: optim.WarmupCosineSchedule(0.1, 3, 10, init_lr=0.01, end_lr=0.001),
        optax.warmup_cosine_decay_schedule(0.01, 0.1, 3, 10, 0.001),
    ),
}


@pytest.mark.parametrize("name", list(SCHEDULES))
def test_schedule_matches_optax_step_by_step(name):
    make, reference = SCHEDULES[name]
    schedule = make()
    rates = []
    for _ in range(12):
        rates.append(float(schedule.current_lr))
        schedule.step()
    expected = [float(reference(i)) for i in range(12)]
    np.testing.assert_allclose(rates, expected, rtol=1e-6)
    assert int(schedule.last_epoch.value) == 12


def test_reduce_lr_on_plateau_matches_optax():
    metrics = [1.0, 0.9, 0.95, 0.91, 0.92, 0.93, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0]
    schedule = optim.ReduceLROnPlateau(0.1, factor=0.5, patience=2, cooldown=1)
    tx = optax.contrib.reduce_on_plateau(factor=0.5, patience=2, cooldown=1)
    state = tx.init(jnp.zeros(()))
    update = jax.jit(lambda state, m: tx.update(jnp.zeros(()), state, value=m)[1])
    ours, ref = [], []
    for m in metrics:
        schedule.step(m)
        state = update(state, jnp.asarray(m, jnp.float32))
        ours.append(float(schedule.current_lr))
        ref.append(0.1 * float(state.scale))
    np.testing.assert_allclose(ours, ref, rtol=1e-6)
    assert min(ours) < 0.1  # the rate was cut at least once

    maximize = optim.ReduceLROnPlateau(1.0, mode="max", factor=0.5, patience=1)
    for m in [1.0, 2.0, 3.0]:
        maximize.step(m)
    assert float(maximize.current_lr) == 1.0


def test_schedule_step_inside_jit_and_count_is_a_state():
    w = eqstate.ParamState(jnp.ones(2))
    schedule = optim.StepLR(1.0, step_size=1, gamma=0.5)
    opt = optim.SGD(lr=schedule)
    opt.register_trainable_weights([w])

    @eqstate.transform.jit
    def train_step():
        opt.update([jnp.ones(2)])
        schedule.step()

    for _ in range(3):
        train_step()
    # rates used: 1, 0.5, 0.25
    np.testing.assert_allclose(w.value, 1.0 - 1.75)
    assert float(opt.current_lr) == 0.25
    assert int(schedule.last_epoch.value) == 3
    opt.update([jnp.ones(2)])  # an update alone does not move the schedule
    assert float(opt.current_lr) == 0.125 and int(schedule.last_epoch.value) == 3
    np.testing.assert_allclose(w.value, 1.0 - 1.875)


def test_update_inside_jit_threads_every_optimizer_state():
    model = _Model()
    opt = optim.Adam(lr=optim.ExponentialDecayLR(1e-2, 2, 0.5))
    opt.register_trainable_weights(model.states(eqstate.ParamState))
    traces = []

    def body():
        traces.append(None)
        grads = eqstate.transform.grad(
            lambda: _loss(model.w.value, model.b.value), opt.param_states.to_pytree()
        )()
        opt.update(grads)
        opt.lr.step()

    written = eqstate.transform.StateFinder(body, usage="write", return_type="list")()
    own = eqstate.graph.states(opt.__eqstate_states__())
    expected = {id(s) for s in own.values()} | {id(model.w), id(model.b)}
    assert {id(s) for s in written} == expected

    step = eqstate.transform.jit(body)
    step()
    first = len(traces)
    for _ in range(3):
        step()
    assert len(traces) == first  # no retrace once compiled
    assert int(opt.step_count.value) == 4
    assert int(opt.lr.last_epoch.value) == 4
    assert int(opt.opt_state.count.value) == 4
    np.testing.assert_allclose(float(opt.current_lr), 1e-2 * 0.5**1.5, rtol=1e-6)


# -- registration and gradient errors ---------------------------------------------


def _registered():
    model = _Model()
    opt = optim.SGD(lr=0.1)
    opt.register_trainable_weights(model.states(eqstate.ParamState))
    return model, opt


def test_mismatched_grads_name_missing_and_extra_paths():
    model, opt = _registered()
    before = jnp.array(model.w.value)
    grads = {("w",): jnp.zeros((3, 2)), ("decoder", "w"): jnp.zeros(2)}
    with pytest.raises(optim.OptimizerError) as info:
        opt.update(grads)
    message = str(info.value)
    assert "missing (registered, no gradient): [('b',)]" in message
    assert "extra (a gradient for no registered weight): [('decoder', 'w')]" in message
    assert "optimizer.param_states.to_pytree()" in message
    np.testing.assert_array_equal(model.w.value, before)
    assert int(opt.step_count.value) == 0


def test_grads_with_wrong_shape_or_container():
    _, opt = _registered()
    with pytest.raises(
        optim.OptimizerError, match=r"gradient for \('w',\) has shape \(2, 3\)"
    ):
        opt.update({("w",): jnp.zeros((2, 3)), ("b",): jnp.zeros(2)})
    with pytest.raises(optim.OptimizerError, match="must be a dict with the same keys"):
        opt.update([jnp.zeros(2), jnp.zeros((3, 2))])
    listed = optim.SGD(lr=0.1)
    listed.register_trainable_weights([eqstate.ParamState(jnp.ones(2))])
    with pytest.raises(optim.OptimizerError, match="list of 1 arrays"):
        listed.update([jnp.ones(2), jnp.ones(2)])


def test_registration_errors():
    with pytest.raises(
        optim.OptimizerError, match="before any weights were registered"
    ):
        optim.Adam().update({})
    _, opt = _registered()
    with pytest.raises(optim.OptimizerError, match="already called"):
        opt.register_trainable_weights({})
    w = eqstate.ParamState(jnp.ones(2))
    with pytest.raises(optim.OptimizerError, match=r"registered twice, at 0 and 1"):
        optim.SGD().register_trainable_weights([w, w])
    with pytest.raises(optim.OptimizerError, match="got no States"):
        optim.SGD().register_trainable_weights({})


def test_constructor_errors_and_current_lr_of_ready_transformation():
    with pytest.raises(optim.OptimizerError, match="Pass the optax factory"):
        optim.OptaxOptimizer(optax.adam(1e-3), lr=1e-3)
    with pytest.raises(optim.OptimizerError, match="needs a learning rate"):
        optim.OptaxOptimizer(optax.adam)
    with pytest.raises(TypeError, match="lr"):  # eqstate's check, or beartype's
        optim.SGD(lr="fast")
    with pytest.raises(optim.OptimizerError, match="current_lr is unknown"):
        _ = optim.OptaxOptimizer(optax.adam(1e-3)).current_lr


def test_param_states_to_pytree_feeds_grad():
    model, opt = _registered()
    tree = opt.param_states.to_pytree()
    assert tree == {("b",): model.b, ("w",): model.w}
    assert opt.param_states[("w",)] is model.w and len(opt.param_states) == 2
    grads = eqstate.transform.grad(lambda: _loss(model.w.value, model.b.value), tree)()
    assert set(grads) == set(tree)
    opt.update(grads)
    assert int(opt.step_count.value) == 1


# -- state_dict -------------------------------------------------------------------


def test_state_dict_round_trip():
    model = _Model()
    opt = optim.Adam(lr=optim.ExponentialDecayLR(1e-2, 2, 0.5))
    opt.register_trainable_weights(model.states(eqstate.ParamState))

    @eqstate.transform.jit
    def train_step():
        grads = eqstate.transform.grad(
            lambda: _loss(model.w.value, model.b.value), opt.param_states.to_pytree()
        )()
        opt.update(grads)
        opt.lr.step()

    for _ in range(3):
        train_step()
    saved = opt.state_dict()
    weights = {k: jnp.array(s.value) for k, s in model.states().items()}
    assert int(saved["step_count"]) == 3 and int(saved["lr"]["count"]) == 3

    for _ in range(2):
        train_step()
    first = {k: jnp.array(s.value) for k, s in model.states().items()}
    assert int(saved["step_count"]) == 3  # the state dict is a copy

    opt.load_state_dict(saved)
    eqstate.graph.update_states(model, weights)
    assert int(opt.step_count.value) == 3
    for _ in range(2):
        train_step()
    for k, s in model.states().items():
        np.testing.assert_array_equal(s.value, first[k])


def test_load_state_dict_mismatch_changes_nothing():
    _, opt = _registered()
    other = optim.SGD(lr=0.1, momentum=0.9)
    other.register_trainable_weights([eqstate.ParamState(jnp.ones(4))])
    count = jnp.array(opt.step_count.value)
    with pytest.raises(CheckpointMismatchError, match=r"\['opt_state'\]") as info:
        opt.load_state_dict(other.state_dict())
    assert "nothing was changed" in str(info.value)
    assert int(opt.step_count.value) == int(count)


def test_extra_args_reach_the_optax_transformation():
    """`update(grads, value=loss)` feeds optax transformations that need it."""

    def plateau_sgd():
        return optax.chain(
            optax.sgd(0.1), optax.contrib.reduce_on_plateau(factor=0.5, patience=1)
        )

    w = eqstate.ParamState(jnp.ones(2))
    opt = optim.OptaxOptimizer(plateau_sgd())
    opt.register_trainable_weights([w])
    raw = plateau_sgd()
    params, state = [jnp.ones(2)], raw.init([jnp.ones(2)])
    for value in [1.0, 1.0, 1.0, 0.5]:
        opt.update([jnp.ones(2)], value=jnp.float32(value))
        updates, state = raw.update([jnp.ones(2)], state, params, value=value)
        params = optax.apply_updates(params, updates)
    np.testing.assert_allclose(w.value, params[0], rtol=1e-6)
    assert float(w.value[0]) != pytest.approx(1.0 - 0.4)  # the scale was cut


def test_constant_rate_step_writes_only_weights_step_count_and_optax_state():
    """A plain-number lr carries no rate States through the train step."""
    model = _Model()
    sgd = optim.SGD(lr=0.1)
    sgd.register_trainable_weights(model.states(eqstate.ParamState))

    def body():
        grads = eqstate.transform.grad(
            lambda: _loss(model.w.value, model.b.value), sgd.param_states.to_pytree()
        )()
        sgd.update(grads)

    written = eqstate.transform.StateFinder(body, usage="write", return_type="list")()
    assert {id(s) for s in written} == {id(model.w), id(model.b), id(sgd.step_count)}
    assert float(sgd.current_lr) == pytest.approx(0.1)
    assert "current_lr" not in sgd.__eqstate_states__()
    # Adam's own moments and count are the only other States written
    adam = optim.Adam(lr=1e-2)
    adam.register_trainable_weights(model.states(eqstate.ParamState))
    n_optax = len(
        jax.tree.leaves(adam.opt_state, is_leaf=lambda x: isinstance(x, eqstate.State))
    )
    assert n_optax == 5  # count, mu (w, b), nu (w, b)
