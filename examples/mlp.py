"""A brainstate MLP, run unchanged by eqstate: `import eqstate as brainstate`.

Run: `python examples/mlp.py [STEPS]`.

A 2-64-64-3 MLP of `brainstate.nn.Linear` layers (explicit `w_init` / `b_init`)
classifies three noisy 2-d spirals, trained with Adam (`braintools.optim`'s
role is played by `eqstate.optim`). Only the import line differs from a
brainstate program.
"""

import sys

import jax
import jax.numpy as jnp
import numpy as np

import eqstate as brainstate
import eqstate.optim as optim  # braintools.optim in a brainstate program

STEPS = int(sys.argv[1]) if len(sys.argv) > 1 else 1000


def spirals(
    n_per_class: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    xs, ys = [], []
    for c in range(3):
        r = np.linspace(0.1, 1.0, n_per_class)
        t = np.linspace(c * 2.1, c * 2.1 + 4.0, n_per_class) + rng.normal(
            0, 0.2, n_per_class
        )
        xs.append(np.stack([r * np.sin(t), r * np.cos(t)], axis=1))
        ys.append(np.full(n_per_class, c))
    return np.concatenate(xs).astype(np.float32), np.concatenate(ys).astype(np.int32)


class MLP(brainstate.nn.Module):
    def __init__(self, din: int, dhidden: int, dout: int):
        super().__init__()
        self.l1 = brainstate.nn.Linear(
            din,
            dhidden,
            w_init=brainstate.init.KaimingNormal(),
            b_init=brainstate.init.ZeroInit(),
        )
        self.l2 = brainstate.nn.Linear(
            dhidden,
            dhidden,
            w_init=brainstate.init.KaimingNormal(),
            b_init=brainstate.init.ZeroInit(),
        )
        self.l3 = brainstate.nn.Linear(
            dhidden, dout, w_init=brainstate.init.XavierNormal()
        )

    def update(self, x):
        x = jax.nn.relu(self.l1(x))
        x = jax.nn.relu(self.l2(x))
        return self.l3(x)


def main() -> None:
    brainstate.random.seed(0)
    rng = np.random.default_rng(0)
    X, Y = spirals(200, rng)
    model = MLP(2, 64, 3)
    optimizer = optim.Adam(lr=3e-3)
    optimizer.register_trainable_weights(model.states(brainstate.ParamState))

    def loss_fn(x, y):
        logits = model(x)
        return -jnp.mean(jnp.take_along_axis(jax.nn.log_softmax(logits), y[:, None], 1))

    @brainstate.transform.jit
    def train_step(x, y):
        grads, loss = brainstate.transform.grad(
            loss_fn, optimizer.param_states.to_pytree(), return_value=True
        )(x, y)
        optimizer.update(grads)
        return loss

    @brainstate.transform.jit
    def accuracy(x, y):
        return jnp.mean(jnp.argmax(model(x), axis=-1) == y)

    first = float(loss_fn(X, Y))
    for step in range(STEPS):
        idx = rng.integers(0, len(X), size=64)
        loss = train_step(X[idx], Y[idx])
        if step % max(1, STEPS // 5) == 0:
            print(f"  step {step:5d}  batch loss {float(loss):.4f}")
    final = float(loss_fn(X, Y))
    print(
        f"Trained a 2-64-64-3 MLP for {STEPS} Adam steps: loss {first:.3f} -> {final:.3f}, "
        f"accuracy {float(accuracy(X, Y)):.3f}"
    )


if __name__ == "__main__":
    main()
