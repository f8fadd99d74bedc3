"""simulate: a 10,000-step LIF population (N = 1, 1,000, 100,000) and a vmap over trials.

A leaky integrate-and-fire population (exponential Euler, soft reset) driven by
a per-neuron bias plus a shared input current; each step returns the number of
spikes. Timed: one compiled run of the whole loop (ms). The equivalence
checks are the total spike count and the final mean voltage of the first run.

- pure JAX: `jax.jit` of a hand-written `jax.lax.scan` over the voltage;
- eqstate / brainstate: `transform.jit` of `transform.for_loop` over a module
  whose voltage is a `HiddenState` (seed 004's pattern);
- equinox: `eqx.filter_jit` of `jax.lax.scan` threading `eqx.nn.State`;
- flax.nnx: `nnx.jit` of `nnx.scan` carrying the module (voltage an `nnx.Variable`).

The vmap variant runs 50 trials of 2,000 steps, one neuron per trial, each
trial its own input amplitude; eqstate/brainstate (and flax.nnx) create the
neuron inside the vmapped function, as seed 004 does.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np

from .._core import Measured, Metric, Mode, Workload, time_per_call
from . import _data as D
from ._libs import need

SIZES = (1, 1_000, 100_000)


def _lif_update(jnp: Any, V: Any, bias: Any, x: Any) -> tuple[Any, Any]:
    """One step, written once in plain jnp so every library computes the same."""
    v_inf = D.LIF_V_REST + D.LIF_R * (bias + x)  # where V relaxes to
    V = v_inf + (V - v_inf) * D.LIF_DECAY
    spk = (V >= D.LIF_V_TH).astype(jnp.float32)
    return V - spk * (D.LIF_V_TH - D.LIF_V_RESET), spk


Runner = Callable[[], Any]  # one full run; returns (counts, V) to block on


class Run:
    """A `Runner` that can also show its program: `lower()` is the `jax.stages.Lowered`
    of the jitted simulation (for `python -m benchmarks.profile --workload simulate`).
    """

    __slots__ = ("call", "lower")

    def __init__(self, call: Runner, lower: Callable[[], Any]):
        self.call = call
        self.lower = lower

    def __call__(self) -> Any:
        return self.call()


# (make_run(n) -> Runner for the N-neuron population, make_vmap() -> Runner)
Builders = tuple[Callable[[int], Runner], Callable[[], Runner]]


def _measure(lib: str, mode: Mode) -> Measured:
    jax = need("jax")
    make_run, make_vmap = BUILDERS[lib](mode, mode.sim_steps)
    samples: dict[str, list[float]] = {}
    checks: dict[str, float] = {}
    for n in mode.sim_sizes:
        run = make_run(n)
        counts, V = run()  # compiles
        checks[f"n{n}_spikes"] = float(np.sum(np.asarray(counts)))
        checks[f"n{n}_vmean"] = float(np.mean(np.asarray(V)))
        samples[f"n{n}"] = time_per_call(
            run, jax.block_until_ready, mode, unit_scale=1e3
        )
    run = make_vmap()
    counts = run()
    checks["vmap_spikes"] = float(np.sum(np.asarray(counts)))
    samples["vmap"] = time_per_call(run, jax.block_until_ready, mode, unit_scale=1e3)
    return Measured(samples, checks)


# --------------------------------------------------------------------------
# pure JAX: jax.lax.scan


def _jax(mode: Mode, steps: int) -> Builders:
    jax = need("jax")
    jnp = jax.numpy

    def make_run(n: int) -> Runner:
        bias = jnp.asarray(D.lif_bias(n))
        inputs = jnp.asarray(D.lif_inputs(steps))

        @jax.jit
        def simulate(V, inputs):
            def step(V, x):
                V, spk = _lif_update(jnp, V, bias, x)
                return V, spk.sum()

            return jax.lax.scan(step, V, inputs)

        box = [jnp.zeros(n)]

        def run():
            box[0], counts = simulate(box[0], inputs)
            return counts, box[0]

        return Run(run, lambda: simulate.lower(box[0], inputs))

    def make_vmap() -> Runner:
        bias = jnp.asarray(D.lif_bias(1))
        inputs = jnp.asarray(D.lif_trial_inputs(mode.vmap_trials, mode.vmap_steps))

        def trial(inp_seq):
            def step(V, x):
                V, spk = _lif_update(jnp, V, bias, x)
                return V, spk.sum()

            return jax.lax.scan(step, jnp.zeros(1), inp_seq)[1]

        simulate = jax.jit(jax.vmap(trial))
        return lambda: simulate(inputs)

    return make_run, make_vmap


# --------------------------------------------------------------------------
# eqstate and brainstate: for_loop over a module with a HiddenState


def _brainstate_style(bs: Any, mode: Mode, steps: int) -> Builders:
    jax = need("jax")
    jnp = jax.numpy

    class LIF(bs.nn.Module):
        def __init__(self, n):
            super().__init__()
            self.bias = jnp.asarray(D.lif_bias(n))
            self.V = bs.HiddenState(jnp.zeros(n))

        def __call__(self, x):
            V, spk = _lif_update(jnp, self.V.value, self.bias, x)
            self.V.value = V
            return spk.sum()

    def make_run(n: int) -> Runner:
        neuron = LIF(n)
        inputs = jnp.asarray(D.lif_inputs(steps))

        @bs.transform.jit
        def simulate(inputs):
            return bs.transform.for_loop(neuron, inputs)

        return Run(
            lambda: (simulate(inputs), neuron.V.value), lambda: simulate.lower(inputs)
        )

    def make_vmap() -> Runner:
        inputs = jnp.asarray(D.lif_trial_inputs(mode.vmap_trials, mode.vmap_steps))

        @bs.transform.jit
        @bs.transform.vmap
        def simulate(inp_seq):
            neuron = LIF(1)
            return bs.transform.for_loop(neuron, inp_seq)

        return lambda: simulate(inputs)

    return make_run, make_vmap


def _eqstate(mode: Mode, steps: int) -> Builders:
    return _brainstate_style(need("eqstate"), mode, steps)


def _brainstate(mode: Mode, steps: int) -> Builders:
    return _brainstate_style(need("brainstate"), mode, steps)


# --------------------------------------------------------------------------
# equinox: jax.lax.scan threading eqx.nn.State


def _equinox(mode: Mode, steps: int) -> Builders:
    jax = need("jax")
    eqx = need("equinox")
    jnp = jax.numpy

    class LIF(eqx.Module):
        bias: jax.Array  # pyright: ignore[reportInvalidTypeForm]
        V: eqx.nn.StateIndex  # pyright: ignore[reportInvalidTypeForm]

        def __init__(self, n):
            self.bias = jnp.asarray(D.lif_bias(n))
            self.V = eqx.nn.StateIndex(jnp.zeros(n))

        def __call__(self, x, state):
            V, spk = _lif_update(jnp, state.get(self.V), self.bias, x)
            return spk.sum(), state.set(self.V, V)

    @eqx.filter_jit
    def simulate(model, state, inputs):
        def step(state, x):
            spikes, state = model(x, state)
            return state, spikes

        return jax.lax.scan(step, state, inputs)

    def make_run(n: int) -> Runner:
        model, state = eqx.nn.make_with_state(LIF)(n)
        inputs = jnp.asarray(D.lif_inputs(steps))
        box = [state]

        def run():
            box[0], counts = simulate(model, box[0], inputs)
            return counts, box[0].get(model.V)

        return run

    def make_vmap() -> Runner:
        model, state = eqx.nn.make_with_state(LIF)(1)
        inputs = jnp.asarray(D.lif_trial_inputs(mode.vmap_trials, mode.vmap_steps))

        @eqx.filter_jit
        @functools.partial(eqx.filter_vmap, in_axes=(None, None, 0))
        def simulate_trials(model, state, inp_seq):
            return simulate(model, state, inp_seq)[1]

        return lambda: simulate_trials(model, state, inputs)

    return make_run, make_vmap


# --------------------------------------------------------------------------
# flax.nnx: nnx.scan carrying the module


def _nnx(mode: Mode, steps: int) -> Builders:
    jax = need("jax")
    nnx = need("flax.nnx")
    jnp = jax.numpy

    class LIF(nnx.Module):
        def __init__(self, n):
            self.bias = jnp.asarray(D.lif_bias(n))
            self.V = nnx.Variable(jnp.zeros(n))

        def __call__(self, x):
            V, spk = _lif_update(jnp, self.V[...], self.bias, x)
            self.V[...] = V
            return spk.sum()

    def run_loop(model, inputs):
        @nnx.scan(in_axes=(nnx.Carry, 0), out_axes=(nnx.Carry, 0))
        def step(model, x):
            return model, model(x)

        return step(model, inputs)[1]

    def make_run(n: int) -> Runner:
        model = LIF(n)
        inputs = jnp.asarray(D.lif_inputs(steps))
        simulate = nnx.jit(run_loop)
        return lambda: (simulate(model, inputs), model.V[...])

    def make_vmap() -> Runner:
        inputs = jnp.asarray(D.lif_trial_inputs(mode.vmap_trials, mode.vmap_steps))

        @nnx.jit
        @nnx.vmap
        def simulate(inp_seq):
            return run_loop(LIF(1), inp_seq)

        return lambda: simulate(inputs)

    return make_run, make_vmap


BUILDERS: dict[str, Callable[[Mode, int], Builders]] = {
    "jax": _jax,
    "eqstate": _eqstate,
    "equinox": _equinox,
    "nnx": _nnx,
    "brainstate": _brainstate,
}

WORKLOAD = Workload(
    name="simulate",
    title="Simulate: a 10,000-step LIF population",
    description=(
        "ms per compiled run of a 10,000-step leaky integrate-and-fire population "
        "(N = 1, 1,000, 100,000; for_loop vs a hand-written lax.scan), and of a vmap "
        "over 50 trials of 2,000 steps."
    ),
    metrics=(
        Metric("n1", "10k steps, N = 1", "ms"),
        Metric("n1000", "10k steps, N = 1,000", "ms", target=1.01, headline=True),
        Metric("n100000", "10k steps, N = 100,000", "ms", target=1.01),
        Metric("vmap", "vmap, 50 trials x 2,000 steps", "ms"),
    ),
    impls={lib: functools.partial(_measure, lib) for lib in BUILDERS},
    rtol=1e-4,
    timeout_s=400.0,
)
