"""eqstate.checkpoint: exact resume, checked loads, cut files, interrupted saves."""

import os

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import eqstate
import eqstate.checkpoint as ckpt
import eqstate.optim as optim


class Count(eqstate.State):
    pass


class MLP(eqstate.nn.Module):
    def __init__(self, hidden=8, seed=0):
        k1, k2 = jax.random.split(jax.random.PRNGKey(seed))
        self.count = Count(jnp.array(0))
        self.w1 = eqstate.ParamState(jax.random.normal(k1, (1, hidden)))
        self.b1 = eqstate.ParamState(jnp.zeros(hidden))
        self.w2 = eqstate.ParamState(jax.random.normal(k2, (hidden, 1)) / hidden)

    def __call__(self, x):
        self.count.value += 1
        return jax.nn.relu(x @ self.w1.value + self.b1.value) @ self.w2.value


_X = jnp.linspace(-1, 1, 32)[:, None]
_Y = 0.8 * _X**2 + 0.1


def _setup(hidden=8, seed=0):
    model = MLP(hidden, seed)
    opt = optim.Adam(lr=optim.ExponentialDecayLR(1e-2, 3, 0.7), grad_clip_norm=1.0)
    opt.register_trainable_weights(model.states(eqstate.ParamState))

    @eqstate.transform.jit
    def train_step(x, y):
        loss = lambda: jnp.mean((model(x) - y) ** 2)  # noqa: E731
        grads = eqstate.transform.grad(loss, opt.param_states.to_pytree())()
        opt.update(grads)
        opt.lr.step()

    return model, opt, train_step


def _snapshot(tree):
    """Copies of every State value (written buffers may be donated later)."""

    def states_of(x):
        return x.__eqstate_states__() if hasattr(x, "__eqstate_states__") else x

    tree = jax.tree.map(
        states_of, tree, is_leaf=lambda x: hasattr(x, "__eqstate_states__")
    )
    return {
        path: jax.tree.map(np.array, state.value)
        for path, state in eqstate.graph.states(tree).items()
    }


def _assert_same(a, b):
    assert a.keys() == b.keys()
    for path in a:
        for x, y in zip(jax.tree.leaves(a[path]), jax.tree.leaves(b[path])):
            np.testing.assert_array_equal(x, y, err_msg=str(path))


def test_resume_is_bit_identical(tmp_path):
    model, opt, step = _setup()
    for _ in range(20):
        step(_X, _Y)
    uninterrupted = _snapshot({"model": model, "opt": opt})

    model, opt, step = _setup()
    for _ in range(10):
        step(_X, _Y)
    path = tmp_path / "run.ckpt"
    ckpt.save(path, {"model": model, "opt": opt})

    model2, opt2, step2 = _setup(seed=1)  # fresh objects, other initial weights
    loaded = ckpt.load(path, {"model": model2, "opt": opt2})
    assert loaded["model"] is model2 and loaded["opt"] is opt2
    assert int(opt2.step_count.value) == 10 and int(model2.count.value) == 10
    for _ in range(10):
        step2(_X, _Y)
    _assert_same(_snapshot({"model": model2, "opt": opt2}), uninterrupted)
    assert int(opt2.lr.last_epoch.value) == 20


@pytest.mark.parametrize(
    "make_target, where",
    [
        (
            lambda: {"model": MLP(hidden=4), "opt": None},
            r"\['model'\]\.w1: the file holds float32\[1, 8\], the target float32\[1, 4\]",
        ),
        (lambda: {"model": MLP(), "extra": eqstate.State(jnp.ones(2))}, r"\['extra'\]"),
        (lambda: {"model": MLP()}, r"\['opt'\].*which the target does not have"),
    ],
    ids=["shape", "extra-in-target", "missing-in-target"],
)
def test_mismatched_load_changes_nothing(tmp_path, make_target, where):
    model, opt, _ = _setup()
    path = tmp_path / "run.ckpt"
    ckpt.save(path, {"model": model, "opt": opt})
    target = make_target()
    if "opt" in target and target["opt"] is None:
        target["opt"] = optim.Adam(lr=optim.ExponentialDecayLR(1e-2, 3, 0.7))
        target["opt"].register_trainable_weights(
            target["model"].states(eqstate.ParamState)
        )
    before = _snapshot(target)
    with pytest.raises(ckpt.CheckpointMismatchError, match=where) as info:
        ckpt.load(path, target)
    assert "nothing was changed" in str(info.value)
    _assert_same(_snapshot(target), before)


