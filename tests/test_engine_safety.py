"""The engine's promises: arrays users hold stay valid, writes are never lost
silently, errors name the State by its path, plans settle or say why."""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import eqstate
from eqstate import transform as T


class Linear(eqstate.nn.Module):
    def __init__(self, w: jax.Array | None = None):
        self.w = eqstate.ParamState(jnp.ones(3) if w is None else w)


class MLP(eqstate.nn.Module):
    def __init__(self):
        self.linear1 = Linear()
        self.linear2 = Linear()


def _bump(m: Linear) -> None:
    m.w.value = m.w.value + 1.0


# -- no array a user can reach is ever invalidated -------------------------------


def test_the_initial_array_stays_valid():
    w = jnp.zeros(3)
    m = Linear(w)
    T.jit(lambda: _bump(m))()
    assert w.tolist() == [0.0, 0.0, 0.0] and m.w.value.tolist() == [1.0, 1.0, 1.0]


def test_an_array_read_before_a_call_stays_valid():
    m = Linear()
    step = T.jit(lambda: _bump(m))
    for _ in range(3):
        old = m.w.value
        step()
        assert old.tolist() == (m.w.value - 1.0).tolist()


_ALIASES = {
    # new Array objects over the State's own buffer: no reference count sees them
    "device_put": lambda v: jax.device_put(v, jax.devices()[0]),
    "addressable_data": lambda v: v.addressable_data(0),
    "make_array": lambda v: jax.make_array_from_single_device_arrays(
        v.shape, v.sharding, [v.addressable_data(0)]
    ),
    "numpy view": np.asarray,
}


@pytest.mark.parametrize("how", list(_ALIASES))
@pytest.mark.parametrize("via", ["value", "tree_map"])
def test_an_alias_made_from_a_read_value_stays_valid(how: str, via: str):
    m = Linear()
    step = T.jit(lambda: _bump(m))
    step()  # m.w now holds a buffer eqstate produced: donated unless handed out
    if via == "value":
        alias = _ALIASES[how](m.w.value)
    else:  # handed out by flattening the module
        alias = jax.tree.map(_ALIASES[how], m).w.value
    step()
    step()
    assert np.asarray(alias).tolist() == [2.0] * 3
    assert m.w.value.tolist() == [4.0] * 3


def test_one_initial_array_shared_by_two_models():
    w = jnp.ones(3)
    a, b = Linear(w), Linear(w)
    step = T.jit(lambda: _bump(a))
    step()
    step()
    assert b.w.value.tolist() == [1.0, 1.0, 1.0] and a.w.value.tolist() == [3.0] * 3


def test_a_state_reached_by_argument_and_closure_in_one_call():
    m = Linear()

    def step(arg):
        _bump(arg)
        _bump(m)  # the same State, again, by closure

    f = T.jit(step)
    f(m)
    f(m)
    assert m.w.value.tolist() == [5.0, 5.0, 5.0]


@pytest.mark.parametrize("placed", [False, True])
def test_first_call_copies_keep_every_leaf_and_its_placement(placed: bool):
    # One batch copies the user's arrays before donation: pytree values, a
    # plain number, arrays committed to a device or not (as they were).
    a, b = jnp.zeros(2), jnp.ones(2)
    if placed:
        a, b = jax.device_put((a, b), jax.devices()[0])
    tree = eqstate.State({"a": a, "b": b})
    number = eqstate.State(3.0)

    @T.jit
    def step():
        tree.value = {k: v + 1.0 for k, v in tree.value.items()}
        number.value = number.value * 2

    step()
    step()
    assert a.tolist() == [0.0, 0.0] and b.tolist() == [1.0, 1.0]
    assert tree.value["a"].tolist() == [2.0, 2.0]
    assert tree.value["b"].tolist() == [3.0, 3.0]
    assert tree.value["a"].committed is placed
    assert float(number.value) == 12.0


def test_donate_false_commits_without_donating():
    w = jnp.zeros(3)
    m = Linear(w)
    step = T.jit(lambda: _bump(m), donate=False)
    for _ in range(3):
        old = m.w.value
        step()
        assert old.tolist() == (m.w.value - 1.0).tolist()
    assert w.tolist() == [0.0] * 3 and m.w.value.tolist() == [3.0] * 3
    assert "tf.aliasing_output" not in step.lower().as_text()


