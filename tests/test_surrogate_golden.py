"""Every surrogate against braintools 0.3.0 (golden: tests/golden/surrogate.npz).

Forward is the Heaviside step; the gradient through `jax.grad`, `surrogate_grad`
and (where braintools defines it) `surrogate_fun` equal braintools' on a grid.
"""

import json
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import eqstate.surrogate as sg

GOLDEN = Path(__file__).parent / "golden"
DATA = np.load(GOLDEN / "surrogate.npz")
CASES = json.loads((GOLDEN / "surrogate.json").read_text())["cases"]
X = jnp.asarray(DATA["x"])
NAMES = sorted({c["class"] for c in CASES.values()})


def _make(case: str) -> sg.Surrogate:
    spec = CASES[case]
    return getattr(sg, spec["class"])(**spec["kwargs"])


def _forward_and_grad(spk: sg.Surrogate, x: jax.Array):
    # eager jvp: the elementwise primitives compile once and are shared by all cases
    return jax.jvp(spk, (x,), (jnp.ones_like(x),))


@pytest.mark.parametrize("case", sorted(CASES))
def test_matches_braintools(case):
    spk = _make(case)
    forward, grad = _forward_and_grad(spk, X)
    np.testing.assert_array_equal(forward, DATA[f"{case}.forward"])
    np.testing.assert_array_equal(forward, (X >= 0).astype(X.dtype))
    np.testing.assert_allclose(grad, DATA[f"{case}.grad"], rtol=2e-5, atol=1e-6)
    np.testing.assert_allclose(
        spk.surrogate_grad(X), DATA[f"{case}.grad"], rtol=2e-5, atol=1e-6
    )
    if f"{case}.fun" in DATA:
        np.testing.assert_allclose(
            spk.surrogate_fun(X), DATA[f"{case}.fun"], rtol=2e-5, atol=1e-6
        )
    else:
        with pytest.raises(NotImplementedError, match="no closed-form `surrogate_fun`"):
            spk.surrogate_fun(X)


def test_every_class_is_covered():
    classes = {
        n
        for n in dir(sg)
        if isinstance(getattr(sg, n), type)
        and issubclass(getattr(sg, n), sg.Surrogate)
        and getattr(sg, n) is not sg.Surrogate
    }
    assert classes == set(NAMES)


def test_functions_equal_classes():
    pairs = {
        "PiecewiseExp": sg.piecewise_exp,
        "NonzeroSignLog": sg.nonzero_sign_log,
        "PiecewiseLeakyRelu": sg.piecewise_leaky_relu,
        "SquarewaveFourierSeries": sg.squarewave_fourier_series,
        "S2NN": sg.s2nn,
        "QPseudoSpike": sg.q_pseudo_spike,
        "LogTailedRelu": sg.log_tailed_relu,
        "MultiGaussianGrad": sg.multi_gaussian_grad,
        "InvSquareGrad": sg.inv_square_grad,
        "SlayerGrad": sg.slayer_grad,
    }
    x = jnp.array([-0.5, 0.0, 0.7])
    for name, fn in pairs.items():
        grad = jax.vmap(jax.grad(fn))(x)
        np.testing.assert_allclose(
            grad, getattr(sg, name)().surrogate_grad(x), rtol=1e-6
        )


def test_user_subclass_overrides_surrogate_grad():
    class Box(sg.Surrogate):
        width: float = 1.0

        def surrogate_grad(self, x):
            return jnp.where(jnp.abs(x) < self.width, 0.5, 0.0)

    spk = Box()
    assert spk(jnp.array([-1.0, 0.0])).tolist() == [0.0, 1.0]
    assert float(jax.grad(spk)(0.5)) == 0.5
    with pytest.raises(NotImplementedError, match="no closed-form `surrogate_fun`"):
        spk.surrogate_fun(0.0)


def test_subclass_without_derivative_says_what_to_override():
    class Empty(sg.Surrogate):
        pass

    with pytest.raises(NotImplementedError, match="Override `surrogate_grad"):
        jax.grad(Empty())(0.0)


@pytest.mark.parametrize(
    "make, name",
    [
        (lambda: sg.NonzeroSignLog(alpha=0.0), "alpha"),
        (lambda: sg.PiecewiseLeakyRelu(w=-1.0), "w"),
        (lambda: sg.SquarewaveFourierSeries(n=0), "n"),
        (lambda: sg.SquarewaveFourierSeries(t_period=0.0), "t_period"),
        (lambda: sg.QPseudoSpike(alpha=-2.0), "alpha"),
        (lambda: sg.MultiGaussianGrad(sigma=0.0), "sigma"),
    ],
)
def test_invalid_hyperparameters(make, name):
    with pytest.raises(ValueError, match=f"`{name}` must be positive"):
        make()
