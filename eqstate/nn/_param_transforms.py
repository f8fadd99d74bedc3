"""Bijective parameter transforms (`SoftplusT`, `PositiveT`, `LogT`, ...); the
bounded ones (`SigmoidT`, ...) are in `_param_transforms_bounded`, the composed
ones (`AffineT`, `ChainT`, ...) in `_param_compose`.

A transform maps an unconstrained value `x` (what an optimizer updates) to a
constrained one `y = forward(x)` (what the model uses); `inverse` goes back and
`log_abs_det_jacobian(x, y)` is `log |det dy/dx|`, summed over the last axis.
`nn.Param(value, t=...)` stores `t.inverse(value)` and reads `t.forward(...)`.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
from jax import Array

from ..typing import ArrayLike
from ._module import Module, init_module

__all__ = [
    "ExpT",
    "IdentityT",
    "LogT",
    "NegSoftplusT",
    "NegativeT",
    "PositiveT",
    "PowerT",
    "ReluT",
    "SoftplusT",
    "Transform",
]


def _save_exp(x: Array, max_value: float = 20.0) -> Array:
    return jnp.exp(jnp.minimum(x, max_value))


def _sum_last(terms: Array) -> Array:
    return jnp.sum(terms, axis=-1) if jnp.ndim(terms) > 0 else jnp.sum(terms)


class Transform(Module):
    """Base class of bijective parameter transforms.

    Subclasses define `forward` (unconstrained to constrained) and `inverse`,
    and where it is known `log_abs_det_jacobian`. Calling a transform runs
    `forward`.

    ```python
    import jax.numpy as jnp
    import eqstate

    class Double(eqstate.nn.Transform):
        def forward(self, x):
            return 2 * x

        def inverse(self, y):
            return y / 2

    assert Double()(jnp.array(1.0)) == 2.0
    ```
    """

    def __init__(self) -> None:
        init_module(self)

    def forward(self, x: ArrayLike) -> Array:
        """`y = f(x)`, from the unconstrained to the constrained domain."""
        raise NotImplementedError(f"{type(self).__name__} does not define forward.")

    def inverse(self, y: ArrayLike) -> Array:
        """`x = f^{-1}(y)`, from the constrained to the unconstrained domain."""
        raise NotImplementedError(f"{type(self).__name__} does not define inverse.")

    def log_abs_det_jacobian(self, x: ArrayLike, y: ArrayLike) -> Array:
        """`log |det dy/dx|` at `x` (with `y = forward(x)`), summed over the last axis."""
        raise NotImplementedError(
            f"{type(self).__name__} has no closed-form log_abs_det_jacobian."
        )

    def update(self, x: ArrayLike) -> Array:
        return self.forward(x)


class IdentityT(Transform):
    """The identity: `y = x`.

    ```python
    import jax.numpy as jnp
    import eqstate

    t = eqstate.nn.IdentityT()
    x = jnp.array([0.5, -1.0])
    y = t.forward(x)
    assert jnp.allclose(t.inverse(y), x, atol=1e-5)
    ```
    """

    def __init__(self) -> None:
        init_module(self)

    def forward(self, x: ArrayLike) -> Array:
        return jnp.asarray(x)

    def inverse(self, y: ArrayLike) -> Array:
        return jnp.asarray(y)

    def log_abs_det_jacobian(self, x: ArrayLike, y: ArrayLike) -> Array:
        return jnp.zeros(jnp.shape(x)[:-1] if jnp.ndim(x) > 0 else ())


class SoftplusT(Transform):
    """Maps the real line onto `(lower, inf)`: `y = softplus(x) + lower`.

    ```python
    import jax.numpy as jnp
    import eqstate

    t = eqstate.nn.SoftplusT(1.0)
    x = jnp.array([0.5, -1.0])
    y = t.forward(x)
    assert jnp.allclose(t.inverse(y), x, atol=1e-5)
    ```

    Args:
        lower: the lower bound of the output.
    """

    def __init__(self, lower: ArrayLike) -> None:
        init_module(self)
        self.lower: Array = jnp.asarray(lower)

    def forward(self, x: ArrayLike) -> Array:
        return jax.nn.softplus(jnp.asarray(x)) + self.lower

    def inverse(self, y: ArrayLike) -> Array:
        z = jnp.asarray(y) - self.lower
        return z + jnp.log(-jnp.expm1(-z))

    def log_abs_det_jacobian(self, x: ArrayLike, y: ArrayLike) -> Array:
        return _sum_last(jax.nn.log_sigmoid(jnp.asarray(x)))


class LogT(Transform):
    """Maps the real line onto `(lower, inf)`: `y = lower + exp(x)` (the exponent clipped at 20).

    ```python
    import jax.numpy as jnp
    import eqstate

    t = eqstate.nn.LogT(1.0)
    x = jnp.array([0.5, -1.0])
    y = t.forward(x)
    assert jnp.allclose(t.inverse(y), x, atol=1e-5)
    ```

    Args:
        lower: the lower bound of the output.
    """

    def __init__(self, lower: ArrayLike) -> None:
        init_module(self)
        self.lower: Array = jnp.asarray(lower)

    def forward(self, x: ArrayLike) -> Array:
        return self.lower + _save_exp(jnp.asarray(x))

    def inverse(self, y: ArrayLike) -> Array:
        return jnp.log(jnp.asarray(y) - self.lower)

    def log_abs_det_jacobian(self, x: ArrayLike, y: ArrayLike) -> Array:
        return _sum_last(jnp.asarray(x))


class ExpT(Transform):
    """Maps the real line onto `(lower, inf)`: `y = lower + exp(x)` (the exponent clipped at 20).

    ```python
    import jax.numpy as jnp
    import eqstate

    t = eqstate.nn.ExpT(1.0)
    x = jnp.array([0.5, -1.0])
    y = t.forward(x)
    assert jnp.allclose(t.inverse(y), x, atol=1e-5)
    ```

    Args:
        lower: the lower bound of the output.
    """

    def __init__(self, lower: ArrayLike) -> None:
        init_module(self)
        self.lower: Array = jnp.asarray(lower)

    def forward(self, x: ArrayLike) -> Array:
        return self.lower + _save_exp(jnp.asarray(x))

    def inverse(self, y: ArrayLike) -> Array:
        return jnp.log(jnp.asarray(y) - self.lower)

    def log_abs_det_jacobian(self, x: ArrayLike, y: ArrayLike) -> Array:
        return _sum_last(jnp.asarray(x))


class ReluT(Transform):
    """`y = relu(x) + lower_bound`; the inverse is `relu(y - lower_bound)` (bijective on `x >= 0`).

    ```python
    import jax.numpy as jnp
    import eqstate

    t = eqstate.nn.ReluT()
    x = jnp.array([0.5, 2.0])
    y = t.forward(x)
    ```

    Args:
        lower_bound: the smallest output.
    """

    def __init__(self, lower_bound: float = 0.0) -> None:
        init_module(self)
        self.lower_bound: Array = jnp.asarray(lower_bound)

    def forward(self, x: ArrayLike) -> Array:
        return jax.nn.relu(jnp.asarray(x)) + self.lower_bound

    def inverse(self, y: ArrayLike) -> Array:
        return jax.nn.relu(jnp.asarray(y) - self.lower_bound)


class PositiveT(Transform):
    """Maps the real line onto `(0, inf)`: `y = exp(x)` (the exponent clipped at 20).

    ```python
    import jax.numpy as jnp
    import eqstate

    t = eqstate.nn.PositiveT()
    x = jnp.array([0.5, -1.0])
    y = t.forward(x)
    assert jnp.allclose(t.inverse(y), x, atol=1e-5)
    ```
    """

    def __init__(self) -> None:
        init_module(self)

    def forward(self, x: ArrayLike) -> Array:
        return _save_exp(jnp.asarray(x))

    def inverse(self, y: ArrayLike) -> Array:
        return jnp.log(jnp.asarray(y))

    def log_abs_det_jacobian(self, x: ArrayLike, y: ArrayLike) -> Array:
        return _sum_last(jnp.asarray(x))


class NegativeT(Transform):
    """Maps the real line onto `(-inf, 0)`: `y = -softplus(-x)`.

    ```python
    import jax.numpy as jnp
    import eqstate

    t = eqstate.nn.NegativeT()
    x = jnp.array([0.5, -1.0])
    y = t.forward(x)
    assert jnp.allclose(t.inverse(y), x, atol=1e-5)
    ```
    """

    def __init__(self) -> None:
        init_module(self)

    def forward(self, x: ArrayLike) -> Array:
        return -jax.nn.softplus(-jnp.asarray(x))

    def inverse(self, y: ArrayLike) -> Array:
        s = -jnp.asarray(y)
        return -(s + jnp.log(-jnp.expm1(-s)))


class PowerT(Transform):
    """The Box-Cox power map `y = (x**lmbda - 1) / lmbda` (`log(x)` when `lmbda` is 0), for `x > 0`.

    ```python
    import jax.numpy as jnp
    import eqstate

    t = eqstate.nn.PowerT()
    x = jnp.array([0.5, 2.0])
    y = t.forward(x)
    assert jnp.allclose(t.inverse(y), x, atol=1e-5)
    ```

    Args:
        lmbda: the power (0 for the logarithm).
    """

    def __init__(self, lmbda: float = 0.5) -> None:
        init_module(self)
        self.lmbda = lmbda

    def forward(self, x: ArrayLike) -> Array:
        x = jnp.asarray(x)
        if abs(self.lmbda) < 1e-10:
            return jnp.log(x)
        return (jnp.power(x, self.lmbda) - 1) / self.lmbda

    def inverse(self, y: ArrayLike) -> Array:
        y = jnp.asarray(y)
        if abs(self.lmbda) < 1e-10:
            return jnp.exp(y)
        return jnp.power(y * self.lmbda + 1, 1 / self.lmbda)


class NegSoftplusT(SoftplusT):
    """Maps the real line onto `(-inf, upper)`: `y = upper - softplus(-x)`.

    ```python
    import jax.numpy as jnp
    import eqstate

    t = eqstate.nn.NegSoftplusT(1.0)
    x = jnp.array([0.5, -1.0])
    y = t.forward(x)
    assert bool(jnp.all(y < 1.0)) and jnp.allclose(t.inverse(y), x, atol=1e-5)
    ```

    Args:
        upper: the upper bound of the output.
    """

    def __init__(self, upper: ArrayLike) -> None:
        super().__init__(upper)

    def forward(self, x: ArrayLike) -> Array:
        return self.lower - jax.nn.softplus(-jnp.asarray(x))

    def inverse(self, y: ArrayLike) -> Array:
        s = self.lower - jnp.asarray(y)
        return -(s + jnp.log(-jnp.expm1(-s)))
