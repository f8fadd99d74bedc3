import dataclasses

import brainunit as u
import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import eqstate.surrogate as sg

POINTS = np.array([-2.0, -0.7, -0.1, 0.0, 0.05, 0.5, 1.5], dtype=np.float32)


def _sigmoid(x, alpha):
    s = 1.0 / (1.0 + np.exp(-alpha * x))
    return alpha * s * (1.0 - s)


# (class, hyperparameters, functional form, derivative written out in numpy)
CASES = [
    (sg.Sigmoid, dict(alpha=4.0), sg.sigmoid, lambda x: _sigmoid(x, 4.0)),
    (sg.Sigmoid, dict(alpha=1.5), sg.sigmoid, lambda x: _sigmoid(x, 1.5)),
    (
        sg.ReluGrad,
        dict(alpha=0.3, width=1.0),
        sg.relu_grad,
        lambda x: 0.3 * np.maximum(1.0 - np.abs(x), 0.0),
    ),
    (
        sg.ReluGrad,
        dict(alpha=2.0, width=0.6),
        sg.relu_grad,
        lambda x: 2.0 * np.maximum(0.6 - np.abs(x), 0.0),
    ),
    (
        sg.Arctan,
        dict(alpha=1.0),
        sg.arctan,
        lambda x: 0.5 / (1.0 + (np.pi / 2 * x) ** 2),
    ),
    (
        sg.Arctan,
        dict(alpha=3.0),
        sg.arctan,
        lambda x: 1.5 / (1.0 + (np.pi / 2 * 3.0 * x) ** 2),
    ),
    (
        sg.GaussianGrad,
        dict(sigma=0.5, alpha=0.5),
        sg.gaussian_grad,
        lambda x: 0.5 * np.exp(-(x**2) / 0.5) / (np.sqrt(2 * np.pi) * 0.5),
    ),
    (
        sg.GaussianGrad,
        dict(sigma=1.0, alpha=2.0),
        sg.gaussian_grad,
        lambda x: 2.0 * np.exp(-(x**2) / 2.0) / np.sqrt(2 * np.pi),
    ),
    (
        sg.SoftSign,
        dict(alpha=1.0),
        sg.soft_sign,
        lambda x: 1.0 / (2.0 * (1.0 + np.abs(x)) ** 2),
    ),
    (
        sg.SoftSign,
        dict(alpha=5.0),
        sg.soft_sign,
        lambda x: 5.0 / (2.0 * (1.0 + np.abs(5.0 * x)) ** 2),
    ),
    (
        sg.ERF,
        dict(alpha=1.0),
        sg.erf,
        lambda x: np.exp(-(x**2)) / np.sqrt(np.pi),
    ),
    (
        sg.ERF,
        dict(alpha=2.0),
        sg.erf,
        lambda x: 2.0 * np.exp(-4.0 * x**2) / np.sqrt(np.pi),
    ),
    (
        sg.PiecewiseQuadratic,
        dict(alpha=1.0),
        sg.piecewise_quadratic,
        lambda x: np.where(np.abs(x) > 1.0, 0.0, 1.0 - np.abs(x)),
    ),
    (
        sg.PiecewiseQuadratic,
        dict(alpha=2.0),
        sg.piecewise_quadratic,
        lambda x: np.where(np.abs(x) > 0.5, 0.0, 2.0 - 4.0 * np.abs(x)),
    ),
    (
        sg.LeakyRelu,
        dict(alpha=0.1, beta=1.0),
        sg.leaky_relu,
        lambda x: np.where(x < 0, 0.1, 1.0),
    ),
    (
        sg.LeakyRelu,
        dict(alpha=0.02, beta=0.7),
        sg.leaky_relu,
        lambda x: np.where(x < 0, 0.02, 0.7),
    ),
]
IDS = [f"{c[0].__name__}-{'-'.join(map(str, c[1].values()))}" for c in CASES]
CLASSES = sorted({c[0] for c in CASES}, key=lambda c: c.__name__)

