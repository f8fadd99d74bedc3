"""eqstate.checkpoint: braintools' format, the registry, AsyncManager, crashes."""

import hashlib
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import NamedTuple

import jax.numpy as jnp
import msgpack
import numpy as np
import pytest

import eqstate
import eqstate.checkpoint as ckpt
from eqstate.checkpoint import _format

GOLDEN = Path(__file__).parent / "golden"
ROOT = Path(__file__).resolve().parents[1]


def _braintools_like():
    return {
        "params": {
            "w": eqstate.ParamState(jnp.zeros((3, 2))),
            "b": eqstate.ParamState(jnp.zeros(2)),
        },
        "count": eqstate.State(jnp.asarray(0, jnp.int32)),
        "steps": [0, 0.0],
    }


def test_reads_braintools_files_of_path_keyed_dicts():
    """braintools stores a plain dict's tuple keys as strings ("('w',)") and
    nests `module.states()`; eqstate reads both, and writes both the same way."""
    expected = json.loads((GOLDEN / "braintools_checkpoint.json").read_text())
    net = {
        ("w",): eqstate.ParamState(jnp.zeros((3, 2))),
        ("b",): eqstate.ParamState(jnp.zeros(2)),
        ("count",): eqstate.State(jnp.asarray(0, jnp.int32)),
    }
    target = {k: s.value for k, s in net.items()}
    out = ckpt.msgpack_load(GOLDEN / "braintools_checkpoint_flat.msgpack", target)
    np.testing.assert_allclose(out[("w",)], expected["w"], rtol=1e-6)
    assert int(out[("count",)]) == expected["count"]
    ckpt.msgpack_load(GOLDEN / "braintools_checkpoint_flat.msgpack", net)
    np.testing.assert_allclose(net[("b",)].value, expected["b"], rtol=1e-6)
    raw = msgpack.unpackb(
        (GOLDEN / "braintools_checkpoint_flat.msgpack").read_bytes(), raw=False
    )  # (the keys are strings: readable by every msgpack from the floor up)
    assert (
        set(ckpt.msgpack_to_state_dict(target))
        == set(raw)
        == {
            "('w',)",
            "('b',)",
            "('count',)",
        }
    )


def test_reads_a_file_written_by_braintools():
    path = GOLDEN / "braintools_checkpoint.msgpack"
    expected = json.loads((GOLDEN / "braintools_checkpoint.json").read_text())
    target = _braintools_like()
    out = ckpt.msgpack_load(path, target)
    np.testing.assert_array_equal(target["params"]["w"].value, expected["w"])
    np.testing.assert_array_equal(target["params"]["b"].value, expected["b"])
    assert int(target["count"].value) == expected["count"]
    assert out["steps"] == [1, 2.5] and out["params"]["w"] is target["params"]["w"]
    # without a target: braintools' state dict; `load` reads it too
    raw = ckpt.msgpack_load(path)
    np.testing.assert_array_equal(raw["params"]["w"], expected["w"])
    flat = {
        ("w",): eqstate.ParamState(jnp.zeros((3, 2))),
        ("b",): eqstate.ParamState(jnp.zeros(2)),
    }
    ckpt.load(
        path,
        {"params": flat, "count": eqstate.State(jnp.asarray(0)), "steps": [0, 0.0]},
    )
    np.testing.assert_array_equal(flat[("b",)].value, expected["b"])


def test_braintools_mismatch_modes():
    path = GOLDEN / "braintools_checkpoint.msgpack"
    target = _braintools_like()
    target["params"]["w"] = eqstate.ParamState(jnp.zeros((2, 2)))
    with pytest.raises(
        ckpt.CheckpointMismatchError,
        match=r"shape \(3, 2\).*params/w.*braintools msgpack",
    ) as info:
        ckpt.msgpack_load(path, target)
    assert "Nothing was loaded" in str(info.value)
    assert float(target["params"]["b"].value[0]) == 0.0  # all or nothing
    with pytest.warns(UserWarning, match="shape"):
        ckpt.msgpack_load(path, target, mismatch="warn")
    assert float(target["params"]["b"].value[0]) != 0.0
    assert target["params"]["w"].value.shape == (2, 2)
    target["extra"] = eqstate.State(jnp.ones(1))
    ckpt.msgpack_load(path, target, mismatch="ignore")
    with pytest.raises((ckpt.CheckpointError, TypeError), match="maybe"):
        ckpt.msgpack_load(path, target, mismatch="maybe")  # pyright: ignore[reportArgumentType]


