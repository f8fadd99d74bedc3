import re

import brainunit as u
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import eqstate
import eqstate.init as ei

RANDOM = [
    ei.Normal(),
    ei.Uniform(),
    ei.TruncatedNormal(),
    ei.XavierNormal(),
    ei.XavierUniform(),
    ei.KaimingNormal(),
    ei.KaimingUniform(),
    ei.LecunNormal(),
    ei.Orthogonal(),
]
ALL = [ei.Constant(0.5), ei.ZeroInit(), *RANDOM]
IDS = [type(i).__name__ for i in ALL]
# Every new (shape, dtype) compiles fresh XLA kernels, so the tests share a few
# shapes: SMALL for behaviour, BIG for statistics.
SMALL = (3, 4)
BIG = (300, 200)


@pytest.mark.parametrize("init", ALL, ids=IDS)
def test_shapes_and_dtypes(init):
    key = jax.random.PRNGKey(0)
    out = init(SMALL, key)
    assert out.shape == SMALL and out.dtype == jnp.float32
    assert bool(jnp.isfinite(out).all())
    low = init(list(SMALL), key, dtype=jnp.bfloat16)
    assert low.shape == SMALL and low.dtype == jnp.bfloat16
    assert isinstance(init, ei.Initialization)


def test_int_shape():
    assert ei.ZeroInit()(4).shape == (4,)
    assert ei.Constant(2.0)(4).tolist() == [2.0] * 4
    assert ei.Normal()(4, jax.random.PRNGKey(1)).shape == (4,)


def test_constant_and_zero_values():
    assert ei.Constant(0.5)((2, 2)).tolist() == [[0.5, 0.5], [0.5, 0.5]]
    assert ei.ZeroInit()(3).tolist() == [0.0, 0.0, 0.0]
    # an array value broadcasts and keeps its dtype
    row = ei.Constant(jnp.array([1, 2, 3]))((2, 3))
    assert row.dtype == jnp.int32 and row.tolist() == [[1, 2, 3], [1, 2, 3]]
    assert ei.Constant(1)(2).dtype == jnp.float32


@pytest.mark.parametrize("init", RANDOM, ids=IDS[2:])
def test_key_is_used_and_default_stream_advances(init):
    a = init(SMALL, jax.random.PRNGKey(0))
    assert bool((a == init(SMALL, jax.random.PRNGKey(0))).all())
    assert not bool((a == init(SMALL, jax.random.PRNGKey(1))).all())
    eqstate.random.seed(3)
    b = init(SMALL)
    c = init(SMALL)
    assert not bool((b == c).all())
    eqstate.random.seed(3)
    assert bool((init(SMALL) == b).all())


def test_statistics():
    key = jax.random.PRNGKey(0)
    n = ei.Normal(mean=2.0, std=0.5)(BIG, key)
    assert abs(float(n.mean()) - 2.0) < 0.02 and abs(float(n.std()) - 0.5) < 0.02
    v = ei.Uniform(-1.0, 3.0)(BIG, key)
    assert float(v.min()) >= -1.0 and float(v.max()) < 3.0
    assert abs(float(v.mean()) - 1.0) < 0.05
    t = ei.TruncatedNormal(mean=1.0, std=2.0, low=-1.0, high=2.0)(BIG, key)
    assert float(t.min()) >= -1.0 and float(t.max()) <= 2.0
    assert float(t.min()) < -0.9 and float(t.max()) > 1.9


@pytest.mark.parametrize(
    "init, std",
    [
        (ei.XavierNormal(), (2 / (300 + 200)) ** 0.5),
        (ei.XavierUniform(), (2 / (300 + 200)) ** 0.5),
        (ei.XavierNormal(scale=4.0), 2 * (2 / (300 + 200)) ** 0.5),
        (ei.KaimingNormal(), (2 / 300) ** 0.5),
        (ei.KaimingUniform(), (2 / 300) ** 0.5),
        (ei.KaimingNormal(mode="fan_out"), (2 / 200) ** 0.5),
        (ei.KaimingUniform(scale=1.0, mode="fan_avg"), (1 / 250) ** 0.5),
        (ei.LecunNormal(), (1 / 300) ** 0.5),
    ],
    ids=lambda p: repr(p) if isinstance(p, ei.Initialization) else "",
)
def test_variance_scaling(init, std):
    w = init(BIG, jax.random.PRNGKey(0))
    assert abs(float(w.mean())) < 0.1 * std
    assert abs(float(w.std()) / std - 1.0) < 0.03


