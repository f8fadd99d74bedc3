"""A brainstate CNN (Conv2d + BatchNorm2d + Dropout + MaxPool2d), run by eqstate.

Run: `python examples/cnn_batchnorm.py [--steps N] [--out DIR]`.

The data are synthetic 12x12 grey images of three classes (a horizontal bar,
a vertical bar, a diagonal) with noise and random shifts. The network is
written as for brainstate (`import eqstate as brainstate`); training sets
`fit=True` (batch statistics, dropout on), evaluation `fit=False` (running
statistics, dropout off). The loss curve is saved as `cnn_loss.png`.
"""

import argparse
import os

import jax
import jax.numpy as jnp
import numpy as np

import eqstate as brainstate
import eqstate.optim as optim  # braintools.optim in a brainstate program


def make_images(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    labels = rng.integers(0, 3, n)
    images = rng.normal(0, 0.3, (n, 12, 12, 1)).astype(np.float32)
    for i, c in enumerate(labels):
        s = rng.integers(2, 10)
        if c == 0:
            images[i, s, 1:11, 0] += 1.0
        elif c == 1:
            images[i, 1:11, s, 0] += 1.0
        else:
            d = np.arange(1, 11)
            images[i, d, np.clip(d + s - 6, 0, 11), 0] += 1.0
    return images, labels.astype(np.int32)


class CNN(brainstate.nn.Module):
    def __init__(self, n_classes: int = 3):
        super().__init__()
        self.conv1 = brainstate.nn.Conv2d((12, 12, 1), 8, 3)
        self.bn1 = brainstate.nn.BatchNorm2d((12, 12, 8), momentum=0.9)
        self.pool1 = brainstate.nn.MaxPool2d(2, in_size=(12, 12, 8))
        self.conv2 = brainstate.nn.Conv2d(self.pool1.out_size, 16, 3)
        self.bn2 = brainstate.nn.BatchNorm2d(self.conv2.out_size, momentum=0.9)
        self.pool2 = brainstate.nn.MaxPool2d(2, in_size=self.conv2.out_size)
        self.flatten = brainstate.nn.Flatten(in_size=self.pool2.out_size)
        self.dropout = brainstate.nn.Dropout(0.8)
        self.fc = brainstate.nn.Linear(self.flatten.out_size, n_classes)

    def update(self, x):
        x = self.pool1(jax.nn.relu(self.bn1(self.conv1(x))))
        x = self.pool2(jax.nn.relu(self.bn2(self.conv2(x))))
        return self.fc(self.dropout(self.flatten(x)))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--out", default=".")
    args = parser.parse_args()

    brainstate.random.seed(0)
    rng = np.random.default_rng(0)
    X, Y = make_images(1024, rng)
    Xt, Yt = make_images(256, rng)
    model = CNN()
    optimizer = optim.Adam(lr=2e-3)
    optimizer.register_trainable_weights(model.states(brainstate.ParamState))

    def loss_fn(x, y):
        logp = jax.nn.log_softmax(model(x))
        return -jnp.mean(jnp.take_along_axis(logp, y[:, None], 1))

    @brainstate.transform.jit
    def train_step(x, y):
        with brainstate.environ.context(fit=True):
            grads, loss = brainstate.transform.grad(
                loss_fn, optimizer.param_states.to_pytree(), return_value=True
            )(x, y)
        optimizer.update(grads)
        return loss

    @brainstate.transform.jit
    def accuracy(x, y):
        with brainstate.environ.context(fit=False):
            return jnp.mean(jnp.argmax(model(x), axis=-1) == y)

    before = float(accuracy(Xt, Yt))
    losses = []
    for step in range(args.steps):
        idx = rng.integers(0, len(X), size=32)
        losses.append(float(train_step(X[idx], Y[idx])))
    after = float(accuracy(Xt, Yt))
    print(
        f"Trained the CNN for {args.steps} Adam steps: loss {np.mean(losses[:10]):.3f} -> "
        f"{np.mean(losses[-10:]):.3f}, test accuracy {before:.3f} -> {after:.3f}"
    )

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5, 3))
    ax.plot(losses, lw=0.8)
    ax.set_xlabel("step")
    ax.set_ylabel("cross-entropy")
    ax.set_title("CNN (Conv2d + BatchNorm2d + Dropout + MaxPool2d)")
    fig.tight_layout()
    path = os.path.join(args.out, "cnn_loss.png")
    fig.savefig(path, dpi=100)
    print(f"saved {path}")


if __name__ == "__main__":
    main()
