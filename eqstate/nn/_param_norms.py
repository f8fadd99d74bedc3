"""Norm and structure regularizations: `MaxNormReg`, `SpectralNormReg`,
`OrthogonalReg`, `EntropyReg`."""

from __future__ import annotations

import math
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
from jax import Array

from ..typing import ArrayLike, Size
from ._param_regs import Regularization, _key, _pos, _shape

__all__ = [
    "EntropyReg",
    "MaxNormReg",
    "OrthogonalReg",
    "SpectralNormReg",
]


class MaxNormReg(Regularization):
    """`weight * relu(||x|| - max_value)**2`: free below a norm budget.

    ```python
    import jax.numpy as jnp
    import eqstate

    reg = eqstate.nn.MaxNormReg(max_value=1.0)
    assert float(reg.loss(jnp.array([0.6, 0.0]))) == 0.0
    assert float(reg.loss(jnp.array([3.0, 4.0]))) > 15.9
    ```

    Args:
        weight: the factor on the loss.
        max_value: the norm allowed without penalty.
        fit_hyper: make `max_value` trainable.
    """

    def __init__(
        self, weight: float = 1.0, max_value: float = 1.0, fit_hyper: bool = False
    ) -> None:
        super().__init__(fit_hyper)
        self.weight: Array = jnp.asarray(weight, jnp.float32)
        self.max_value: Any = self._hyper(max_value)

    def loss(self, value: ArrayLike) -> ArrayLike:
        norm = jnp.sqrt(jnp.sum(jnp.asarray(value) ** 2) + 1e-8)
        return self.weight * jax.nn.relu(norm - _pos(self.max_value)) ** 2

    def sample_init(self, shape: Size) -> ArrayLike:
        sample = jax.random.normal(_key(), _shape(shape))
        norm = jnp.sqrt(jnp.sum(sample**2) + 1e-8)
        return sample * _pos(self.max_value) / (norm + 1e-8) * 0.5

    def reset_value(self) -> ArrayLike:
        return 0.0


class EntropyReg(Regularization):
    """The entropy of `softmax(x.flatten())`, times `-weight` when maximizing
    (spread-out values) or `weight` when minimizing (peaked values).

    ```python
    import jax.numpy as jnp
    import eqstate

    reg = eqstate.nn.EntropyReg()
    assert float(reg.loss(jnp.zeros(4))) < float(reg.loss(jnp.array([5.0, 0, 0, 0])))
    ```

    Args:
        weight: the factor on the loss.
        maximize: reward (True) or penalise (False) entropy.
        fit_hyper: unused (kept for a uniform signature).
    """

    maximize: bool = eqx.field(static=True)

    def __init__(
        self, weight: float = 1.0, maximize: bool = True, fit_hyper: bool = False
    ) -> None:
        super().__init__(fit_hyper)
        self.weight: Array = jnp.asarray(weight, jnp.float32)
        self.maximize = maximize

    def loss(self, value: ArrayLike) -> ArrayLike:
        flat = jnp.reshape(jnp.asarray(value), (-1,))
        e = jnp.exp(flat - jnp.max(flat))
        probs = e / (jnp.sum(e) + 1e-8)
        entropy = -jnp.sum(probs * jnp.log(probs + 1e-8))
        return (-self.weight if self.maximize else self.weight) * entropy

    def sample_init(self, shape: Size) -> ArrayLike:
        if self.maximize:
            return jnp.zeros(_shape(shape))
        return jax.random.normal(_key(), _shape(shape))

    def reset_value(self) -> ArrayLike:
        return 0.0


def _as_matrix(value: Array) -> Array:
    if value.ndim == 1:
        n = int(math.isqrt(value.shape[0]))
        return value.reshape(n, n) if n * n == value.shape[0] else value.reshape(-1, 1)
    return value.reshape(value.shape[0], -1) if value.ndim > 2 else value


class OrthogonalReg(Regularization):
    """`weight * ||W^T W - I||_F^2` (a 1-d value of square length is read as a
    square matrix, a higher-rank one flattened after its first axis).

    ```python
    import jax.numpy as jnp
    import eqstate

    assert float(eqstate.nn.OrthogonalReg().loss(jnp.eye(3))) == 0.0
    ```

    Args:
        weight: the factor on the loss.
        fit_hyper: unused (kept for a uniform signature).
    """

    def __init__(self, weight: float = 1.0, fit_hyper: bool = False) -> None:
        super().__init__(fit_hyper)
        self.weight: Array = jnp.asarray(weight, jnp.float32)

    def loss(self, value: ArrayLike) -> ArrayLike:
        value = jnp.asarray(value)
        if value.ndim == 0:
            return self.weight * (jnp.abs(value) - 1.0) ** 2
        w = _as_matrix(value)
        gram = w.T @ w
        return self.weight * jnp.sum((gram - jnp.eye(gram.shape[0])) ** 2)

    def sample_init(self, shape: Size) -> ArrayLike:
        shape = _shape(shape)
        if len(shape) == 1:
            side = math.ceil(math.sqrt(shape[0]))
            q, _ = jnp.linalg.qr(jax.random.normal(_key(), (side, side)))
            return q.reshape(-1)[: shape[0]]
        if len(shape) == 2:
            m, n = shape
            q, _ = jnp.linalg.qr(jax.random.normal(_key(), (max(m, n), min(m, n))))
            return q if m >= n else q.T  # orthonormal columns (or rows)
        return jax.random.normal(_key(), shape) * 0.1

    def reset_value(self) -> ArrayLike:
        return 0.0


class SpectralNormReg(Regularization):
    """`weight * relu(sigma_max(W) - max_value)**2`, with the largest singular
    value computed exactly (an SVD).

    ```python
    import jax.numpy as jnp
    import eqstate

    reg = eqstate.nn.SpectralNormReg(max_value=1.0)
    assert float(reg.loss(jnp.eye(2) * 0.5)) == 0.0
    assert abs(float(reg.loss(jnp.eye(2) * 3.0)) - 4.0) < 1e-4
    ```

    Args:
        weight: the factor on the loss.
        max_value: the allowed spectral norm.
        n_power_iterations: accepted for brainstate compatibility (the norm is exact).
        fit_hyper: make `max_value` trainable.
    """

    n_power_iterations: int = eqx.field(static=True)

    def __init__(
        self,
        weight: float = 1.0,
        max_value: float = 1.0,
        n_power_iterations: int = 1,
        fit_hyper: bool = False,
    ) -> None:
        super().__init__(fit_hyper)
        self.weight: Array = jnp.asarray(weight, jnp.float32)
        self.max_value: Any = self._hyper(max_value)
        self.n_power_iterations = n_power_iterations

    @staticmethod
    def _norm(w: Array) -> Array:
        if w.ndim == 0:
            return jnp.abs(w)
        if w.ndim == 1:
            return jnp.sqrt(jnp.sum(w**2))
        w = w.reshape(w.shape[0], -1) if w.ndim > 2 else w
        return jnp.linalg.svd(w, compute_uv=False)[0]

    def loss(self, value: ArrayLike) -> ArrayLike:
        sigma = self._norm(jnp.asarray(value))
        return self.weight * jax.nn.relu(sigma - _pos(self.max_value)) ** 2

    def sample_init(self, shape: Size) -> ArrayLike:
        sample = jax.random.normal(_key(), _shape(shape))
        return sample * _pos(self.max_value) / (self._norm(sample) + 1e-8)

    def reset_value(self) -> ArrayLike:
        return 0.0
