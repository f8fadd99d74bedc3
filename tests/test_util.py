"""`eqstate.util`, checked against brainstate 0.5.4's outputs in golden/util.json."""

import json
import os
import pickle
import subprocess
import sys
from pathlib import Path

import jax
import jax.numpy as jnp
import pytest

import eqstate
import eqstate.util as u

GOLDEN = json.loads((Path(__file__).parent / "golden" / "util.json").read_text())
NESTED = {"a": {"b": 1, "c": {"d": 2}}, "e": 3, "f": {}}


def paths(mapping):
    return [list(p) for p in mapping]


def test_dict_helpers_match_brainstate():
    assert u.flatten_dict(NESTED) == GOLDEN["flatten_dict"]
    assert u.flatten_dict(NESTED, sep="/") == GOLDEN["flatten_dict_sep"]
    assert u.unflatten_dict({"a.b": 1, "a.c.d": 2, "e": 3}) == GOLDEN["unflatten_dict"]
    merged = u.merge_dicts({"a": {"b": 1}, "x": 0}, {"a": {"c": 2}, "d": 3})
    assert merged == GOLDEN["merge_dicts"]
    flat = u.merge_dicts({"a": {"b": 1}}, {"a": {"c": 2}}, recursive=False)
    assert flat == GOLDEN["merge_dicts_flat"]
    split = [
        u.split_total(10, 0.3),
        u.split_total(10, 3),
        u.split_total(7, 1.0),
        u.split_total(7, 0),
    ]
    assert split == GOLDEN["split_total"]


@pytest.mark.parametrize(
    "args, error, message",
    [
        ((10, 1.5), u.split_total, "share in \\[0, 1\\]"),
        ((10, -1), u.split_total, "cannot be negative"),
        ((10, 11), u.split_total, "greater than total \\(10\\)"),
        ((0, 1), u.split_total, "positive int"),
    ],
)
def test_split_total_errors(args, error, message):
    with pytest.raises(eqstate.EqstateError, match=message):
        error(*args)


def test_flat_and_nest_mapping_match_brainstate():
    got = [[list(k), v] for k, v in u.flat_mapping(NESTED).items()]
    assert got == GOLDEN["flat_mapping"]
    assert dict(u.flat_mapping(NESTED, sep="/")) == GOLDEN["flat_mapping_sep"]
    assert (
        paths(u.flat_mapping(NESTED, keep_empty_nodes=True))
        == GOLDEN["flat_mapping_empty"]
    )
    nested = u.nest_mapping({("a", "b"): 1, ("a", "c"): 2, ("d",): 3})
    assert nested.to_dict() == GOLDEN["nest_mapping"]
    assert u.nest_mapping({"a/b": 1}, sep="/").to_dict() == {"a": {"b": 1}}
    with pytest.raises(eqstate.EqstateError, match="both a value and a sub-dict"):
        u.nest_mapping({("a",): 1, ("a", "b"): 2})


def test_nested_dict_views_and_split():
    nested = u.NestedDict({"x": {"p": 1, "q": 2}, "y": 3})
    assert paths(nested.to_flat()) == GOLDEN["nested_to_flat"]
    parts = nested.split(lambda p, v: v > 1, ...)
    assert [s.to_dict() for s in parts] == GOLDEN["nested_split"]
    with pytest.raises(eqstate.EqstateError, match="add `...` as the last filter"):
        nested.split(lambda p, v: v > 1)
    assert jax.tree.leaves(nested) == [1, 2, 3]
    doubled = jax.tree.map(lambda v: 2 * v, nested)
    assert isinstance(doubled, u.NestedDict) and doubled.to_dict() == {
        "x": {"p": 2, "q": 4},
        "y": 6,
    }
    merged = u.NestedDict.merge(u.NestedDict({"a": {"x": 1}}), {"a": {"y": 2}})
    assert merged.to_dict() == {"a": {"x": 1, "y": 2}}
    assert u.NestedDict.from_flat({("a", "b"): 1}).to_dict() == {"a": {"b": 1}}


def test_nested_dict_pure_dict_round_trip():
    tree = eqstate.graph.treefy_states(_Net())
    pure = tree.to_pure_dict()
    assert pure["h"].tolist() == [0.0, 0.0, 0.0]
    tree.replace_by_pure_dict({"h": jnp.ones(3)})
    assert tree["h"].value.tolist() == [1.0, 1.0, 1.0]
    with pytest.raises(eqstate.EqstateError, match="no entry at \\('nope',\\)"):
        tree.replace_by_pure_dict({"nope": 1})


class _Block(eqstate.nn.Module):
    def __init__(self):
        self.w = eqstate.ParamState(jnp.ones(2), tag="weight")
        self.n = eqstate.ShortTermState(jnp.zeros(()))


class _Net(eqstate.nn.Module):
    def __init__(self):
        self.enc = _Block()
        self.layers = [_Block(), eqstate.State(jnp.ones(1))]
        self.h = eqstate.HiddenState(jnp.zeros(3))


