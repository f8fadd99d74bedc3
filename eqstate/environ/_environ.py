"""Simulation settings (`dt`, the step index `i`, ...) visible to model code.

`set(...)` changes process-wide defaults; `context(...)` overrides them for a
`with` block, in the current thread only, and nests. Values may be tracers:
`for_loop` bodies commonly run under `context(i=i)`.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from typing import Any

from .._errors import EqstateError

__all__ = ["all_values", "context", "get", "get_dt", "set_values"]

_MISSING: Any = object()
_defaults: dict[str, Any] = {}
_lock = threading.Lock()


class _Local(threading.local):
    def __init__(self) -> None:
        self.stack: list[dict[str, Any]] = []


_local = _Local()


class EnvironKeyError(EqstateError, KeyError):
    """A setting was read that no `set` or `context` provided.

    ```python
    import eqstate

    try:
        eqstate.environ.get("no_such_setting")
    except eqstate.environ.EnvironKeyError as e:
        message = str(e)
    assert "eqstate.environ.set(no_such_setting=...)" in message
    ```
    """

    def __str__(self) -> str:  # KeyError would repr() the message
        return str(self.args[0])


def set_values(**values: Any) -> None:
    """Set process-wide defaults, e.g. `eqstate.environ.set(dt=0.1)`.

    ```python
    import eqstate

    eqstate.environ.set(dt=0.05)
    assert eqstate.environ.get_dt() == 0.05
    ```
    """
    with _lock:
        _defaults.update(values)


def get(key: str, default: Any = _MISSING) -> Any:
    """The current value of `key`: the innermost `context`, else the default.

    ```python
    import eqstate

    with eqstate.environ.context(i=3):
        assert eqstate.environ.get("i") == 3
    assert eqstate.environ.get("i", None) is None
    ```

    Raises:
        KeyError: (an `EqstateError`) if `key` was never set and no `default`
            is given; the message says how to set it.
    """
    for frame in reversed(_local.stack):
        if key in frame:
            return frame[key]
    if key in _defaults:
        return _defaults[key]
    if default is not _MISSING:
        return default
    raise EnvironKeyError(
        f"eqstate.environ has no value for {key!r}. Set a default with "
        f"`eqstate.environ.set({key}=...)` or provide one for a block with "
        f"`with eqstate.environ.context({key}=...):`."
    )


def get_dt() -> Any:
    """The integration time step `dt` (see `get`).

    ```python
    import eqstate

    with eqstate.environ.context(dt=0.5):
        assert eqstate.environ.get_dt() == 0.5
    ```
    """
    return get("dt")


def all_values() -> dict[str, Any]:
    """Every setting visible here, contexts applied over the defaults.

    ```python
    import eqstate

    with eqstate.environ.context(dt=0.1, i=0):
        settings = eqstate.environ.all()
    assert settings["dt"] == 0.1 and settings["i"] == 0
    ```
    """
    merged = dict(_defaults)
    for frame in _local.stack:
        merged.update(frame)
    return merged


@contextlib.contextmanager
def context(**values: Any) -> Iterator[dict[str, Any]]:
    """Override settings inside a `with` block (thread-local, nestable).

    ```python
    import eqstate

    with eqstate.environ.context(dt=0.1):
        with eqstate.environ.context(dt=0.2):
            assert eqstate.environ.get_dt() == 0.2
        assert eqstate.environ.get_dt() == 0.1
    ```
    """
    _local.stack.append(values)
    try:
        yield all_values()
    finally:
        _local.stack.pop()
