"""Programs the sharding tests run in subprocesses.

`python tests/sharded_programs.py checks` runs the checks on 8 simulated CPU
devices and prints the loss after 20 steps of the sharded MLP;
`... dist PORT PID` is one of 2 `jax.distributed` processes (4 CPU devices
each) training the same model, printing the same loss.
"""

import os
import sys
import tempfile

import jax
import jax.numpy as jnp
import numpy as np
from jax.sharding import Mesh, NamedSharding, PartitionSpec as P

import eqstate
from eqstate import sharding as S

RULES = {"batch": "data", "mlp": "model"}


class MLP(eqstate.nn.Module):
    def __init__(self, sharded: bool):
        def named(init, names):
            return S.with_partitioning(init, names) if sharded else init

        self.l1 = eqstate.nn.Linear(
            8,
            32,
            w_init=named(eqstate.init.KaimingNormal(), ("embed", "mlp")),
            b_init=named(eqstate.init.ZeroInit(), ("mlp",)),
        )
        self.l2 = eqstate.nn.Linear(
            32, 4, w_init=named(eqstate.init.KaimingNormal(), ("mlp", "embed"))
        )
        self.steps = eqstate.State(jnp.array(0))

    def __call__(self, x):
        return self.l2(jax.nn.relu(self.l1(x)))


def data():
    rng = np.random.default_rng(0)
    return (
        rng.normal(size=(16, 8)).astype(np.float32),
        rng.normal(size=(16, 4)).astype(np.float32),
    )


def build(mesh):
    """The model (sharded on `mesh`, or on one device) and its jitted step."""
    eqstate.random.seed(0)
    if mesh is None:
        model = MLP(sharded=False)
    else:
        with jax.set_mesh(mesh):
            model = MLP(sharded=True)
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
            p.value = jax.tree.map(lambda a, b: a - 0.1 * b, p.value, g)
        model.steps.value += 1
        return loss

    return model, step


def batch(mesh, x):
    if mesh is None:
        return jnp.asarray(x)
    sharding = NamedSharding(mesh, P("data"))
    return jax.make_array_from_callback(x.shape, sharding, lambda i: x[i])


def losses(mesh, n):
    model, step = build(mesh)
    x, y = data()
    xb, yb = batch(mesh, x), batch(mesh, y)
    out = [float(np.asarray(step(xb, yb).addressable_data(0))) for _ in range(n)]
    return model, out


