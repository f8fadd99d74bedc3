"""Simulation settings (`dt`, the step index `i`, precision, ...) seen by model code.

Settings live in an `EnvironmentState`, a `threading.local`: each thread has
its own global settings (`set`), its own stack of `context` overrides per
key, and its own registry of default behaviours (callbacks run whenever a
key changes). Values may be tracers: `for_loop` bodies commonly run under
`context(i=i)`. Every function takes `env=` to work on another
`EnvironmentState` than the default one.
"""

from __future__ import annotations

import contextlib
import dataclasses
import threading
import warnings
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterator
from typing import Any

import numpy as np

from .._errors import EqstateError

__all__ = [
    "DEFAULT_PRECISION",
    "DT",
    "FIT",
    "HOST_DEVICE_COUNT",
    "I",
    "JIT_ERROR_CHECK",
    "PLATFORM",
    "PRECISION",
    "SUPPORTED_PLATFORMS",
    "SUPPORTED_PRECISIONS",
    "T",
    "EnvironKeyError",
    "EnvironValueError",
    "EnvironmentState",
    "all_values",
    "context",
    "get",
    "get_dt",
    "list_registered_behaviors",
    "pop",
    "register_default_behavior",
    "reset",
    "set_values",
    "unregister_default_behavior",
]

I = "i"  # noqa: E741  (brainstate's name) key of the current step index
T = "t"  #: key of the current time
DT = "dt"  #: key of the integration time step
PRECISION = "precision"  #: key of the numerical precision (8, 16, 32, 64, 'bf16')
PLATFORM = "platform"  #: key of the computing platform
HOST_DEVICE_COUNT = "host_device_count"  #: key of the number of host CPU devices
JIT_ERROR_CHECK = "jit_error_check"  #: key of the jit error-check flag
FIT = "fit"  #: key of the training flag (True while fitting a model)

DEFAULT_PRECISION = 32
SUPPORTED_PLATFORMS = ("cpu", "gpu", "tpu")
SUPPORTED_PRECISIONS = (8, 16, 32, 64, "bf16")

_MISSING: Any = object()


