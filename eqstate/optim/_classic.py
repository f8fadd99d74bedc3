"""The familiar optimizers, each an `OptaxOptimizer` subclass over optax.

Every class takes braintools 0.3.0's parameters, in its order, with its
defaults, and builds its transformation in `default_tx` from optax. Where
braintools adds `weight_decay * param` to the gradient before the algorithm
(PyTorch's coupled L2 decay) so do these; `AdamW` decays after the Adam
scaling (decoupled). Every constructor takes `grad_clip_norm` and
`grad_clip_value` (applied to the gradients first, in that order) and `lr` as
a number, an `LRScheduler` or an optax schedule.
"""

from __future__ import annotations

from typing import Any

import optax

from ._optimizer import OptaxOptimizer
from ._schedules import LearningRate
from ._transformation import _decayed

__all__ = [
    "SGD",
    "Adadelta",
    "Adagrad",
    "Adam",
    "AdamW",
    "Adamax",
    "Momentum",
    "MomentumNesterov",
    "RMSprop",
]

Betas = tuple[float, float]


class SGD(OptaxOptimizer):
    """Stochastic gradient descent, optionally with (Nesterov) momentum.

    `optax.sgd`, with `weight_decay * param` added to the gradient first.

    ```python
    import jax.numpy as jnp
    import eqstate
    import eqstate.optim as optim

    w = eqstate.ParamState(jnp.ones(2))
    opt = optim.SGD(0.1, 0.9, 5e-4)  # lr, momentum, weight_decay
    assert opt.weight_decay == 5e-4 and isinstance(opt, optim.Optimizer)
    opt.register_trainable_weights([w])
    opt.update([jnp.ones(2)])
    assert jnp.allclose(w.value, 1 - 0.1 * (1 + 5e-4))
    ```

    Args:
        lr: the learning rate.
        momentum: the momentum (0 for none).
        weight_decay: the coupled L2 decay.
        nesterov: use Nesterov momentum.
        grad_clip_norm: clip the gradients' global norm first.
        grad_clip_value: clip each gradient element.
    """

    def __init__(
        self,
        lr: LearningRate = 1e-3,
        momentum: float = 0.0,
        weight_decay: float = 0.0,
        nesterov: bool = False,
        grad_clip_norm: float | None = None,
        grad_clip_value: float | None = None,
    ):
        self.momentum: float = momentum
        self.nesterov: bool = nesterov
        super().__init__(None, lr, weight_decay, grad_clip_norm, grad_clip_value)

    def default_tx(self, learning_rate: Any = None) -> optax.GradientTransformation:
        tx = optax.sgd(self._rate(learning_rate), self.momentum or None, self.nesterov)
        return _decayed(self.weight_decay, tx)


class Momentum(OptaxOptimizer):
    """SGD with heavy-ball momentum (`optax.sgd(lr, momentum)`).

    ```python
    import eqstate.optim as optim

    opt = optim.Momentum(0.01, 0.9)
    assert isinstance(opt, optim.Momentum)
    ```

    Args:
        lr: the learning rate.
        momentum: the momentum.
        weight_decay: the coupled L2 decay.
        grad_clip_norm: clip the gradients' global norm first.
        grad_clip_value: clip each gradient element.
    """

    def __init__(
        self,
        lr: LearningRate = 1e-3,
        momentum: float = 0.9,
        weight_decay: float = 0.0,
        grad_clip_norm: float | None = None,
        grad_clip_value: float | None = None,
    ):
        self.momentum: float = momentum
        super().__init__(None, lr, weight_decay, grad_clip_norm, grad_clip_value)

    def default_tx(self, learning_rate: Any = None) -> optax.GradientTransformation:
        tx = optax.sgd(self._rate(learning_rate), self.momentum)
        return _decayed(self.weight_decay, tx)


class MomentumNesterov(OptaxOptimizer):
    """SGD with Nesterov momentum (`optax.sgd(lr, momentum, nesterov=True)`).

    ```python
    import eqstate.optim as optim

    opt = optim.MomentumNesterov(0.01, 0.9)
    assert opt.momentum == 0.9
    ```

    Args:
        lr: the learning rate.
        momentum: the momentum.
        weight_decay: the coupled L2 decay.
        grad_clip_norm: clip the gradients' global norm first.
        grad_clip_value: clip each gradient element.
    """

    def __init__(
        self,
        lr: LearningRate = 1e-3,
        momentum: float = 0.9,
        weight_decay: float = 0.0,
        grad_clip_norm: float | None = None,
        grad_clip_value: float | None = None,
    ):
        self.momentum: float = momentum
        super().__init__(None, lr, weight_decay, grad_clip_norm, grad_clip_value)

    def default_tx(self, learning_rate: Any = None) -> optax.GradientTransformation:
        tx = optax.sgd(self._rate(learning_rate), self.momentum, nesterov=True)
        return _decayed(self.weight_decay, tx)


