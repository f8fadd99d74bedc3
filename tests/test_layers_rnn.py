"""Recurrent cells: brainstate's numbers, equinox agreement, gradients, loops."""

from __future__ import annotations

from pathlib import Path

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import eqstate

GOLDEN = np.load(Path(__file__).parent / "golden" / "layers_b.npz")
CELLS = {
    "ValinaRNNCell": ("W",),
    "GRUCell": ("Wrz", "Wh"),
    "MGUCell": ("Wf", "Wh"),
    "LSTMCell": ("W",),
    "URLSTMCell": ("W",),
}
NUM_IN, NUM_OUT, BATCH = 3, 4, 2


def _hidden(name: str) -> tuple[str, ...]:
    return ("h", "c") if "LSTM" in name else ("h",)


def _params(name: str) -> dict[str, dict[str, jax.Array]]:
    out = {}
    for block in CELLS[name]:
        p = {"weight": jnp.asarray(GOLDEN[f"cell/{name}/{block}/weight"])}
        key = f"cell/{name}/{block}/bias"
        if key in GOLDEN:
            p["bias"] = jnp.asarray(GOLDEN[key])
        out[block] = p
    return out


def _golden_cell(name: str):
    cell = getattr(eqstate.nn, name)(NUM_IN, NUM_OUT)
    eqstate.nn.init_all_states(cell, batch_size=BATCH)
    for block, p in _params(name).items():
        getattr(cell, block).weight.value = p
    if name == "URLSTMCell":
        cell.bias.value = jnp.asarray(GOLDEN[f"cell/{name}/bias"])
    for key in _hidden(name):
        getattr(cell, key).value = jnp.asarray(GOLDEN[f"cell/{name}/{key}0"])
    return cell


@pytest.mark.parametrize("name", CELLS)
def test_cell_matches_brainstate(name: str):
    cell = _golden_cell(name)
    out = cell(jnp.asarray(GOLDEN[f"cell/{name}/x"]))
    np.testing.assert_allclose(out, GOLDEN[f"cell/{name}/out"], rtol=1e-5, atol=1e-6)
    for key in _hidden(name):
        np.testing.assert_allclose(
            getattr(cell, key).value,
            GOLDEN[f"cell/{name}/{key}1"],
            rtol=1e-5,
            atol=1e-6,
        )
    assert out.dtype == jnp.float32 and out.shape == (BATCH, NUM_OUT)


def _dense(p, x):
    y = x @ p["weight"]
    return y + p["bias"] if "bias" in p else y


def _functional(name, params, bias, hidden, x):
    """Each cell's step written as a pure function of its parameters."""
    s = jax.nn.sigmoid
    h = hidden["h"]
    xh = jnp.concatenate([x, h], -1)
    if name == "ValinaRNNCell":
        return {"h": jax.nn.relu(_dense(params["W"], xh))}
    if name == "GRUCell":
        r, z = jnp.split(s(_dense(params["Wrz"], xh)), 2, -1)
        cand = jnp.tanh(_dense(params["Wh"], jnp.concatenate([x, r * h], -1)))
        return {"h": (1 - z) * h + z * cand}
    if name == "MGUCell":
        f = s(_dense(params["Wf"], xh))
        cand = jnp.tanh(_dense(params["Wh"], jnp.concatenate([x, f * h], -1)))
        return {"h": (1 - f) * h + f * cand}
    c = hidden["c"]
    if name == "LSTMCell":
        i, g, f, o = jnp.split(_dense(params["W"], xh), 4, -1)
        c = s(f + 1.0) * c + s(i) * jnp.tanh(g)
        return {"h": s(o) * jnp.tanh(c), "c": c}
    f, r, u, o = jnp.split(_dense(params["W"], xh), 4, -1)
    fg, rg = s(f + bias), s(r - bias)
    gate = 2 * rg * fg + (1 - 2 * rg) * fg**2
    c = gate * c + (1 - gate) * jnp.tanh(u)
    return {"h": s(o) * jnp.tanh(c), "c": c}


@pytest.mark.parametrize("name", CELLS)
def test_cell_grad_matches_functional(name: str):
    cell = _golden_cell(name)
    x = jnp.asarray(GOLDEN[f"cell/{name}/x"])
    h0 = {k: jnp.asarray(GOLDEN[f"cell/{name}/{k}0"]) for k in _hidden(name)}
    params = cell.states(eqstate.ParamState)

    def loss():
        for k, v in h0.items():
            getattr(cell, k).value = v
        return jnp.sum(cell(x) ** 2)

    grads = eqstate.transform.grad(loss, params)()

    bias0 = jnp.asarray(GOLDEN[f"cell/{name}/bias"]) if name == "URLSTMCell" else None

    def pure(p, b):
        return jnp.sum(_functional(name, p, b, h0, x)["h"] ** 2)

    want_p, want_b = jax.grad(pure, argnums=(0, 1))(_params(name), bias0)
    for block in CELLS[name]:
        got = grads[(block, "weight")]
        for leaf in want_p[block]:
            assert jnp.all(jnp.isfinite(got[leaf]))
            np.testing.assert_allclose(
                got[leaf], want_p[block][leaf], rtol=1e-4, atol=1e-6
            )
    if name == "URLSTMCell":
        np.testing.assert_allclose(grads[("bias",)], want_b, rtol=1e-4, atol=1e-6)


