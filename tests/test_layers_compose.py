"""Sequential, Vmap, Module's traversal API and the module repr."""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import pytest

import eqstate
from eqstate import nn


class Scale(nn.Module):
    def __init__(self, in_size, factor=2.0, name=None):
        super().__init__(name=name)
        self.in_size = in_size
        self.out_size = in_size
        self.w = eqstate.ParamState(jnp.full(in_size, factor))

    def update(self, x):
        return self.w.value * x


def test_sequential_builds_indexes_and_appends():
    model = nn.Sequential(
        nn.GRUCell(2, 3), nn.ReLU(), functools.partial(Scale, factor=3.0)
    )
    assert model.in_size == (2,) and model.out_size == (3,)
    assert model[2].in_size == (3,) and len(model) == 3
    sub = model[1:]
    assert isinstance(sub, nn.Sequential) and sub[1] is model[2]  # shared layers
    assert isinstance(model[[0, 2]], nn.Sequential)
    nn.init_all_states(model, batch_size=2)
    y = model(jnp.ones((2, 2)))
    assert y.shape == (2, 3) and bool(jnp.all(y >= 0))
    model.append(Scale)  # a class: built from out_size
    model.extend([nn.Tanh(), jnp.negative])
    model.insert(0, nn.Identity())
    assert (
        len(model) == 7 and model.out_size == (3,) and isinstance(model[0], nn.Identity)
    )
    assert model(jnp.ones((2, 2))).shape == (2, 3)


_SIZE_KEEPING = [
    nn.Dropout(0.5),
    nn.Dropout1d(0.5),
    nn.Dropout2d(0.5),
    nn.Dropout3d(0.5),
    nn.AlphaDropout(0.5),
    nn.FeatureAlphaDropout(0.5),
    nn.DropoutFixed(4, 0.5),
    nn.Identity(),
]


@pytest.mark.parametrize("layer", _SIZE_KEEPING, ids=lambda m: type(m).__name__)
def test_sequential_passes_the_size_through_dropout_and_identity(layer):
    """As in brainstate, dropouts and Identity are element-wise blocks: a
    `Sequential` passes the previous size through them, so a layer built
    after them (a class, a partial or brainstate's `Cls.desc(...)`) gets it."""
    assert isinstance(layer, nn.ElementWiseBlock)
    model = nn.Sequential(nn.Linear(3, 4), layer, nn.Linear.desc(out_size=2))
    assert model.out_size == (2,) and model[2].in_size == (4,)
    assert isinstance(model[2], eqstate.mixin.ParamDesc)
    if not isinstance(layer, (nn.Dropout2d, nn.Dropout3d)):  # (images only)
        with eqstate.environ.context(fit=False):
            assert model(jnp.ones((1, 3))).shape == (1, 2)


def test_sequential_errors_name_the_fix():
    with pytest.raises(eqstate.EqstateError, match="has no `out_size`"):
        nn.Sequential(nn.ReLU(), Scale)
    with pytest.raises(eqstate.EqstateError, match="selects no layer"):
        nn.Sequential(nn.ReLU())[5:]


def test_sequential_trains_under_jit_grad():
    model = nn.Sequential(Scale(2), nn.Softplus(), functools.partial(Scale, factor=0.5))
    params = model.states(eqstate.ParamState)

    @eqstate.transform.jit
    def grads(x):
        return eqstate.transform.grad(lambda: model(x).sum(), params)()

    g = grads(jnp.ones(2))
    w0, w1 = params[("layers", 0, "w")].value, params[("layers", 2, "w")].value

    def pure(w0, w1):
        return (w1 * jax.nn.softplus(w0 * jnp.ones(2))).sum()

    want = jax.grad(pure, argnums=(0, 1))(w0, w1)
    assert jnp.allclose(g[("layers", 0, "w")], want[0])
    assert jnp.allclose(g[("layers", 2, "w")], want[1])


