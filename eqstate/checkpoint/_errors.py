"""The checkpoint errors. Each class docstring is the troubleshooting page for it."""

from __future__ import annotations

from .._errors import EqstateError

__all__ = [
    "AlreadyExistsError",
    "CheckpointCorruptError",
    "CheckpointError",
    "CheckpointMismatchError",
    "InvalidCheckpointPath",
]


class CheckpointError(EqstateError):
    """Base class of the errors raised by `eqstate.checkpoint`.

    A load that raises any of them has changed nothing: every value is read
    and checked before the first State is written.

    ```python
    import eqstate
    import eqstate.checkpoint
    from eqstate.checkpoint import CheckpointError

    assert issubclass(CheckpointError, eqstate.EqstateError)
    ```
    """


class CheckpointCorruptError(CheckpointError):
    """The file is not a complete eqstate checkpoint.

    Raised when the file is cut short (for example a copy that did not
    finish), altered after it was written (its checksum does not match), or
    not an eqstate checkpoint at all. `eqstate.checkpoint.save` itself never
    leaves such a file behind: it writes a temporary file and renames it over
    the old one only once the data is on disk.

    **Fix**: load an earlier checkpoint, or save again.

    ```python
    import os, tempfile
    import jax.numpy as jnp
    import eqstate
    import eqstate.checkpoint as ckpt

    w = eqstate.State(jnp.ones(3))
    path = os.path.join(tempfile.mkdtemp(), "w.ckpt")
    ckpt.save(path, [w])
    with open(path, "r+b") as f:
        f.truncate(20)  # a copy that did not finish
    try:
        ckpt.load(path, [w])
    except ckpt.CheckpointCorruptError as e:
        print(e)
    ```
    """


class CheckpointMismatchError(CheckpointError, ValueError):
    """The saved values do not fit the object they are loaded into.

    It is also a `ValueError`, which braintools raises for a mismatch, so
    `except ValueError:` written for braintools still catches it.

    The message names the first path whose structure, shape or dtype differs,
    e.g. a model built with other layer sizes, an optimizer of another kind,
    or an optimizer whose weights were not registered yet. `load_state_dict`
    of an optimizer raises it too.

    **Fix**: build the target the same way as the saved object (same sizes,
    same optimizer, `register_trainable_weights` called) before loading.

    ```python
    import os, tempfile
    import jax.numpy as jnp
    import eqstate
    import eqstate.checkpoint as ckpt

    path = os.path.join(tempfile.mkdtemp(), "w.ckpt")
    ckpt.save(path, {"w": eqstate.State(jnp.ones(3))})
    small = {"w": eqstate.State(jnp.zeros(2))}
    try:
        ckpt.load(path, small)  # "at ['w']: the file holds float32[3], ..."
    except ckpt.CheckpointMismatchError as e:
        print(e)
    assert small["w"].value.tolist() == [0.0, 0.0]  # unchanged
    ```
    """


class InvalidCheckpointPath(CheckpointError, ValueError):
    """A checkpoint path cannot be used: missing, or present where it must not be.

    Raised by `msgpack_load` for a file that does not exist and by
    `msgpack_save(..., overwrite=False)` for one that does (braintools'
    `InvalidCheckpointPath`). The path is in `.path`. It is also a
    `ValueError`, which braintools' `msgpack_load` raises for a missing
    file; `load_matfile` raises a subclass that is also a
    `FileNotFoundError`, as braintools does.

    **Fix**: check the path, or pass `overwrite=True`.

    ```python
    import os, tempfile
    import eqstate.checkpoint as ckpt

    missing = os.path.join(tempfile.mkdtemp(), "none.msgpack")
    try:
        ckpt.msgpack_load(missing)
    except ckpt.InvalidCheckpointPath as e:
        assert e.path == missing and isinstance(e, ValueError)
    ```

    Args:
        path: the offending path.
        why: what is wrong with it.
    """

    def __init__(self, path: str, why: str = "it is not a usable checkpoint path"):
        self.path: str = path
        super().__init__(f"Invalid checkpoint at {path!r}: {why}.")


class MissingFileError(InvalidCheckpointPath, FileNotFoundError):
    """`load_matfile` found no file at the path (braintools' `FileNotFoundError`).

    ```python
    import os, tempfile
    import eqstate.checkpoint as ckpt
    from eqstate.checkpoint._errors import MissingFileError

    missing = os.path.join(tempfile.mkdtemp(), "none.mat")
    error = MissingFileError(missing, "no such MATLAB file")
    assert isinstance(error, FileNotFoundError) and error.path == missing
    ```

    Args:
        path: the missing file.
        why: what is wrong with it.
    """

    def __str__(self) -> str:  # OSError's own formatting would drop the message
        return str(self.args[0])


class AlreadyExistsError(CheckpointError):
    """A save with `overwrite=False` found the file already there.

    Raised when the file appeared while the save was being written (the
    check before writing raises `InvalidCheckpointPath`). The path is in
    `.path`.

    **Fix**: save under a new name, or pass `overwrite=True`.

    ```python
    import eqstate.checkpoint as ckpt

    error = ckpt.AlreadyExistsError("model.msgpack")
    assert "overwrite=True" in str(error) and error.path == "model.msgpack"
    ```

    Args:
        path: the file that exists.
    """

    def __init__(self, path: str):
        self.path: str = path
        super().__init__(
            f"Trying to overwrite an existing file: {path!r}. Save under a new name, "
            "or pass overwrite=True."
        )
