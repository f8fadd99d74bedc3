"""eqstate.optim: schedules inside jit, errors, state dicts (the family: test_optim_family)."""

import functools

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

import eqstate
import eqstate.checkpoint as ckpt
import eqstate.optim as optim
from eqstate import graph
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


def test_update_under_a_trace_is_traced_inline():
    """Under a trace the optax step is traced inline, not as a nested jit
    (which would only add a call for JAX to trace and lower: a measurable
    share of a deep model's first call); eagerly it is one compiled call."""
    model = _Model()
    opt = optim.SGD(lr=0.5)
    opt.register_trainable_weights(model.states(eqstate.ParamState))
    grads = {k: jnp.ones_like(s.value) for k, s in opt.param_states.items()}
    jaxpr = eqstate.transform.make_jaxpr(lambda: opt.update(grads))()[0]
    prims = [e.primitive.name for e in jaxpr.jaxpr.eqns]
    assert "jit" not in prims and "pjit" not in prims, jaxpr
    b = model.b.value
    opt.update(grads)  # eagerly
    np.testing.assert_allclose(model.b.value, b - 0.5)


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
    # rates used: 1, 0.5, 0.25; current_lr is the next one (braintools' value)
    np.testing.assert_allclose(w.value, 1.0 - 1.75)
    assert float(opt.current_lr) == 0.125
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
    assert {id(s) for s in eqstate.graph.states(opt).values()} == {
        id(s) for s in own.values()
    }
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
    # the rate at the schedule's position 4, which the next update uses
    np.testing.assert_allclose(float(opt.current_lr), 1e-2 * 0.5**2, rtol=1e-6)


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


def test_pytree_valued_weights_update_and_check_shapes_leafwise():
    """`nn.Linear` keeps `{"weight", "bias"}` in one ParamState: the update
    steps each leaf, and a gradient of the wrong shape inside the dict is named
    (a shape check on the dict itself passed anything, with a JAX warning)."""
    w = eqstate.ParamState({"weight": jnp.ones((2, 3)), "bias": jnp.zeros(3)})
    opt = optim.SGD(lr=0.5)
    opt.register_trainable_weights({("w",): w})
    opt.update({("w",): {"weight": jnp.ones((2, 3)), "bias": jnp.full(3, 2.0)}})
    np.testing.assert_allclose(w.value["weight"], np.full((2, 3), 0.5))
    np.testing.assert_allclose(w.value["bias"], np.full(3, -1.0))
    with pytest.raises(optim.OptimizerError) as info:
        opt.update({("w",): {"weight": jnp.ones((3, 2)), "bias": jnp.zeros(3)}})
    assert str(info.value).startswith(
        "optimizer.update: the gradient for ('w',) has shape "
        "{'bias': (3,), 'weight': (3, 2)}, but the weight has shape "
        "{'bias': (3,), 'weight': (2, 3)}."
    )
    with pytest.raises(optim.OptimizerError, match="has shape \\(2, 3\\)"):
        opt.update({("w",): jnp.ones((2, 3))})
    np.testing.assert_allclose(w.value["bias"], np.full(3, -1.0))


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
    ) as info:
        optim.Adam().update({})
    assert isinstance(info.value, ValueError)  # what braintools raises
    w = eqstate.ParamState(jnp.ones(2))
    with pytest.raises(optim.OptimizerError, match=r"registered twice, at 0 and 1"):
        optim.SGD().register_trainable_weights([w, w])
    with pytest.raises(optim.OptimizerError, match="got no States"):
        optim.SGD().register_trainable_weights({})


def test_constructor_errors_and_current_lr_of_ready_transformation():
    with pytest.raises(optim.OptimizerError, match="Pass the optax factory"):
        optim.OptaxOptimizer(optax.adam(1e-3), lr=1e-2)
    assert optim.OptaxOptimizer(optax.adam).base_lr == 1e-3  # braintools' default
    with pytest.raises(TypeError, match="lr"):  # eqstate's check, or beartype's
        optim.SGD(lr="fast")
    with pytest.raises(optim.OptimizerError, match="current_lr is unknown"):
        _ = optim.OptaxOptimizer(optax.adam(1e-3)).current_lr
    with pytest.raises(TypeError):  # as braintools (eqstate's check, or beartype's)
        optim.OptaxOptimizer(42)  # type: ignore[arg-type]
    from eqstate.optim._transformation import schedule_for

    with pytest.raises(TypeError, match="or None; got int") as info:
        schedule_for("OptaxOptimizer", 42, 1e-3)  # (eqstate's check itself)
    assert isinstance(info.value, optim.OptimizerError)


