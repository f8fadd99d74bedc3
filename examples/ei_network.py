"""A balanced excitatory/inhibitory network of LIF neurons with 1 ms synaptic delays.

Run: `python examples/ei_network.py [--neurons 4000] [--steps 1000] [--out DIR]`

The CUBA benchmark network (Brette et al. 2007, "Simulation of networks of
spiking neurons"): 80 % excitatory and 20 % inhibitory leaky integrate-and-fire
neurons with 5 ms refractory periods, exponential current synapses (5 ms / 10
ms), random connectivity with probability 2 % given as a dense masked weight
matrix, and 1 ms axonal delays read through `Dynamics.prefetch_delay`. One
compiled `for_loop` advances the network (dt = 0.1 ms, 1,000 steps = 100 ms);
the script prints the spike counts and saves a raster plot with the population
rate as `ei_network.png` (default folder: docs/images/).

The script is written against brainstate's API and imports eqstate under that
name; `tests/golden/record_ei_network.py` runs the very same text with
brainstate 0.5.4 to record the reference spike counts.
"""

import argparse
import os

import jax.numpy as jnp
import numpy as np

import eqstate as brainstate

DT = 0.1  # ms
V_REST, V_TH, V_RESET = -49.0, -50.0, -60.0  # mV (CUBA: rest above threshold)
TAU_M, TAU_E, TAU_I, T_REF = 20.0, 5.0, 10.0, 5.0  # ms
W_E, W_I, P_CONN = 1.62, -9.0, 0.02  # mV, mV, connection probability


def make_weights(n, seed=0):
    """Masked dense weights (excitatory rows, inhibitory rows) and initial voltages."""
    rng = np.random.RandomState(seed)
    n_exc = n * 4 // 5
    mask = rng.rand(n, n) < P_CONN
    np.fill_diagonal(mask, False)
    w_exc = (mask[:n_exc] * W_E).astype(np.float32)
    w_inh = (mask[n_exc:] * W_I).astype(np.float32)
    v0 = (V_RESET + (V_TH - V_RESET) * rng.rand(n)).astype(np.float32)
    return w_exc, w_inh, v0


class LIF(brainstate.nn.Dynamics):
    """LIF neurons: tau dV/dt = -(V - V_rest) + I, reset and refractory after a spike."""

    def __init__(self, n, v0):
        super().__init__(n)
        self.v0 = v0

    def init_state(self, batch_size=None):
        self.V = brainstate.HiddenState(jnp.asarray(self.v0))
        self.spike = brainstate.HiddenState(jnp.zeros(self.varshape))
        self.t_last = brainstate.HiddenState(jnp.full(self.varshape, -1e7))

    def update(self, current):
        t = brainstate.environ.get("t")
        v = self.V.value + DT * (current - (self.V.value - V_REST)) / TAU_M
        refractory = (t - self.t_last.value) <= T_REF
        v = jnp.where(refractory, self.V.value, v)
        spike = v >= V_TH
        self.V.value = jnp.where(spike, V_RESET, v)
        self.t_last.value = jnp.where(spike, t, self.t_last.value)
        self.spike.value = spike.astype(self.spike.value.dtype)
        return self.spike.value


class EINet(brainstate.nn.Module):
    """The neurons, their exponential synapses, and 1 ms delayed spikes."""

    def __init__(self, w_exc, w_inh, v0):
        super().__init__()
        self.n_exc = w_exc.shape[0]
        self.w_exc = jnp.asarray(w_exc)
        self.w_inh = jnp.asarray(w_inh)
        self.pop = LIF(v0.shape[0], v0)
        self.delayed_spike = self.pop.prefetch_delay("spike", 1.0)  # 1 ms

    def init_state(self, batch_size=None):
        n = self.pop.varshape
        self.g_exc = brainstate.HiddenState(jnp.zeros(n))
        self.g_inh = brainstate.HiddenState(jnp.zeros(n))

    def update(self, i):
        with brainstate.environ.context(i=i, t=i * DT):
            pre = self.delayed_spike()
            self.g_exc.value = (
                self.g_exc.value * np.exp(-DT / TAU_E) + pre[: self.n_exc] @ self.w_exc
            )
            self.g_inh.value = (
                self.g_inh.value * np.exp(-DT / TAU_I) + pre[self.n_exc :] @ self.w_inh
            )
            return self.pop(self.g_exc.value + self.g_inh.value)


def simulate(n=4000, steps=1000, seed=0):
    """Run the network; returns the spikes, shape (steps, n)."""
    brainstate.environ.set(dt=DT)
    net = EINet(*make_weights(n, seed))
    brainstate.nn.init_all_states(net)
    spikes = brainstate.transform.for_loop(net.update, np.arange(steps))
    return np.asarray(spikes)


def plot(spikes, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    steps, n = spikes.shape
    n_exc = n * 4 // 5
    t, idx = np.nonzero(spikes)
    fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(8, 6), sharex=True)
    exc = idx < n_exc
    ax1.plot(t[exc] * DT, idx[exc], ",", color="tab:blue", label="excitatory")
    ax1.plot(t[~exc] * DT, idx[~exc], ",", color="tab:red", label="inhibitory")
    ax1.set_ylabel("neuron")
    ax1.set_title(f"E/I network: {n} LIF neurons, 1 ms delays")
    window = max(1, int(1.0 / DT))  # 1 ms bins
    per_bin = spikes[: steps // window * window].reshape(-1, window, n).sum((1, 2))
    rate = per_bin / n / (window * DT * 1e-3)
    ax2.plot(np.arange(len(rate)) * window * DT, rate, color="k")
    ax2.set_xlabel("time (ms)")
    ax2.set_ylabel("population rate (Hz)")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--neurons", type=int, default=4000)
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default=os.path.join("docs", "images"))
    args = parser.parse_args()
    spikes = simulate(args.neurons, args.steps, args.seed)
    n_exc = args.neurons * 4 // 5
    total = int(spikes.sum())
    print(
        f"spike count: {total} (excitatory {int(spikes[:, :n_exc].sum())}, "
        f"inhibitory {int(spikes[:, n_exc:].sum())}) in {args.steps * DT:g} ms"
    )
    os.makedirs(args.out, exist_ok=True)
    path = os.path.join(args.out, "ei_network.png")
    plot(spikes, path)
    print(f"saved {path}")


if __name__ == "__main__":
    main()