def test_fans_use_last_two_dims():
    # a (3, 3, 40, 60) conv kernel: fan_in = 9 * 40, fan_out = 9 * 60
    w = ei.KaimingNormal(scale=1.0)((3, 3, 40, 60), jax.random.PRNGKey(0))
    assert abs(float(w.std()) * (9 * 40) ** 0.5 - 1.0) < 0.03
    w = ei.KaimingNormal(scale=1.0, mode="fan_out")((3, 3, 40, 60))
    assert abs(float(w.std()) * (9 * 60) ** 0.5 - 1.0) < 0.03


@pytest.mark.parametrize("shape", [(6, 4), (2, 3, 4), SMALL])
def test_orthogonal(shape):
    q = ei.Orthogonal(scale=2.0)(shape, jax.random.PRNGKey(0))
    m = q.reshape(-1, shape[-1]) / 2.0
    small = min(m.shape)
    gram = m.T @ m if m.shape[0] >= m.shape[1] else m @ m.T
    np.testing.assert_allclose(gram, np.eye(small), atol=1e-5)


def test_orthogonal_needs_a_matrix():
    with pytest.raises(ValueError, match="at least 2 dims, got \\(5,\\)"):
        ei.Orthogonal()(5)


def test_reprs():
    assert repr(ei.Constant(0.0 * u.mV)) == "Constant(value=0.0 * mvolt)"
    assert repr(ei.Constant(1.5)) == "Constant(value=1.5)"
    assert repr(ei.Constant(jnp.zeros(3))) == "Constant(value=float32[3])"
    assert repr(ei.ZeroInit()) == "ZeroInit()"
    assert repr(ei.Normal(std=0.1)) == "Normal(mean=0.0, std=0.1)"
    assert repr(ei.KaimingNormal()) == (
        "KaimingNormal(scale=2.0, mode='fan_in', distribution='normal', "
        "nonlinearity='relu', negative_slope=0.01)"
    )
    assert (
        repr(ei.TruncatedNormal(low=-2.0, high=2.0))
        == "TruncatedNormal(mean=0.0, std=1.0, low=-2.0, high=2.0)"
    )


def test_quantity_initializers():
    v = ei.Constant(0.0 * u.mV)((2, 3))
    assert isinstance(v, u.Quantity) and v.unit == u.mV and v.shape == (2, 3)
    assert (u.get_mantissa(v) == 0).all()
    key = jax.random.PRNGKey(0)
    n = ei.Normal(mean=-65.0 * u.mV, std=2.0 * u.mV)(BIG, key)
    assert n.unit == u.mV and n.shape == BIG
    assert abs(float(n.mean().to_decimal(u.mV)) + 65.0) < 0.1
    w = ei.Uniform(1.0 * u.nS, 3.0 * u.nS)(SMALL, key)
    assert w.unit == u.nS and w.shape == SMALL
    assert float(w.min().to_decimal(u.nS)) >= 1.0
    assert float(w.max().to_decimal(u.nS)) < 3.0
    t = ei.TruncatedNormal(0.0 * u.mV, 1.0 * u.mV, -2.0 * u.mV, 2.0 * u.mV)(SMALL, key)
    assert t.unit == u.mV and float(abs(t).max().to_decimal(u.mV)) <= 2.0


def test_param_calls_initializers():
    assert ei.param(ei.ZeroInit(), 3).shape == (3,)
    assert ei.param(ei.ZeroInit(), (2, 3)).shape == (2, 3)
    assert ei.param(ei.Normal(), (4,), batch_size=3).shape == SMALL
    v = ei.param(ei.Constant(0.0 * u.mV), (1,), 5)
    assert v.unit == u.mV and v.shape == (5, 1)
    # any callable taking a shape works
    assert ei.param(lambda s: jnp.ones(s), (2,), 3).shape == (3, 2)


def test_param_scalars_pass_through():
    for scalar in [1.0, 2, True, np.float32(0.5), 1.0 * u.ohm, jnp.float32(3.0)]:
        assert ei.param(scalar, (4,)) is scalar
        assert ei.param(scalar, (4,), batch_size=2) is scalar
    assert ei.param(1.0 * u.ohm, (1,)).unit == u.ohm
    assert ei.param(None, (3,)) is None


