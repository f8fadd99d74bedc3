"""Seed 001 (transformations, the essentials), run with `import eqstate as brainstate`."""

import jax
import jax.numpy as jnp
import pytest

import eqstate as brainstate


class Counter(brainstate.nn.Module):
    def __init__(self):
        super().__init__()
        self.n = brainstate.State(jnp.array(0))

    def __call__(self):
        self.n.value += 1
        return self.n.value


class Linear(brainstate.nn.Module):
    def __init__(self, din, dout):
        super().__init__()
        self.w = brainstate.ParamState(brainstate.random.randn(din, dout) * 0.1)
        self.b = brainstate.ParamState(jnp.zeros(dout))

    def __call__(self, x):
        return x @ self.w.value + self.b.value


def test_raw_jax_jit_write_is_refused_not_lost():
    # brainstate silently returns [1, 1, 1, 1] here; eqstate refuses the lost write.
    broken = jax.jit(Counter())
    with pytest.raises(brainstate.TraceContextError, match=r"State 'Counter\.n'"):
        broken()


def test_state_aware_jit_counts():
    fast_counter = brainstate.transform.jit(Counter())
    assert [int(fast_counter()) for _ in range(4)] == [1, 2, 3, 4]


def test_linear_grad_vmap_and_composed_train_step():
    brainstate.random.seed(0)
    model = Linear(3, 1)
    x = brainstate.random.randn(64, 3)
    y = brainstate.random.randn(64, 1)
    forward = brainstate.transform.jit(model)
    assert forward(x).shape == (64, 1)

    params = model.states(brainstate.ParamState)

    def loss_fn():
        return jnp.mean((model(x) - y) ** 2)

    grads = brainstate.transform.grad(loss_fn, params)()
    assert {key: g.shape for key, g in grads.items()} == {("b",): (1,), ("w",): (3, 1)}

    grads, loss = brainstate.transform.grad(loss_fn, params, return_value=True)()
    for key in params:
        params[key].value -= 0.1 * grads[key]
    assert float(loss_fn()) < float(loss)

    def predict_one(x_row):
        return jnp.tanh(model(x_row[None, :]))[0]

    assert brainstate.transform.vmap(predict_one)(x).shape == (64, 1)

    @brainstate.transform.jit
    def train_step():
        grads, loss = brainstate.transform.grad(loss_fn, params, return_value=True)()
        for key in params:
            params[key].value -= 0.1 * grads[key]
        return loss

    losses = [float(train_step()) for _ in range(5)]
    assert all(a > b for a, b in zip(losses, losses[1:]))
    # the jitted step updated the model in place: the eager loss is the next one
    assert float(loss_fn()) < losses[-1]
