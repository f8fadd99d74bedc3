"""Record brainstate 0.5.4's `util` / `graph` outputs on data into util.json.

Run with brainstate installed: `python tests/golden/record_util.py`.
Each entry is JSON data (path tuples written as lists).
"""

import json
from pathlib import Path

import brainstate
import brainstate.util as u
import jax.numpy as jnp

NESTED = {"a": {"b": 1, "c": {"d": 2}}, "e": 3, "f": {}}


def paths(mapping):
    return [list(p) for p in mapping]


class Block(brainstate.nn.Module):
    def __init__(self):
        super().__init__()
        self.w = brainstate.ParamState(jnp.ones(2), tag="weight")
        self.n = brainstate.ShortTermState(jnp.zeros(()))


class Net(brainstate.nn.Module):
    def __init__(self):
        super().__init__()
        self.enc = Block()
        self.layers = [Block(), brainstate.State(jnp.ones(1))]
        self.h = brainstate.HiddenState(jnp.zeros(3))


def main():
    net = Net()
    states = net.states()
    params, short = brainstate.graph.states(
        net, brainstate.ParamState, brainstate.ShortTermState
    )
    nested = u.NestedDict({"x": {"p": 1, "q": 2}, "y": 3})
    dm = u.DictManager(a=1, b="x", c=2.0)
    cache = u.BoundedCache(2)
    cache.set("a", 1)
    cache.set("b", 2)
    cache.get("a")
    cache.get("zz")
    cache.set("c", 3)
    out = {
        "flatten_dict": u.flatten_dict(NESTED),
        "flatten_dict_sep": u.flatten_dict(NESTED, sep="/"),
        "unflatten_dict": u.unflatten_dict({"a.b": 1, "a.c.d": 2, "e": 3}),
        "merge_dicts": u.merge_dicts({"a": {"b": 1}, "x": 0}, {"a": {"c": 2}, "d": 3}),
        "merge_dicts_flat": u.merge_dicts(
            {"a": {"b": 1}}, {"a": {"c": 2}}, recursive=False
        ),
        "split_total": [
            u.split_total(10, 0.3),
            u.split_total(10, 3),
            u.split_total(7, 1.0),
            u.split_total(7, 0),
        ],
        "flat_mapping": [[list(k), v] for k, v in u.flat_mapping(NESTED).items()],
        "flat_mapping_sep": dict(u.flat_mapping(NESTED, sep="/")),
        "flat_mapping_empty": paths(u.flat_mapping(NESTED, keep_empty_nodes=True)),
        "nest_mapping": u.nest_mapping(
            {("a", "b"): 1, ("a", "c"): 2, ("d",): 3}
        ).to_dict(),
        "nested_to_flat": paths(nested.to_flat()),
        "nested_split": [s.to_dict() for s in nested.split(lambda p, v: v > 1, ...)],
        "pretty_repr": u.pretty_repr({"a": 1, "b": {"c": [1, 2]}}),
        "pretty_repr_frozen": u.pretty_repr(u.FrozenDict({"a": {"b": 1}})),
        "frozen_repr": repr(u.FrozenDict({"a": {"b": 1}, "c": 2})),
        "pretty_list": repr(u.PrettyList([1, 2])),
        "dotdict": u.DotDict({"a": {"b": 1}, "c": [1]}).to_dict(),
        "dictmanager_split": [d.to_dict() for d in dm.split(int, str)],
        "dictmanager_subset": dm.subset(int).to_dict(),
        "dictmanager_not_subset": dm.not_subset(int).to_dict(),
        "dictmanager_map_keys": dm.map_keys(lambda k: k * 2).to_dict(),
        "cache_keys": list(cache.keys()),
        "cache_stats": cache.get_stats(),
        "states": paths(states),
        "states_params": paths(params),
        "states_short": paths(short),
        "states_tag": paths(net.states("weight")),
        "states_hierarchy_1": paths(
            brainstate.graph.states(net, allowed_hierarchy=(1, 1))
        ),
        "states_hierarchy_0": paths(
            brainstate.graph.states(net, allowed_hierarchy=(0, 0))
        ),
        "nodes": sorted(paths(brainstate.graph.nodes(net))),
        "nodes_hierarchy_1": sorted(
            paths(brainstate.graph.nodes(net, allowed_hierarchy=(1, 1)))
        ),
        "to_nest_keys": sorted(states.to_nest()),
        "to_dict_values": {
            "/".join(map(str, k)): jnp.asarray(v).tolist()
            for k, v in states.to_dict_values().items()
        },
        "treefy_split": [
            paths(m.to_flat())
            for m in brainstate.graph.treefy_split(net, brainstate.ParamState, ...)[1:]
        ],
    }
    path = Path(__file__).with_name("util.json")
    path.write_text(json.dumps(out, indent=1, sort_keys=True) + "\n")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
