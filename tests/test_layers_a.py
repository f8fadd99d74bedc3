"""Dense, conv, pooling, normalization and dropout layers: agreement with
equinox on the same weights, gradients, training-mode behaviour and errors."""

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import eqstate
from eqstate import nn

KEY = jax.random.PRNGKey(0)


def _x(*shape, seed=1):
    return jax.random.normal(jax.random.PRNGKey(seed), shape)


def _close(a, b, tol=1e-5):
    np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=tol, atol=tol)


# ---------------------------------------------------------------- equinox


def _eqx_linear():
    ours = nn.Linear(4, 3, b_init=eqstate.init.Normal())
    p = ours.weight.value
    theirs = eqx.nn.Linear(4, 3, key=KEY)
    theirs = eqx.tree_at(
        lambda m: (m.weight, m.bias), theirs, (p["weight"].T, p["bias"])
    )
    x = _x(5, 4)
    return ours(x), jax.vmap(theirs)(x)


def _eqx_conv(transpose: bool):
    cls = nn.ConvTranspose2d if transpose else nn.Conv2d
    kw = {"stride": 2} if transpose else {"stride": 2, "padding": 1}
    ours = cls((6, 6, 3), 4, 3, b_init=eqstate.init.Normal(), **kw)
    p = ours.weight.value
    if transpose:
        theirs = eqx.nn.ConvTranspose2d(3, 4, 3, stride=2, padding="SAME", key=KEY)
        # equinox stores the forward conv's kernel: ours, spatially flipped
        kernel = jnp.flip(jnp.transpose(p["weight"], (2, 3, 0, 1)), (2, 3))
    else:
        theirs = eqx.nn.Conv2d(3, 4, 3, stride=2, padding=1, key=KEY)
        kernel = jnp.transpose(p["weight"], (3, 2, 0, 1))
    bias = p["bias"].reshape(4, 1, 1)
    theirs = eqx.tree_at(lambda m: (m.weight, m.bias), theirs, (kernel, bias))
    x = _x(2, 6, 6, 3)
    y = jax.vmap(theirs)(jnp.transpose(x, (0, 3, 1, 2)))
    return ours(x), jnp.transpose(y, (0, 2, 3, 1))


def _eqx_pool(kind: str):
    ours = {"max": nn.MaxPool2d(2, 1), "avg": nn.AvgPool2d(2, 1)}[kind]
    theirs = {"max": eqx.nn.MaxPool2d(2, 1), "avg": eqx.nn.AvgPool2d(2, 1)}[kind]
    x = _x(2, 5, 5, 3)
    y = jax.vmap(theirs)(jnp.transpose(x, (0, 3, 1, 2)))
    return ours(x), jnp.transpose(y, (0, 2, 3, 1))


def _eqx_batchnorm():
    ours = nn.BatchNorm1d((5, 3), momentum=0.9)
    theirs, state = eqx.nn.make_with_state(eqx.nn.BatchNorm)(
        3, "batch", eps=1e-5, mode="batch"
    )
    x = _x(8, 5, 3)
    with eqstate.environ.context(fit=True):
        y = ours(x)
    # equinox normalises over the batch axis only; flatten length into the batch
    flat = x.reshape(-1, 3)
    z, _ = jax.vmap(theirs, axis_name="batch", in_axes=(0, None), out_axes=(0, None))(
        flat, state
    )
    return y, z.reshape(x.shape)


def _eqx_layernorm():
    ours = nn.LayerNorm(6, epsilon=1e-5, bias_init=eqstate.init.Normal())
    theirs = eqx.nn.LayerNorm(6, eps=1e-5)
    p = ours.weight.value
    theirs = eqx.tree_at(lambda m: (m.weight, m.bias), theirs, (p["scale"], p["bias"]))
    x = _x(4, 6)
    return ours(x), jax.vmap(theirs)(x)


def _eqx_rmsnorm():
    ours = nn.RMSNorm(6, epsilon=1e-5, scale_init=eqstate.init.Normal())
    theirs = eqx.nn.RMSNorm(6, eps=1e-5, use_bias=False)
    theirs = eqx.tree_at(lambda m: m.weight, theirs, ours.scale.value["scale"])
    x = _x(4, 6)
    return ours(x), jax.vmap(theirs)(x)


