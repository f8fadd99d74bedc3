"""MATLAB `.mat` files through scipy (the `scipy` extra)."""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from ._errors import CheckpointError

__all__ = ["load_matfile", "save_matfile"]


def _scipy_io() -> Any:
    try:
        import scipy.io as sio
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise CheckpointError(
            "save_matfile/load_matfile need scipy: pip install 'eqstate[scipy]'."
        ) from exc
    return sio


def save_matfile(
    filename: str | os.PathLike[str],
    data: dict[str, Any],
    verbose: bool = False,
    **kwargs: Any,
) -> None:
    """Save a dict of arrays to a MATLAB `.mat` file (`scipy.io.savemat`).

    JAX arrays are copied to NumPy first; nested dicts become MATLAB structs.

    ```python
    import os, tempfile
    import jax.numpy as jnp
    import eqstate.checkpoint as ckpt

    path = os.path.join(tempfile.mkdtemp(), "data.mat")
    ckpt.save_matfile(path, {"w": jnp.arange(3.0)})
    assert ckpt.load_matfile(path)["w"].tolist() == [0.0, 1.0, 2.0]
    ```

    Args:
        filename: the file to write.
        data: names to arrays (or nested dicts of them).
        verbose: print a line naming the file.
        **kwargs: passed to `scipy.io.savemat`.
    """
    sio = _scipy_io()
    name = os.fspath(filename)
    if not isinstance(data, dict):
        raise CheckpointError(
            f"save_matfile({name!r}): data must be a dict of names to arrays; got "
            f"{type(data).__name__}."
        )

    def host(x: Any) -> Any:
        if isinstance(x, dict):
            return {k: host(v) for k, v in x.items()}
        return np.asarray(x) if hasattr(x, "__array__") else x

    if verbose:
        print(f"Saving MATLAB file into {name}")
    sio.savemat(name, host(data), **kwargs)


def load_matfile(
    filename: str | os.PathLike[str],
    include_header: bool = False,
    struct_as_record: bool = False,
    squeeze_me: bool = True,
    verbose: bool = False,
    *,
    header_info: bool | None = None,
    **kwargs: Any,
) -> dict[str, Any]:
    """Load a MATLAB `.mat` file into a dict (`scipy.io.loadmat`).

    The `__header__`, `__version__` and `__globals__` entries are dropped
    unless `include_header` (or `header_info`) is true; structs become dicts.

    ```python
    import os, tempfile
    import numpy as np
    import eqstate.checkpoint as ckpt

    path = os.path.join(tempfile.mkdtemp(), "s.mat")
    ckpt.save_matfile(path, {"cfg": {"rate": np.float64(0.5)}})
    assert ckpt.load_matfile(path)["cfg"]["rate"] == 0.5
    ```

    Args:
        filename: the file to read.
        include_header: keep the `__header__`-style entries.
        struct_as_record: passed to `scipy.io.loadmat`.
        squeeze_me: drop unit dimensions.
        verbose: print a line naming the file.
        header_info: an alias of `include_header`.
        **kwargs: passed to `scipy.io.loadmat`.
    """
    sio = _scipy_io()
    name = os.fspath(filename)
    if not os.path.isfile(name):
        from ._errors import MissingFileError

        raise MissingFileError(name, "no such MATLAB file")
    if verbose:
        print(f"Loading MATLAB file from {name}")
    raw = sio.loadmat(
        name, struct_as_record=struct_as_record, squeeze_me=squeeze_me, **kwargs
    )
    keep_header = include_header if header_info is None else header_info

    def plain(x: Any) -> Any:
        if isinstance(x, sio.matlab.mat_struct):
            return {f: plain(getattr(x, f)) for f in x._fieldnames}
        if isinstance(x, dict):
            return {k: plain(v) for k, v in x.items()}
        return x

    return {
        k: plain(v) for k, v in raw.items() if keep_header or not k.startswith("__")
    }
