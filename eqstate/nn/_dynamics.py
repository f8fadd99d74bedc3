"""`Dynamics`: a module that advances in time, with before/after-update hooks.

A dynamical system (a neuron group, a synapse) holds its hooks in two ordered
registries created by `Dynamics.__init__`: `before_updates` run before
`update` on each call, `after_updates` after it (delays of the module's
States and of its output live there). The registries are pytree nodes of the
module, so the hooks' States are found by `states()`, `init_all_states` and
the transforms like any other.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import equinox as eqx
import jax.tree_util as jtu
import numpy as np

from .._errors import EqstateError
from ._module import Module, init_module

if TYPE_CHECKING:
    from ._prefetch import OutputDelayAt, Prefetch, PrefetchDelayAt

__all__ = [
    "Dynamics",
    "not_receive_update_input",
    "not_receive_update_output",
    "receive_update_input",
    "receive_update_output",
]

Size = int | Sequence[int]
_T = TypeVar("_T")


class DynamicsSizeError(EqstateError, ValueError):
    """A `Dynamics` was given an `in_size` that is not an int or a tuple of ints.

    A `ValueError` too, as brainstate raises one there.
    """


class HookError(EqstateError, KeyError):
    """A before/after-update hook was registered twice or looked up but absent."""

    def __str__(self) -> str:
        return str(self.args[0])


class _Hooks:
    """An insertion-ordered `{key: hook}` registry that is a pytree node."""

    __slots__ = ("data",)

    def __init__(self, data: dict[Hashable, Any] | None = None):
        self.data: dict[Hashable, Any] = {} if data is None else data

    def __repr__(self) -> str:
        return repr(self.data)


jtu.register_pytree_with_keys(
    _Hooks,
    lambda h: (tuple((jtu.DictKey(k), v) for k, v in h.data.items()), tuple(h.data)),
    lambda keys, values: _Hooks(dict(zip(keys, values))),
    lambda h: (tuple(h.data.values()), tuple(h.data)),
)


def _as_size(in_size: Any) -> tuple[int, ...]:
    if isinstance(in_size, (int, np.integer)) and not isinstance(in_size, bool):
        return (int(in_size),)
    if (
        isinstance(in_size, (list, tuple))
        and in_size
        and all(isinstance(n, (int, np.integer)) for n in in_size)
    ):
        return tuple(int(n) for n in in_size)
    raise DynamicsSizeError(
        f"in_size must be an int or a non-empty tuple/list of ints, got "
        f"{in_size!r}; e.g. `Dynamics(100)` or `Dynamics((10, 10))`."
    )


class Dynamics(Module):
    """Base class for a dynamical system with state, such as a neuron group.

    Subclasses create their States in `init_state(batch_size=None)` (called by
    `init_all_states`), put them back to their initial values in
    `reset_state(...)` (called by `reset_all_states`), and advance one time
    step in `update(...)`. Calling the module runs the `before_updates`
    hooks, `update`, then the `after_updates` hooks (which receive the
    output unless marked with `not_receive_update_output`).

    ```python
    import jax.numpy as jnp
    import eqstate

    class Leaky(eqstate.nn.Dynamics):
        def init_state(self, batch_size=None):
            self.v = eqstate.HiddenState(jnp.zeros(self.varshape))

        def update(self, x):
            self.v.value = 0.9 * self.v.value + x
            return self.v.value

    cell = Leaky(3)
    seen = []
    cell.add_after_update("log", seen.append)
    eqstate.nn.init_all_states(cell)
    assert cell(jnp.ones(3)).tolist() == [1.0, 1.0, 1.0]
    assert seen[0].tolist() == [1.0, 1.0, 1.0]
    ```

    Args:
        in_size: the number (or shape) of units.
        name: an optional name.
    """

    _before_updates: _Hooks = eqx.field(
        default_factory=_Hooks, kw_only=True, repr=False
    )
    _after_updates: _Hooks = eqx.field(default_factory=_Hooks, kw_only=True, repr=False)

    def __init__(self, in_size: Size, name: str | None = None):
        init_module(self, name)
        self.in_size = _as_size(in_size)
        self.out_size = self.in_size
        self._before_updates = _Hooks()
        self._after_updates = _Hooks()

    def _named_children(self) -> Iterator[tuple[str, Any]]:
        for name, value in super()._named_children():
            if not (isinstance(value, _Hooks) and not value.data):
                yield name, value

    @property
    def varshape(self) -> tuple[int, ...]:
        """The shape of one state variable (the unbatched `in_size`)."""
        size = self.in_size
        if size is None:
            raise EqstateError(
                f"{type(self).__name__} has no in_size; call "
                f"`super().__init__(in_size)` in its __init__."
            )
        return size

    # -- hooks ---------------------------------------------------------------
    @property
    def before_updates(self) -> dict[Hashable, Any]:
        """The hooks run before `update`, by key (in registration order)."""
        return _hooks(self, "_before_updates")

    @property
    def after_updates(self) -> dict[Hashable, Any]:
        """The hooks run after `update`, by key (in registration order)."""
        return _hooks(self, "_after_updates")

    def add_before_update(self, key: Any, fun: Callable[..., Any]) -> None:
        """Run `fun()` before each `update` (or `fun(*inputs)` if marked with
        `receive_update_input`)."""
        _add(self, "_before_updates", key, fun)

    def add_after_update(self, key: Any, fun: Callable[..., Any]) -> None:
        """Run `fun(output)` after each `update` (or `fun()` if marked with
        `not_receive_update_output`)."""
        _add(self, "_after_updates", key, fun)

    def get_before_update(self, key: Any) -> Any:
        """The before-update hook under `key` (raises `KeyError` if absent)."""
        return _get(self, "_before_updates", key)

    def get_after_update(self, key: Any) -> Any:
        """The after-update hook under `key` (raises `KeyError` if absent)."""
        return _get(self, "_after_updates", key)

    def has_before_update(self, key: Any) -> bool:
        """Whether a before-update hook is registered under `key`."""
        return key in self.before_updates

    def has_after_update(self, key: Any) -> bool:
        """Whether an after-update hook is registered under `key`."""
        return key in self.after_updates

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        for hook in tuple(self.before_updates.values()):
            if _flag(hook, _RECEIVE_INPUT):
                hook(*args, **kwargs)
            else:
                hook()
        out = self.update(*args, **kwargs)
        for hook in tuple(self.after_updates.values()):
            if _flag(hook, _NO_OUTPUT):
                hook()
            else:
                hook(out)
        return out

    # -- prefetching ---------------------------------------------------------
    def prefetch(self, item: str) -> Prefetch:
        """A handle that reads `self.<item>` (a State's value) when called."""
        from ._prefetch import Prefetch

        return Prefetch(self, item)

    def prefetch_delay(
        self,
        state: str,
        *time_and_index: Any,
        init: Any = None,
        interpolation: str | None = None,
        **kwargs: Any,
    ) -> PrefetchDelayAt:
        """A handle that reads State `self.<state>` as it was `time` ago.

        Registers (once per State and `update_every`) a `StateWithDelay`
        after-update hook that records the State after each `update`.
        """
        from ._prefetch import PrefetchDelayAt

        return PrefetchDelayAt(
            self,
            state,
            *time_and_index,
            delay_init=init,
            interpolation=interpolation,
            **kwargs,
        )

    def output_delay(
        self,
        *time_and_index: Any,
        init: Any = None,
        interpolation: str | None = None,
        **kwargs: Any,
    ) -> OutputDelayAt:
        """A handle that reads this module's output as it was `time` ago."""
        from ._prefetch import OutputDelayAt

        return OutputDelayAt(
            self,
            *time_and_index,
            delay_init=init,
            interpolation=interpolation,
            **kwargs,
        )


# Functions, not methods: see `_delay.py` (equinox bound methods flatten).


def _hooks(self: Dynamics, which: str) -> dict[Hashable, Any]:
    store = getattr(self, which, None)
    if not isinstance(store, _Hooks):
        raise EqstateError(
            f"{type(self).__name__} has no hook registry: its __init__ must call "
            f"`super().__init__(in_size)`."
        )
    return store.data


def _add(self: Dynamics, which: str, key: Hashable, fun: Callable[..., Any]) -> None:
    hooks = _hooks(self, which)
    if key in hooks:
        raise HookError(
            f"{key!r} is already registered in {which[1:]} of "
            f"{type(self).__name__}; use another key or check `has_"
            f"{which[1:-1]}({key!r})` first."
        )
    hooks[key] = fun


def _get(self: Dynamics, which: str, key: Hashable) -> Any:
    hooks = _hooks(self, which)
    if key not in hooks:
        raise HookError(
            f"{key!r} is not registered in {which[1:]} of {type(self).__name__}; "
            f"registered: {list(hooks)}."
        )
    return hooks[key]


_RECEIVE_INPUT = "_receive_update_input"
_NO_OUTPUT = "_not_receive_update_output"


def _flag(obj: Any, flag: str) -> bool:
    # `object.__getattribute__` skips a hook's own `__getattr__`; a class is
    # looked up through its bases (`type.__getattribute__`).
    get = type.__getattribute__ if isinstance(obj, type) else object.__getattribute__
    try:
        return bool(get(obj, flag))
    except AttributeError:
        return False


def _set_flag(obj: Any, flag: str, on: bool) -> None:
    """Set or clear `flag` on a hook object or class (frozen modules included).

    `object.__setattr__` refuses classes whose metaclass defines its own
    `__setattr__` (equinox's), so a class goes through `type.__setattr__`.
    """
    is_class = isinstance(obj, type)
    set_ = type.__setattr__ if is_class else object.__setattr__
    if on:
        set_(obj, flag, True)
        return
    if flag in getattr(obj, "__dict__", {}):
        (type.__delattr__ if is_class else object.__delattr__)(obj, flag)
    if _flag(obj, flag):  # still set by the class (or a base): mask it
        set_(obj, flag, False)


def receive_update_output(cls: _T) -> _T:
    """Mark an after-update hook (class or object) to be called with the output.

    This is the default; the decorator undoes `not_receive_update_output`.

    ```python
    import eqstate

    def hook(out=None):
        return out

    eqstate.nn.not_receive_update_output(hook)
    assert eqstate.nn.receive_update_output(hook) is hook
    ```
    """
    _set_flag(cls, _NO_OUTPUT, False)
    return cls


def not_receive_update_output(cls: _T) -> _T:
    """Mark an after-update hook to be called with no argument.

    ```python
    import jax.numpy as jnp
    import eqstate

    calls = []

    class Unit(eqstate.nn.Dynamics):
        def update(self, x):
            return x

    def tick():
        calls.append("tick")

    unit = Unit(1)
    unit.add_after_update("tick", eqstate.nn.not_receive_update_output(tick))
    unit(jnp.ones(1))
    assert calls == ["tick"]
    ```
    """
    _set_flag(cls, _NO_OUTPUT, True)
    return cls


def receive_update_input(cls: _T) -> _T:
    """Mark a before-update hook to be called with the module's inputs.

    ```python
    import jax.numpy as jnp
    import eqstate

    seen = []

    class Unit(eqstate.nn.Dynamics):
        def update(self, x):
            return x

    def see(x):
        seen.append(x)

    unit = Unit(1)
    unit.add_before_update("see", eqstate.nn.receive_update_input(see))
    unit(jnp.ones(1))
    assert seen[0].tolist() == [1.0]
    ```
    """
    _set_flag(cls, _RECEIVE_INPUT, True)
    return cls


def not_receive_update_input(cls: _T) -> _T:
    """Mark a before-update hook to be called with no argument (the default).

    ```python
    import eqstate

    def hook():
        return None

    eqstate.nn.receive_update_input(hook)
    assert eqstate.nn.not_receive_update_input(hook) is hook
    ```
    """
    _set_flag(cls, _RECEIVE_INPUT, False)
    return cls
