"""Random initializers: shape, dtype, keys and moments; misuse errors."""

import math

import brainunit as u
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import eqstate
import eqstate.init as ei

SHAPE = (200, 150)  # 30k samples: moments to about 1 %
KEY = jax.random.PRNGKey(42)
W15 = math.gamma(1.5)

# (initializer, mean, std, (min, max) support or None)
MOMENTS = [
    (ei.Normal(1.0, 0.5), 1.0, 0.5, None),
    (ei.Uniform(-1.0, 3.0), 1.0, 4 / math.sqrt(12), (-1.0, 3.0)),
    (ei.TruncatedNormal(0.0, 1.0, -1.0, 1.0), 0.0, 0.53956, (-1.0, 1.0)),
    (
        ei.TruncatedNormal(2.0, 1.0, low=2.0),
        2.0 + math.sqrt(2 / math.pi),
        0.60281,
        (2.0, None),
    ),
    (ei.LogNormal(1.0, 0.5), 1.0, 0.5, (0.0, None)),
    (ei.Gamma(2.0, 0.5), 1.0, math.sqrt(2) * 0.5, (0.0, None)),
    (ei.Exponential(2.0), 2.0, 2.0, (0.0, None)),
    (ei.Weibull(2.0, 1.0), W15, math.sqrt(1 - W15**2), (0.0, None)),
    (ei.Beta(2.0, 2.0, -1.0, 1.0), 0.0, 2 * math.sqrt(0.05), (-1.0, 1.0)),
    (ei.VarianceScaling(2.0, "fan_in", "truncated_normal"), 0.0, 0.1, (-0.23, 0.23)),
    (ei.VarianceScaling(1.0, "fan_out", "uniform"), 0.0, math.sqrt(1 / 150), None),
    (ei.LecunUniform(), 0.0, math.sqrt(1 / 200), None),
    (ei.LecunNormal(), 0.0, math.sqrt(1 / 200), None),
    (ei.XavierNormal(), 0.0, math.sqrt(2 / 350), None),
    (ei.XavierUniform(), 0.0, math.sqrt(2 / 350), None),
    (ei.KaimingNormal(), 0.0, math.sqrt(2 / 200), None),
    (ei.KaimingUniform(mode="fan_avg"), 0.0, math.sqrt(2 / 175), None),
    (
        ei.KaimingNormal(nonlinearity="leaky_relu", negative_slope=0.2),
        0.0,
        math.sqrt(2 / 1.04 / 200),
        None,
    ),
    (ei.Orthogonal(), 0.0, math.sqrt(1 / 200), None),
    (ei.Mixture([ei.Normal(0.0, 1.0), ei.Constant(3.0)]), 1.5, math.sqrt(2.75), None),
    (ei.Normal(0.0, 1.0) - ei.Normal(0.0, 1.0), 0.0, math.sqrt(2), None),
    (2.0 * ei.Uniform(0.0, 1.0) + 1.0, 2.0, 2 / math.sqrt(12), (1.0, 3.0)),
    (
        ei.Conditional(lambda i: i < 15000, ei.Normal(0.0, 1.0), ei.Normal(5.0, 1.0)),
        2.5,
        math.sqrt(7.25),
        None,
    ),
    (
        ei.Clipped(ei.Normal(0.0, 1.0), 0.0),
        1 / math.sqrt(2 * math.pi),
        0.58385,
        (0.0, None),
    ),
    (ei.Scaled(ei.Exponential(1.0), 3.0), 3.0, 3.0, (0.0, None)),
    (
        ei.Compose(ei.Normal(0.0, 1.0), jnp.abs),
        math.sqrt(2 / math.pi),
        0.60281,
        (0.0, None),
    ),
]
IDS = [repr(m[0])[:40] for m in MOMENTS]
RANDOM = [m[0] for m in MOMENTS]


@pytest.mark.parametrize("init, mean, std, support", MOMENTS, ids=IDS)
def test_moments(init, mean, std, support):
    w = init(SHAPE, KEY)
    assert w.shape == SHAPE and w.dtype == jnp.float32
    w = np.asarray(w, dtype=np.float64)
    assert abs(w.mean() - mean) < 0.03 * std + 1e-3, w.mean()
    assert abs(w.std() / std - 1.0) < 0.03, w.std()
    if support is not None:
        low, high = support
        assert low is None or w.min() >= low
        assert high is None or w.max() <= high


