"""The schedules built on an optax schedule function of the position:
`StepLR`, `MultiStepLR`, `ExponentialLR`, `ExponentialDecayLR`,
`CosineAnnealingLR`, `PolynomialLR` and `LinearLR` (see `_schedules` for how
a schedule's position is kept and advanced)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import jax
import optax
from jax.typing import ArrayLike

from .._errors import EqstateError
from ._schedules import LRScheduler, _f32, check_base_lr

__all__ = [
    "CosineAnnealingLR",
    "ExponentialDecayLR",
    "ExponentialLR",
    "LinearLR",
    "MultiStepLR",
    "PolynomialLR",
    "StepLR",
]


class _OptaxSchedule(LRScheduler):
    """A schedule given by an optax schedule function of the position,
    `make(base_lr)`: made from the current `base_lr` at each call, so a new
    `base_lr` (or `base_lrs`) holds from then on."""

    def __init__(
        self,
        make: Callable[[float], Callable[[Any], Any]],
        base_lr: float,
        last_epoch: int,
    ):
        self._make = make
        super().__init__(base_lr, last_epoch)

    def __call__(self, epoch: ArrayLike) -> jax.Array:
        return _f32(self._make(self.base_lr)(epoch))


class StepLR(_OptaxSchedule):
    r"""Multiply the rate by `gamma` every `step_size` epochs.

    $\eta_e = \eta_0 \gamma^{\lfloor e / \text{step\_size} \rfloor}$, built on
    `optax.exponential_decay(..., staircase=True)`.

    ```python
    import eqstate.optim as optim

    schedule = optim.StepLR(0.1, step_size=2, gamma=0.5)
    schedule.step()
    schedule.step()
    assert abs(float(schedule.current_lr) - 0.05) < 1e-9
    ```

    Args:
        base_lr: the initial rate.
        step_size: epochs between two decays.
        gamma: the decay factor.
        last_epoch: the initial position.
    """

    def __init__(
        self,
        base_lr: float = 1e-3,
        step_size: int = 30,
        gamma: float = 0.1,
        last_epoch: int = 0,
    ):
        if step_size <= 0:
            raise EqstateError(f"StepLR: step_size must be > 0; got {step_size}.")
        self.step_size: int = step_size
        self.gamma: float = gamma
        base = check_base_lr("StepLR", base_lr)
        super().__init__(
            lambda b: optax.exponential_decay(b, step_size, gamma, staircase=True),
            base,
            last_epoch,
        )


class MultiStepLR(_OptaxSchedule):
    """Multiply the rate by `gamma` at each milestone epoch.

    Built on `optax.piecewise_constant_schedule`.

    ```python
    import eqstate.optim as optim

    schedule = optim.MultiStepLR(1.0, milestones=[1, 3], gamma=0.1)
    assert [round(float(schedule(e)), 6) for e in range(4)] == [1.0, 0.1, 0.1, 0.01]
    ```

    Args:
        base_lr: the initial rate.
        milestones: the epochs at which the rate decays.
        gamma: the decay factor.
        last_epoch: the initial position.
    """

    def __init__(
        self,
        base_lr: float = 1e-3,
        milestones: Sequence[int] = (30, 60, 90),
        gamma: float = 0.1,
        last_epoch: int = 0,
    ):
        self.milestones: list[int] = sorted(int(m) for m in milestones)
        self.gamma: float = gamma
        scales: dict[int, float] = {}
        for m in self.milestones:  # a repeated milestone decays twice
            scales[m] = scales.get(m, 1.0) * gamma
        base = check_base_lr("MultiStepLR", base_lr)
        super().__init__(
            lambda b: optax.piecewise_constant_schedule(b, scales), base, last_epoch
        )


class ExponentialLR(_OptaxSchedule):
    r"""Multiply the rate by `gamma` every epoch: $\eta_e = \eta_0 \gamma^e$.

    Built on `optax.exponential_decay`.

    ```python
    import eqstate.optim as optim

    schedule = optim.ExponentialLR(1.0, gamma=0.5)
    assert float(schedule(3)) == 0.125
    ```

    Args:
        base_lr: the initial rate.
        gamma: the factor per epoch.
        last_epoch: the initial position.
    """

    def __init__(self, base_lr: float = 1e-3, gamma: float = 0.95, last_epoch: int = 0):
        self.gamma: float = gamma
        base = check_base_lr("ExponentialLR", base_lr)
        super().__init__(
            lambda b: optax.exponential_decay(b, 1, gamma), base, last_epoch
        )


class ExponentialDecayLR(_OptaxSchedule):
    r"""Exponential decay by steps: $\eta_t = \eta_0 \cdot r^{(t - t_0) / s}$.

    Built on `optax.exponential_decay`. $t$ counts `.step()` calls: call it
    once per update for a per-update decay (without `.step()` the rate stays
    at $\eta_0$).

    ```python
    import eqstate.optim as optim

    schedule = optim.ExponentialDecayLR(1e-2, decay_steps=100, decay_rate=0.99)
    assert abs(float(schedule(100)) - 0.0099) < 1e-7
    ```

    Args:
        base_lr: the initial rate $\eta_0$.
        decay_steps: the number of steps $s$ over which the rate is
            multiplied by `decay_rate`.
        decay_rate: the factor $r$.
        transition_begin: steps $t_0$ to hold the initial rate before decaying.
        staircase: decay in discrete jumps every `decay_steps` steps.
        end_value: a bound the rate never crosses.
        last_epoch: the initial position.
    """

    def __init__(
        self,
        base_lr: float = 1e-3,
        decay_steps: int = 1000,
        decay_rate: float = 0.96,
        transition_begin: int = 0,
        staircase: bool = False,
        end_value: float | None = None,
        last_epoch: int = 0,
    ):
        if decay_steps <= 0:
            raise EqstateError(
                f"ExponentialDecayLR: decay_steps must be > 0; got {decay_steps}."
            )
        base = check_base_lr("ExponentialDecayLR", base_lr)
        super().__init__(
            lambda b: optax.exponential_decay(
                b, decay_steps, decay_rate, transition_begin, staircase, end_value
            ),
            base,
            last_epoch,
        )


class CosineAnnealingLR(_OptaxSchedule):
    r"""Cosine annealing from `base_lr` to `eta_min` over `T_max` epochs.

    $\eta_e = \eta_{min} + (\eta_0 - \eta_{min})(1 + \cos(\pi e / T_{max}))/2$,
    built on `optax.cosine_decay_schedule`; stays at `eta_min` after `T_max`.

    ```python
    import eqstate.optim as optim

    schedule = optim.CosineAnnealingLR(1.0, T_max=10)
    assert abs(float(schedule(5)) - 0.5) < 1e-6
    ```

    Args:
        base_lr: the initial rate.
        T_max: epochs until the minimum.
        eta_min: the minimum rate.
        last_epoch: the initial position.
    """

    def __init__(
        self,
        base_lr: float = 1e-3,
        T_max: int = 50,
        eta_min: float = 0.0,
        last_epoch: int = 0,
    ):
        if T_max <= 0:
            raise EqstateError(f"CosineAnnealingLR: T_max must be > 0; got {T_max}.")
        base = check_base_lr("CosineAnnealingLR", base_lr)
        self.T_max: int = T_max
        self.eta_min: float = eta_min
        super().__init__(
            lambda b: _shifted(
                optax.cosine_decay_schedule(b - eta_min, T_max), eta_min
            ),
            base,
            last_epoch,
        )


class PolynomialLR(_OptaxSchedule):
    r"""Polynomial decay to zero: $\eta_e = \eta_0 (1 - \min(e, T)/T)^p$.

    Built on `optax.polynomial_schedule`.

    ```python
    import eqstate.optim as optim

    schedule = optim.PolynomialLR(1.0, total_iters=4, power=2.0)
    assert float(schedule(2)) == 0.25 and float(schedule(9)) == 0.0
    ```

    Args:
        base_lr: the initial rate.
        total_iters: epochs until the rate reaches zero.
        power: the exponent $p$.
        last_epoch: the initial position.
    """

    def __init__(
        self,
        base_lr: float = 1e-3,
        total_iters: int = 5,
        power: float = 1.0,
        last_epoch: int = 0,
    ):
        if total_iters <= 0:
            raise EqstateError(
                f"PolynomialLR: total_iters must be > 0; got {total_iters}."
            )
        self.total_iters: int = total_iters
        self.power: float = power
        base = check_base_lr("PolynomialLR", base_lr)
        super().__init__(
            lambda b: optax.polynomial_schedule(b, 0.0, power, total_iters),
            base,
            last_epoch,
        )


class LinearLR(_OptaxSchedule):
    """Scale the rate linearly from `start_factor` to `end_factor`.

    Built on `optax.linear_schedule`; stays at `base_lr * end_factor` after
    `total_iters` epochs.

    ```python
    import eqstate.optim as optim

    schedule = optim.LinearLR(1.0, start_factor=0.5, end_factor=1.0, total_iters=2)
    assert [float(schedule(e)) for e in range(4)] == [0.5, 0.75, 1.0, 1.0]
    ```

    Args:
        base_lr: the rate the factors multiply.
        start_factor: the factor at epoch 0.
        end_factor: the factor from epoch `total_iters` on.
        total_iters: epochs of the linear ramp.
        last_epoch: the initial position.
    """

    def __init__(
        self,
        base_lr: float = 1e-3,
        start_factor: float = 1.0 / 3,
        end_factor: float = 1.0,
        total_iters: int = 5,
        last_epoch: int = 0,
    ):
        base = check_base_lr("LinearLR", base_lr)
        self.start_factor: float = start_factor
        self.end_factor: float = end_factor
        self.total_iters: int = total_iters
        super().__init__(
            lambda b: optax.linear_schedule(
                b * start_factor, b * end_factor, max(total_iters, 0)
            ),
            base,
            last_epoch,
        )


def _shifted(fn: Callable[[Any], Any], offset: float) -> Callable[[Any], Any]:
    """`fn` plus a constant."""
    return lambda epoch: fn(epoch) + offset
