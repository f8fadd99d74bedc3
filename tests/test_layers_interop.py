"""Equinox layers inside eqstate modules: wrapped and trained, or refused."""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import eqstate


def _linear() -> eqx.nn.Linear:
    return eqx.nn.Linear(2, 3, key=jax.random.PRNGKey(0))


class Holder(eqstate.nn.Module):
    def __init__(self, layer):
        self.enc = layer
        self.mask = jnp.ones(3)  # a constant on an eqstate module: allowed

    def update(self, x):
        return self.mask * self.enc(x)


def test_unwrapped_layer_is_refused_with_its_path():
    model = Holder(_linear())
    with pytest.raises(eqstate.nn.UnwrappedEquinoxError) as info:
        model.states(eqstate.ParamState)
    text = str(info.value)
    assert "equinox layer at `enc`\n(eqx.nn.Linear)" in text
    assert "self.enc = eqstate.nn.from_equinox(eqx.nn.Linear(...))" in text
    with pytest.raises(eqstate.nn.UnwrappedEquinoxError, match="at `enc`"):
        model.states((eqstate.ParamState, eqstate.HiddenState))
    assert model.states(eqstate.HiddenState) == {}  # other kinds: no check


def test_wrapped_layer_trains_like_the_equinox_layer():
    layer = _linear()
    model = Holder(eqstate.nn.from_equinox(layer))
    params = model.states(eqstate.ParamState)
    assert sorted(params) == [("enc", "layer", "bias"), ("enc", "layer", "weight")]
    x = jnp.arange(2.0)

    @eqstate.transform.jit
    def loss_grads():
        return eqstate.transform.grad(lambda: (model(x) ** 2).sum(), params)()

    grads = loss_grads()
    want = jax.grad(lambda m: (m(x) ** 2).sum())(layer)
    np.testing.assert_allclose(
        grads[("enc", "layer", "weight")], want.weight, rtol=1e-6
    )
    np.testing.assert_allclose(grads[("enc", "layer", "bias")], want.bias, rtol=1e-6)
    np.testing.assert_allclose(model(x), layer(x), rtol=1e-6)

    optimizer = eqstate.optim.SGD(lr=0.1)
    optimizer.register_trainable_weights(params)
    before = float((model(x) ** 2).sum())
    optimizer.update(grads)
    assert float((model(x) ** 2).sum()) < before