# loggamma (behind Gamma, Beta) and QR compile slowly: keep them to one shape
SLOW = (ei.Gamma, ei.Beta, ei.Orthogonal)


@pytest.mark.parametrize("init", RANDOM, ids=IDS)
def test_shape_dtype_and_keys(init):
    a = init(SHAPE, KEY)
    assert bool((a == init(list(SHAPE), KEY)).all())
    assert not bool((a == init(SHAPE, jax.random.PRNGKey(1))).all())
    eqstate.random.seed(5)
    b = init(SHAPE)
    assert not bool((b == init(SHAPE)).all())
    eqstate.random.seed(5)
    assert bool((init(SHAPE) == b).all())
    if not isinstance(init, SLOW):
        low = init((4, 3), KEY, dtype=jnp.bfloat16)
        assert low.shape == (4, 3) and low.dtype == jnp.bfloat16


def test_delta_orthogonal():
    w = ei.DeltaOrthogonal(scale=2.0)((3, 5, 4, 6), KEY)
    centre = w[1, 2] / 2.0
    np.testing.assert_allclose(centre @ centre.T, np.eye(4), atol=1e-5)
    assert float(jnp.abs(w).sum()) == pytest.approx(float(jnp.abs(w[1, 2]).sum()))
    with pytest.raises(eqstate.EqstateError) as err:
        ei.DeltaOrthogonal()((4, 4))
    assert "at least 3 dims, got (4, 4). Use Orthogonal" in str(err.value)


def test_truncated_normal_without_bounds_is_normal():
    a = ei.TruncatedNormal(1.0, 2.0)(SHAPE, KEY)
    assert abs(float(a.std()) - 2.0) < 0.05
    assert float(a.max()) > 7.0  # beyond 3 sigma: untruncated


def test_units_flow_through():
    g = ei.Gamma(2.0, 1.5 * u.ms)(SHAPE, KEY)
    assert g.unit == u.ms
    ln = ei.LogNormal(1.0 * u.nS, 0.2 * u.nS)(SHAPE, KEY)
    assert ln.unit == u.nS and abs(float(ln.mean().to_decimal(u.nS)) - 1.0) < 0.05
    b = ei.Beta(2.0, 3.0, 1.0 * u.mV, 2.0 * u.mV)(SHAPE, KEY)
    assert b.unit == u.mV
    e = ei.Exponential(2.0 * u.ms)(SHAPE, KEY)
    assert e.unit == u.ms
    w = ei.Weibull(1.5, 3.0 * u.ms)(SHAPE, KEY)
    assert w.unit == u.ms
    c = ei.Normal(0.0, 1.0 * u.mV).clip(-0.5 * u.mV, 5e-4 * u.volt)(SHAPE, KEY)
    assert c.unit == u.mV and float(c.max().to_decimal(u.mV)) <= 0.5
    k = ei.KaimingNormal(unit=u.mS)(SHAPE, KEY)
    assert k.unit == u.mS
    v = ei.VarianceScaling(1.0 * u.nS)(SHAPE, KEY)
    assert v.unit == u.nS
    t = ei.TruncatedNormal(0.0 * u.mV, 1.0 * u.mV, low=-5e-4 * u.volt)(SHAPE, KEY)
    assert float(t.min().to_decimal(u.mV)) >= -0.5


def test_mixture_of_quantities_in_one_unit():
    m = ei.Mixture([ei.Constant(1.0 * u.mV), ei.Constant(2e-3 * u.volt)])(SHAPE, KEY)
    assert m.unit == u.mV
    assert set(np.unique(np.asarray(m.mantissa)).tolist()) == {1.0, 2.0}


def test_distance_modulated_with_quantity_positions():
    init = ei.DistanceModulated(ei.Constant(1.0), ei.LinearProfile(100.0 * u.um))
    pre = jnp.array([[0.0, 0.0]]) * u.um
    post = jnp.array([[0.03, 0.04], [0.0, 0.1]]) * u.mm  # 50 um and 100 um away
    w = init((1, 2), pre_positions=pre, post_positions=post)
    np.testing.assert_allclose(np.asarray(w), [[0.5, 0.0]], atol=1e-6)