parametrize = pytest.mark.parametrize("cls, kw, fn, formula", CASES, ids=IDS)
# the compile-heavy tests run once per class, with its first hyperparameter set
parametrize_one = pytest.mark.parametrize(
    "cls, kw, fn, formula", CASES[::2], ids=IDS[::2]
)


def _close(a, b):
    np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-5, atol=1e-6)


@parametrize
def test_forward_is_heaviside(cls, kw, fn, formula):
    spk = cls(**kw)
    out = spk(jnp.asarray(POINTS))
    assert out.dtype == jnp.float32
    assert out.tolist() == [0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 1.0]
    assert float(spk(0.0)) == 1.0
    assert float(spk(-1e-7)) == 0.0
    _close(fn(jnp.asarray(POINTS), **kw), out)


@parametrize
def test_surrogate_grad_matches_formula(cls, kw, fn, formula):
    spk = cls(**kw)
    expected = formula(POINTS.astype(np.float64))
    _close(spk.surrogate_grad(jnp.asarray(POINTS)), expected)
    at_zero = formula(np.float64(0.0))
    _close(jax.grad(spk)(jnp.float32(0.0)), at_zero)
    _close(jax.grad(spk)(0.0), at_zero)  # a Python float input
    _close(jax.vmap(jax.grad(spk))(jnp.asarray(POINTS)), expected)
    # the functional form differentiates the same way
    _close(jax.vmap(jax.grad(lambda x: fn(x, **kw)))(jnp.asarray(POINTS)), expected)


@parametrize_one
def test_grad_under_jit_and_vmap(cls, kw, fn, formula):
    spk = cls(**kw)
    x = jnp.asarray(POINTS)
    expected = formula(POINTS.astype(np.float64))
    _close(jax.jit(jax.vmap(jax.grad(spk)))(x), expected)
    _close(jax.vmap(jax.jit(jax.grad(spk)))(x), expected)
    # gradient of a sum = elementwise derivative; jacrev gives the diagonal
    _close(jax.jit(jax.grad(lambda v: spk(v).sum()))(x), expected)

    @jax.jit
    def jacobians(v):
        return jax.jacrev(spk)(v), jax.jacfwd(spk)(v)

    rev, fwd = jacobians(x)
    _close(rev, np.diag(expected))
    _close(fwd, np.diag(expected))


@parametrize_one
def test_inside_scan(cls, kw, fn, formula):
    spk = cls(**kw)
    xs = jnp.asarray(POINTS)

    def loss(scale):
        def step(total, x):
            s = spk(scale * x)
            return total + s, s

        total, spikes = jax.lax.scan(step, jnp.float32(0.0), xs)
        return total, spikes

    (total, spikes), g = jax.jit(jax.value_and_grad(loss, has_aux=True))(
        jnp.float32(1.0)
    )
    assert spikes.tolist() == [0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 1.0]
    assert float(total) == 4.0
    # d/dscale sum_t H(scale x_t) = sum_t g'(x_t) x_t at scale = 1
    expected = float(np.sum(formula(POINTS.astype(np.float64)) * POINTS))
    assert abs(float(g) - expected) < 1e-5


@pytest.mark.parametrize("cls", CLASSES)
def test_repr_lists_hyperparameters(cls):
    spk = cls()
    fields = [
        f"{f.name}={getattr(spk, f.name)!r}" for f in dataclasses.fields(spk) if f.repr
    ]
    assert fields  # every surrogate has at least one hyperparameter
    assert repr(spk) == f"{cls.__name__}({', '.join(fields)})"


def test_repr_examples():
    assert repr(sg.ReluGrad()) == "ReluGrad(alpha=0.3, width=1.0)"
    assert repr(sg.Sigmoid()) == "Sigmoid(alpha=4.0)"
    assert repr(sg.GaussianGrad()) == "GaussianGrad(sigma=0.5, alpha=0.5)"
    assert repr(sg.LeakyRelu(alpha=1)) == "LeakyRelu(alpha=1.0, beta=1.0)"


def test_hyperparameters_are_float_leaves():
    spk = sg.ReluGrad(alpha=1, width=2)
    assert spk.alpha == 1.0 and isinstance(spk.alpha, float)
    assert jax.tree.leaves(spk) == [1.0, 2.0]
    assert spk == sg.ReluGrad(1.0, 2.0)
    assert spk != sg.ReluGrad(1.0, 3.0)
    assert hash(spk) == hash(sg.ReluGrad(1.0, 2.0))