def test_flatted_dict_from_states_matches_brainstate():
    net = _Net()
    states = net.states()
    assert isinstance(states, u.FlattedDict) and isinstance(states, dict)
    assert paths(states) == GOLDEN["states"]
    params, short = net.states(eqstate.ParamState, eqstate.ShortTermState)
    assert paths(params) == GOLDEN["states_params"]
    assert paths(short) == GOLDEN["states_short"]
    assert paths(net.states("weight")) == GOLDEN["states_tag"]
    assert sorted(states.to_nest()) == GOLDEN["to_nest_keys"]
    values = {
        "/".join(map(str, k)): v.tolist() for k, v in states.to_dict_values().items()
    }
    assert values == GOLDEN["to_dict_values"]
    assert list(states.filter(eqstate.ParamState)) == list(params)
    p2, rest = states.split(eqstate.ParamState, ...)
    assert list(p2) == list(params) and len(rest) == len(states) - len(params)
    assert u.FlattedDict.merge(p2, rest.to_nest()) == states
    assert u.FlattedDict.from_nest(states.to_nest()) == states


def test_flatted_dict_assigns_values():
    net = _Net()
    states = net.states(eqstate.HiddenState)
    states.assign_dict_values({("h",): jnp.full(3, 2.0)})
    assert net.h.value.tolist() == [2.0, 2.0, 2.0]
    with pytest.raises(eqstate.EqstateError, match="no entry at \\('x',\\)"):
        states.assign_dict_values({("x",): 1})
    treefied = states.treefy_state()
    assert isinstance(treefied[("h",)], eqstate.TreefyState)


def test_reprs_match_brainstate():
    assert u.pretty_repr({"a": 1, "b": {"c": [1, 2]}}) == GOLDEN["pretty_repr"]
    assert u.pretty_repr(u.FrozenDict({"a": {"b": 1}})) == GOLDEN["pretty_repr_frozen"]
    assert repr(u.FrozenDict({"a": {"b": 1}, "c": 2})) == GOLDEN["frozen_repr"]
    assert repr(u.PrettyList([1, 2])) == GOLDEN["pretty_list"]


def test_frozen_dict():
    d = u.freeze({"a": {"b": 1}, "c": 2})
    assert isinstance(d["a"], u.FrozenDict) and hash(d) == hash(
        u.freeze({"a": {"b": 1}, "c": 2})
    )
    with pytest.raises(eqstate.EqstateError, match="d.copy"):
        d["z"] = 1  # type: ignore[index]
    rest, c = d.pop("c")
    assert c == 2 and "c" not in rest and "c" in d
    assert d.copy({"z": 3})["z"] == 3
    assert u.unfreeze(d) == {"a": {"b": 1}, "c": 2} and type(u.unfreeze(d)["a"]) is dict
    assert pickle.loads(pickle.dumps(d)) == d
    assert u.copy({"a": 1}, {"b": 2}) == {"a": 1, "b": 2}
    assert u.pop({"a": 1, "b": 2}, "a") == ({"b": 2}, 1)
    paths_ = [
        jax.tree_util.keystr(p) for p, _ in jax.tree_util.tree_flatten_with_path(d)[0]
    ]
    assert paths_ == ["['a']['b']", "['c']"]


def test_dot_dict():
    cfg = u.DotDict({"a": {"b": 1}, "c": [{"x": 1}]})
    assert cfg.a.b == 1 and cfg.c[0].x == 1
    assert cfg.to_dict() == {"a": {"b": 1}, "c": [{"x": 1}]}
    assert u.DotDict({"a": {"b": 1}, "c": [1]}).to_dict() == GOLDEN["dotdict"]
    cfg.e = 3
    assert cfg["e"] == 3 and cfg.setdefault("f", 4) == 4 and cfg.get("zz", 5) == 5
    with pytest.raises(eqstate.EqstateError, match="no attribute 'zz'; set it first"):
        _ = cfg.zz
    assert not hasattr(cfg, "zz")
    assert jax.tree.leaves(u.DotDict({"a": {"b": 1}, "c": 2})) == [1, 2]
    deep = cfg.deepcopy()
    deep.a.b = 9
    assert cfg.a.b == 1 and u.DotDict.from_dict({"k": 1}).k == 1


def test_dataclass_and_pytree_node():
    @u.dataclass
    class P:
        a: float
        b: str = u.field(pytree_node=False, default="x")

    p = P(1.0)
    assert jax.tree.leaves(p) == [1.0] and p.replace(a=2.0) == P(2.0)
    assert u.is_dataclass(p) and u.is_dataclass(P) and not u.is_dataclass(int)

    class Q(u.PyTreeNode):
        a: float
        b: int = u.field(pytree_node=False, default=3)

    q = jax.tree.map(lambda x: x + 1, Q(1.0))
    assert q == Q(2.0) and q.replace(a=5.0).a == 5.0
    with pytest.raises(AttributeError):
        q.a = 3.0  # type: ignore[misc]