def test_errors_name_the_format(tmp_path):
    junk = tmp_path / "junk.msgpack"
    junk.write_bytes(b"\xc1\xc1 not msgpack")
    with pytest.raises(
        ckpt.CheckpointCorruptError,
        match="neither an eqstate checkpoint .* nor a braintools msgpack checkpoint",
    ):
        ckpt.msgpack_load(junk)
    good = tmp_path / "w.msgpack"
    ckpt.msgpack_save(good, {"w": eqstate.State(jnp.ones(3))})
    good.write_bytes(good.read_bytes()[:-3])
    with pytest.raises(
        ckpt.CheckpointCorruptError,
        match="not a complete eqstate checkpoint \\(the checked format",
    ):
        ckpt.msgpack_load(good, {"w": eqstate.State(jnp.ones(3))})
    with pytest.raises(ckpt.InvalidCheckpointPath, match="no such checkpoint file"):
        ckpt.msgpack_load(tmp_path / "none.msgpack")


def test_valid_checksum_with_too_little_data_is_corrupt(tmp_path):
    """Issue 9 item 8: a well-formed file whose entry is short is refused cleanly."""
    body = msgpack.packb(
        {
            "version": 1,
            "entries": [
                {"path": "['w']", "dtype": "float32", "shape": [4], "data": b"\0" * 8}
            ],
        },
        use_bin_type=True,
    )
    path = tmp_path / "short.ckpt"
    path.write_bytes(_format.MAGIC + hashlib.sha256(body).digest() + body)
    w = eqstate.State(jnp.ones(4))
    with pytest.raises(
        ckpt.CheckpointCorruptError,
        match=r"\['w'\] \(float32\[4\]\) needs 16 bytes of data but holds 8",
    ):
        ckpt.load(path, {"w": w})
    assert w.value.tolist() == [1.0] * 4
    with pytest.raises(ckpt.CheckpointCorruptError):
        ckpt.msgpack_load(path)


def test_save_options(tmp_path):
    w = {"w": eqstate.State(jnp.arange(2.0))}
    path = tmp_path / "sub" / "w.msgpack"
    assert ckpt.msgpack_save(path, w) == str(path)  # directories are created
    with pytest.raises(ckpt.InvalidCheckpointPath, match="overwrite=False") as info:
        ckpt.msgpack_save(path, w, overwrite=False)
    assert info.value.path == str(path)
    other = tmp_path / "other.msgpack"
    ckpt.msgpack_save(other, w, overwrite=False)
    with pytest.raises(ckpt.AlreadyExistsError, match="overwrite=True"):
        _format.write_atomic(str(other), b"x", overwrite=False)
    with pytest.raises(ckpt.CheckpointError, match="max_size=10"):
        ckpt.msgpack_load(path, max_size=10)
    assert sorted(os.listdir(tmp_path)) == ["other.msgpack", "sub"]


class Pair(NamedTuple):
    a: object
    b: object


class Box:
    def __init__(self, value):
        self.value = value


def test_state_dict_registry_round_trip():
    tree = {
        "pair": Pair(eqstate.State(jnp.ones(2)), [jnp.zeros(1)]),
        ("x", "y"): jnp.arange(3),
    }
    state = ckpt.msgpack_to_state_dict(tree)
    # a plain dict's tuple key keeps its string form, as braintools stores it
    assert set(state) == {"pair", "('x', 'y')"} and set(state["pair"]) == {"a", "b"}
    assert state["pair"]["b"] == {"0": state["pair"]["b"]["0"]}
    target = {
        "pair": Pair(eqstate.State(jnp.zeros(2)), [jnp.ones(1)]),
        ("x", "y"): jnp.zeros(3),
    }
    out = ckpt.msgpack_from_state_dict(target, state)
    assert out["pair"].a.value.tolist() == [1.0, 1.0] and out[("x", "y")].tolist() == [
        0,
        1,
        2,
    ]

    ckpt.msgpack_register_serialization(
        Box, lambda b: {"v": b.value}, lambda b, s, mismatch="error": Box(s["v"] * 2)
    )
    with pytest.raises(ckpt.CheckpointError, match="already registered"):
        ckpt.msgpack_register_serialization(Box, lambda b: {}, lambda b, s, m: b)
    assert (
        ckpt.msgpack_from_state_dict(Box(0), ckpt.msgpack_to_state_dict(Box(3))).value
        == 6
    )
    with pytest.raises(ckpt.CheckpointError, match="do not have distinct string forms"):
        ckpt.msgpack_to_state_dict({1: 0, "1": 0})


