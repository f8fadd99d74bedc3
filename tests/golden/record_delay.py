"""Record brainstate 0.5.4's `Delay` outputs on one history (golden for test_delay.py).

Run with the reference environment: `python tests/golden/record_delay.py`.
Writes `tests/golden/delay.npz`.
"""

from pathlib import Path

import brainstate
import jax
import jax.numpy as jnp
import numpy as np

DT = 0.1
STEPS = 9
TAUS = np.array([0.0, 0.05, 0.13, 0.27, 0.4, 0.5], dtype=np.float32)
METHODS = ["nearest", "linear", "cubic", "hermite", "polynomial2", "polynomial3"]

rng = np.random.default_rng(0)
xs = rng.normal(size=(STEPS, 3)).astype(np.float32)
out: dict[str, np.ndarray] = {"xs": xs, "taus": TAUS}

brainstate.environ.set(dt=DT)
for method in METHODS:
    delay = brainstate.nn.Delay(
        jax.ShapeDtypeStruct((3,), jnp.float32), time=0.5, interpolation=method
    )
    brainstate.nn.init_all_states(delay)
    by_step, by_time = [], []
    for k in range(STEPS):
        delay.update(jnp.asarray(xs[k]))
        by_step.append([np.asarray(delay.retrieve_at_step(s)) for s in range(6)])
        t = (k + 1) * DT
        with brainstate.environ.context(t=t):
            by_time.append(
                [np.asarray(delay.retrieve_at_time(t - tau)) for tau in TAUS]
            )
    out[f"{method}_step"] = np.asarray(by_step)
    out[f"{method}_time"] = np.asarray(by_time)

# update_every: written every second step; delays counted in 0.2-long slots.
delay = brainstate.nn.Delay(
    jax.ShapeDtypeStruct((3,), jnp.float32), time=0.6, update_every=0.2
)
brainstate.nn.init_all_states(delay)
every = []
for k in range(STEPS):
    delay.update(jnp.asarray(xs[k]))
    every.append([np.asarray(delay.retrieve_at_step(s)) for s in range(4)])
out["every_step"] = np.asarray(every)

# entries with per-neuron indices, and a non-zero init
delay = brainstate.nn.Delay(
    jax.ShapeDtypeStruct((3,), jnp.float32), init=1.5, entries={"a": 0.3}
)
delay.register_entry("b", 0.2, jnp.array([2, 0]))
brainstate.nn.init_all_states(delay)
ab = []
for k in range(4):
    delay.update(jnp.asarray(xs[k]))
    ab.append(np.concatenate([np.asarray(delay.at("a")), np.asarray(delay.at("b"))]))
out["entries"] = np.asarray(ab)
out["max_length"] = np.asarray(delay.max_length)

np.savez(Path(__file__).with_name("delay.npz"), **out)
print("wrote delay.npz:", sorted(out))