def test_dtype_mismatch_names_the_path(tmp_path):
    path = tmp_path / "w.ckpt"
    ckpt.save(path, {"w": eqstate.ParamState(jnp.ones(3, jnp.float32))})
    target = {"w": eqstate.ParamState(jnp.zeros(3, jnp.float16))}
    with pytest.raises(
        ckpt.CheckpointMismatchError,
        match=r"at \['w'\]: the file holds float32\[3\], the target float16\[3\]",
    ):
        ckpt.load(path, target)
    assert target["w"].value.dtype == jnp.float16 and not target["w"].value.any()


def test_unregistered_optimizer_is_a_mismatch(tmp_path):
    model, opt, _ = _setup()
    path = tmp_path / "opt.ckpt"
    ckpt.save(path, opt)
    with pytest.raises(ckpt.CheckpointMismatchError, match=r"\['opt_state'\]"):
        ckpt.load(path, optim.Adam(lr=optim.ExponentialDecayLR(1e-2, 3, 0.7)))


def test_cut_or_altered_file_raises_and_loads_nothing(tmp_path):
    model, opt, step = _setup()
    step(_X, _Y)
    path = tmp_path / "run.ckpt"
    ckpt.save(path, {"model": model, "opt": opt})
    data = path.read_bytes()
    fresh_model, fresh_opt, _ = _setup(seed=3)
    target = {"model": fresh_model, "opt": fresh_opt}
    before = _snapshot(target)
    cut_file = tmp_path / "cut.ckpt"
    for cut in [
        0,
        1,
        7,
        8,
        20,
        39,
        40,
        41,
        len(data) // 3,
        len(data) // 2,
        len(data) - 1,
    ]:
        cut_file.write_bytes(data[:cut])
        with pytest.raises(ckpt.CheckpointCorruptError, match="not a complete eqstate"):
            ckpt.load(cut_file, target)
    flipped = bytearray(data)
    flipped[len(data) // 2] ^= 0xFF
    cut_file.write_bytes(bytes(flipped))
    with pytest.raises(ckpt.CheckpointCorruptError, match="checksum does not match"):
        ckpt.load(cut_file, target)
    cut_file.write_text("not a checkpoint at all")
    with pytest.raises(ckpt.CheckpointCorruptError, match="marker"):
        ckpt.msgpack_load(cut_file, target=target, verbose=False)
    _assert_same(_snapshot(target), before)
    assert issubclass(ckpt.CheckpointCorruptError, eqstate.EqstateError)


def test_interrupted_save_keeps_the_old_file(tmp_path, monkeypatch):
    w = eqstate.ParamState(jnp.arange(4.0))
    path = tmp_path / "w.ckpt"
    ckpt.save(path, [w])
    w.value = jnp.full(4, 7.0)

    def crash(src, dst):
        raise OSError("simulated crash before the rename")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="simulated crash"):
        ckpt.save(path, [w])
    monkeypatch.undo()
    assert os.listdir(tmp_path) == ["w.ckpt"]  # the temporary file is gone
    ckpt.load(path, [w])
    assert w.value.tolist() == [0.0, 1.0, 2.0, 3.0]


def test_msgpack_save_and_load_seed_002_style(tmp_path, capsys):
    model = MLP()
    path = str(tmp_path / "example.msgpack")
    assert ckpt.msgpack_save(path, model.states(eqstate.ParamState)) == path
    assert capsys.readouterr().out == ""  # verbose=False by default, as braintools
    ckpt.msgpack_save(path, model.states(eqstate.ParamState), verbose=True)
    assert capsys.readouterr().out == f"Saving checkpoint into {path}\n"
    raw = ckpt.msgpack_load(path)  # nested, as braintools returns it
    assert sorted(raw) == ["b1", "w1", "w2"]
    np.testing.assert_array_equal(raw["w1"], model.w1.value)
    fresh = MLP(seed=5)
    ckpt.msgpack_load(path, target=fresh.states(eqstate.ParamState), verbose=True)
    assert capsys.readouterr().out == f"Loading checkpoint from {path}\n"
    np.testing.assert_array_equal(fresh.w2.value, model.w2.value)
    assert int(fresh.count.value) == 0  # not a ParamState: not saved, not loaded


