"""Delays: a ring buffer of past values in a `DelayState`, read back by step or time.

A `Delay` keeps the last `max_length` values of a pytree. `update(x)` writes
`x` (one step); `retrieve_at_step(k)` reads the value written `k` updates
ago, `retrieve_at_time(t)` the value at time `t` (interpolated). Entries
registered by name (`register_entry`) grow the buffer to the longest delay
asked for, until `init_state` allocates it.

Two layouts give the same values: 'rotation' writes into a ring at a moving
pointer (O(1) per step); 'concat' shifts the buffer so index `k` holds the
value of `k` steps ago.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from .. import environ
from .._jax_hooks import is_tracer
from .._state_extra import DelayState
from .._state_kinds import ShortTermState
from .._units import is_quantity, strip, unit_of, with_unit
from ._collective import call_order
from ._interpolation import (
    DelayEntryError,
    DelayError,
    DelayTypeError,
    InterpolationRegistry,
    _pick,
)
from ._module import Module, _vars, init_module

__all__ = ["Delay", "DelayAccess"]

ROTATION = "rotation"
CONCAT = "concat"
NO_BATCHING = "INIT_NO_BATCHING"  # tag of States `vmap_init_all_states` keeps shared
_ALIASES = {"linear_interp": "linear", "round": "nearest"}
_SNAP = 1e-4  # (in steps) a retrieval time this close to a step is at it


class _Ref:
    """An identity-compared reference kept out of the pytree (no cycles)."""

    __slots__ = ("obj",)

    def __init__(self, obj: Any):
        self.obj = obj

    def __repr__(self) -> str:
        return f"<{type(self.obj).__name__}>"


# -- the delay ---------------------------------------------------------------------


def _steps(time: Any, dt: Any) -> Any:
    """ceil(time / dt) as integers; `time` and `dt` may carry units."""
    ratio = time / dt
    if is_quantity(ratio):
        raise DelayError(
            f"a delay time of {time!r} and a step of {dt!r} do not give a "
            f"dimensionless number of steps; give both in time units (or neither)."
        )
    return np.ceil(np.asarray(ratio) - 1e-9).astype(np.int64)


class _Config:
    """The Python-side settings of a Delay (grown by `register_entry`)."""

    __slots__ = (
        "target_info", "max_time", "max_length", "entries", "interp", "init",
        "take_aware_unit", "units", "update_every", "every", "method",
    )  # fmt: skip

    def __repr__(self) -> str:
        return f"length={self.max_length}, method={self.method!r}"


def _slot(cfg: _Config) -> Any:
    return environ.get_dt() if cfg.update_every is None else cfg.update_every


# Helpers below are functions, not methods: calling a method of an equinox
# module flattens it, which must not happen while it may hold the dead States
# of a retried transform (e.g. inside `vmap_init_all_states`).


def _initial(self: Delay, batch_size: int | None) -> Any:
    cfg = self._cfg

    def buffer(info: jax.ShapeDtypeStruct) -> Any:
        shape = (cfg.max_length,) + (() if batch_size is None else (batch_size,))
        shape = shape + tuple(info.shape)
        init = cfg.init
        if init is None:
            return jnp.zeros(shape, info.dtype)
        if callable(init) and not isinstance(init, (np.ndarray, jax.Array)):
            return jnp.asarray(strip(init(shape, dtype=info.dtype)), info.dtype)
        return jnp.broadcast_to(jnp.asarray(strip(init), info.dtype), shape)

    return jax.tree.map(buffer, cfg.target_info)


def _check_ready(self: Delay) -> None:
    if "history" not in _vars(self)["_attrs"].names:
        raise DelayError(
            f"{type(self).__name__} has no buffer yet: call "
            f"`eqstate.nn.init_all_states(model)` before reading or updating it."
        )


def _ring_index(self: Delay, delay_step: Any) -> Any:
    cfg = self._cfg
    if cfg.method == CONCAT:
        return jnp.asarray(delay_step, jnp.int32)
    newest = (self.write_ptr.value - 1) // cfg.every
    return jax.lax.stop_gradient(
        jnp.asarray((newest - delay_step) % cfg.max_length, jnp.int32)
    )


def _with_units(self: Delay, out: Any) -> Any:
    units = self._cfg.units
    if units is None:
        return out
    return jax.tree.map(with_unit, out, units)


class Delay(Module):
    """A ring buffer of the recent values of a pytree, read back with a delay.

    ```python
    import jax
    import jax.numpy as jnp
    import eqstate

    with eqstate.environ.context(dt=0.1):
        delay = eqstate.nn.Delay(jax.ShapeDtypeStruct((2,), jnp.float32), time=0.3)
        delay.register_entry("syn", 0.2)
        eqstate.nn.init_all_states(delay)
        for step in range(4):
            delay.update(jnp.full(2, float(step)))
        assert delay.at("syn").tolist() == [1.0, 1.0]  # written 2 steps ago
        assert delay.retrieve_at_step(0).tolist() == [3.0, 3.0]
    ```

    Args:
        target_info: a pytree of arrays or `jax.ShapeDtypeStruct`s: the shape
            and dtype of one value.
        time: the longest delay (in the units of `dt`), or None for 0.
        init: the buffer's initial content: a number, an array, or an
            initializer `f(shape, dtype=...)`; zeros if None.
        entries: `{name: time}` or `{name: (time, *indices)}` to register.
        interpolation: for `retrieve_at_time`: a name in
            `InterpolationRegistry` or a function; defaults from `interp_method`.
        take_aware_unit: keep the unit of the written values (brainunit).
        update_every: write only every `update_every` time (>= dt); delays are
            then counted in these slots.
        delay_method: 'rotation' (a ring with a write pointer) or 'concat'
            (a shifted buffer); both return the same values.
        interp_method: the default interpolation ('linear_interp' or 'round').
    """

    _cfg: _Config = eqx.field(static=True, repr=False)

    def __init__(
        self,
        target_info: Any,
        time: Any = None,
        init: Any = None,
        entries: dict[str, Any] | None = None,
        interpolation: str | Callable[..., Any] | None = None,
        take_aware_unit: bool = False,
        update_every: Any = None,
        delay_method: str | None = ROTATION,
        interp_method: str = "linear_interp",
    ):
        init_module(self)
        cfg = _Config()
        cfg.target_info = jax.tree.map(
            lambda a: jax.ShapeDtypeStruct(np.shape(a), jnp.result_type(a)),
            target_info,
            is_leaf=is_quantity,
        )
        method = ROTATION if delay_method is None else delay_method
        if method not in (ROTATION, CONCAT):
            raise DelayError(
                f"delay_method={delay_method!r}; use 'rotation' or 'concat'."
            )
        cfg.method = method
        if interpolation is None:
            interpolation = _ALIASES.get(interp_method, interp_method)
        if isinstance(interpolation, str):
            InterpolationRegistry.get(interpolation)  # validates the name
        elif not callable(interpolation):
            raise DelayTypeError(
                f"interpolation must be a name in InterpolationRegistry or a "
                f"function, got {type(interpolation).__name__}."
            )
        cfg.interp = interpolation
        if init is not None and not (
            isinstance(init, (numbers.Number, np.ndarray, jax.Array)) or callable(init)
        ):
            raise DelayTypeError(
                f"init must be a number, an array or an initializer, got "
                f"{type(init).__name__}."
            )
        cfg.init = init
        cfg.take_aware_unit = take_aware_unit
        cfg.units = None
        dt = environ.get_dt()
        if update_every is None:
            cfg.update_every, cfg.every = None, 1
        else:
            if update_every < dt:
                raise DelayError(
                    f"update_every={update_every!r} is shorter than dt={dt!r}; a "
                    f"delay cannot be written more than once per step."
                )
            cfg.update_every = update_every
            cfg.every = int(round(float(update_every / dt)))
        cfg.max_time = 0.0 * dt if time is None else time
        cfg.max_length = (
            1 if time is None else int(np.max(_steps(time, _slot(cfg)))) + 1
        )
        cfg.entries = {}
        self._cfg = cfg
        for entry, spec in (entries or {}).items():
            spec = spec if isinstance(spec, (tuple, list)) else (spec,)
            self.register_entry(entry, *spec)

    # -- properties ------------------------------------------------------------
    @property
    def max_length(self) -> int:
        """The number of slots in the buffer (the longest delay in steps + 1)."""
        return self._cfg.max_length

    @property
    def max_time(self) -> Any:
        """The longest delay time registered."""
        return self._cfg.max_time

    @property
    def delay_method(self) -> str:
        """'rotation' or 'concat'."""
        return self._cfg.method

    @property
    def interp_method(self) -> str | Callable[..., Any]:
        """The interpolation used by `retrieve_at_time`."""
        return self._cfg.interp

    @property
    def update_every(self) -> Any:
        """The time between writes, or None for every step."""
        return self._cfg.update_every

    @property
    def update_every_step(self) -> int:
        """The number of steps between writes."""
        return self._cfg.every

    @property
    def target_info(self) -> Any:
        """The shape and dtype of one value (`jax.ShapeDtypeStruct` leaves)."""
        return self._cfg.target_info

    # -- registration ----------------------------------------------------------
    def register_delay(self, *time_and_idx: Any) -> tuple[Any, ...] | None:
        """Grow the buffer to hold delay `time_and_idx[0]`; returns `(step, *indices)`."""
        if not time_and_idx:
            raise DelayError("register_delay needs a delay time, e.g. `(1.0,)`.")
        for index in time_and_idx[1:]:
            if not jnp.issubdtype(jnp.result_type(index), jnp.integer):
                raise DelayError(f"delay indices must be integers, got {index!r}.")
        time = time_and_idx[0]
        if time is None:
            return None
        cfg = self._cfg
        step = _steps(time, _slot(cfg))
        longest = np.max(time) if not is_quantity(time) else time.max()
        cfg.max_time = longest if cfg.max_time is None else max(cfg.max_time, longest)
        cfg.max_length = max(cfg.max_length, int(np.max(step)) + 1)
        if np.ndim(step) == 0:
            step = int(step)
        else:
            step = jnp.asarray(step, jnp.int32)
        return (step, *time_and_idx[1:])

    def register_entry(self, entry: str, *time_and_idx: Any) -> Any:
        """Register a named delay `time_and_idx` (time, then optional indices).

        Returns the `(step, *indices)` it resolves to. Read it with `at(entry)`.
        """
        entries = self._cfg.entries
        if entry in entries:
            raise DelayEntryError(
                f"delay entry {entry!r} is already registered (as "
                f"{entries[entry]}); register the new delay under another name."
            )
        info = self.register_delay(*time_and_idx)
        entries[entry] = info
        return info

    def access(self, entry: str, *time_and_idx: Any) -> DelayAccess:
        """Register `entry` and return a `DelayAccess` that reads it when called."""
        return DelayAccess(self, *time_and_idx, entry=entry)

    # -- states -----------------------------------------------------------------
    @call_order(3)
    def init_state(self, batch_size: int | None = None, **kwargs: Any) -> None:
        """Allocate the buffer (`DelayState` `history`) and the write pointer."""
        self.write_ptr: ShortTermState[Any] = ShortTermState(
            jnp.asarray(0, environ.ditype()), tag=NO_BATCHING
        )
        self.history: DelayState = DelayState(_initial(self, batch_size))

    def reset_state(self, batch_size: int | None = None, **kwargs: Any) -> None:
        """Refill the buffer with its initial content and rewind the pointer."""
        self.write_ptr.value = jnp.asarray(0, environ.ditype())
        self.history.value = _initial(self, batch_size)

    # -- reading ----------------------------------------------------------------
    def at(self, entry: str) -> Any:
        """The value of the registered delay `entry`."""
        entries = self._cfg.entries
        if entry not in entries:
            raise DelayEntryError(
                f"no delay entry {entry!r}; registered: {list(entries)}. Register "
                f"it with `delay.register_entry({entry!r}, time)`."
            )
        info = entries[entry]
        return self.retrieve_at_step(*((0,) if info is None else info))

    def retrieve_at_step(self, delay_step: Any, *indices: Any) -> Any:
        """The value written `delay_step` updates ago (indexed by `indices`)."""
        _check_ready(self)
        cfg = self._cfg
        if delay_step is None:
            raise DelayError("retrieve_at_step needs a delay step (an int).")
        if not is_tracer(delay_step) and np.any(
            np.asarray(delay_step) >= cfg.max_length
        ):
            raise DelayError(
                f"delay step {delay_step} is beyond the buffer ({cfg.max_length} "
                f"slots, longest delay {cfg.max_length - 1}); register the delay "
                f"(`register_entry`) before `init_all_states`."
            )
        out = _pick(self.history.value, _ring_index(self, delay_step), indices)
        return _with_units(self, out)

    def retrieve_at_time(self, delay_time: Any, *indices: Any) -> Any:
        """The value at time `delay_time` (needs `environ` key `t`), interpolated.

        A time within 1e-4 steps of a whole number of steps back (`t - tau`
        with `tau` a multiple of `dt`, up to float rounding) gives that step's
        value exactly, with every interpolation."""
        _check_ready(self)
        cfg = self._cfg
        now = environ.get(environ.T, desc="the current time")
        steps = (now - delay_time) / _slot(cfg)
        if is_quantity(steps):
            raise DelayError(
                f"delay_time {delay_time!r} and t {now!r} must share the unit of dt."
            )
        # A delay of a whole number of steps, up to rounding (`t - tau` in
        # float32), is that number: the slot it names, whatever the rounding.
        steps = jnp.asarray(steps)
        whole = jnp.round(steps)
        steps = jnp.where(jnp.abs(steps - whole) < _SNAP, whole, steps)
        interp = cfg.interp
        if interp in ("linear", "linear_interp"):
            lo = self.retrieve_at_step(jnp.floor(steps).astype(jnp.int32), *indices)
            hi = self.retrieve_at_step(jnp.ceil(steps).astype(jnp.int32), *indices)
            frac = steps - jnp.floor(steps)
            return jax.tree.map(lambda a, b: a * (1 - frac) + b * frac, lo, hi)
        if interp in ("nearest", "round"):
            return self.retrieve_at_step(jnp.round(steps).astype(jnp.int32), *indices)
        fn = InterpolationRegistry.get(interp) if isinstance(interp, str) else interp
        history = self.history.value
        if cfg.method == CONCAT:  # to ring order: oldest first, newest last
            history = jax.tree.map(lambda h: h[::-1], history)
            position = cfg.max_length - 1 - steps
        else:
            position = (self.write_ptr.value - 1) // cfg.every - steps
        return _with_units(self, fn(history, indices, position, cfg.max_length))

    # -- writing ----------------------------------------------------------------
    def update(self, current: Any) -> None:
        """Write `current` as the newest value (every `update_every_step` steps)."""
        _check_ready(self)
        cfg = self._cfg
        if cfg.units is None and (
            cfg.take_aware_unit or any(map(is_quantity, _leaves(current)))
        ):
            cfg.units = jax.tree.map(unit_of, current, is_leaf=is_quantity)
        current = jax.tree.map(lambda x: strip(x), current, is_leaf=is_quantity)
        ptr = self.write_ptr.value
        history = self.history.value
        if cfg.method == CONCAT:
            new = jax.tree.map(
                lambda h, x: jnp.concatenate([jnp.asarray(x, h.dtype)[None], h[:-1]]),
                history,
                current,
            )
        else:
            slot = jax.lax.stop_gradient(ptr // cfg.every)
            new = jax.tree.map(
                lambda h, x: h.at[slot].set(jnp.asarray(x, h.dtype)), history, current
            )
        if cfg.every > 1:
            write = ptr % cfg.every == 0
            new = jax.tree.map(lambda n, h: jnp.where(write, n, h), new, history)
        self.history.value = new
        self.write_ptr.value = (ptr + 1) % (cfg.max_length * cfg.every)


def _leaves(tree: Any) -> list[Any]:
    return jax.tree.leaves(tree, is_leaf=is_quantity)


class DelayAccess(Module):
    """A registered entry of a `Delay`, read by calling it.

    ```python
    import jax
    import jax.numpy as jnp
    import eqstate

    with eqstate.environ.context(dt=1.0):
        delay = eqstate.nn.Delay(jax.ShapeDtypeStruct((), jnp.float32))
        read = delay.access("one_back", 1.0)
        eqstate.nn.init_all_states(delay)
        delay.update(jnp.asarray(5.0))
        delay.update(jnp.asarray(6.0))
        assert float(read()) == 5.0
    ```
    """

    delay: Delay
    delay_info: Any = eqx.field(static=True)
    _delay_entry: str = eqx.field(static=True)

    def __init__(self, delay: Delay, *time: Any, entry: str):
        init_module(self)
        if not isinstance(delay, Delay):
            raise DelayError(f"DelayAccess reads a Delay, got {type(delay).__name__}.")
        self.delay = delay
        self._delay_entry = entry
        self.delay_info = _Ref(delay.register_entry(entry, *time))

    def update(self, *args: Any, **kwargs: Any) -> Any:
        """The delayed value of the entry."""
        return self.delay.at(self._delay_entry)
