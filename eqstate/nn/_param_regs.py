"""Regularizations of parameters (`L1Reg`, `L2Reg`, `ElasticNetReg`, `GaussianReg`, ...).

A regularization has `loss(value)` (added to a training loss through
`Module.reg_loss()`), `sample_init(shape)` (a draw from the prior it encodes,
from `eqstate.random`) and `reset_value()` (the prior's typical value, used by
`Param.reset_to_prior`). With `fit_hyper=True` its hyperparameters (the prior's
location and scale, not `weight`) are `ParamState`s, trained with the rest.
"""

from __future__ import annotations

import math
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jax import Array

from .._state import State
from .._state_kinds import ParamState
from ..typing import ArrayLike, Size
from ._module import Module, init_module

__all__ = [
    "ChainedReg",
    "ElasticNetReg",
    "GaussianReg",
    "GroupLassoReg",
    "HuberReg",
    "L1Reg",
    "L2Reg",
    "Regularization",
    "TotalVariationReg",
]


def _shape(shape: Size) -> tuple[int, ...]:
    if isinstance(shape, (int, np.integer)):
        return (int(shape),)
    return tuple(int(n) for n in shape)


def _key() -> Array:
    from .. import random

    return random.split_key()


def _v(x: Any) -> Array:
    return x.value if isinstance(x, State) else x


def _pos(x: Any) -> Array:
    return jax.nn.relu(_v(x)) + 1e-8


def _laplace(scale: Array, shape: Size) -> Array:
    u = jax.random.uniform(_key(), _shape(shape)) - 0.5
    return scale * jnp.sign(u) * jnp.log(1 - 2 * jnp.abs(u) + 1e-8)


def _gauss(std: Any, shape: Size) -> Array:
    return std * jax.random.normal(_key(), _shape(shape))


class Regularization(Module):
    """Base class of parameter regularizations (priors).

    ```python
    import jax.numpy as jnp
    import eqstate

    class Quartic(eqstate.nn.Regularization):
        def loss(self, value):
            return jnp.sum(value**4)

    assert Quartic().loss(jnp.array([1.0, 2.0])) == 17.0
    ```

    Args:
        fit_hyper: make the hyperparameters `ParamState`s (trainable).
    """

    fit_hyper: bool = eqx.field(static=True)

    def __init__(self, fit_hyper: bool = False) -> None:
        init_module(self)
        self.fit_hyper = fit_hyper

    def _hyper(self, value: ArrayLike, fit: bool = True) -> Any:
        value = jnp.asarray(value, dtype=jnp.float32)
        return ParamState(value) if (fit and self.fit_hyper) else value

    def loss(self, value: ArrayLike) -> ArrayLike:
        """The penalty for `value` (a scalar)."""
        raise NotImplementedError(f"{type(self).__name__} does not define loss.")

    def sample_init(self, shape: Size) -> ArrayLike:
        """A draw of the given shape from the prior this regularization encodes."""
        raise NotImplementedError(f"{type(self).__name__} does not define sample_init.")

    def reset_value(self) -> ArrayLike:
        """The prior's typical value (where the loss is smallest)."""
        raise NotImplementedError(f"{type(self).__name__} does not define reset_value.")


class ChainedReg(Regularization):
    """The weighted sum of several regularizations' losses; sampling and reset
    follow the first one.

    ```python
    import jax.numpy as jnp
    import eqstate

    reg = eqstate.nn.ChainedReg(eqstate.nn.L1Reg(), eqstate.nn.L2Reg(), weight=0.5)
    assert reg.loss(jnp.array([2.0])) == 0.5 * (2.0 + 4.0)
    ```

    Args:
        *regularizations: the regularizations.
        weight: the factor on the summed loss.
        fit_hyper: make the hyperparameters trainable.
    """

    regularizations: tuple[Regularization, ...]

    def __init__(
        self,
        *regularizations: Regularization,
        weight: float = 1.0,
        fit_hyper: bool = False,
    ) -> None:
        super().__init__(fit_hyper)
        self.regularizations = tuple(regularizations)
        self.weight: Array = jnp.asarray(weight, jnp.float32)

    def loss(self, value: ArrayLike) -> ArrayLike:
        if not self.regularizations:
            return 0.0
        return self.weight * sum(r.loss(value) for r in self.regularizations)  # type: ignore[return-value]

    def sample_init(self, shape: Size) -> ArrayLike:
        if not self.regularizations:
            return jnp.zeros(_shape(shape))
        return self.regularizations[0].sample_init(shape)

    def reset_value(self) -> ArrayLike:
        return self.regularizations[0].reset_value() if self.regularizations else 0.0


