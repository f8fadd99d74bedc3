"""Save and load States: modules, optimizers, dicts of States, plain arrays.

The idea: a checkpoint is the list of every array leaf of a tree, each named
by its path (a State is transparent in paths, so `model.states()` and
`model` itself name their weights alike). Loading flattens the target the
same way, checks every path, shape and dtype against the file, and only then
writes the values into the target's States, in place.
"""

from __future__ import annotations

import ast
import os
import re
import warnings
from typing import Any

from ._async import AsyncManager
from ._errors import CheckpointError, CheckpointMismatchError, InvalidCheckpointPath
from ._format import MAGIC, decode, encode, read_file, write_atomic
from ._msgpack import MismatchMode, check_mode, msgpack_from_state_dict
from ._msgpack_bytes import decode_braintools
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
        path: a file written by `save` or `msgpack_save` (eqstate's or
            braintools').
        like: the object whose States receive the values.

    Returns:
        `like` itself when all its saved leaves are in States (the usual
        case); otherwise a copy of `like`'s tree with the plain array leaves
        replaced (holding the same States).
    """
    name = os.fspath(path)
    data = read_file(name)
    if not _is_eqstate(data):  # braintools' format
        return msgpack_from_state_dict(like, decode_braintools(data, name))
    return _load_checked(name, data, like, "error")


def _is_eqstate(data: bytes) -> bool:
    """Whether `data` is (the start of) eqstate's format rather than braintools'."""
    head = data[: len(MAGIC)]
    return not data or head == MAGIC[: len(head)]


def _load_checked(name: str, data: bytes, like: Any, mismatch: MismatchMode) -> Any:
    what = f"eqstate.checkpoint.load({name!r})"
    flat = flatten(like, what)
    saved = {entry.path: entry for entry in decode(data, name)}
    problem = first_mismatch(
        [(leaf.path, spec_of(leaf.value)) for leaf in flat.leaves],
        {p: e.spec for p, e in saved.items()},
        "the file",
    )
    if problem is not None:
        text = f"{what}: the file (eqstate checkpoint format) does not fit the target"
        if mismatch == "error":
            raise CheckpointMismatchError(
                f"{text}; nothing was changed.\n{problem}\n"
                "Load into an object built the same way as the saved one (same sizes; "
                "for an optimizer the same kind, with register_trainable_weights "
                "called), or pass mismatch='warn' to load what fits."
            )
        if mismatch == "warn":
            warnings.warn(f"{text}; loading what fits.\n{problem}", UserWarning, 3)
    values = []
    for leaf in flat.leaves:
        entry = saved.get(leaf.path)
        fits = entry is not None and entry.spec == spec_of(leaf.value)
        values.append(entry.value() if fits and entry is not None else leaf.value)
    return restore(flat, values)


# One step of a leaf path as `jax.tree_util.keystr` writes it: `.name`, or a
# bracketed literal (`['key']`, `[0]`, `[('l1', 'V')]` for a tuple dict key).
_STEP = re.compile(
    r"""\.(?P<attr>[^.\[]+)"""
    r"""|\[(?P<item>(?:'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|[^\]'"])*)\]"""
)


def _path_parts(path: str) -> list[str] | None:
    """The string keys of a leaf path (`"['a'][0].b"` -> `["a", "0", "b"]`).

    A tuple key contributes one part per element (as brainstate's
    `FlattedDict.to_nest()` nests `{("l1", "V"): ...}`); None when `path` is
    not a `keystr` path.
    """
    parts: list[str] = []
    pos = 0
    while pos < len(path):
        step = _STEP.match(path, pos)
        if step is None:
            return None
        pos = step.end()
        if step.group("attr") is not None:
            parts.append(step.group("attr"))
            continue
        text = step.group("item")
        try:
            key = ast.literal_eval(text)
        except (ValueError, SyntaxError):
            key = text
        if isinstance(key, tuple) and key:
            parts.extend(str(k) for k in key)
        else:
            parts.append(str(key))
    return parts


def _nest(name: str, leaves: list[tuple[str, Any]]) -> Any:
    """The saved leaves as braintools' state dict: nested dicts with string
    keys (lists and tuples keyed `"0"`, `"1"`, ...; a State as its value)."""
    if len(leaves) == 1 and leaves[0][0] == "":
        return leaves[0][1]  # a single array saved at the root
    out: dict[str, Any] = {}
    for path, value in leaves:
        parts = _path_parts(path)
        if not parts:
            parts = [path]
        node = out
        for part in parts[:-1]:
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                node = None
                break
            node = child
        if node is None or parts[-1] in node:
            raise CheckpointError(
                f"msgpack_load({name!r}): the saved path {path!r} collides with "
                "another one once keys are strings (e.g. the keys 0 and '0' of one "
                "dict), so the file cannot be loaded as a nested state dict. Pass "
                "`target=` (the object as it was saved) to load it."
            )
        node[parts[-1]] = value
    return out


def msgpack_save(
    filename: PathLike,
    target: Any,
    overwrite: bool = True,
    async_manager: AsyncManager | None = None,
    verbose: bool = False,
) -> str:
    """Save a tree holding States (braintools' spelling of `save`).

    Writes eqstate's checked format (`save`), atomically; `msgpack_load`
    reads it, and also reads files written by braintools' `msgpack_save`.
    The values are taken at the call, so with an `async_manager` the train
    loop can go on while the file is written in the background.

    ```python
    import os, tempfile
    import jax.numpy as jnp
    import eqstate
    from eqstate.checkpoint import msgpack_load, msgpack_save

    params = {("w",): eqstate.ParamState(jnp.ones(2))}
    path = os.path.join(tempfile.mkdtemp(), "params.msgpack")
    assert msgpack_save(path, params) == path
    msgpack_load(path, target=params)
    ```

    Args:
        filename: the file to write; missing directories are created.
        target: the States (or arrays) to save, e.g. `model.states(ParamState)`.
        overwrite: replace an existing file; with False an existing file
            raises `InvalidCheckpointPath` (or `AlreadyExistsError` if it
            appears during the save).
        async_manager: an `AsyncManager` to write in the background.
        verbose: print a line naming the file.

    Returns:
        The file name.
    """
    name = os.fspath(filename)
    if verbose:
        print(f"Saving checkpoint into {name}")
    if async_manager is not None:
        async_manager.wait_previous_save()
    directory = os.path.dirname(name)
    if directory:
        os.makedirs(directory, exist_ok=True)
    if not overwrite and os.path.exists(name):
        raise InvalidCheckpointPath(
            name,
            "the file exists and overwrite=False; pass overwrite=True to replace it",
        )
    flat = flatten(target, f"eqstate.checkpoint.msgpack_save({name!r})")
    data = encode(flat.leaves)

    def task() -> None:
        write_atomic(name, data, overwrite=overwrite)

    if async_manager is not None:
        async_manager.save_async(task)
    else:
        task()
    return name


def msgpack_load(
    filename: PathLike,
    target: Any = None,
    parallel: bool = True,
    mismatch: MismatchMode = "error",
    max_size: int | None = None,
    verbose: bool = False,
) -> Any:
    """Load a checkpoint written by `msgpack_save`/`save`, or by braintools.

    Both formats are recognised from the file itself: eqstate's checked
    format (written by eqstate), and braintools' plain msgpack of the state
    dict (written by `braintools.file.msgpack_save`). With a `target`, the
    values are checked against it and written into its States in place;
    without one, the saved values come back as braintools returns them: the
    state dict, nested dicts with string keys (`{("l1", "V"): s}` as
    `{"l1": {"V": ...}}`, module attributes by name), lists and tuples as
    dicts keyed `"0"`, `"1"`, ..., each State as its value, and leaves as
    numpy arrays (Python numbers and strings as they were saved; an empty
    dict or list, which holds no leaf, is not in an eqstate file).

    ```python
    import os, tempfile
    import jax.numpy as jnp
    import eqstate
    from eqstate.checkpoint import msgpack_load, msgpack_save

    path = os.path.join(tempfile.mkdtemp(), "w.msgpack")
    msgpack_save(path, {"w": eqstate.State(jnp.ones(2)), "epoch": 3, "l": [jnp.zeros(1)]})
    state = msgpack_load(path)
    assert state["epoch"] == 3 and type(state["epoch"]) is int
    assert state["w"].tolist() == [1.0, 1.0]
    assert list(state["l"]) == ["0"]
    ```

    Args:
        filename: the file to read.
        target: the tree whose States receive the values, or None.
        parallel: accepted for braintools' signature (files are read at once).
        mismatch: what a difference between file and target does: `"error"`
            raises `CheckpointMismatchError` and loads nothing; `"warn"` warns
            and loads what fits; `"ignore"` loads what fits silently.
        max_size: refuse files larger than this many bytes.
        verbose: print a line naming the file.

    Returns:
        The target (see `load`), or the saved state dict.

    Raises:
        InvalidCheckpointPath: the file does not exist (a `ValueError`, as
            braintools raises).
        CheckpointMismatchError: the file does not fit `target` (a
            `ValueError`, as braintools raises).
        CheckpointCorruptError: the file is damaged.
    """
    del parallel
    check_mode(mismatch)
    name = os.fspath(filename)
    if not os.path.isfile(name):
        raise InvalidCheckpointPath(name, "no such checkpoint file")
    if verbose:
        print(f"Loading checkpoint from {name}")
    data = read_file(name)
    if max_size is not None and len(data) > max_size:
        raise CheckpointError(
            f"{name!r} holds {len(data)} bytes, more than max_size={max_size}. "
            "Nothing was loaded; raise max_size to load it."
        )
    if _is_eqstate(data):
        if target is None:
            entries = decode(data, name)
            return _nest(name, [(entry.path, entry.value()) for entry in entries])
        return _load_checked(name, data, target, mismatch)
    state = decode_braintools(data, name)
    if target is None:
        return state
    return msgpack_from_state_dict(target, state, mismatch=mismatch)
