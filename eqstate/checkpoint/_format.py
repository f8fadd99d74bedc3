"""The checkpoint file: bytes on disk, written atomically and checked on read.

Layout: an 8-byte magic, the SHA-256 digest of the body, then the body, a
msgpack map `{"version": 2, "entries": [...]}` with one entry per leaf:
`{"path": str, "dtype": str, "shape": [int], "data": bytes}` (key arrays add
`"impl"` and store their key data; a Python number adds `"py"`, its type's
name, so it loads as one; a string is dtype `"str"`, shape `[]`, its UTF-8
bytes). Version 1 files (no strings or `"py"`) load as before. A file cut
short or altered fails the digest check, so it is never half-decoded.

Writes go to a temporary file in the same directory, which is flushed,
fsync'ed and then renamed over the destination with `os.replace`: a crash at
any point leaves either the old file or the new one, never a mix. The
temporary file is named `.<name>.<pid>.<random>.tmp`; one left by a process
that died mid-write (its pid is gone, or it is this process and no save of
it is running) is removed by the next save or load of `<name>`. Within a
process, saves to one file take turns (a lock per path), so there is never
more than one writer.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
import tempfile
import threading
from contextlib import AbstractContextManager
from typing import Any

import jax
import jax.numpy as jnp
import msgpack
import numpy as np

from ._errors import AlreadyExistsError, CheckpointCorruptError
from ._tree import Leaf, Spec, spec_of

__all__ = ["MAGIC", "decode", "encode", "read_file", "write_atomic"]

_MAGIC = b"EQSTCKP\x01"
MAGIC = _MAGIC
_DIGEST = 32
_VERSION = 2
_READS = (1, 2)  # the versions `decode` reads
_PY = {"bool": bool, "int": int, "float": float, "complex": complex}


def _entry(leaf: Leaf) -> dict[str, Any]:
    value = leaf.value
    spec = spec_of(value)
    entry: dict[str, Any] = {
        "path": leaf.path,
        "dtype": spec.dtype,
        "shape": list(spec.shape),
    }
    if isinstance(value, str):
        entry["data"] = value.encode("utf-8")
        return entry
    if type(value) in _PY.values():  # a Python number (not numpy's, not a subclass)
        entry["py"] = type(value).__name__
    if isinstance(value, jax.Array) and jnp.issubdtype(
        value.dtype, jax.dtypes.prng_key
    ):
        entry["impl"] = str(jax.random.key_impl(value))
        value = jax.random.key_data(value)
    arr = np.ascontiguousarray(np.asarray(value))
    if arr.dtype.byteorder == ">":
        arr = arr.astype(arr.dtype.newbyteorder("<"))
    entry["data"] = arr.tobytes()
    return entry


def encode(leaves: list[Leaf]) -> bytes:
    """The file contents for `leaves`."""
    body = msgpack.packb(
        {"version": _VERSION, "entries": [_entry(leaf) for leaf in leaves]},
        use_bin_type=True,
    )
    assert isinstance(body, bytes)
    return _MAGIC + hashlib.sha256(body).digest() + body


def _corrupt(path: str, why: str) -> CheckpointCorruptError:
    return CheckpointCorruptError(
        f"{path!r} is not a complete eqstate checkpoint (the checked format "
        f"eqstate.checkpoint writes): {why}. Nothing was "
        "loaded. Use an earlier checkpoint or save again; eqstate.checkpoint "
        "writes atomically, so a cut file comes from outside (an interrupted "
        "copy, a full disk, an edit)."
    )


class Saved:
    """One decoded entry: its spec and a way to build its value."""

    __slots__ = ("path", "spec", "_data", "_impl", "_py")

    def __init__(
        self,
        path: str,
        spec: Spec,
        data: bytes,
        impl: str | None,
        py: str | None = None,
    ):
        self.path = path
        self.spec = spec
        self._data = data
        self._impl = impl
        self._py = py

    def value(self) -> Any:
        """The saved value: a numpy array, a JAX key array, or the Python
        number or string that was saved."""
        if self.spec.dtype == "str":
            return self._data.decode("utf-8")
        if self._impl is not None:
            raw = jax.random.key_data(jax.random.key(0, impl=self._impl))
            data = np.frombuffer(self._data, raw.dtype).reshape(
                self.spec.shape + raw.shape
            )
            return jax.random.wrap_key_data(jnp.asarray(data), impl=self._impl)
        data = np.frombuffer(self._data, jnp.dtype(self.spec.dtype))
        if self._py is not None:
            return _PY[self._py](data[0].item())
        return data.reshape(self.spec.shape).copy()


def decode(data: bytes, path: str) -> list[Saved]:
    """The entries of a checkpoint file; `CheckpointCorruptError` if damaged."""
    head = len(_MAGIC) + _DIGEST
    if len(data) < len(_MAGIC) or data[: len(_MAGIC)] != _MAGIC[: len(data)]:
        raise _corrupt(path, "it does not start with the eqstate checkpoint marker")
    if len(data) < head:
        raise _corrupt(path, f"it is cut short ({len(data)} bytes)")
    body = data[head:]
    if hashlib.sha256(body).digest() != data[len(_MAGIC) : head]:
        raise _corrupt(
            path,
            f"its checksum does not match ({len(data)} bytes; cut short or altered)",
        )
    try:
        payload = msgpack.unpackb(body, raw=False)
        if payload["version"] not in _READS:
            raise _corrupt(
                path,
                f"it has format version {payload['version']}; this eqstate reads "
                f"versions {', '.join(map(str, _READS))} (a newer eqstate wrote it?)",
            )
        entries = []
        for e in payload["entries"]:
            spec = Spec(str(e["dtype"]), tuple(int(n) for n in e["shape"]))
            py = e.get("py")
            if py is not None and py not in _PY:
                raise _corrupt(path, f"the entry {e['path']} has type {py!r}")
            saved = Saved(str(e["path"]), spec, bytes(e["data"]), e.get("impl"), py)
            _check_size(saved, path)
            entries.append(saved)
    except CheckpointCorruptError:
        raise
    except Exception as exc:  # any malformed payload
        raise _corrupt(path, f"its contents cannot be decoded ({exc})") from exc
    return entries


def _check_size(saved: Saved, path: str) -> None:
    """The entry's bytes must fill its shape exactly (the digest can be valid
    for a file written wrongly, e.g. by another tool)."""
    if saved.spec.dtype == "str":
        try:
            saved._data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise _corrupt(
                path, f"the string at {saved.path or '<root>'} is not UTF-8"
            ) from exc
        if saved.spec.shape:
            raise _corrupt(path, f"the string at {saved.path or '<root>'} has a shape")
        return
    if saved._impl is not None:
        try:
            raw = jax.random.key_data(jax.random.key(0, impl=saved._impl))
        except Exception as exc:
            raise _corrupt(
                path,
                f"the entry {saved.path} names an unknown key kind {saved._impl!r}",
            ) from exc
        itemsize, shape = raw.dtype.itemsize, saved.spec.shape + raw.shape
    else:
        try:
            itemsize = np.dtype(jnp.dtype(saved.spec.dtype)).itemsize
        except TypeError as exc:
            raise _corrupt(
                path,
                f"the entry {saved.path} has an unknown dtype {saved.spec.dtype!r}",
            ) from exc
        shape = saved.spec.shape
    want = int(np.prod(shape, dtype=np.int64)) * itemsize
    if len(saved._data) != want:
        raise _corrupt(
            path,
            f"the entry {saved.path or '<root>'} ({saved.spec}) needs {want} bytes of "
            f"data but holds {len(saved._data)}",
        )


def read_file(path: str) -> bytes:
    """The bytes of `path`, after removing temporary files left by dead saves."""
    remove_stale_temporaries(path)
    with open(path, "rb") as f:
        return f.read()


# One lock per checkpoint path, typed as a context manager: `threading.Lock`
# is a factory function, which beartype 0.20 refuses as a type hint.
_LOCKS: dict[str, AbstractContextManager[bool]] = {}
_LOCKS_GUARD = threading.Lock()
_WRITING: set[str] = set()  # temporary files this process is writing now


def path_lock(path: str) -> AbstractContextManager[bool]:
    """The lock that makes saves to `path` within this process take turns."""
    key = os.path.abspath(path)
    with _LOCKS_GUARD:
        return _LOCKS.setdefault(key, threading.Lock())


def _temp_pattern(path: str) -> re.Pattern[str]:
    name = re.escape(os.path.basename(path))
    return re.compile(rf"^\.{name}\.(\d+)\.[^.]+\.tmp$")


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True  # someone else's live process
    return True


def remove_stale_temporaries(path: str) -> list[str]:
    """Remove `path`'s temporary files whose writer is gone; return their names."""
    directory = os.path.dirname(os.path.abspath(path))
    pattern = _temp_pattern(path)
    removed: list[str] = []
    try:
        names = os.listdir(directory)
    except OSError:
        return removed
    with _LOCKS_GUARD:
        for name in names:
            _remove_if_stale(directory, name, pattern, removed)
    return removed


