"""Activation layers with hyperparameters (`GELU`, `PReLU`, `Hardtanh`, ...); the
softmax family is in `_elementwise_softmax`."""

from __future__ import annotations

from typing import Any

import equinox as eqx
import jax.numpy as jnp
from jax import Array

from .._errors import EqstateError
from .._state_kinds import ParamState
from ..typing import ArrayLike
from . import _activations as F
from ._elementwise import ElementWiseBlock
from ._module import init_module

__all__ = [
    "CELU",
    "ELU",
    "GELU",
    "GLU",
    "Hardshrink",
    "Hardtanh",
    "LeakyReLU",
    "PReLU",
    "RReLU",
    "ReLU6",
    "Softshrink",
    "SpikeBitwise",
    "Threshold",
]


class Threshold(ElementWiseBlock):
    """`x` where `x > threshold`, else `value`.

    ```python
    import jax.numpy as jnp
    import eqstate

    act = eqstate.nn.Threshold(0.5, -1.0)
    assert act(jnp.array([0.25, 2.0])).tolist() == [-1.0, 2.0]
    ```

    Args:
        threshold: the threshold.
        value: what replaces the inputs at or below it.
    """

    threshold: float = eqx.field(static=True)
    value: float = eqx.field(static=True)

    def __init__(self, threshold: float, value: float) -> None:
        init_module(self)
        self.threshold = threshold
        self.value = value

    def update(self, x: ArrayLike) -> Array:
        x = jnp.asarray(x)
        return jnp.where(x > self.threshold, x, jnp.asarray(self.value, x.dtype))


class RReLU(ElementWiseBlock):
    """Randomized leaky ReLU (`rrelu`): negative inputs scaled by a slope drawn
    from `[lower, upper)` per element.

    ```python
    import jax.numpy as jnp
    import eqstate

    eqstate.random.seed(0)
    y = eqstate.nn.RReLU()(jnp.array([-1.0, 1.0]))
    assert -1 / 3 <= float(y[0]) <= -0.125 and float(y[1]) == 1.0
    ```

    Args:
        lower: the smallest slope.
        upper: the largest slope.
    """

    lower: float = eqx.field(static=True)
    upper: float = eqx.field(static=True)

    def __init__(self, lower: float = 1.0 / 8, upper: float = 1.0 / 3) -> None:
        init_module(self)
        self.lower = lower
        self.upper = upper

    def update(self, x: ArrayLike) -> Array:
        return F.rrelu(x, self.lower, self.upper)


class Hardtanh(ElementWiseBlock):
    """Clips its input to `[min_val, max_val]` (`hard_tanh`).

    ```python
    import jax.numpy as jnp
    import eqstate

    act = eqstate.nn.Hardtanh(-2.0, 2.0)
    assert act(jnp.array([-3.0, 1.0, 3.0])).tolist() == [-2.0, 1.0, 2.0]
    ```

    Args:
        min_val: the lower bound.
        max_val: the upper bound; must exceed `min_val`.

    Raises:
        ValueError: if `max_val <= min_val`.
    """

    min_val: float = eqx.field(static=True)
    max_val: float = eqx.field(static=True)

    def __init__(self, min_val: float = -1.0, max_val: float = 1.0) -> None:
        init_module(self)
        if max_val <= min_val:
            raise ValueError(
                f"Hardtanh: max_val ({max_val}) must be greater than min_val "
                f"({min_val}); e.g. Hardtanh(min_val=-1.0, max_val=1.0)."
            )
        self.min_val = min_val
        self.max_val = max_val

    def update(self, x: ArrayLike) -> Array:
        return F.hard_tanh(x, self.min_val, self.max_val)


class ReLU6(Hardtanh):
    """`min(max(x, 0), 6)`: a `Hardtanh` from 0 to 6.

    ```python
    import jax.numpy as jnp
    import eqstate

    assert eqstate.nn.ReLU6()(jnp.array([-1.0, 9.0])).tolist() == [0.0, 6.0]
    ```
    """

    def __init__(self) -> None:
        super().__init__(0.0, 6.0)


class ELU(ElementWiseBlock):
    """Exponential linear unit: `x` for `x > 0`, else `alpha * (exp(x) - 1)`.

    ```python
    import jax.numpy as jnp
    import eqstate

    assert eqstate.nn.ELU()(jnp.array([0.0, 2.0])).tolist() == [0.0, 2.0]
    ```

    Args:
        alpha: the scale of the negative part.
    """

    alpha: float = eqx.field(static=True)

    def __init__(self, alpha: float = 1.0) -> None:
        init_module(self)
        self.alpha = alpha

    def update(self, x: ArrayLike) -> Array:
        return F.elu(x, self.alpha)


class CELU(ElementWiseBlock):
    """Continuously differentiable ELU: `max(x, 0) + min(0, alpha * (exp(x / alpha) - 1))`.

    ```python
    import jax.numpy as jnp
    import eqstate

    assert eqstate.nn.CELU()(jnp.array([0.0, 2.0])).tolist() == [0.0, 2.0]
    ```

    Args:
        alpha: the scale of the negative part.
    """

    alpha: float = eqx.field(static=True)

    def __init__(self, alpha: float = 1.0) -> None:
        init_module(self)
        self.alpha = alpha

    def update(self, x: ArrayLike) -> Array:
        return F.celu(x, self.alpha)