def test_gru_matches_equinox():
    name = "GRUCell"
    cell = _golden_cell(name)
    p = _params(name)
    w_rz, b_rz = p["Wrz"]["weight"], p["Wrz"]["bias"]
    w_h, b_h = p["Wh"]["weight"], p["Wh"]["bias"]
    w_r, w_z = jnp.split(w_rz, 2, -1)
    b_r, b_z = jnp.split(b_rz, 2)
    # brainstate resets before the matmul, W_h (r * h); equinox (like PyTorch)
    # after it, r * (W_h h). The two agree when r is the same for every unit,
    # so the reset gate gets zero weights and one shared bias here.
    w_r, b_r = jnp.zeros_like(w_r), jnp.full_like(b_r, 0.3)
    cell.Wrz.weight.value = {
        "weight": jnp.concatenate([w_r, w_z], -1),
        "bias": jnp.concatenate([b_r, b_z]),
    }
    # equinox's update gate keeps the old state where brainstate's takes the new
    # one: z_eqx = 1 - z = sigmoid(-a), so the z block enters negated.
    w = jnp.concatenate([w_r, -w_z, w_h], -1)
    ref = eqx.nn.GRUCell(NUM_IN, NUM_OUT, key=jax.random.PRNGKey(0))
    ref = eqx.tree_at(
        lambda m: (m.weight_ih, m.weight_hh, m.bias, m.bias_n),
        ref,
        (
            w[:NUM_IN].T,
            w[NUM_IN:].T,
            jnp.concatenate([b_r, -b_z, b_h]),
            jnp.zeros(NUM_OUT),
        ),
    )
    x = jnp.asarray(GOLDEN[f"cell/{name}/x"])
    h0 = jnp.asarray(GOLDEN[f"cell/{name}/h0"])
    want = jax.vmap(ref)(x, h0)
    np.testing.assert_allclose(cell(x), want, rtol=1e-5, atol=1e-6)


def test_lstm_matches_equinox():
    name = "LSTMCell"
    cell = _golden_cell(name)
    p = _params(name)["W"]
    wi, wg, wf, wo = jnp.split(p["weight"], 4, -1)
    bi, bg, bf, bo = jnp.split(p["bias"], 4)
    w = jnp.concatenate([wi, wf, wg, wo], -1)  # equinox's gate order
    ref = eqx.nn.LSTMCell(NUM_IN, NUM_OUT, key=jax.random.PRNGKey(0))
    ref = eqx.tree_at(
        lambda m: (m.weight_ih, m.weight_hh, m.bias),
        ref,
        (w[:NUM_IN].T, w[NUM_IN:].T, jnp.concatenate([bi, bf + 1.0, bg, bo])),
    )
    x = jnp.asarray(GOLDEN[f"cell/{name}/x"])
    h0 = jnp.asarray(GOLDEN[f"cell/{name}/h0"])
    c0 = jnp.asarray(GOLDEN[f"cell/{name}/c0"])
    h1, c1 = jax.vmap(ref)(x, (h0, c0))
    np.testing.assert_allclose(cell(x), h1, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(cell.c.value, c1, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", ["GRUCell", "LSTMCell"])
def test_cell_unrolled_with_for_loop_and_reset(name: str):
    cell = getattr(eqstate.nn, name)(NUM_IN, NUM_OUT)
    eqstate.nn.init_all_states(cell, batch_size=BATCH)
    xs = jnp.ones((5, BATCH, NUM_IN))

    @eqstate.transform.jit
    def run(xs):
        return eqstate.transform.for_loop(cell, xs)

    ys = run(xs)
    assert ys.shape == (5, BATCH, NUM_OUT)
    np.testing.assert_allclose(cell.h.value, ys[-1])
    eqstate.nn.reset_all_states(cell, batch_size=BATCH)
    assert float(jnp.abs(cell.h.value).sum()) == 0.0
    np.testing.assert_allclose(run(xs), ys, rtol=1e-6)  # same start, same run


def test_unknown_activation_is_refused():
    with pytest.raises(eqstate.EqstateError, match="unknown activation 'tanhh'"):
        eqstate.nn.GRUCell(2, 3, activation="tanhh")


def test_unbatched_state_and_string_activation():
    cell = eqstate.nn.ValinaRNNCell(2, 3, activation="tanh")
    eqstate.nn.init_all_states(cell)
    assert cell(jnp.ones(2)).shape == (3,)
    assert cell.in_size == (2,) and cell.out_size == (3,)
