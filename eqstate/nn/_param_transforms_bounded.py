"""Parameter transforms onto a bounded interval `(lower, upper)`:
`SigmoidT`, `ScaledSigmoidT`, `TanhT`, `SoftsignT`, `ClipT`.

See `_param_transforms` for the `Transform` protocol.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
from jax import Array

from ..typing import ArrayLike
from ._module import init_module
from ._param_transforms import Transform, _save_exp, _sum_last

__all__ = ["ClipT", "ScaledSigmoidT", "SigmoidT", "SoftsignT", "TanhT"]


class SigmoidT(Transform):
    """Maps the real line onto `(lower, upper)`: `y = lower + (upper - lower) * sigmoid(x)`.

    ```python
    import jax.numpy as jnp
    import eqstate

    t = eqstate.nn.SigmoidT(0.0, 2.0)
    x = jnp.array([0.5, -1.0])
    y = t.forward(x)
    assert jnp.allclose(t.inverse(y), x, atol=1e-5)
    ```

    Args:
        lower: the lower bound of the output.
        upper: the upper bound of the output.
    """

    def __init__(self, lower: ArrayLike, upper: ArrayLike) -> None:
        init_module(self)
        self.lower: Array = jnp.asarray(lower)
        self.width: Array = jnp.asarray(upper) - self.lower

    def forward(self, x: ArrayLike) -> Array:
        return self.lower + self.width / (1.0 + _save_exp(-jnp.asarray(x)))

    def inverse(self, y: ArrayLike) -> Array:
        z = (jnp.asarray(y) - self.lower) / self.width
        return -jnp.log(1.0 / z - 1.0)

    def log_abs_det_jacobian(self, x: ArrayLike, y: ArrayLike) -> Array:
        x = jnp.asarray(x)
        terms = jnp.log(self.width) + jax.nn.log_sigmoid(x) + jax.nn.log_sigmoid(-x)
        return _sum_last(terms)


class TanhT(Transform):
    """Maps the real line onto `(lower, upper)`: `y = lower + width * (tanh(x) + 1) / 2`.

    ```python
    import jax.numpy as jnp
    import eqstate

    t = eqstate.nn.TanhT(0.0, 2.0)
    x = jnp.array([0.5, -1.0])
    y = t.forward(x)
    assert jnp.allclose(t.inverse(y), x, atol=1e-5)
    ```

    Args:
        lower: the lower bound of the output.
        upper: the upper bound of the output.
    """

    def __init__(self, lower: ArrayLike, upper: ArrayLike) -> None:
        init_module(self)
        self.lower: Array = jnp.asarray(lower)
        self.width: Array = jnp.asarray(upper) - self.lower

    def forward(self, x: ArrayLike) -> Array:
        return self.lower + self.width * (jnp.tanh(jnp.asarray(x)) + 1.0) / 2.0

    def inverse(self, y: ArrayLike) -> Array:
        return jnp.arctanh(2.0 * (jnp.asarray(y) - self.lower) / self.width - 1.0)


class SoftsignT(Transform):
    """Maps the real line onto `(lower, upper)`: `y = lower + width * (x / (1 + |x|) + 1) / 2`.

    ```python
    import jax.numpy as jnp
    import eqstate

    t = eqstate.nn.SoftsignT(0.0, 2.0)
    x = jnp.array([0.5, -1.0])
    y = t.forward(x)
    assert jnp.allclose(t.inverse(y), x, atol=1e-5)
    ```

    Args:
        lower: the lower bound of the output.
        upper: the upper bound of the output.
    """

    def __init__(self, lower: ArrayLike, upper: ArrayLike) -> None:
        init_module(self)
        self.lower: Array = jnp.asarray(lower)
        self.width: Array = jnp.asarray(upper) - self.lower

    def forward(self, x: ArrayLike) -> Array:
        x = jnp.asarray(x)
        return self.lower + self.width * (x / (1.0 + jnp.abs(x)) + 1.0) / 2.0

    def inverse(self, y: ArrayLike) -> Array:
        z = 2.0 * (jnp.asarray(y) - self.lower) / self.width - 1.0
        return z / (1.0 - jnp.abs(z))


class ClipT(Transform):
    """Clips to `[lower, upper]` both ways (not bijective outside the interval).

    ```python
    import jax.numpy as jnp
    import eqstate

    t = eqstate.nn.ClipT(-1.0, 1.0)
    x = jnp.array([0.5, -0.25])
    y = t.forward(x)
    ```

    Args:
        lower: the lower bound of the output.
        upper: the upper bound of the output.
    """

    def __init__(self, lower: ArrayLike, upper: ArrayLike) -> None:
        init_module(self)
        self.lower: Array = jnp.asarray(lower)
        self.upper: Array = jnp.asarray(upper)

    def forward(self, x: ArrayLike) -> Array:
        return jnp.clip(jnp.asarray(x), self.lower, self.upper)

    def inverse(self, y: ArrayLike) -> Array:
        return jnp.clip(jnp.asarray(y), self.lower, self.upper)


class ScaledSigmoidT(Transform):
    """A sigmoid map onto `(lower, upper)` with slope `beta`: `y = lower + width * sigmoid(beta * x)`.

    ```python
    import jax.numpy as jnp
    import eqstate

    t = eqstate.nn.ScaledSigmoidT(0.0, 2.0, 3.0)
    x = jnp.array([0.5, -1.0])
    y = t.forward(x)
    assert jnp.allclose(t.inverse(y), x, atol=1e-5)
    ```

    Args:
        lower: the lower bound of the output.
        upper: the upper bound of the output.
        beta: the slope of the sigmoid.

    Raises:
        ValueError: if `beta` is not a positive finite number.
    """

    def __init__(self, lower: ArrayLike, upper: ArrayLike, beta: float = 1.0) -> None:
        init_module(self)
        if not (beta > 0 and beta != float("inf")):
            raise ValueError(
                f"ScaledSigmoidT: beta must be a positive finite number, got {beta}; "
                "e.g. ScaledSigmoidT(0.0, 1.0, beta=2.0)."
            )
        self.lower: Array = jnp.asarray(lower)
        self.width: Array = jnp.asarray(upper) - self.lower
        self.beta = beta

    def forward(self, x: ArrayLike) -> Array:
        return self.lower + self.width * jax.nn.sigmoid(self.beta * jnp.asarray(x))

    def inverse(self, y: ArrayLike) -> Array:
        z = (jnp.asarray(y) - self.lower) / self.width
        return jax.scipy.special.logit(z) / self.beta
