"""`shard_map` with States split across devices (8 simulated CPU devices)."""

import subprocess
import sys
import textwrap

from .helpers import cpu_subprocess_env

SCRIPT = textwrap.dedent(
    """
    import jax, jax.numpy as jnp, numpy as np
    from jax.sharding import Mesh, PartitionSpec as P
    import eqstate
    from eqstate import transform as T

    assert len(jax.devices()) == 8
    mesh = Mesh(np.array(jax.devices()), ("data",))

    def make():
        w = eqstate.ParamState(jnp.arange(4.0) + 1.0, name="w")
        acc = eqstate.State(jnp.zeros(16), name="acc")
        return w, acc

    def body(w, acc, x):
        acc.value = acc.value + x * 2.0  # split along the data axis
        return x * w.value.sum()  # w replicated on every device

    x = jnp.arange(16.0)
    w1, acc1 = make()
    ref = body(w1, acc1, x)
    w2, acc2 = make()
    f = T.shard_map(
        lambda x: body(w2, acc2, x),
        mesh,
        in_specs=P("data"),
        out_specs=P("data"),
        state_in_specs={acc2: P("data")},
    )
    out = f(x)
    np.testing.assert_allclose(out, ref)
    np.testing.assert_allclose(acc2.value, acc1.value)
    out = f(x)
    np.testing.assert_allclose(acc2.value, 2 * acc1.value)
    assert acc2.value.sharding.spec == P("data")
    # per device: each of 8 shards holds 2 of the 16 entries
    assert {s.data.shape for s in acc2.value.addressable_shards} == {(2,)}

    # A split State only read (each device its shard), a replicated State
    # written from a psum over the shards, and a split State gathered back
    # replicated through state_out_specs: all equal the unsharded run.
    def make2():
        scale = eqstate.ParamState(jnp.linspace(0.5, 2.0, 16), name="scale")
        total = eqstate.State(jnp.zeros(()), name="total")
        hist = eqstate.State(jnp.zeros(16), name="hist")
        return scale, total, hist

    s1, t1, h1 = make2()
    y_ref = x * s1.value
    t1.value = t1.value + (x * s1.value).sum()
    h1.value = h1.value + y_ref
    s2, t2, h2 = make2()

    def sharded(x):
        y = x * s2.value
        t2.value = t2.value + jax.lax.psum(y.sum(), "data")
        h2.value = h2.value + y
        return y

    g = T.shard_map(
        sharded,
        mesh,
        in_specs=P("data"),
        out_specs=P("data"),
        state_in_specs={s2: P("data"), h2: P("data")},
        state_out_specs={h2: P("data"), t2: P()},
    )
    np.testing.assert_allclose(g(x), y_ref, rtol=1e-6)
    np.testing.assert_allclose(t2.value, t1.value, rtol=1e-6)
    np.testing.assert_allclose(h2.value, h1.value, rtol=1e-6)
    np.testing.assert_allclose(s2.value, s1.value)  # read only: unchanged
    assert h2.value.sharding.spec == P("data")

    # brainstate's docstring example: jax.make_mesh's explicit axes make
    # shard_map check its inputs' layout, so arrays made without a mesh (and
    # the State's value) are placed per their specs first.
    mesh3 = jax.make_mesh((8,), ("x",))
    k = eqstate.State(jnp.array(3.0))
    h = T.shard_map(lambda d: d * k.value, mesh3, in_specs=(P("x"),), out_specs=P("x"))
    assert h(jnp.arange(8.0)).tolist() == [3.0 * i for i in range(8)]
    assert jax.jit(h)(jnp.arange(8.0)).tolist() == [3.0 * i for i in range(8)]
    print("ok")
    """
)


def test_shard_map_splits_a_state_by_state_in_specs():
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        env=cpu_subprocess_env(8),
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    assert result.stdout.strip().endswith("ok")