def _fail_on_the_third_call(donate: bool):
    """A State `s` and a jitted step whose callback raises on its third call
    (after XLA took the donated buffer, when donating); both already run."""
    s = eqstate.State(jnp.zeros(3), name="s")

    def check(v):
        if v[0] > 2.5:
            raise ValueError("boom")
        return v

    def step():
        shape = jax.ShapeDtypeStruct((3,), jnp.float32)
        s.value = jax.pure_callback(check, shape, s.value + 1.0)

    jitted = T.jit(step, donate=donate)
    jitted()
    jitted()
    with pytest.raises(Exception, match="boom"):
        jitted()
    return s, jitted


def test_a_run_time_failure_after_donation_names_the_lost_state():
    s, step = _fail_on_the_third_call(donate=True)
    with pytest.raises(
        eqstate.StateLeakError, match="(?s)State 's'.*donated to.*donate=False"
    ):
        s.value
    s.value = jnp.zeros(3)  # a new value, and the function runs again
    step()
    assert s.value.tolist() == [1.0, 1.0, 1.0]


def test_a_run_time_failure_without_donation_keeps_the_value():
    s, _ = _fail_on_the_third_call(donate=False)
    assert s.value.tolist() == [2.0, 2.0, 2.0]


def test_values_written_by_eager_transforms_are_never_donated_as_they_are():
    # grad runs eagerly; the value it commits is a new Array object that
    # shares the user's buffer, which no reference count can see.
    x = jnp.zeros(3)
    s = eqstate.State(jnp.ones(3))

    def loss(v):
        s.value = jax.device_put(x, jax.devices()[0])
        return v.sum()

    T.grad(loss)(jnp.ones(2))
    T.jit(lambda: setattr(s, "value", s.value + 1))()
    assert x.tolist() == [0.0] * 3 and s.value.tolist() == [1.0] * 3


def test_tree_map_copies_are_independent_under_jit():
    a = Linear()
    T.jit(lambda: _bump(a))()  # a's buffer is now one eqstate produced
    b = jax.tree.map(lambda x: x, a)  # shares a's buffer
    T.jit(lambda: _bump(b))()
    T.jit(lambda: _bump(b))()
    T.jit(lambda: _bump(a))()
    assert a.w.value.tolist() == [3.0] * 3 and b.w.value.tolist() == [4.0] * 3


@pytest.mark.parametrize("outer", ["vmap", "grad"])
def test_a_value_read_before_a_nested_jitted_write(outer: str):
    m = Linear()
    inner = T.jit(lambda: _bump(m))

    def f(x):
        before = m.w.value
        inner()
        return jnp.sum(before * x) + jnp.sum(m.w.value)

    if outer == "vmap":
        out = T.vmap(f)(jnp.ones((2, 3)))
        assert out.tolist() == [9.0, 9.0]
    else:
        g = T.grad(f)(jnp.ones(3))
        assert g.tolist() == [1.0, 1.0, 1.0]
    assert m.w.value.tolist() == [2.0, 2.0, 2.0]


# -- writes under foreign transforms are loud -------------------------------------


FOREIGN = {
    "jax.jit": lambda f, m: jax.jit(f)(m),
    "jax.vmap": lambda f, m: jax.vmap(f, in_axes=None, axis_size=2)(m),
    "lax.scan": lambda f, m: jax.lax.scan(lambda c, _: (f(c), None), m, length=2),
    "eqx.filter_jit": lambda f, m: eqx.filter_jit(f)(m),
    "eqx.filter_vmap": lambda f, m: eqx.filter_vmap(f, in_axes=None, axis_size=2)(m),
}


@pytest.mark.parametrize("how", ["argument", "closure"])
@pytest.mark.parametrize("name", list(FOREIGN))
def test_writes_under_foreign_transforms_raise(name: str, how: str):
    mlp = MLP()

    def write(m):
        target = m if how == "argument" else mlp
        target.linear1.w.value = target.linear1.w.value * 2.0
        return m

    with pytest.raises(eqstate.TraceContextError) as info:
        FOREIGN[name](write, mlp)
    message = str(info.value)
    assert "ParamState 'MLP.linear1.w'" in message
    assert "eqstate.transform.jit" in message and "lost" in message
    assert mlp.linear1.w.value.tolist() == [1.0, 1.0, 1.0]


