"""Data + model parallel training of an MLP on a 2 x 4 device mesh.

Run: `python examples/sharded_training.py [STEPS]`.

On a CPU the script asks XLA for 8 simulated devices. The mesh has a `data`
axis (2: each half of the batch on its own devices) and a `model` axis (4:
the hidden layer's weights split four ways). The model code names the axes
of each parameter (`"embed"`, `"mlp"`); one rule table lays them out on the
mesh. The parameters are created already sharded, the jitted step keeps
them so, and the loss curve is the same as the one-device run's.
"""

import os
import sys

if "XLA_FLAGS" not in os.environ:  # before jax is imported
    os.environ["XLA_FLAGS"] = "--xla_force_host_platform_device_count=8"

import jax
import jax.numpy as jnp
import numpy as np
from jax.sharding import Mesh, NamedSharding, PartitionSpec as P

import eqstate
from eqstate import sharding

STEPS = int(sys.argv[1]) if len(sys.argv) > 1 else 100
RULES = {"batch": "data", "mlp": "model"}  # logical axis -> mesh axis


class MLP(eqstate.nn.Module):
    def __init__(self, n_in: int, n_hidden: int, n_out: int, sharded: bool):
        def named(init, names):  # the logical names of a parameter's axes
            return sharding.with_partitioning(init, names) if sharded else init

        kaiming, zeros = eqstate.init.KaimingNormal(), eqstate.init.ZeroInit()
        self.l1 = eqstate.nn.Linear(
            n_in,
            n_hidden,
            w_init=named(kaiming, ("embed", "mlp")),
            b_init=named(zeros, ("mlp",)),
        )
        self.l2 = eqstate.nn.Linear(
            n_hidden,
            n_hidden,
            w_init=named(kaiming, ("mlp", "embed")),
            b_init=named(zeros, ("embed",)),
        )
        self.l3 = eqstate.nn.Linear(n_hidden, n_out)

    def __call__(self, x):
        h = jax.nn.relu(self.l1(x))
        h = jax.nn.relu(self.l2(h))
        return self.l3(h)


def train(mesh: Mesh | None, x: np.ndarray, y: np.ndarray) -> tuple[MLP, list[float]]:
    eqstate.random.seed(0)
    if mesh is None:
        model = MLP(x.shape[1], 256, y.shape[1], sharded=False)
        xb, yb = jnp.asarray(x), jnp.asarray(y)
    else:
        with jax.set_mesh(mesh):  # the initializers create each shard in place
            model = MLP(x.shape[1], 256, y.shape[1], sharded=True)
        batch = NamedSharding(mesh, sharding.logical_to_spec(("batch", None)))
        xb, yb = jax.device_put(x, batch), jax.device_put(y, batch)
    params = model.states(eqstate.ParamState)

    @eqstate.transform.jit
    def step(x, y):
        def loss_fn():
            return jnp.mean((model(x) - y) ** 2)

        grads, loss = eqstate.transform.grad(
            loss_fn, grad_states=params, return_value=True
        )()
        for path, g in grads.items():
            p = params[path]
            p.value = jax.tree.map(lambda w, d: w - 0.05 * d, p.value, g)
        return loss

    return model, [float(step(xb, yb)) for _ in range(STEPS)]


def per_device_bytes(model: MLP) -> dict[str, int]:
    total: dict[str, int] = {}
    for leaf in jax.tree.leaves(model):
        for shard in leaf.addressable_shards:
            key = str(shard.device)
            total[key] = total.get(key, 0) + shard.data.nbytes
    return total


def main() -> None:
    devices = jax.devices()
    shape = (2, 4) if len(devices) >= 8 else (1, len(devices))
    mesh = Mesh(
        np.array(devices[: shape[0] * shape[1]]).reshape(shape), ("data", "model")
    )
    print(f"mesh: {dict(mesh.shape)} on {devices[0].platform}")
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 16)).astype(np.float32)
    y = np.sin(x[:, :4] + x[:, 4:8]).astype(np.float32)

    sharding.rules(RULES)
    model, losses = train(mesh, x, y)
    _, reference = train(None, x, y)

    specs = sharding.specs(model)
    print("l1 weight spec:", specs.l1.weight.value["weight"])
    full = sum(leaf.nbytes for leaf in jax.tree.leaves(model))
    print(f"parameters: {full} bytes in all; per device:")
    for device, n in per_device_bytes(model).items():
        print(f"  {device}: {n} bytes")
    for i in range(0, STEPS, max(1, STEPS // 10)):
        print(f"step {i:4d}  loss {losses[i]:.6f}  (1 device: {reference[i]:.6f})")
    np.testing.assert_allclose(losses, reference, rtol=1e-4, atol=1e-6)
    w = model.l1.weight.value["weight"]
    assert w.sharding.spec == P(None, "model")  # still sharded after training
    print(f"final loss {losses[-1]:.6f}: the same trajectory as on one device")


if __name__ == "__main__":
    main()