_KILLED_SAVE = textwrap.dedent(
    """
    import os, signal, sys
    import jax.numpy as jnp
    import eqstate, eqstate.checkpoint as ckpt
    from eqstate.checkpoint import _format
    path, crash_at = sys.argv[1], int(sys.argv[2])
    w = eqstate.State(jnp.zeros(3))
    real_fsync = os.fsync
    count = [0]
    def fsync(fd):
        count[0] += 1
        if count[0] == crash_at:  # the process dies in the middle of a write
            os.kill(os.getpid(), signal.SIGKILL)
        real_fsync(fd)
    _format.os.fsync = fsync
    with ckpt.AsyncManager() as manager:
        for i in range(100):
            w.value = jnp.full(3, float(i))
            ckpt.msgpack_save(path, {"w": w}, async_manager=manager)
    """
)


def test_killed_save_leaves_no_stray_file_and_last_checkpoint_loads(tmp_path):
    """A save killed mid-write: the last complete checkpoint loads, the temp is removed."""
    path = tmp_path / "run.msgpack"
    env = dict(os.environ, PYTHONPATH=str(ROOT), JAX_PLATFORMS="cpu")
    proc = subprocess.run(
        [sys.executable, "-c", _KILLED_SAVE, str(path), "101"],
        env=env,
        capture_output=True,
    )
    assert proc.returncode == -9, proc.stderr.decode()[-2000:]
    stray = [n for n in os.listdir(tmp_path) if n.endswith(".tmp")]
    assert len(stray) == 1  # what the killed process left
    w = eqstate.State(jnp.zeros(3))
    ckpt.msgpack_load(path, {"w": w})  # the load clears it
    assert (
        w.value.tolist() == [49.0] * 3
    )  # saves 0..49 done; fsync 101 is save 50's file
    assert os.listdir(tmp_path) == ["run.msgpack"]


def test_async_manager_survives_a_crash_in_the_middle(tmp_path, monkeypatch):
    """100 saves; save 50 fails in the background; the last complete one always loads."""
    path = tmp_path / "run.msgpack"
    w = eqstate.State(jnp.zeros(2))
    real_replace = os.replace

    def failing_replace(src, dst):
        if failing_replace.armed:
            failing_replace.armed = False
            raise OSError("disk full (injected)")
        real_replace(src, dst)

    failing_replace.armed = False
    monkeypatch.setattr(_format.os, "replace", failing_replace)
    completed = -1
    with ckpt.AsyncManager() as manager:
        for i in range(100):
            w.value = jnp.full(2, float(i))
            failing_replace.armed = i == 50
            ckpt.msgpack_save(path, {"w": w}, async_manager=manager)
            try:
                manager.wait_until_finished()
                completed = i
            except OSError as e:  # save 50's error surfaces here, once
                assert i == 50 and "injected" in str(e)
            loaded = eqstate.State(jnp.zeros(2))
            ckpt.msgpack_load(path, {"w": loaded})
            assert loaded.value.tolist() == [float(completed)] * 2
    assert completed == 99
    assert os.listdir(tmp_path) == ["run.msgpack"]
    with pytest.raises(ckpt.CheckpointError, match="manager is closed"):
        manager.save_async(lambda: None)


def test_matfile_round_trip(tmp_path):
    pytest.importorskip("scipy")
    path = tmp_path / "data.mat"
    ckpt.save_matfile(path, {"w": jnp.arange(4.0).reshape(2, 2), "cfg": {"dt": 0.1}})
    data = ckpt.load_matfile(path)
    assert sorted(data) == ["cfg", "w"] and data["w"].shape == (2, 2)
    assert data["cfg"]["dt"] == 0.1
    assert "__header__" in ckpt.load_matfile(path, include_header=True)