@pytest.mark.parametrize("inner", ["jit", "for_loop"])
def test_eqstate_transforms_writing_under_a_raw_jit_raise(inner: str):
    s = eqstate.State(jnp.zeros(2), name="s")

    def bump(x):
        s.value = s.value + x

    if inner == "jit":
        call = T.jit(bump)
    else:

        def call(x):
            T.for_loop(bump, jnp.stack([x, x]))

    with pytest.raises(eqstate.TraceContextError, match="State 's'.*called inside"):
        jax.jit(call)(jnp.ones(2))
    assert s.value.tolist() == [0.0, 0.0]  # nothing leaked into the State


def test_reads_under_foreign_transforms_work():
    mlp = MLP()
    out = jax.jit(lambda m, x: m.linear1.w.value @ x)(mlp, jnp.ones(3))
    assert float(out) == 3.0


def test_treefy_merge_inside_raw_grad_keeps_working():
    mlp = MLP()
    graphdef, params = eqstate.graph.treefy_split(mlp, eqstate.ParamState)

    def loss(p):
        model = eqstate.graph.treefy_merge(graphdef, p)
        model.linear2.w.value = model.linear2.w.value * 3.0  # a local write
        return jnp.sum(model.linear1.w.value * model.linear2.w.value)

    grads = jax.grad(loss)(params)
    leaves = jax.tree.leaves(grads)
    assert sorted(float(x.sum()) for x in leaves) == [9.0, 9.0]


# -- new States returned from nested transforms ------------------------------------


def test_nested_jit_returning_a_new_state():
    inner = T.jit(lambda x: (x, eqstate.State(x * 1.5)))
    out = T.jit(lambda x: inner(x)[1].value)(jnp.ones(2))
    assert out.tolist() == [1.5, 1.5]


@pytest.mark.parametrize("kind", ["vmap", "cond"])
def test_vmap_or_cond_returning_a_new_state_inside_jit(kind: str):
    def make(x):
        return eqstate.State(x + 1.0)

    def f(x):
        if kind == "vmap":
            return T.vmap(make)(x).value
        return T.cond(jnp.array(True), make, make, x).value

    out = T.jit(f)(jnp.zeros((2, 2)))
    assert out.tolist() == [[1.0, 1.0], [1.0, 1.0]]


class _Cell(eqstate.nn.Module):
    """A recurrent cell whose hidden State `init_state` creates anew."""

    def __init__(self):
        self.w = eqstate.ParamState(jnp.full(2, 0.5))

    def _zeros(self) -> jax.Array:
        return jnp.zeros(2)

    def init_state(self, batch_size: int | None = None) -> None:
        self.h = eqstate.HiddenState(self._zeros())  # (binds a method)

    def reset_state(self, batch_size: int | None = None) -> None:
        self.h.value = self._zeros()

    def __call__(self, x: jax.Array) -> jax.Array:
        self.h.value = self.h.value * self.w.value + x
        return self.h.value


@pytest.mark.parametrize("outer", ["grad", "jit(grad)", "vmap_new_states"])
def test_states_created_inside_a_transform_can_be_created_again(outer: str):
    """brainstate's RNN idiom: `init_all_states` inside the loss creates the
    hidden States on every call. Each call after the first meets the States
    the last one created (their values died with it): equinox flattens the
    module to bind `init_state`, which must not read them."""
    cell = _Cell()
    xs = jnp.ones((3, 2))

    def loss():
        eqstate.nn.init_all_states(cell)
        return T.for_loop(cell, xs).sum()

    if outer == "vmap_new_states":
        run = T.vmap_new_states(lambda: cell.init_state(), axis_size=3)
        for _ in range(2):
            run()
            assert cell.h.value.shape == (3, 2)
        return
    grad = T.grad(loss, cell.states(eqstate.ParamState), return_value=True)
    run = T.jit(grad) if outer == "jit(grad)" else grad
    for _ in range(2):  # (h after 3 steps: 0.5 * (0.5 + 1) + 1 = 1.75)
        grads, value = run()
        assert value.tolist() == pytest.approx(2 * (1.0 + 1.5 + 1.75))
    with pytest.raises(
        eqstate.StateLeakError, match=r"'_Cell\.h'.* was created inside"
    ):
        cell.h.value  # noqa: B018 - the read raises
    eqstate.nn.init_all_states(cell)  # eagerly: the model is whole again
    cell.reset_state()
    assert cell.h.value.tolist() == [0.0, 0.0]