def test_dict_manager_matches_brainstate():
    dm = u.DictManager(a=1, b="x", c=2.0)
    assert [d.to_dict() for d in dm.split(int, str)] == GOLDEN["dictmanager_split"]
    assert dm.subset(int).to_dict() == GOLDEN["dictmanager_subset"]
    assert dm.not_subset(int).to_dict() == GOLDEN["dictmanager_not_subset"]
    assert dm.map_keys(lambda k: k * 2).to_dict() == GOLDEN["dictmanager_map_keys"]
    with pytest.raises(
        eqstate.EqstateError, match="already exists with a different value"
    ):
        dm.add_unique_key("a", 3)
    assert dm.add_unique_value("z", dm["a"]) is False
    assert dm.difference_by_values([1], by="value") == {"b": "x", "c": 2.0}
    assert dm.intersection_by_keys(["a"]) == {"a": 1}
    with pytest.raises(eqstate.EqstateError, match="by='id' or by='value'"):
        dm.difference_by_values([1], by="zz")
    assert jax.tree.leaves(dm) == [1, "x", 2.0]
    dm.assign({"q": 1}, r=2)
    dm.pop_by_keys(["q"])
    dm.pop_by_values([2], by="value")
    assert dm.to_dict() == {"a": 1, "b": "x"}  # 2.0 == 2 by value, as in brainstate
    assert dm.filter_by_predicate(lambda k, v: k == "a") == {"a": 1}
    assert dm.map_values(str)["a"] == "1"


def test_bounded_cache_matches_brainstate():
    cache = u.BoundedCache(2)
    cache.set("a", 1)
    cache.set("b", 2)
    cache.get("a")
    cache.get("zz")
    cache.set("c", 3)
    assert list(cache.keys()) == GOLDEN["cache_keys"]
    assert cache.get_stats() == GOLDEN["cache_stats"]
    with pytest.raises(eqstate.EqstateError, match="use replace"):
        cache.set("a", 5)
    with pytest.raises(eqstate.EqstateError, match="trace not found.*'zz'"):
        cache.get("zz", raise_on_miss=True, error_context="trace")
    with pytest.raises(eqstate.EqstateError, match="use set"):
        cache.replace("zz", 1)
    cache.replace("a", 7)
    assert (
        cache.pop("a") == 7
        and "a" not in cache
        and len(cache) == 1
        and cache.maxsize == 2
    )
    with pytest.raises(eqstate.EqstateError, match="positive int"):
        u.BoundedCache(0)


def test_names_and_predicates():
    first = u.get_unique_name("TestProbe")
    second = u.get_unique_name("TestProbe", prefix="p_")
    assert (
        first.startswith("TestProbe") and second == f"p_TestProbe{int(first[9:]) + 1}"
    )
    assert u.is_instance_eval(int, str)("a") and u.not_instance_eval(int)(1.0)


def test_clear_buffer_memory_deletes_arrays():
    # In a child process: it deletes every live array, other tests' included.
    code = (
        "import jax.numpy as jnp, eqstate.util as u\n"
        "x = jnp.ones(3)\n"
        "u.clear_buffer_memory(compilation=True)\n"
        "assert x.is_deleted() and float(jnp.ones(2).sum()) == 2.0\n"
    )
    root = Path(__file__).resolve().parents[1]
    env = {**os.environ, "PYTHONPATH": str(root)}
    subprocess.run([sys.executable, "-c", code], check=True, env=env, timeout=120)


def test_filters_are_one_implementation():
    assert (
        u.All is eqstate.filters.All and u.to_predicate is eqstate.filters.to_predicate
    )
    s = eqstate.ParamState(jnp.zeros(1), tag="w")
    assert u.WithTag("w")((), s) and u.OfType(eqstate.ParamState)((), s)
    assert u.PathContains("enc")(("enc", "w"), s) and not u.PathContains("x")(
        ("enc",), s
    )
    assert u.Everything()((), s) and not u.Nothing()((), s)
    assert u.to_predicate(...) == u.Everything() and u.to_predicate(None) == u.Nothing()
    assert u.to_predicate("w") == u.WithTag("w") and u.to_predicate(int) == u.OfType(
        int
    )
    assert u.Not(eqstate.ParamState) == u.Not(eqstate.ParamState)
    assert len({u.Any(int, str), u.Any(int, str)}) == 1
    with pytest.raises(eqstate.EqstateError, match="Cannot use 3 as a filter"):
        u.Any(3)


def test_brainstates_util_submodule_paths_import():
    """`from brainstate.util.filter import ...` / `.struct import ...` run
    unchanged: the same objects as `eqstate.util`'s."""
    import importlib

    import eqstate.util as util

    for module, names in {
        "eqstate.util.filter": [
            "All",
            "Any",
            "Everything",
            "Not",
            "Nothing",
            "OfType",
            "PathContains",
            "WithTag",
            "to_predicate",
        ],
        "eqstate.util.struct": [
            "FrozenDict",
            "PyTreeNode",
            "dataclass",
            "field",
            "freeze",
            "unfreeze",
            "pop",
            "copy",
            "is_dataclass",
        ],
    }.items():
        mod = importlib.import_module(module)
        for name in names:
            assert getattr(mod, name) is getattr(util, name), (module, name)
