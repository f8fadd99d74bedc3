"""`eqstate.graph`: walking, flatten / unflatten, contexts; golden paths from brainstate."""

import json
from pathlib import Path

import equinox as eqx
import jax
import jax.numpy as jnp
import pytest

import eqstate
from eqstate import graph

GOLDEN = json.loads((Path(__file__).parent / "golden" / "util.json").read_text())


class Block(eqstate.nn.Module):
    def __init__(self):
        self.w = eqstate.ParamState(jnp.ones(2), tag="weight")
        self.n = eqstate.ShortTermState(jnp.zeros(()))


class Net(eqstate.nn.Module):
    def __init__(self):
        self.enc = Block()
        self.layers = [Block(), eqstate.State(jnp.ones(1))]
        self.h = eqstate.HiddenState(jnp.zeros(3))


class Tied(eqstate.nn.Module):
    def __init__(self):
        self.a = eqstate.ParamState(jnp.ones(2))
        self.b = self.a
        self.scale = jnp.array(3.0)


def paths(mapping):
    return [list(p) for p in mapping]


def test_states_nodes_and_hierarchy_match_brainstate():
    net = Net()
    assert paths(graph.states(net)) == GOLDEN["states"]
    assert (
        paths(graph.states(net, allowed_hierarchy=(1, 1)))
        == GOLDEN["states_hierarchy_1"]
    )
    assert (
        paths(graph.states(net, allowed_hierarchy=(0, 0)))
        == GOLDEN["states_hierarchy_0"]
    )
    assert sorted(paths(graph.nodes(net))) == GOLDEN["nodes"]
    assert (
        sorted(paths(graph.nodes(net, allowed_hierarchy=(1, 1))))
        == GOLDEN["nodes_hierarchy_1"]
    )
    assert list(net.states(allowed_hierarchy=(1, 1))) == list(
        graph.states(net, allowed_hierarchy=(1, 1))
    )
    split = graph.treefy_split(net, eqstate.ParamState, ...)
    assert [paths(m.to_flat()) for m in split[1:]] == GOLDEN["treefy_split"]


def test_iter_leaf_and_iter_node():
    model = Tied()
    leaves = list(graph.iter_leaf(model))
    assert [p for p, _ in leaves] == [("a",), ("scale",)]  # the tied State once
    assert float(leaves[1][1]) == 3.0
    net = Net()
    assert [p for p, _ in graph.iter_node(net)] == [("enc",), ("layers", 0), ()]
    assert all(isinstance(n, eqx.Module) for _, n in graph.iter_node(net))


def test_paths_skip_the_module_store():
    # Undeclared attributes live in a private store; paths never show it.
    net = Net()
    assert all("_attrs" not in p for p, _ in graph.iter_leaf(net))
    assert ("enc", "w") in net.states()


def test_flatten_unflatten_round_trip():
    model = Tied()
    graphdef, mapping = graph.flatten(model)
    assert isinstance(mapping, eqstate.util.NestedDict) and list(mapping) == ["a"]
    ref = mapping["a"]
    assert isinstance(ref, eqstate.TreefyState) and ref.type is eqstate.ParamState
    assert graphdef.type is Tied and graphdef.paths == [("a",), ("a",)]
    rebuilt = graph.unflatten(graphdef, mapping)
    assert rebuilt.a is rebuilt.b and rebuilt.a is not model.a  # the tie is kept
    assert rebuilt.a.value.tolist() == [1.0, 1.0] and float(rebuilt.scale) == 3.0
    shared_def, shared = graph.flatten(model, treefy_state=False)
    assert shared["a"] is model.a and graph.unflatten(shared_def, shared).a is model.a
    assert graph.graphdef(model) == graphdef and hash(graphdef) == hash(
        graph.graphdef(Tied())
    )
    with pytest.raises(graph.GraphError, match="no State for path \\('a',\\)"):
        graph.unflatten(graphdef, {})


def test_unflatten_with_new_values_and_caches():
    model = Tied()
    graphdef, mapping = graph.flatten(model)
    doubled = jax.tree.map(lambda x: 2 * x, mapping)
    assert graph.unflatten(graphdef, doubled).a.value.tolist() == [2.0, 2.0]
    cache = {0: model.a}
    again = graph.unflatten(graphdef, doubled, index_ref_cache=cache)
    assert again.a is model.a and model.a.value.tolist() == [2.0, 2.0]
    index_ref: dict = {}
    graph.unflatten(graphdef, mapping, index_ref=index_ref)
    assert set(index_ref) == {0}