def test_module_passes_through_filter_jit():
    @eqx.filter_jit
    def spikes_and_grads(spk, x):
        return spk(x), jax.vmap(jax.grad(spk))(x)

    x = jnp.asarray(POINTS)
    s, g = spikes_and_grads(sg.ReluGrad(alpha=1.0, width=0.5), x)
    assert s.tolist() == [0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 1.0]
    _close(g, np.maximum(0.5 - np.abs(POINTS), 0.0))


@pytest.mark.parametrize("dtype", [jnp.bfloat16, jnp.float32])
def test_dtype_is_preserved(dtype):
    x = jnp.asarray(POINTS, dtype=dtype)
    spk = sg.Arctan()
    assert spk(x).dtype == dtype
    assert spk.surrogate_grad(x).dtype == dtype
    assert jax.vmap(jax.grad(spk))(x).dtype == dtype
    assert sg.LeakyRelu().surrogate_grad(x).dtype == dtype


def test_integer_and_bool_inputs_become_float():
    out = sg.Sigmoid()(jnp.array([-2, 0, 3]))
    assert out.dtype == jnp.float32 and out.tolist() == [0.0, 1.0, 1.0]
    assert sg.ReluGrad()(np.array([True, False])).tolist() == [1.0, 1.0]


def test_dimensionless_quantity_inputs():
    spk = sg.ReluGrad()
    V = jnp.array([0.2, 0.9, 1.0, 1.4]) * u.mV
    V_th, V_reset = 1.0 * u.mV, 0.0 * u.mV
    x = (V - V_th) / (V_th - V_reset)  # brainunit 0.5.2: a plain array
    assert spk(x).tolist() == [0.0, 0.0, 1.0, 1.0]
    # an explicit unitless Quantity, and a scaled one (mV / V)
    assert spk(u.Quantity(jnp.array([-0.5, 0.5]))).tolist() == [0.0, 1.0]
    scaled = u.Quantity(jnp.array([-500.0, 800.0]), unit=u.mV / u.volt)
    assert spk(scaled).tolist() == [0.0, 1.0]
    _close(spk.surrogate_grad(scaled), [0.15, 0.06])  # at x = -0.5 and 0.8

    def loss(v):
        return spk((v - V_th) / (V_th - V_reset)).sum()

    g = jax.grad(loss)(V)
    expected = 0.3 * np.maximum(1.0 - np.abs(np.array([-0.8, -0.1, 0.0, 0.4])), 0)
    _close(u.get_mantissa(g), expected)


def test_quantity_with_units_is_rejected():
    with pytest.raises(TypeError, match="(?s)dimensionless input.*in.mV"):
        sg.Sigmoid()(jnp.array([1.0]) * u.mV)


@pytest.mark.parametrize(
    "make, name",
    [
        (lambda: sg.ReluGrad(width=0.0), "width"),
        (lambda: sg.GaussianGrad(sigma=-1.0), "sigma"),
        (lambda: sg.PiecewiseQuadratic(alpha=0.0), "alpha"),
    ],
)
def test_invalid_hyperparameters(make, name):
    with pytest.raises(ValueError, match=f"`{name}` must be positive"):
        make()


def test_all_public_names_exported():
    expected = {
        "AbstractSurrogate",
        "Sigmoid",
        "ReluGrad",
        "Arctan",
        "GaussianGrad",
        "SoftSign",
        "ERF",
        "PiecewiseQuadratic",
        "LeakyRelu",
        "sigmoid",
        "relu_grad",
        "arctan",
        "gaussian_grad",
        "soft_sign",
        "erf",
        "piecewise_quadratic",
        "leaky_relu",
    }
    assert expected <= set(dir(sg))
    for cls in CLASSES:
        assert issubclass(cls, sg.AbstractSurrogate)


# -- hyperparameters as arrays and traced values ------------------------------

X7 = jnp.linspace(-1.5, 1.5, 7)