def test_param_forwards_kwargs_and_options():
    init = ei.DistanceModulated(ei.Constant(2.0), ei.StepProfile(1.0))
    w = ei.param(init, (3,), distances=jnp.array([0.5, 1.0, 1.5]))
    assert w.tolist() == [2.0, 2.0, 0.0]
    assert ei.param(1.5, (2,), allow_scalar=False).tolist() == [1.5, 1.5]
    with pytest.raises(ValueError, match="allow_none=False"):
        ei.param(None, (2,), allow_none=False)


def test_initializers_run_under_jit():
    init = ei.Mixture([ei.Exponential(1.0), ei.Uniform(0.0, 1.0)], [0.3, 0.7])
    out = jax.jit(lambda k: init((5,), k))(KEY)
    assert out.shape == (5,)
    draw = eqstate.transform.jit(lambda: ei.LogNormal(1.0, 0.1)((2,)))
    assert not bool((draw() == draw()).all())


ERRORS = [
    (lambda: ei.Uniform(1.0, 1.0), "`low` must be below `high`, got low=1.0, high=1.0"),
    (lambda: ei.TruncatedNormal(0.0, -1.0), "`std` must be non-negative, got -1.0"),
    (lambda: ei.LogNormal(0.0, 1.0), "LogNormal: `mean` must be positive, got 0.0"),
    (lambda: ei.Gamma(-1.0, 1.0), "Gamma: `shape` must be positive"),
    (
        lambda: ei.Gamma(2.0 * u.ms, 1.0),
        "`shape` is a shape parameter and must be a plain number",
    ),
    (lambda: ei.Exponential(0.0), "Exponential: `scale` must be positive"),
    (lambda: ei.Beta(2.0, 2.0, 1.0, 0.0), "`low` must be below `high`"),
    (lambda: ei.Mixture([]), "Mixture needs at least one distribution"),
    (lambda: ei.Mixture([ei.ZeroInit()], [0.5]), "must be non-negative and sum to 1"),
    (lambda: ei.Mixture([ei.ZeroInit()], [0.5, 0.5]), "one entry per distribution (1)"),
    (lambda: ei.Compose(), "Compose needs at least one element"),
    (lambda: ei.GaussianProfile(-1.0), "GaussianProfile: `sigma` must be positive"),
    (
        lambda: ei.DistanceModulated(ei.ZeroInit(), ei.StepProfile(1.0))((2,)),
        "call it with `distances=`",
    ),
    (
        lambda: ei.Conditional(lambda i: i[:1] > 0, ei.ZeroInit(), ei.ZeroInit())((3,)),
        "one boolean per element (3 for shape (3,)), got 1",
    ),
    (
        lambda: ei.GaussianProfile(1.0 * u.um).probability(jnp.ones(2)),
        "the distances is a plain number but `sigma` is in um",
    ),
    (
        lambda: ei.GaussianProfile(1.0).probability(jnp.ones(2) * u.um),
        "the distances is in um but `sigma` is a plain number",
    ),
    (
        lambda: ei.GaussianProfile(1.0 * u.um).probability(jnp.ones(2) * u.ms),
        "does not convert to `sigma`'s unit",
    ),
]


@pytest.mark.parametrize("make, message", ERRORS, ids=[m for _, m in ERRORS])
def test_misuse_errors(make, message):
    with pytest.raises(eqstate.EqstateError) as err:
        make()
    assert isinstance(err.value, ValueError)
    assert message in str(err.value)


def test_pipes_reject_initializers_and_profiles():
    with pytest.raises(TypeError, match="takes a shape instead"):
        ei.Normal() | ei.Normal()
    with pytest.raises(TypeError, match="takes a shape instead"):
        ei.Compose(ei.Normal(), ei.Normal())
    with pytest.raises(TypeError, match="takes distances instead"):
        ei.GaussianProfile(1.0) | ei.GaussianProfile(2.0)
    with pytest.raises(TypeError, match="func"):  # jaxtyping's check, under test
        ei.GaussianProfile(1.0).apply(3)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "make, value",
    [
        (lambda: ei.VarianceScaling(mode="fan"), "fan"),  # type: ignore[arg-type]
        (lambda: ei.VarianceScaling(distribution="cauchy"), "cauchy"),  # type: ignore[arg-type]
        (lambda: ei.KaimingNormal(nonlinearity="tanh"), "tanh"),  # type: ignore[arg-type]
    ],
)
def test_literal_options_are_checked(make, value):
    # under the test suite jaxtyping rejects the Literal first; without it the
    # initializer's own InitializationError names the allowed values
    with pytest.raises((eqstate.EqstateError, TypeError), match=value):
        make()