def test_clone_is_independent():
    net = Net()
    copy = graph.clone(net)
    copy.enc.w.value = jnp.zeros(2)
    assert net.enc.w.value.tolist() == [1.0, 1.0]
    assert list(copy.states()) == list(net.states())
    assert copy.enc.w.tag == "weight"


def test_treefy_states_and_update_states():
    src, dst = Net(), Net()
    src.h.value = jnp.ones(3)
    tree = graph.treefy_states(src)
    assert isinstance(tree["h"], eqstate.TreefyState)
    graph.update_states(dst, tree)
    assert dst.h.value.tolist() == [1.0, 1.0, 1.0]
    graph.update_states(dst, {("h",): jnp.full(3, 2.0)}, {("enc", "n"): jnp.array(5.0)})
    assert dst.h.value.tolist() == [2.0, 2.0, 2.0] and float(dst.enc.n.value) == 5.0
    params = graph.treefy_states(src, eqstate.ParamState)
    assert list(params.to_flat()) == [("enc", "w"), ("layers", 0, "w")]


class Holder(graph.Node):
    def __init__(self):
        self.w = eqstate.ParamState(jnp.ones(2))
        self.n = eqstate.State(jnp.array(0))
        self.items = {"k": eqstate.ParamState(jnp.zeros(1))}


def test_node_subclass_is_a_mutable_graph_node():
    h = Holder()
    assert list(graph.states(h)) == [("items", "k"), ("n",), ("w",)]
    assert list(graph.nodes(h)) == [()]
    copy = graph.clone(h)
    assert (
        isinstance(copy, Holder)
        and copy.w is not h.w
        and copy.w.value.tolist() == [1.0, 1.0]
    )
    popped = graph.pop_states(h, eqstate.ParamState)
    assert list(popped.to_flat()) == [("items", "k"), ("w",)]
    assert not hasattr(h, "w") and h.items == {} and list(graph.states(h)) == [("n",)]
    with pytest.raises(graph.GraphError, match="frozen Block.*treefy_split"):
        graph.pop_states(Block(), eqstate.ParamState)
    with pytest.raises(eqstate.EqstateError, match="at least one filter"):
        graph.pop_states(h)


def test_register_graph_node_type():
    class Bag:
        def __init__(self):
            self.items: dict = {}

    graph.register_graph_node_type(
        Bag,
        flatten=lambda b: (sorted(b.items.items()), None),
        set_key=lambda b, k, v: b.items.__setitem__(k, v),
        pop_key=lambda b, k: b.items.pop(k),
        create_empty=lambda aux: Bag(),
        clear=lambda b: b.items.clear(),
    )
    bag = Bag()
    bag.items["w"] = eqstate.ParamState(jnp.ones(2))
    bag.items["sub"] = Block()
    assert list(graph.nodes(bag)) == [(), ("sub",)]
    assert list(graph.states(bag)) == [("sub", "n"), ("sub", "w"), ("w",)]
    copy = graph.clone(bag)
    assert copy.items["w"] is not bag.items["w"]


class Counter:
    """Not a pytree: reports its States through `__eqstate_states__`."""

    def __init__(self):
        self.n = eqstate.State(jnp.array(0))
        self.history = [eqstate.ShortTermState(jnp.zeros(2))]

    def __eqstate_states__(self):
        return {"n": self.n, "history": self.history}


class Trainer(eqstate.nn.Module):
    def __init__(self):
        self.block = Block()
        self.counter = Counter()


def test_objects_reporting_states_are_walked_through_the_report():
    counter = Counter()
    tree = {"c": counter, "net": Block(), "same": counter}
    assert paths(graph.states(tree)) == [
        ["c", "history", 0],
        ["c", "n"],
        ["net", "n"],
        ["net", "w"],
    ]
    assert graph.states(tree)[("c", "n")] is counter.n
    # not a graph node: no level, not listed by `nodes`
    assert list(graph.nodes(tree)) == [("net",)]
    assert paths(graph.states(tree, allowed_hierarchy=(0, 0))) == [
        ["c", "history", 0],
        ["c", "n"],
    ]
    assert paths(Trainer().states()) == [
        ["block", "n"],
        ["block", "w"],
        ["counter", "history", 0],
        ["counter", "n"],
    ]
    snapshot = graph.treefy_states(tree)
    assert snapshot["c"]["n"].type is eqstate.State and snapshot["c"]["n"].value == 0
    counter.n.value = jnp.array(7)
    graph.update_states(tree, snapshot)
    assert int(counter.n.value) == 0
    graph.update_states(tree, {("c", "history", 0): jnp.ones(2)})
    assert counter.history[0].value.tolist() == [1.0, 1.0]
    # kept as it is by flatten: unflatten and clone give back the same object
    graphdef, states = graph.flatten(tree)
    assert ("c", "n") in states.to_flat()
    assert graph.unflatten(graphdef, states)["c"] is counter
    assert graph.clone(counter) is counter