def _eqx_groupnorm():
    ours = nn.GroupNorm(6, num_groups=3, epsilon=1e-5)
    theirs = eqx.nn.GroupNorm(3, 6, eps=1e-5)
    x = _x(2, 5, 6)
    y = jax.vmap(theirs)(jnp.transpose(x, (0, 2, 1)))
    return ours(x), jnp.transpose(y, (0, 2, 1))


def _eqx_embedding():
    ours = nn.Embedding(10, 4)
    theirs = eqx.nn.Embedding(weight=ours.weight.value)
    idx = jnp.array([3, 0, 9])
    return ours(idx), jax.vmap(theirs)(idx)


def _eqx_dropout():
    x = _x(3, 4)
    with eqstate.environ.context(fit=False):
        ours = nn.Dropout(0.5)(x)
    return ours, eqx.nn.Dropout(0.5, inference=True)(x)


EQX = {
    "Linear": _eqx_linear,
    "Conv": lambda: _eqx_conv(False),
    "ConvTranspose": lambda: _eqx_conv(True),
    "MaxPool": lambda: _eqx_pool("max"),
    "AvgPool": lambda: _eqx_pool("avg"),
    "BatchNorm": _eqx_batchnorm,
    "LayerNorm": _eqx_layernorm,
    "RMSNorm": _eqx_rmsnorm,
    "GroupNorm": _eqx_groupnorm,
    "Embedding": _eqx_embedding,
    "Dropout": _eqx_dropout,
}


@pytest.mark.parametrize("name", list(EQX))
def test_agrees_with_equinox(name):
    ours, theirs = EQX[name]()
    assert ours.shape == theirs.shape
    _close(ours, theirs, 1e-4)


# ---------------------------------------------------------------- gradients

GRAD_CASES = {
    "Linear": (lambda: nn.Linear(4, 3), (5, 4)),
    "ScaledWSLinear": (lambda: nn.ScaledWSLinear(4, 3), (5, 4)),
    "SignedWLinear": (lambda: nn.SignedWLinear(4, 3), (5, 4)),
    "AllToAll": (lambda: nn.AllToAll(4, 4, include_self=False, b_init=0.1), (2, 4)),
    "OneToOne": (lambda: nn.OneToOne(4, b_init=0.1), (2, 4)),
    "LoRA": (lambda: nn.LoRA(4, 2, 3, base_module=nn.Linear(4, 3)), (2, 4)),
    "Conv2d": (lambda: nn.Conv2d((5, 5, 2), 3, 3, stride=2), (2, 5, 5, 2)),
    "ConvTranspose2d": (
        lambda: nn.ConvTranspose2d((3, 3, 2), 2, 3, stride=2),
        (2, 3, 3, 2),
    ),
    "ScaledWSConv2d": (lambda: nn.ScaledWSConv2d((4, 4, 2), 3, 3), (2, 4, 4, 2)),
    "BatchNorm2d": (lambda: nn.BatchNorm2d((3, 3, 2)), (4, 3, 3, 2)),
    "LayerNorm": (lambda: nn.LayerNorm(5), (3, 5)),
    "RMSNorm": (lambda: nn.RMSNorm(5), (3, 5)),
    "GroupNorm": (lambda: nn.GroupNorm(4, num_groups=2), (3, 4)),
    "Conv1d": (
        lambda: nn.Conv1d((6, 2), 3, 3, b_init=eqstate.init.ZeroInit()),
        (2, 6, 2),
    ),
    "Conv3d": (lambda: nn.Conv3d((3, 3, 3, 1), 2, 2), (1, 3, 3, 3, 1)),
    "ConvTranspose1d": (lambda: nn.ConvTranspose1d((4, 2), 2, 3, stride=2), (2, 4, 2)),
    "BatchNorm1d": (lambda: nn.BatchNorm1d((4, 3), affine=True), (5, 4, 3)),
    "PReLU": (lambda: nn.PReLU(), (3, 4)),
    "Linear_masked": (
        lambda: nn.Linear(4, 3, w_mask=jnp.tril(jnp.ones((4, 3)))),
        (2, 4),
    ),
}


@pytest.mark.parametrize("name", list(GRAD_CASES))
def test_grad_matches_functional_jax(name):
    make, shape = GRAD_CASES[name]
    layer = make()
    x = _x(*shape)
    params = layer.states(eqstate.ParamState)

    def loss():
        return jnp.sum(jnp.sin(layer(x)))

    with eqstate.environ.context(fit=False):
        grads = eqstate.transform.jit(
            eqstate.transform.grad(loss, grad_states=params)
        )()
        # the same computation, functionally: the module is a pytree whose
        # leaves are the State values, so jax.grad differentiates a copy
        model_grads = jax.jit(jax.grad(lambda m: jnp.sum(jnp.sin(m(x)))))(layer)
    expected = model_grads.states(eqstate.ParamState)
    assert grads and set(grads) == set(expected)
    for path, g in grads.items():
        for a, b in zip(jax.tree.leaves(g), jax.tree.leaves(expected[path].value)):
            assert bool(jnp.isfinite(a).all())
            _close(a, b)