class GaussianReg(Regularization):
    """A Gaussian prior: `weight * (sum(p * (x - mean)**2) - sum(log p))` with the
    precision `p = 1 / std**2`.

    ```python
    import jax.numpy as jnp
    import eqstate

    reg = eqstate.nn.GaussianReg(mean=1.0, std=1.0)
    assert abs(float(reg.loss(jnp.array([1.0])))) < 1e-5
    assert reg.reset_value() == 1.0
    ```

    Args:
        mean: the prior mean.
        std: the prior standard deviation.
        weight: the factor on the loss.
        fit_hyper: make `mean` and the precision trainable.
    """

    def __init__(
        self,
        mean: ArrayLike,
        std: ArrayLike,
        weight: float = 1.0,
        fit_hyper: bool = False,
    ) -> None:
        super().__init__(fit_hyper)
        std = jnp.asarray(std, jnp.float32)
        self.mean: Any = self._hyper(mean)
        self.precision: Any = self._hyper(1.0 / (std**2 + 1e-8))
        self.weight: Array = jnp.asarray(weight, jnp.float32)

    def loss(self, value: ArrayLike) -> ArrayLike:
        prec = jax.nn.relu(_v(self.precision)) + 1e-6
        data = jnp.sum(prec * (jnp.asarray(value) - _v(self.mean)) ** 2)
        return self.weight * (data - jnp.sum(jnp.log(prec)))

    def sample_init(self, shape: Size) -> ArrayLike:
        std = 1.0 / jnp.sqrt(jax.nn.relu(_v(self.precision)) + 1e-8)
        return _v(self.mean) + _gauss(std, shape)

    def reset_value(self) -> ArrayLike:
        return _v(self.mean)


class L1Reg(Regularization):
    """`weight * sum(|x|)` (a Laplace prior; encourages sparsity).

    ```python
    import jax.numpy as jnp
    import eqstate

    assert eqstate.nn.L1Reg(0.1).loss(jnp.array([1.0, -2.0])) == 0.1 * 3.0
    ```

    Args:
        weight: the factor on the loss.
        fit_hyper: unused (kept for a uniform signature).
    """

    def __init__(self, weight: float = 1.0, fit_hyper: bool = False) -> None:
        super().__init__(fit_hyper)
        self.weight: Array = jnp.asarray(weight, jnp.float32)

    def loss(self, value: ArrayLike) -> ArrayLike:
        return self.weight * jnp.sum(jnp.abs(jnp.asarray(value)))

    def sample_init(self, shape: Size) -> ArrayLike:
        return _laplace(1.0 / (self.weight + 1e-8), shape)

    def reset_value(self) -> ArrayLike:
        return 0.0


class L2Reg(Regularization):
    """`relu(weight) * sum(x**2)` (a zero-mean Gaussian prior; weight decay).

    ```python
    import jax.numpy as jnp
    import eqstate

    assert eqstate.nn.L2Reg(0.5).loss(jnp.array([1.0, 2.0])) == 2.5
    ```

    Args:
        weight: the factor on the loss.
        fit_hyper: unused (kept for a uniform signature).
    """

    def __init__(self, weight: float = 1.0, fit_hyper: bool = False) -> None:
        super().__init__(fit_hyper)
        self.weight: Array = jnp.asarray(weight, jnp.float32)

    def loss(self, value: ArrayLike) -> ArrayLike:
        return jax.nn.relu(self.weight) * jnp.sum(jnp.asarray(value) ** 2)

    def sample_init(self, shape: Size) -> ArrayLike:
        return _gauss(1.0 / jnp.sqrt(_pos(self.weight)), shape)

    def reset_value(self) -> ArrayLike:
        return 0.0


class ElasticNetReg(Regularization):
    """`alpha * l1_weight * sum(|x|) + (1 - alpha) * l2_weight * sum(x**2)`, with
    `alpha` clipped to `[0, 1]`.

    ```python
    import jax.numpy as jnp
    import eqstate

    reg = eqstate.nn.ElasticNetReg(alpha=0.5)
    assert reg.loss(jnp.array([2.0])) == 0.5 * 2.0 + 0.5 * 4.0
    ```

    Args:
        l1_weight: the factor on the L1 part.
        l2_weight: the factor on the L2 part.
        alpha: the mix (1: pure L1, 0: pure L2).
        fit_hyper: make `alpha` trainable.
    """

    def __init__(
        self,
        l1_weight: float = 1.0,
        l2_weight: float = 1.0,
        alpha: float = 0.5,
        fit_hyper: bool = False,
    ) -> None:
        super().__init__(fit_hyper)
        self.l1_weight: Array = jnp.asarray(l1_weight, jnp.float32)
        self.l2_weight: Array = jnp.asarray(l2_weight, jnp.float32)
        self.alpha: Any = self._hyper(alpha)

    def loss(self, value: ArrayLike) -> ArrayLike:
        value = jnp.asarray(value)
        alpha = jnp.clip(_v(self.alpha), 0.0, 1.0)
        l1 = self.l1_weight * jnp.sum(jnp.abs(value))
        return alpha * l1 + (1.0 - alpha) * self.l2_weight * jnp.sum(value**2)

    def sample_init(self, shape: Size) -> ArrayLike:
        alpha = jnp.clip(_v(self.alpha), 0.0, 1.0)
        l2 = _gauss(1.0 / jnp.sqrt(_pos(self.l2_weight)), shape)
        return alpha * _laplace(1.0 / _pos(self.l1_weight), shape) + (1.0 - alpha) * l2

    def reset_value(self) -> ArrayLike:
        return 0.0


