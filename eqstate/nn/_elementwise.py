"""Activation layers: `ReLU`, `GELU`, `Softmax`, ... as element-wise modules.

Each is an `ElementWiseBlock`: its output has the shape of its input, so
`Sequential` passes the previous layer's `out_size` through it unchanged.
Hyperparameters are static fields; only `PReLU` holds a trainable `ParamState`.
"""

from __future__ import annotations

from jax import Array

from ..typing import ArrayLike
from . import _activations as F
from ._module import Module, init_module

__all__ = [
    "ElementWiseBlock",
    "Hardsigmoid",
    "Hardswish",
    "LogSigmoid",
    "Mish",
    "ReLU",
    "SELU",
    "SiLU",
    "Sigmoid",
    "Softplus",
    "Softsign",
    "Tanh",
    "Tanhshrink",
]


class ElementWiseBlock(Module):
    """Base class of layers whose output has the shape of their input.

    `Sequential` gives such a layer the previous layer's `out_size` as both its
    `in_size` and `out_size`.

    ```python
    import jax.numpy as jnp
    import eqstate

    class Double(eqstate.nn.ElementWiseBlock):
        def update(self, x):
            return 2 * x

    assert Double()(jnp.array([1.0])).tolist() == [2.0]
    ```

    Args:
        name: an optional name.
    """

    def __init__(self, name: str | None = None):
        init_module(self, name)


class ReLU(ElementWiseBlock):
    """Applies `relu` element-wise: max(x, 0).

    ```python
    import jax.numpy as jnp
    import eqstate

    act = eqstate.nn.ReLU()
    x = jnp.array([-1.0, 2.0])
    assert act(x).tolist() == [0.0, 2.0]
    ```

    Args:
        name: an optional name.
    """

    def __init__(self, name: str | None = None):
        init_module(self, name)

    def update(self, x: ArrayLike) -> Array:
        return F.relu(x)


class Sigmoid(ElementWiseBlock):
    """Applies `sigmoid` element-wise: the logistic function 1 / (1 + exp(-x)).

    ```python
    import jax.numpy as jnp
    import eqstate

    act = eqstate.nn.Sigmoid()
    x = jnp.array([0.0])
    assert act(x).tolist() == [0.5]
    ```

    Args:
        name: an optional name.
    """

    def __init__(self, name: str | None = None):
        init_module(self, name)

    def update(self, x: ArrayLike) -> Array:
        return F.sigmoid(x)


class Hardsigmoid(ElementWiseBlock):
    """Applies `hard_sigmoid` element-wise: relu6(x + 3) / 6.

    ```python
    import jax.numpy as jnp
    import eqstate

    act = eqstate.nn.Hardsigmoid()
    x = jnp.array([0.0])
    assert act(x).tolist() == [0.5]
    ```

    Args:
        name: an optional name.
    """

    def __init__(self, name: str | None = None):
        init_module(self, name)

    def update(self, x: ArrayLike) -> Array:
        return F.hard_sigmoid(x)


class Tanh(ElementWiseBlock):
    """Applies `tanh` element-wise: the hyperbolic tangent.

    ```python
    import jax.numpy as jnp
    import eqstate

    act = eqstate.nn.Tanh()
    x = jnp.array([0.0])
    assert act(x).tolist() == [0.0]
    ```

    Args:
        name: an optional name.
    """

    def __init__(self, name: str | None = None):
        init_module(self, name)

    def update(self, x: ArrayLike) -> Array:
        return F.tanh(x)


class SiLU(ElementWiseBlock):
    """Applies `silu` element-wise: x * sigmoid(x) (also called swish).

    ```python
    import jax.numpy as jnp
    import eqstate

    act = eqstate.nn.SiLU()
    x = jnp.array([0.0])
    assert act(x).tolist() == [0.0]
    ```

    Args:
        name: an optional name.
    """

    def __init__(self, name: str | None = None):
        init_module(self, name)

    def update(self, x: ArrayLike) -> Array:
        return F.silu(x)


class Mish(ElementWiseBlock):
    """Applies `mish` element-wise: x * tanh(softplus(x)).

    ```python
    import jax.numpy as jnp
    import eqstate

    act = eqstate.nn.Mish()
    x = jnp.array([0.0])
    assert act(x).tolist() == [0.0]
    ```

    Args:
        name: an optional name.
    """

    def __init__(self, name: str | None = None):
        init_module(self, name)

    def update(self, x: ArrayLike) -> Array:
        return F.mish(x)


class Hardswish(ElementWiseBlock):
    """Applies `hard_swish` element-wise: x * relu6(x + 3) / 6.

    ```python
    import jax.numpy as jnp
    import eqstate

    act = eqstate.nn.Hardswish()
    x = jnp.array([0.0, 3.0])
    assert act(x).tolist() == [0.0, 3.0]
    ```

    Args:
        name: an optional name.
    """

    def __init__(self, name: str | None = None):
        init_module(self, name)

    def update(self, x: ArrayLike) -> Array:
        return F.hard_swish(x)


class SELU(ElementWiseBlock):
    """Applies `selu` element-wise: the scaled exponential linear unit.

    ```python
    import jax.numpy as jnp
    import eqstate

    act = eqstate.nn.SELU()
    x = jnp.array([0.0])
    assert act(x).tolist() == [0.0]
    ```

    Args:
        name: an optional name.
    """

    def __init__(self, name: str | None = None):
        init_module(self, name)

    def update(self, x: ArrayLike) -> Array:
        return F.selu(x)


class LogSigmoid(ElementWiseBlock):
    """Applies `log_sigmoid` element-wise: log(sigmoid(x)).

    ```python
    import jax.numpy as jnp
    import eqstate

    act = eqstate.nn.LogSigmoid()
    x = jnp.array([0.0])
    assert jnp.allclose(act(x), eqstate.nn.log_sigmoid(x))
    ```

    Args:
        name: an optional name.
    """

    def __init__(self, name: str | None = None):
        init_module(self, name)

    def update(self, x: ArrayLike) -> Array:
        return F.log_sigmoid(x)


class Softplus(ElementWiseBlock):
    """Applies `softplus` element-wise: log(1 + exp(x)).

    ```python
    import jax.numpy as jnp
    import eqstate

    act = eqstate.nn.Softplus()
    x = jnp.array([0.0])
    assert jnp.allclose(act(x), eqstate.nn.softplus(x))
    ```

    Args:
        name: an optional name.
    """

    def __init__(self, name: str | None = None):
        init_module(self, name)

    def update(self, x: ArrayLike) -> Array:
        return F.softplus(x)


class Softsign(ElementWiseBlock):
    """Applies `soft_sign` element-wise: x / (1 + |x|).

    ```python
    import jax.numpy as jnp
    import eqstate

    act = eqstate.nn.Softsign()
    x = jnp.array([1.0])
    assert act(x).tolist() == [0.5]
    ```

    Args:
        name: an optional name.
    """

    def __init__(self, name: str | None = None):
        init_module(self, name)

    def update(self, x: ArrayLike) -> Array:
        return F.soft_sign(x)


class Tanhshrink(ElementWiseBlock):
    """Applies `tanh_shrink` element-wise: x - tanh(x).

    ```python
    import jax.numpy as jnp
    import eqstate

    act = eqstate.nn.Tanhshrink()
    x = jnp.array([0.0])
    assert act(x).tolist() == [0.0]
    ```

    Args:
        name: an optional name.
    """

    def __init__(self, name: str | None = None):
        init_module(self, name)

    def update(self, x: ArrayLike) -> Array:
        return F.tanh_shrink(x)
