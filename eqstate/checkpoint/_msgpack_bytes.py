"""braintools' checkpoint format on disk: a state dict as msgpack bytes.

`encode_braintools` packs the state dict of a tree (`msgpack_to_state_dict`,
in `_msgpack.py`) as braintools' `msgpack_save` writes it, and
`decode_braintools` reads one back. Arrays are msgpack extension objects
(code 1: `(shape, dtype name, bytes)`; code 2: a complex number; code 3: a
numpy scalar); arrays over 1 GiB are split into chunks.
"""

from __future__ import annotations

import enum
from typing import Any

import jax
import jax.numpy as jnp
import msgpack
import numpy as np

from ._errors import CheckpointCorruptError, CheckpointError
from ._msgpack import msgpack_to_state_dict

__all__ = ["decode_braintools", "encode_braintools"]

_CHUNKED = "__msgpack_chunked_array__"
_MAX_CHUNK = 2**30


class _Ext(enum.IntEnum):
    ndarray = 1
    complex = 2
    npscalar = 3


def _array_bytes(arr: Any) -> bytes:
    arr = np.asarray(arr)
    if arr.dtype.hasobject:
        raise CheckpointError("Arrays of Python objects cannot be saved.")
    packed = msgpack.packb(
        (arr.shape, arr.dtype.name, arr.tobytes("C")), use_bin_type=True
    )
    assert isinstance(packed, bytes)
    return packed


def _array_of(data: bytes) -> np.ndarray:
    shape, dtype, buffer = msgpack.unpackb(data, raw=True)
    name = dtype.decode() if isinstance(dtype, bytes) else str(dtype)
    kind = jnp.bfloat16 if name == "bfloat16" else np.dtype(name)
    return np.frombuffer(buffer, dtype=kind).reshape(shape)


def _pack_default(x: Any) -> Any:
    if isinstance(x, (np.ndarray, jax.Array)):
        return msgpack.ExtType(_Ext.ndarray, _array_bytes(x))
    if isinstance(x, np.generic):
        return msgpack.ExtType(_Ext.npscalar, _array_bytes(np.asarray(x)))
    if isinstance(x, complex):
        return msgpack.ExtType(_Ext.complex, msgpack.packb((x.real, x.imag)))
    raise CheckpointError(
        f"A {type(x).__name__} cannot be saved in braintools' msgpack format; "
        "register it with msgpack_register_serialization."
    )


def _unpack_ext(code: int, data: bytes) -> Any:
    if code == _Ext.ndarray:
        return _array_of(data)
    if code == _Ext.npscalar:
        return _array_of(data)[()]
    if code == _Ext.complex:
        real, imag = msgpack.unpackb(data)
        return complex(real, imag)
    return msgpack.ExtType(code, data)


def _chunk(state: Any) -> Any:
    if isinstance(state, dict):
        return {k: _chunk(v) for k, v in state.items()}
    if isinstance(state, (np.ndarray, jax.Array)):
        arr = np.asarray(state)
        if arr.nbytes > _MAX_CHUNK:
            flat = arr.reshape(-1)
            step = max(1, _MAX_CHUNK // arr.dtype.itemsize)
            pieces = [flat[i : i + step] for i in range(0, flat.size, step)]
            return {
                _CHUNKED: True,
                "shape": {str(i): n for i, n in enumerate(arr.shape)},
                "chunks": {str(i): p for i, p in enumerate(pieces)},
            }
        return arr
    return state


def _unchunk(state: Any) -> Any:
    if isinstance(state, dict):
        if state.get(_CHUNKED):
            shape = tuple(state["shape"][str(i)] for i in range(len(state["shape"])))
            chunks = [state["chunks"][str(i)] for i in range(len(state["chunks"]))]
            return np.concatenate(chunks).reshape(shape)
        return {k: _unchunk(v) for k, v in state.items()}
    return state


def encode_braintools(target: Any) -> bytes:
    """`target` in braintools' format (what braintools' `msgpack_save` writes)."""
    packed = msgpack.packb(
        _chunk(msgpack_to_state_dict(target)), default=_pack_default, strict_types=True
    )
    assert isinstance(packed, bytes)
    return packed


def decode_braintools(data: bytes, path: str) -> Any:
    """The state dict in a braintools file; `CheckpointCorruptError` if damaged."""
    try:
        state = msgpack.unpackb(data, ext_hook=_unpack_ext, raw=False)
    except Exception as exc:
        raise CheckpointCorruptError(
            f"{path!r} is neither an eqstate checkpoint (it lacks the eqstate marker) "
            f"nor a braintools msgpack checkpoint (it cannot be decoded: {exc}). "
            "Nothing was loaded. Use an earlier checkpoint or save again."
        ) from exc
    return _unchunk(state)