def test_linear_grad_matches_handwritten_jax():
    w, b = _x(4, 3, seed=2), _x(3, seed=3)
    layer = nn.Linear(4, 3, w_init=w, b_init=b)
    x = _x(5, 4)
    grads = eqstate.transform.grad(
        lambda: jnp.mean(layer(x) ** 2), grad_states=layer.weight
    )()
    expected = jax.grad(lambda p: jnp.mean((x @ p["weight"] + p["bias"]) ** 2))(
        {"weight": w, "bias": b}
    )
    _close(grads["weight"], expected["weight"])
    _close(grads["bias"], expected["bias"])


def test_conv2d_grad_matches_handwritten_jax():
    layer = nn.Conv2d((5, 5, 2), 3, 3, b_init=0.1)
    w = layer.weight.value["weight"]
    x = _x(2, 5, 5, 2)

    def f(w):
        y = jax.lax.conv_general_dilated(
            x, w, (1, 1), "SAME", dimension_numbers=("NHWC", "HWIO", "NHWC")
        )
        return jnp.sum(jnp.tanh(y + 0.1))

    grads = eqstate.transform.grad(
        lambda: jnp.sum(jnp.tanh(layer(x))), grad_states=layer.weight
    )()
    _close(grads["weight"], jax.grad(f)(w))


# ---------------------------------------------------------------- behaviour


def test_batchnorm_updates_running_stats_only_when_fitting():
    bn = nn.BatchNorm0d(3, momentum=0.5)
    x = _x(16, 3) * 2 + 1
    with eqstate.environ.context(fit=False):
        y = bn(x)
    _close(bn.running_mean.value, jnp.zeros((3,)))
    _close(y, x / jnp.sqrt(1 + 1e-5))
    with eqstate.environ.context(fit=True):
        bn(x)
    _close(bn.running_mean.value, 0.5 * x.mean(0))
    _close(bn.running_var.value, 0.5 + 0.5 * x.var(0), 1e-4)


def test_batchnorm_averages_over_named_vmap_axis():
    bn = nn.BatchNorm0d(3, axis_name="batch")
    x = _x(8, 3)

    @eqstate.transform.jit
    def step(x):
        return eqstate.transform.vmap(bn, axis_name="batch")(x)

    with eqstate.environ.context(fit=True):
        y = step(x)
    _close(y, (x - x.mean(0)) / jnp.sqrt(x.var(0) + 1e-5), 1e-4)
    _close(bn.running_mean.value, 0.01 * x.mean(0))


def test_batchnorm_in_jitted_train_step():
    bn = nn.BatchNorm2d((2, 2, 3))

    @eqstate.transform.jit
    def step(x):
        with eqstate.environ.context(fit=True):
            return bn(x)

    step(_x(4, 2, 2, 3))
    first = np.array(bn.running_mean.value)
    step(_x(4, 2, 2, 3, seed=5))
    assert not bool(jnp.allclose(first, bn.running_mean.value))


@pytest.mark.parametrize(
    "layer, shape",
    [
        (nn.Dropout(0.7), (64, 32)),
        (nn.Dropout1d(0.7), (8, 16, 32)),
        (nn.Dropout2d(0.7), (8, 4, 4, 32)),
        (nn.Dropout3d(0.7), (8, 2, 2, 2, 32)),
        (nn.AlphaDropout(0.7), (64, 32)),
        (nn.FeatureAlphaDropout(0.7), (64, 4, 32)),
    ],
    ids=lambda v: type(v).__name__ if isinstance(v, nn.Module) else "",
)
def test_dropout_trains_and_is_identity_in_eval(layer, shape):
    x = jnp.ones(shape)
    eqstate.random.seed(0)
    with eqstate.environ.context(fit=False):
        assert (layer(x) == x).all()
    step = eqstate.transform.jit(layer)
    with eqstate.environ.context(fit=True):
        a, b = step(x), step(x)
    assert a.shape == x.shape and not bool((a == b).all())  # fresh mask per call
    if isinstance(layer, (nn.AlphaDropout, nn.FeatureAlphaDropout)):
        assert len(np.unique(np.asarray(a))) == 2
    else:
        kept = float((a != 0).mean())
        assert 0.5 < kept < 0.9 and set(np.unique(np.asarray(a))) <= {
            0.0,
            np.float32(1 / 0.7),
        }