class HuberReg(Regularization):
    """The Huber penalty: quadratic `x**2 / 2` for `|x| <= delta`, linear
    `delta * (|x| - delta / 2)` beyond, summed and times `weight`.

    ```python
    import jax.numpy as jnp
    import eqstate

    reg = eqstate.nn.HuberReg(delta=1.0)
    assert reg.loss(jnp.array([0.5, 3.0])) == 0.125 + 2.5
    ```

    Args:
        weight: the factor on the loss.
        delta: where the quadratic part turns linear.
        fit_hyper: make `delta` trainable.
    """

    def __init__(
        self, weight: float = 1.0, delta: float = 1.0, fit_hyper: bool = False
    ) -> None:
        super().__init__(fit_hyper)
        self.weight: Array = jnp.asarray(weight, jnp.float32)
        self.delta: Any = self._hyper(delta)

    def loss(self, value: ArrayLike) -> ArrayLike:
        value = jnp.asarray(value)
        delta = _pos(self.delta)
        size = jnp.abs(value)
        huber = jnp.where(size <= delta, 0.5 * value**2, delta * (size - 0.5 * delta))
        return self.weight * jnp.sum(huber)

    def sample_init(self, shape: Size) -> ArrayLike:
        return _gauss(1.0 / jnp.sqrt(_pos(self.weight)), shape)

    def reset_value(self) -> ArrayLike:
        return 0.0


class GroupLassoReg(Regularization):
    """`weight * sum of the L2 norms of consecutive groups of `group_size` entries`
    (the flattened value, zero-padded to whole groups): removes whole groups.

    ```python
    import jax.numpy as jnp
    import eqstate

    reg = eqstate.nn.GroupLassoReg(group_size=2)
    assert abs(float(reg.loss(jnp.array([3.0, 4.0, 0.0, 0.0]))) - 5.0) < 1e-3
    ```

    Args:
        weight: the factor on the loss.
        group_size: the number of entries per group.
        fit_hyper: unused (kept for a uniform signature).

    Raises:
        ValueError: if `group_size` is not a positive int.
    """

    group_size: int = eqx.field(static=True)

    def __init__(
        self, weight: float = 1.0, group_size: int = 1, fit_hyper: bool = False
    ) -> None:
        super().__init__(fit_hyper)
        if not isinstance(group_size, int) or group_size <= 0:
            raise ValueError(
                f"GroupLassoReg: group_size must be a positive int, got {group_size!r}; "
                "e.g. GroupLassoReg(group_size=4)."
            )
        self.weight: Array = jnp.asarray(weight, jnp.float32)
        self.group_size = group_size

    def loss(self, value: ArrayLike) -> ArrayLike:
        flat = jnp.reshape(jnp.asarray(value), (-1,))
        flat = jnp.pad(flat, (0, -flat.shape[0] % self.group_size))
        groups = jnp.reshape(flat, (-1, self.group_size))
        return self.weight * jnp.sum(jnp.sqrt(jnp.sum(groups**2, axis=1) + 1e-8))

    def sample_init(self, shape: Size) -> ArrayLike:
        return _gauss(1.0 / jnp.sqrt(_pos(self.weight)), shape)

    def reset_value(self) -> ArrayLike:
        return 0.0


class TotalVariationReg(Regularization):
    """`weight * sum(|differences|)` of the flattened value, of order 1
    (`x[i+1] - x[i]`) or 2 (`x[i+2] - 2 x[i+1] + x[i]`): favours smooth profiles.

    ```python
    import jax.numpy as jnp
    import eqstate

    assert eqstate.nn.TotalVariationReg().loss(jnp.array([0.0, 1.0, 0.0])) == 2.0
    ```

    Args:
        weight: the factor on the loss.
        order: 1 or 2.
        fit_hyper: unused (kept for a uniform signature).

    Raises:
        ValueError: if `order` is neither 1 nor 2.
    """

    order: int = eqx.field(static=True)

    def __init__(
        self, weight: float = 1.0, order: int = 1, fit_hyper: bool = False
    ) -> None:
        super().__init__(fit_hyper)
        if order not in (1, 2):
            raise ValueError(f"TotalVariationReg: order must be 1 or 2, got {order!r}.")
        self.weight: Array = jnp.asarray(weight, jnp.float32)
        self.order = order

    def loss(self, value: ArrayLike) -> ArrayLike:
        flat = jnp.reshape(jnp.asarray(value), (-1,))
        if self.order == 1:
            diff = flat[1:] - flat[:-1]
        else:
            diff = flat[2:] - 2 * flat[1:-1] + flat[:-2]
        return self.weight * jnp.sum(jnp.abs(diff))

    def sample_init(self, shape: Size) -> ArrayLike:
        shape = _shape(shape)
        noise = _gauss(1.0 / jnp.sqrt(_pos(self.weight)), shape)
        return jnp.cumsum(noise.reshape(-1)).reshape(shape) / math.sqrt(
            math.prod(shape)
        )

    def reset_value(self) -> ArrayLike:
        return 0.0
