"""States: named, typed handles to mutable values.

A `State` is an identity: two States are the same State only if they are the
same Python object. Its value lives in the reference table (`_table.py`): the
eager slot on the object, overlaid by the frames of active transforms.

This module holds `State` and `is_state`; its brainstate-named kinds
(`ParamState`, `HiddenState`, ...) are in `_state_kinds.py`. How a State is a
pytree node, and the one way to build a State without `__init__`, are in
`_state_pytree.py`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import jax

from . import _table
from ._errors import EqstateError
from ._left_out import left_out_attributes
from ._pretty import format_block
from ._state_info import _Info, _user_location
from ._state_pytree import new_state, register_pytree
from .typing import Missing

if TYPE_CHECKING:
    from ._hook_types import HookCallback, HookHandle, HookType
    from ._hooks import HookManager
    from ._treefy import TreefyState

__all__ = [
    "is_state",
    "State",
]

T = TypeVar("T")
_S = TypeVar("_S", bound="State")

# `[hooks.on_init]` while `catch_new_states` or a global init hook is active.
ON_INIT: list[Callable[..., None]] = []


@left_out_attributes("State")
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
    _owned: bool  # the eager value is a buffer jit produced, never handed out

    def __init__(self, value: T, name: str | None = None, **metadata: Any):
        self._info = _Info(name, metadata, _user_location())
        if metadata and ("sharding" in metadata or "names" in metadata):
            from .sharding._hooks import place_created

            value = place_created(self, value)
        _table.create(self, value)
        if ON_INIT:  # `catch_new_states` or a global init hook
            ON_INIT[0](self, value, name, metadata)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        register_pytree(cls)

    if not TYPE_CHECKING:

        def __class_getitem__(cls, item):
            alias = super().__class_getitem__(item)
            from ._typecheck import annotate_state_alias

            return annotate_state_alias(alias, item)

    if TYPE_CHECKING:

        @property
        def value(self) -> T:
            """The current value (as seen by the innermost active transform)."""
            ...

        @value.setter
        def value(self, value: T) -> None: ...

    else:  # the table's functions themselves (no frame of ours per access)
        value = property(
            _table.read,
            _table.write,
            doc="The current value (as seen by the innermost active transform).",
        )

    @property
    def name(self) -> str | None:
        """The explicit name, else the attribute it was assigned to, else None."""
        info = self._info
        if info.name is not None:
            return info.name
        return None if info.label is None else info.label.rsplit(".", 1)[-1]

    @name.setter
    def name(self, name: str | None) -> None:
        self._info = self._info.evolve(name=name)

    @property
    def metadata(self) -> dict[str, Any]:
        """The keyword metadata given at construction."""
        return self._info.metadata

    @property
    def tag(self) -> str | tuple[str, ...] | None:
        """The `tag` metadata entry, matched by string filters."""
        return self._info.metadata.get("tag")

    @property
    def source_info(self) -> str:
        """Where the State was created, as `file:line`."""
        return self._info.origin

    def add_tag(self, tag: str) -> None:
        """Add `tag`: a second tag makes `tag` a tuple; string filters match any."""
        tags = self.tag
        if tags is None or tags == tag:
            new: Any = tag
        else:
            have = (tags,) if isinstance(tags, str) else tuple(tags)
            new = have if tag in have else (*have, tag)
        self._info = self._info.evolve(tag=new)

    def numel(self) -> int:
        """The number of elements of the value (summed over its leaves)."""
        return sum(int(jax.numpy.size(x)) for x in jax.tree.leaves(self._current()))

    def value_call(self, func: Callable[..., Any]) -> Any:
        """`func` mapped over the leaves of the value."""
        return jax.tree.map(func, self.value)

    def restore_value(self, v: Any) -> None:
        """Set the value, keeping its tree structure; runs `restore` hooks, not write hooks."""
        _not_a_state(v, "restore_value")
        old = self._current()
        from . import _hooks  # (loaded on first use)

        _hooks.check_tree(
            self, v, old, "restore_value keeps the structure; use `.value = ...`."
        )
        _table.write(self, v)
        _hooks.run_hooks(self, "restore", v, old)

    def copy(self: _S) -> _S:
        """A new State (own identity, no hooks) of this kind, value and metadata."""
        info = self._info.evolve(origin=_user_location())
        return new_state(type(self), info, self._current(), copy=False)

    def copy_from(self, other: State[T]) -> None:
        """Take `other`'s value, name and metadata; keep this State's identity and hooks."""
        if type(other) is not type(self):
            raise _KindError(
                f"copy_from needs a {type(self).__name__}, got {type(other).__name__}: "
                f"{self._describe()} cannot take the value of {other._describe()}."
            )
        if other is not self:
            info = _Info(
                other._info.name, dict(other._info.metadata), self._info.origin
            )
            info.label = self._info.label
            self._info = info
            _table.write(self, _table.read(other))

    def replace(self, value: Any = Missing, **kwargs: Any) -> State[Any]:
        """A new State with `value` and metadata (`name=`, `tag=`, ...) replaced.

        Given a State of the same kind as `value`, returns that State.
        """
        value = kwargs.pop("_value", value)
        if isinstance(value, State):
            if type(value) is not type(self):
                raise _KindError(
                    f"replace needs a {type(self).__name__}, got "
                    f"{type(value).__name__} ({value._describe()})."
                )
            return value.replace(**kwargs) if kwargs else value
        name = kwargs.pop("name", kwargs.pop("_name", self._info.name))
        info = self._info.evolve(name=name, **kwargs)
        value = self._current() if value is Missing else value
        return new_state(type(self), info, value, copy=False)

    def to_state_ref(self) -> TreefyState[T]:
        """The State as a `TreefyState` (`to_state()` rebuilds it)."""
        from ._treefy import to_treefy

        return to_treefy(self)

    def update_from_ref(self, state_ref: TreefyState[T]) -> None:
        """Take the value and metadata of a `TreefyState`."""
        meta = state_ref.get_metadata()
        self._info = self._info.evolve(name=meta.pop("name", self._info.name), **meta)
        self.value = state_ref.value

    @classmethod
    def init(
        cls,
        fn: Any,
        in_size: Any,
        batch_size: int | None = None,
        tag: str | None = None,
    ) -> State[Any]:
        """A State holding `eqstate.init.param(fn, in_size, batch_size)`."""
        from .init import param

        meta = {} if tag is None else {"tag": tag}
        return cls(param(fn, in_size, batch_size), **meta)

    def check_if_deleted(self) -> None:
        """Raise `StateLeakError` if the value died with the transform that made it."""
        self._current()

    def raise_error_with_source_info(self, error: Exception) -> None:
        """Raise `error`, noting where this State was created."""
        error.add_note(f"The State was created at {self._info.origin}.")
        raise error

    # -- hooks: see `_hooks.py` ---------------------------------------------

    @property
    def hooks(self) -> HookManager:
        """This State's `HookManager`."""
        from . import _hooks

        return _hooks.manager_of(self)

    def register_hook(
        self,
        hook_type: HookType,
        callback: HookCallback,
        priority: int = 0,
        name: str | None = None,
        enabled: bool = True,
    ) -> HookHandle:
        """Run `callback` on this State's reads, writes or restores (see `HookManager`)."""
        return self.hooks.register_hook(hook_type, callback, priority, name, enabled)

    def unregister_hook(self, handle: HookHandle) -> bool:
        """Remove a hook of this State; False if it is not registered here."""
        return self.hooks.unregister_hook(handle)

    def list_hooks(self, hook_type: str | None = None) -> list[Any]:
        """This State's hooks (of one kind, or all)."""
        return self.hooks.get_hooks(hook_type)

    def clear_hooks(self, hook_type: str | None = None) -> None:
        """Remove this State's hooks (of one kind, or all)."""
        self.hooks.clear_hooks(hook_type)

    def has_hooks(self, hook_type: str | None = None) -> bool:
        """Whether this State has hooks (global hooks not counted)."""
        return self.hooks.has_hooks(hook_type)

    @contextlib.contextmanager
    def temporary_hook(
        self,
        hook_type: HookType,
        callback: HookCallback,
        priority: int = 0,
    ) -> Iterator[HookHandle]:
        """A hook registered for the duration of a `with` block."""
        handle = self.register_hook(hook_type, callback, priority)
        try:
            yield handle
        finally:
            handle.remove()

    def _current(self) -> Any:
        """The value in the current context, without recording a read."""
        value = _table.peek(self)
        return _table.read(self) if type(value) is _table.Dead else value

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
            value = _table.peek(self)
        return format_block(type(self).__name__, [("value", value)], indent)

    def __repr__(self) -> str:
        return self.__eqstate_repr__(0)


register_pytree(State)

PLAIN_VALUE = State.__dict__["value"]  # swapped for a hooked one while hooks exist


class _KindError(EqstateError, ValueError):
    """Two States of different kinds (or a State given as a value)."""


def _not_a_state(value: Any, method: str) -> None:
    if isinstance(value, State):
        raise _KindError(
            f"{method} was given a State ({value._describe()}); it takes a value. "
            "Use `target.copy_from(source)` to copy one State into another."
        )


def is_state(x: Any) -> bool:
    """True for a `State` (used as `is_leaf` when walking pytrees)."""
    return isinstance(x, State)
