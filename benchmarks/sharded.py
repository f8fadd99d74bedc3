"""A data-parallel train step on 8 devices: eqstate beside the same step
written by hand with `jax.jit` + `NamedSharding`, and flax.nnx.

    python -m benchmarks.sharded [--repeats 7] [--steps 20] [--nnx-python PY]

On a CPU the script asks XLA for 8 simulated devices (set `XLA_FLAGS`
yourself to change that). The model is a 16-64-64-4 MLP (ReLU, MSE, SGD),
its parameters replicated on a 1-d `data` mesh of all devices, the batch of
64 split over it. Each variant is timed in interleaved rounds; the table
gives the median µs per step (each step waited for) and the ratio to the
hand-written step.

flax.nnx runs in a child process of `--nnx-python` (default this
interpreter; the peers often live in another virtual environment), which
times nnx beside its own hand-written JAX step, so its ratio is fair even
when its JAX differs. The final losses of all variants are compared.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

if __name__ == "__main__" and "XLA_FLAGS" not in os.environ:
    os.environ["XLA_FLAGS"] = "--xla_force_host_platform_device_count=8"

import jax
import jax.numpy as jnp
import numpy as np
from jax.sharding import Mesh, NamedSharding, PartitionSpec as P

SIZES = (16, 64, 64, 4)
BATCH = 64
LR = 0.05
Step = Callable[[], Any]


def weights() -> list[tuple[np.ndarray, np.ndarray]]:
    rng = np.random.default_rng(0)
    return [
        (
            (rng.normal(size=(a, b)) / np.sqrt(a)).astype(np.float32),
            np.zeros(b, np.float32),
        )
        for a, b in zip(SIZES[:-1], SIZES[1:])
    ]


def data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(1)
    x = rng.normal(size=(BATCH, SIZES[0])).astype(np.float32)
    return x, np.tanh(x[:, : SIZES[-1]] * 2.0).astype(np.float32)


def mesh_and_batch() -> tuple[Mesh, Any, Any]:
    mesh = Mesh(np.array(jax.devices()), ("data",))
    batch = NamedSharding(mesh, P("data"))
    x, y = data()
    return mesh, jax.device_put(x, batch), jax.device_put(y, batch)


def _forward(layers: list[Any], x: Any) -> Any:
    for i, (w, b) in enumerate(layers):
        x = x @ w + b
        if i < len(layers) - 1:
            x = jax.nn.relu(x)
    return x


def by_hand() -> tuple[Step, Callable[[], Any], Callable[[], float]]:
    """The floor: `jax.jit` with explicit in/out shardings and donation."""
    mesh, x, y = mesh_and_batch()
    replicated = NamedSharding(mesh, P())
    params = jax.device_put(
        [(jnp.asarray(w), jnp.asarray(b)) for w, b in weights()], replicated
    )

    def step_fn(params, x, y):
        loss, grads = jax.value_and_grad(lambda p: jnp.mean((_forward(p, x) - y) ** 2))(
            params
        )
        return jax.tree.map(lambda p, g: p - LR * g, params, grads), loss

    batch = NamedSharding(mesh, P("data"))
    jitted = jax.jit(
        step_fn,
        in_shardings=(replicated, batch, batch),
        out_shardings=(replicated, replicated),
        donate_argnums=0,
    )
    box = [params, None]

    def step() -> Any:
        box[0], box[1] = jitted(box[0], x, y)
        return box[1]

    return step, lambda: jax.block_until_ready(box[0]), lambda: float(box[1])


def with_eqstate() -> tuple[Step, Callable[[], Any], Callable[[], float]]:
    import eqstate
    from eqstate import sharding

    mesh, x, y = mesh_and_batch()

    class MLP(eqstate.nn.Module):
        def __init__(self):
            self.layers = [
                eqstate.nn.Linear(w.shape[0], w.shape[1], w_init=w, b_init=b)
                for w, b in weights()
            ]

        def __call__(self, x):
            for i, layer in enumerate(self.layers):
                x = layer(x)
                if i < len(self.layers) - 1:
                    x = jax.nn.relu(x)
            return x

    model = MLP()
    sharding.shard(model, mesh)  # replicated: no State declares a layout
    params = model.states(eqstate.ParamState)
    box: list[Any] = [None]

    @eqstate.transform.jit
    def train_step(x, y):
        grads, loss = eqstate.transform.grad(
            lambda: jnp.mean((model(x) - y) ** 2), grad_states=params, return_value=True
        )()
        for path, g in grads.items():
            p = params[path]
            p.value = jax.tree.map(lambda a, d: a - LR * d, p.value, g)
        return loss

    def step() -> Any:
        box[0] = train_step(x, y)
        return box[0]

    first = model.layers[0].weight
    return step, lambda: jax.block_until_ready(first.value), lambda: float(box[0])


def with_nnx() -> tuple[Step, Callable[[], Any], Callable[[], float]]:
    from flax import nnx  # pyright: ignore[reportMissingImports]

    mesh, x, y = mesh_and_batch()

    class MLP(nnx.Module):
        def __init__(self):
            self.layers = nnx.List(
                [_nnx_linear(nnx, w, b) for w, b in weights()]
                if hasattr(nnx, "List")
                else [_nnx_linear(nnx, w, b) for w, b in weights()]
            )

        def __call__(self, x):
            n = len(self.layers)
            for i, layer in enumerate(self.layers):
                x = layer(x)
                if i < n - 1:
                    x = jax.nn.relu(x)
            return x

    model = MLP()
    state = nnx.state(model)
    nnx.update(model, jax.device_put(state, NamedSharding(mesh, P())))
    box: list[Any] = [None]

    @nnx.jit
    def train_step(model, x, y):
        loss, grads = nnx.value_and_grad(lambda m: jnp.mean((m(x) - y) ** 2))(model)
        params = nnx.state(model, nnx.Param)
        nnx.update(model, jax.tree.map(lambda p, g: p - LR * g, params, grads))
        return loss

    def step() -> Any:
        box[0] = train_step(model, x, y)
        return box[0]

    return step, lambda: jax.block_until_ready(box[0]), lambda: float(box[0])


def _nnx_linear(nnx: Any, w: np.ndarray, b: np.ndarray) -> Any:
    layer = nnx.Linear(w.shape[0], w.shape[1], rngs=nnx.Rngs(0))
    layer.kernel.value = jnp.asarray(w)
    layer.bias.value = jnp.asarray(b)
    return layer


def _per_call_us(step: Step, block: Callable[[], Any], seconds: float) -> float:
    """µs per step, each step waited for: with collectives on simulated CPU
    devices, many steps in flight can starve XLA's rendezvous threads."""
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


