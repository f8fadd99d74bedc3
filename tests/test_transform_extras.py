"""vjp / jvp / fwd_grad, memory-bounded loops, runtime checks, jit's options,
and the introspection helpers (make_jaxpr, eval_shape, StateFinder)."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax.sharding import Mesh, NamedSharding, PartitionSpec as P

import eqstate
from eqstate import transform as T


def test_vjp_matches_jax_and_writes_back():
    w = eqstate.ParamState(jnp.array([1.0, 2.0, 3.0]))
    n = eqstate.State(jnp.array(0))

    def f(x):
        n.value += 1
        return jnp.sin(w.value * x)

    x = jnp.array([0.5, -1.0, 2.0])
    out, vjp_fn = T.vjp(f, x, grad_states=[w])
    (gw,), gx = vjp_fn(jnp.ones(3))
    ref_out, ref_vjp = jax.vjp(lambda w_, x_: jnp.sin(w_ * x_), w.value, x)
    rw, rx = ref_vjp(jnp.ones(3))
    np.testing.assert_allclose(out, ref_out)
    np.testing.assert_allclose(gw, rw)
    np.testing.assert_allclose(gx, rx)
    assert int(n.value) == 1
    only_states = T.vjp(f, x, grad_states=w, argnums=None)[1](jnp.ones(3))
    np.testing.assert_allclose(only_states, rw)
    with pytest.raises(ValueError, match="nothing to differentiate"):
        T.vjp(f, x, argnums=None)
    # no arguments at all, the default argnums: the States' cotangents alone
    only = T.vjp(lambda: jnp.sum(jnp.sin(w.value * x)), grad_states=[w])[1](1.0)
    assert isinstance(only, list) and len(only) == 1
    np.testing.assert_allclose(only[0], rw)


def test_jvp_with_aux_and_a_write():
    w = eqstate.ParamState(jnp.array(2.0))
    calls = eqstate.State(jnp.array(0))

    def f(x):
        calls.value += 1
        return w.value * x**3, x * 10

    y, dy, aux = T.jvp(f, (jnp.array(2.0),), (jnp.array(1.0),), has_aux=True)
    assert float(y) == 16.0 and float(dy) == 24.0 and float(aux) == 20.0
    assert int(calls.value) == 1
    with pytest.raises(TypeError):
        T.jvp(f, jnp.array(2.0), jnp.array(1.0))  # type: ignore[arg-type]


def test_fwd_grad_is_unbiased_and_checks_its_inputs():
    w = eqstate.ParamState(jnp.array([0.5, -1.0, 2.0]))
    loss = lambda x: jnp.sum(w.value**2 * x)  # noqa: E731
    g = T.fwd_grad(loss, grad_states=w, tangent_size=20000, key=1)(2.0)
    # std of each component ~ |g| / sqrt(20000) ~ 0.07: 4 standard errors
    np.testing.assert_allclose(g, 4.0 * w.value, atol=0.3)
    key = eqstate.random.get_key()
    g1 = T.fwd_grad(loss, grad_states=w)(2.0)  # one direction, default stream
    g2 = T.fwd_grad(loss, grad_states=w)(2.0)
    eqstate.random.set_key(key)  # leave the global stream as it was
    assert g1.shape == (3,) and not np.allclose(g1, g2)  # the stream advanced
    with pytest.raises(ValueError, match="scalar-valued"):
        T.fwd_grad(lambda: w.value * 2, grad_states=w, key=0)()


def test_checkpointed_scan_over_10000_steps_has_scans_gradient():
    w = eqstate.ParamState(jnp.array(0.999))
    xs = jnp.linspace(0.0, 1.0, 10_000)

    def loss(kind):
        def body(c, x):
            return c * w.value + x * 1e-3, c

        def f():
            if kind == "scan":
                c, ys = T.scan(body, jnp.array(1.0), xs)
            else:
                c, ys = T.checkpointed_scan(body, jnp.array(1.0), xs, base=16)
            return c + ys.sum() * 1e-4

        return f

    g_ref, v_ref = T.grad(loss("scan"), grad_states=w, return_value=True)()
    g, v = T.grad(loss("checkpointed"), grad_states=w, return_value=True)()
    np.testing.assert_allclose(v, v_ref, rtol=1e-5)
    np.testing.assert_allclose(g, g_ref, rtol=1e-4)


def test_checkpointed_for_loop_carries_states_and_bounded_while_loop():
    v = eqstate.State(jnp.array(0.0))

    def step(x):
        v.value = v.value * 0.5 + x
        return v.value

    out = T.checkpointed_for_loop(step, jnp.ones(5), base=2)
    np.testing.assert_allclose(out, [1.0, 1.5, 1.75, 1.875, 1.9375])
    n = eqstate.State(jnp.array(0))

    def body(x):
        n.value += 1
        return x * 3.0

    assert (
        float(T.bounded_while_loop(lambda x: x < 50.0, body, 1.0, max_steps=8)) == 81.0
    )
    assert int(n.value) == 4
    # capped at max_steps
    assert (
        float(T.bounded_while_loop(lambda x: x < 1e9, body, 1.0, max_steps=3)) == 27.0
    )


def test_checkify_and_jit_error_if():
    n = eqstate.State(jnp.array(0))

    def f(x):
        n.value += 1
        T.check(x > 0, "x must be positive")
        return x * 2

    err, out = T.checkify(f)(jnp.array(3.0))
    assert err.get() is None and float(out) == 6.0 and int(n.value) == 1
    err, _ = T.checkify(T.jit(f))(jnp.array(-3.0))
    assert "positive" in err.get()
    err, _ = T.checkify(lambda x: x / x, errors=T.div_checks)(jnp.array(0))
    assert "division by zero" in err.get()

    @T.jit
    def guarded(x):
        T.jit_error_if(x < 0, "got {x}", x=x)
        return x

    assert float(guarded(jnp.array(1.0))) == 1.0
    with pytest.raises(Exception, match="got -1.0"):
        guarded(jnp.array(-1.0))


def test_debug_nan_names_the_operation():
    def f(x):
        return jnp.sqrt(x - 1.0) * 2.0

    T.debug_nan(f, jnp.array([2.0]))
    with pytest.raises(T.JitCheckError, match=r"`sqrt`.*test_transform_extras"):
        T.debug_nan(f, jnp.array([0.0]))
    # brainstate raises a RuntimeError here, and a ValueError from an eager
    # `jit_error_if`: `except` clauses written for it still catch ours
    with pytest.raises(RuntimeError, match="`sqrt`"):
        T.debug_nan(f, jnp.array([0.0]))
    with pytest.raises(ValueError, match="eager check"):
        T.jit_error_if(jnp.array(True), "eager check")


def test_unvmap_reduces_over_lanes():
    x = jnp.array([0.0, 3.0, 1.0])
    assert T.vmap(lambda v: T.unvmap(v > 2.0, op="any"))(x).tolist() == [True] * 3
    assert T.vmap(lambda v: T.unvmap(v > 2.0, op="all"))(x).tolist() == [False] * 3
    assert T.vmap(lambda v: T.unvmap(v, op="max"))(x).tolist() == [3.0] * 3
    # "none": every lane sees the whole batch (nested vmaps: all levels)
    assert T.vmap(lambda v: T.unvmap(v, op="none"))(x).tolist() == [x.tolist()] * 3
    grid = jnp.arange(6.0).reshape(2, 3)
    whole = T.vmap(T.vmap(lambda v: T.unvmap(v, op="none")))(grid)
    assert whole.shape == (2, 3, 2, 3) and (whole == grid).all()
    assert T.unvmap(x, op="none").tolist() == x.tolist()
    with pytest.raises(ValueError, match="'any', 'all', 'max' or 'none', not 'sum'"):
        T.unvmap(x, op="sum")


def test_jit_options_name_donate_argnums_and_shardings():
    count = eqstate.State(jnp.array(0))

    def f(x, y):
        count.value += 1
        return x + y

    g = T.jit(f, donate_argnums=0, name="adder")
    x = jnp.ones(3) + 0.0
    assert g(x, jnp.ones(3)).tolist() == [2.0] * 3
    assert x.is_deleted()  # the user asked for it
    assert "@jit_adder" in g.lower(jnp.ones(3), jnp.ones(3)).as_text()
    mesh = Mesh(np.array(jax.devices()[:2]), ("d",))
    sharding = NamedSharding(mesh, P("d"))
    h = T.jit(f, in_shardings=(sharding, sharding), out_shardings=sharding)
    out = h(jnp.arange(4.0), jnp.ones(4))
    assert out.sharding == sharding and out.tolist() == [1.0, 2.0, 3.0, 4.0]
    assert int(count.value) == 2


def test_make_jaxpr_eval_shape_and_statefinder_options():
    w = eqstate.ParamState(jnp.ones((2, 3)), name="w")
    n = eqstate.State(jnp.array(0), name="n")

    def f(x, *, scale):
        n.value += 1
        return (x @ w.value) * scale

    jaxpr, states = T.make_jaxpr(f, static_argnames="scale")(jnp.ones(2), scale=2.0)
    assert states == (n, w) and len(jaxpr.out_avals) == 3
    shapes, out = T.eval_shape(f, jnp.ones(2), scale=1.0, return_state_shapes=True)
    assert out.shape == (3,) and shapes[w].shape == (2, 3) and shapes[n].shape == ()
    assert int(n.value) == 0  # nothing was run
    found = T.StateFinder(f, usage="both", key_fn=lambda i, s: s.name)
    assert found(jnp.ones(2), scale=1.0) == {"read": {"w": w}, "write": {"n": n}}
    assert T.StateFinder(f, eqstate.ParamState, return_type="tuple")(
        jnp.ones(2), scale=1.0
    ) == (w,)


def test_grad_checks_states_and_nans():
    used = eqstate.ParamState(jnp.ones(2), name="used")
    unused = eqstate.ParamState(jnp.ones(2), name="unused")
    with pytest.raises(T.GradStateError, match="(?s)'unused'.*check_states=False"):
        T.grad(lambda: used.value.sum(), [used, unused])()
    g = T.grad(lambda: used.value.sum(), [used, unused], check_states=False)()
    assert g[1].tolist() == [0.0, 0.0]
    f = T.jit(T.grad(lambda: jnp.sqrt(used.value - 2.0).sum(), used, debug_nan=True))
    with pytest.raises(
        Exception, match="NaN in the gradients of eqstate.transform.grad"
    ):
        f()


def test_named_scope_static_arguments_computed_per_call():
    """brainstate's `named_scope` takes a function of the call's arguments for
    `static_argnums` / `static_argnames`: one jit per answer, each traced once."""
    calls = eqstate.State(jnp.array(0))
    traces = []

    def static(*args, **kwargs):
        return (1,) if len(args) == 2 else (1, 2)

    @T.named_scope("scaled", static_argnums=static)
    def scaled(x, n, scale=1):
        traces.append((n, scale))
        calls.value += 1
        return x**n * scale

    x = jnp.array(2.0)
    assert [float(scaled(x, 3)), float(scaled(x, 3))] == [8.0, 8.0]
    assert [float(scaled(x, 2, 3)), float(scaled(x, 2, 3))] == [12.0, 12.0]
    assert traces == [(3, 1), (2, 3)] and int(calls.value) == 4
    by_name = T.named_scope("by_name", static_argnames=lambda *a, **k: "n")(
        lambda x, n: x * n
    )
    assert float(by_name(x, n=4)) == 8.0