def test_param_states_to_pytree_feeds_grad():
    model, opt = _registered()
    tree = opt.param_states.to_pytree()
    assert tree == {("b",): model.b, ("w",): model.w}
    assert opt.param_states[("w",)] is model.w and len(opt.param_states) == 2
    grads = eqstate.transform.grad(lambda: _loss(model.w.value, model.b.value), tree)()
    assert set(grads) == set(tree)
    opt.update(grads)
    assert int(opt.step_count.value) == 1


def test_a_second_registration_adds_weights_as_braintools_does():
    """Registering some weights, then others (an encoder, then a decoder)
    trains all of them exactly as one registration of all. As in braintools
    0.3.0, a State registered again is skipped (it keeps its first key)."""
    start = {k: jnp.array(s.value) for k, s in _Model().states().items()}

    def train(groups):
        model = _Model()
        opt = optim.Adam(lr=1e-2)
        for group in groups(model):
            opt.register_trainable_weights(group)

        @eqstate.transform.jit
        def train_step():
            grads = eqstate.transform.grad(
                lambda: _loss(model.w.value, model.b.value),
                opt.param_states.to_pytree(),
            )()
            opt.update(grads)

        for _ in range(3):
            train_step()
        return opt, {k: s.value for k, s in model.states().items()}

    opt, two = train(lambda m: [{("w",): m.w}, {("b",): m.b, ("again",): m.w}])
    assert list(opt.param_states) == [("w",), ("b",)]
    _, one = train(lambda m: [m.states(eqstate.ParamState)])
    for key in one:
        assert not np.allclose(two[key], start[key])  # both groups moved
        np.testing.assert_array_equal(two[key], one[key])


def test_a_second_registration_builds_optax_state_afresh():
    """braintools 0.3.0 re-initialises optax's state for all the weights on
    each registration (the earlier weights' moments too) and keeps the step
    count; so does eqstate."""
    a, b = eqstate.ParamState(jnp.ones(2)), eqstate.ParamState(jnp.ones(3))
    opt = optim.Adam(lr=0.1)
    opt.register_trainable_weights({"a": a})
    opt.update({"a": jnp.ones(2)})
    opt.register_trainable_weights({"b": b})
    assert int(opt.step_count.value) == 1
    moments = graph.states(opt, lambda path, _: path[0] == "opt_state")
    assert len(moments) == 5  # count, mu (a, b), nu (a, b)
    assert all(not np.any(s.value) for s in moments.values())
    opt.update({"a": jnp.ones(2), "b": jnp.ones(3)})
    np.testing.assert_allclose(b.value, 0.9, rtol=1e-6)  # Adam's first step: lr


def test_a_second_registration_of_lists_and_nested_dicts():
    a, b = eqstate.ParamState(jnp.ones(2)), eqstate.ParamState(jnp.ones(3))
    listed = optim.SGD(lr=0.5)
    listed.register_trainable_weights([a])
    listed.register_trainable_weights([b, a])
    assert listed.param_states.to_pytree() == [a, b]
    listed.update([jnp.ones(2), jnp.ones(3)])
    np.testing.assert_allclose(b.value, 0.5)
    nested = optim.SGD(lr=0.5)
    nested.register_trainable_weights({"a": a})
    nested.register_trainable_weights({"dec": {"b": b}})
    assert list(nested.param_states) == [("a",), ("dec", "b")]
    assert nested.param_states.to_pytree() == {"a": a, "dec": {"b": b}}
    nested.update({"a": jnp.ones(2), "dec": {"b": jnp.ones(3)}})
    np.testing.assert_allclose(b.value, 0.0)


def test_a_second_registration_errors_change_nothing():
    a, c = eqstate.ParamState(jnp.ones(2)), eqstate.ParamState(jnp.ones(4))
    opt = optim.SGD(lr=0.5)
    opt.register_trainable_weights({"a": a})
    with pytest.raises(
        optim.OptimizerError, match=r"given at 'a', but ParamState.* at 'a'"
    ):
        opt.register_trainable_weights({"a": c})
    with pytest.raises(optim.OptimizerError, match=r"given at \('a', 'x'\)"):
        opt.register_trainable_weights({"a": {"x": c}})
    with pytest.raises(
        optim.OptimizerError, match="registered as a dict before, and now as a list"
    ):
        opt.register_trainable_weights([c])
    assert list(opt.param_states) == ["a"]
    opt.update({"a": jnp.ones(2)})
    np.testing.assert_allclose(a.value, 0.5)