class Adam(OptaxOptimizer):
    """Adam (`optax.adam`), or AMSGrad (`optax.amsgrad`) with `amsgrad=True`.

    `weight_decay` is the coupled L2 term of PyTorch's `Adam`; for decoupled
    decay use `AdamW`. `beta1`/`beta2`, when given, replace `betas[0]`/`betas[1]`.

    ```python
    import eqstate.optim as optim

    opt = optim.Adam(lr=optim.ExponentialDecayLR(1e-2, decay_steps=100, decay_rate=0.99))
    assert optim.Adam(beta2=0.99).betas == (0.9, 0.99)
    ```

    Args:
        lr: the learning rate.
        betas: the decay rates of the first and second moments.
        beta1: overrides `betas[0]`.
        beta2: overrides `betas[1]`.
        eps: added to the denominator.
        weight_decay: the coupled L2 decay.
        amsgrad: use the AMSGrad variant.
        grad_clip_norm: clip the gradients' global norm first.
        grad_clip_value: clip each gradient element.

    References:
        Kingma & Ba, "Adam: A Method for Stochastic Optimization", 2014.
    """

    def __init__(
        self,
        lr: LearningRate = 1e-3,
        betas: Betas = (0.9, 0.999),
        beta1: float | None = None,
        beta2: float | None = None,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        amsgrad: bool = False,
        grad_clip_norm: float | None = None,
        grad_clip_value: float | None = None,
    ):
        self.betas: tuple[float, float] = (
            betas[0] if beta1 is None else beta1,
            betas[1] if beta2 is None else beta2,
        )
        self.eps: float = eps
        self.amsgrad: bool = amsgrad
        super().__init__(None, lr, weight_decay, grad_clip_norm, grad_clip_value)

    def default_tx(self, learning_rate: Any = None) -> optax.GradientTransformation:
        alias = optax.amsgrad if self.amsgrad else optax.adam
        b1, b2 = self.betas
        tx = alias(self._rate(learning_rate), b1, b2, self.eps)
        return _decayed(self.weight_decay, tx)


class AdamW(OptaxOptimizer):
    """Adam with decoupled weight decay (`optax.adamw`).

    ```python
    import eqstate.optim as optim

    opt = optim.AdamW(lr=1e-3, weight_decay=1e-2)
    assert opt.weight_decay == 1e-2
    ```

    Args:
        lr: the learning rate.
        betas: the decay rates of the moments.
        eps: added to the denominator.
        weight_decay: the decoupled decay (scaled by the learning rate).
        grad_clip_norm: clip the gradients' global norm first.
        grad_clip_value: clip each gradient element.

    References:
        Loshchilov & Hutter, "Decoupled Weight Decay Regularization", 2019.
    """

    def __init__(
        self,
        lr: LearningRate = 1e-3,
        betas: Betas = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        grad_clip_norm: float | None = None,
        grad_clip_value: float | None = None,
    ):
        self.betas: Betas = betas
        self.eps: float = eps
        super().__init__(None, lr, weight_decay, grad_clip_norm, grad_clip_value)

    def default_tx(self, learning_rate: Any = None) -> optax.GradientTransformation:
        b1, b2 = self.betas
        return optax.adamw(
            self._rate(learning_rate), b1, b2, self.eps, weight_decay=self.weight_decay
        )


