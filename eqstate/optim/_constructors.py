"""The familiar optimizers, each a one-line `OptaxOptimizer` over an optax alias.

Arguments use PyTorch's names (`betas`, `eps`, `weight_decay`). Where the optax
alias has no weight decay of its own, `weight_decay` adds the L2 term
`weight_decay * param` to the gradient before the alias (PyTorch's coupled
decay, `optax.add_decayed_weights`); `AdamW`, `Lamb`, `Lars`, `Lion` and
`Adadelta` pass it to optax, which applies it as that algorithm defines.
Every constructor takes `grad_clip_norm` and `grad_clip_value` (applied to
the gradients first) and `lr` as a number, an `LRScheduler` or an optax
schedule.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import optax

from ._optimizer import OptaxOptimizer
from ._schedules import LearningRate

__all__ = [
    "SGD",
    "Adadelta",
    "Adagrad",
    "Adam",
    "AdamW",
    "Adamax",
    "Lamb",
    "Lars",
    "Lion",
    "Momentum",
    "Nadam",
    "RAdam",
    "RMSprop",
]

Betas = tuple[float, float]


def _build(
    alias: Callable[..., optax.GradientTransformation],
    lr: LearningRate,
    l2: float,
    grad_clip_norm: float | None,
    grad_clip_value: float | None,
    **kwargs: Any,
) -> OptaxOptimizer:
    """An optimizer over `alias(learning_rate, **kwargs)`, L2 decay `l2` in front."""

    def factory(learning_rate: Any) -> optax.GradientTransformation:
        tx = alias(learning_rate, **kwargs)
        if l2:
            return optax.chain(optax.add_decayed_weights(l2), tx)
        return tx

    factory.__name__ = getattr(alias, "__name__", "factory")
    return OptaxOptimizer(
        factory, lr, grad_clip_norm=grad_clip_norm, grad_clip_value=grad_clip_value
    )


def SGD(
    lr: LearningRate = 1e-3,
    momentum: float = 0.0,
    nesterov: bool = False,
    weight_decay: float = 0.0,
    grad_clip_norm: float | None = None,
    grad_clip_value: float | None = None,
) -> OptaxOptimizer:
    """Stochastic gradient descent, optionally with (Nesterov) momentum.

    `optax.sgd`; `weight_decay` adds `weight_decay * param` to the gradient.

    ```python
    import jax.numpy as jnp
    import eqstate
    import eqstate.optim as optim

    w = eqstate.ParamState(jnp.ones(2))
    opt = optim.SGD(lr=0.1)
    opt.register_trainable_weights([w])
    opt.update([jnp.ones(2)])
    assert jnp.allclose(w.value, 0.9)
    ```
    """
    return _build(
        optax.sgd,
        lr,
        weight_decay,
        grad_clip_norm,
        grad_clip_value,
        momentum=momentum or None,
        nesterov=nesterov,
    )


def Momentum(
    lr: LearningRate = 1e-3,
    momentum: float = 0.9,
    nesterov: bool = False,
    weight_decay: float = 0.0,
    grad_clip_norm: float | None = None,
    grad_clip_value: float | None = None,
) -> OptaxOptimizer:
    """SGD with momentum 0.9 by default (`optax.sgd(lr, momentum)`).

    ```python
    import eqstate.optim as optim

    opt = optim.Momentum(lr=0.01, momentum=0.9, nesterov=True)
    ```
    """
    return SGD(lr, momentum, nesterov, weight_decay, grad_clip_norm, grad_clip_value)


def Adam(
    lr: LearningRate = 1e-3,
    betas: Betas = (0.9, 0.999),
    eps: float = 1e-8,
    weight_decay: float = 0.0,
    amsgrad: bool = False,
    grad_clip_norm: float | None = None,
    grad_clip_value: float | None = None,
) -> OptaxOptimizer:
    """Adam (`optax.adam`), or AMSGrad (`optax.amsgrad`) with `amsgrad=True`.

    `weight_decay` is the coupled L2 term of PyTorch's `Adam`; for decoupled
    decay use `AdamW`.

    ```python
    import eqstate.optim as optim

    opt = optim.Adam(lr=optim.ExponentialDecayLR(1e-2, decay_steps=100, decay_rate=0.99))
    ```

    References:
        Kingma & Ba, "Adam: A Method for Stochastic Optimization", 2014.
    """
    alias = optax.amsgrad if amsgrad else optax.adam
    return _build(
        alias,
        lr,
        weight_decay,
        grad_clip_norm,
        grad_clip_value,
        b1=betas[0],
        b2=betas[1],
        eps=eps,
    )


def AdamW(
    lr: LearningRate = 1e-3,
    betas: Betas = (0.9, 0.999),
    eps: float = 1e-8,
    weight_decay: float = 1e-2,
    grad_clip_norm: float | None = None,
    grad_clip_value: float | None = None,
) -> OptaxOptimizer:
    """Adam with decoupled weight decay (`optax.adamw`).

    ```python
    import eqstate.optim as optim

    opt = optim.AdamW(lr=1e-3, weight_decay=1e-2)
    ```

    References:
        Loshchilov & Hutter, "Decoupled Weight Decay Regularization", 2019.
    """
    return _build(
        optax.adamw,
        lr,
        0.0,
        grad_clip_norm,
        grad_clip_value,
        b1=betas[0],
        b2=betas[1],
        eps=eps,
        weight_decay=weight_decay,
    )


def RMSprop(
    lr: LearningRate = 1e-2,
    alpha: float = 0.99,
    eps: float = 1e-8,
    weight_decay: float = 0.0,
    momentum: float = 0.0,
    centered: bool = False,
    grad_clip_norm: float | None = None,
    grad_clip_value: float | None = None,
) -> OptaxOptimizer:
    """RMSprop (`optax.rmsprop`) with PyTorch's defaults and `eps` outside the root.

    ```python
    import eqstate.optim as optim

    opt = optim.RMSprop(lr=1e-2, alpha=0.99, centered=True)
    ```
    """
    return _build(
        optax.rmsprop,
        lr,
        weight_decay,
        grad_clip_norm,
        grad_clip_value,
        decay=alpha,
        eps=eps,
        eps_in_sqrt=False,
        centered=centered,
        momentum=momentum or None,
    )


def Adagrad(
    lr: LearningRate = 1e-2,
    eps: float = 1e-10,
    initial_accumulator_value: float = 0.0,
    weight_decay: float = 0.0,
    grad_clip_norm: float | None = None,
    grad_clip_value: float | None = None,
) -> OptaxOptimizer:
    """Adagrad (`optax.adagrad`).

    ```python
    import eqstate.optim as optim

    opt = optim.Adagrad(lr=1e-2)
    ```
    """
    return _build(
        optax.adagrad,
        lr,
        weight_decay,
        grad_clip_norm,
        grad_clip_value,
        initial_accumulator_value=initial_accumulator_value,
        eps=eps,
    )


def Adadelta(
    lr: LearningRate = 1.0,
    rho: float = 0.9,
    eps: float = 1e-6,
    weight_decay: float = 0.0,
    grad_clip_norm: float | None = None,
    grad_clip_value: float | None = None,
) -> OptaxOptimizer:
    """Adadelta (`optax.adadelta`).

    ```python
    import eqstate.optim as optim

    opt = optim.Adadelta(lr=1.0, rho=0.9)
    ```
    """
    return _build(
        optax.adadelta,
        lr,
        0.0,
        grad_clip_norm,
        grad_clip_value,
        rho=rho,
        eps=eps,
        weight_decay=weight_decay,
    )


def Adamax(
    lr: LearningRate = 2e-3,
    betas: Betas = (0.9, 0.999),
    eps: float = 1e-8,
    weight_decay: float = 0.0,
    grad_clip_norm: float | None = None,
    grad_clip_value: float | None = None,
) -> OptaxOptimizer:
    """Adamax, Adam with the infinity norm (`optax.adamax`).

    ```python
    import eqstate.optim as optim

    opt = optim.Adamax(lr=2e-3)
    ```
    """
    return _build(
        optax.adamax,
        lr,
        weight_decay,
        grad_clip_norm,
        grad_clip_value,
        b1=betas[0],
        b2=betas[1],
        eps=eps,
    )


def Nadam(
    lr: LearningRate = 2e-3,
    betas: Betas = (0.9, 0.999),
    eps: float = 1e-8,
    weight_decay: float = 0.0,
    grad_clip_norm: float | None = None,
    grad_clip_value: float | None = None,
) -> OptaxOptimizer:
    """Adam with Nesterov momentum (`optax.nadam`).

    ```python
    import eqstate.optim as optim

    opt = optim.Nadam(lr=2e-3)
    ```
    """
    return _build(
        optax.nadam,
        lr,
        weight_decay,
        grad_clip_norm,
        grad_clip_value,
        b1=betas[0],
        b2=betas[1],
        eps=eps,
    )


def RAdam(
    lr: LearningRate = 1e-3,
    betas: Betas = (0.9, 0.999),
    eps: float = 1e-8,
    weight_decay: float = 0.0,
    threshold: float = 5.0,
    grad_clip_norm: float | None = None,
    grad_clip_value: float | None = None,
) -> OptaxOptimizer:
    """Rectified Adam (`optax.radam`).

    ```python
    import eqstate.optim as optim

    opt = optim.RAdam(lr=1e-3)
    ```
    """
    return _build(
        optax.radam,
        lr,
        weight_decay,
        grad_clip_norm,
        grad_clip_value,
        b1=betas[0],
        b2=betas[1],
        eps=eps,
        threshold=threshold,
    )


def Lamb(
    lr: LearningRate = 1e-3,
    betas: Betas = (0.9, 0.999),
    eps: float = 1e-6,
    weight_decay: float = 0.0,
    grad_clip_norm: float | None = None,
    grad_clip_value: float | None = None,
) -> OptaxOptimizer:
    """LAMB, layer-wise adaptive Adam for large batches (`optax.lamb`).

    ```python
    import eqstate.optim as optim

    opt = optim.Lamb(lr=1e-3, weight_decay=1e-2)
    ```
    """
    return _build(
        optax.lamb,
        lr,
        0.0,
        grad_clip_norm,
        grad_clip_value,
        b1=betas[0],
        b2=betas[1],
        eps=eps,
        weight_decay=weight_decay,
    )


def Lars(
    lr: LearningRate = 1.0,
    momentum: float = 0.9,
    weight_decay: float = 0.0,
    trust_coefficient: float = 1e-3,
    eps: float = 0.0,
    nesterov: bool = False,
    grad_clip_norm: float | None = None,
    grad_clip_value: float | None = None,
) -> OptaxOptimizer:
    """LARS, layer-wise adaptive rate scaling (`optax.lars`).

    ```python
    import eqstate.optim as optim

    opt = optim.Lars(lr=0.1, momentum=0.9)
    ```
    """
    return _build(
        optax.lars,
        lr,
        0.0,
        grad_clip_norm,
        grad_clip_value,
        weight_decay=weight_decay,
        trust_coefficient=trust_coefficient,
        eps=eps,
        momentum=momentum,
        nesterov=nesterov,
    )


def Lion(
    lr: LearningRate = 1e-4,
    betas: Betas = (0.9, 0.99),
    weight_decay: float = 0.0,
    grad_clip_norm: float | None = None,
    grad_clip_value: float | None = None,
) -> OptaxOptimizer:
    """Lion, the sign-momentum optimizer (`optax.lion`; decoupled weight decay).

    ```python
    import eqstate.optim as optim

    opt = optim.Lion(lr=1e-4)
    ```
    """
    return _build(
        optax.lion,
        lr,
        0.0,
        grad_clip_norm,
        grad_clip_value,
        b1=betas[0],
        b2=betas[1],
        weight_decay=weight_decay,
    )