def test_param_arrays():
    a = jnp.arange(3.0)
    assert ei.param(a, (3,)) is a
    assert ei.param(a, (2, 3)) is a  # broadcastable: kept as is
    batched = ei.param(a, (2, 3), batch_size=4)
    assert batched.shape == (4, 2, 3) and batched[3, 1].tolist() == [0.0, 1.0, 2.0]
    n = np.ones((2, 1))
    assert ei.param(n, (2, 3)) is n
    assert ei.param(n, (2, 3), batch_size=2).shape == (2, 2, 3)
    q = jnp.array([1.0, 2.0]) * u.mV
    assert ei.param(q, (2,)) is q
    qb = ei.param(q, (2,), batch_size=3)
    assert qb.unit == u.mV and qb.shape == (3, 2)
    assert u.get_mantissa(qb)[2].tolist() == [1.0, 2.0]


@pytest.mark.parametrize(
    "value, sizes, expected, actual",
    [
        (jnp.ones(4), (3,), (3,), (4,)),
        (np.ones((2, 3)), (3, 2), (3, 2), (2, 3)),
        (jnp.ones((2, 2, 3)), (2, 3), (2, 3), (2, 2, 3)),
        (jnp.ones(5) * u.mV, 3, (3,), (5,)),
    ],
)
def test_param_shape_mismatch(value, sizes, expected, actual):
    match = (
        f"expected a value of shape {re.escape(str(expected))}"
        f".*got an array of shape {re.escape(str(actual))}"
    )
    with pytest.raises(ValueError, match=match):
        ei.param(value, sizes)
    with pytest.raises(ValueError, match=match):
        ei.param(value, sizes, batch_size=2)


def test_param_rejects_other_types():
    with pytest.raises(TypeError, match="got str"):
        ei.param("zeros", (3,))


def test_initializers_are_pytrees_usable_under_jit():
    init = ei.Normal(mean=jnp.float32(1.0), std=0.0)
    out = jax.jit(lambda i: i((2,), jax.random.PRNGKey(0)))(init)
    assert out.tolist() == [1.0, 1.0]


def test_draws_inside_eqstate_jit_advance_the_stream():
    eqstate.random.seed(0)
    draw = eqstate.transform.jit(lambda: ei.Normal()(SMALL))
    a, b = draw(), draw()
    assert not bool((a == b).all())


class _Scaled(ei.Initialization):  # braintools' docstring style, unchanged
    def __init__(self, scale=1.0):
        super().__init__()
        self.scale = scale

    def __call__(self, size, **kwargs):
        return jnp.ones(size) * self.scale


def test_braintools_style_initialization_subclass():
    init = _Scaled(2.0)
    assert repr(init) == "_Scaled(scale=2.0)"
    # braintools 0.3.0: MyInit(2.)((2, 3)) is all 2.0, and so is param's result
    assert init((2, 3)).tolist() == [[2.0] * 3] * 2
    assert ei.param(init, (2,)).tolist() == [2.0, 2.0]
    assert (init * 3.0)(2).tolist() == [6.0, 6.0]
    assert jax.tree.leaves(init) == [2.0] and init == _Scaled(2.0)
    layer = eqstate.nn.Linear(3, 2, w_init=init, b_init=ei.ZeroInit())
    assert layer.weight.value["weight"].tolist() == [[2.0] * 2] * 3
    assert jax.jit(lambda i: i((2,)))(init).tolist() == [2.0, 2.0]
    with pytest.raises(Exception, match=r"(?s)_Scaled\.scale.*tree_at"):
        init.scale = 3.0


def test_braintools_style_distance_profile_subclass():
    class Box(ei.DistanceProfile):
        def __init__(self, width):
            super().__init__()
            self.width = width

        def probability(self, distances):
            return jnp.where(jnp.asarray(distances) <= self.width, 1.0, 0.0)

    p = Box(2.0)
    assert repr(p) == "Box(width=2.0)"
    assert (p * 0.5)(jnp.array([1.0, 3.0])).tolist() == [0.5, 0.0]


@pytest.mark.parametrize(
    "precision, dtype", [(16, jnp.float16), ("bf16", jnp.bfloat16)]
)
def test_initializers_follow_the_environ_precision(precision, dtype):
    """As braintools' do (and `eqstate.random`): the default float is
    `environ.dftype()`; an explicit dtype still wins."""
    with eqstate.environ.context(precision=precision):
        for init in (ei.Normal(0.0, 1.0), ei.KaimingNormal(), ei.Uniform(0.0, 1.0)):
            assert ei.param(init, (2, 2)).dtype == dtype, init
        assert ei.Normal(0.0, 1.0)((2,), dtype=jnp.float32).dtype == jnp.float32
    assert ei.param(ei.Normal(0.0, 1.0), (2,)).dtype == jnp.float32
