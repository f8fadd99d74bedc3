"""Donation, both ways: eqstate with and without donating written buffers,
beside pure JAX with and without `donate_argnums`, timed in one process.

    python -m benchmarks.donation [--repeats 7]
    python -m benchmarks.donation --markdown docs/benchmarks-donation.md

Workloads (as in `dispatch` and `train`): a jitted call of a counter State +
4x4 linear layer (+ 100 extra small States), an Adam train step of a
1-32-1 MLP with a call counter, and a loop that records a State each step.
Each variant is timed in interleaved rounds (the order alternating; the 1-
and 101-State calls in the same rounds, so each round gives a per-extra-State
figure); the table gives the median µs per call and the ratio to pure JAX
without donation (and to pure JAX with donation, the like-for-like baseline).
`--markdown PATH` also writes the results as a page (with the DESIGN §4
targets: dispatch ≤ 1.10x, each extra State ≤ 1.0x, train ≤ 1.05x).
"""

from __future__ import annotations

import argparse
import datetime
import functools
import os
import statistics
import subprocess
import time
from collections import deque
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import optax

import eqstate
import eqstate.optim

from ._runner import machine_info

Step = Callable[[], Any]


def _per_call_us(step: Step, block: Callable[[], Any], seconds: float = 0.2) -> float:
    n = 1
    while True:  # calibrate
        t = time.perf_counter()
        for _ in range(n):
            step()
        block()
        dt = time.perf_counter() - t
        if dt > seconds / 4:
            break
        n *= 2
    n = max(1, int(n * seconds / dt))
    t = time.perf_counter()
    for _ in range(n):
        step()
    block()
    return (time.perf_counter() - t) / n * 1e6


# -- dispatch -------------------------------------------------------------------


def dispatch_jax(n_extra: int, donate: bool) -> tuple[Step, Callable[[], Any]]:
    rng = np.random.default_rng(0)
    params = {"w": jnp.asarray(rng.normal(size=(4, 4)), jnp.float32), "b": jnp.zeros(4)}
    box = [{"count": jnp.array(0), "extras": [jnp.zeros(4) for _ in range(n_extra)]}]
    x = jnp.ones((1, 4))

    def step_fn(state, params, x):
        out = x @ params["w"] + params["b"]
        new = {
            "count": state["count"] + 1,
            "extras": [e + 1.0 for e in state["extras"]],
        }
        return out, new

    jitted = jax.jit(step_fn, donate_argnums=(0,) if donate else ())

    def step():
        out, box[0] = jitted(box[0], params, x)
        return out

    return step, lambda: jax.block_until_ready(box[0])


def dispatch_eqstate(n_extra: int, donate: bool) -> tuple[Step, Callable[[], Any]]:
    rng = np.random.default_rng(0)

    class Model(eqstate.nn.Module):
        def __init__(self):
            self.w = eqstate.ParamState(
                jnp.asarray(rng.normal(size=(4, 4)), jnp.float32)
            )
            self.b = eqstate.ParamState(jnp.zeros(4))
            self.count = eqstate.State(jnp.array(0))
            self.extras = [eqstate.State(jnp.zeros(4)) for _ in range(n_extra)]

        def __call__(self, x):
            self.count.value += 1
            for e in self.extras:
                e.value = e.value + 1.0
            return x @ self.w.value + self.b.value

    model = Model()
    jitted = eqstate.transform.jit(model, donate=donate)
    x = jnp.ones((1, 4))
    return lambda: jitted(x), lambda: jax.block_until_ready(model.count.value)


# -- train (Adam, 1-32-1 MLP with a call counter) -------------------------------


def _layers() -> list[tuple[jax.Array, jax.Array]]:
    rng = np.random.default_rng(1)
    return [
        (jnp.asarray(rng.normal(size=(1, 32)) * 0.5, jnp.float32), jnp.zeros(32)),
        (jnp.asarray(rng.normal(size=(32, 1)) * 0.2, jnp.float32), jnp.zeros(1)),
    ]


def _batch() -> tuple[jax.Array, jax.Array]:
    x = jnp.linspace(-1, 1, 32)[:, None]
    return x, x**2


