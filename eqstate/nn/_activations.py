"""Activation functions (brainstate's `brainstate.nn.relu`, `gelu`, ...).

Where `jax.nn` (or `jax.numpy`) already computes the same function with the same
signature and defaults, the name is re-exported from there; the others are
written here on `jax.numpy`.
"""

from __future__ import annotations

from typing import Final

import jax
from jax import Array, numpy as jnp

from ..typing import ArrayLike

__all__ = [
    "celu",
    "elu",
    "gelu",
    "glu",
    "hard_shrink",
    "hard_sigmoid",
    "hard_silu",
    "hard_swish",
    "hard_tanh",
    "leaky_relu",
    "log_sigmoid",
    "log_softmax",
    "logsumexp",
    "mish",
    "one_hot",
    "prelu",
    "relu",
    "relu6",
    "rrelu",
    "selu",
    "sigmoid",
    "silu",
    "soft_shrink",
    "soft_sign",
    "softmax",
    "softmin",
    "softplus",
    "sparse_plus",
    "sparse_sigmoid",
    "squareplus",
    "standardize",
    "swish",
    "tanh",
    "tanh_shrink",
]

# Re-exported unchanged: jax computes them with brainstate's signature and defaults.
celu: Final = jax.nn.celu
"""`jax.nn.celu`: continuously differentiable exponential linear unit."""
elu: Final = jax.nn.elu
"""`jax.nn.elu`: exponential linear unit."""
gelu: Final = jax.nn.gelu
"""`jax.nn.gelu`: Gaussian error linear unit (tanh approximation by default)."""
glu: Final = jax.nn.glu
"""`jax.nn.glu`: gated linear unit."""
hard_sigmoid: Final = jax.nn.hard_sigmoid
"""`jax.nn.hard_sigmoid`: relu6(x + 3) / 6."""
hard_silu: Final = jax.nn.hard_silu
"""`jax.nn.hard_silu`: x * hard_sigmoid(x)."""
hard_swish: Final = jax.nn.hard_swish
"""`jax.nn.hard_swish`: x * hard_sigmoid(x)."""
leaky_relu: Final = jax.nn.leaky_relu
"""`jax.nn.leaky_relu`: x, or negative_slope * x below zero."""
log_sigmoid: Final = jax.nn.log_sigmoid
"""`jax.nn.log_sigmoid`: log(sigmoid(x))."""
log_softmax: Final = jax.nn.log_softmax
"""`jax.nn.log_softmax`: log(softmax(x))."""
logsumexp: Final = jax.nn.logsumexp
"""`jax.nn.logsumexp`: log(sum(exp(a)))."""
mish: Final = jax.nn.mish
"""`jax.nn.mish`: x * tanh(softplus(x))."""
one_hot: Final = jax.nn.one_hot
"""`jax.nn.one_hot`: one-hot encoding of integer labels."""
relu: Final = jax.nn.relu
"""`jax.nn.relu`: max(x, 0)."""
relu6: Final = jax.nn.relu6
"""`jax.nn.relu6`: min(max(x, 0), 6)."""
selu: Final = jax.nn.selu
"""`jax.nn.selu`: scaled exponential linear unit."""
sigmoid: Final = jax.nn.sigmoid
"""`jax.nn.sigmoid`: 1 / (1 + exp(-x))."""
silu: Final = jax.nn.silu
"""`jax.nn.silu`: x * sigmoid(x)."""
soft_sign: Final = jax.nn.soft_sign
"""`jax.nn.soft_sign`: x / (1 + |x|)."""
softmax: Final = jax.nn.softmax
"""`jax.nn.softmax`: exp(x) / sum(exp(x))."""
softplus: Final = jax.nn.softplus
"""`jax.nn.softplus`: log(1 + exp(x))."""
sparse_plus: Final = jax.nn.sparse_plus
"""`jax.nn.sparse_plus`: a piecewise-quadratic softplus."""
sparse_sigmoid: Final = jax.nn.sparse_sigmoid
"""`jax.nn.sparse_sigmoid`: a piecewise-linear sigmoid."""
squareplus: Final = jax.nn.squareplus
"""`jax.nn.squareplus`: (x + sqrt(x**2 + b)) / 2."""
standardize: Final = jax.nn.standardize
"""`jax.nn.standardize`: (x - mean) / sqrt(var + epsilon)."""
swish: Final = jax.nn.swish
"""`jax.nn.swish`: x * sigmoid(x)."""
tanh: Final = jnp.tanh
"""`jax.numpy.tanh`: the hyperbolic tangent."""


