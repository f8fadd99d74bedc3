"""Activation functions (brainstate's `brainstate.nn.relu`, `gelu`, ...).

Where `jax.nn` (or `jax.numpy`) already computes the same function with the same
signature and defaults, the name is re-exported from there; the others are
written here on `jax.numpy`.
"""

from __future__ import annotations

from jax import Array, numpy as jnp
from jax.nn import (
    celu as celu,
    elu as elu,
    gelu as gelu,
    glu as glu,
    hard_sigmoid as hard_sigmoid,
    hard_silu as hard_silu,
    hard_swish as hard_swish,
    leaky_relu as leaky_relu,
    log_sigmoid as log_sigmoid,
    log_softmax as log_softmax,
    logsumexp as logsumexp,
    mish as mish,
    one_hot as one_hot,
    relu as relu,
    relu6 as relu6,
    selu as selu,
    sigmoid as sigmoid,
    silu as silu,
    soft_sign as soft_sign,
    softmax as softmax,
    softplus as softplus,
    sparse_plus as sparse_plus,
    sparse_sigmoid as sparse_sigmoid,
    squareplus as squareplus,
    standardize as standardize,
    swish as swish,
)
from jax.numpy import tanh as tanh

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
