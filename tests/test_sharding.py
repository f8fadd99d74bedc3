"""Sharded States: rules, specs, sharded init, jit keeping shardings, errors.

One-device tests run here; the 8-device checks and the 2-process
`jax.distributed` run happen in subprocesses (tests/sharded_programs.py).
"""

import os
import socket
import subprocess
import sys

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax.sharding import Mesh, NamedSharding, PartitionSpec as P

import eqstate
from eqstate import sharding as S

from .helpers import cpu_subprocess_env

PROGRAM = os.path.join(os.path.dirname(__file__), "sharded_programs.py")
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture
def mesh():
    return Mesh(np.array(jax.devices()[:1]), ("model",))


def test_rules_map_logical_names_and_restore_on_exit():
    assert S.current_rules() == {}
    with S.rules({"mlp": "model", "batch": ("data", "fsdp")}):
        assert S.logical_to_spec(("batch", "mlp", None)) == P(
            ("data", "fsdp"), "model", None
        )
        assert S.logical_to_spec(("embed",)) == P(None)
        with S.rules([("mlp", None)]):
            assert S.logical_to_spec(("mlp",)) == P(None)
        assert S.current_rules()["mlp"] == "model"
    assert S.current_rules() == {}


@pytest.mark.parametrize("axes", ["x", ("x", "y")])
def test_a_mesh_axis_splits_one_dimension(axes):
    with pytest.raises(S.ShardingError, match="both map to mesh axis 'x'"):
        S.logical_to_spec(("a", "b"), {"a": axes, "b": "x"})


class Block(eqstate.nn.Module):
    def __init__(self):
        self.w = eqstate.ParamState(jnp.ones((4, 8)), names=("embed", "mlp"))
        self.tree = eqstate.ParamState(
            {"a": jnp.ones((2, 8)), "b": jnp.ones(3)},
            names={"a": (None, "mlp"), "b": None},
        )
        self.p = eqstate.State(jnp.ones((8,)), sharding=P("model"))
        self.plain = eqstate.State(jnp.array(0))


def test_specs_follow_names_sharding_and_structure(mesh):
    model = Block()
    with S.rules({"mlp": "model"}):
        s = S.specs(model)
        placed = S.shardings(model, mesh)
    assert jax.tree.structure(s) == jax.tree.structure(model)
    assert s.w.value == P(None, "model")
    assert s.tree.value == {"a": P(None, "model"), "b": P()}
    assert s.p.value == P("model") and s.plain.value == P()
    assert placed.w.value == NamedSharding(mesh, P(None, "model"))
    assert S.specs(model).w.value == P(None, None)  # no rules: replicated


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"names": ("embed",)}, "one logical name per dimension"),
        ({"names": {"x": ("a", "b")}}, "does not match the structure"),
        ({"sharding": P("a", "b", "c")}, "more entries than the value has"),
    ],
)
def test_declaration_errors_name_the_state(kwargs, match):
    w = eqstate.ParamState(jnp.ones((2, 3)), name="w", **kwargs)
    with pytest.raises(S.ShardingError, match=match) as info:
        S.specs(w)
    assert "ParamState 'w'" in str(info.value)


def test_shardings_need_a_mesh():
    w = eqstate.ParamState(jnp.ones((2, 3)), names=("a", "b"))
    with pytest.raises(S.ShardingError, match="no mesh to place the specs on"):
        S.shardings(w)


def test_with_partitioning_without_a_mesh_is_the_plain_initializer():
    eqstate.random.seed(1)
    plain = eqstate.init.KaimingNormal()((4, 3))
    eqstate.random.seed(1)
    named = S.with_partitioning(eqstate.init.KaimingNormal(), ("a", "b"))
    np.testing.assert_array_equal(named((4, 3)), plain)
    assert S.names_of(named) == ("a", "b") and S.names_of(plain) is None
    with pytest.raises(S.ShardingError, match="one logical name per dimension"):
        named((4,))


def test_sharded_init_matches_plain_init_and_layers_record_names(mesh):
    eqstate.random.seed(2)
    ref = eqstate.nn.Linear(3, 4)
    eqstate.random.seed(2)
    w_init = S.with_partitioning(eqstate.nn.init.KaimingNormal(), ("embed", "mlp"))
    with S.rules({"mlp": "model"}), jax.set_mesh(mesh):
        layer = eqstate.nn.Linear(3, 4, w_init=w_init)
        emb = eqstate.nn.Embedding(
            5,
            4,
            embedding_init=S.with_partitioning(eqstate.init.ZeroInit(), ("v", "mlp")),
        )
    w = layer.weight.value["weight"]
    np.testing.assert_allclose(w, ref.weight.value["weight"], rtol=1e-6)
    assert w.sharding == NamedSharding(mesh, P(None, "model"))
    assert layer.weight.metadata == {
        "names": {"weight": ("embed", "mlp"), "bias": None}
    }
    assert emb.weight.metadata == {"names": ("v", "mlp")}
    assert eqstate.nn.Linear(3, 4).weight.metadata == {}  # unchanged without names
    conv_init = S.with_partitioning(eqstate.init.ZeroInit(), (None, None, None, "mlp"))
    conv = eqstate.nn.Conv2d((5, 5, 3), 4, 3, w_init=conv_init, b_init=None)
    assert conv.weight.metadata == {"names": {"weight": (None, None, None, "mlp")}}


