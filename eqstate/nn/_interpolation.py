"""Interpolations of a delay's ring buffer, by name (`InterpolationRegistry`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

import jax
import jax.numpy as jnp

from .._errors import EqstateError

__all__ = ["DelayEntryError", "DelayError", "DelayTypeError", "InterpolationRegistry"]


class DelayError(EqstateError, ValueError):
    """A delay was configured or read in a way it cannot serve."""


class DelayEntryError(DelayError, KeyError):
    """A named delay entry was registered twice, or read but never registered.

    A `KeyError` too, as brainstate raises one there.
    """

    def __str__(self) -> str:  # KeyError would repr() the message
        return str(self.args[0])


class DelayTypeError(DelayError, TypeError):
    """A delay was given an argument of a type it cannot use (`init`, ...).

    A `TypeError` too, as brainstate raises one there.
    """


def _pick(history: Any, i: Any, indices: tuple[Any, ...]) -> Any:
    return jax.tree.map(lambda h: h[(i, *indices)], history)


def _stencil(offsets: tuple[int, ...], weights: Callable[[Any], tuple[Any, ...]]):
    """An interpolation that weights the ring slots floor(x) + offsets."""

    def interpolate(
        history: Any, indices: tuple[Any, ...], float_idx: Any, max_length: int
    ) -> Any:
        base = jnp.floor(float_idx)
        t = float_idx - base
        base = base.astype(jnp.int32)
        ws = weights(t)
        picks = [_pick(history, (base + o) % max_length, indices) for o in offsets]
        return jax.tree.map(lambda *vs: sum(w * v for w, v in zip(ws, vs)), *picks)

    return interpolate


def _nearest(
    history: Any, indices: tuple[Any, ...], float_idx: Any, max_length: int
) -> Any:
    i = jnp.round(float_idx).astype(jnp.int32) % max_length
    return _pick(history, i, indices)


def _hermite(
    history: Any, indices: tuple[Any, ...], float_idx: Any, max_length: int
) -> Any:
    base = jnp.floor(float_idx)
    t = float_idx - base
    base = base.astype(jnp.int32)
    vm, v0, v1, v2 = (
        _pick(history, (base + o) % max_length, indices) for o in (-1, 0, 1, 2)
    )
    t2, t3 = t * t, t * t * t

    def blend(a: Any, b: Any, c: Any, d: Any) -> Any:
        m0, m1 = (c - a) / 2, (d - b) / 2
        return (
            (2 * t3 - 3 * t2 + 1) * b
            + (t3 - 2 * t2 + t) * m0
            + (-2 * t3 + 3 * t2) * c
            + (t3 - t2) * m1
        )

    return jax.tree.map(blend, vm, v0, v1, v2)


class InterpolationRegistry:
    """Named interpolations used by `Delay.retrieve_at_time`.

    Each is `f(history, indices, float_idx, max_length)`: `history` the ring
    buffer (time on axis 0), `float_idx` a fractional ring index. Built in:
    'nearest' ('round'), 'linear' ('linear_interp'), 'cubic' (Catmull-Rom),
    'hermite', 'polynomial2', 'polynomial3' (Lagrange).

    ```python
    import jax.numpy as jnp
    import eqstate

    reg = eqstate.nn.InterpolationRegistry
    assert {"nearest", "linear", "cubic"} <= set(reg.list_methods())
    ring = jnp.arange(4.0)
    assert float(reg.get("linear")(ring, (), jnp.asarray(1.25), 4)) == 1.25
    ```
    """

    _methods: ClassVar[dict[str, Callable[..., Any]]] = {}

    @classmethod
    def register(cls, name: str, method: Callable[..., Any]) -> None:
        """Add (or replace) the interpolation `name`."""
        cls._methods[name] = method

    @classmethod
    def get(cls, name: str) -> Callable[..., Any]:
        """The interpolation `name`."""
        if name not in cls._methods:
            raise DelayError(
                f"unknown interpolation {name!r}; available: {cls.list_methods()}. "
                f"Add one with `InterpolationRegistry.register(name, fn)`."
            )
        return cls._methods[name]

    @classmethod
    def list_methods(cls) -> list[str]:
        """The registered names."""
        return list(cls._methods)


_linear = _stencil((0, 1), lambda t: (1 - t, t))
for _name, _fn in {
    "nearest": _nearest,
    "round": _nearest,
    "linear": _linear,
    "linear_interp": _linear,
    "cubic": _stencil(
        (-1, 0, 1, 2),
        lambda t: (
            -0.5 * t**3 + t**2 - 0.5 * t,
            1.5 * t**3 - 2.5 * t**2 + 1.0,
            -1.5 * t**3 + 2.0 * t**2 + 0.5 * t,
            0.5 * t**3 - 0.5 * t**2,
        ),
    ),
    "hermite": _hermite,
    "polynomial2": _stencil(
        (-1, 0, 1), lambda t: (0.5 * t * (t - 1), (1 - t) * (1 + t), 0.5 * t * (t + 1))
    ),
    "polynomial3": _stencil(
        (-1, 0, 1, 2),
        lambda t: (
            -t * (t - 1) * (t - 2) / 6,
            (t + 1) * (t - 1) * (t - 2) / 2,
            -t * (t + 1) * (t - 2) / 2,
            t * (t + 1) * (t - 1) / 6,
        ),
    ),
}.items():
    InterpolationRegistry.register(_name, _fn)