class GLU(ElementWiseBlock):
    """Gated linear unit: splits `x` in two halves `a, b` along `dim`, returns
    `a * sigmoid(b)` (so `dim` halves in size).

    ```python
    import jax.numpy as jnp
    import eqstate

    assert eqstate.nn.GLU()(jnp.ones((3, 4))).shape == (3, 2)
    ```

    Args:
        dim: the axis that is split.
    """

    dim: int = eqx.field(static=True)

    def __init__(self, dim: int = -1) -> None:
        init_module(self)
        self.dim = dim

    def update(self, x: ArrayLike) -> Array:
        return F.glu(jnp.asarray(x), self.dim)


class GELU(ElementWiseBlock):
    """Gaussian error linear unit, exact (`approximate=False`, the default) or
    with the tanh approximation.

    ```python
    import jax.numpy as jnp
    import eqstate

    x = jnp.array([-1.0, 0.0, 1.0])
    assert jnp.allclose(eqstate.nn.GELU()(x), eqstate.nn.gelu(x, approximate=False))
    ```

    Args:
        approximate: use the tanh approximation.
    """

    approximate: bool = eqx.field(static=True)

    def __init__(self, approximate: bool = False) -> None:
        init_module(self)
        self.approximate = approximate

    def update(self, x: ArrayLike) -> Array:
        return F.gelu(x, approximate=self.approximate)


class Hardshrink(ElementWiseBlock):
    """`x` where `|x| > lambd`, else zero (`hard_shrink`).

    ```python
    import jax.numpy as jnp
    import eqstate

    assert eqstate.nn.Hardshrink()(jnp.array([0.1, 1.0])).tolist() == [0.0, 1.0]
    ```

    Args:
        lambd: the threshold.
    """

    lambd: float = eqx.field(static=True)

    def __init__(self, lambd: float = 0.5) -> None:
        init_module(self)
        self.lambd = lambd

    def update(self, x: ArrayLike) -> Array:
        return F.hard_shrink(x, self.lambd)


class LeakyReLU(ElementWiseBlock):
    """`x` for `x >= 0`, else `negative_slope * x`.

    ```python
    import jax.numpy as jnp
    import eqstate

    y = eqstate.nn.LeakyReLU(0.5)(jnp.array([-2.0, 2.0]))
    assert y.tolist() == [-1.0, 2.0]
    ```

    Args:
        negative_slope: the slope for negative inputs.
    """

    negative_slope: float = eqx.field(static=True)

    def __init__(self, negative_slope: float = 1e-2) -> None:
        init_module(self)
        self.negative_slope = negative_slope

    def update(self, x: ArrayLike) -> Array:
        return F.leaky_relu(x, self.negative_slope)


class Softshrink(ElementWiseBlock):
    """Moves `x` towards zero by `lambd` (`soft_shrink`).

    ```python
    import jax.numpy as jnp
    import eqstate

    assert eqstate.nn.Softshrink()(jnp.array([0.1, 1.0])).tolist() == [0.0, 0.5]
    ```

    Args:
        lambd: the shrinkage.
    """

    lambd: float = eqx.field(static=True)

    def __init__(self, lambd: float = 0.5) -> None:
        init_module(self)
        self.lambd = lambd

    def update(self, x: ArrayLike) -> Array:
        return F.soft_shrink(x, self.lambd)


class PReLU(ElementWiseBlock):
    """Parametric ReLU with a trainable slope `weight` (a `ParamState` of
    `num_parameters` entries, broadcast over the last axis).

    ```python
    import jax.numpy as jnp
    import eqstate

    act = eqstate.nn.PReLU()
    assert act(jnp.array([-4.0, 2.0])).tolist() == [-1.0, 2.0]
    assert list(act.states(eqstate.ParamState)) == [("weight",)]
    ```

    Args:
        num_parameters: the number of slopes (1, or the number of features).
        init: the initial slope.
        dtype: the slopes' dtype.
    """

    num_parameters: int = eqx.field(static=True)

    def __init__(
        self, num_parameters: int = 1, init: float = 0.25, dtype: Any = None
    ) -> None:
        init_module(self)
        self.num_parameters = num_parameters
        self.weight: ParamState[Array] = ParamState(
            jnp.ones(num_parameters, dtype=dtype) * init
        )

    def update(self, x: ArrayLike) -> Array:
        return F.prelu(x, self.weight.value)


_SPIKE_OPS = {
    "or": lambda x, y: x + y - x * y,
    "and": lambda x, y: x * y,
    "iand": lambda x, y: (1 - x) * y,
    "xor": lambda x, y: x + y - 2 * x * y,
    "ixor": lambda x, y: x * (1 - y) + (1 - x) * y,
}


class SpikeBitwise(ElementWiseBlock):
    """A bitwise operation on two 0/1 spike arrays, written arithmetically so it
    is differentiable: `op` is `'or'`, `'and'`, `'iand'` (`not x and y`),
    `'xor'` or `'ixor'`.

    ```python
    import jax.numpy as jnp
    import eqstate

    op = eqstate.nn.SpikeBitwise("or")
    x, y = jnp.array([0.0, 1.0, 1.0]), jnp.array([0.0, 0.0, 1.0])
    assert op(x, y).tolist() == [0.0, 1.0, 1.0]
    ```

    Args:
        op: the operation.
        name: an optional name.

    Raises:
        EqstateError: when the spikes are combined with an unknown `op`.
    """

    op: str = eqx.field(static=True)

    def __init__(self, op: str = "add", name: str | None = None) -> None:
        init_module(self, name)
        self.op = op

    def update(self, x: ArrayLike, y: ArrayLike) -> Array:
        fn = _SPIKE_OPS.get(self.op)
        if fn is None:
            raise EqstateError(
                f"SpikeBitwise: unknown op {self.op!r}; use one of "
                f"{sorted(_SPIKE_OPS)}, e.g. SpikeBitwise('or')."
            )
        return fn(jnp.asarray(x), jnp.asarray(y))