def measure(
    variants: dict[str, Callable[[], Any]], repeats: int, steps: int
) -> dict[str, Any]:
    built = {name: make() for name, make in variants.items()}
    losses = {}
    for name, (step, block, loss) in built.items():
        for _ in range(steps):
            step()
            block()
        losses[name] = loss()
    times: dict[str, list[float]] = {name: [] for name in built}
    for r in range(repeats):  # interleaved rounds, alternating order
        order = list(built) if r % 2 == 0 else list(built)[::-1]
        for name in order:
            step, block, _ = built[name]
            times[name].append(_per_call_us(step, block, 0.2))
    return {
        "devices": f"{len(jax.devices())} x {jax.devices()[0].platform}",
        "jax": jax.__version__,
        "median_us": {k: statistics.median(v) for k, v in times.items()},
        "loss": losses,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--nnx-python", default=sys.executable)
    parser.add_argument("--child", choices=["nnx"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child == "nnx":
        result = measure({"jax": by_hand, "nnx": with_nnx}, args.repeats, args.steps)
        print(json.dumps(result))
        return
    result = measure(
        {"jax": by_hand, "eqstate": with_eqstate}, args.repeats, args.steps
    )
    base = result["median_us"]["jax"]
    print(f"data-parallel train step on {result['devices']} (jax {result['jax']})")
    print(
        f"{'variant':<10} {'µs/step':>10} {'ratio':>7}  loss after {args.steps} steps"
    )
    for name, us in result["median_us"].items():
        print(f"{name:<10} {us:10.1f} {us / base:7.3f}  {result['loss'][name]:.6f}")
    np.testing.assert_allclose(
        result["loss"]["eqstate"], result["loss"]["jax"], rtol=1e-4
    )
    cmd = [
        args.nnx_python,
        "-m",
        "benchmarks.sharded",
        "--child",
        "nnx",
        "--repeats",
        str(args.repeats),
        "--steps",
        str(args.steps),
    ]
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=root)
    if proc.returncode != 0:
        reason = (proc.stderr.strip().splitlines() or ["?"])[-1]
        print(f"flax.nnx   not available ({args.nnx_python}): {reason}")
        return
    nnx = json.loads(proc.stdout.strip().splitlines()[-1])
    nbase = nnx["median_us"]["jax"]
    print(f"flax.nnx, in {args.nnx_python} (jax {nnx['jax']}, {nnx['devices']}):")
    for name, us in nnx["median_us"].items():
        print(f"{name:<10} {us:10.1f} {us / nbase:7.3f}  {nnx['loss'][name]:.6f}")
    np.testing.assert_allclose(nnx["loss"]["nnx"], result["loss"]["jax"], rtol=1e-4)


if __name__ == "__main__":
    main()