class RMSprop(OptaxOptimizer):
    """RMSprop: divide by the root of a running average of squared gradients.

    braintools 0.3.0's chain, with `eps` inside the root: with $v_t = \\alpha
    v_{t-1} + (1 - \\alpha) g_t^2$ the direction is $g_t / \\sqrt{v_t +
    \\epsilon}$ (`optax.scale_by_rms`); `centered=True` subtracts the squared
    running mean of the gradients inside the root (`optax.scale_by_stddev`).
    With `momentum`, that direction is accumulated (`optax.trace`) and the
    accumulated direction is scaled by the current rate. `weight_decay *
    param` is added to the gradient first. (PyTorch puts `eps` outside the
    root; for small second moments the steps differ.)

    ```python
    import eqstate.optim as optim

    opt = optim.RMSprop(lr=1e-2, alpha=0.99, centered=True)
    assert opt.centered
    ```

    Args:
        lr: the learning rate.
        alpha: the decay of the squared-gradient average.
        eps: added to the average inside the square root.
        weight_decay: the coupled L2 decay.
        momentum: the momentum (0 for none).
        centered: divide by the variance estimate instead of the second moment.
        grad_clip_norm: clip the gradients' global norm first.
        grad_clip_value: clip each gradient element.
    """

    def __init__(
        self,
        lr: LearningRate = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        momentum: float = 0.0,
        centered: bool = False,
        grad_clip_norm: float | None = None,
        grad_clip_value: float | None = None,
    ):
        self.alpha: float = alpha
        self.eps: float = eps
        self.momentum: float = momentum
        self.centered: bool = centered
        super().__init__(None, lr, weight_decay, grad_clip_norm, grad_clip_value)

    def default_tx(self, learning_rate: Any = None) -> optax.GradientTransformation:
        scale = optax.scale_by_stddev if self.centered else optax.scale_by_rms
        parts = [scale(decay=self.alpha, eps=self.eps)]
        if self.momentum > 0:
            parts.append(optax.trace(decay=self.momentum))
        parts.append(optax.scale_by_learning_rate(self._rate(learning_rate)))
        return _decayed(self.weight_decay, optax.chain(*parts))


class Adagrad(OptaxOptimizer):
    """Adagrad (`optax.adagrad`); `lr_decay` divides the rate by `1 + t * lr_decay`.

    ```python
    import eqstate.optim as optim

    opt = optim.Adagrad(lr=1e-2, lr_decay=1e-3)
    assert opt.lr_decay == 1e-3
    ```

    Args:
        lr: the learning rate.
        lr_decay: the decay of the rate with the update count.
        weight_decay: the coupled L2 decay.
        initial_accumulator_value: the initial sum of squares.
        eps: added to the denominator.
        grad_clip_norm: clip the gradients' global norm first.
        grad_clip_value: clip each gradient element.
    """

    def __init__(
        self,
        lr: LearningRate = 1e-2,
        lr_decay: float = 0.0,
        weight_decay: float = 0.0,
        initial_accumulator_value: float = 0.0,
        eps: float = 1e-10,
        grad_clip_norm: float | None = None,
        grad_clip_value: float | None = None,
    ):
        self.lr_decay: float = lr_decay
        self.initial_accumulator_value: float = initial_accumulator_value
        self.eps: float = eps
        super().__init__(None, lr, weight_decay, grad_clip_norm, grad_clip_value)

    def default_tx(self, learning_rate: Any = None) -> optax.GradientTransformation:
        tx = optax.adagrad(
            self._rate(learning_rate),
            initial_accumulator_value=self.initial_accumulator_value,
            eps=self.eps,
        )
        if self.lr_decay:
            decay = self.lr_decay
            tx = optax.chain(
                tx, optax.scale_by_schedule(lambda count: 1.0 / (1.0 + count * decay))
            )
        return _decayed(self.weight_decay, tx)


class Adadelta(OptaxOptimizer):
    """Adadelta (`optax.adadelta`).

    ```python
    import eqstate.optim as optim

    opt = optim.Adadelta(lr=1.0, rho=0.9)
    assert opt.rho == 0.9
    ```

    Args:
        lr: the learning rate.
        rho: the decay of the running averages.
        eps: added inside the roots.
        weight_decay: the coupled L2 decay.
        grad_clip_norm: clip the gradients' global norm first.
        grad_clip_value: clip each gradient element.
    """

    def __init__(
        self,
        lr: LearningRate = 1.0,
        rho: float = 0.9,
        eps: float = 1e-6,
        weight_decay: float = 0.0,
        grad_clip_norm: float | None = None,
        grad_clip_value: float | None = None,
    ):
        self.rho: float = rho
        self.eps: float = eps
        super().__init__(None, lr, weight_decay, grad_clip_norm, grad_clip_value)

    def default_tx(self, learning_rate: Any = None) -> optax.GradientTransformation:
        tx = optax.adadelta(self._rate(learning_rate), rho=self.rho, eps=self.eps)
        return _decayed(self.weight_decay, tx)


class Adamax(OptaxOptimizer):
    """Adamax, Adam with the infinity norm (`optax.adamax`).

    ```python
    import eqstate.optim as optim

    opt = optim.Adamax(lr=2e-3)
    assert opt.betas == (0.9, 0.999)
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
        lr: LearningRate = 2e-3,
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
        tx = optax.adamax(self._rate(learning_rate), b1, b2, self.eps)
        return _decayed(self.weight_decay, tx)
