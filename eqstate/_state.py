"""States: named, typed handles to mutable values.

A `State` is an identity: two States are the same State only if they are the
same Python object. Its value lives in the reference table (`_table.py`): the
eager slot on the object, overlaid by the frames of active transforms.

A State is also a pytree node whose only child is its *current* value, so
`jax.tree.leaves(module)` shows the latest values and `eqx.tree_serialise_leaves`
saves them. Unflattening always builds a *new* State (a new identity) with the
given value, so `jax.tree.map(f, module)` returns an independent copy.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import jax.tree_util as jtu

from . import _table
from ._errors import EqstateError
from ._pretty import format_block

__all__ = [
    "is_state",
    "new_state",
    "BatchState",
    "HiddenState",
    "LongTermState",
    "ParamState",
    "ShortTermState",
    "State",
]

T = TypeVar("T")

_LIBRARY_MODULES = ("eqstate", "jaxtyping", "beartype", "equinox", "jax")


def _user_location() -> str:
    """`file:line` of the innermost caller outside eqstate and its checkers."""
    frame = sys._getframe(2)
    while frame is not None and (
        frame.f_globals.get("__name__", "").split(".")[0] in _LIBRARY_MODULES
        or frame.f_code.co_filename.startswith("<@beartype")
    ):
        frame = frame.f_back
    if frame is None:
        return "<unknown>"
    return f"{frame.f_code.co_filename}:{frame.f_lineno}"


class _Info:
    """What a State carries besides its value; shared with its pytree copies.

    Compared by name and metadata only, so modules copied by `jax.tree.map`
    have equal tree structures (and hit the same JAX caches).
    """

    __slots__ = ("name", "metadata", "origin", "label")

    def __init__(self, name: str | None, metadata: dict[str, Any], origin: str):
        self.name = name
        self.metadata = metadata
        self.origin = origin
        self.label: str | None = None  # `Owner.attr`, set by the owning module

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, _Info)
            and self.name == other.name
            and self.metadata == other.metadata
        )

    def __hash__(self) -> int:
        return hash((self.name, tuple(self.metadata)))


class State(Generic[T]):
    """A mutable value inside an otherwise immutable (frozen) model.

    Read and write it through `.value`; eqstate's transforms (`jit`, `grad`,
    `vmap`, `for_loop`, ...) find the States a function touches and thread
    them through the pure JAX computation for you.

    ```python
    import jax.numpy as jnp
    import eqstate

    count = eqstate.State(jnp.array(0), name="count")
    count.value += 1
    assert int(count.value) == 1
    ```

    Subclass it to give a kind of state its own type, for use as a filter:
    `class Count(eqstate.State): pass`.

    Args:
        value: any pytree of arrays (a brainunit `Quantity` included).
        name: an optional name, shown in errors and reprs.
        **metadata: free-form metadata; `tag="..."` makes the State match the
            string filter `"..."`.
    """

    __slots__ = ("_value", "_info", "_owned", "__weakref__")

    _value: Any
    _info: _Info
    _owned: bool  # the eager value is a buffer eqstate produced (see _table)

    def __init__(self, value: T, name: str | None = None, **metadata: Any):
        self._info = _Info(name, metadata, _user_location())
        if metadata and ("sharding" in metadata or "names" in metadata):
            from .sharding._hooks import place_created

            value = place_created(self, value)
        _table.create(self, value)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        _register(cls)

    if not TYPE_CHECKING:

        def __class_getitem__(cls, item):
            alias = super().__class_getitem__(item)
            from ._typecheck import annotate_state_alias

            return annotate_state_alias(alias, item)

    @property
    def value(self) -> T:
        """The current value (as seen by the innermost active transform)."""
        return _table.read(self)

    @value.setter
    def value(self, value: T) -> None:
        _table.write(self, value)

    @property
    def name(self) -> str | None:
        """The explicit name, else the attribute it was assigned to, else None."""
        info = self._info
        if info.name is not None:
            return info.name
        return None if info.label is None else info.label.rsplit(".", 1)[-1]

    @property
    def metadata(self) -> dict[str, Any]:
        """The keyword metadata given at construction."""
        return self._info.metadata

    @property
    def tag(self) -> str | None:
        """The `tag` metadata entry, matched by string filters."""
        return self._info.metadata.get("tag")

    @classmethod
    def _split_lanes(cls, value: Any, n: int) -> tuple[Any, Any] | None:
        """Hook for `vmap`: `(value to keep, per-lane values)` or None.

        A State kind whose value must differ in every lane of a `vmap` (a
        random key) returns the value it keeps after the map and `n` lane
        values stacked on axis 0. The default, None, shares the value.
        """
        return None

    def _describe(self) -> str:
        info = self._info
        where = info.label or info.name
        named = f" {where!r}" if where else ""
        return f"{type(self).__name__}{named} (created at {info.origin})"

    def __eqstate_repr__(self, indent: int = 0) -> str:
        try:
            value = _table.read(self)
        except EqstateError:
            value = self._value
        return format_block(type(self).__name__, [("value", value)], indent)

    def __repr__(self) -> str:
        return self.__eqstate_repr__(0)


def is_state(x: Any) -> bool:
    """True for a `State` (used as `is_leaf` when walking pytrees)."""
    return isinstance(x, State)


def new_state(
    cls: type[State[Any]],
    info: _Info,
    value: Any,
    *,
    copy: bool,
    eager: bool = False,
) -> Any:
    """The one way to build a State without calling `__init__`.

    `copy=True` marks a pytree copy (JAX unflattening a module): written under
    a raw JAX transform, such a copy would lose the write, so it raises.
    `copy=False` is a new State in its own right (e.g. `treefy_merge`).
    `eager=True` creates it outside every transform's frame.
    """
    state = object.__new__(cls)
    state._info = info
    _table.create(state, value, copy=copy, eager=eager)
    return state


def rebuild_state(one_level: Any, value: Any) -> Any:
    """A new State (not a copy) from a State's one-level treedef and a value."""
    cls, info = one_level.node_data()
    return new_state(cls, info, value, copy=False)