def test_state_trees_is_a_nested_dict_and_init_all_states_tags_what_it_makes():
    net = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.LSTMCell(3, 1))
    tree = net.state_trees()
    assert isinstance(tree, eqstate.util.NestedDict)
    assert list(tree.to_flat()) == list(net.states())
    assert list(tree.filter(eqstate.ParamState).to_flat()) == list(
        net.states(eqstate.ParamState)
    )
    params, hidden = net.state_trees(eqstate.ParamState, eqstate.HiddenState)
    assert isinstance(params, eqstate.util.NestedDict) and hidden.to_dict() == {}
    new = net.init_all_states(batch_size=2, state_tag="hidden")
    assert type(new).__name__ == "NewStateCatcher" and len(new) == 2
    assert new.get_by_tag("hidden") == new.get_states()
    assert all(s.tag == "hidden" for s in net.states(eqstate.HiddenState).values())
    assert set(net.state_trees(eqstate.HiddenState).to_flat()) == {
        ("layers", 2, "c"),
        ("layers", 2, "h"),
    }


def test_module_traversal_api():
    class Net(nn.Module):
        def __init__(self):
            super().__init__(name="net")
            self.cell = nn.LSTMCell(2, 3)
            self.head = Scale(3)
            self.bias = eqstate.ParamState(jnp.zeros(3))

    net = Net()
    assert net.name == "net"
    assert [n for n, _ in net.named_children()] == ["cell", "head"]
    assert list(net.children()) == [net.cell, net.head]
    assert [n for n, _ in net.named_modules()] == ["", "cell", "cell.W", "head"]
    assert [n for n, _ in net.named_modules(prefix="m", include_self=False)] == [
        "m.cell",
        "m.cell.W",
        "m.head",
    ]
    assert len(list(net.modules())) == 4
    assert [n for n, _ in net.named_parameters()] == ["bias", "cell.W.weight", "head.w"]
    assert [n for n, _ in net.named_parameters(recurse=False)] == ["bias"]
    assert len(list(net.parameters())) == 3
    tree = net.state_trees()
    assert set(tree) == {"bias", "cell", "head"} and set(tree["cell"]) == {"W"}
    params, hidden = net.state_trees(eqstate.ParamState, eqstate.HiddenState)
    assert hidden == {}
    new = net.init_all_states(batch_size=2)
    assert new.get_states() == [net.cell.c, net.cell.h]
    assert set(net.state_trees(eqstate.HiddenState)["cell"]) == {"c", "h"}
    net.cell.h.value = jnp.ones((2, 3))
    net.reset_all_states(batch_size=2)
    assert float(net.cell.h.value.sum()) == 0.0
    assert net.reg_loss() == 0.0 and list(net.param_modules()) == []


def test_vmap_batches_declared_states():
    class Leak(nn.Module):
        def __init__(self):
            super().__init__()
            self.v = eqstate.HiddenState(jnp.zeros(3))

        def update(self, x):
            self.v.value = 0.5 * self.v.value + x
            return self.v.value

    leak = Leak()
    run = nn.Vmap(leak, vmap_states={eqstate.HiddenState: 0})
    run(jnp.arange(3.0))
    assert run(jnp.arange(3.0)).tolist() == [0.0, 1.5, 3.0]
    with pytest.raises(eqstate.EqstateError, match="to its batch axis"):
        nn.Vmap(leak, vmap_states={eqstate.HiddenState: "0"})(jnp.ones(3))


def test_repr_is_laid_out_and_arrays_are_summarised():
    cell = nn.LSTMCell(2, 3)
    nn.init_all_states(cell, batch_size=1)
    text = repr(cell)
    assert text.startswith("LSTMCell(\n  in_size=(2,),\n  out_size=(3,),")
    assert "weight=ParamState(value={'weight': f32[5,12], 'bias': f32[12]})" in text
    assert (
        "h=HiddenState(value=f32[1,3])" in text and "activation=<function tanh>" in text
    )
    assert repr(eqstate.ParamState(jnp.ones((1, 32)))) == "ParamState(value=f32[1,32])"
    assert repr(nn.GELU()) == "GELU(approximate=False)"

    @eqstate.transform.jit
    def traced():
        cell.h.value = cell.h.value + 1
        assert "Traced<f32[1,3]>" in repr(cell.h)
        return cell.h.value

    traced()
