"""Peak memory of the backward pass: `checkpointed_scan` vs `scan`.

    python -m benchmarks.checkpointed_memory [--steps 10000] [--width 256]

A recurrent cell `h <- tanh(W h + x_t)` with `W` a `ParamState` runs for
`--steps` steps; the loss is the sum of the final state. The gradient with
respect to `W` is compiled with XLA for each loop, and XLA's own memory
analysis of the compiled program (`temp_size_in_bytes`: the scratch buffers
live at the peak, which is where `scan` keeps every step's activations) is
reported, with the argument and output sizes beside it. The gradients of both
loops are also checked to agree.
"""

from __future__ import annotations

import argparse
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

import eqstate
from eqstate import transform as T


def _grad_fn(loop: Any, w: eqstate.ParamState[Any], xs: jax.Array, **kw: Any) -> Any:
    def loss(h0: jax.Array) -> jax.Array:
        def body(h: jax.Array, x: jax.Array) -> tuple[jax.Array, None]:
            return jnp.tanh(h @ w.value + x), None

        h, _ = loop(body, h0, xs, **kw)
        return h.sum()

    return T.jit(T.grad(loss, grad_states=w))


def _memory(fn: Any, h0: jax.Array) -> dict[str, int]:
    compiled = fn.lower(h0).compile()
    stats = compiled.memory_analysis()
    return {
        "temp": int(stats.temp_size_in_bytes),
        "args": int(stats.argument_size_in_bytes),
        "out": int(stats.output_size_in_bytes),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--steps", type=int, default=10_000)
    parser.add_argument("--width", type=int, default=256)
    parser.add_argument("--base", type=int, default=16)
    args = parser.parse_args(argv)

    key = jax.random.PRNGKey(0)
    w = eqstate.ParamState(jax.random.normal(key, (args.width, args.width)) * 0.05)
    xs = jnp.sin(jnp.arange(args.steps * args.width, dtype=jnp.float32)).reshape(
        args.steps, args.width
    )
    h0 = jnp.zeros(args.width)
    plain = _grad_fn(T.scan, w, xs)
    ckpt = _grad_fn(T.checkpointed_scan, w, xs, base=args.base)
    m_plain, m_ckpt = _memory(plain, h0), _memory(ckpt, h0)
    np.testing.assert_allclose(ckpt(h0), plain(h0), rtol=1e-4, atol=1e-6)

    mib = 2.0**20
    print(
        f"backward pass of {args.steps:,} steps, width {args.width}, base {args.base}"
    )
    print(f"{'loop':<20}{'temp MiB':>12}{'args MiB':>12}{'out MiB':>12}")
    for name, m in (("scan", m_plain), ("checkpointed_scan", m_ckpt)):
        print(
            f"{name:<20}{m['temp'] / mib:>12.2f}{m['args'] / mib:>12.2f}"
            f"{m['out'] / mib:>12.2f}"
        )
    factor = m_plain["temp"] / max(m_ckpt["temp"], 1)
    print(f"peak scratch memory: checkpointed_scan uses 1/{factor:.1f} of scan's")
    print("gradients agree (rtol 1e-4)")


if __name__ == "__main__":
    main()
