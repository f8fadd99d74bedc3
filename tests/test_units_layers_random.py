"""brainunit Quantities through the linear layers and the random samplers.

As in brainstate: a layer's output carries the product of its input's and its
weight's units (a plain array when they cancel), and a sampler's draw carries
the unit of its location/scale/bound parameters, the draw itself being the one
the plain numbers give. The expected values were checked against brainstate
0.5.4.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import eqstate

u = pytest.importorskip("brainunit")

nn, R = eqstate.nn, eqstate.random
SPIKES = jnp.array([1.0, 0.0, 1.0])
W = jnp.arange(6.0).reshape(3, 2)
MASK = jnp.array([[1.0, 0.0], [1.0, 1.0], [0.0, 1.0]])


def _assert_quantity(y: Any, unit: Any, expected: Any) -> None:
    assert isinstance(y, u.Quantity), type(y)
    assert y.unit == unit, y.unit
    np.testing.assert_allclose(y.to_decimal(unit), expected, rtol=1e-6)


# -- layers ------------------------------------------------------------------

LAYERS: dict[str, tuple[Callable[[], Any], Any, Any, Any]] = {
    # name: (make, input, unit, expected)
    "Linear": (
        lambda: nn.Linear(3, 2, w_init=W * u.mS, b_init=None),
        SPIKES,
        u.mS,
        [4.0, 6.0],
    ),
    "Linear+bias": (
        lambda: nn.Linear(3, 2, w_init=W * u.mS, b_init=jnp.ones(2) * u.mS),
        SPIKES,
        u.mS,
        [5.0, 7.0],
    ),
    "Linear+w_mask": (
        lambda: nn.Linear(3, 2, w_init=W * u.mS, b_init=None, w_mask=MASK),
        SPIKES,
        u.mS,
        [0.0, 5.0],
    ),
    "Linear, input in mV": (
        lambda: nn.Linear(3, 2, w_init=W * u.mS, b_init=None),
        jnp.array([1.0, 2.0, 3.0]) * u.mV,
        u.mV * u.mS,
        [16.0, 22.0],
    ),
    "Linear, plain weight": (
        lambda: nn.Linear(3, 2, w_init=jnp.ones((3, 2)), b_init=None),
        jnp.array([1.0, 2.0, 3.0]) * u.mV,
        u.mV,
        [6.0, 6.0],
    ),
    "SignedWLinear": (
        lambda: nn.SignedWLinear(
            3, 2, w_init=-W * u.mS, w_sign=jnp.array([[1.0], [-1.0], [1.0]])
        ),
        SPIKES,
        u.mS,
        [4.0, 6.0],
    ),
    "AllToAll": (
        lambda: nn.AllToAll(3, 3, w_init=jnp.arange(9.0).reshape(3, 3) * u.mS),
        SPIKES,
        u.mS,
        [6.0, 8.0, 10.0],
    ),
    "AllToAll, no self": (
        lambda: nn.AllToAll(
            3, 3, w_init=jnp.arange(9.0).reshape(3, 3) * u.mS, include_self=False
        ),
        SPIKES,
        u.mS,
        [6.0, 8.0, 2.0],
    ),
    "AllToAll, scalar weight": (
        lambda: nn.AllToAll(3, 3, w_init=2.0 * u.mS),
        jnp.ones((2, 3)),
        u.mS,
        [[6.0], [6.0]],
    ),
    "AllToAll, scalar, no self": (
        lambda: nn.AllToAll(3, 3, w_init=2.0 * u.mS, include_self=False),
        SPIKES,
        u.mS,
        [2.0, 4.0, 2.0],
    ),
    "AllToAll, scalar, 2 -> 3, no self": (
        lambda: nn.AllToAll(2, 3, w_init=2.0 * u.mS, include_self=False),
        SPIKES[:2],
        u.mS,
        [0.0, 2.0, 2.0],
    ),
    "AllToAll+bias, input in mV": (
        lambda: nn.AllToAll(
            3, 3, w_init=jnp.ones((3, 3)) * u.mS, b_init=jnp.ones(3) * u.uA
        ),
        jnp.array([1.0, 2.0, 3.0]) * u.mV,
        u.uA,
        [7.0, 7.0, 7.0],
    ),
    "OneToOne": (
        lambda: nn.OneToOne(3, w_init=jnp.full(3, 0.5) * u.mS),
        SPIKES,
        u.mS,
        [0.5, 0.0, 0.5],
    ),
    "LoRA": (
        lambda: nn.LoRA(3, 2, 2, kernel_init=lambda s: jnp.ones(s) * u.mS),
        SPIKES,
        u.mS**2,
        [4.0, 4.0],
    ),
}


@pytest.mark.parametrize("name", LAYERS)
def test_layer_output_carries_the_units(name: str):
    make, x, unit, expected = LAYERS[name]
    _assert_quantity(make()(x), unit, expected)


def test_layer_with_units_under_jit():
    layer = nn.Linear(3, 2, w_init=W * u.mS, b_init=None)
    y = eqstate.transform.jit(lambda x: layer(x))(SPIKES)
    _assert_quantity(y, u.mS, [4.0, 6.0])


@pytest.mark.parametrize("make", [nn.Linear, nn.AllToAll], ids=["Linear", "AllToAll"])
def test_units_that_cancel_give_a_plain_array(make: Callable[..., Any]):
    y = make(3, 3, w_init=jnp.ones((3, 3)) * u.mS, b_init=None)(jnp.ones(3) / u.mS)
    assert isinstance(y, jax.Array) and y.tolist() == [3.0, 3.0, 3.0]


def test_a_bias_in_another_unit_raises():
    layer = nn.Linear(3, 2, w_init=W * u.mS, b_init=jnp.ones(2))
    with pytest.raises(u.UnitMismatchError):
        layer(SPIKES)


def test_scaled_ws_linear_rejects_a_weight_with_a_unit():
    with pytest.raises(ValueError, match="ScaledWSLinear: the weight carries"):
        nn.ScaledWSLinear(3, 2, w_init=W * u.mS)


# -- samplers ----------------------------------------------------------------

mV, ms = u.mV, u.ms
ARANGE = jnp.arange(5.0)
SAMPLERS: dict[str, tuple[Callable[[Any], Any], Callable[[Any], Any], Any]] = {
    # name: (draw with Quantities, the same draw with plain numbers, unit)
    "uniform": (
        lambda k: R.uniform(-60.0 * mV, -50.0 * mV, (4,), key=k),
        lambda k: R.uniform(-60.0, -50.0, (4,), key=k),
        mV,
    ),
    "uniform, plain high": (
        lambda k: R.uniform(-60.0 * mV, -50.0, (4,), key=k),
        lambda k: R.uniform(-60.0, -50.0, (4,), key=k),
        mV,
    ),
    "normal": (
        lambda k: R.normal(-55.0 * mV, 2.0 * mV, (4,), key=k),
        lambda k: R.normal(-55.0, 2.0, (4,), key=k),
        mV,
    ),
    "normal, scale only": (
        lambda k: R.normal(scale=2.0 * mV, size=(4,), key=k),
        lambda k: R.normal(scale=2.0, size=(4,), key=k),
        mV,
    ),
    "truncated_normal": (
        lambda k: R.truncated_normal(-1.0 * mV, 1.0 * mV, (4,), key=k),
        lambda k: R.truncated_normal(-1.0, 1.0, (4,), key=k),
        mV,
    ),
    "exponential": (
        lambda k: R.exponential(5.0 * ms, (4,), key=k),
        lambda k: R.exponential(5.0, (4,), key=k),
        ms,
    ),
    "gamma": (
        lambda k: R.gamma(2.0, 3.0 * ms, (4,), key=k),
        lambda k: R.gamma(2.0, 3.0, (4,), key=k),
        ms,
    ),
    "gumbel": (
        lambda k: R.gumbel(1.0 * mV, 2.0 * mV, (4,), key=k),
        lambda k: R.gumbel(1.0, 2.0, (4,), key=k),
        mV,
    ),
    "laplace": (
        lambda k: R.laplace(1.0 * mV, 2.0 * mV, (4,), key=k),
        lambda k: R.laplace(1.0, 2.0, (4,), key=k),
        mV,
    ),
    "logistic": (
        lambda k: R.logistic(1.0 * mV, 2.0 * mV, (4,), key=k),
        lambda k: R.logistic(1.0, 2.0, (4,), key=k),
        mV,
    ),
    "rayleigh": (
        lambda k: R.rayleigh(2.0 * mV, (4,), key=k),
        lambda k: R.rayleigh(2.0, (4,), key=k),
        mV,
    ),
    "weibull_min": (
        lambda k: R.weibull_min(1.5, 2.0 * mV, (4,), key=k),
        lambda k: R.weibull_min(1.5, 2.0, (4,), key=k),
        mV,
    ),
    "wald": (
        lambda k: R.wald(1.0 * mV, 2.0 * mV, (4,), key=k),
        lambda k: R.wald(1.0, 2.0, (4,), key=k),
        mV,
    ),
    "triangular": (
        lambda k: R.triangular(0.0 * mV, 1.0 * mV, 2.0 * mV, (4,), key=k),
        lambda k: R.triangular(0.0, 1.0, 2.0, (4,), key=k),
        mV,
    ),
    "vonmises": (
        lambda k: R.vonmises(1.0 * mV, 2.0, (4,), key=k),
        lambda k: R.vonmises(1.0, 2.0, (4,), key=k),
        mV,
    ),
    "multivariate_normal": (
        lambda k: R.multivariate_normal(
            jnp.zeros(2) * mV, jnp.eye(2) * mV**2, (3,), key=k
        ),
        lambda k: R.multivariate_normal(jnp.zeros(2), jnp.eye(2), (3,), key=k),
        mV,
    ),
    "choice": (
        lambda k: R.choice(ARANGE * mV, 3, key=k),
        lambda k: R.choice(ARANGE, 3, key=k),
        mV,
    ),
    "permutation": (
        lambda k: R.permutation(ARANGE * mV, key=k),
        lambda k: R.permutation(ARANGE, key=k),
        mV,
    ),
    "shuffle": (
        lambda k: R.shuffle(ARANGE * mV, key=k),
        lambda k: R.shuffle(ARANGE, key=k),
        mV,
    ),
    "RandomState.uniform": (
        lambda k: R.RandomState(k).uniform(0.0 * ms, 5.0 * ms, (4,)),
        lambda k: R.RandomState(k).uniform(0.0, 5.0, (4,)),
        ms,
    ),
    "RandomState.normal": (
        lambda k: R.RandomState(k).normal(-55.0 * mV, 2.0 * mV, (4,)),
        lambda k: R.RandomState(k).normal(-55.0, 2.0, (4,)),
        mV,
    ),
}


@pytest.mark.parametrize("name", SAMPLERS)
def test_sampler_draw_carries_the_unit_of_its_parameters(name: str):
    with_units, plain, unit = SAMPLERS[name]
    y, expected = with_units(3), plain(3)
    assert isinstance(expected, jax.Array)  # plain numbers: a plain draw
    _assert_quantity(y, unit, expected)  # the same draw, in the unit


def test_sampler_moments_and_ranges_in_units():
    v = R.normal(-55.0 * mV, 2.0 * mV, (2000,), key=0).to_decimal(mV)
    assert abs(float(v.mean()) + 55.0) < 0.3 and abs(float(v.std()) - 2.0) < 0.2
    v = R.uniform(-60.0 * mV, -50.0 * mV, (2000,), key=1).to_decimal(mV)
    assert float(v.min()) >= -60.0 and float(v.max()) < -50.0
    assert abs(float(v.mean()) + 55.0) < 0.4
    v = R.exponential(5.0 * ms, (2000,), key=2).to_decimal(ms)
    assert float(v.min()) >= 0.0 and abs(float(v.mean()) - 5.0) < 0.5
    v = R.truncated_normal(-1.0 * mV, 1.0 * mV, (2000,), key=3).to_decimal(mV)
    assert float(v.min()) >= -1.0 and float(v.max()) <= 1.0


def test_sampler_converts_compatible_units_to_the_first():
    y = R.uniform(-0.06 * u.volt, -50.0 * mV, (4,), key=0)
    _assert_quantity(y, u.volt, R.uniform(-0.06, -0.05, (4,), key=0))


def test_sampler_under_jit():
    draw = jax.jit(lambda loc, scale: R.normal(loc, scale, (2,), key=0))
    _assert_quantity(draw(1.0 * mV, 2.0 * mV), mV, R.normal(1.0, 2.0, (2,), key=0))


@pytest.mark.parametrize(
    "draw",
    [
        lambda: R.uniform(-60.0 * mV, 1.0 * ms, (2,)),  # bounds in two dimensions
        lambda: R.multivariate_normal(jnp.zeros(2) * mV, jnp.eye(2), (2,)),
        lambda: R.multivariate_normal(jnp.zeros(2) * mV, jnp.eye(2) * mV, (2,)),
    ],
    ids=["uniform", "mvn-plain-cov", "mvn-cov-not-squared"],
)
def test_mismatched_units_raise(draw: Callable[[], Any]):
    with pytest.raises(u.UnitMismatchError):
        draw()


@pytest.mark.parametrize(
    "draw",
    [
        lambda: R.poisson(5.0 * u.Hz, (2,)),
        lambda: R.gamma(2.0 * ms, 3.0 * ms, (2,)),
        lambda: R.vonmises(1.0, 2.0 * mV, (2,)),
        lambda: R.randint(0, 5 * mV, (2,)),
        lambda: R.randint_like(jnp.zeros(3) * mV),  # high = the input's max
    ],
    ids=["poisson", "gamma-shape", "vonmises-kappa", "randint", "randint_like"],
)
def test_a_dimensional_shape_parameter_raises(draw: Callable[[], Any]):
    with pytest.raises(R.RandomParameterError, match="must be dimensionless"):
        draw()


def test_unitless_quantities_and_like_templates_give_plain_arrays():
    y = R.poisson(u.Quantity(5.0), (3,), key=0)
    assert isinstance(y, jax.Array) and (y == R.poisson(5.0, (3,), key=0)).all()
    for like in (R.rand_like, R.randn_like):
        y = like(jnp.zeros((2, 3)) * mV, key=0)
        assert isinstance(y, jax.Array) and y.shape == (2, 3)
    y = R.randint_like(jnp.zeros(3) * mV, high=4, key=0)
    assert isinstance(y, jax.Array) and y.dtype == jnp.float32 and (y < 4).all()


_NO_BRAINUNIT = """
import sys
import jax.numpy as jnp
import eqstate
x = jnp.ones(3)
print(eqstate.nn.Linear(3, 2, w_init=jnp.ones((3, 2)), b_init=None)(x).tolist())
print(eqstate.nn.AllToAll(3, 3, w_init=2.0, include_self=False)(x).tolist())
print(eqstate.random.normal(0.0, 1.0, (2,), key=0).shape)
assert "brainunit" not in sys.modules
"""


def test_plain_arrays_never_import_brainunit():
    proc = subprocess.run(
        [sys.executable, "-c", _NO_BRAINUNIT], capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.split("\n")[:3] == ["[3.0, 3.0]", "[4.0, 4.0, 4.0]", "(2,)"]
