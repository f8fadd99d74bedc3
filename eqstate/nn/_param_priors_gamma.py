"""Priors sampled through gamma variates (`GammaReg`, `BetaReg`,
`InverseGammaReg`, `DirichletReg`): negative log-densities up to constants.

As in `_param_priors`, shapes and scales pass through `relu(.) + 1e-8` so that
a trained (`fit_hyper=True`) hyperparameter stays valid.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
from jax import Array
from jax.scipy.special import gammaln

from ..typing import ArrayLike, Size
from ._param_regs import Regularization, _key, _pos, _shape

__all__ = ["BetaReg", "DirichletReg", "GammaReg", "InverseGammaReg"]


class GammaReg(Regularization):
    """Gamma(`alpha`, rate `beta`) prior on positive values.

    ```python
    import jax.numpy as jnp
    import eqstate

    reg = eqstate.nn.GammaReg(alpha=2.0, beta=1.0)
    assert abs(float(reg.reset_value()) - 1.0) < 1e-6  # the mode
    ```

    Args:
        weight: the factor on the loss.
        alpha: the shape.
        beta: the rate.
        fit_hyper: make `alpha` and `beta` trainable.
    """

    def __init__(
        self,
        weight: float = 1.0,
        alpha: float = 2.0,
        beta: float = 1.0,
        fit_hyper: bool = False,
    ) -> None:
        super().__init__(fit_hyper)
        self.weight: Array = jnp.asarray(weight, jnp.float32)
        self.alpha: Any = self._hyper(alpha)
        self.beta: Any = self._hyper(beta)

    def loss(self, value: ArrayLike) -> ArrayLike:
        value = jnp.asarray(value)
        alpha, beta = _pos(self.alpha), _pos(self.beta)
        x = jax.nn.relu(value) + 1e-8
        data = jnp.sum(-(alpha - 1) * jnp.log(x) + beta * x)
        return self.weight * (
            data + value.size * (-alpha * jnp.log(beta) + gammaln(alpha))
        )

    def sample_init(self, shape: Size) -> ArrayLike:
        return jax.random.gamma(_key(), _pos(self.alpha), _shape(shape)) / _pos(
            self.beta
        )

    def reset_value(self) -> ArrayLike:
        return jnp.maximum((_pos(self.alpha) - 1) / _pos(self.beta), 1e-8)


class BetaReg(Regularization):
    """Beta(`a`, `b`) prior on values in `(0, 1)` (clipped into it).

    ```python
    import jax.numpy as jnp
    import eqstate

    reg = eqstate.nn.BetaReg(a=2.0, b=2.0)
    assert abs(float(reg.reset_value()) - 0.5) < 1e-6  # the mode
    ```

    Args:
        weight: the factor on the loss.
        a: the first shape.
        b: the second shape.
        fit_hyper: make `a` and `b` trainable.
    """

    def __init__(
        self,
        weight: float = 1.0,
        a: float = 2.0,
        b: float = 2.0,
        fit_hyper: bool = False,
    ) -> None:
        super().__init__(fit_hyper)
        self.weight: Array = jnp.asarray(weight, jnp.float32)
        self.a: Any = self._hyper(a)
        self.b: Any = self._hyper(b)

    def loss(self, value: ArrayLike) -> ArrayLike:
        value = jnp.asarray(value)
        a, b = _pos(self.a), _pos(self.b)
        x = jnp.clip(value, 1e-8, 1.0 - 1e-8)
        data = jnp.sum(-(a - 1) * jnp.log(x) - (b - 1) * jnp.log(1 - x))
        return self.weight * (
            data + value.size * (gammaln(a) + gammaln(b) - gammaln(a + b))
        )

    def sample_init(self, shape: Size) -> ArrayLike:
        return jax.random.beta(_key(), _pos(self.a), _pos(self.b), _shape(shape))

    def reset_value(self) -> ArrayLike:
        a, b = _pos(self.a), _pos(self.b)
        return jnp.clip((a - 1) / (a + b - 2 + 1e-8), 0.0, 1.0)


class InverseGammaReg(Regularization):
    """Inverse-gamma(`alpha`, scale `beta`) prior on positive values (variances).

    ```python
    import jax.numpy as jnp
    import eqstate

    reg = eqstate.nn.InverseGammaReg(alpha=2.0, beta=1.0)
    assert abs(float(reg.reset_value()) - 1.0 / 3.0) < 1e-6  # the mode
    ```

    Args:
        weight: the factor on the loss.
        alpha: the shape.
        beta: the scale.
        fit_hyper: make `alpha` and `beta` trainable.
    """

    def __init__(
        self,
        weight: float = 1.0,
        alpha: float = 2.0,
        beta: float = 1.0,
        fit_hyper: bool = False,
    ) -> None:
        super().__init__(fit_hyper)
        self.weight: Array = jnp.asarray(weight, jnp.float32)
        self.alpha: Any = self._hyper(alpha)
        self.beta: Any = self._hyper(beta)

    def loss(self, value: ArrayLike) -> ArrayLike:
        value = jnp.asarray(value)
        alpha, beta = _pos(self.alpha), _pos(self.beta)
        x = jax.nn.relu(value) + 1e-8
        data = jnp.sum((alpha + 1) * jnp.log(x) + beta / x)
        return self.weight * (
            data + value.size * (-alpha * jnp.log(beta) + gammaln(alpha))
        )

    def sample_init(self, shape: Size) -> ArrayLike:
        g = jax.random.gamma(_key(), _pos(self.alpha), _shape(shape))
        return _pos(self.beta) / (g + 1e-8)

    def reset_value(self) -> ArrayLike:
        return _pos(self.beta) / (_pos(self.alpha) + 1)


class DirichletReg(Regularization):
    """Dirichlet(`alpha`) prior on `softmax(x.flatten())`: `alpha < 1` favours
    sparse, `alpha > 1` even distributions.

    ```python
    import jax.numpy as jnp
    import eqstate

    reg = eqstate.nn.DirichletReg(alpha=2.0)
    assert float(reg.loss(jnp.zeros(3))) < float(reg.loss(jnp.array([9.0, 0, 0])))
    ```

    Args:
        weight: the factor on the loss.
        alpha: the concentration.
        fit_hyper: make `alpha` trainable.
    """

    def __init__(
        self, weight: float = 1.0, alpha: float = 1.0, fit_hyper: bool = False
    ) -> None:
        super().__init__(fit_hyper)
        self.weight: Array = jnp.asarray(weight, jnp.float32)
        self.alpha: Any = self._hyper(alpha)

    def loss(self, value: ArrayLike) -> ArrayLike:
        flat = jnp.reshape(jnp.asarray(value), (-1,))
        e = jnp.exp(flat - jnp.max(flat))
        probs = e / (jnp.sum(e) + 1e-8)
        return self.weight * jnp.sum(-(_pos(self.alpha) - 1) * jnp.log(probs + 1e-8))

    def sample_init(self, shape: Size) -> ArrayLike:
        g = jax.random.gamma(_key(), _pos(self.alpha), _shape(shape))
        return jnp.log(g / (jnp.sum(g) + 1e-8) + 1e-8)

    def reset_value(self) -> ArrayLike:
        return 0.0