def test_dropout_fixed_mask_comes_from_init_state():
    drop = nn.DropoutFixed(5, prob=0.5)
    with eqstate.environ.context(fit=True):
        with pytest.raises(eqstate.nn.LayerError, match="call `layer.init_state"):
            drop(jnp.ones((2, 5)))
        nn.init_all_states(drop, 2)
        a = drop(jnp.ones((2, 5)))
        assert (a == drop(jnp.ones((2, 5)))).all()


def test_sizes_chain():
    layers = [
        nn.Conv2d((8, 8, 1), 4, 3),
        nn.MaxPool2d(2, in_size=(8, 8, 4)),
        nn.AvgPool2d(2, 2, in_size=(4, 4, 4)),
        nn.Flatten(in_size=(2, 2, 4)),
        nn.Linear(16, 3),
    ]
    for a, b in zip(layers, layers[1:]):
        assert a.out_size == b.in_size
    x = jnp.ones((2, 8, 8, 1))
    for layer in layers:
        x = layer(x)
    assert x.shape == (2, 3)


def test_linear_accepts_initializers_arrays_and_mask():
    mask = jnp.array([[1.0, 0.0], [0.0, 1.0]])
    layer = nn.Linear(2, 2, w_init=jnp.ones((2, 2)), b_init=None, w_mask=mask)
    assert list(layer.weight.value) == ["weight"]
    _close(layer(jnp.array([2.0, 3.0])), jnp.array([2.0, 3.0]))
    layer = nn.Linear((3, 4), (3, 2), w_init=eqstate.init.XavierNormal())
    assert layer.weight.value["weight"].shape == (4, 2)


@pytest.mark.parametrize(
    "build, message",
    [
        (lambda: nn.Linear((2, 3), (4, 5)), r"must agree on all but the last dim"),
        (lambda: nn.Conv2d((8, 8), 4, 3), r"in_size must have 3 entries"),
        (
            lambda: nn.Conv2d((8, 8, 3), 4, 3, groups=2),
            r"in_channels=3 is not divisible",
        ),
        (lambda: nn.Conv2d((8, 8, 3), 4, 3, padding="FULL"), r"'SAME' or 'VALID'"),
        (lambda: nn.MaxPool2d((2, 2, 2)), r"kernel_size must be"),
        (lambda: nn.GroupNorm(6, num_groups=4), r"does not divide the 6 channels"),
        (lambda: nn.Dropout(1.5), r"probability of keeping"),
        (lambda: nn.BatchNorm2d((4, 3)), r"in_size must have 3 entries"),
    ],
)
def test_misconfiguration_errors(build, message):
    with pytest.raises(eqstate.nn.LayerError, match=message):
        build()


def test_wrong_input_shape_errors():
    with pytest.raises(
        eqstate.nn.LayerError, match=r"expects inputs of shape \(8, 8, 3\)"
    ):
        nn.Conv2d((8, 8, 3), 4, 3)(jnp.ones((2, 8, 8, 5)))
    with pytest.raises(
        ValueError, match=r"BatchNorm1d expects inputs of shape \(4, 3\)"
    ):
        nn.BatchNorm1d((4, 3))(jnp.ones((2, 4, 2)))


def test_maxunpool_inverts_maxpool_indices():
    x = _x(2, 4, 4, 3)
    y, idx = nn.MaxPool2d(2, return_indices=True)(x)
    z = nn.MaxUnpool2d(2)(y, idx)
    assert z.shape == x.shape
    _close(jnp.sort(z[z != 0]), jnp.sort(y.ravel()))
    assert nn.MaxUnpool2d(2)(y, idx, output_size=(5, 5)).shape == (2, 5, 5, 3)


def test_embedding_padding_row_gets_no_gradient():
    table = nn.Embedding(5, 3, padding_idx=0)
    grads = eqstate.transform.grad(
        lambda: jnp.sum(table(jnp.array([0, 1, 1]))), grad_states=table.weight
    )()
    assert float(jnp.abs(grads[0]).sum()) == 0.0 and float(grads[1].sum()) == 6.0