def checks():
    assert len(jax.devices()) == 8
    mesh = Mesh(np.array(jax.devices()).reshape(2, 4), ("data", "model"))
    S.rules(RULES)
    ref_model, ref = losses(None, 20)
    model, got = losses(mesh, 20)
    # The sharded step gives the unsharded step's results.
    np.testing.assert_allclose(got, ref, rtol=1e-5)
    for a, b in zip(jax.tree.leaves(model), jax.tree.leaves(ref_model)):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    # Shardings survive 20 jitted steps.
    w1 = model.l1.weight.value
    assert w1["weight"].sharding.spec == P(None, "model"), w1["weight"].sharding
    assert w1["bias"].sharding.spec == P("model")
    w2 = model.l2.weight.value["weight"].sharding
    assert w2.is_equivalent_to(NamedSharding(mesh, P("model", None)), 2), w2
    assert {s.data.shape for s in w1["weight"].addressable_shards} == {(8, 8)}
    assert int(model.steps.value) == 20
    specs = S.specs(model)
    assert specs.l1.weight.value == {"weight": P(None, "model"), "bias": P("model")}
    assert specs.steps.value == P()
    shardings = S.shardings(model, mesh)
    assert shardings.l2.weight.value["bias"].spec == P()

    # An eager write on another sharding is refused, with the fix.
    wrong = jax.device_put(jnp.ones((8, 32)), NamedSharding(mesh, P("model", None)))
    try:
        model.l1.weight.value = {"weight": wrong, "bias": w1["bias"]}
        raise AssertionError("no error")
    except S.ShardingError as e:
        msg = str(e)
        assert "declares the sharding P(None, 'model')" in msg, msg
        assert "allow_reshard=True" in msg and "jax.device_put" in msg, msg
    # ... unless the State allows it: then it is moved onto its sharding.
    with jax.set_mesh(mesh):  # placed on its sharding at creation
        free = eqstate.ParamState(
            jnp.ones((8, 4)), names=("embed", "mlp"), allow_reshard=True
        )
    assert free.value.sharding.spec == P(None, "model")
    free.value = jax.device_put(jnp.ones((8, 4)), NamedSharding(mesh, P("model", None)))
    assert free.value.sharding.spec == P(None, "model")

    # Explicit-axes mesh: a traced write on another sharding raises at trace time.
    emesh = jax.make_mesh((2, 4), ("data", "model"))
    v = eqstate.ParamState(
        jax.device_put(jnp.ones((8, 4)), NamedSharding(emesh, P(None, "model"))),
        names=("embed", "mlp"),
    )

    @eqstate.transform.jit
    def bad():
        v.value = jax.sharding.reshard(v.value * 2, NamedSharding(emesh, P("model")))

    try:
        bad()
        raise AssertionError("no error")
    except S.ShardingError as e:
        assert "has the sharding P('model', None)" in str(e), str(e)
    u = eqstate.ParamState(v.value, names=("embed", "mlp"), allow_reshard=True)

    @eqstate.transform.jit
    def moved():
        u.value = jax.sharding.reshard(u.value * 2, NamedSharding(emesh, P("model")))

    moved()
    assert u.value.sharding.spec == P(None, "model"), u.value.sharding

    # jit's in_shardings for arguments.
    f = eqstate.transform.jit(
        lambda x: model(x).sum(), in_shardings=NamedSharding(mesh, P("data"))
    )
    np.testing.assert_allclose(
        f(jnp.asarray(data()[0])), ref_model(data()[0]).sum(), rtol=1e-5
    )

    # shard_map splits a State by the spec it declares (the data axis here),
    # and gives the unsharded run's result.
    dmesh = Mesh(np.array(jax.devices()), ("data",))
    with S.rules({"batch": "data"}):
        acc = eqstate.State(jnp.zeros(16), names=("batch",))
        plain = eqstate.State(jnp.zeros(16))

        def add(state, x):
            state.value = state.value + 2.0 * x
            return x.sum(keepdims=True)

        x16 = jnp.arange(16.0)
        f = eqstate.transform.shard_map(
            lambda x: add(acc, x), dmesh, in_specs=P("data"), out_specs=P("data")
        )
        partial_sums = f(x16)
        f(x16)
    add(plain, x16)
    add(plain, x16)
    np.testing.assert_allclose(acc.value, plain.value)
    np.testing.assert_allclose(partial_sums.sum(), x16.sum())
    assert partial_sums.shape == (8,) and acc.value.sharding.spec == P("data")

    # Sharded checkpoint: saved from 8 devices, restored onto 4.
    try:
        import orbax.checkpoint  # noqa: F401
    except ImportError:
        print("orbax: skipped")
    else:
        path = os.path.join(tempfile.mkdtemp(), "ckpt")
        eqstate.distributed.save_sharded(path, model)
        before = [np.asarray(a) for a in jax.tree.leaves(model)]
        small = MLP(sharded=False)
        mesh4 = Mesh(np.array(jax.devices()[:4]).reshape(1, 4), ("data", "model"))
        eqstate.distributed.restore_sharded(path, small, mesh4)
        for a, b in zip(jax.tree.leaves(small), before):
            np.testing.assert_array_equal(np.asarray(a), b)
        w = small.l1.weight.value["weight"]
        assert w.sharding.mesh == mesh4 and len(w.sharding.device_set) == 4
        print("orbax: ok")
    print(f"loss {got[-1]!r}")
    print("ok")


def main():
    mode = sys.argv[1]
    if mode == "checks":
        checks()
    elif mode == "dist":
        port, pid = sys.argv[2], int(sys.argv[3])
        eqstate.distributed.initialize(f"localhost:{port}", 2, pid)
        assert len(jax.devices()) == 8 and len(jax.local_devices()) == 4
        mesh = Mesh(np.array(jax.devices()).reshape(2, 4), ("data", "model"))
        S.rules(RULES)
        print(f"loss {losses(mesh, 20)[1][-1]!r}")


if __name__ == "__main__":
    main()
