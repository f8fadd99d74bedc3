"""Activation functions and layers against brainstate's numbers."""

from __future__ import annotations

from pathlib import Path

import jax.numpy as jnp
import numpy as np
import pytest

import eqstate

GOLDEN = np.load(Path(__file__).parent / "golden" / "layers_b.npz")
X = jnp.asarray(GOLDEN["act/x"])
FUNCTIONS = sorted(k[3:] for k in GOLDEN.files if k.startswith("fn/"))
LAYERS = {
    "Threshold": (0.5, -1.0), "ReLU": (), "Hardtanh": (-2.0, 2.0), "ReLU6": (),
    "Sigmoid": (), "Hardsigmoid": (), "Tanh": (), "SiLU": (), "Mish": (),
    "Hardswish": (), "ELU": (0.7,), "CELU": (0.7,), "SELU": (), "GLU": (),
    "GELU": (), "Hardshrink": (1.0,), "LeakyReLU": (0.2,), "LogSigmoid": (),
    "Softplus": (), "Softshrink": (1.0,), "PReLU": (), "Softsign": (),
    "Tanhshrink": (), "Softmin": (), "Softmax": (), "LogSoftmax": (),
}  # fmt: skip


@pytest.mark.parametrize("fn", FUNCTIONS)
def test_function_matches_brainstate(fn: str):
    f = getattr(eqstate.nn, fn)
    if fn == "logsumexp":
        got = f(X, axis=-1)
    elif fn == "one_hot":
        got = f(jnp.array([0, 2, 1]), 3)
    else:
        got = f(X[:, :12] if fn == "glu" else X)
    np.testing.assert_allclose(got, GOLDEN[f"fn/{fn}"], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("cls", LAYERS)
def test_layer_matches_brainstate(cls: str):
    layer = getattr(eqstate.nn, cls)(*LAYERS[cls])
    got = layer(X[:, :12] if cls == "GLU" else X)
    np.testing.assert_allclose(got, GOLDEN[f"layer/{cls}"], rtol=1e-5, atol=1e-6)
    assert isinstance(layer, eqstate.nn.ElementWiseBlock)


def test_softmax2d_and_its_error():
    img = jnp.asarray(GOLDEN["layer/Softmax2d/x"])
    got = eqstate.nn.Softmax2d()(img)
    np.testing.assert_allclose(got, GOLDEN["layer/Softmax2d"], rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match=r"\(C, H, W\) or \(N, C, H, W\) input"):
        eqstate.nn.Softmax2d()(jnp.ones(3))


def test_rrelu_draws_slopes_in_range():
    eqstate.random.seed(1)
    y = eqstate.nn.RReLU(0.1, 0.2)(-jnp.ones(100))
    assert bool(jnp.all((y <= -0.1) & (y >= -0.2)))


def test_prelu_is_trained_and_hyperparameters_are_static():
    act = eqstate.nn.PReLU(num_parameters=3)
    assert act.weight.value.shape == (3,)
    grads = eqstate.transform.grad(
        lambda: act(-jnp.ones(3)).sum(), act.states(eqstate.ParamState)
    )()
    np.testing.assert_allclose(grads[("weight",)], -jnp.ones(3))
    import jax

    assert jax.tree.leaves(eqstate.nn.GELU(approximate=True)) == []


def test_errors_name_the_fix():
    with pytest.raises(ValueError, match=r"max_val \(0.0\) must be greater"):
        eqstate.nn.Hardtanh(1.0, 0.0)
    with pytest.raises(eqstate.EqstateError, match="unknown op 'add'"):
        eqstate.nn.SpikeBitwise()(jnp.ones(2), jnp.ones(2))
    for op, want in [("and", 1.0), ("or", 1.0), ("xor", 0.0), ("iand", 0.0)]:
        out = eqstate.nn.SpikeBitwise(op)(jnp.ones(1), jnp.ones(1))
        assert float(out[0]) == want