# -- the optimizer's States in eqstate.graph, and resuming a run -----------------------


def _adam_run():
    model = _Model()
    opt = optim.Adam(lr=optim.ExponentialDecayLR(1e-2, 2, 0.5))
    opt.register_trainable_weights(model.states(eqstate.ParamState))

    @eqstate.transform.jit
    def train_step():
        grads, loss = eqstate.transform.grad(
            lambda: _loss(model.w.value, model.b.value),
            opt.param_states.to_pytree(),
            return_value=True,
        )()
        opt.update(grads)
        opt.lr.step()
        return loss

    return model, opt, train_step


def test_graph_states_of_an_optimizer():
    """`graph.states(opt)` lists what the optimizer reports (`step_count`,
    the schedule under `lr`, optax's state under `opt_state`), not the
    weights, which are the model's."""
    model, opt, _ = _adam_run()
    found = graph.states(opt)
    own = graph.states(opt.__eqstate_states__())
    assert list(found) == list(own)
    assert all(found[p] is own[p] for p in own)
    assert found[("step_count",)] is opt.step_count
    assert found[("lr", "last_epoch")] is opt.lr.last_epoch
    assert {p[0] for p in found} == {"lr", "opt_state", "step_count"}
    assert len(graph.states(opt, optim.OptimState)) == len(found)
    assert not graph.states(opt, eqstate.ParamState)
    both = graph.states({"model": model, "opt": opt})
    assert both[("opt", "step_count")] is opt.step_count and ("model", "w") in both
    tree = graph.treefy_states(opt)
    assert tree["step_count"].type is optim.OptimState
    assert len(jax.tree.leaves(tree)) == len(found)


@pytest.mark.parametrize("how", ["msgpack", "treefy_states"])
def test_saving_graph_states_of_model_and_optimizer_resumes_exactly(how, tmp_path):
    model, opt, step = _adam_run()
    uninterrupted = [float(step()) for _ in range(5)]
    final = {k: np.asarray(s.value) for k, s in model.states().items()}

    model, opt, step = _adam_run()
    assert [float(step()) for _ in range(2)] == uninterrupted[:2]
    path = str(tmp_path / "run.msgpack")
    if how == "msgpack":
        ckpt.msgpack_save(
            path, {"model": graph.states(model), "opt": graph.states(opt)}
        )
    else:
        saved = {"model": graph.treefy_states(model), "opt": graph.treefy_states(opt)}

    model, opt, step = _adam_run()  # new weights, moments, step count, schedule
    if how == "msgpack":
        target = {"model": graph.states(model), "opt": graph.states(opt)}
        ckpt.msgpack_load(path, target=target)
    else:
        graph.update_states(model, saved["model"])
        graph.update_states(opt, saved["opt"])
    assert int(opt.step_count.value) == 2 and int(opt.lr.last_epoch.value) == 2
    assert [float(step()) for _ in range(3)] == uninterrupted[2:]
    for key, state in model.states().items():
        np.testing.assert_array_equal(state.value, final[key])


# -- state_dict -------------------------------------------------------------------


def test_state_dict_round_trip():
    model, opt, train_step = _adam_run()
    for _ in range(3):
        train_step()
    saved = opt.state_dict()
    weights = {k: jnp.array(s.value) for k, s in model.states().items()}
    assert int(saved["step_count"]) == 3 and int(saved["lr"]["last_epoch"]) == 3

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


def test_weights_and_grads_given_as_state_trees():
    """A nested `graph.StateTree` registers (and grads may come) as its flat
    mapping, keyed by path."""
    model = _Model()
    tree = model.states(eqstate.ParamState).to_nest()
    assert isinstance(tree, eqstate.graph.StateTree)
    opt = optim.SGD(lr=0.5)
    opt.register_trainable_weights(tree)
    assert sorted(opt.param_states) == [("b",), ("w",)]
    b = model.b.value
    grads = eqstate.util.FlattedDict(
        {k: jnp.ones_like(s.value) for k, s in opt.param_states.items()}
    ).to_nest()
    opt.update(grads)
    np.testing.assert_allclose(model.b.value, b - 0.5)


def test_registering_returns_the_optimizer_for_chaining():
    w = eqstate.ParamState(jnp.ones(2))
    opt = optim.Adam(1e-3).register_trainable_weights({"w": w})  # braintools' idiom
    assert isinstance(opt, optim.Adam)
    opt.update({"w": jnp.ones(2)})
    assert float(w.value[0]) < 1.0
