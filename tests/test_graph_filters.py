"""`eqstate.graph` and the filter language."""

import jax
import jax.numpy as jnp
import pytest

import eqstate
from eqstate.filters import All, Any, Not, to_predicate


class Count(eqstate.State):
    pass


class Block(eqstate.nn.Module):
    def __init__(self):
        self.w = eqstate.ParamState(jnp.ones((2, 2)), tag="weight")
        self.b = eqstate.ParamState(jnp.zeros(2), tag="bias")
        self.n = Count(jnp.array(0))


class Net(eqstate.nn.Module):
    def __init__(self):
        self.layers = [Block(), Block()]
        self.h = eqstate.HiddenState(jnp.zeros(3))


def test_states_paths_sorted_and_filtered():
    net = Net()
    assert list(net.states()) == [
        ("h",),
        ("layers", 0, "b"),
        ("layers", 0, "n"),
        ("layers", 0, "w"),
        ("layers", 1, "b"),
        ("layers", 1, "n"),
        ("layers", 1, "w"),
    ]
    params, counts = net.states(eqstate.ParamState, Count)
    assert len(params) == 4 and list(counts) == [("layers", 0, "n"), ("layers", 1, "n")]
    assert list(net.states("weight")) == [("layers", 0, "w"), ("layers", 1, "w")]
    assert len(net.states(Not(eqstate.ParamState))) == 3
    assert len(net.states(All(eqstate.ParamState, "bias"))) == 2
    assert len(net.states(Any(Count, eqstate.HiddenState))) == 3
    assert len(net.states((Count, eqstate.HiddenState))) == 3
    assert len(net.states(lambda path, s: path[-1] == "w")) == 2
    assert net.states(None) == {} and len(net.states(...)) == 7


def test_bad_filters_are_explained():
    assert to_predicate(int)((), 3)  # any class filters by isinstance, as in brainstate
    with pytest.raises(eqstate.filters.FilterError, match="Cannot use 3 as a filter"):
        to_predicate(3)
    with pytest.raises(TypeError, match="Cannot use 3"):
        to_predicate(3)


def test_nodes():
    net = Net()
    assert list(eqstate.graph.nodes(net)) == [(), ("layers", 0), ("layers", 1)]
    assert list(eqstate.graph.nodes(net, Block)) == [("layers", 0), ("layers", 1)]
    assert list(net.nodes(lambda path, m: isinstance(m, Net))) == [()]


def test_treefy_states_tree_map_and_to_flat():
    net = Net()
    tree = eqstate.graph.treefy_states(net, eqstate.ParamState)
    assert set(tree) == {"layers"} and set(tree["layers"][0]) == {"b", "w"}
    shapes = jax.tree.map(jnp.shape, tree)
    assert shapes["layers"][1]["w"].value == (2, 2)
    assert list(tree.to_flat())[0] == ("layers", 0, "b")
    assert eqstate.graph.StateTree.from_flat(tree.to_flat()) == tree


def test_split_merge_is_an_independent_copy():
    net = Net()
    graphdef, params, rest = eqstate.graph.treefy_split(net, eqstate.ParamState, ...)
    assert len(params.to_flat()) == 4 and len(rest.to_flat()) == 3
    copy = eqstate.graph.treefy_merge(graphdef, params, rest)
    copy.layers[0].w.value = jnp.zeros((2, 2))
    assert float(net.layers[0].w.value.sum()) == 4.0
    with pytest.raises(eqstate.EqstateError, match="add `...` as the last filter"):
        eqstate.graph.treefy_split(net, eqstate.ParamState)
    with pytest.raises(eqstate.EqstateError, match="no State for path"):
        eqstate.graph.treefy_merge(graphdef, params)


def test_update_states_copies_values_and_rejects_unknown_paths():
    src, dst = Net(), Net()
    src.h.value = jnp.ones(3)
    eqstate.graph.update_states(dst, eqstate.graph.treefy_states(src))
    assert dst.h.value.tolist() == [1.0, 1.0, 1.0]
    eqstate.graph.update_states(dst, {("h",): jnp.full(3, 2.0)})
    assert dst.h.value.tolist() == [2.0, 2.0, 2.0]
    with pytest.raises(KeyError, match="no State at \\('nope',\\)"):
        eqstate.graph.update_states(dst, {("nope",): 1.0, ("h",): jnp.zeros(3)})
    assert dst.h.value.tolist() == [2.0, 2.0, 2.0]  # nothing written


def test_module_repr_is_laid_out_by_wadler_lindig():
    class Linear(eqstate.nn.Module):
        def __init__(self, din, dout):
            self.w = eqstate.ParamState(jnp.ones((din, dout)))
            self.b = eqstate.ParamState(jnp.zeros((dout,)))

    class MLP(eqstate.nn.Module):
        def __init__(self):
            self.count = Count(jnp.array(0))
            self.linear1 = Linear(1, 32)

    assert repr(MLP()) == (
        "MLP(\n"
        "  count=Count(value=i32[]),\n"
        "  linear1=Linear(w=ParamState(value=f32[1,32]), b=ParamState(value=f32[32]))\n"
        ")"
    )