def train_jax(donate: bool) -> tuple[Step, Callable[[], Any]]:
    params = [{"w": w, "b": b} for w, b in _layers()]
    tx = optax.adam(1e-2)
    box = [params, tx.init(params), jnp.array(0)]
    xb, yb = _batch()

    def loss_fn(params, x, y):
        h = jax.nn.relu(x @ params[0]["w"] + params[0]["b"])
        return jnp.mean((y - (h @ params[1]["w"] + params[1]["b"])) ** 2)

    def train_step(params, opt_state, count, x, y):
        grads = jax.grad(loss_fn)(params, x, y)
        updates, opt_state = tx.update(grads, opt_state, params)
        return optax.apply_updates(params, updates), opt_state, count + 1

    jitted = jax.jit(train_step, donate_argnums=(0, 1, 2) if donate else ())

    def step():
        box[0], box[1], box[2] = jitted(box[0], box[1], box[2], xb, yb)

    return step, lambda: jax.block_until_ready(box[0])


def train_eqstate(donate: bool) -> tuple[Step, Callable[[], Any]]:
    class Linear(eqstate.nn.Module):
        def __init__(self, w, b):
            self.w = eqstate.ParamState(w)
            self.b = eqstate.ParamState(b)

        def __call__(self, x):
            return x @ self.w.value + self.b.value

    class MLP(eqstate.nn.Module):
        def __init__(self):
            self.count = eqstate.State(jnp.array(0))
            self.layers = [Linear(w, b) for w, b in _layers()]

        def __call__(self, x):
            self.count.value += 1
            return self.layers[1](jax.nn.relu(self.layers[0](x)))

    model = MLP()
    opt = eqstate.optim.Adam(lr=1e-2)
    opt.register_trainable_weights(model.states(eqstate.ParamState))
    xb, yb = _batch()

    def train_step(x, y):
        grads = eqstate.transform.grad(
            lambda: jnp.mean((y - model(x)) ** 2), opt.param_states.to_pytree()
        )()
        opt.update(grads)

    jitted = eqstate.transform.jit(train_step, donate=donate)
    return lambda: jitted(xb, yb), lambda: jax.block_until_ready(model.count.value)


# DESIGN §4 targets, by row: (label, target ratio)
_TARGETS = {
    "dispatch, 1 State": ("jitted stateful call, 1 State", 1.10),
    "per extra State": ("each extra State per call", 1.0),
    "train, Adam": ("MLP train step, Adam", 1.05),
}
_VARIANTS = ("jax", "jax+donate", "eqstate", "eqstate+donate")


def _markdown(medians: dict[str, dict[str, float]], repeats: int) -> str:
    """The results as a page: µs per call, ratios to both baselines, verdicts."""
    rev = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"],
        capture_output=True,
        text=True,
        cwd=os.path.dirname(os.path.abspath(__file__)),
    ).stdout.strip()
    when = datetime.datetime.now().strftime("%Y-%m-%d %H:%M")
    machine = machine_info()
    lines = [
        "# Benchmarks: donation, both ways",
        "",
        "eqstate donates the buffers of the States a jitted call writes, when",
        "nobody else can see them (DESIGN §2); pure JAX donates only what",
        "`donate_argnums` names. So each workload runs four ways, in one",
        "process, interleaved: pure JAX without and with donation, eqstate with",
        "`jit(..., donate=False)` and as it ships (donating). The like-for-like",
        "comparison is eqstate as it ships against pure JAX donating.",
        "",
        f"Measured {when} at commit `{rev or '?'}` on "
        f"{machine.get('cpu', machine['processor'])} ({machine['cpus']} CPUs), "
        f"Python {machine['python']}, "
        f"jax {jax.__version__}: `python -m benchmarks.donation --repeats {repeats}"
        " --markdown docs/benchmarks-donation.md` (median over the repeats of µs per "
        "call). Workloads: the `dispatch` call (a counter State and a 4x4 linear "
        "layer, then with 100 more small States, all written each call) and an Adam "
        "train step of a 1-32-1 MLP with a call counter (in pure JAX the learning rate "
        "is a constant; in eqstate it is a State the optimizer reads, as in braintools).",
        "",
        "| workload | jax | jax+donate | eqstate, donate=False | eqstate | "
        "eqstate / jax | eqstate / jax+donate | DESIGN §4 target |",
        "|---|---|---|---|---|---|---|---|",
    ]
    rows = medians
    for name in (
        "dispatch, 1 State",
        "dispatch, 101 States",
        "per extra State",
        "train, Adam",
        "record, 1 State",
    ):
        med = rows[name]
        cells = [f"{med[k]:.2f} µs" for k in _VARIANTS]
        eq = med["eqstate+donate"]
        ratios = [f"{eq / med['jax']:.2f}x", f"{eq / med['jax+donate']:.2f}x"]
        target = "–"
        if name in _TARGETS:
            label, bound = _TARGETS[name]
            verdicts = [
                "met" if eq / med[b] <= bound else "**not met**"
                for b in ("jax", "jax+donate")
            ]
            target = f"≤ {bound:.2f}x: {verdicts[0]} / {verdicts[1]}"
        lines.append(f"| {name} | " + " | ".join(cells + ratios + [target]) + " |")
    lines += [
        "",
        "The targets row by row: *met / not met* against pure JAX without and with",
        "donation. The per-State figures come from the 1 and 101 State rows,",
        "timed in the same rounds: the median over rounds of",
        "(101-State time - 1-State time) / 100.",
        "",
        "*record*: a simulation loop that keeps the last 100 values of a State",
        f"({_RECORD_N} floats) it wrote. The kept buffers cannot be donated, so",
        "both pure JAX columns run without donation; eqstate copies the kept State",
        "before donating it until the copies have cost what building the jit did,",
        "then rebuilds the jit without donating it (the row is timed after that).",
        "",
    ]
    return "\n".join(lines)


