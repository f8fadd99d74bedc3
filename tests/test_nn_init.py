"""`eqstate.nn.init`: brainstate's `nn.init` initializers, against brainstate's recorded outputs.

The golden files come from `tests/golden/record_nn_init.py` (brainstate 0.5.4).
Random draws cannot match brainstate's bit for bit; they are checked against
the analytic moments and bounds instead, with sample sizes chosen so every
tolerance is at least 4 standard errors wide.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import brainunit as u
import jax.numpy as jnp
import numpy as np
import pytest

import eqstate
from eqstate.init import InitializationError

init = eqstate.nn.init

GOLDEN = Path(__file__).parent / "golden"
META = json.loads((GOLDEN / "nn_init.json").read_text())
ARRAYS = dict(np.load(GOLDEN / "nn_init.npz"))

TRUNC = 0.87962566103423978  # std of a standard normal cut to [-2, 2]

# (class, scale, mode, distribution) as brainstate 0.5.4 defines their defaults
FAMILY = [
    (init.KaimingNormal, 2.0, "fan_in", "truncated_normal"),
    (init.KaimingUniform, 2.0, "fan_in", "uniform"),
    (init.XavierNormal, 1.0, "fan_avg", "truncated_normal"),
    (init.XavierUniform, 1.0, "fan_avg", "uniform"),
    (init.LecunNormal, 1.0, "fan_in", "truncated_normal"),
    (init.LecunUniform, 1.0, "fan_in", "uniform"),
]
FAMILY_IDS = [c.__name__ for c, *_ in FAMILY]

RANDOM = {
    "Normal": init.Normal(seed=0),
    "TruncatedNormal": init.TruncatedNormal(seed=0),
    "Gamma": init.Gamma(2.0, seed=0),
    "Exponential": init.Exponential(seed=0),
    "Uniform": init.Uniform(seed=0),
    "KaimingNormal": init.KaimingNormal(seed=0),
    "XavierUniform": init.XavierUniform(seed=0),
    "Orthogonal": init.Orthogonal(seed=0),
    "Constant": init.Constant(1),
    "ZeroInit": init.ZeroInit(),
    "Identity": init.Identity(),
}

# shape, in_axis, out_axis; the fans are brainstate's (golden)
FAN_CASES = [
    ((40, 30), -2, -1),
    ((3, 3, 20, 25), -2, -1),
    ((25, 20, 3, 3), 1, 0),
    ((2, 30, 35), 0, 2),
]


def _fans(shape, in_axis, out_axis):
    fan_in, fan_out = META["fans"][f"{shape}|{in_axis}|{out_axis}"]
    return {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}


# -- the variance-scaling family ---------------------------------------------


@pytest.mark.parametrize(("cls", "scale", "mode", "dist"), FAMILY, ids=FAMILY_IDS)
def test_family_defaults_match_brainstate(cls, scale, mode, dist):
    made = cls()
    assert (made.scale, made.mode, made.distribution) == (scale, mode, dist)
    assert (made.in_axis, made.out_axis) == (-2, -1)
    assert isinstance(made, init.VarianceScaling)
    assert isinstance(made, init.Initializer)


@pytest.mark.parametrize(("cls", "scale", "mode", "dist"), FAMILY, ids=FAMILY_IDS)
def test_family_moments(cls, scale, mode, dist):
    # 6000 draws: the sample variance's relative standard error is <= 1.9%
    # (normal); 10% is > 5 standard errors.
    shape = (3, 2, 40, 25)
    w = np.asarray(cls(seed=1)(shape), np.float64)
    fan_in, fan_out = 3 * 2 * 40, 3 * 2 * 25
    n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}
    var = scale / n[mode]
    assert w.shape == shape and w.dtype == np.float64
    assert abs(w.var() / var - 1) < 0.10
    assert abs(w.mean()) < 5 * math.sqrt(var / w.size)
    bound = (
        2 * math.sqrt(var) / TRUNC if dist == "truncated_normal" else math.sqrt(3 * var)
    )
    assert np.abs(w).max() <= bound * (1 + 1e-6)
    # the draws reach close to the bound (P(miss) < 1e-20 at this size)
    assert np.abs(w).max() > 0.9 * bound


@pytest.mark.parametrize("mode", ["fan_in", "fan_out", "fan_avg"])
@pytest.mark.parametrize(("shape", "in_axis", "out_axis"), FAN_CASES, ids=str)
def test_variance_scaling_fans_match_brainstate(mode, shape, in_axis, out_axis):
    # uniform draws on [-l, l], l = sqrt(3 / n): the max of >= 400 draws is
    # above 0.95 l but with probability 0.95**400 < 1e-8
    reps = math.ceil(400 / math.prod(shape))
    vs = init.VarianceScaling(1.0, mode, "uniform", in_axis, out_axis, seed=2)
    limit = math.sqrt(3 / _fans(shape, in_axis, out_axis)[mode])
    top = max(float(np.abs(vs(shape)).max()) for _ in range(reps))
    assert top <= limit * (1 + 1e-6)
    assert top > limit * 0.95


def test_normal_distribution_exceeds_the_truncation():
    # 4000 normal draws: ~2.3% land beyond 2/0.8796 sigma, so some must
    w = np.asarray(init.VarianceScaling(1.0, "fan_in", "normal", seed=3)((40, 100)))
    assert (np.abs(w) > 2 / TRUNC * math.sqrt(1 / 40)).sum() > 40


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"mode": "fan_sum", "distribution": "normal"}, "`mode` must be"),
        ({"mode": "fan_in", "distribution": "cauchy"}, "`distribution` must be"),
    ],
)
def test_variance_scaling_bad_arguments(kwargs, match):
    with pytest.raises(InitializationError, match=match):
        init.VarianceScaling(1.0, **kwargs)
    with pytest.raises(InitializationError, match="no axes in_axis=-2"):
        init.KaimingNormal()((5,))


# -- the distributions ---------------------------------------------------------

N = 4000


@pytest.mark.parametrize(
    ("make", "mean", "var", "low", "high"),
    [
        (lambda: init.Normal(1.0, 0.5, seed=4), 1.0, 0.25, -np.inf, np.inf),
        (lambda: init.Uniform(-1.0, 3.0, seed=4), 1.0, 16 / 12, -1.0, 3.0),
        (lambda: init.Gamma(2.0, scale=0.5, seed=4), 1.0, 0.5, 0.0, np.inf),
        (lambda: init.Exponential(2.0, seed=4), 2.0, 4.0, 0.0, np.inf),
        (lambda: init.TruncatedNormal(scale=1.0, seed=4), 0.0, 0.7737, -2.0, 2.0),
    ],
    ids=["Normal", "Uniform", "Gamma", "Exponential", "TruncatedNormal"],
)
def test_distribution_moments(make, mean, var, low, high):
    w = np.asarray(make()((N,)), np.float64)
    se = math.sqrt(var / N)
    assert abs(w.mean() - mean) < 5 * se
    # exponential has the widest sample-variance spread (rel. se ~ sqrt(8/N) = 4.5%)
    assert abs(w.var() / var - 1) < 0.25
    assert w.min() >= low and w.max() <= high


def test_truncated_normal_bounds_are_values_as_in_brainstate():
    lo, hi = META["truncated_bounds"]["scale3"]
    assert -2.0 <= lo < -1.9 and 1.9 < hi <= 2.0  # brainstate: values, not sigmas
    w = np.asarray(init.TruncatedNormal(scale=3.0, seed=5)((N,)))
    assert w.min() >= -2.0 and w.max() <= 2.0 and w.max() > 1.9
    w = np.asarray(
        init.TruncatedNormal(loc=1.0, scale=1.0, lower=0.0, upper=3.0, seed=5)((N,))
    )
    assert w.min() >= 0.0 and w.max() <= 3.0
    with pytest.raises(InitializationError, match="`scale` must be positive"):
        init.TruncatedNormal(scale=0.0)


@pytest.mark.parametrize("name", sorted(RANDOM))
def test_default_dtypes_match_brainstate(name):
    out = RANDOM[name]((4, 3))
    assert out.shape == (4, 3)
    assert str(out.dtype) == META["dtype"][name]
    if name in ("KaimingNormal", "Orthogonal", "Uniform", "Identity"):  # compile time
        low = RANDOM[name]([4, 3], dtype=jnp.bfloat16)
        assert low.shape == (4, 3) and low.dtype == jnp.bfloat16


def test_seeds_and_streams():
    same = init.Normal(seed=7)((3,)), init.Normal(seed=7)((3,))
    assert META["seed_reproducible"] and (same[0] == same[1]).all()
    one = init.Normal(seed=7)
    assert META["seed_advances"] and not (one(3) == one(3)).all()
    eqstate.random.seed(11)
    a = init.KaimingNormal()((4, 3))
    eqstate.random.seed(11)
    assert (init.KaimingNormal()((4, 3)) == a).all()
    rng = eqstate.random.RandomState(3)
    b = init.Uniform(seed=99)((3,), rng=rng)
    assert (b == init.Uniform()((3,), rng=eqstate.random.RandomState(3))).all()


def test_units():
    assert init.ZeroInit(unit=u.mV)((2,)).unit == u.mV
    w = init.Normal(unit=u.mV, seed=0)((2,))
    assert w.unit == u.mV and w.shape == (2,)
    assert not isinstance(init.Normal(unit=u.UNITLESS, seed=0)(2), u.Quantity)


# -- the fixed fills (golden) --------------------------------------------------


@pytest.mark.parametrize(
    ("name", "make", "shape"),
    [
        ("constant_scalar", lambda: init.Constant(0.5), (2, 3)),
        ("constant_row", lambda: init.Constant(jnp.array([1.0, 2.0, 3.0])), (2, 3)),
        ("constant_int", lambda: init.Constant(3), 4),
        ("zero", lambda: init.ZeroInit(), (2, 3)),
        ("identity_1d", lambda: init.Identity(), 3),
        ("identity_rect", lambda: init.Identity(2.0), (2, 3)),
        ("identity_tall", lambda: init.Identity(), (4, 2)),
        ("identity_vec", lambda: init.Identity(jnp.array([1.0, 2.0, 3.0])), (3, 3)),
    ],
)
def test_fixed_fills_match_brainstate(name, make, shape):
    out = np.asarray(make()(shape))
    want = ARRAYS[name]
    assert out.shape == want.shape and out.dtype == want.dtype
    np.testing.assert_array_equal(out, want)


def test_identity_rejects_3d():
    assert META["errors"]["identity_3d"] == "ValueError"
    with pytest.raises(InitializationError, match=r"got shape \(2, 2, 2\)"):
        init.Identity()((2, 2, 2))


# -- orthogonal ----------------------------------------------------------------


@pytest.mark.parametrize("case", sorted(META["orthogonal"]))
def test_orthogonal_matches_brainstate(case):
    shape_s, axis_s = case.split("|")
    shape, axis = (
        tuple(
            json.loads(shape_s.replace("(", "[").replace(",)", "]").replace(")", "]"))
        ),
        int(axis_s),
    )
    w = np.asarray(init.Orthogonal(scale=2.0, axis=axis, seed=0)(shape))
    assert list(w.shape) == META["orthogonal"][case]["shape"]
    rows = np.moveaxis(w, axis, 0).reshape(shape[axis], -1) / 2.0
    small = rows @ rows.T if rows.shape[0] <= rows.shape[1] else rows.T @ rows
    assert META["orthogonal"][case]["identity"]
    np.testing.assert_allclose(small, np.eye(len(small)), atol=1e-5)


@pytest.mark.parametrize(
    "shape", [(3, 4, 4), (4, 3, 5), (2, 3, 2, 3), (3, 3, 3, 2, 2), (4, 4, 4, 1, 2)]
)
def test_delta_orthogonal_matches_brainstate(shape):
    key = "delta_" + "x".join(map(str, shape))
    w = np.asarray(init.DeltaOrthogonal(seed=0)(shape))
    mask = np.abs(w).sum(axis=(-2, -1)) > 0
    np.testing.assert_array_equal(mask, ARRAYS[key + "_mask"])
    m = w[tuple(np.argwhere(mask)[0])]
    gram = m.T @ m if m.shape[0] >= m.shape[1] else m @ m.T
    np.testing.assert_allclose(gram, ARRAYS[key + "_gram"], atol=1e-5)


@pytest.mark.parametrize(
    ("shape", "golden", "match"),
    [
        ((4, 4), "delta_2d", "3-D, 4-D or 5-D"),
        ((3, 5, 4), "delta_in_gt_out", "in <= out"),
    ],
)
def test_delta_orthogonal_errors(shape, golden, match):
    assert META["errors"][golden] == "ValueError"
    with pytest.raises(InitializationError, match=match):
        init.DeltaOrthogonal()(shape)


# -- param ---------------------------------------------------------------------

PARAM_CASES = {
    "callable": (lambda: init.ZeroInit(), 3, None),
    "callable_batch": (lambda: init.ZeroInit(), (2, 3), 4),
    "array": (lambda: jnp.ones((4, 3)), (4, 3), None),
    "array_row_batch": (lambda: jnp.ones(3), (4, 3), 2),
    "array_1x3_batch": (lambda: jnp.ones((1, 3)), (4, 3), 2),
    "array_batched": (lambda: jnp.ones((2, 4, 3)), (4, 3), 2),
    "array_more_dims": (lambda: jnp.ones((5, 4, 3)), (4, 3), None),
    "array_ones_dim": (lambda: jnp.ones((1, 1)), (4, 3), None),
    "scalar": (lambda: 0.5, (4, 3), None),
    "scalar_0d": (lambda: jnp.array(2.0), (4, 3), None),
    "none": (lambda: None, 3, None),
    "int_size": (lambda: init.Constant(1.0), np.int64(3), 2),
}


@pytest.mark.parametrize("name", sorted(PARAM_CASES))
def test_param_matches_brainstate(name):
    make, sizes, batch = PARAM_CASES[name]
    out = init.param(make(), sizes, batch_size=batch)
    want = META["param"][name]
    assert (None if out is None else list(np.shape(out))) == want
    if "param_" + name in ARRAYS:
        np.testing.assert_array_equal(np.asarray(out), ARRAYS["param_" + name])


def test_param_state_and_scalars():
    st = init.param(eqstate.ParamState(jnp.ones(3)), (4, 3), batch_size=2)
    kind, shape = META["param"]["state_batch"]
    assert type(st).__name__ == kind and list(st.value.shape) == shape
    out = init.param(jnp.array(2.0), (4, 3), allow_scalar=False)
    assert list(np.shape(out)) == META["param"]["scalar_disallowed"]
    assert init.param(3.0 * u.mV, 3) == 3.0 * u.mV
    batched = init.param(jnp.ones(3) * u.mV, 3, batch_size=2)
    assert batched.unit == u.mV and batched.shape == (2, 3)


@pytest.mark.parametrize(
    ("call", "golden", "match"),
    [
        (
            lambda: init.param(None, 3, allow_none=False),
            "param_none",
            "allow_none=False",
        ),
        (lambda: init.param(jnp.ones(4), 3), "param_shape", r"shape \(4,\) does not"),
        (
            lambda: init.param(jnp.ones((3, 4, 3)), (4, 3), batch_size=2),
            "param_batch",
            "first dim 3 is not the batch size 2",
        ),
        (lambda: init.param([1.0, 2.0], 2), "param_type", "got list"),
    ],
)
def test_param_errors(call, golden, match):
    assert META["errors"][golden] == "ValueError"
    with pytest.raises(InitializationError, match=match):
        call()


# -- calculate_init_gain -------------------------------------------------------


@pytest.mark.parametrize("case", sorted(META["gain"]))
def test_gain_matches_brainstate(case):
    name, _, slope = case.partition("|")
    args = (
        (name,) if not slope else (name, float(slope) if "." in slope else int(slope))
    )
    assert init.calculate_init_gain(*args) == pytest.approx(
        META["gain"][case], rel=1e-15
    )


@pytest.mark.parametrize(
    ("args", "golden", "match"),
    [
        (("swish",), "gain_unknown", "unsupported nonlinearity 'swish'"),
        (("leaky_relu", "a"), "gain_bad_slope", "must be a number, got 'a'"),
    ],
)
def test_gain_errors(args, golden, match):
    assert META["errors"][golden] == "ValueError"
    with pytest.raises(InitializationError, match=match):
        init.calculate_init_gain(*args)


# -- with eqstate's layers and transforms --------------------------------------


def test_with_layers_and_jit():
    layer = eqstate.nn.Linear(
        4, 3, w_init=init.KaimingNormal(seed=0), b_init=init.ZeroInit()
    )
    assert layer.weight.value["weight"].shape == (4, 3)
    assert (layer.weight.value["bias"] == 0).all()
    draw = eqstate.transform.jit(lambda: init.Normal()((3,)))
    eqstate.random.seed(1)
    a, b = draw(), draw()
    assert a.shape == (3,) and not (a == b).all()  # the default stream advances
    with pytest.raises(NotImplementedError, match="must define `__call__"):
        init.Initializer()((2,))


def test_importable_both_ways():
    from eqstate.nn import init as again

    assert again is eqstate.nn.init
    assert "init" in dir(eqstate.nn)