def test_hyperparameter_can_be_differentiated_and_traced():
    # braintools 0.3.0: grad wrt alpha of sigmoid(X7, alpha).sum() at alpha=2
    g = jax.grad(lambda a: sg.sigmoid(X7, a).sum())(2.0)
    assert abs(float(g) - 0.19664943) < 1e-6
    slope = jax.jit(lambda a: jax.grad(lambda v: sg.sigmoid(v, a).sum())(X7))(3.0)
    # braintools 0.3.0's values
    _close(
        slope,
        [0.03259869, 0.13552998, 0.4474394, 0.75, 0.4474394, 0.13552997, 0.03259864],
    )


def test_hyperparameter_per_neuron_and_vmapped():
    spk = sg.Sigmoid(alpha=jnp.array([1.0, 2.0, 3.0, 4.0, 5.0]))
    assert repr(spk) == "Sigmoid(alpha=float32[5])"
    assert spk(X7[:5]).tolist() == [0.0, 0.0, 0.0, 1.0, 1.0]
    g = jax.grad(lambda v: spk(v).sum())(X7[:5])
    _close(g, [0.14914647, 0.20998716, 0.4474394, 1.0, 0.35051855])  # braintools 0.3.0
    slopes = jax.vmap(lambda a: jax.grad(lambda v: sg.sigmoid(v, a).sum())(X7))(
        jnp.array([1.0, 2.0])
    )
    # braintools 0.3.0's values
    _close(
        slopes[0],
        [0.14914647, 0.19661194, 0.23500371, 0.25, 0.23500371, 0.19661193, 0.14914647],
    )
    _close(
        slopes[1],
        [0.09035332, 0.20998716, 0.39322388, 0.5, 0.39322385, 0.20998725, 0.09035331],
    )


def test_hyperparameter_trained_as_a_param_state():
    import eqstate

    alpha = eqstate.ParamState(jnp.array(2.0))
    loss = lambda: sg.Sigmoid(alpha.value)(X7).sum()  # noqa: E731
    g = eqstate.transform.grad(loss, grad_states={"alpha": alpha})()
    assert abs(float(g["alpha"]) - 0.19664943) < 1e-6  # braintools 0.3.0


def test_traced_hyperparameter_skips_the_positivity_check_and_arrays_are_checked():
    g = jax.jit(jax.grad(lambda a: sg.piecewise_quadratic(X7, a).sum()))(1.0)
    assert float(g) == -1.0  # braintools 0.3.0
    with pytest.raises(ValueError, match="`width` must be positive"):
        sg.ReluGrad(width=jnp.array([1.0, 0.0]))


def test_q_pseudo_spike_function_with_a_traced_alpha():
    fun = jax.jit(lambda a: sg.QPseudoSpike(a).surrogate_fun(X7))
    # braintools 0.3.0's values; alpha = 1 takes the logarithmic form
    _close(
        fun(1.0),
        [-0.41629076, -0.19314718, 0.0945349, 0.5, 0.9054651, 1.1931472, 1.4162908],
    )
    _close(fun(2.0), [-0.25, -0.1, 0.125, 0.5, 0.875, 1.1, 1.25])


# braintools 0.3.0: d/dh of sum(grad_x spike(X7)) for each hyperparameter h at
# its default value (the Fourier order `n` is a Python int, as in braintools).
HYPER_GRADS = [
    ("Sigmoid", {"alpha": 0.0147253}),
    ("ReluGrad", {"alpha": 2.0, "width": 1.2}),
    ("Arctan", {"alpha": 0.418474}),
    ("GaussianGrad", {"sigma": -0.008174, "alpha": 1.999459}),
    ("SoftSign", {"alpha": 0.616148}),
    ("ERF", {"alpha": 0.172217}),
    ("PiecewiseQuadratic", {"alpha": -1.0}),
    ("LeakyRelu", {"alpha": 3.0, "beta": 4.0}),
    ("PiecewiseExp", {"alpha": 0.6917}),
    ("NonzeroSignLog", {"alpha": 2.708889}),
    ("PiecewiseLeakyRelu", {"c": 2.0, "w": -2.5}),
    ("SquarewaveFourierSeries", {"t_period": 0.178835}),
    ("S2NN", {"alpha": -0.117637, "beta": 2.566667, "epsilon": 0.0}),
    ("QPseudoSpike", {"alpha": -0.491844}),
    ("LogTailedRelu", {"alpha": 4.0}),
    (
        "MultiGaussianGrad",
        {"h": 0.129029, "s": 0.01897, "sigma": 0.224722, "scale": 2.038168},
    ),
    ("InvSquareGrad", {"alpha": -2.07022e-05}),
    ("SlayerGrad", {"alpha": -2.01168}),
]


