"""Every dense / conv / pooling / padding / normalization layer gives
brainstate 0.5.4's numbers on the same weights and input (`golden/layers_a.npz`
and `golden/layers_c.npz`, recorded by `golden/record_layers_{a,c}.py`);
BatchNorm also its running statistics; `weight_standardization` too."""

import json
import os

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import eqstate

HERE = os.path.join(os.path.dirname(__file__), "golden")
FILES = {
    name: np.load(os.path.join(HERE, f"{name}.npz"))
    for name in ("layers_a", "layers_c")
}
CASES = [
    (name, case)
    for name, data in FILES.items()
    for case in json.loads(str(data["cases"]))
]


def _recorded(golden, cid: str, part: str) -> dict[str, dict[str, np.ndarray]]:
    prefix = f"{cid}/{part}/"
    out: dict[str, dict[str, np.ndarray]] = {}
    for key in golden.files:
        if key.startswith(prefix):
            path, leaf = key[len(prefix) :].split("|")
            out.setdefault(path, {})[leaf] = golden[key]
    return out


def _load(state: eqstate.State, leaves: dict[str, np.ndarray]) -> None:
    paths, treedef = jax.tree_util.tree_flatten_with_path(state.value)
    values = [jnp.asarray(leaves[jax.tree_util.keystr(p)]) for p, _ in paths]
    state.value = jax.tree_util.tree_unflatten(treedef, values)


def _leaves(tree) -> dict[str, np.ndarray]:
    flat = jax.tree_util.tree_flatten_with_path(tree)[0]
    return {jax.tree_util.keystr(p): np.asarray(v) for p, v in flat}


@pytest.mark.parametrize("file, case", CASES, ids=[c[1][0] for c in CASES])
def test_matches_brainstate(file, case):
    GOLDEN = FILES[file]
    cid, cls, args, kwargs, _, _ = case
    layer = getattr(eqstate.nn, cls)(*args, **kwargs)
    states = {"/".join(map(str, p)): s for p, s in layer.states().items()}
    before = _recorded(GOLDEN, cid, "before")
    assert sorted(states) == sorted(before)
    for path, leaves in before.items():
        assert set(_leaves(states[path].value)) == set(leaves)
        for key, value in _leaves(states[path].value).items():
            assert value.shape == leaves[key].shape, (path, key)
        _load(states[path], leaves)
    with eqstate.environ.context(fit=True):
        y = eqstate.transform.jit(layer)(jnp.asarray(GOLDEN[f"{cid}/input"]))
    expected = {
        k.split("/out/")[1]: GOLDEN[k]
        for k in GOLDEN.files
        if k.startswith(f"{cid}/out/")
    }
    got = _leaves(y)
    assert set(got) == set(expected)
    for key, value in expected.items():
        assert got[key].dtype == value.dtype, key
        np.testing.assert_allclose(got[key], value, rtol=2e-5, atol=2e-5)
    for path, leaves in _recorded(GOLDEN, cid, "after").items():
        for key, value in _leaves(states[path].value).items():
            np.testing.assert_allclose(value, leaves[key], rtol=2e-5, atol=2e-6)
    if (
        layer.in_size is not None
        and layer.out_size is not None
        and not isinstance(y, tuple)
    ):
        assert y.shape[y.ndim - len(layer.out_size) :] == layer.out_size


def test_weight_standardization_matches_brainstate():
    g = FILES["layers_c"]
    w = jnp.asarray(g["ws/w"])
    got = eqstate.nn.weight_standardization(w)
    np.testing.assert_allclose(got, g["ws/plain"], rtol=2e-5, atol=2e-6)
    got = eqstate.nn.weight_standardization(w, eps=1e-2, gain=jnp.asarray(g["ws/gain"]))
    np.testing.assert_allclose(got, g["ws/gain_eps"], rtol=2e-5, atol=2e-6)