def test_split_and_merge_contexts_keep_sharing():
    shared = eqstate.ParamState(jnp.ones(2))

    class Linear(eqstate.nn.Module):
        def __init__(self, w):
            self.w = w

    a, b = Linear(shared), Linear(shared)
    with graph.split_context() as (ctx, ref_index):
        ga, sa = ctx.treefy_split(a)
        gb, sb = ctx.treefy_split(b, eqstate.ParamState)
    assert ref_index[shared] == 0 and len(ref_index) == 1
    with graph.merge_context() as (mctx, index_ref):
        a2, b2 = mctx.treefy_merge(ga, sa), mctx.treefy_merge(gb, sb)
    assert a2.w is b2.w is index_ref[0] and a2.w is not shared


def test_ref_map_static_and_node_states():
    x, y = jnp.zeros(1), jnp.zeros(1)
    refs = graph.RefMap([(x, "x")])
    refs[y] = "y"
    assert refs[x] == "x" and refs[y] == "y" and len(refs) == 2
    del refs[x]
    assert x not in refs and list(refs) == [y]
    static = graph.Static({"act": "relu"}["act"])
    assert jax.tree.leaves(static) == [] and jax.tree.map(lambda v: v, static) == static
    graphdef, mapping = graph.flatten(Tied())
    ns = graph.NodeStates.from_split(graphdef, mapping, metadata="m")
    assert jax.tree.leaves(ns) == [mapping["a"].value]
    assert ns.graphdef is graphdef and ns.state is mapping and ns.metadata == "m"
    two = graph.NodeStates.from_states(mapping, mapping)
    with pytest.raises(graph.GraphError, match="use .states instead"):
        _ = two.state
    with pytest.raises(graph.GraphError, match="from_split"):
        _ = two.graphdef
    assert graph.NodeStates.from_prefixes([0, None]).states == (0, None)


def test_treefy_state_round_trip():
    ref = eqstate.TreefyState(eqstate.ParamState, jnp.ones(2), tag="w", name="weight")
    state = ref.to_state()
    assert (
        isinstance(state, eqstate.ParamState)
        and state.tag == "w"
        and state.name == "weight"
    )
    assert ref.get_metadata() == {"tag": "w", "name": "weight"} and ref.name == "weight"
    copy = ref.replace(jnp.zeros(2))
    assert copy.value.tolist() == [0.0, 0.0] and ref.value.tolist() == [1.0, 1.0]
    assert ref.copy().value is ref.value
    with pytest.raises(eqstate.EqstateError, match="replace"):
        ref.type = eqstate.State  # type: ignore[misc]
    assert eqstate.maybe_state(state) is state.value and eqstate.maybe_state(3) == 3
    assert eqstate.maybe_state(ref) is ref.value
    assert eqstate.BrainStateError is eqstate.EqstateError
    assert "TreefyState(\n  type=" in repr(ref)


def test_graph_to_tree_and_back_keeps_sharing():
    class Linear(eqstate.nn.Module):
        def __init__(self, w):
            self.w = w

    w = eqstate.ParamState(jnp.ones(2))
    tree, found = graph.graph_to_tree({"a": Linear(w), "b": Linear(w), "c": 3})
    assert isinstance(tree["a"], graph.NodeStates) and tree["c"] == 3
    assert list(found) == [(0,)] and found[(0,)] is w
    back = graph.tree_to_graph(tree)
    assert back["a"].w is back["b"].w and back["a"].w is not w and back["c"] == 3
    m = Linear(w)
    with pytest.raises(graph.GraphError, match="check_aliasing=False"):
        graph.graph_to_tree([m, m], prefix=[0, 1])
    tree2, _ = graph.graph_to_tree([m, m], prefix=[0, 1], check_aliasing=False)
    assert len(tree2) == 2
    with pytest.raises(graph.GraphError, match="expected a NodeStates"):
        graph.tree_to_graph([1], map_non_graph_nodes=True)


def test_node_check_valid_context():
    h = Holder()
    h.check_valid_context(lambda: "unused")  # all States usable: no error
    box = []

    @eqstate.transform.jit
    def make(x):
        box.append(Holder())
        return x

    make(jnp.ones(1))
    with pytest.raises(eqstate.TraceContextError, match="Holder made inside jit"):
        box[0].check_valid_context(lambda: "Holder made inside jit")
