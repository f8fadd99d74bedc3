"""Initializers built from other initializers.

`Compose`, `Clipped`, `Scaled`, `Mixture`, `Conditional`, `DistanceModulated`,
and the private nodes behind `Initialization`'s operators (`a + b`, `a * 2`,
`a.clip(...)`, `a.apply(f)`, `a | f`). A combinator gives each random child
its own key (split from the one it is given, or drawn from the default stream)
and forwards `dtype` and extra keyword arguments to every child.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Sequence
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jax.typing import DTypeLike
from jaxtyping import PRNGKeyArray

from .._hyper_module import short_repr
from .._units import attach_unit, is_quantity, split_unit
from ._common import (
    InitializationError,
    Size,
    _as_shape,
    _in_unit,
    _key,
    _split,
)
from ._init import Initialization
from ._profile_base import DistanceProfile

__all__ = [
    "Clipped",
    "Compose",
    "Conditional",
    "DistanceModulated",
    "Mixture",
    "Scaled",
]

_OPS: dict[str, Callable[[Any, Any], Any]] = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": operator.truediv,
}


def _value(
    obj: Any,
    shape: tuple[int, ...],
    key: PRNGKeyArray | None,
    dtype: DTypeLike | None,
    kwargs: dict[str, Any],
) -> Any:
    if isinstance(obj, Initialization):
        return obj(shape, key=key, dtype=dtype, **kwargs)
    return obj


def _clip(values: Any, min_val: Any, max_val: Any) -> Any:
    mantissa, unit = split_unit(values)
    if min_val is not None:
        low = _in_unit(min_val, unit, what="`min_val`", ref="the drawn values")
        mantissa = jnp.maximum(mantissa, low)
    if max_val is not None:
        high = _in_unit(max_val, unit, what="`max_val`", ref="the drawn values")
        mantissa = jnp.minimum(mantissa, high)
    return attach_unit(mantissa, unit)


class _Binary(Initialization):
    """`left <op> right`, either side an initializer or a value."""

    left: Any
    op: str = eqx.field(static=True)
    right: Any

    def __call__(
        self,
        shape: Size,
        key: PRNGKeyArray | None = None,
        dtype: DTypeLike | None = None,
        **kwargs: Any,
    ) -> Any:
        shape = _as_shape(shape)
        k_left, k_right = _split(key, 2)
        left = _value(self.left, shape, k_left, dtype, kwargs)
        right = _value(self.right, shape, k_right, dtype, kwargs)
        return _OPS[self.op](left, right)

    def __repr__(self) -> str:
        return f"({short_repr(self.left)} {self.op} {short_repr(self.right)})"


class _Clip(Initialization):
    base: Initialization
    min_val: Any = None
    max_val: Any = None

    def __call__(
        self,
        shape: Size,
        key: PRNGKeyArray | None = None,
        dtype: DTypeLike | None = None,
        **kwargs: Any,
    ) -> Any:
        return _clip(
            self.base(shape, key=key, dtype=dtype, **kwargs), self.min_val, self.max_val
        )

    def __repr__(self) -> str:
        return f"{self.base!r}.clip({short_repr(self.min_val)}, {short_repr(self.max_val)})"


def _check_transform(func: Any, where: str) -> None:
    if isinstance(func, Initialization):
        raise TypeError(
            f"{where} must be a function of the drawn values, got the initializer "
            f"{func!r}, which takes a shape instead. Combine two initializers with "
            "+, -, * or /, or wrap the transform in a function."
        )
    if not callable(func):
        raise TypeError(f"{where} must be callable, got {type(func).__name__}.")


class _Apply(Initialization):
    base: Initialization
    func: Callable[[Any], Any]

    def __check_init__(self) -> None:
        _check_transform(self.func, "apply()'s argument")

    def __call__(
        self,
        shape: Size,
        key: PRNGKeyArray | None = None,
        dtype: DTypeLike | None = None,
        **kwargs: Any,
    ) -> Any:
        return self.func(self.base(shape, key=key, dtype=dtype, **kwargs))

    def __repr__(self) -> str:
        return f"{self.base!r}.apply({self.func!r})"


class _Pipe(_Apply):
    def __check_init__(self) -> None:
        _check_transform(self.func, "the right operand of `|`")

    def __repr__(self) -> str:
        return f"({self.base!r} | {self.func!r})"


class Compose(Initialization):
    """An initializer (or a value) followed by transforms of its values, in order.

    `Compose(init, f, g)(shape)` is `g(f(init(shape)))`; only the first
    element may be an initializer.

    ```python
    import jax.numpy as jnp
    import eqstate

    init = eqstate.init.Compose(eqstate.init.Normal(0.0, 1.0), jnp.abs, lambda w: w + 1)
    assert float(init((100,)).min()) >= 1.0
    ```

    Args:
        *inits: an initializer or a value, then functions of the values.
    """

    inits: tuple[Any, ...]

    def __init__(self, *inits: Any) -> None:
        if not inits:
            raise InitializationError(
                "Compose needs at least one element: Compose(init, transform, ...)."
            )
        for i, step in enumerate(inits[1:], start=1):
            _check_transform(step, f"Compose's element {i}")
        self.inits = tuple(inits)

    def __call__(
        self,
        shape: Size,
        key: PRNGKeyArray | None = None,
        dtype: DTypeLike | None = None,
        **kwargs: Any,
    ) -> Any:
        result = _value(self.inits[0], _as_shape(shape), key, dtype, kwargs)
        for step in self.inits[1:]:
            result = step(result)
        return result


class Scaled(Initialization):
    """Another initializer's draws times `scale_factor`.

    ```python
    import eqstate

    w = eqstate.init.Scaled(eqstate.init.Constant(2.0), 0.5)((3,))
    assert w.tolist() == [1.0, 1.0, 1.0]
    ```

    Args:
        base_dist: the initializer.
        scale_factor: a number, an array or a Quantity.
    """

    base_dist: Initialization
    scale_factor: Any

    def __call__(
        self,
        shape: Size,
        key: PRNGKeyArray | None = None,
        dtype: DTypeLike | None = None,
        **kwargs: Any,
    ) -> Any:
        return self.base_dist(shape, key=key, dtype=dtype, **kwargs) * self.scale_factor


class Clipped(Initialization):
    """Another initializer's draws clipped to `[min_val, max_val]`.

    ```python
    import eqstate

    w = eqstate.init.Clipped(eqstate.init.Normal(0.0, 3.0), min_val=0.0)((100,))
    assert float(w.min()) >= 0.0
    ```

    Args:
        base_dist: the initializer.
        min_val: the lower bound, or `None` (in the draws' unit).
        max_val: the upper bound, or `None`.
    """

    base_dist: Initialization
    min_val: Any = None
    max_val: Any = None

    def __call__(
        self,
        shape: Size,
        key: PRNGKeyArray | None = None,
        dtype: DTypeLike | None = None,
        **kwargs: Any,
    ) -> Any:
        values = self.base_dist(shape, key=key, dtype=dtype, **kwargs)
        return _clip(values, self.min_val, self.max_val)


def _in_first_unit(samples: Sequence[Any]) -> tuple[list[Any], Any]:
    """The samples' mantissas, all in the first sample's unit."""
    first, unit = split_unit(samples[0])
    rest = [
        _in_unit(s, unit, what="a component's draws", ref="the first component")
        for s in samples[1:]
    ]
    return [first, *rest], unit


class Mixture(Initialization):
    """Each element drawn from one of several initializers, picked at random.

    Element `i` comes from `distributions[j]` with probability `weights[j]`.

    ```python
    import eqstate

    init = eqstate.init.Mixture(
        [eqstate.init.Constant(0.0), eqstate.init.Constant(1.0)], weights=[0.75, 0.25]
    )
    w = init((4000,))
    assert abs(float(w.mean()) - 0.25) < 0.03
    ```

    Args:
        distributions: the component initializers.
        weights: their probabilities (non-negative, summing to 1); `None`
            weighs them equally.
    """

    distributions: list[Any]
    weights: list[float] | None = None

    def __check_init__(self) -> None:
        n = len(self.distributions)
        if n == 0:
            raise InitializationError("Mixture needs at least one distribution.")
        if self.weights is None:
            return
        if len(self.weights) != n:
            raise InitializationError(
                f"Mixture: `weights` must have one entry per distribution ({n}), "
                f"got {len(self.weights)}."
            )
        w = np.asarray(self.weights, dtype=float)
        if np.any(w < 0) or not np.isclose(w.sum(), 1.0):
            raise InitializationError(
                f"Mixture: `weights` must be non-negative and sum to 1, got "
                f"{list(self.weights)}."
            )

    def __call__(
        self,
        shape: Size,
        key: PRNGKeyArray | None = None,
        dtype: DTypeLike | None = None,
        **kwargs: Any,
    ) -> Any:
        shape = _as_shape(shape)
        n = len(self.distributions)
        k_choice, *keys = jax.random.split(_key(key), n + 1)
        p = None if self.weights is None else jnp.asarray(self.weights)
        choice = jax.random.choice(k_choice, n, shape, p=p)
        samples = [
            _value(d, shape, k, dtype, kwargs) for d, k in zip(self.distributions, keys)
        ]
        mantissas, unit = _in_first_unit(samples)
        stacked = jnp.stack([jnp.broadcast_to(m, shape) for m in mantissas])
        picked = jnp.take_along_axis(stacked, choice[None], axis=0)[0]
        return attach_unit(picked, unit)


class Conditional(Initialization):
    """Draw each element from one of two initializers, chosen by its flat index.

    `condition_fn(neuron_indices)` returns one boolean per element (the
    indices default to `0 .. prod(shape) - 1`); `True` elements come from
    `true_dist`, the others from `false_dist`.

    ```python
    import eqstate

    init = eqstate.init.Conditional(
        lambda i: i < 2, eqstate.init.Constant(1.0), eqstate.init.Constant(-1.0)
    )
    assert init((4,)).tolist() == [1.0, 1.0, -1.0, -1.0]
    ```

    Args:
        condition_fn: maps an integer index array to a boolean array.
        true_dist: the initializer where the condition holds.
        false_dist: the initializer elsewhere.
    """

    condition_fn: Callable[[Any], Any]
    true_dist: Any
    false_dist: Any

    def __call__(
        self,
        shape: Size,
        key: PRNGKeyArray | None = None,
        dtype: DTypeLike | None = None,
        neuron_indices: Any = None,
        **kwargs: Any,
    ) -> Any:
        shape = _as_shape(shape)
        n = math.prod(shape)
        if neuron_indices is None:
            neuron_indices = jnp.arange(n)
        cond = jnp.asarray(self.condition_fn(neuron_indices)).reshape(-1).astype(bool)
        if cond.shape[0] != n:
            raise InitializationError(
                f"Conditional: `condition_fn` must return one boolean per element "
                f"({n} for shape {shape}), got {cond.shape[0]}."
            )
        k_true, k_false = _split(key, 2)
        on = _value(self.true_dist, (n,), k_true, dtype, kwargs)
        off = _value(self.false_dist, (n,), k_false, dtype, kwargs)
        (on, off), unit = _in_first_unit([on, off])
        return attach_unit(jnp.where(cond, on, off).reshape(shape), unit)


def _pairwise_distances(pre: Any, post: Any) -> Any:
    pre_m, unit = split_unit(pre)
    post_m = _in_unit(post, unit, what="`post_positions`", ref="`pre_positions`")
    pre_m = jnp.asarray(pre_m)
    post_m = jnp.asarray(post_m)
    pre_m = pre_m.reshape(-1, 1) if pre_m.ndim <= 1 else pre_m
    post_m = post_m.reshape(-1, 1) if post_m.ndim <= 1 else post_m
    diff = pre_m[:, None, :] - post_m[None, :, :]
    return attach_unit(jnp.sqrt(jnp.sum(diff * diff, axis=-1)), unit)


class DistanceModulated(Initialization):
    """Another initializer's draws times a distance profile's `weight_scaling`.

    Call it with `distances=` (an array broadcastable to the shape, e.g.
    `(n_pre, n_post)`), or with `pre_positions=` and `post_positions=` (`(n,)`
    or `(n, dims)`, in the same unit) from which the Euclidean distances are
    computed.

    ```python
    import jax.numpy as jnp
    import eqstate

    init = eqstate.init.DistanceModulated(
        eqstate.init.Constant(2.0), eqstate.init.LinearProfile(max_distance=4.0)
    )
    w = init((2, 3), pre_positions=jnp.array([0.0, 1.0]), post_positions=jnp.array([0.0, 2.0, 4.0]))
    assert w.tolist() == [[2.0, 1.0, 0.0], [1.5, 1.5, 0.5]]
    ```

    Args:
        base_dist: the initializer of the unmodulated weights.
        distance_profile: maps distances to a factor.
    """

    base_dist: Any
    distance_profile: DistanceProfile

    def __call__(
        self,
        shape: Size,
        key: PRNGKeyArray | None = None,
        dtype: DTypeLike | None = None,
        distances: Any = None,
        pre_positions: Any = None,
        post_positions: Any = None,
        **kwargs: Any,
    ) -> Any:
        if distances is None:
            if pre_positions is None or post_positions is None:
                raise InitializationError(
                    "DistanceModulated needs the distances: call it with "
                    "`distances=` or with both `pre_positions=` and `post_positions=`."
                )
            distances = _pairwise_distances(pre_positions, post_positions)
        base = _value(self.base_dist, _as_shape(shape), key, dtype, kwargs)
        factor: Any = self.distance_profile(distances)
        if is_quantity(factor):
            factor = factor.to_decimal()
        return base * factor
