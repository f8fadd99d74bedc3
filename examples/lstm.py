"""An LSTM that learns to continue sine waves, written as a brainstate program.

Run: `python examples/lstm.py [STEPS]` (a few seconds on a laptop CPU).

The program is plain brainstate code run by eqstate (`import eqstate as
brainstate`): an `nn.LSTMCell` whose hidden and cell states are `HiddenState`s
(created by `init_all_states`, zeroed by `reset_all_states`), unrolled over the
sequence with `transform.for_loop` inside a jitted Adam train step. Each batch
holds 16 sine waves of random frequency and phase; from `x_t` the model
predicts `x_{t+1}`.
"""

import sys

import jax
import jax.numpy as jnp
import numpy as np

import eqstate as brainstate

STEPS = int(sys.argv[1]) if len(sys.argv) > 1 else 300
BATCH, LENGTH, HIDDEN = 16, 40, 32


class Readout(brainstate.nn.Module):
    """A dense layer from the hidden state to one output."""

    def __init__(self, n_in: int, n_out: int):
        super().__init__()
        self.w = brainstate.ParamState(brainstate.random.randn(n_in, n_out) * 0.1)
        self.b = brainstate.ParamState(jnp.zeros(n_out))

    def update(self, x):
        return x @ self.w.value + self.b.value


class Predictor(brainstate.nn.Module):
    def __init__(self, hidden: int):
        super().__init__()
        self.cell = brainstate.nn.LSTMCell(1, hidden)
        self.readout = Readout(hidden, 1)

    def update(self, xs):  # xs: (time, batch, 1)
        brainstate.nn.reset_all_states(self.cell, batch_size=xs.shape[1])
        hs = brainstate.transform.for_loop(self.cell, xs)
        return self.readout(hs)


def sine_batch(rng: np.random.Generator) -> np.ndarray:
    freq = rng.uniform(0.1, 0.3, size=(1, BATCH, 1))
    phase = rng.uniform(0, 2 * np.pi, size=(1, BATCH, 1))
    t = np.arange(LENGTH + 1).reshape(-1, 1, 1)
    return np.sin(freq * t + phase).astype(np.float32)


def main() -> None:
    brainstate.random.seed(0)
    rng = np.random.default_rng(0)
    model = Predictor(HIDDEN)
    brainstate.nn.init_all_states(model, batch_size=BATCH)
    optimizer = brainstate.optim.Adam(lr=1e-2)
    optimizer.register_trainable_weights(model.states(brainstate.ParamState))

    def loss_fn(seq):
        return jnp.mean((model(seq[:-1]) - seq[1:]) ** 2)

    @brainstate.transform.jit
    def train_step(seq):
        grads, loss = brainstate.transform.grad(
            loss_fn, optimizer.param_states.to_pytree(), return_value=True
        )(seq)
        optimizer.update(grads)
        return loss

    evaluate = brainstate.transform.jit(loss_fn)
    test = sine_batch(np.random.default_rng(1))
    first = float(evaluate(test))
    for step in range(STEPS):
        loss = train_step(sine_batch(rng))
        if step % max(1, STEPS // 5) == 0:
            print(f"  step {step:4d}  train loss {float(loss):.4f}")
    last = float(evaluate(test))
    n_params = sum(
        x.size for x in jax.tree.leaves([p.value for p in model.parameters()])
    )
    print(f"LSTMCell with {HIDDEN} hidden units: {n_params} trained parameters")
    print(f"test loss {first:.4f} -> {last:.4f} after {STEPS} steps")


if __name__ == "__main__":
    main()
