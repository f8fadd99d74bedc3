"""Composite schedules: warm restarts, several schedules at once or in turn."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import jax
import jax.numpy as jnp
from jax.typing import ArrayLike

from .._errors import EqstateError
from ._schedules import NO_RATE, LRScheduler, OptimState, _f32

__all__ = ["ChainedScheduler", "CosineAnnealingWarmRestarts", "SequentialLR"]


class CosineAnnealingWarmRestarts(LRScheduler):
    r"""Cosine annealing restarted every $T_i$ epochs, $T_{i+1} = T_{mult} T_i$.

    `T_cur` and `T_i` follow from the position in closed form, so the rate is
    a pure function of `last_epoch`, the same whether the schedule was
    stepped one by one or jumped with `step(epoch)`.

    ```python
    import eqstate.optim as optim

    schedule = optim.CosineAnnealingWarmRestarts(1.0, T_0=4)
    assert float(schedule(4)) == 1.0 and abs(float(schedule(2)) - 0.5) < 1e-6
    ```

    Args:
        base_lr: the rate at each restart.
        T_0: the length of the first period.
        T_mult: the factor by which each period is longer than the last.
        eta_min: the minimum rate.
        last_epoch: the initial position.
    """

    def __init__(
        self,
        base_lr: float = 1e-3,
        T_0: int = 10,
        T_mult: int = 1,
        eta_min: float = 0.0,
        last_epoch: int = 0,
    ):
        if T_0 <= 0 or T_mult < 1:
            raise EqstateError(
                "CosineAnnealingWarmRestarts: T_0 must be > 0 and T_mult >= 1; got "
                f"T_0={T_0}, T_mult={T_mult}."
            )
        self.T_0: int = T_0
        self.T_mult: int = T_mult
        self.eta_min: float = eta_min
        super().__init__(base_lr, last_epoch)

    def _period(self, epoch: ArrayLike) -> tuple[jax.Array, jax.Array]:
        """`(T_cur, T_i)` at `epoch`."""
        e = jnp.asarray(epoch, jnp.int32)
        if self.T_mult == 1:
            return e % self.T_0, jnp.full_like(e, self.T_0)
        m = self.T_mult
        guess = jnp.floor(jnp.log(e * (m - 1) / self.T_0 + 1) / jnp.log(m))
        n = guess.astype(jnp.int32)

        def start(k: jax.Array) -> jax.Array:  # first epoch of period k
            return self.T_0 * (m**k - 1) // (m - 1)

        n = jnp.where(e < start(n), n - 1, n)  # guard the float logarithm
        n = jnp.where(e >= start(n + 1), n + 1, n)
        return e - start(n), self.T_0 * m**n

    @property
    def T_cur(self) -> jax.Array:
        """Epochs since the last restart."""
        return self._period(self.last_epoch.value)[0]

    @property
    def T_i(self) -> jax.Array:
        """The length of the current period."""
        return self._period(self.last_epoch.value)[1]

    def __call__(self, epoch: ArrayLike) -> jax.Array:
        t_cur, t_i = self._period(epoch)
        cos = (1 + jnp.cos(jnp.pi * t_cur / t_i)) / 2
        return _f32(self.eta_min + (self.base_lr - self.eta_min) * cos)


def _check_children(owner: str, schedulers: Sequence[LRScheduler]) -> list[LRScheduler]:
    found = list(schedulers)
    if not found:
        raise EqstateError(f"{owner} needs at least one scheduler; got none.")
    for i, s in enumerate(found):
        if not isinstance(s, LRScheduler):
            raise EqstateError(
                f"{owner}: schedulers[{i}] is a {type(s).__name__}, not an "
                "eqstate.optim LRScheduler."
            )
    return found


class ChainedScheduler(LRScheduler):
    """Several schedules at once: the rate is multiplied by each one's factor.

    `step()` steps every schedule; the rate is the first schedule's
    `base_lr` times each schedule's `current_lr / base_lr`.

    ```python
    import eqstate.optim as optim

    schedule = optim.ChainedScheduler(
        [optim.ConstantLR(1.0, factor=0.5, total_iters=2), optim.ExponentialLR(1.0, 0.9)]
    )
    schedule.step()
    assert abs(float(schedule.current_lr) - 0.45) < 1e-6
    ```

    Args:
        schedulers: the schedules to combine.
    """

    def __init__(self, schedulers: Sequence[LRScheduler]):
        self.schedulers: list[LRScheduler] = _check_children(
            "ChainedScheduler", schedulers
        )
        super().__init__(self.schedulers[0].base_lr)

    def _combine(self, rates: list[jax.Array]) -> jax.Array:
        lr = _f32(self.base_lr)
        for s, rate in zip(self.schedulers, rates):
            lr = lr * (rate / s.base_lr if s.base_lr else 0.0)
        return _f32(lr)

    def __call__(self, epoch: ArrayLike) -> jax.Array:
        return self._combine([s(epoch) for s in self.schedulers])

    @property
    def _own_lr(self) -> jax.Array:
        return self._combine([s.current_lr for s in self.schedulers])

    def attach_optimizer(self, optimizer: Any) -> None:
        """Remember the optimizer that uses this schedule (braintools' hook).

        A rate set by `apply` before is dropped; unlike other schedules, a
        chain tells the optimizer its rate at once (braintools 0.3.0), so the
        optimizer's `current_lr` is the chain's rate from the start.

        Args:
            optimizer: the optimizer.
        """
        self.optimizer = optimizer
        self._drop_applied(NO_RATE)

    def step(self, epoch: ArrayLike | None = None) -> None:
        super().step(epoch)
        for s in self.schedulers:
            s.step(epoch)

    def __eqstate_states__(self) -> dict[str, Any]:
        found = super().__eqstate_states__()
        found["schedulers"] = [s.__eqstate_states__() for s in self.schedulers]
        return found


class SequentialLR(LRScheduler):
    """One schedule after another, switching at the milestone epochs.

    Before `milestones[0]` the first schedule runs, then the second (from its
    own position 0), and so on. Each `step(epoch)` moves the active schedule
    to `epoch - milestone`.

    ```python
    import eqstate.optim as optim

    warm = optim.LinearLR(1.0, start_factor=0.5, total_iters=2)
    decay = optim.ExponentialLR(1.0, gamma=0.5)
    schedule = optim.SequentialLR([warm, decay], milestones=[2])
    rates = []
    for _ in range(4):
        rates.append(float(schedule.current_lr))
        schedule.step()
    assert rates == [0.5, 0.75, 1.0, 0.5]
    ```

    Args:
        schedulers: the schedules, in order.
        milestones: the epochs at which the next schedule takes over (one
            fewer than schedules).
        last_epoch: the initial position.
    """

    def __init__(
        self,
        schedulers: Sequence[LRScheduler],
        milestones: Sequence[int],
        last_epoch: int = 0,
    ):
        self.schedulers: list[LRScheduler] = _check_children("SequentialLR", schedulers)
        self.milestones: list[int] = [int(m) for m in milestones]
        if len(self.schedulers) != len(self.milestones) + 1:
            raise EqstateError(
                f"SequentialLR: {len(self.schedulers)} schedulers need "
                f"{len(self.schedulers) - 1} milestones; got {len(self.milestones)}."
            )
        super().__init__(self.schedulers[0].base_lr, last_epoch)
        self._offsets = [0, *self.milestones]

    def _index(self, epoch: ArrayLike) -> jax.Array:
        return jnp.searchsorted(
            jnp.asarray(self.milestones, jnp.int32), jnp.asarray(epoch), side="right"
        )

    @property
    def current_scheduler_idx(self) -> jax.Array:
        """The index of the schedule now in charge."""
        return self._index(self.last_epoch.value)

    def __call__(self, epoch: ArrayLike) -> jax.Array:
        e = jnp.asarray(epoch, jnp.int32)
        rates = jnp.stack(
            [s(e - off) for s, off in zip(self.schedulers, self._offsets)]
        )
        return _f32(rates[self._index(e)])

    @property
    def _own_lr(self) -> jax.Array:
        rates = jnp.stack([s.current_lr for s in self.schedulers])
        return _f32(rates[self.current_scheduler_idx])

    def step(self, epoch: ArrayLike | None = None) -> None:
        super().step(epoch)
        e = self.last_epoch.value
        index = self._index(e)
        for i, (s, off) in enumerate(zip(self.schedulers, self._offsets)):
            last: OptimState = s.last_epoch
            last.value = jnp.where(index == i, e - off, last.value).astype(jnp.int32)

    def __eqstate_states__(self) -> dict[str, Any]:
        found = super().__eqstate_states__()
        found["schedulers"] = [s.__eqstate_states__() for s in self.schedulers]
        return found