# -- record (a simulation loop that keeps each step's value) ---------------------

_RECORD_N = 1000


def record_jax(donate: bool) -> tuple[Step, Callable[[], Any]]:
    # The recorded arrays are the step's outputs: pure JAX cannot donate them,
    # so both pure JAX variants run without donation.
    del donate
    jitted = jax.jit(lambda v, x: v * 0.9 + x)
    x, kept = jnp.ones(_RECORD_N), deque(maxlen=100)
    box = [jnp.zeros(_RECORD_N)]

    def step():
        box[0] = jitted(box[0], x)
        kept.append(box[0])

    return step, lambda: jax.block_until_ready(box[0])


def record_eqstate(donate: bool) -> tuple[Step, Callable[[], Any]]:
    v = eqstate.State(jnp.zeros(_RECORD_N))
    x, kept = jnp.ones(_RECORD_N), deque(maxlen=100)

    def body(x):
        v.value = v.value * 0.9 + x

    jitted = eqstate.transform.jit(body, donate=donate)

    def step():
        jitted(x)
        kept.append(v.value)  # held: its buffer cannot be donated as it is

    for _ in range(3000):  # past the copies, to the jit that no longer donates v
        step()
    return step, lambda: jax.block_until_ready(v.value)


Build = Callable[[bool], tuple[Step, Callable[[], Any]]]


def _variants(
    jax_way: Build, eqstate_way: Build
) -> dict[str, tuple[Step, Callable[[], Any]]]:
    """A workload's four variants (`_VARIANTS`), each built by `way(donate)`."""
    ways = {"jax": jax_way, "eqstate": eqstate_way}
    return {key: ways[key.split("+")[0]](key.endswith("+donate")) for key in _VARIANTS}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--markdown", metavar="PATH", help="also write a results page")
    args = parser.parse_args(argv)
    rows = {
        "dispatch, 1 State": _variants(
            functools.partial(dispatch_jax, 0), functools.partial(dispatch_eqstate, 0)
        ),
        "dispatch, 101 States": _variants(
            functools.partial(dispatch_jax, 100),
            functools.partial(dispatch_eqstate, 100),
        ),
        "train, Adam": _variants(train_jax, train_eqstate),
        "record, 1 State": _variants(record_jax, record_eqstate),
    }
    # The two dispatch rows are timed in the same rounds, so each round gives
    # a per-extra-State figure from calls made moments apart; the variants'
    # order alternates from round to round.
    groups = (
        ("dispatch, 1 State", "dispatch, 101 States"),
        ("train, Adam",),
        ("record, 1 State",),
    )
    samples: dict[str, dict[str, list[float]]] = {}
    for group in groups:
        timed = [(name, key, *rows[name][key]) for name in group for key in rows[name]]
        for _, _, step, block in timed:  # compile and warm up
            for _ in range(5):
                step()
            block()
        for name in group:
            samples[name] = {k: [] for k in rows[name]}
        for r in range(args.repeats):
            for name, key, step, block in timed if r % 2 == 0 else timed[::-1]:
                samples[name][key].append(_per_call_us(step, block))
    one, many = samples["dispatch, 1 State"], samples["dispatch, 101 States"]
    samples["per extra State"] = {
        k: [(b - a) / 100 for a, b in zip(one[k], many[k])] for k in one
    }
    medians: dict[str, dict[str, float]] = {}
    for name, by_key in samples.items():
        med = medians[name] = {k: statistics.median(v) for k, v in by_key.items()}
        print(f"\n{name}: median µs per call (ratio to jax / to jax+donate)")
        for key, us in med.items():
            print(
                f"  {key:16s} {us:8.2f}   {us / med['jax']:5.2f}x"
                f"   {us / med['jax+donate']:5.2f}x"
            )
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(_markdown(medians, args.repeats))
        print(f"\nwrote {args.markdown}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
