"""Precision, default dtypes, platform and host device count."""

from __future__ import annotations

import os
import re
from typing import Any

import numpy as np

from . import _environ as _e

__all__ = [
    "dctype",
    "dftype",
    "ditype",
    "dutype",
    "get_host_device_count",
    "get_platform",
    "get_precision",
    "set_host_device_count",
    "set_platform",
    "set_precision",
    "tolerance",
]

_DEVICE_FLAG = re.compile(r"--xla_force_host_platform_device_count=(\S+)")


def _precision(env: _e.EnvironmentState | None) -> str:
    return str(_e.get(_e.PRECISION, _e.DEFAULT_PRECISION, env=env))


def set_precision(
    precision: int | str, *, env: _e.EnvironmentState | None = None
) -> None:
    """Set the numerical precision: 8, 16, 32, 64 or 'bf16'.

    64 switches `jax_enable_x64` on (for the default environment), any other
    value switches it off. `dftype()` and friends follow.

    ```python
    import jax.numpy as jnp
    import eqstate

    eqstate.environ.set_precision(16)
    assert eqstate.environ.dftype() == jnp.float16
    eqstate.environ.set_precision(32)
    assert eqstate.environ.get_precision() == 32
    ```
    """
    env = _e._default_env() if env is None else env
    _e._check_precision(precision)
    _e._apply_precision(precision, env)
    env.settings[_e.PRECISION] = precision
    _e._notify(env, _e.PRECISION, precision)


def get_precision(*, env: _e.EnvironmentState | None = None) -> int:
    """The precision in bits ('bf16' counts as 16).

    ```python
    import eqstate

    with eqstate.environ.context(precision="bf16"):
        assert eqstate.environ.get_precision() == 16
    ```
    """
    precision = _precision(env)
    return 16 if precision == "bf16" else int(precision)


_FLOATS: dict[str, Any] = {
    "64": np.float64,
    "32": np.float32,
    "16": np.float16,
}
_INTS: dict[str, Any] = {
    "64": np.int64,
    "32": np.int32,
    "16": np.int16,
    "bf16": np.int16,
    "8": np.int8,
}
_UINTS: dict[str, Any] = {
    "64": np.uint64,
    "32": np.uint32,
    "16": np.uint16,
    "bf16": np.uint16,
    "8": np.uint8,
}


def dftype(*, env: _e.EnvironmentState | None = None) -> Any:
    """The default float dtype for the current precision.

    64 → float64, 32 → float32, 16 → float16, 'bf16' → bfloat16,
    8 → float8_e5m2.

    ```python
    import numpy as np
    import eqstate

    assert eqstate.environ.dftype() == np.float32
    ```
    """
    precision = _precision(env)
    if precision in _FLOATS:
        return _FLOATS[precision]
    import jax.numpy as jnp

    return jnp.bfloat16 if precision == "bf16" else jnp.float8_e5m2


def ditype(*, env: _e.EnvironmentState | None = None) -> Any:
    """The default signed integer dtype for the current precision.

    ```python
    import numpy as np
    import eqstate

    with eqstate.environ.context(precision=16):
        assert eqstate.environ.ditype() == np.int16
    ```
    """
    return _INTS[_precision(env)]


def dutype(*, env: _e.EnvironmentState | None = None) -> Any:
    """The default unsigned integer dtype for the current precision.

    ```python
    import numpy as np
    import eqstate

    assert eqstate.environ.dutype() == np.uint32
    ```
    """
    return _UINTS[_precision(env)]


def dctype(*, env: _e.EnvironmentState | None = None) -> Any:
    """The default complex dtype: complex128 at precision 64, else complex64.

    ```python
    import numpy as np
    import eqstate

    assert eqstate.environ.dctype() == np.complex64
    ```
    """
    return np.complex128 if _precision(env) == "64" else np.complex64


def tolerance(*, env: _e.EnvironmentState | None = None) -> np.ndarray:
    """A numerical tolerance for the precision: 1e-12 (64), 1e-5 (32), else 1e-2.

    ```python
    import numpy as np
    import eqstate

    assert eqstate.environ.tolerance() == np.float32(1e-5)
    ```
    """
    bits = get_precision(env=env)
    if bits == 64:
        return np.asarray(1e-12, dtype=np.float64)
    if bits == 32:
        return np.asarray(1e-5, dtype=np.float32)
    return np.asarray(1e-2, dtype=np.float16)


def get_platform() -> str:
    """The platform of JAX's default device: 'cpu', 'gpu' or 'tpu'.

    ```python
    import eqstate

    assert eqstate.environ.get_platform() in eqstate.environ.SUPPORTED_PLATFORMS
    ```
    """
    import jax

    return jax.devices()[0].platform


def set_platform(platform: str) -> None:
    """Make JAX use `platform` ('cpu', 'gpu' or 'tpu'); call before computing.

    ```python
    import eqstate

    eqstate.environ.set_platform("cpu")
    assert eqstate.environ.get_platform() == "cpu"
    ```
    """
    if platform not in _e.SUPPORTED_PLATFORMS:
        raise _e.EnvironValueError(
            f"eqstate.environ.set_platform({platform!r}): the platform must be "
            f"one of {_e.SUPPORTED_PLATFORMS}."
        )
    import jax

    jax.config.update("jax_platform_name", platform)
    _e._notify(_e._default_env(), _e.PLATFORM, platform)


def get_host_device_count() -> int:
    """The number of CPU devices XLA_FLAGS asks for (1 when unset).

    ```python
    import eqstate

    assert eqstate.environ.get_host_device_count() >= 1
    ```
    """
    match = _DEVICE_FLAG.search(os.environ.get("XLA_FLAGS", ""))
    return int(match.group(1)) if match else 1


def set_host_device_count(n: int) -> None:
    """Ask XLA for `n` CPU devices (sets `XLA_FLAGS`).

    Takes effect only if called before JAX initialises its CPU backend, as in
    brainstate.

    ```python
    import os
    import eqstate

    old = os.environ.get("XLA_FLAGS")
    eqstate.environ.set_host_device_count(4)
    assert eqstate.environ.get_host_device_count() == 4
    if old is None:
        del os.environ["XLA_FLAGS"]
    else:
        os.environ["XLA_FLAGS"] = old
    ```
    """
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise _e.EnvironValueError(
            f"eqstate.environ.set_host_device_count({n!r}): the count must be "
            f"a positive int, e.g. `set_host_device_count(8)`."
        )
    flags = _DEVICE_FLAG.sub("", os.environ.get("XLA_FLAGS", "")).split()
    os.environ["XLA_FLAGS"] = " ".join(
        [f"--xla_force_host_platform_device_count={n}", *flags]
    )
    _e._notify(_e._default_env(), _e.HOST_DEVICE_COUNT, n)
