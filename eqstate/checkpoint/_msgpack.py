"""braintools' checkpoint format: the state dict of a tree, and its type registry.

A state dict is what `msgpack_to_state_dict` makes of a tree: dicts with
string keys (`module.states()`, keyed by path tuples, is nested first, as
brainstate's `FlattedDict.to_nest()` does; a plain dict's keys become their
string forms, `"('w',)"`, as in braintools), lists and tuples as dicts keyed
`"0"`, `"1"`, ..., named tuples as dicts of their fields, a State as its
value, arrays as they are. Types are looked up in a registry that users
extend with `msgpack_register_serialization`. `_msgpack_bytes.py` turns a
state dict into the bytes on disk and back.

Loading into a target checks every part first and writes the States only
when the whole tree has been matched, so a mismatch in `"error"` mode
changes nothing.
"""

from __future__ import annotations

import sys
import threading
import warnings
from collections.abc import Callable, Mapping
from contextlib import contextmanager
from typing import Any, Literal

import jax
import jax.numpy as jnp
import numpy as np

from .._state import State
from .._state_pytree import reports_states
from ._errors import CheckpointError, CheckpointMismatchError

__all__ = [
    "MismatchMode",
    "check_mode",
    "msgpack_from_state_dict",
    "msgpack_register_serialization",
    "msgpack_to_state_dict",
]

MismatchMode = Literal["error", "warn", "ignore"]
ToStateDict = Callable[[Any], Any]
FromStateDict = Callable[..., Any]

_REGISTRY: dict[type, tuple[ToStateDict, FromStateDict]] = {}


class _NamedTuple:
    """Registry key standing for every named tuple class."""


class _Context(threading.local):
    def __init__(self) -> None:
        self.path: list[str] = []
        self.pending: list[tuple[State[Any], Any]] | None = None


_CONTEXT = _Context()


@contextmanager
def _at(name: str) -> Any:
    _CONTEXT.path.append(name)
    try:
        yield
    finally:
        _CONTEXT.path.pop()


def _where() -> str:
    return "/".join(_CONTEXT.path) or "."


def check_mode(mismatch: str) -> None:
    if mismatch not in ("error", "warn", "ignore"):
        raise CheckpointError(
            f"mismatch={mismatch!r} is not a mode; use 'error', 'warn' or 'ignore'."
        )


def _mismatch(problem: bool, message: str, mismatch: MismatchMode) -> None:
    if not problem:
        return
    text = f"{message} at path {_where()} (braintools msgpack state dict)"
    if mismatch == "error":
        raise CheckpointMismatchError(
            text + ". Nothing was loaded. Build the target like the saved tree, or "
            "pass mismatch='warn' / 'ignore' to load what fits."
        )
    if mismatch == "warn":
        warnings.warn(text, UserWarning, stacklevel=3)


def _is_namedtuple(x: Any) -> bool:
    return isinstance(x, tuple) and hasattr(x, "_fields")


def _handler(x: Any) -> tuple[ToStateDict, FromStateDict] | None:
    ty = _NamedTuple if _is_namedtuple(x) else type(x)
    found = [t for t in _REGISTRY if issubclass(ty, t)]
    if not found:
        if reports_states(x):
            return _REGISTRY[_HasStates]
        return None
    return _REGISTRY[max(found, key=lambda t: len(t.__mro__))]


def msgpack_register_serialization(
    ty: type,
    ty_to_state_dict: ToStateDict,
    ty_from_state_dict: FromStateDict,
    override: bool = False,
) -> None:
    """Teach `msgpack_save`/`msgpack_load` (braintools' format) a new type.

    ```python
    import dataclasses
    import numpy as np
    import eqstate.checkpoint as ckpt

    @dataclasses.dataclass
    class Point:
        x: np.ndarray

    ckpt.msgpack_register_serialization(
        Point,
        lambda p: {"x": p.x},
        lambda p, state, mismatch="error": Point(state["x"]),
    )
    assert ckpt.msgpack_to_state_dict(Point(np.ones(2)))["x"].shape == (2,)
    ```

    Args:
        ty: the type (subclasses use it too, unless registered themselves).
        ty_to_state_dict: `obj -> state dict` (a dict with string keys, or a leaf).
        ty_from_state_dict: `(target, state, mismatch) -> restored object`.
        override: replace an existing registration instead of raising.
    """
    if ty in _REGISTRY and not override:
        raise CheckpointError(
            f"A msgpack serialization for {ty.__name__} is already registered. "
            "Pass override=True to replace it."
        )
    _REGISTRY[ty] = (ty_to_state_dict, ty_from_state_dict)