# -- errors name the State and say how to fix the mistake -------------------------


def test_paths_tell_apart_states_created_on_the_same_line():
    mlp = MLP()
    assert mlp.linear1.w._describe().startswith("ParamState 'MLP.linear1.w'")
    assert mlp.linear2.w._describe().startswith("ParamState 'MLP.linear2.w'")


def test_errors_name_the_public_transform():
    made = []

    def loss(x):
        made.append(eqstate.State(x))
        return x

    T.grad(loss)(1.0)
    with pytest.raises(eqstate.StateLeakError, match=r"transform\.grad\(") as info:
        made[0].value
    assert "_grad_transform" not in str(info.value)


def test_branches_giving_a_state_two_shapes():
    x = eqstate.State(jnp.zeros(2), name="x")

    def grow():
        x.value = jnp.zeros(3)

    with pytest.raises(T.BranchMismatchError, match="State 'x'.*every branch"):
        T.cond(jnp.array(True), grow, lambda: None)


def test_loop_changing_a_state_dtype():
    n = eqstate.State(jnp.array(0), name="n")

    def body(i):
        n.value = n.value + 0.5

    with pytest.raises(T.LoopCarryError, match="State 'n'.*astype"):
        T.for_loop(body, jnp.arange(3))


@pytest.mark.parametrize("kind", ["cond", "jit"])
def test_a_plan_that_never_settles_names_its_states(kind: str):
    pool = [eqstate.State(jnp.zeros(()), name=f"s{i}") for i in range(40)]
    traces = []

    def f(x):
        s = pool[len(traces)]  # a different State on every trace
        traces.append(1)
        s.value = s.value + x
        return x

    with pytest.raises(T.PlanGrowthError, match="never settled") as info:
        if kind == "cond":
            T.cond(jnp.array(True), f, lambda x: x, 1.0)
        else:
            T.jit(f)(1.0)
    assert "State 's1" in str(info.value) and "Create the States once" in str(
        info.value
    )


def test_discovery_retries_pass_jax_boundaries_without_reading_sources():
    """Growing a plan aborts a trace with a signal that JAX's API boundaries
    let pass untouched: they extract the stack, reading and keeping every
    frame's source file, for each `Exception` crossing them."""
    import linecache

    s = eqstate.State(jnp.ones(2), name="hidden")

    def body(x):
        s.value = s.value + x  # a State the loop has not met: traced again
        return s.value.sum()

    linecache.clearcache()
    out = T.jit(lambda xs: T.for_loop(body, xs))(jnp.ones((3, 2)))
    assert out.tolist() == [4.0, 6.0, 8.0] and s.value.tolist() == [4.0, 4.0]
    cached_jax_sources = [f for f in linecache.cache if "jax" in f]
    assert cached_jax_sources == [], cached_jax_sources


def test_cond_with_a_module_operand_converges():
    m = Linear()
    traces = []

    def branch(mm):
        traces.append(1)
        _bump(mm)

    for _ in range(3):
        T.cond(jnp.array(True), branch, lambda mm: None, m)
    assert m.w.value.tolist() == [4.0, 4.0, 4.0]
    assert len(traces) <= 6  # at most one retrace per call (both branches)


def test_vmap_in_axes_none_module_keeps_its_write():
    m = Linear()

    def f(mm, x):
        mm.w.value = mm.w.value + 1.0  # unbatched: the same in every lane
        return x * mm.w.value

    out = T.vmap(f, in_axes=(None, 0))(m, jnp.ones((2, 3)))
    assert m.w.value.tolist() == [2.0, 2.0, 2.0]
    np.testing.assert_allclose(out, 2.0 * jnp.ones((2, 3)))