def test_jit_keeps_a_declared_sharding_and_eager_writes_are_checked(mesh):
    with S.rules({"mlp": "model"}):
        w = eqstate.ParamState(
            jax.device_put(jnp.ones((2, 4)), NamedSharding(mesh, P(None, "model"))),
            name="w",
            names=(None, "mlp"),
        )

        @eqstate.transform.jit
        def step():
            w.value = w.value * 2.0

        for _ in range(3):
            step()
        assert w.value.sharding.spec == P(None, "model")
        np.testing.assert_array_equal(w.value, 8.0)
        w.value = jnp.zeros((2, 4))  # uncommitted: placed on the sharding
        target = NamedSharding(mesh, P(None, "model"))
        assert w.value.sharding.is_equivalent_to(target, 2)
        with pytest.raises(S.ShardingError, match="declares the sharding") as info:
            w.value = jax.device_put(jnp.ones((2, 4)), NamedSharding(mesh, P("model")))
        assert "allow_reshard=True" in str(info.value)


def test_shard_moves_values_in_place(mesh):
    model = Block()
    with S.rules({"mlp": "model"}):
        S.shard(model, mesh)
    assert model.w.value.sharding == NamedSharding(mesh, P(None, "model"))
    assert model.plain.value.sharding == NamedSharding(mesh, P())


def test_initialize_passes_through(monkeypatch):
    seen = {}
    monkeypatch.setattr(jax.distributed, "initialize", lambda **kw: seen.update(kw))
    eqstate.distributed.initialize("localhost:1", 2, 0, initialization_timeout=5)
    assert seen["coordinator_address"] == "localhost:1"
    assert seen["num_processes"] == 2 and seen["process_id"] == 0
    assert seen["initialization_timeout"] == 5


def test_sharded_checkpoint_roundtrip_on_one_device(tmp_path):
    pytest.importorskip("orbax.checkpoint")
    model = Block()
    eqstate.distributed.save_sharded(tmp_path / "ckpt", model)
    saved = [np.asarray(x) for x in jax.tree.leaves(model)]
    other = jax.tree.map(jnp.zeros_like, model)
    eqstate.distributed.restore_sharded(tmp_path / "ckpt", other)
    for a, b in zip(jax.tree.leaves(other), saved):
        np.testing.assert_array_equal(a, b)


def _env(n_devices):
    env = cpu_subprocess_env(n_devices)
    env["PYTHONPATH"] = ROOT + os.pathsep + env.get("PYTHONPATH", "")
    return env


def _loss(stdout):
    lines = [x for x in stdout.splitlines() if x.startswith("loss ")]
    assert lines, stdout[-2000:]
    return float(lines[-1].split()[1])


@pytest.fixture(scope="module")
def eight_devices():
    """The 8-device checks, run once (their 20-step loss is the reference)."""
    result = subprocess.run(
        [sys.executable, PROGRAM, "checks"],
        env=_env(8),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    return result.stdout


def test_eight_devices(eight_devices):
    """Shardings survive jitted steps, results equal the unsharded run, the
    reshard errors, `in_shardings`, and a checkpoint restored on 4 devices."""
    assert eight_devices.strip().endswith("ok")


def _free_port():
    with socket.socket() as s:
        s.bind(("localhost", 0))
        return s.getsockname()[1]


@pytest.mark.distributed
def test_two_processes_agree_with_one(eight_devices):
    try:
        port = _free_port()
    except OSError as e:  # pragma: no cover - sandboxes without sockets
        pytest.skip(f"no localhost port: {e}")
    procs = [
        subprocess.Popen(
            [sys.executable, PROGRAM, "dist", str(port), str(pid)],
            env=_env(4),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for pid in range(2)
    ]
    outs = []
    for p in procs:
        try:
            out, err = p.communicate(timeout=240)
        except subprocess.TimeoutExpired:
            for q in procs:
                q.kill()
            raise
        assert p.returncode == 0, out[-2000:] + err[-3000:]
        outs.append(out)
    ref = _loss(eight_devices)
    for out in outs:
        np.testing.assert_allclose(_loss(out), ref, rtol=1e-5)
