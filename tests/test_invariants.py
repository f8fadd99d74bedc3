"""DESIGN §1-2: modules are pytrees, States are references, writes are never lost."""

import dataclasses
import threading

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import eqstate
from eqstate import transform as T

from .helpers import TraceCounter


class Count(eqstate.State):
    pass


class Linear(eqstate.nn.Module):
    def __init__(self, din, dout, scale=1.0):
        self.w = eqstate.ParamState(jnp.full((din, dout), scale))
        self.b = eqstate.ParamState(jnp.zeros(dout))

    def __call__(self, x):
        return x @ self.w.value + self.b.value


class MLP(eqstate.nn.Module):
    def __init__(self):
        self.count = Count(jnp.array(0))
        self.linear1 = Linear(2, 3)
        self.linear2 = Linear(3, 1, scale=0.5)

    def __call__(self, x):
        self.count.value += 1
        return self.linear2(jax.nn.relu(self.linear1(x)))


def test_tree_leaves_show_current_values():
    model = MLP()
    model.count.value += 5
    assert 5 in [int(x) for x in jax.tree.leaves(model) if jnp.ndim(x) == 0]


def test_tree_map_copy_is_independent():
    model = MLP()
    copy = jax.tree.map(lambda x: x, model)
    copy.count.value += 1
    assert int(model.count.value) == 0 and int(copy.count.value) == 1
    model.linear1.w.value = model.linear1.w.value * 0
    assert float(copy.linear1.w.value.sum()) == 6.0


def test_tree_serialise_leaves_round_trip(tmp_path):
    model = MLP()
    model.count.value = jnp.array(7)
    model.linear1.b.value = jnp.array([1.0, 2.0, 3.0])
    eqx.tree_serialise_leaves(tmp_path / "m.eqx", model)
    fresh = eqx.tree_deserialise_leaves(tmp_path / "m.eqx", MLP())
    assert int(fresh.count.value) == 7
    assert fresh.linear1.b.value.tolist() == [1.0, 2.0, 3.0]


def test_partition_combine_and_tree_at():
    model = MLP()
    params, static = eqx.partition(model, eqx.is_inexact_array)
    rebuilt = eqx.combine(params, static)
    x = jnp.ones((4, 2))
    assert jnp.allclose(rebuilt(x), MLP()(x))
    replaced = eqx.tree_at(
        lambda m: m.linear2.b, model, eqstate.ParamState(jnp.ones(1))
    )
    assert (
        float(replaced.linear2.b.value[0]) == 1.0
        and float(model.linear2.b.value[0]) == 0.0
    )


def test_read_only_use_under_raw_transforms():
    model = Linear(2, 1)
    x = jnp.ones((3, 2))
    assert jnp.allclose(eqx.filter_jit(lambda m, x: m(x))(model, x), 2.0)
    assert jnp.allclose(jax.jit(lambda x: model(x))(x), 2.0)
    assert jax.vmap(model)(x).shape == (3, 1)


@pytest.mark.parametrize(
    "raw",
    [
        lambda f: jax.jit(f),
        lambda f: eqx.filter_jit(f),
        lambda f: lambda x: jax.vmap(f)(x[None]),
        lambda f: (
            lambda x: jax.lax.scan(lambda c, _: (f(x), None), None, None, length=2)
        ),
    ],
    ids=["jax.jit", "eqx.filter_jit", "jax.vmap", "lax.scan"],
)
def test_write_under_raw_transform_raises_with_fix(raw):
    model = MLP()

    def f(x):
        return model(x)

    with pytest.raises(eqstate.TraceContextError) as info:
        raw(f)(jnp.ones(2))
    message = str(info.value)
    assert "Count 'MLP.count'" in message
    assert "test_invariants.py" in message  # where it was created
    assert "eqstate.transform.jit(f)" in message  # the fix
    assert int(model.count.value) == 0


def test_raw_transform_nested_inside_eqstate_transform_raises():
    model = MLP()

    @T.jit
    def f(x):
        return jax.vmap(model)(x)

    with pytest.raises(eqstate.TraceContextError, match="raw JAX transform nested in"):
        f(jnp.ones((3, 2)))


def test_frozen_structure():
    model = MLP()
    with pytest.raises(dataclasses.FrozenInstanceError, match="State"):
        model.linear1 = Linear(2, 3)  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        model.extra = 1  # type: ignore[attr-defined]


def test_weight_tying_one_state_summed_gradient_one_write():
    shared = eqstate.ParamState(jnp.array(2.0))

    class Tied(eqstate.nn.Module):
        def __init__(self):
            self.a = shared
            self.b = shared

        def __call__(self, x):
            return self.a.value * x + self.b.value**2

    model = Tied()
    states = model.states()
    assert list(states) == [("a",)]
    grads = T.grad(lambda x: model(x), {"a": model.a, "b": model.b})(3.0)
    assert float(grads["a"]) == float(grads["b"]) == 3.0 + 4.0

    @T.jit
    def bump():
        model.a.value += 1
        model.b.value += 1

    bump()
    assert float(shared.value) == 4.0