class EnvironKeyError(EqstateError, KeyError):
    """A setting was read (or popped) that no `set` or `context` provided.

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


class EnvironValueError(EqstateError, ValueError):
    """A setting was given a value eqstate cannot honour.

    ```python
    import eqstate

    try:
        eqstate.environ.set(precision=12)
    except eqstate.environ.EnvironValueError as e:
        message = str(e)
    assert "precision=12" in message and "64" in message
    ```
    """


@dataclasses.dataclass
class EnvironmentState(threading.local):
    """The settings of one environment, separate for each thread.

    `settings` holds the global values (`set`), `contexts` a stack of
    overrides per key (`context`), `functions` the default behaviours
    (`register_default_behavior`), `locks` one lock per key. The module-level
    functions use a default instance; pass `env=` to use your own.

    ```python
    import eqstate

    env = eqstate.environ.EnvironmentState()
    eqstate.environ.set(dt=0.5, env=env)
    assert eqstate.environ.get_dt(env=env) == 0.5
    assert eqstate.environ.get_precision(env=env) == 32
    ```
    """

    settings: dict[Hashable, Any] = dataclasses.field(default_factory=dict)
    contexts: defaultdict[Hashable, list[Any]] = dataclasses.field(
        default_factory=lambda: defaultdict(list)
    )
    functions: dict[Hashable, Callable[..., Any]] = dataclasses.field(
        default_factory=dict
    )
    locks: dict[str, Any] = dataclasses.field(
        default_factory=lambda: defaultdict(threading.RLock)
    )

    def __post_init__(self) -> None:
        self.settings.setdefault(PRECISION, DEFAULT_PRECISION)


_ENV = EnvironmentState()


def _env(env: EnvironmentState | None) -> EnvironmentState:
    return _ENV if env is None else env


def _notify(env: EnvironmentState, key: Hashable, value: Any) -> None:
    fn = env.functions.get(key)
    if fn is None:
        return
    try:
        fn(value)
    except Exception as e:  # a failing callback must not break the setting
        warnings.warn(
            f"the default behaviour registered for {key!r} raised {e!r}",
            RuntimeWarning,
            stacklevel=3,
        )


def _check_precision(precision: Any) -> None:
    if str(precision) not in {str(p) for p in SUPPORTED_PRECISIONS}:
        raise EnvironValueError(
            f"eqstate.environ got precision={precision!r}; supported precisions "
            f"are {SUPPORTED_PRECISIONS}, e.g. `eqstate.environ.set(precision=64)`."
        )


def _apply_precision(precision: Any, env: EnvironmentState) -> None:
    """Switch `jax_enable_x64` for the default environment (64 on, else off)."""
    if env is _ENV:
        import jax

        jax.config.update("jax_enable_x64", str(precision) == "64")


def set_values(
    platform: str | None = None,
    host_device_count: int | None = None,
    precision: int | str | None = None,
    dt: Any = None,
    *,
    env: EnvironmentState | None = None,
    **kwargs: Any,
) -> None:
    """Set global settings, e.g. `eqstate.environ.set(dt=0.1, precision=64)`.

    `platform` and `host_device_count` configure JAX (see `set_platform`,
    `set_host_device_count`); `precision` switches `jax_enable_x64` on for 64
    and off otherwise and decides `dftype`/`ditype`/...; `dt` must be a
    scalar. Other keywords are stored as they are. Registered default
    behaviours run for each key set.

    ```python
    import eqstate

    eqstate.environ.set(dt=0.05, tau=10.0)
    assert eqstate.environ.get_dt() == 0.05 and eqstate.environ.get("tau") == 10.0
    ```
    """
    env = _env(env)
    if platform is not None:
        from ._platform import set_platform

        set_platform(platform)
    if host_device_count is not None:
        from ._platform import set_host_device_count

        set_host_device_count(host_device_count)
    if precision is not None:
        _check_precision(precision)
        _apply_precision(precision, env)
        kwargs[PRECISION] = precision
    if dt is not None:
        if np.ndim(getattr(dt, "mantissa", dt)) != 0:
            raise EnvironValueError(
                f"eqstate.environ.set(dt=...) needs a scalar time step, got a "
                f"value of shape {np.shape(getattr(dt, 'mantissa', dt))}."
            )
        kwargs[DT] = dt
    env.settings.update(kwargs)
    for key, value in kwargs.items():
        _notify(env, key, value)


def get(
    key: str,
    default: Any = _MISSING,
    desc: str | None = None,
    *,
    env: EnvironmentState | None = None,
) -> Any:
    """The current value of `key`: the innermost `context`, else the global value.

    ```python
    import eqstate

    with eqstate.environ.context(i=3):
        assert eqstate.environ.get("i") == 3
    assert eqstate.environ.get("i", None) is None
    ```

    Args:
        key: the setting's name.
        default: returned when the key is unset; without it an unset key raises.
        desc: a description of the setting, added to the error message.
        env: the environment to read (the default one if None).

    Raises:
        KeyError: (an `EnvironKeyError`) if `key` is unset and no `default`
            is given; the message says how to set it.
    """
    if key == PLATFORM:
        from ._platform import get_platform

        return get_platform()
    if key == HOST_DEVICE_COUNT:
        from ._platform import get_host_device_count

        return get_host_device_count()
    env = _env(env)
    stack = env.contexts.get(key)
    if stack:
        return stack[-1]
    if key in env.settings:
        return env.settings[key]
    if default is not _MISSING:
        return default
    about = f" ({desc})" if desc else ""
    raise EnvironKeyError(
        f"eqstate.environ has no value for {key!r}{about}. Set a default with "
        f"`eqstate.environ.set({key}=...)` or provide one for a block with "
        f"`with eqstate.environ.context({key}=...):`."
    )


def get_dt(*, env: EnvironmentState | None = None) -> Any:
    """The integration time step `dt` (see `get`).

    ```python
    import eqstate

    with eqstate.environ.context(dt=0.5):
        assert eqstate.environ.get_dt() == 0.5
    ```
    """
    return get(DT, env=env)


def all_values(*, env: EnvironmentState | None = None) -> dict[str, Any]:
    """Every setting visible here: the innermost contexts over the global values.

    ```python
    import eqstate

    with eqstate.environ.context(dt=0.1, i=0):
        settings = eqstate.environ.all()
    assert settings["dt"] == 0.1 and settings["i"] == 0
    ```
    """
    env = _env(env)
    merged: dict[Any, Any] = dict(env.settings)
    for key, stack in env.contexts.items():
        if stack:
            merged[key] = stack[-1]
    return merged


def pop(
    key: str, default: Any = _MISSING, *, env: EnvironmentState | None = None
) -> Any:
    """Remove the global value of `key` and return it.

    ```python
    import eqstate

    eqstate.environ.set(gain=2.0)
    assert eqstate.environ.pop("gain") == 2.0
    assert eqstate.environ.get("gain", None) is None
    assert eqstate.environ.pop("gain", "gone") == "gone"
    ```

    Raises:
        ValueError: (an `EnvironValueError`) while `key` is overridden by an
            active `context`.
        KeyError: (an `EnvironKeyError`) if `key` has no global value and no
            `default` is given.
    """
    env = _env(env)
    stack = env.contexts.get(key)
    if stack:
        raise EnvironValueError(
            f"cannot pop {key!r} while {len(stack)} `eqstate.environ.context("
            f"{key}=...)` block(s) override it; pop it after the `with` block."
        )
    if key in env.settings:
        return env.settings.pop(key)
    if default is not _MISSING:
        return default
    raise EnvironKeyError(
        f"eqstate.environ.pop({key!r}): no global value for {key!r}; pass a "
        f"default, `eqstate.environ.pop({key!r}, None)`."
    )


def reset(*, env: EnvironmentState | None = None) -> None:
    """Forget every setting, context and default behaviour; precision back to 32.

    For the default environment this also switches `jax_enable_x64` off.

    ```python
    import eqstate

    env = eqstate.environ.EnvironmentState()
    eqstate.environ.set(dt=0.1, precision=16, env=env)
    eqstate.environ.reset(env=env)
    assert eqstate.environ.all(env=env) == {"precision": 32}
    ```
    """
    global _ENV
    if env is None or env is _ENV:
        _ENV = EnvironmentState()
        _apply_precision(DEFAULT_PRECISION, _ENV)
        return
    env.settings.clear()
    env.contexts.clear()
    env.functions.clear()
    env.settings[PRECISION] = DEFAULT_PRECISION


@contextlib.contextmanager
def context(
    *, env: EnvironmentState | None = None, **kwargs: Any
) -> Iterator[dict[str, Any]]:
    """Override settings inside a `with` block (per thread, nestable).

    Yields every setting visible inside the block. `precision=` switches
    `jax_enable_x64` for the block and back afterwards.

    ```python
    import eqstate

    with eqstate.environ.context(dt=0.1):
        with eqstate.environ.context(dt=0.2) as settings:
            assert eqstate.environ.get_dt() == 0.2 and settings["dt"] == 0.2
        assert eqstate.environ.get_dt() == 0.1
    ```

    Raises:
        ValueError: (an `EnvironValueError`) for `platform` or
            `host_device_count`, which are global (use `set`).
    """
    env = _env(env)
    for key in (PLATFORM, HOST_DEVICE_COUNT):
        if key in kwargs:
            raise EnvironValueError(
                f"{key!r} cannot change inside `eqstate.environ.context`: JAX "
                f"reads it once. Use `eqstate.environ.set({key}=...)` before "
                f"any computation."
            )
    old_precision = None
    if PRECISION in kwargs:
        _check_precision(kwargs[PRECISION])
        old_precision = get(PRECISION, DEFAULT_PRECISION, env=env)
        _apply_precision(kwargs[PRECISION], env)
    entered: list[str] = []
    try:
        for key, value in kwargs.items():
            env.contexts[key].append(value)
            entered.append(key)
            _notify(env, key, value)
        yield all_values(env=env)
    finally:
        for key in reversed(entered):
            stack = env.contexts[key]
            stack.pop()
            if not stack:
                del env.contexts[key]
            if key in env.functions:
                previous = get(key, None, env=env)
                if previous is not None:
                    _notify(env, key, previous)
        if old_precision is not None:
            _apply_precision(old_precision, env)


def register_default_behavior(
    key: str,
    behavior: Callable[[Any], None],
    replace_if_exist: bool = False,
    *,
    env: EnvironmentState | None = None,
) -> None:
    """Run `behavior(value)` each time `key` is set or a `context` changes it.

    ```python
    import eqstate

    env = eqstate.environ.EnvironmentState()
    seen = []
    eqstate.environ.register_default_behavior("mode", seen.append, env=env)
    eqstate.environ.set(mode="train", env=env)
    with eqstate.environ.context(mode="eval", env=env):
        pass
    assert seen == ["train", "eval", "train"]
    assert eqstate.environ.list_registered_behaviors(env=env) == ["mode"]
    assert eqstate.environ.unregister_default_behavior("mode", env=env)
    ```

    Raises:
        ValueError: (an `EnvironValueError`) if `key` already has a
            behaviour and `replace_if_exist` is False.
    """
    env = _env(env)
    if not isinstance(key, str):
        raise TypeError(f"a behaviour key must be a str, got {type(key).__name__}.")
    if not callable(behavior):
        raise TypeError(f"a behaviour must be callable, got {type(behavior).__name__}.")
    if key in env.functions and not replace_if_exist:
        raise EnvironValueError(
            f"a default behaviour for {key!r} is already registered; pass "
            f"`replace_if_exist=True` to replace it."
        )
    env.functions[key] = behavior


def unregister_default_behavior(
    key: str, *, env: EnvironmentState | None = None
) -> bool:
    """Remove the behaviour of `key`; True if there was one.

    ```python
    import eqstate

    env = eqstate.environ.EnvironmentState()
    assert not eqstate.environ.unregister_default_behavior("mode", env=env)
    ```
    """
    return _env(env).functions.pop(key, None) is not None


def list_registered_behaviors(*, env: EnvironmentState | None = None) -> list[str]:
    """The keys that have a default behaviour.

    ```python
    import eqstate

    env = eqstate.environ.EnvironmentState()
    assert eqstate.environ.list_registered_behaviors(env=env) == []
    ```
    """
    return [str(k) for k in _env(env).functions]


def _default_env() -> EnvironmentState:
    """The default environment (replaced by `reset`)."""
    return _ENV
