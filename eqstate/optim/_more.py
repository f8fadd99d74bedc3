"""More optimizers on optax: layer-wise, sign-based, factored, lookahead, L-BFGS."""

from __future__ import annotations

import warnings
from typing import Any

import optax

from ._optimizer import OptaxOptimizer
from ._schedules import LearningRate
from ._transformation import _decayed

__all__ = [
    "SM3",
    "AdaBelief",
    "Adafactor",
    "Fromage",
    "Lamb",
    "Lars",
    "Lion",
    "Novograd",
    "Rprop",
    "Yogi",
]

Betas = tuple[float, float]


class Lamb(OptaxOptimizer):
    """LAMB, layer-wise adaptive Adam for large batches (`optax.lamb`).

    ```python
    import eqstate.optim as optim

    opt = optim.Lamb(lr=1e-3, weight_decay=1e-2)
    assert opt.eps == 1e-6
    ```

    Args:
        lr: the learning rate.
        betas: the decay rates of the moments.
        eps: added to the denominator.
        weight_decay: decay added after the Adam scaling, before the trust ratio.
        grad_clip_norm: clip the gradients' global norm first.
        grad_clip_value: clip each gradient element.
    """

    def __init__(
        self,
        lr: LearningRate = 1e-3,
        betas: Betas = (0.9, 0.999),
        eps: float = 1e-6,
        weight_decay: float = 0.0,
        grad_clip_norm: float | None = None,
        grad_clip_value: float | None = None,
    ):
        self.betas: Betas = betas
        self.eps: float = eps
        super().__init__(None, lr, weight_decay, grad_clip_norm, grad_clip_value)

    def default_tx(self, learning_rate: Any = None) -> optax.GradientTransformation:
        b1, b2 = self.betas
        return optax.lamb(
            self._rate(learning_rate), b1, b2, self.eps, weight_decay=self.weight_decay
        )


class Lars(OptaxOptimizer):
    """LARS, layer-wise adaptive rate scaling with momentum (`optax.lars`).

    ```python
    import eqstate.optim as optim

    opt = optim.Lars(lr=0.1, momentum=0.9)
    assert opt.trust_coefficient == 1e-3
    ```

    Args:
        lr: the learning rate.
        momentum: the momentum.
        weight_decay: the decay added before the trust ratio.
        trust_coefficient: the trust ratio's coefficient.
        eps: added to the trust ratio's denominator.
        grad_clip_norm: clip the gradients' global norm first.
        grad_clip_value: clip each gradient element.
    """

    def __init__(
        self,
        lr: LearningRate = 1.0,
        momentum: float = 0.9,
        weight_decay: float = 0.0,
        trust_coefficient: float = 1e-3,
        eps: float = 1e-8,
        grad_clip_norm: float | None = None,
        grad_clip_value: float | None = None,
    ):
        self.momentum: float = momentum
        self.trust_coefficient: float = trust_coefficient
        self.eps: float = eps
        super().__init__(None, lr, weight_decay, grad_clip_norm, grad_clip_value)

    def default_tx(self, learning_rate: Any = None) -> optax.GradientTransformation:
        return optax.lars(
            self._rate(learning_rate),
            weight_decay=self.weight_decay,
            trust_coefficient=self.trust_coefficient,
            eps=self.eps,
            momentum=self.momentum,
        )


class Lion(OptaxOptimizer):
    """Lion, the sign-momentum optimizer (`optax.lion`; decoupled weight decay).

    ```python
    import eqstate.optim as optim

    opt = optim.Lion(lr=1e-4)
    assert opt.betas == (0.9, 0.99)
    ```

    Args:
        lr: the learning rate.
        betas: the interpolation and the momentum decay.
        weight_decay: the decoupled decay.
        grad_clip_norm: clip the gradients' global norm first.
        grad_clip_value: clip each gradient element.
    """

    def __init__(
        self,
        lr: LearningRate = 1e-4,
        betas: Betas = (0.9, 0.99),
        weight_decay: float = 0.0,
        grad_clip_norm: float | None = None,
        grad_clip_value: float | None = None,
    ):
        self.betas: Betas = betas
        super().__init__(None, lr, weight_decay, grad_clip_norm, grad_clip_value)

    def default_tx(self, learning_rate: Any = None) -> optax.GradientTransformation:
        b1, b2 = self.betas
        return optax.lion(
            self._rate(learning_rate), b1, b2, weight_decay=self.weight_decay
        )