def _flatten_with_keys(state: State) -> tuple[tuple[tuple[Any, Any]], _Info]:
    return ((_VALUE_KEY, state.value),), state._info


def _flatten(state: State) -> tuple[tuple[Any], _Info]:
    return (state.value,), state._info


def _unflatten(cls: type[State], info: _Info, children: Any) -> State:
    """Rebuild a State from its pytree children as a new State (not a copy)."""
    return new_state(cls, info, children[0], copy=False)


_VALUE_KEY = jtu.GetAttrKey("value")


def _register(cls: type[State]) -> None:
    def unflatten(info: _Info, children: Any) -> State:
        return new_state(cls, info, children[0], copy=True)

    jtu.register_pytree_with_keys(cls, _flatten_with_keys, unflatten, _flatten)


_register(State)


class ShortTermState(State[T]):
    """State that is reset between runs: membrane potentials, traces, caches.

    ```python
    import jax.numpy as jnp
    import eqstate

    class Synapse(eqstate.nn.Module):
        def __init__(self):
            self.g = eqstate.ShortTermState(jnp.zeros(3))
            self.w = eqstate.ParamState(jnp.ones(3))

    assert list(Synapse().states(eqstate.ShortTermState)) == [("g",)]
    ```
    """


class LongTermState(State[T]):
    """State that persists across runs: weights, running statistics, counters.

    ```python
    import jax.numpy as jnp
    import eqstate

    class Layer(eqstate.nn.Module):
        def __init__(self):
            self.w = eqstate.ParamState(jnp.ones(3))
            self.steps = eqstate.LongTermState(jnp.array(0))
            self.v = eqstate.HiddenState(jnp.zeros(3))

    # ParamState is a LongTermState too.
    assert list(Layer().states(eqstate.LongTermState)) == [("steps",), ("w",)]
    ```
    """


class ParamState(LongTermState[T]):
    """A trainable parameter; `grad` and optimizers select these by default.

    ```python
    import jax.numpy as jnp
    import eqstate

    class Linear(eqstate.nn.Module):
        def __init__(self):
            self.w = eqstate.ParamState(jnp.ones((2, 2)))
            self.calls = eqstate.State(jnp.array(0))

        def __call__(self, x):
            self.calls.value += 1
            return x @ self.w.value

    model = Linear()
    params = model.states(eqstate.ParamState)
    grads = eqstate.transform.grad(lambda x: model(x).sum(), grad_states=params)(
        jnp.ones(2)
    )
    assert list(grads) == [("w",)] and int(model.calls.value) == 1
    ```
    """


class BatchState(LongTermState[T]):
    """Batch statistics, such as BatchNorm's running mean and variance.

    ```python
    import jax.numpy as jnp
    import eqstate

    mean = eqstate.BatchState(jnp.zeros(3))

    @eqstate.transform.jit
    def observe(x):
        mean.value = 0.9 * mean.value + 0.1 * x.mean(axis=0)

    observe(jnp.ones((8, 3)))
    assert jnp.allclose(mean.value, 0.1)
    ```
    """


class HiddenState(ShortTermState[T]):
    """The hidden variables of a dynamical system (e.g. a neuron's voltage).

    ```python
    import jax.numpy as jnp
    import eqstate

    v = eqstate.HiddenState(jnp.zeros(3), name="v")
    assert isinstance(v, eqstate.ShortTermState) and v.name == "v"
    ```
    """
