"""Walk models, collect their States and nodes, split them into structure and States.

brainstate's `brainstate.graph`, on equinox pytrees: a graph node is an
equinox module (eqstate `Module`s included), a `Node` subclass, or a type given
to `register_graph_node_type`; paths are JAX key paths.
"""

from typing import TYPE_CHECKING

from ._context import (
    MergeContext as MergeContext,
    NodeStates as NodeStates,
    RefMap as RefMap,
    SplitContext as SplitContext,
    Static as Static,
    merge_context as merge_context,
    split_context as split_context,
)
from ._convert import graph_to_tree as graph_to_tree, tree_to_graph as tree_to_graph
from ._flatten import (
    GraphDef as GraphDef,
    GraphError as GraphError,
    StateTree as StateTree,
    clone as clone,
    flatten as flatten,
    graphdef as graphdef,
    treefy_merge as treefy_merge,
    treefy_split as treefy_split,
    treefy_states as treefy_states,
    unflatten as unflatten,
    update_states as update_states,
)
from ._pop import pop_states as pop_states
from ._walk import (
    Node as Node,
    iter_leaf as iter_leaf,
    iter_node as iter_node,
    nodes as nodes,
    register_graph_node_type as register_graph_node_type,
    states as states,
)

if not TYPE_CHECKING:  # a brainstate name left out says what to use instead

    def __getattr__(name):
        from .._left_out import left_out

        return left_out(__name__)(name)
