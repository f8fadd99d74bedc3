"""Python numbers and strings in a checkpoint come back as they were saved,
as braintools' `msgpack_load` returns them (eqstate used to load numbers as
0-d arrays without a target, and to skip strings: the target's own string
came back, or none at all)."""

import hashlib

import jax.numpy as jnp
import msgpack
import numpy as np
import pytest

import eqstate
import eqstate.checkpoint as ckpt
from eqstate.checkpoint import _format

SAVED = {
    "epoch": 5,
    "lr": 0.1,
    "flag": True,
    "z": 1 + 2j,
    "name": "run-α",
    "np": np.float32(2.5),
    "w": eqstate.State(jnp.ones(2)),
}


def _write(tmp_path, payload) -> str:
    body = msgpack.packb(payload, use_bin_type=True)
    path = tmp_path / "hand.ckpt"
    path.write_bytes(_format.MAGIC + hashlib.sha256(body).digest() + body)
    return str(path)


@pytest.mark.parametrize("save", [ckpt.save, ckpt.msgpack_save])
def test_without_a_target_numbers_and_strings_keep_their_types(tmp_path, save):
    path = tmp_path / "c.ckpt"
    save(path, SAVED)
    loaded = ckpt.msgpack_load(path)
    for key in ("epoch", "lr", "flag", "z", "name"):
        assert type(loaded[key]) is type(SAVED[key]) and loaded[key] == SAVED[key]
    assert isinstance(loaded["np"], np.ndarray) and loaded["np"].dtype == np.float32
    assert loaded["w"].tolist() == [1.0, 1.0]


def test_with_a_target_the_saved_string_is_loaded(tmp_path):
    path = tmp_path / "c.ckpt"
    ckpt.save(path, SAVED)
    target = {**SAVED, "epoch": 0, "name": "other", "w": eqstate.State(jnp.zeros(2))}
    loaded = ckpt.load(path, target)
    assert loaded["name"] == "run-α" and loaded["epoch"] == 5
    assert type(loaded["epoch"]) is int
    assert target["w"].value.tolist() == [1.0, 1.0]


def test_a_string_where_the_file_has_an_array_is_a_mismatch(tmp_path):
    path = tmp_path / "c.ckpt"
    ckpt.save(path, {"a": np.ones(2)})
    with pytest.raises(ckpt.CheckpointMismatchError, match=r"\['a'\]"):
        ckpt.load(path, {"a": "text"})


def test_a_version_1_file_still_loads(tmp_path):
    entry = {
        "path": "['w']",
        "dtype": "float32",
        "shape": [2],
        "data": np.ones(2, np.float32).tobytes(),
    }
    path = _write(tmp_path, {"version": 1, "entries": [entry]})
    assert ckpt.msgpack_load(path)["w"].tolist() == [1.0, 1.0]


def test_bad_string_entries_and_unknown_versions_are_corrupt(tmp_path):
    bad = {"path": "['s']", "dtype": "str", "shape": [], "data": b"\xff\xfe"}
    path = _write(tmp_path, {"version": 2, "entries": [bad]})
    with pytest.raises(ckpt.CheckpointCorruptError, match=r"\['s'\] is not UTF-8"):
        ckpt.msgpack_load(path)
    path = _write(tmp_path, {"version": 3, "entries": []})
    with pytest.raises(
        ckpt.CheckpointCorruptError, match="format version 3; this eqstate reads"
    ):
        ckpt.msgpack_load(path)
    odd = {"path": "['n']", "dtype": "int64", "shape": [], "py": "list", "data": b""}
    path = _write(tmp_path, {"version": 2, "entries": [odd]})
    with pytest.raises(ckpt.CheckpointCorruptError, match="has type 'list'"):
        ckpt.msgpack_load(path)
