"""Identical inputs and initial weights for every library (plain numpy).

Every implementation builds its model from these arrays, so the equivalence
table can compare the numbers the libraries compute.
"""

from __future__ import annotations

from typing import Any

import numpy as np

N_EXTRA = 100  # extra small States of the dispatch workload


def dispatch_data(n_extra: int) -> dict[str, Any]:
    """A 4x4 linear layer, its input, and `n_extra` small state values."""
    rng = np.random.RandomState(0)
    return {
        "w": rng.normal(size=(4, 4)).astype(np.float32),
        "b": rng.normal(size=(4,)).astype(np.float32),
        "x": rng.normal(size=(4,)).astype(np.float32),
        "extras": [np.float32(0.01 * i) for i in range(n_extra)],
    }


def regression_data() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Seed 000's data set (y = 0.8 x^2 + 0.1 + noise) and one batch of 32."""
    rng = np.random.RandomState(42)
    X = np.linspace(0, 1, 100, dtype=np.float32)[:, None]
    Y = (0.8 * X**2 + 0.1 + rng.normal(0, 0.1, size=X.shape)).astype(np.float32)
    idx = np.random.RandomState(0).choice(len(X), size=32)
    return X, Y, X[idx], Y[idx]


def mlp_weights(depth: int, width: int = 32) -> list[tuple[np.ndarray, np.ndarray]]:
    """(w, b) per layer of a 1-width-...-width-1 MLP with `depth` linear layers.

    `depth=2` is seed 000's 1-32-1 MLP, initialised like the seed
    (`brainstate.random.rand` weights, zero biases); deeper ones are scaled
    (He init) so that 200 layers stay finite.
    """
    rng = np.random.RandomState(0)
    sizes = [1] + [width] * (depth - 1) + [1]
    layers = []
    for din, dout in zip(sizes[:-1], sizes[1:]):
        if depth == 2:
            w = rng.rand(din, dout)
        else:
            w = rng.normal(size=(din, dout)) * np.sqrt(2.0 / din)
        layers.append((w.astype(np.float32), np.zeros((dout,), np.float32)))
    return layers


# LIF population: exponential-Euler update of dV/dt = (-(V - V_rest) + R I) / tau
LIF_DT = 0.1
LIF_TAU = 10.0
LIF_R = 1.0
LIF_V_TH = 1.0
LIF_V_RESET = 0.0
LIF_V_REST = 0.0
LIF_DECAY = float(np.exp(-LIF_DT / LIF_TAU))


def lif_bias(n: int) -> np.ndarray:
    """Per-neuron bias currents, so neurons fire at different rates."""
    return np.linspace(0.9, 2.5, n, dtype=np.float32)


def lif_inputs(steps: int) -> np.ndarray:
    """The shared external current, one scalar per step."""
    t = np.arange(steps, dtype=np.float32)
    return (0.2 * np.sin(2 * np.pi * t / 500.0)).astype(np.float32)


def lif_trial_inputs(trials: int, steps: int) -> np.ndarray:
    """One input sequence per trial (trials x steps), different amplitudes."""
    amp = np.linspace(0.5, 2.5, trials, dtype=np.float32)[:, None]
    return (amp * np.ones((1, steps), np.float32)).astype(np.float32)
