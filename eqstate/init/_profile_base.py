"""Distance profiles: connection probability and weight scaling as functions of distance.

A profile maps an array of distances to an array of the same shape:
`probability(d)` (a connection probability, or a value to threshold) and
`weight_scaling(d)` (a factor for the weights; the probability unless a
profile says otherwise). Calling a profile gives `weight_scaling`.

Distances and the profile's lengths may be brainunit Quantities (`sigma=50 *
u.um`, distances in `u.mm`): the distances are converted to the unit of the
profile's first length before the formula runs, and the result is a plain
array. Plain numbers work the same without brainunit. Mixing a plain length
with Quantity distances (or the reverse) raises an `InitializationError`;
a plain `0` is accepted in any unit.

Profiles combine: `p + q`, `p * 0.5`, `1 - p`, `p.clip(0, 1)`,
`p.apply(f)` and the pipe `p | f`.
"""

from __future__ import annotations

import abc
import operator
from collections.abc import Callable
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp

from .._hyper_module import HyperModule, short_repr
from ._common import _repr

__all__ = [
    "ApplyProfile",
    "ClipProfile",
    "ComposedProfile",
    "DistanceProfile",
    "PipeProfile",
]


class DistanceProfile(HyperModule):
    """Base class of the distance profiles (braintools' `DistanceProfile`).

    A subclass implements `probability`; `weight_scaling` defaults to it, and
    calling the profile gives `weight_scaling`.

    ```python
    import jax.numpy as jnp
    import eqstate

    class Box(eqstate.init.DistanceProfile):
        width: float = 1.0

        def probability(self, distances):
            return jnp.where(jnp.asarray(distances) <= self.width, 1.0, 0.0)

    p = Box(2.0) * 0.5
    assert p(jnp.array([1.0, 3.0])).tolist() == [0.5, 0.0]
    ```
    """

    @abc.abstractmethod
    def probability(self, distances: Any) -> jax.Array:
        """The connection probability at each distance.

        Args:
            distances: an array of distances (a Quantity when the profile's
                lengths carry units).

        Returns:
            An array of `distances`' shape.
        """

    def weight_scaling(self, distances: Any) -> jax.Array:
        """The weight factor at each distance (by default the probability).

        Args:
            distances: an array of distances.

        Returns:
            An array of `distances`' shape.
        """
        return self.probability(distances)

    def __call__(self, distances: Any) -> jax.Array:
        """`weight_scaling(distances)`."""
        return self.weight_scaling(distances)

    def __repr__(self) -> str:
        return _repr(self)

    def __add__(self, other: Any) -> ComposedProfile:
        return ComposedProfile(self, other, operator.add, "+")

    def __radd__(self, other: Any) -> ComposedProfile:
        return ComposedProfile(other, self, operator.add, "+")

    def __sub__(self, other: Any) -> ComposedProfile:
        return ComposedProfile(self, other, operator.sub, "-")

    def __rsub__(self, other: Any) -> ComposedProfile:
        return ComposedProfile(other, self, operator.sub, "-")

    def __mul__(self, other: Any) -> ComposedProfile:
        return ComposedProfile(self, other, operator.mul, "*")

    def __rmul__(self, other: Any) -> ComposedProfile:
        return ComposedProfile(other, self, operator.mul, "*")

    def __truediv__(self, other: Any) -> ComposedProfile:
        return ComposedProfile(self, other, operator.truediv, "/")

    def __rtruediv__(self, other: Any) -> ComposedProfile:
        return ComposedProfile(other, self, operator.truediv, "/")

    def __or__(self, other: Callable[[Any], Any]) -> PipeProfile:
        return PipeProfile(self, other)

    def clip(
        self, min_val: float | None = None, max_val: float | None = None
    ) -> ClipProfile:
        """The profile's values clipped to `[min_val, max_val]`.

        ```python
        import eqstate

        p = eqstate.init.LinearProfile(10.0).clip(0.2, 0.9)
        assert [round(float(v), 3) for v in p.probability([0.0, 5.0, 10.0])] == [0.9, 0.5, 0.2]
        ```
        """
        return ClipProfile(self, min_val, max_val)

    def apply(self, func: Callable[[Any], Any]) -> ApplyProfile:
        """The profile's values transformed by `func`.

        ```python
        import eqstate

        p = eqstate.init.LinearProfile(4.0).apply(lambda v: v**2)
        assert float(p.probability(2.0)) == 0.25
        ```
        """
        return ApplyProfile(self, func)