def msgpack_to_state_dict(target: Any) -> Any:
    """The state dict of `target`: nested dicts with string keys and array leaves.

    As in braintools, `module.states()` (keyed by path tuples) is nested by
    path, and any other dict keeps its keys' string forms.

    ```python
    import jax.numpy as jnp
    import eqstate
    import eqstate.checkpoint as ckpt

    class Net(eqstate.nn.Module):
        def __init__(self):
            self.w = eqstate.ParamState(jnp.ones(2))

    tree = {"net": Net().states(), ("b",): jnp.zeros(1)}
    state = ckpt.msgpack_to_state_dict(tree)
    assert set(state) == {"net", "('b',)"} and set(state["net"]) == {"w"}
    ```

    Args:
        target: a tree of States, arrays, dicts, lists, tuples, named tuples,
            optimizers and registered types.
    """
    handler = _handler(target)
    if handler is None:
        return target
    state = handler[0](target)
    if isinstance(state, dict):
        for key in state:
            if not isinstance(key, str):
                raise CheckpointError(
                    f"The state dict of a {type(target).__name__} has the key {key!r} "
                    f"({type(key).__name__}); a state dict has string keys only."
                )
    return state


def msgpack_from_state_dict(
    target: Any, state: Any, name: str = ".", mismatch: MismatchMode = "error"
) -> Any:
    """Restore `state` (a state dict) into `target`; States are written in place.

    Every part is matched before any State is written, so with
    `mismatch="error"` a `CheckpointMismatchError` leaves `target` unchanged;
    `"warn"` and `"ignore"` load what fits and keep the rest.

    ```python
    import numpy as np
    import jax.numpy as jnp
    import eqstate
    import eqstate.checkpoint as ckpt

    w = eqstate.State(jnp.zeros(2))
    ckpt.msgpack_from_state_dict({"w": w}, {"w": np.array([1.0, 2.0], np.float32)})
    assert w.value.tolist() == [1.0, 2.0]
    ```

    Args:
        target: the tree to restore into.
        state: its state dict (from `msgpack_to_state_dict` or a file).
        name: the name of this part in error messages.
        mismatch: `"error"`, `"warn"` or `"ignore"`.

    Returns:
        The restored tree (States are the target's own, now holding new values).
    """
    check_mode(mismatch)
    outermost = _CONTEXT.pending is None
    if outermost:
        _CONTEXT.pending = []
    try:
        handler = _handler(target)
        if handler is None:
            result = state
        else:
            with _at(name):
                result = handler[1](target, state, mismatch)
        if outermost:
            for st, value in _CONTEXT.pending or []:
                st.value = value
        return result
    finally:
        if outermost:
            _CONTEXT.pending = None


# -- the built-in types ----------------------------------------------------------


def _nest_tuple_keys(xs: Mapping[Any, Any]) -> dict[Any, Any]:
    """`{("a", "b"): v}` -> `{"a": {"b": v}}`; other keys are kept."""
    out: dict[Any, Any] = {}
    for key, value in xs.items():
        if isinstance(key, tuple) and key:
            node = out
            for part in key[:-1]:
                node = node.setdefault(str(part), {})
            node[str(key[-1])] = value
        else:
            out[key] = value
    return out


def _dict_to(xs: Mapping[Any, Any]) -> dict[str, Any]:
    # a `{path: State}` dict (`module.states()`) is nested, as braintools
    # does; a plain dict keeps its keys' string forms ("('w',)"), as there
    nested = _nest_tuple_keys(xs) if _is_state_dict(xs) else xs
    keys = [str(k) for k in nested]
    if len(set(keys)) != len(keys):
        raise CheckpointError(
            f"The dict keys {list(nested)} do not have distinct string forms, so "
            "they cannot be saved in braintools' msgpack format."
        )
    return {str(k): msgpack_to_state_dict(v) for k, v in nested.items()}


def _is_state_dict(xs: Mapping[Any, Any]) -> bool:
    """A `FlattedDict` (what `module.states()` returns), without importing
    `eqstate.util` to ask: none exists before it is loaded."""
    dicts = sys.modules.get("eqstate.util._dicts")
    return dicts is not None and isinstance(xs, dicts.FlattedDict)


def _lookup(state: Any, key: Any) -> tuple[bool, Any]:
    """`state[str(key)]` (braintools' plain dicts), else the nested entry at
    a path key's parts (`module.states()` dicts, and older eqstate files)."""
    if isinstance(state, Mapping) and str(key) in state:
        return True, state[str(key)]
    parts = [str(p) for p in key] if isinstance(key, tuple) and key else [str(key)]
    node = state
    for part in parts:
        if not isinstance(node, Mapping) or part not in node:
            return False, None
        node = node[part]
    return True, node


