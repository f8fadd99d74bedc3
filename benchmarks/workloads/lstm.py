"""lstm: a 100-step LSTM unroll (batch 16, 8 inputs, 64 hidden units), jitted.

Every library runs the same cell (brainstate's `LSTMCell`: gates `i, g, f, o`
from one matmul of `[x, h]`, the forget gate biased by +1) from the same weights
and the same input sequence; timed is one compiled call of the whole unroll,
returning the 100 outputs `h_t` and the final `c` (µs). The equivalence checks
are the sums of those.

- pure JAX: `jax.jit` of a hand-written `jax.lax.scan` over `(h, c)`;
- eqstate / brainstate: `transform.jit` of `transform.for_loop` over
  `nn.LSTMCell` (its `h`, `c` are `HiddenState`s), states reset at the start;
- equinox: `eqx.filter_jit` of `jax.lax.scan` over `eqx.nn.LSTMCell` (vmapped
  over the batch), its weights rearranged to the same gates;
- flax.nnx: `nnx.jit` of `nnx.scan` over `nnx.LSTMCell` (a carry `(c, h)`, the
  cell broadcast), its eight gate kernels cut from the same weights.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._core import Measured, Metric, Mode, Workload, time_per_call
from ._libs import need

STEPS, BATCH, NUM_IN, HIDDEN = 100, 16, 8, 64


def _data() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    w = (rng.normal(size=(NUM_IN + HIDDEN, 4 * HIDDEN)) * 0.1).astype(np.float32)
    b = (rng.normal(size=(4 * HIDDEN,)) * 0.1).astype(np.float32)
    xs = rng.normal(size=(STEPS, BATCH, NUM_IN)).astype(np.float32)
    return w, b, xs


def _finish(run: Any, jax: Any, mode: Mode) -> Measured:
    hs, c = run()
    checks = {
        "hs_sum": float(np.sum(np.asarray(hs))),
        "c_sum": float(np.sum(np.asarray(c))),
    }
    samples = {"unroll": time_per_call(run, jax.block_until_ready, mode)}
    return Measured(samples, checks)


def _jax(mode: Mode) -> Measured:
    jax = need("jax")
    jnp = jax.numpy
    w, b, xs = (jnp.asarray(a) for a in _data())

    @jax.jit
    def unroll(w, b, xs):
        def step(carry, x):
            h, c = carry
            gates = jnp.concatenate([x, h], axis=-1) @ w + b
            i, g, f, o = jnp.split(gates, 4, axis=-1)
            c = jax.nn.sigmoid(f + 1.0) * c + jax.nn.sigmoid(i) * jnp.tanh(g)
            h = jax.nn.sigmoid(o) * jnp.tanh(c)
            return (h, c), h

        zeros = jnp.zeros((BATCH, HIDDEN), jnp.float32)
        (_, c), hs = jax.lax.scan(step, (zeros, zeros), xs)
        return hs, c

    return _finish(lambda: unroll(w, b, xs), jax, mode)


def _brainstate_style(bs: Any, mode: Mode) -> Measured:
    jax = need("jax")
    jnp = jax.numpy
    w, b, xs = _data()
    cell = bs.nn.LSTMCell(NUM_IN, HIDDEN)
    cell.W.weight.value = {"weight": jnp.asarray(w), "bias": jnp.asarray(b)}
    bs.nn.init_all_states(cell, batch_size=BATCH)
    xs = jnp.asarray(xs)

    @bs.transform.jit
    def unroll(xs):
        cell.h.value = jnp.zeros((BATCH, HIDDEN), jnp.float32)
        cell.c.value = jnp.zeros((BATCH, HIDDEN), jnp.float32)
        hs = bs.transform.for_loop(cell, xs)
        return hs, cell.c.value

    return _finish(lambda: unroll(xs), jax, mode)


def _eqstate(mode: Mode) -> Measured:
    return _brainstate_style(need("eqstate"), mode)


def _brainstate(mode: Mode) -> Measured:
    return _brainstate_style(need("brainstate"), mode)


def _equinox(mode: Mode) -> Measured:
    jax = need("jax")
    eqx = need("equinox")
    jnp = jax.numpy
    w, b, xs = _data()
    wi, wg, wf, wo = np.split(w, 4, axis=-1)
    bi, bg, bf, bo = np.split(b, 4)
    w_eqx = np.concatenate([wi, wf, wg, wo], axis=-1)  # equinox's gate order
    cell = eqx.nn.LSTMCell(NUM_IN, HIDDEN, key=jax.random.PRNGKey(0))
    cell = eqx.tree_at(
        lambda m: (m.weight_ih, m.weight_hh, m.bias),
        cell,
        (
            jnp.asarray(w_eqx[:NUM_IN].T),
            jnp.asarray(w_eqx[NUM_IN:].T),
            jnp.asarray(np.concatenate([bi, bf + 1.0, bg, bo])),
        ),
    )
    xs = jnp.asarray(xs)

    @eqx.filter_jit
    def unroll(cell, xs):
        def step(carry, x):
            h, c = jax.vmap(cell)(x, carry)
            return (h, c), h

        zeros = jnp.zeros((BATCH, HIDDEN), jnp.float32)
        (_, c), hs = jax.lax.scan(step, (zeros, zeros), xs)
        return hs, c

    return _finish(lambda: unroll(cell, xs), jax, mode)


def _nnx(mode: Mode) -> Measured:
    jax = need("jax")
    nnx = need("flax.nnx")
    jnp = jax.numpy
    w, b, xs = _data()
    cell = nnx.LSTMCell(NUM_IN, HIDDEN, rngs=nnx.Rngs(0))
    # pure JAX's gate blocks (i, g, f, o) of `[x, h] @ w + b`, the forget bias +1
    gates = zip(("i", "g", "f", "o"), np.split(w, 4, axis=-1), np.split(b, 4))
    for gate, wk, bk in gates:
        name = "if_" if gate == "f" else "i" + gate
        getattr(cell, name).kernel[...] = jnp.asarray(wk[:NUM_IN])
        hidden = getattr(cell, "h" + gate)
        hidden.kernel[...] = jnp.asarray(wk[NUM_IN:])
        hidden.bias[...] = jnp.asarray(bk + 1.0 if gate == "f" else bk)
    xs = jnp.asarray(xs)

    @nnx.jit
    def unroll(cell, xs):
        @nnx.scan(in_axes=(nnx.Carry, None, 0), out_axes=(nnx.Carry, 0))
        def step(carry, cell, x):
            return cell(carry, x)

        zeros = jnp.zeros((BATCH, HIDDEN), jnp.float32)
        (c, _), hs = step((zeros, zeros), cell, xs)
        return hs, c

    return _finish(lambda: unroll(cell, xs), jax, mode)


WORKLOAD = Workload(
    name="lstm",
    title="LSTM unroll: 100 steps of an LSTMCell",
    description=(
        "µs per jitted 100-step unroll of an LSTM cell (batch 16, 8 inputs, 64 "
        "hidden units) from the same weights: `for_loop` over `nn.LSTMCell` vs a "
        "hand-written `lax.scan`."
    ),
    metrics=(
        Metric("unroll", "100-step LSTMCell unroll", "us", target=1.05, headline=True),
    ),
    impls={
        "jax": _jax,
        "eqstate": _eqstate,
        "brainstate": _brainstate,
        "equinox": _equinox,
        "nnx": _nnx,
    },
    rtol=1e-4,
)
