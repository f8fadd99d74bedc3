"""Shared test helpers."""

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
