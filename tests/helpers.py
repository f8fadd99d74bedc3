"""Shared test helpers."""

import os
from typing import Any

import jax
import jax.numpy as jnp


def tree_allclose(a: Any, b: Any, **kw: Any) -> bool:
    la, ta = jax.tree.flatten(a)
    lb, tb = jax.tree.flatten(b)
    return ta == tb and all(bool(jnp.allclose(x, y, **kw)) for x, y in zip(la, lb))


class TraceCounter:
    """Wrap a function and count how many times Python runs it (= traces)."""

    def __init__(self, fun):
        self.fun = fun
        self.count = 0

    def __call__(self, *args, **kwargs):
        self.count += 1
        return self.fun(*args, **kwargs)


def cpu_subprocess_env(n_devices: int) -> dict[str, str]:
    """The environment for a Python subprocess on `n_devices` simulated CPU
    devices: this process's, with its XLA flags (see conftest.py) but that
    device count."""
    env = dict(os.environ)
    flags = [f for f in env.get("XLA_FLAGS", "").split() if "device_count" not in f]
    flags.append(f"--xla_force_host_platform_device_count={n_devices}")
    env["XLA_FLAGS"] = " ".join(flags)
    env["JAX_PLATFORMS"] = "cpu"
    return env