def _operand(obj: Any, distances: Any, method: str) -> Any:
    if isinstance(obj, DistanceProfile):
        return getattr(obj, method)(distances)
    return obj


class ComposedProfile(DistanceProfile):
    """Two profiles (or a profile and a value) combined by a binary operator.

    `p + q`, `p - 0.1`, `2 * p` and `p / q` build one; both `probability` and
    `weight_scaling` combine the operands' respective values.

    ```python
    import operator
    import eqstate

    g = eqstate.init.GaussianProfile(sigma=1.0)
    p = eqstate.init.ComposedProfile(g, 0.5, operator.mul, "*")
    assert float(p.probability(0.0)) == 0.5
    assert repr(g * 0.5) == "(GaussianProfile(sigma=1.0) * 0.5)"
    ```

    Args:
        left: a profile or a value.
        right: a profile or a value.
        op: the binary function.
        op_symbol: its symbol, for the repr.
    """

    left: Any
    right: Any
    op: Callable[[Any, Any], Any] = eqx.field(static=True)
    op_symbol: str = eqx.field(static=True)

    def probability(self, distances: Any) -> jax.Array:
        left = _operand(self.left, distances, "probability")
        return self.op(left, _operand(self.right, distances, "probability"))

    def weight_scaling(self, distances: Any) -> jax.Array:
        left = _operand(self.left, distances, "weight_scaling")
        return self.op(left, _operand(self.right, distances, "weight_scaling"))

    def __repr__(self) -> str:
        return f"({short_repr(self.left)} {self.op_symbol} {short_repr(self.right)})"


class ClipProfile(DistanceProfile):
    """A profile's values clipped to `[min_val, max_val]` (`None`: unbounded).

    ```python
    import eqstate

    p = eqstate.init.ClipProfile(eqstate.init.LinearProfile(10.0), None, 0.5)
    assert float(p.probability(0.0)) == 0.5
    ```

    Args:
        base: the profile.
        min_val: the lower bound, or `None`.
        max_val: the upper bound, or `None`.
    """

    base: DistanceProfile
    min_val: float | None
    max_val: float | None

    def _clip(self, values: Any) -> jax.Array:
        if self.min_val is not None:
            values = jnp.maximum(values, self.min_val)
        if self.max_val is not None:
            values = jnp.minimum(values, self.max_val)
        return values

    def probability(self, distances: Any) -> jax.Array:
        return self._clip(self.base.probability(distances))

    def weight_scaling(self, distances: Any) -> jax.Array:
        return self._clip(self.base.weight_scaling(distances))


def _check_callable(func: Any, where: str) -> None:
    if isinstance(func, DistanceProfile):
        raise TypeError(
            f"{where} must be a function of the profile's values, got the profile "
            f"{func!r}, which takes distances instead. Combine two profiles with "
            "+, -, * or /."
        )
    if not callable(func):
        raise TypeError(f"{where} must be callable, got {type(func).__name__}.")


class ApplyProfile(DistanceProfile):
    """A profile's values transformed by a function.

    ```python
    import jax.numpy as jnp
    import eqstate

    p = eqstate.init.ApplyProfile(eqstate.init.LinearProfile(2.0), jnp.sqrt)
    assert float(p.probability(1.5)) == 0.5
    ```

    Args:
        base: the profile.
        func: maps the values to new values.
    """

    base: DistanceProfile
    func: Callable[[Any], Any]

    def __check_init__(self) -> None:
        _check_callable(self.func, f"{type(self).__name__}'s `func`")

    def probability(self, distances: Any) -> jax.Array:
        return self.func(self.base.probability(distances))

    def weight_scaling(self, distances: Any) -> jax.Array:
        return self.func(self.base.weight_scaling(distances))


class PipeProfile(ApplyProfile):
    """`base | func`: the profile's values piped through `func`.

    ```python
    import eqstate

    p = eqstate.init.LinearProfile(4.0) | (lambda v: 1 - v)
    assert isinstance(p, eqstate.init.PipeProfile)
    assert float(p.probability(1.0)) == 0.25
    ```

    Args:
        base: the profile.
        func: a function of the values (not a profile: combine profiles with
            arithmetic instead).
    """

    def __repr__(self) -> str:
        return f"({self.base!r} | {self.func!r})"
