"""Seed 003 (automatic differentiation), run with `import eqstate as brainstate`."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import eqstate as brainstate
from eqstate.transform import (
    GradientTransform,
    StateFinder,
    grad,
    hessian,
    jacfwd,
    jacobian,
    jacrev,
    vector_grad,
)


class LinearRegressor(brainstate.nn.Module):
    def __init__(self, in_features: int, out_features: int = 1):
        super().__init__()
        self.weight = brainstate.ParamState(jnp.zeros((in_features, out_features)))
        self.bias = brainstate.ParamState(jnp.zeros((out_features,)))

    def __call__(self, x):
        return x @ self.weight.value + self.bias.value


xs = jnp.linspace(-1.0, 1.0, 5).reshape(-1, 1)
y_true = 3.0 * xs + 1.0


def test_argnums():
    def loss_fn(x, y, scale):
        return scale * jnp.sum((x - y) ** 2)

    x = jnp.array([1.0, 2.0, 3.0])
    y = jnp.array([0.5, 1.5, 2.5])
    assert grad(loss_fn, argnums=0)(x, y, 2.0).tolist() == [2.0, 2.0, 2.0]
    gx, gy = grad(loss_fn, argnums=[0, 1])(x, y, 2.0)
    assert gx.tolist() == [2.0, 2.0, 2.0] and gy.tolist() == [-2.0, -2.0, -2.0]


def test_grad_states_dict_keys_and_values():
    model = LinearRegressor(1)

    def mse_loss(x, target):
        return jnp.mean((model(x) - target) ** 2)

    param_grads, loss_value = grad(
        mse_loss, grad_states=model.states(brainstate.ParamState), return_value=True
    )(xs, y_true)
    assert f"{float(loss_value):.4f}" == "5.5000"
    assert list(param_grads) == [("bias",), ("weight",)]
    assert param_grads[("bias",)].tolist() == [-2.0]
    assert param_grads[("weight",)].tolist() == [[-3.0]]


def test_states_vs_treefy_states():
    model = LinearRegressor(1)
    m1 = model.states(brainstate.ParamState)
    m2 = brainstate.graph.treefy_states(model, brainstate.ParamState)
    assert set(m1.keys()) == set(m2.to_flat().keys())
    assert [s.value.shape for s in m2.to_flat().values()] == [(1,), (1, 1)]


def test_state_finder_and_grad():
    scale = brainstate.ParamState(jnp.array(1.5), name="scale")
    offset = brainstate.ParamState(jnp.array(-0.2), name="offset")
    cache = brainstate.State(jnp.array(0.0), name="cache")

    def energy(x):
        shifted = x * scale.value + offset.value
        scale.value = scale.value + 0.0
        cache.value = jnp.sum(shifted)
        return jnp.sum(jnp.square(shifted))

    finder = StateFinder(
        energy, filter=brainstate.ParamState, usage="all", return_type="dict"
    )
    found = finder(jnp.ones((2,)))
    assert {k: s.name for k, s in found.items()} == {0: "scale", 1: "offset"}
    assert float(cache.value) == 0.0  # finding does not run the function

    state_grads, value = grad(energy, grad_states=found, return_value=True)(
        jnp.array([1.0, 3.0])
    )
    assert f"{float(value):.4f}" == "20.1800"
    assert state_grads[0] == pytest.approx(28.4, rel=1e-6)
    assert state_grads[1] == pytest.approx(11.2, rel=1e-6)
    assert float(cache.value) == pytest.approx(5.6)  # the write was kept


def test_grad_regular_state_list():
    regular = brainstate.State(jnp.array(2.0), name="regular_state")
    g = grad(lambda x: jnp.sum((x * regular.value) ** 2), grad_states=[regular])(
        jnp.array([1.0, 2.0, 3.0])
    )
    assert isinstance(g, list) and float(g[0]) == 56.0


def test_states_and_argnums():
    reg_model = LinearRegressor(1)

    def penalized_loss(l2_coeff, inputs, target):
        mse = jnp.mean((reg_model(inputs) - target) ** 2)
        l2 = jnp.sum(reg_model.weight.value**2) + jnp.sum(reg_model.bias.value**2)
        return mse + l2_coeff * l2

    (state_grads, coeff_grad), loss_val = grad(
        penalized_loss,
        grad_states=reg_model.states(brainstate.ParamState),
        argnums=0,
        return_value=True,
    )(0.5, xs, y_true)
    assert f"{float(loss_val):.4f}" == "5.5000"
    assert float(coeff_grad) == 0.0
    assert state_grads[("weight",)].tolist() == [[-3.0]]


@pytest.mark.parametrize("has_aux", [False, True])
@pytest.mark.parametrize("return_value", [False, True])
@pytest.mark.parametrize("which", ["none", "states", "both"])
def test_return_structure_table(which, has_aux, return_value):
    w = brainstate.ParamState(jnp.array(3.0))

    def f(x):
        value = w.value * x**2
        return (value, {"aux": x}) if has_aux else value

    kwargs = dict(has_aux=has_aux, return_value=return_value)
    if which == "none":
        result = grad(f, **kwargs)(2.0)
        expected = 12.0  # d/dx
    elif which == "states":
        result = grad(f, grad_states={"w": w}, **kwargs)(2.0)
        expected = {"w": 4.0}
    else:
        result = grad(f, grad_states={"w": w}, argnums=0, **kwargs)(2.0)
        expected = ({"w": 4.0}, 12.0)
    if has_aux and return_value:
        grads, value, aux = result
        assert float(value) == 12.0 and float(aux["aux"]) == 2.0
    elif return_value:
        grads, value = result
        assert float(value) == 12.0
    elif has_aux:
        grads, aux = result
        assert float(aux["aux"]) == 2.0
    else:
        grads = result
    assert jax.tree.map(float, grads) == expected


def test_complete_example_aux_metrics():
    example_model = LinearRegressor(1)

    def loss_with_metrics(l2_coeff, x, target):
        pred = example_model(x)
        mse = jnp.mean((pred - target) ** 2)
        l2 = jnp.sum(example_model.weight.value**2)
        metrics = {"mae": jnp.mean(jnp.abs(pred - target)), "mse": mse, "l2": l2}
        return mse + l2_coeff * l2, metrics

    (state_grads, coeff_grad), loss_val, aux = grad(
        loss_with_metrics,
        grad_states=example_model.states(brainstate.ParamState),
        argnums=0,
        has_aux=True,
        return_value=True,
    )(0.3, xs, y_true)
    assert f"{float(loss_val):.4f}" == "5.5000"
    assert {k: round(float(v), 4) for k, v in aux.items()} == {
        "l2": 0.0,
        "mae": 2.0,
        "mse": 5.5,
    }


def test_vector_grad_jacobians_hessian():
    def vector_fun(x):
        return jnp.array([x[0] * x[1], jnp.sin(x[0]), x[0] ** 2 + x[1] ** 2])

    x0 = jnp.array([1.0, 2.0])
    np.testing.assert_allclose(vector_grad(vector_fun)(x0), [4.5403023, 5.0], rtol=1e-6)

    def multi_output(x):
        return jnp.array([x[0] * x[1], jnp.sin(x[0]), jnp.exp(x[1])])

    rev, fwd, alias = (
        jacrev(multi_output)(x0),
        jacfwd(multi_output)(x0),
        jacobian(multi_output)(x0),
    )
    np.testing.assert_allclose(
        rev, [[2.0, 1.0], [0.5403023, 0.0], [0.0, 7.389056]], rtol=1e-6
    )
    assert jnp.allclose(rev, fwd) and jnp.allclose(rev, alias)
    assert jnp.allclose(hessian(lambda x: jnp.dot(x, x))(x0), 2 * jnp.eye(2))


def test_jacrev_wrt_states_shapes():
    jac_model = LinearRegressor(2)
    jac = jacrev(
        lambda x: jac_model(x), grad_states=jac_model.states(brainstate.ParamState)
    )(jnp.array([1.0, 2.0]))
    assert {k: v.shape for k, v in jac.items()} == {
        ("bias",): (1, 1),
        ("weight",): (1, 2, 1),
    }


def _scaled_grad_transform(fun, *, argnums, has_aux, scale):
    base = jax.grad(fun, argnums=argnums, has_aux=True)

    def wrapped(*args, **kwargs):
        grads, aux = base(*args, **kwargs)
        return jax.tree.map(lambda g: scale * g, grads), aux

    return wrapped


def _clipped_grad_transform(fun, *, argnums, has_aux, max_norm):
    base = jax.grad(fun, argnums=argnums, has_aux=True)

    def wrapped(*args, **kwargs):
        grads, aux = base(*args, **kwargs)
        norm = jnp.sqrt(sum(jnp.sum(jnp.square(g)) for g in jax.tree.leaves(grads)))
        factor = jnp.minimum(1.0, max_norm / (norm + 1e-6))
        return jax.tree.map(lambda g: factor * g, grads), aux

    return wrapped


def test_custom_gradient_transforms():
    model = LinearRegressor(1)

    def custom_loss(x, target):
        return jnp.mean((model(x) - target) ** 2)

    params = model.states(brainstate.ParamState)
    scaled = GradientTransform(
        custom_loss,
        transform=_scaled_grad_transform,
        grad_states=params,
        transform_params={"scale": 0.5},
    )(xs, y_true)
    assert scaled[("bias",)].tolist() == [-1.0] and scaled[("weight",)].tolist() == [
        [-1.5]
    ]
    clipped = GradientTransform(
        custom_loss,
        transform=_clipped_grad_transform,
        grad_states=params,
        transform_params={"max_norm": 0.1},
    )(xs, y_true)
    np.testing.assert_allclose(clipped[("bias",)], [-0.05547], rtol=1e-4)
    np.testing.assert_allclose(clipped[("weight",)], [[-0.08320501]], rtol=1e-4)


def test_training_loop_with_jitted_loss():
    model = LinearRegressor(1)
    x_train = jnp.linspace(-1.0, 1.0, 20).reshape(-1, 1)
    brainstate.random.seed(3)  # the noise, whatever ran before in this process
    noise = 0.1 * brainstate.random.normal(size=x_train.shape)
    y_train = 3.0 * x_train + 1.0 + noise

    @brainstate.transform.jit
    def training_loss(x, y):
        pred = model(x)
        mse = jnp.mean((pred - y) ** 2)
        l2 = 0.01 * (jnp.sum(model.weight.value**2) + jnp.sum(model.bias.value**2))
        return mse + l2, {"mse": mse, "l2": l2}

    loss_grad_fn = grad(
        training_loss,
        grad_states=model.states(brainstate.ParamState),
        has_aux=True,
        return_value=True,
    )
    losses = []
    for _ in range(50):
        grads, loss_val, aux = loss_grad_fn(x_train, y_train)
        for path, state in model.states(brainstate.ParamState).items():
            state.value = state.value - 0.1 * grads[path]
        losses.append(float(loss_val))
    assert losses[9] == pytest.approx(0.95, abs=0.05)
    assert losses[-1] < 0.13
    assert float(model.weight.value[0, 0]) == pytest.approx(2.93, abs=0.05)
    # the bias converges to the mean of the targets (noise included)
    assert float(model.bias.value[0]) == pytest.approx(
        1.0 + float(noise.mean()), abs=0.03
    )