def _remove_if_stale(
    directory: str, name: str, pattern: re.Pattern[str], removed: list[str]
) -> None:
    match = pattern.match(name)
    if match is None:
        return
    full = os.path.join(directory, name)
    pid = int(match.group(1))
    ours_and_idle = pid == os.getpid() and full not in _WRITING
    if ours_and_idle or not _alive(pid):
        try:
            os.unlink(full)
            removed.append(full)
        except OSError:
            pass


def write_atomic(path: str, data: bytes, overwrite: bool = True) -> None:
    """Write `data` to `path` so that a crash leaves the old file intact.

    With `overwrite=False`, raise `AlreadyExistsError` if `path` exists when
    the new file is ready (the file is then left as it was).
    """
    with path_lock(path):
        remove_stale_temporaries(path)
        _write_locked(path, data, overwrite)


def _write_locked(path: str, data: bytes, overwrite: bool) -> None:
    directory = os.path.dirname(os.path.abspath(path))
    with _LOCKS_GUARD:  # created and registered at once: never taken for stale
        fd, tmp = tempfile.mkstemp(
            dir=directory,
            prefix=f".{os.path.basename(path)}.{os.getpid()}.",
            suffix=".tmp",
        )
        _WRITING.add(tmp)
    try:
        os.chmod(tmp, _mode_for(path))
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        if overwrite:
            os.replace(tmp, path)
        else:
            try:
                os.link(tmp, path)  # fails if `path` exists: no race with others
            except FileExistsError:
                raise AlreadyExistsError(path) from None
            os.unlink(tmp)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    finally:
        with _LOCKS_GUARD:
            _WRITING.discard(tmp)
    _fsync_directory(directory)


def _mode_for(path: str) -> int:
    """Keep an existing file's permissions; new files get rw-r--r--."""
    try:
        return stat.S_IMODE(os.stat(path).st_mode)
    except OSError:
        return 0o644


def _fsync_directory(directory: str) -> None:
    """Make the rename itself durable (best effort: not every OS allows it)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