class Yogi(OptaxOptimizer):
    """Yogi, Adam with an additive second-moment update (`optax.yogi`).

    ```python
    import eqstate.optim as optim

    opt = optim.Yogi(lr=1e-2)
    assert opt.eps == 1e-3
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
        eps: float = 1e-3,
        weight_decay: float = 0.0,
        grad_clip_norm: float | None = None,
        grad_clip_value: float | None = None,
    ):
        self.betas: Betas = betas
        self.eps: float = eps
        super().__init__(None, lr, weight_decay, grad_clip_norm, grad_clip_value)

    def default_tx(self, learning_rate: Any = None) -> optax.GradientTransformation:
        b1, b2 = self.betas
        tx = optax.yogi(self._rate(learning_rate), b1, b2, self.eps)
        return _decayed(self.weight_decay, tx)


class AdaBelief(OptaxOptimizer):
    """AdaBelief, Adam scaled by the belief in the gradient (`optax.adabelief`).

    ```python
    import eqstate.optim as optim

    opt = optim.AdaBelief(lr=1e-3)
    assert opt.eps == 1e-16
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
        eps: float = 1e-16,
        weight_decay: float = 0.0,
        grad_clip_norm: float | None = None,
        grad_clip_value: float | None = None,
    ):
        self.betas: Betas = betas
        self.eps: float = eps
        super().__init__(None, lr, weight_decay, grad_clip_norm, grad_clip_value)

    def default_tx(self, learning_rate: Any = None) -> optax.GradientTransformation:
        b1, b2 = self.betas
        tx = optax.adabelief(self._rate(learning_rate), b1, b2, self.eps)
        return _decayed(self.weight_decay, tx)


class Adafactor(OptaxOptimizer):
    """Adafactor's second-moment scaling, factored for large matrices.

    braintools 0.3.0's chain: `optax.scale_by_factored_rms(factored,
    decay_rate, eps[0])` (a matrix with both sides of at least 128 keeps only
    row and column averages of the squared gradients), then `weight_decay *
    param` added to that direction, then the rate. `lr=None` means 1e-3.

    !!! note
        As in braintools 0.3.0, `clip_threshold`, `beta1` and `eps[1]` are
        kept for its signature but not used: there is no update clipping, no
        momentum and no parameter-scale step (all of which `optax.adafactor`
        has). Setting one to a value other than its default warns.

    ```python
    import eqstate.optim as optim

    opt = optim.Adafactor(decay_rate=0.8)
    assert opt.base_lr == 1e-3
    ```

    Args:
        lr: the learning rate (None: 1e-3).
        eps: `eps[0]` regularizes the second moment; `eps[1]` is not used.
        clip_threshold: not used (braintools' signature).
        decay_rate: the decay exponent of the second-moment average.
        beta1: not used (braintools' signature).
        weight_decay: added to the scaled direction, `weight_decay * param`.
        factored: factor the second moment of matrices.
        grad_clip_norm: clip the gradients' global norm first.
        grad_clip_value: clip each gradient element.
    """

    def __init__(
        self,
        lr: LearningRate | None = None,
        eps: Betas = (1e-30, 1e-3),
        clip_threshold: float = 1.0,
        decay_rate: float = 0.8,
        beta1: float | None = None,
        weight_decay: float = 0.0,
        factored: bool = True,
        grad_clip_norm: float | None = None,
        grad_clip_value: float | None = None,
    ):
        unused = [
            f"{name}={value!r}"
            for name, value, default in (
                ("clip_threshold", clip_threshold, 1.0),
                ("beta1", beta1, None),
                ("eps[1]", eps[1], 1e-3),
            )
            if value != default
        ]
        if unused:
            warnings.warn(
                f"Adafactor({', '.join(unused)}): braintools 0.3.0's Adafactor, "
                "which eqstate follows, has no update clipping, momentum or "
                "parameter-scale step, so these are not used. Drop them, or use "
                "OptaxOptimizer(optax.adafactor, lr=...) for optax's full Adafactor.",
                UserWarning,
                stacklevel=2,
            )
        self.eps: Betas = eps
        self.clip_threshold: float = clip_threshold
        self.decay_rate: float = decay_rate
        self.beta1: float | None = beta1
        self.factored: bool = factored
        rate = 1e-3 if lr is None else lr
        super().__init__(None, rate, weight_decay, grad_clip_norm, grad_clip_value)

    def default_tx(self, learning_rate: Any = None) -> optax.GradientTransformation:
        parts = [
            optax.scale_by_factored_rms(
                factored=self.factored, decay_rate=self.decay_rate, epsilon=self.eps[0]
            )
        ]
        if self.weight_decay > 0:
            parts.append(optax.add_decayed_weights(self.weight_decay))
        parts.append(optax.scale_by_learning_rate(self._rate(learning_rate)))
        return optax.chain(*parts)


class Novograd(OptaxOptimizer):
    """NovoGrad, layer-wise normalized gradients (`optax.novograd`).

    ```python
    import eqstate.optim as optim

    opt = optim.Novograd(lr=1e-3)
    assert opt.betas == (0.9, 0.999)
    ```

    Args:
        lr: the learning rate.
        betas: the decay rates of the moments.
        eps: added to the denominator.
        weight_decay: NovoGrad's own decay.
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
        return optax.novograd(
            self._rate(learning_rate), b1, b2, self.eps, weight_decay=self.weight_decay
        )


class Rprop(OptaxOptimizer):
    """Rprop, sign-based steps with per-element step sizes (`optax.rprop`).

    `lr` is the initial step size.

    ```python
    import eqstate.optim as optim

    opt = optim.Rprop(lr=0.01, etas=(0.5, 1.2))
    assert opt.step_sizes == (1e-6, 50.0)
    ```

    Args:
        lr: the initial step size.
        etas: the factors applied on a sign change and on agreement.
        step_sizes: the bounds of the step sizes.
        grad_clip_norm: clip the gradients' global norm first.
        grad_clip_value: clip each gradient element.
    """

    def __init__(
        self,
        lr: LearningRate = 1e-2,
        etas: Betas = (0.5, 1.2),
        step_sizes: Betas = (1e-6, 50.0),
        grad_clip_norm: float | None = None,
        grad_clip_value: float | None = None,
    ):
        self.etas: Betas = etas
        self.step_sizes: Betas = step_sizes
        super().__init__(None, lr, 0.0, grad_clip_norm, grad_clip_value)

    def default_tx(self, learning_rate: Any = None) -> optax.GradientTransformation:
        return optax.rprop(
            self._rate(learning_rate),
            eta_minus=self.etas[0],
            eta_plus=self.etas[1],
            min_step_size=self.step_sizes[0],
            max_step_size=self.step_sizes[1],
        )


class SM3(OptaxOptimizer):
    """SM3, memory-efficient adaptive rates (`optax.scale_by_sm3`).

    ```python
    import eqstate.optim as optim

    opt = optim.SM3(lr=0.1)
    assert opt.momentum == 0.9
    ```

    Args:
        lr: the learning rate.
        momentum: the momentum.
        eps: added to the denominator.
        weight_decay: the coupled L2 decay.
        grad_clip_norm: clip the gradients' global norm first.
        grad_clip_value: clip each gradient element.
    """

    def __init__(
        self,
        lr: LearningRate = 1.0,
        momentum: float = 0.9,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        grad_clip_norm: float | None = None,
        grad_clip_value: float | None = None,
    ):
        self.momentum: float = momentum
        self.eps: float = eps
        super().__init__(None, lr, weight_decay, grad_clip_norm, grad_clip_value)

    def default_tx(self, learning_rate: Any = None) -> optax.GradientTransformation:
        tx = optax.chain(
            optax.scale_by_sm3(self.momentum, 1.0, self.eps),
            optax.scale_by_learning_rate(self._rate(learning_rate)),
        )
        return _decayed(self.weight_decay, tx)


class Fromage(OptaxOptimizer):
    """Fromage, steps relative to each layer's norm (`optax.fromage`).

    Fromage has no momentum: a nonzero `momentum` is ignored with a warning,
    as in braintools.

    ```python
    import eqstate.optim as optim

    opt = optim.Fromage(lr=0.01)
    assert opt.base_lr == 0.01
    ```

    Args:
        lr: the learning rate.
        momentum: ignored (kept for braintools' signature).
        grad_clip_norm: clip the gradients' global norm first.
        grad_clip_value: clip each gradient element.
    """

    def __init__(
        self,
        lr: LearningRate = 1.0,
        momentum: float = 0.0,
        grad_clip_norm: float | None = None,
        grad_clip_value: float | None = None,
    ):
        if momentum:
            warnings.warn(
                f"Fromage(momentum={momentum}): Fromage has no momentum term; the "
                "argument is ignored. Drop it.",
                UserWarning,
                stacklevel=2,
            )
        self.momentum: float = momentum
        super().__init__(None, lr, 0.0, grad_clip_norm, grad_clip_value)

    def default_tx(self, learning_rate: Any = None) -> optax.GradientTransformation:
        return optax.fromage(self._rate(learning_rate))
