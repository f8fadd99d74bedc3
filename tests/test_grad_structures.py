"""The gradient family's results over States: the structure of `grad_states`
at every level JAX puts the differentiated arguments (once for a gradient, per
output leaf for a Jacobian, twice for a Hessian), as brainstate 0.5.4 returns
them; States the function only writes."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import eqstate
from eqstate import transform as T

H_W = np.array([[6.0, 0.0], [0.0, 12.0]])  # Hessian of sum(w**3) at w = [1, 2]


def _w() -> eqstate.ParamState:
    return eqstate.ParamState(jnp.array([1.0, 2.0]), name="w")


def _close(a, b) -> None:
    assert jax.tree.structure(a) == jax.tree.structure(b)
    for x, y in zip(jax.tree.leaves(a), jax.tree.leaves(b)):
        np.testing.assert_allclose(x, y, rtol=1e-6)


def test_hessian_over_states_nests_grad_states_twice():
    w = _w()
    cube = lambda: (w.value**3).sum()  # noqa: E731
    _close(T.hessian(cube, w)(), H_W)
    _close(T.hessian(cube, {"w": w})(), {"w": {"w": H_W}})
    _close(T.hessian(cube, [w])(), [[H_W]])
    b = eqstate.ParamState(jnp.array(0.5))
    mixed = T.hessian(lambda: (w.value**3).sum() * b.value, [w, b])()
    _close(
        mixed,
        [[0.5 * H_W, np.array([3.0, 12.0])], [np.array([3.0, 12.0]), np.array(0.0)]],
    )
    value_aux = T.hessian(
        lambda: ((w.value**3).sum(), 1.0), w, has_aux=True, return_value=True
    )()
    _close(value_aux, (H_W, np.array(9.0), 1.0))


@pytest.mark.parametrize("jac", [T.jacrev, T.jacfwd])
def test_jacobians_over_states_of_a_pytree_output_are_output_major(jac):
    w, b = _w(), eqstate.ParamState(jnp.array(0.5))

    def f():
        return {"y": w.value * b.value, "z": (w.value**2).sum()}

    expected = {
        "y": {"w": 0.5 * np.eye(2), "b": np.array([1.0, 2.0])},
        "z": {"w": np.array([2.0, 4.0]), "b": np.array(0.0)},
    }
    _close(jac(f, {"w": w, "b": b})(), expected)
    _close(
        jac(f, [w, b])(),
        {k: [v["w"], v["b"]] for k, v in expected.items()},
    )
    _close(
        jac(lambda: (2 * w.value, b.value * w.value), w)(),
        (2 * np.eye(2), 0.5 * np.eye(2)),
    )


def test_states_and_argnums_together():
    w, x = _w(), jnp.array(3.0)
    f = lambda x: (w.value**2).sum() * x**2  # noqa: E731
    _close(T.grad(f, w, argnums=0)(x), (np.array([18.0, 36.0]), np.array(30.0)))
    _close(
        T.jacrev(lambda x: {"a": w.value * x}, {"w": w}, argnums=0)(x),
        {"a": ({"w": 3.0 * np.eye(2)}, np.array([1.0, 2.0]))},
    )


class _Model(eqstate.nn.Module):
    def __init__(self):
        self.w = eqstate.ParamState(jnp.array([1.0, 2.0]))
        self.b = eqstate.ParamState(jnp.array(0.5))

    def __call__(self):
        return (self.w.value * self.b.value).sum()


def test_gradients_of_module_states_are_a_plain_dict():
    model = _Model()
    params = model.states(eqstate.ParamState)
    for transform in (T.grad, T.vector_grad, T.jacrev):
        grads = transform(model, params)()
        assert type(grads) is dict, transform
        assert set(grads) == {("w",), ("b",)}
    hess = T.hessian(model, params)()
    assert type(hess) is dict and all(type(row) is dict for row in hess.values())
    # and they combine with a plain dict of values, as brainstate's do
    grads = T.grad(model, params)()
    values = {k: s.value for k, s in params.items()}
    stepped = jax.tree.map(lambda v, g: v - 0.1 * g, values, grads)
    _close(stepped, {("w",): np.array([0.95, 1.95]), ("b",): np.array(0.2)})


def test_a_state_only_written_gets_a_zero_gradient_and_keeps_its_write():
    w, s = _w(), eqstate.ShortTermState(jnp.zeros(2), name="trace")

    def f():
        y = 3 * w.value
        s.value = y
        return y.sum()

    for run in (lambda g: g(), lambda g: T.jit(g)()):
        s.value = jnp.zeros(2)
        _close(
            run(T.grad(f, {"w": w, "s": s})), {"s": np.zeros(2), "w": np.full(2, 3.0)}
        )
        np.testing.assert_allclose(s.value, [3.0, 6.0])
    unused = eqstate.ParamState(jnp.ones(2), name="unused")
    with pytest.raises(T.GradStateError) as info:
        T.grad(f, [w, unused])()
    assert "never reads or writes" in str(info.value) and "'unused'" in str(info.value)


def test_grad_call_errors_speak_in_the_callers_terms():
    w = _w()
    with pytest.raises(TypeError) as info:  # as JAX's and brainstate's
        T.grad(lambda: jnp.sum(w.value), {"w": w}, has_aux=True)()
    assert isinstance(info.value, eqstate.EqstateError)
    message = str(info.value)
    assert "has_aux=True" in message and "(loss, aux) pair" in message
    assert "a single array of shape ()" in message and "return loss, aux" in message
    with pytest.raises(TypeError) as info:
        T.grad(lambda x: jnp.sum(x * w.value), argnums=1)(jnp.ones(2))
    message = str(info.value)
    assert type(info.value).__name__ == "GradCallError"
    assert "argnums=1 (counting from 0)" in message
    assert "called with only 1 positional argument." in message
    assert "argnums=2" not in message
    with pytest.raises(TypeError, match="negative index.*Use argnums=1"):
        T.grad(lambda x, y: jnp.sum(x * y), argnums=-1)(jnp.ones(2), jnp.ones(2))