def softmin(x: ArrayLike, axis: int | tuple[int, ...] | None = -1) -> Array:
    """The softmax of `-x`: small entries get the large weights.

    ```python
    import jax.numpy as jnp
    import eqstate

    p = eqstate.nn.softmin(jnp.array([0.0, 10.0]))
    assert p[0] > 0.99 and abs(float(p.sum()) - 1.0) < 1e-6
    ```

    Args:
        x: the input.
        axis: the axis (or axes) normalised over.
    """
    return softmax(-jnp.asarray(x), axis=axis)


def tanh_shrink(x: ArrayLike) -> Array:
    """`x - tanh(x)`.

    ```python
    import jax.numpy as jnp
    import eqstate

    assert float(eqstate.nn.tanh_shrink(jnp.array(0.0))) == 0.0
    ```

    Args:
        x: the input.
    """
    x = jnp.asarray(x)
    return x - jnp.tanh(x)


def prelu(x: ArrayLike, a: ArrayLike = 0.25) -> Array:
    """Parametric ReLU: `x` where `x >= 0`, else `a * x`.

    ```python
    import jax.numpy as jnp
    import eqstate

    assert eqstate.nn.prelu(jnp.array([-4.0, 2.0])).tolist() == [-1.0, 2.0]
    ```

    Args:
        x: the input.
        a: the slope for negative inputs (a scalar or an array broadcasting
            against `x`).
    """
    x = jnp.asarray(x)
    return jnp.where(x >= 0.0, x, a * x)


def soft_shrink(x: ArrayLike, lambd: float = 0.5) -> Array:
    """Moves `x` towards zero by `lambd`, and sets `|x| <= lambd` to zero.

    ```python
    import jax.numpy as jnp
    import eqstate

    y = eqstate.nn.soft_shrink(jnp.array([-2.0, 0.2, 2.0]))
    assert y.tolist() == [-1.5, 0.0, 1.5]
    ```

    Args:
        x: the input.
        lambd: the shrinkage.
    """
    x = jnp.asarray(x)
    return jnp.where(
        x > lambd, x - lambd, jnp.where(x < -lambd, x + lambd, jnp.zeros_like(x))
    )


def hard_shrink(x: ArrayLike, lambd: float = 0.5) -> Array:
    """`x` where `|x| > lambd`, else zero.

    ```python
    import jax.numpy as jnp
    import eqstate

    y = eqstate.nn.hard_shrink(jnp.array([-2.0, 0.2, 2.0]))
    assert y.tolist() == [-2.0, 0.0, 2.0]
    ```

    Args:
        x: the input.
        lambd: the threshold.
    """
    x = jnp.asarray(x)
    return jnp.where((x > lambd) | (x < -lambd), x, jnp.zeros_like(x))


def hard_tanh(x: ArrayLike, min_val: float = -1.0, max_val: float = 1.0) -> Array:
    """`x` clipped to `[min_val, max_val]`.

    ```python
    import jax.numpy as jnp
    import eqstate

    y = eqstate.nn.hard_tanh(jnp.array([-3.0, 0.5, 3.0]))
    assert y.tolist() == [-1.0, 0.5, 1.0]
    ```

    Args:
        x: the input.
        min_val: the lower bound.
        max_val: the upper bound.
    """
    x = jnp.asarray(x)
    return jnp.where(x > max_val, max_val, jnp.where(x < min_val, min_val, x))


def rrelu(x: ArrayLike, lower: float = 0.125, upper: float = 1.0 / 3.0) -> Array:
    """Randomized leaky ReLU: negative inputs scaled by slopes drawn uniformly
    from `[lower, upper)`, one per element, from `eqstate.random`.

    ```python
    import jax.numpy as jnp
    import eqstate

    eqstate.random.seed(0)
    y = eqstate.nn.rrelu(jnp.array([-1.0, 2.0]))
    assert 0.125 <= -float(y[0]) <= 1 / 3 and float(y[1]) == 2.0
    ```

    Args:
        x: the input.
        lower: the smallest slope.
        upper: the largest slope.
    """
    from .. import random

    x = jnp.asarray(x)
    dtype = jnp.result_type(x, float)
    a = random.uniform(lower, upper, size=jnp.shape(x), dtype=dtype)
    return jnp.where(x >= 0.0, x, a * x)