def test_no_retrace_with_new_state_values():
    model = MLP()
    counted = TraceCounter(lambda x: model(x))
    f = T.jit(counted)
    for i in range(3):
        model.linear1.w.value = model.linear1.w.value + i
        f(jnp.full((1, 2), float(i)))
    assert counted.count <= 2  # discovery may retrace once, never per call
    before = counted.count
    f(jnp.full((1, 2), 7.0))  # same shape and (weak) dtype as before
    assert counted.count == before
    assert int(model.count.value) == 4


def test_four_threads_four_models():
    models = [MLP() for _ in range(4)]
    steps = [T.jit(m) for m in models]
    errors = []

    def work(i):
        try:
            for _ in range(10 * (i + 1)):
                steps[i](jnp.ones((1, 2)))
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert [int(m.count.value) for m in models] == [10, 20, 30, 40]


def test_state_created_inside_transform_is_local_and_leak_is_named():
    holder = []

    @T.jit
    def make(x):
        s = eqstate.State(x * 2, name="inner")
        holder.append(s)
        s.value += 1
        return s.value

    assert float(make(1.0)) == 3.0
    with pytest.raises(eqstate.StateLeakError, match="State 'inner'.*created inside"):
        holder[0].value


def test_nested_transforms_read_and_write_at_every_level():
    w = eqstate.ParamState(jnp.array([1.0, 2.0]))
    calls = Count(jnp.array(0))
    inner_calls = Count(jnp.array(0))

    def loss(x):
        inner_calls.value += 1
        return jnp.sum(w.value * x)

    @T.jit
    def jit_grad(x):
        calls.value += 1
        g = T.grad(loss, [w])(x)
        w.value = w.value - 0.5 * g[0]
        return g[0]

    assert jit_grad(jnp.array([1.0, 1.0])).tolist() == [1.0, 1.0]
    assert (
        w.value.tolist() == [0.5, 1.5]
        and int(calls.value) == 1
        and int(inner_calls.value) == 1
    )

    # grad(vmap): the per-example function is vmapped, the mean is differentiated
    def batched_loss(xs):
        inner_calls.value += 1
        return jnp.mean(T.vmap(lambda x: jnp.sum(w.value * x))(xs))

    g = T.grad(batched_loss, [w])(jnp.ones((4, 2)))
    assert g[0].tolist() == [1.0, 1.0] and int(inner_calls.value) == 2

    # vmap(jit): a jitted function read inside vmap, writing an unbatched counter
    f = T.jit(lambda x: (calls.__setattr__("value", calls.value + 1), x * w.value)[1])
    out = T.vmap(f)(jnp.ones((3, 2)))
    assert out.shape == (3, 2) and int(calls.value) == 2

    # jit(vmap(grad)): per-example gradients, compiled, counter written at the top
    @T.jit
    def per_example(xs):
        calls.value += 1
        return T.vmap(lambda x: T.grad(loss, [w])(x)[0])(xs)

    ge = per_example(jnp.arange(6.0).reshape(3, 2))
    assert ge.tolist() == [[0.0, 1.0], [2.0, 3.0], [4.0, 5.0]] and int(calls.value) == 3


def test_vmap_batched_write_of_undeclared_state_raises():
    acc = eqstate.State(jnp.zeros(()), name="acc")

    def f(x):
        acc.value = acc.value + x

    with pytest.raises(eqstate.BatchAxisError, match="(?s)State 'acc'.*out_states"):
        T.vmap(f)(jnp.arange(3.0))
    assert float(acc.value) == 0.0


def test_vmap_in_out_states_and_rng_lanes():
    acc = eqstate.State(jnp.zeros(3), name="acc")
    f = T.vmap(
        lambda x: acc.__setattr__("value", acc.value + x),
        in_states=[acc],
        out_states=[acc],
    )
    f(jnp.arange(3.0))
    assert acc.value.tolist() == [0.0, 1.0, 2.0]

    eqstate.random.seed(0)
    draws = T.vmap(lambda _: eqstate.random.rand(), axis_size=4)(jnp.zeros(4))
    assert len(set(np.asarray(draws).tolist())) == 4
    again = T.vmap(lambda _: eqstate.random.rand(), axis_size=4)(jnp.zeros(4))
    assert not np.allclose(draws, again)  # the stream advanced


def test_random_draws_inside_jit_advance_the_default_stream():
    eqstate.random.seed(1)
    f = T.jit(lambda: eqstate.random.rand(2))
    a, b = f(), f()
    assert not np.allclose(a, b)