def _dict_from(xs: Mapping[Any, Any], state: Any, mismatch: MismatchMode) -> Any:
    if not isinstance(state, Mapping):
        _mismatch(
            True, f"expected a dict, the file holds {type(state).__name__}", mismatch
        )
        return xs
    missing = [k for k in xs if not _lookup(state, k)[0]]
    _mismatch(
        bool(missing), f"the file has no entries for the keys {missing}", mismatch
    )
    out = {}
    for key, value in xs.items():
        found, sub = _lookup(state, key)
        label = "/".join(map(str, key)) if isinstance(key, tuple) else str(key)
        out[key] = (
            msgpack_from_state_dict(value, sub, label, mismatch) if found else value
        )
    rebuild: Any = type(xs)
    return rebuild(out) if rebuild is not dict and _rebuildable(xs) else out


def _rebuildable(xs: Any) -> bool:
    rebuild: Any = type(xs)
    try:
        rebuild({})
    except Exception:
        return False
    return True


def _list_to(xs: Any) -> dict[str, Any]:
    return {str(i): msgpack_to_state_dict(x) for i, x in enumerate(xs)}


def _list_from(xs: Any, state: Any, mismatch: MismatchMode) -> list[Any]:
    if not isinstance(state, Mapping):
        _mismatch(
            True, f"expected a list, the file holds {type(state).__name__}", mismatch
        )
        return list(xs)
    _mismatch(
        len(state) != len(xs),
        f"the list has {len(xs)} items, the file {len(state)}",
        mismatch,
    )
    return [
        msgpack_from_state_dict(x, state[str(i)], str(i), mismatch)
        if str(i) in state
        else x
        for i, x in enumerate(xs)
    ]


def _namedtuple_to(nt: Any) -> dict[str, Any]:
    return {field: msgpack_to_state_dict(getattr(nt, field)) for field in nt._fields}


def _namedtuple_from(nt: Any, state: Any, mismatch: MismatchMode) -> Any:
    fields = set(nt._fields)
    have = set(state) if isinstance(state, Mapping) else set()
    _mismatch(have != fields, f"fields {sorted(have)} vs {sorted(fields)}", mismatch)
    values = {
        f: msgpack_from_state_dict(getattr(nt, f), state[f], f, mismatch)
        if f in have
        else getattr(nt, f)
        for f in nt._fields
    }
    return type(nt)(**values)


def _state_to(x: State[Any]) -> Any:
    return msgpack_to_state_dict(x.value)


def _state_from(x: State[Any], state: Any, mismatch: MismatchMode) -> State[Any]:
    value = msgpack_from_state_dict(x.value, state, ".", mismatch)
    value = jax.tree.map(
        lambda v: jnp.array(v) if isinstance(v, (np.ndarray, np.generic)) else v, value
    )
    assert _CONTEXT.pending is not None
    _CONTEXT.pending.append((x, value))
    return x


def _array_from(x: Any, state: Any, mismatch: MismatchMode) -> Any:
    shape = tuple(np.shape(x))
    have = tuple(np.shape(state)) if hasattr(state, "shape") else None
    _mismatch(
        have is not None and have != shape,
        f"an array of shape {have} in the file, the target has shape {shape}",
        mismatch,
    )
    if have is not None and have != shape:
        return x
    return state


class _HasStates:
    """Registry key for objects that report their States (optimizers, schedules)."""


def _has_states_to(x: Any) -> Any:
    return msgpack_to_state_dict(x.__eqstate_states__())


def _has_states_from(x: Any, state: Any, mismatch: MismatchMode) -> Any:
    msgpack_from_state_dict(x.__eqstate_states__(), state, ".", mismatch)
    return x


msgpack_register_serialization(dict, _dict_to, _dict_from)
msgpack_register_serialization(list, _list_to, _list_from)


def _tuple_from(
    xs: Any, state: Any, mismatch: MismatchMode = "error"
) -> tuple[Any, ...]:
    return tuple(_list_from(xs, state, mismatch))


msgpack_register_serialization(tuple, _list_to, _tuple_from)
msgpack_register_serialization(_NamedTuple, _namedtuple_to, _namedtuple_from)
msgpack_register_serialization(State, _state_to, _state_from)
msgpack_register_serialization(np.ndarray, lambda x: x, _array_from)
msgpack_register_serialization(jax.Array, lambda x: x, _array_from)
msgpack_register_serialization(_HasStates, _has_states_to, _has_states_from)
