"""`Nadam` and `RAdam`, the rectified / Nesterov variants of Adam.

Like the classes in `_classic`, each is an `OptaxOptimizer` subclass with
braintools 0.3.0's parameters and defaults. `Nadam` computes PyTorch's
momentum-scheduled direction here (optax's `nadam` has no schedule);
`RAdam` is `optax.radam`.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import optax

from ._optimizer import OptaxOptimizer
from ._schedules import LearningRate
from ._transformation import _decayed

__all__ = ["Nadam", "RAdam"]

Betas = tuple[float, float]


class _NadamState(NamedTuple):
    step: jax.Array
    mu_product: jax.Array
    mu: Any
    nu: Any


def _scale_by_nadam(
    b1: float, b2: float, eps: float, momentum_decay: float
) -> optax.GradientTransformation:
    """PyTorch's NAdam direction, with its momentum schedule (Dozat, 2016).

    The momentum at step $t$ is $\\mu_t = b_1 (1 - 0.96^{t \\psi} / 2)$, $\\psi$ =
    `momentum_decay`; the step mixes the gradient and the first moment with
    the running product of the $\\mu_t$. optax's `nadam` has no schedule.
    """

    def init(params: Any) -> _NadamState:
        return _NadamState(
            jnp.zeros((), jnp.int32),
            jnp.ones((), jnp.float32),
            optax.tree_utils.tree_zeros_like(params),
            optax.tree_utils.tree_zeros_like(params),
        )

    def update(updates: Any, state: Any, params: Any = None) -> Any:
        del params
        count = state.step + 1
        t = count.astype(jnp.float32)
        mu_t = b1 * (1.0 - 0.5 * 0.96 ** (t * momentum_decay))
        mu_next = b1 * (1.0 - 0.5 * 0.96 ** ((t + 1.0) * momentum_decay))
        product = state.mu_product * mu_t
        mu = optax.tree_utils.tree_update_moment(updates, state.mu, b1, 1)
        nu = optax.tree_utils.tree_update_moment_per_elem_norm(updates, state.nu, b2, 2)
        correction = 1.0 - b2**t

        def direction(g: jax.Array, m: jax.Array, v: jax.Array) -> jax.Array:
            denom = jnp.sqrt(v / correction) + eps
            now = (1.0 - mu_t) / (1.0 - product) * g
            ahead = mu_next / (1.0 - product * mu_next) * m
            return (now + ahead) / denom

        out = jax.tree.map(direction, updates, mu, nu)
        return out, _NadamState(count, product, mu, nu)

    return optax.GradientTransformation(init, update)


class Nadam(OptaxOptimizer):
    """Adam with Nesterov momentum and PyTorch's momentum schedule (NAdam).

    braintools' (and PyTorch's) NAdam: the momentum warms up as
    `b1 * (1 - 0.96**(t * momentum_decay) / 2)`. optax's `nadam` has no such
    schedule, so the direction is computed here and the
    rest is optax.

    ```python
    import eqstate.optim as optim

    opt = optim.Nadam(lr=2e-3, momentum_decay=4e-3)
    assert opt.momentum_decay == 4e-3
    ```

    Args:
        lr: the learning rate.
        betas: the decay rates of the moments.
        eps: added to the denominator.
        weight_decay: the coupled L2 decay.
        momentum_decay: $\\psi$ of the momentum schedule.
        grad_clip_norm: clip the gradients' global norm first.
        grad_clip_value: clip each gradient element.

    References:
        Dozat, "Incorporating Nesterov Momentum into Adam", 2016.
    """

    def __init__(
        self,
        lr: LearningRate = 2e-3,
        betas: Betas = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        momentum_decay: float = 4e-3,
        grad_clip_norm: float | None = None,
        grad_clip_value: float | None = None,
    ):
        self.betas: Betas = betas
        self.eps: float = eps
        self.momentum_decay: float = momentum_decay
        super().__init__(None, lr, weight_decay, grad_clip_norm, grad_clip_value)

    def default_tx(self, learning_rate: Any = None) -> optax.GradientTransformation:
        b1, b2 = self.betas
        tx = optax.chain(
            _scale_by_nadam(b1, b2, self.eps, self.momentum_decay),
            optax.scale_by_learning_rate(self._rate(learning_rate)),
        )
        return _decayed(self.weight_decay, tx)


class RAdam(OptaxOptimizer):
    """Rectified Adam (`optax.radam`).

    ```python
    import eqstate.optim as optim

    opt = optim.RAdam(lr=1e-3)
    assert opt.eps == 1e-8
    ```

    Args:
        lr: the learning rate.
        betas: the decay rates of the moments.
        eps: added to the denominator.
        weight_decay: the coupled L2 decay.
        grad_clip_norm: clip the gradients' global norm first.
        grad_clip_value: clip each gradient element.
    """

    def __init__(
        self,
        lr: LearningRate = 1e-3,
        betas: Betas = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        grad_clip_norm: float | None = None,
        grad_clip_value: float | None = None,
    ):
        self.betas: Betas = betas
        self.eps: float = eps
        super().__init__(None, lr, weight_decay, grad_clip_norm, grad_clip_value)

    def default_tx(self, learning_rate: Any = None) -> optax.GradientTransformation:
        b1, b2 = self.betas
        tx = optax.radam(self._rate(learning_rate), b1, b2, self.eps)
        return _decayed(self.weight_decay, tx)
