"""Simulate a population of leaky integrate-and-fire neurons and plot it.

Run: `pip install -e ".[units,plot]" && python examples/lif_population.py [--out DIR]`

200 LIF neurons (brainunit quantities throughout: mV, ms, mA, ohm) receive a
constant current graded across the population plus independent noise. One
compiled `for_loop` (with a progress bar) advances them for 300 ms; the script
saves a spike raster and the voltage traces of three neurons as PNG files
(default: docs/images/) and prints the firing rates.
"""

import argparse
import os

import brainunit as u
import jax.numpy as jnp
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import eqstate  # noqa: E402


class LIF(eqstate.nn.Dynamics):
    """LIF neurons: tau dV/dt = -(V - V_rest) + R I, soft reset at V_th."""

    def __init__(self, n, tau=10.0 * u.ms, R=1.0 * u.ohm, V_th=1.0 * u.mV):
        super().__init__(n)
        self.tau = eqstate.init.param(tau, self.varshape)
        self.R = eqstate.init.param(R, self.varshape)
        self.V_th = eqstate.init.param(V_th, self.varshape)
        self.spike_fn = eqstate.surrogate.ReluGrad()

    def init_state(self, batch_size=None):
        self.V = eqstate.HiddenState(
            eqstate.init.param(
                eqstate.init.Constant(0.0 * u.mV), self.varshape, batch_size
            )
        )

    def update(self, current):
        V = eqstate.nn.exp_euler_step(
            lambda v: (-v + self.R * current) / self.tau, self.V.value
        )
        spike = self.spike_fn(V / self.V_th - 1.0)
        self.V.value = V - self.V_th * spike
        return spike


def simulate(n: int = 200, duration=300.0 * u.ms):
    eqstate.environ.set(dt=0.1 * u.ms)
    steps = int(duration / eqstate.environ.get_dt())
    eqstate.random.seed(0)
    pop = eqstate.nn.init_all_states(LIF(n))
    base = jnp.linspace(0.9, 1.6, n) * u.mA
    noise = eqstate.random.randn(steps, n) * 0.5 * u.mA

    @eqstate.transform.jit
    def run(noise):
        def step(xi):
            spikes = pop(base + xi)
            return spikes, pop.V.value

        return eqstate.transform.for_loop(
            step, noise, pbar=eqstate.transform.ProgressBar(freq=500, desc="LIF")
        )

    spikes, voltages = run(noise)
    return np.asarray(spikes), voltages, steps


def plot(spikes, voltages, steps, out_dir: str):
    os.makedirs(out_dir, exist_ok=True)
    t = np.arange(steps) * 0.1  # ms
    step_idx, neuron_idx = np.nonzero(spikes >= 0.5)
    fig, ax = plt.subplots(figsize=(8, 4))
    ax.scatter(t[step_idx], neuron_idx, s=1, c="k")
    ax.set(
        xlabel="time (ms)",
        ylabel="neuron (input grows upward)",
        title="LIF population: spike raster",
    )
    fig.tight_layout()
    raster = os.path.join(out_dir, "lif_raster.png")
    fig.savefig(raster, dpi=120)
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(8, 3))
    v = np.asarray(voltages.to_decimal(u.mV))
    for i in (0, spikes.shape[1] // 2, spikes.shape[1] - 1):
        ax.plot(t, v[:, i], lw=0.8, label=f"neuron {i}")
    ax.axhline(1.0, color="r", ls="--", lw=0.8, label="threshold")
    ax.set(xlabel="time (ms)", ylabel="V (mV)", title="Membrane potential")
    ax.legend(loc="upper right", fontsize=7)
    fig.tight_layout()
    trace = os.path.join(out_dir, "lif_voltage.png")
    fig.savefig(trace, dpi=120)
    plt.close(fig)
    return raster, trace


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=os.path.join("docs", "images"))
    parser.add_argument("--neurons", type=int, default=200)
    args = parser.parse_args()
    spikes, voltages, steps = simulate(args.neurons)
    rates = spikes.sum(0) / (steps * 0.1e-3)
    raster, trace = plot(spikes, voltages, steps, args.out)
    print(
        f"{args.neurons} neurons, {steps} steps: {int(spikes.sum())} spikes; rate "
        f"{rates[:20].mean():.0f} Hz (weakest input) to {rates[-20:].mean():.0f} Hz "
        f"(strongest). Saved {raster} and {trace}."
    )


if __name__ == "__main__":
    main()