def test_plain_arrays_keys_and_tied_states(tmp_path):
    shared = eqstate.ParamState(jnp.ones(2))
    tree = {
        "a": shared,
        "b": shared,  # tied: saved and written once
        "key": eqstate.State(jax.random.key(3)),
        "raw": np.arange(3, dtype=np.int32),
        "n": 5,
        "rng": eqstate.random.RandomState(7),
    }
    path = tmp_path / "mixed.ckpt"
    ckpt.save(path, tree)
    target = {
        "a": eqstate.ParamState(jnp.zeros(2)),
        "b": None,
        "key": eqstate.State(jax.random.key(0)),
        "raw": np.zeros(3, dtype=np.int32),
        "n": 0,
        "rng": eqstate.random.RandomState(0),
    }
    target["b"] = target["a"]
    out = ckpt.load(path, target)
    assert out["a"] is target["a"] and out["b"] is target["a"]
    assert target["a"].value.tolist() == [1.0, 1.0]
    assert out["n"] == 5 and type(out["n"]) is int
    assert out["raw"].tolist() == [0, 1, 2] and isinstance(out["raw"], np.ndarray)
    assert jax.random.key_data(target["key"].value).tolist() == (
        jax.random.key_data(jax.random.key(3)).tolist()
    )
    assert target["rng"].value.tolist() == tree["rng"].value.tolist()


def test_saving_under_a_transform_is_refused(tmp_path):
    w = eqstate.ParamState(jnp.ones(2))

    @eqstate.transform.jit
    def f():
        ckpt.save(tmp_path / "w.ckpt", [w])

    with pytest.raises(ckpt.CheckpointError, match="tracer"):
        f()
    assert not (tmp_path / "w.ckpt").exists()


def test_optimizer_checkpoint_with_plateau_schedule(tmp_path):
    w = eqstate.ParamState(jnp.ones(2))
    schedule = optim.ReduceLROnPlateau(0.1, factor=0.5, patience=1)
    opt = optim.SGD(lr=schedule, momentum=0.9)
    opt.register_trainable_weights([w])
    for metric in [1.0, 1.0, 1.0]:
        opt.update([jnp.ones(2)])
        schedule.step(metric)
    path = tmp_path / "opt.ckpt"
    ckpt.save(path, opt)
    schedule2 = optim.ReduceLROnPlateau(0.1, factor=0.5, patience=1)
    opt2 = optim.SGD(lr=schedule2, momentum=0.9)
    opt2.register_trainable_weights([eqstate.ParamState(jnp.ones(2))])
    ckpt.load(path, opt2)
    assert float(schedule2.current_lr) == float(schedule.current_lr)
    np.testing.assert_allclose(float(schedule2.current_lr), 0.05, rtol=1e-6)
    assert int(opt2.step_count.value) == 3
    _assert_same(_snapshot(opt2), _snapshot(opt))


def test_pytree_valued_state_round_trip(tmp_path):
    state = eqstate.State({"a": jnp.arange(2.0), "b": (jnp.ones(3), jnp.int32(4))})
    path = tmp_path / "tree.ckpt"
    ckpt.save(path, {"s": state})
    raw = ckpt.msgpack_load(path, verbose=False)
    assert sorted(raw) == ["s"] and sorted(raw["s"]) == ["a", "b"]
    assert sorted(raw["s"]["b"]) == ["0", "1"] and int(raw["s"]["b"]["1"]) == 4
    target = eqstate.State({"a": jnp.zeros(2), "b": (jnp.zeros(3), jnp.int32(0))})
    ckpt.load(path, {"s": target})
    assert target.value["a"].tolist() == [0.0, 1.0]
    assert target.value["b"][0].tolist() == [1.0, 1.0, 1.0]
    assert int(target.value["b"][1]) == 4


def test_pytree_valued_state_written_under_jit_then_saved(tmp_path):
    state = eqstate.State({"a": jnp.zeros(2), "b": jnp.ones(3)})

    @eqstate.transform.jit
    def update():
        value = state.value
        state.value = {"a": value["a"] + 1, "b": value["b"] * 2}

    update()
    path = tmp_path / "tree.ckpt"
    ckpt.save(path, [state])
    target = [eqstate.State({"a": jnp.zeros(2), "b": jnp.zeros(3)})]
    ckpt.load(path, target)
    assert target[0].value["a"].tolist() == [1.0, 1.0]
    assert target[0].value["b"].tolist() == [2.0, 2.0, 2.0]


def test_load_keeps_weak_scalars_weak(tmp_path):
    model = MLP()
    assert model.count.value.weak_type
    path = tmp_path / "m.ckpt"
    ckpt.save(path, model)
    fresh = MLP(seed=2)
    ckpt.load(path, fresh)
    assert fresh.count.value.weak_type and fresh.count.value.dtype == jnp.int32
    assert not fresh.w1.value.weak_type
