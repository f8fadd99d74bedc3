"""Save and load States: modules, optimizers, dicts of States, plain arrays.

The idea: a checkpoint is the list of every array leaf of a tree, each named
by its path (a State is transparent in paths, so `model.states()` and
`model` itself name their weights alike). Loading flattens the target the
same way, checks every path, shape and dtype against the file, and only then
writes the values into the target's States, in place.
"""

from __future__ import annotations

import os
from typing import Any

from ._errors import CheckpointMismatchError
from ._format import decode, encode, read_file, write_atomic
from ._tree import first_mismatch, flatten, restore, spec_of

__all__ = ["load", "msgpack_load", "msgpack_save", "save"]

PathLike = str | os.PathLike[str]


def save(path: PathLike, obj: Any) -> None:
    """Save the values of every State in `obj` to `path`, atomically.

    `obj` is a module, an optimizer, a schedule, a dict or list of them, a
    `{path: State}` dict from `module.states(...)`, or any pytree of arrays.
    The file is written to a temporary file in the same directory, flushed,
    fsync'ed and renamed over `path`: if the process dies mid-save, `path`
    still holds the previous checkpoint.

    ```python
    import os, tempfile
    import jax.numpy as jnp
    import eqstate
    import eqstate.checkpoint

    class Linear(eqstate.nn.Module):
        def __init__(self):
            self.w = eqstate.ParamState(jnp.ones((2, 2)))

    path = os.path.join(tempfile.mkdtemp(), "model.ckpt")
    eqstate.checkpoint.save(path, Linear())
    restored = eqstate.checkpoint.load(path, Linear())
    assert restored.w.value.shape == (2, 2)
    ```

    Args:
        path: the file to write (its directory must exist).
        obj: what to save.
    """
    flat = flatten(obj, f"eqstate.checkpoint.save({os.fspath(path)!r})")
    write_atomic(os.fspath(path), encode(flat.leaves))


def load(path: PathLike, like: Any) -> Any:
    """Load a file written by `save` into the States of `like`, in place.

    `like` must have the structure of the saved object: build it the same
    way (same layer sizes; for an optimizer the same kind, with
    `register_trainable_weights` already called). Every path, shape and dtype
    is checked before anything is written, so a mismatch
    (`CheckpointMismatchError`) or a damaged file (`CheckpointCorruptError`)
    leaves `like` exactly as it was.

    ```python
    import os, tempfile
    import jax.numpy as jnp
    import eqstate
    import eqstate.checkpoint

    w = eqstate.ParamState(jnp.arange(3.0))
    path = os.path.join(tempfile.mkdtemp(), "w.ckpt")
    eqstate.checkpoint.save(path, {"w": w})
    w.value = jnp.zeros(3)
    eqstate.checkpoint.load(path, {"w": w})
    assert w.value.tolist() == [0.0, 1.0, 2.0]
    ```

    Args:
        path: a file written by `save` or `msgpack_save`.
        like: the object whose States receive the values.

    Returns:
        `like` itself when all its saved leaves are in States (the usual
        case); otherwise a copy of `like`'s tree with the plain array leaves
        replaced (holding the same States).
    """
    name = os.fspath(path)
    what = f"eqstate.checkpoint.load({name!r})"
    flat = flatten(like, what)
    saved = {entry.path: entry for entry in decode(read_file(name), name)}
    problem = first_mismatch(
        [(leaf.path, spec_of(leaf.value)) for leaf in flat.leaves],
        {p: e.spec for p, e in saved.items()},
        "the file",
    )
    if problem is not None:
        raise CheckpointMismatchError(
            f"{what}: the file does not fit the target; nothing was changed.\n"
            f"{problem}\n"
            "Load into an object built the same way as the saved one (same sizes; "
            "for an optimizer the same kind, with register_trainable_weights called)."
        )
    return restore(flat, [saved[leaf.path].value() for leaf in flat.leaves])


def msgpack_save(path: PathLike, tree: Any, *, verbose: bool = True) -> None:
    """Save a tree holding States to a msgpack file (braintools' spelling of `save`).

    Writes atomically, like `save`; prints where it saves unless `verbose=False`.

    ```python
    import os, tempfile
    import jax.numpy as jnp
    import eqstate
    from eqstate.checkpoint import msgpack_load, msgpack_save

    params = {("w",): eqstate.ParamState(jnp.ones(2))}
    path = os.path.join(tempfile.mkdtemp(), "params.msgpack")
    msgpack_save(path, params, verbose=False)
    msgpack_load(path, target=params, verbose=False)
    ```

    Args:
        path: the file to write.
        tree: the States (or arrays) to save, e.g. `model.states(ParamState)`.
        verbose: print a line naming the file.
    """
    if verbose:
        print(f"Saving checkpoint into {os.fspath(path)}")
    save(path, tree)


def msgpack_load(path: PathLike, target: Any = None, *, verbose: bool = True) -> Any:
    """Load a file written by `msgpack_save` or `save` (braintools' spelling of `load`).

    With a `target`, the values are checked and restored into its States in
    place, exactly as `load` does. Without one, the saved values are returned
    as a `{path: numpy array}` dict.

    ```python
    import os, tempfile
    import jax.numpy as jnp
    import eqstate
    from eqstate.checkpoint import msgpack_load, msgpack_save

    path = os.path.join(tempfile.mkdtemp(), "w.msgpack")
    msgpack_save(path, {"w": eqstate.State(jnp.ones(2))}, verbose=False)
    assert list(msgpack_load(path, verbose=False)) == ["['w']"]
    ```

    Args:
        path: the file to read.
        target: the tree whose States receive the values, or None.
        verbose: print a line naming the file.

    Returns:
        The target (see `load`), or the dict of saved values.
    """
    name = os.fspath(path)
    if verbose:
        print(f"Loading checkpoint from {name}")
    if target is None:
        return {entry.path: entry.value() for entry in decode(read_file(name), name)}
    return load(name, target)
