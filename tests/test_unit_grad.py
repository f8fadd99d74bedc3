"""`unit_aware=True` on the gradient family: brainunit Quantities in, Quantities
with the right unit out (derivative unit = output unit / input unit)."""

from __future__ import annotations

import sys

import jax.numpy as jnp
import numpy as np
import pytest

import eqstate
from eqstate import transform as T

u = pytest.importorskip("brainunit")


def _close(q, mantissa, unit):
    assert isinstance(q, u.Quantity), type(q)
    assert q.unit == unit, (q.unit, unit)
    np.testing.assert_allclose(q.mantissa, mantissa, rtol=1e-6)


X = jnp.array([1.0, 2.0, 3.0]) * u.ms
Y = jnp.array([10.0, 5.0]) * u.mV


def _vec(x, y):
    return u.math.asarray([x[0] * y[0], 5 * x[2] * y[1], 4 * x[1] * y[0]])


JX = [[10.0, 0.0, 0.0], [0.0, 0.0, 25.0], [0.0, 40.0, 0.0]]
JY = [[1.0, 0.0], [0.0, 15.0], [8.0, 0.0]]


def test_grad_of_argument_has_loss_unit_over_param_unit():
    g = T.grad(lambda x: u.math.sum(x**2), unit_aware=True)(X)
    _close(g, [2.0, 4.0, 6.0], u.ms)  # ms^2 / ms


def test_grad_states_and_argnums_units_and_value():
    w = eqstate.ParamState(jnp.array([1.0, 2.0]) * u.mV)
    loss = lambda i: u.math.sum((w.value * i) ** 2)  # noqa: E731
    (gw, gi), value = T.grad(
        loss, grad_states={"w": w}, argnums=0, unit_aware=True, return_value=True
    )(2.0 * u.nA)
    _close(gw["w"], [8.0, 16.0], u.mV * u.nA**2)
    _close(gi, 20.0, u.mV**2 * u.nA)
    _close(value, 20.0, (u.mV * u.nA) ** 2)


def test_unitless_output_gives_inverse_unit_and_plain_inputs_give_arrays():
    w = eqstate.ParamState(jnp.ones(2) * u.mV)
    g = T.grad(lambda: (w.value / u.mV).sum(), w, unit_aware=True)()
    _close(g, [1.0, 1.0], u.mV**-1)
    plain = T.grad(lambda z: (z * z).sum(), unit_aware=True)(jnp.ones(2))
    assert not isinstance(plain, u.Quantity) and plain.tolist() == [2.0, 2.0]


def test_vector_grad_units():
    _close(
        T.vector_grad(lambda x: x**3, unit_aware=True)(X), [3.0, 12.0, 27.0], u.ms**2
    )


def test_vector_grad_refuses_mixed_output_units():
    with pytest.raises(T.UnitAwareError, match="different units.*jacrev"):
        T.vector_grad(lambda x: (x, x * u.mV), unit_aware=True)(X)


@pytest.mark.parametrize("jac", [T.jacrev, T.jacfwd])
def test_jacobians_units(jac):
    jx, jy = jac(_vec, argnums=(0, 1), unit_aware=True)(X, Y)
    _close(jx, JX, u.mV)  # ms*mV / ms
    _close(jy, JY, u.ms)  # ms*mV / mV


def test_hessian_units_per_input_pair():
    h = T.hessian(lambda x: x**3 + 3 * x * u.ms**2, unit_aware=True)(2.0 * u.ms)
    _close(h, 12.0, u.ms)  # ms^3 / (ms ms)
    hh = T.hessian(lambda x, y: u.math.sum(x**2 * y), argnums=(0, 1), unit_aware=True)(
        X[:2], Y[:1]
    )
    _close(hh[0][0], [[20.0, 0.0], [0.0, 20.0]], u.mV)  # ms^2 mV / ms^2
    _close(hh[0][1], [[2.0], [4.0]], u.ms)  # ms^2 mV / (ms mV)
    _close(hh[1][1], [[0.0]], u.ms**2 / u.mV)


def test_unit_aware_under_jit_writes_states():
    w = eqstate.ParamState(jnp.array([1.0, 2.0]) * u.mV)
    n = eqstate.State(jnp.array(0))

    def loss():
        n.value += 1
        return u.math.sum(w.value**2)

    f = T.jit(T.grad(loss, w, unit_aware=True))
    _close(f(), [2.0, 4.0], u.mV)
    _close(f(), [2.0, 4.0], u.mV)
    assert int(n.value) == 2


def test_unit_aware_without_brainunit_teaches(monkeypatch):
    monkeypatch.setitem(sys.modules, "brainunit", None)  # makes the import fail
    with pytest.raises(T.UnitAwareError, match=r"needs brainunit.*pip install"):
        T.grad(lambda x: x.sum(), unit_aware=True)