@pytest.mark.parametrize("name, expected", HYPER_GRADS, ids=[c[0] for c in HYPER_GRADS])
def test_every_hyperparameter_is_differentiable(name, expected):
    cls = getattr(sg, name)
    for hyper, want in expected.items():

        def total_slope(v, hyper=hyper):
            spk = cls(**{hyper: v})
            return jax.grad(lambda x: spk(x).sum())(X7).sum()

        got = jax.grad(total_slope)(getattr(cls(), hyper))
        np.testing.assert_allclose(
            float(got), want, rtol=1e-4, atol=2e-6, err_msg=hyper
        )


# -- higher derivatives: the slope is a constant (braintools' rule) ------------


@pytest.mark.parametrize("name", [c[0] for c in HYPER_GRADS])
def test_second_derivative_in_x_is_zero(name):
    spk = getattr(sg, name)()
    assert (
        jax.vmap(jax.grad(jax.grad(spk)))(X7).tolist() == [0.0] * 7
    )  # braintools 0.3.0


def test_hessian_through_a_spike_matches_braintools():
    w = jnp.array([0.3, -0.2, 0.5])
    h = jax.hessian(lambda w: (sg.sigmoid(X7[:3] * w) * w).sum())(w)
    # braintools 0.3.0: the slope at a constant x, and the step's value has
    # zero derivative, so d2/dw2 is x * slope(x w) (once, not twice)
    _close(h, np.diag([-0.730376, -0.8556388, -0.39322382]))
    g2 = jax.grad(jax.grad(lambda w: sg.sigmoid(w) * w))(0.3)
    assert abs(float(g2) - 0.71157765) < 1e-6  # braintools 0.3.0 (= the slope at 0.3)


# -- braintools-style subclasses ----------------------------------------------


class _Tanh(sg.Surrogate):  # braintools' docstring example, unchanged
    def __init__(self, alpha=1.0):
        super().__init__()
        self.alpha = alpha

    def surrogate_grad(self, x):
        return self.alpha * 0.5 * (1 - jnp.tanh(x * self.alpha) ** 2)


def test_braintools_style_subclass():
    spk = _Tanh(2.0)
    assert repr(spk) == "_Tanh(alpha=2.0)"
    assert spk(X7).tolist() == [0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 1.0]
    # braintools 0.3.0's values
    _close(
        jax.vmap(jax.grad(spk))(X7),
        [0.00986612, 0.07065082, 0.41997433, 1.0, 0.41997433, 0.07065082, 0.00986612],
    )
    assert jax.tree.leaves(spk) == [2.0]
    assert spk == _Tanh(2.0) and spk != _Tanh(3.0) and hash(spk) == hash(_Tanh(2.0))
    g = jax.grad(lambda s: jax.grad(s)(0.0))(spk)  # alpha is a leaf
    assert float(g.alpha) == 0.5
    assert float(eqx.filter_jit(lambda s, x: s(x))(spk, 0.5)) == 1.0
    assert eqx.tree_at(lambda s: s.alpha, spk, 3.0).alpha == 3.0
    with pytest.raises(
        dataclasses.FrozenInstanceError, match=r"(?s)_Tanh\.alpha.*tree_at"
    ):
        spk.alpha = 3.0
    with pytest.raises(dataclasses.FrozenInstanceError, match="_Tanh.beta"):
        spk.beta = 3.0
    with pytest.raises(AttributeError, match="no attribute 'beta'"):
        spk.beta  # noqa: B018
