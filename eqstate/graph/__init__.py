"""Find States and modules in any pytree; move State values in bulk."""

from ._graph import (
    GraphDef as GraphDef,
    StateTree as StateTree,
    nodes as nodes,
    states as states,
    treefy_merge as treefy_merge,
    treefy_split as treefy_split,
    treefy_states as treefy_states,
    update_states as update_states,
)