class _Layer(eqstate.nn.Module):
    def __init__(self):
        self.V = eqstate.HiddenState(jnp.zeros(2))
        self.w = eqstate.ParamState(jnp.ones(3))


class _Net(eqstate.nn.Module):
    def __init__(self):
        self.l1 = _Layer()


def test_load_without_target_is_nested_like_braintools(tmp_path):
    # braintools 0.3.0 returns these structures (checked in the reference venv)
    path = tmp_path / "run.msgpack"
    ckpt.msgpack_save(path, {"model": _Net().states(), "epoch": 3})
    state = ckpt.msgpack_load(path)
    assert sorted(state) == ["epoch", "model"] and state["epoch"] == 3
    assert sorted(state["model"]["l1"]) == ["V", "w"]
    assert state["model"]["l1"]["w"].tolist() == [1.0, 1.0, 1.0]
    ckpt.msgpack_save(path, _Net())  # a module: attributes by name
    assert state_keys(ckpt.msgpack_load(path)) == {"l1": {"V": None, "w": None}}
    tree = [
        jnp.ones(2),
        (jnp.zeros(1), 2.5),
        {"s": eqstate.State({"a": [jnp.ones(1)]})},
    ]
    ckpt.msgpack_save(path, tree)  # lists/tuples keyed "0", "1"; a State as its value
    assert state_keys(ckpt.msgpack_load(path)) == {
        "0": None,
        "1": {"0": None, "1": None},
        "2": {"s": {"a": {"0": None}}},
    }
    assert float(ckpt.msgpack_load(path)["1"]["1"]) == 2.5
    ckpt.msgpack_save(path, {"it's [odd]": jnp.ones(1)})
    assert list(ckpt.msgpack_load(path)) == ["it's [odd]"]
    ckpt.msgpack_save(path, jnp.arange(2.0))  # a bare array comes back bare
    assert ckpt.msgpack_load(path).tolist() == [0.0, 1.0]
    ckpt.msgpack_save(path, {"a": {0: jnp.ones(1)}, "b": {"0": jnp.ones(1)}})
    assert state_keys(ckpt.msgpack_load(path)) == {"a": {"0": None}, "b": {"0": None}}
    ckpt.msgpack_save(path, {("a", "b"): jnp.ones(1), ("a",): {"b": jnp.ones(1)}})
    with pytest.raises(ckpt.CheckpointError, match="collides with another one"):
        ckpt.msgpack_load(path)


def state_keys(state):
    return (
        {k: state_keys(v) for k, v in state.items()}
        if isinstance(state, dict)
        else None
    )


def test_errors_braintools_raises_as_builtins_are_those_builtins(tmp_path):
    path = tmp_path / "w.msgpack"
    ckpt.msgpack_save(path, {"w": eqstate.State(jnp.ones(3))})
    with pytest.raises(
        ValueError, match="holds float32\\[3\\], the target float32\\[2\\]"
    ):
        ckpt.msgpack_load(path, {"w": eqstate.State(jnp.zeros(2))})
    with pytest.raises(ValueError, match="the file has no value for it"):
        ckpt.msgpack_load(path, {"v": eqstate.State(jnp.zeros(3))})
    with pytest.raises(
        ValueError, match="the list has 3 items, the file 2"
    ):  # braintools format
        ckpt.msgpack_load(
            GOLDEN / "braintools_checkpoint.msgpack", {"steps": [0, 1, 2]}
        )
    with pytest.raises(ValueError, match="no such checkpoint file") as info:
        ckpt.msgpack_load(tmp_path / "none.msgpack")
    assert isinstance(info.value, ckpt.InvalidCheckpointPath)
    assert isinstance(info.value, ckpt.CheckpointError)
    with pytest.raises(ValueError, match="overwrite=False"):
        ckpt.msgpack_save(path, {"w": eqstate.State(jnp.ones(3))}, overwrite=False)
    pytest.importorskip("scipy")
    with pytest.raises(FileNotFoundError, match="no such MATLAB file") as missing:
        ckpt.load_matfile(tmp_path / "none.mat")
    assert isinstance(missing.value, ckpt.InvalidCheckpointPath)
    assert isinstance(missing.value, ValueError)
