"""`specs`, `shardings` and `shard`: the sharding of every State in a tree."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import jax
from jax.sharding import Mesh, NamedSharding

from .._state import State, is_state
from ._resolve import first_mesh, leaf_specs, own_spec
from ._rules import MeshAxes, ShardingError

__all__ = ["shard", "shardings", "specs"]

T = TypeVar("T")


def _map_leaves(
    tree: Any,
    per_state: Callable[[State[Any], Any], list[Any]],
    per_leaf: Callable[[Any], Any],
) -> Any:
    """`tree` rebuilt with one result per leaf (States' leaves grouped)."""
    items = jax.tree.leaves(tree, is_leaf=is_state)
    out: list[Any] = []
    for item in items:
        if is_state(item):
            out.extend(per_state(item, item.value))
        else:
            out.append(per_leaf(item))
    return jax.tree.structure(tree).unflatten(out)


def specs(tree: T, rules: Mapping[str, MeshAxes] | None = None) -> T:
    """The `PartitionSpec` of every array in a module (or any tree of States).

    The result has the structure of `tree` (a module comes back as a module
    whose States hold specs), so it can be given to `jax.jit`'s
    `in_shardings`, to `jax.device_put` (through `shardings`) or to a
    checkpointer. A State's spec comes from its `sharding=` or `names=`
    metadata (names mapped by the rule table); a State without one gets the
    spec of the array it holds, or `P()` (replicated).

    ```python
    import jax.numpy as jnp
    import eqstate
    from jax.sharding import PartitionSpec as P

    class MLP(eqstate.nn.Module):
        def __init__(self):
            self.w = eqstate.ParamState(jnp.ones((4, 8)), names=("embed", "mlp"))
            self.b = eqstate.ParamState(jnp.zeros(8), names=("mlp",))
            self.steps = eqstate.State(jnp.array(0))

    with eqstate.sharding.rules({"mlp": "model"}):
        s = eqstate.sharding.specs(MLP())
    assert s.w.value == P(None, "model") and s.b.value == P("model")
    assert s.steps.value == P()
    ```

    Args:
        tree: a module, a State, or any pytree holding States and arrays.
        rules: the logical-name table to use; default the active one.

    Returns:
        `tree`'s structure with a `PartitionSpec` in place of each array.

    Raises:
        ShardingError: if a State's names do not fit its value.
    """
    return _map_leaves(tree, lambda s, v: leaf_specs(s, v, rules), own_spec)


def _mesh_or_context(mesh: Mesh | None) -> Mesh | None:
    if mesh is not None:
        return mesh
    context = jax.sharding.get_mesh()
    return None if context.empty else context


def shardings(
    tree: T, mesh: Mesh | None = None, rules: Mapping[str, MeshAxes] | None = None
) -> T:
    """The `NamedSharding` of every array in a tree, on `mesh`.

    `specs(tree)` placed on a mesh: give the result to `jax.jit`
    (`in_shardings` / `out_shardings`), `jax.device_put`, or a checkpoint
    restore. The mesh may differ from the one the values live on (restore
    onto a smaller mesh, for instance).

    ```python
    import jax
    import jax.numpy as jnp
    import numpy as np
    import eqstate
    from jax.sharding import Mesh, PartitionSpec as P

    mesh = Mesh(np.array(jax.devices()[:1]), ("model",))
    w = eqstate.ParamState(jnp.ones((2, 4)), names=("embed", "mlp"))
    with eqstate.sharding.rules({"mlp": "model"}):
        s = eqstate.sharding.shardings(w, mesh)
    assert s.value.spec == P(None, "model") and s.value.mesh == mesh
    ```

    Args:
        tree: a module, a State, or any pytree holding States and arrays.
        mesh: the device mesh; default the mesh of `jax.set_mesh`, else the
            mesh a State's declared `NamedSharding` or value lives on.
        rules: the logical-name table to use; default the active one.

    Returns:
        `tree`'s structure with a `NamedSharding` in place of each array.

    Raises:
        ShardingError: if no mesh is given or found, or a State's names do
            not fit its value.
    """
    context = _mesh_or_context(mesh)

    def mesh_for(state: State[Any] | None, value: Any) -> Mesh:
        found = context
        if found is None and state is not None:
            found = first_mesh(state, value)
        if found is None:
            found = first_mesh_of_leaf(value)
        if found is None:
            raise ShardingError(
                "sharding.shardings: no mesh to place the specs on. Pass one, "
                "`eqstate.sharding.shardings(model, mesh)`, or set one with "
                "`jax.set_mesh(mesh)`."
            )
        return found

    def per_state(state: State[Any], value: Any) -> list[Any]:
        m = mesh_for(state, value)
        return [NamedSharding(m, s) for s in leaf_specs(state, value, rules)]

    def per_leaf(leaf: Any) -> Any:
        return NamedSharding(mesh_for(None, leaf), own_spec(leaf))

    return _map_leaves(tree, per_state, per_leaf)


def first_mesh_of_leaf(value: Any) -> Mesh | None:
    for leaf in jax.tree.leaves(value):
        sharding = (
            getattr(leaf, "sharding", None) if isinstance(leaf, jax.Array) else None
        )
        if isinstance(sharding, NamedSharding) and isinstance(sharding.mesh, Mesh):
            return sharding.mesh
    return None


def shard(
    tree: Any, mesh: Mesh | None = None, rules: Mapping[str, MeshAxes] | None = None
) -> None:
    """Move every State's value onto its declared sharding, in place.

    For values created unsharded (loaded from a file, built before the mesh
    existed): each State in `tree` gets `jax.device_put(value, sharding)`,
    with the sharding from `shardings(tree, mesh)`. States without a
    declaration are replicated on the mesh.

    ```python
    import jax
    import jax.numpy as jnp
    import numpy as np
    import eqstate
    from jax.sharding import Mesh, PartitionSpec as P

    mesh = Mesh(np.array(jax.devices()[:1]), ("model",))
    w = eqstate.ParamState(jnp.ones((2, 4)), names=(None, "mlp"))
    with eqstate.sharding.rules({"mlp": "model"}):
        eqstate.sharding.shard(w, mesh)
    assert w.value.sharding.spec == P(None, "model")
    ```

    Args:
        tree: a module, a State, or any pytree holding States.
        mesh: the device mesh (default as in `shardings`).
        rules: the logical-name table to use; default the active one.
    """
    states = [s for s in jax.tree.leaves(tree, is_leaf=is_state) if is_state(s)]
    targets = shardings(states, mesh, rules)
    for state, target in zip(states, targets):
        state.value = jax.device_put(state.value, target.value)
