"""Sharded checkpoints with orbax: each host writes and reads only its shards."""

from __future__ import annotations

import os
from typing import Any

import jax
from jax.sharding import Mesh

from .._errors import EqstateError
from .._state import State, is_state

__all__ = ["restore_sharded", "save_sharded"]


def _orbax() -> Any:
    try:
        import orbax.checkpoint as ocp
    except ImportError:
        raise EqstateError(
            "sharded checkpoints need orbax-checkpoint, which is not installed. "
            "Install the extra: `pip install 'eqstate[distributed]'` (or use "
            "`eqstate.checkpoint` for a model that fits on one host)."
        ) from None
    return ocp


def _states(tree: Any) -> dict[str, State[Any]]:
    """The States of `tree` by their key path (one entry per State object)."""
    found: dict[str, State[Any]] = {}
    seen: set[int] = set()
    flat, _ = jax.tree_util.tree_flatten_with_path(tree, is_leaf=is_state)
    for path, leaf in flat:
        if is_state(leaf) and id(leaf) not in seen:
            seen.add(id(leaf))
            found[jax.tree_util.keystr(path) or "state"] = leaf
    return found


def save_sharded(
    path: str | os.PathLike[str], tree: Any, *, force: bool = False
) -> None:
    """Save every State of a (sharded) model with orbax.

    Each process writes only the shards its devices hold, so a model larger
    than one host's memory is saved without gathering it. Restore with
    `restore_sharded`, onto the same mesh or another one.

    ```python
    import tempfile
    import jax.numpy as jnp
    import eqstate

    w = eqstate.ParamState(jnp.arange(4.0))
    path = tempfile.mkdtemp() + "/ckpt"
    eqstate.distributed.save_sharded(path, {"w": w})
    w.value = jnp.zeros(4)
    eqstate.distributed.restore_sharded(path, {"w": w})
    assert w.value.tolist() == [0.0, 1.0, 2.0, 3.0]
    ```

    Args:
        path: a directory to create (absolute or relative).
        tree: a module, a State, or any pytree holding States.
        force: overwrite an existing checkpoint at `path`.

    Raises:
        EqstateError: if orbax-checkpoint is not installed.
    """
    ocp = _orbax()
    values = {key: state.value for key, state in _states(tree).items()}
    with ocp.StandardCheckpointer() as checkpointer:
        checkpointer.save(os.path.abspath(path), values, force=force)


def restore_sharded(
    path: str | os.PathLike[str], tree: Any, mesh: Mesh | None = None
) -> None:
    """Restore the States of a model saved by `save_sharded`, in place.

    Each value is read straight into its sharding: the one
    `eqstate.sharding.shardings(tree, mesh)` gives (declared names or
    sharding, or the placement of the State's current value), so a model
    saved from 8 devices restores onto a 4-device mesh, and each process
    reads only its shards.

    ```python
    import tempfile
    import jax
    import jax.numpy as jnp
    import numpy as np
    import eqstate
    from jax.sharding import Mesh

    w = eqstate.ParamState(jnp.arange(4.0), names=("mlp",))
    path = tempfile.mkdtemp() + "/ckpt"
    eqstate.distributed.save_sharded(path, w)
    mesh = Mesh(np.array(jax.devices()[:1]), ("model",))
    with eqstate.sharding.rules({"mlp": "model"}):
        eqstate.distributed.restore_sharded(path, w, mesh)
    assert w.value.sharding.mesh == mesh
    ```

    Args:
        path: the directory `save_sharded` wrote.
        tree: the model to restore into (the same structure as saved).
        mesh: the mesh to restore onto (default as in
            `eqstate.sharding.shardings`; one device when there is none).

    Raises:
        EqstateError: if orbax-checkpoint is not installed.
    """
    ocp = _orbax()
    from ..sharding._rules import ShardingError
    from ..sharding._specs import shardings

    states = _states(tree)
    try:
        targets = shardings(list(states.values()), mesh)
    except ShardingError:
        if mesh is not None:
            raise
        targets = None  # no mesh anywhere: the default device
    one_device = jax.sharding.SingleDeviceSharding(jax.devices()[0])
    abstract: dict[str, Any] = {}
    for i, (key, state) in enumerate(states.items()):
        value = state.value
        if targets is None:
            placed = jax.tree.map(lambda _: one_device, value)
        else:
            placed = targets[i].value
        abstract[key] = jax.tree.map(
            lambda x, s: jax.ShapeDtypeStruct(x.shape, x.dtype, sharding=s),
            value,
            placed,
        )
    with ocp.StandardCheckpointer() as checkpointer:
        restored = checkpointer.restore(os.path.abspath(path), abstract)
    for key, state in states.items():
        state.value = restored[key]
