"""The warmup, cyclic and composite schedules (braintools 0.3.0's formulas)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Literal

import jax
import jax.numpy as jnp
import optax
from jax.typing import ArrayLike

from .._errors import EqstateError
from ._schedules import LRScheduler, OptimState, check_base_lr

__all__ = [
    "ChainedScheduler",
    "CosineAnnealingWarmRestarts",
    "CyclicLR",
    "OneCycleLR",
    "PiecewiseConstantSchedule",
    "SequentialLR",
    "WarmupCosineSchedule",
    "WarmupScheduler",
]


def _f32(x: Any) -> jax.Array:
    return jnp.asarray(x, dtype=jnp.float32)


def _epoch(x: ArrayLike) -> jax.Array:
    return jnp.asarray(x, jnp.float32)


class WarmupScheduler(LRScheduler):
    """Linear warmup from `warmup_start_lr` to `base_lr` over `warmup_epochs`.

    Built on `optax.linear_schedule`; stays at `base_lr` afterwards.

    ```python
    import eqstate.optim as optim

    schedule = optim.WarmupScheduler(1.0, warmup_epochs=4)
    assert [float(schedule(e)) for e in (0, 2, 4, 8)] == [0.0, 0.5, 1.0, 1.0]
    ```

    Args:
        base_lr: the rate reached at the end of the warmup.
        warmup_epochs: the length of the warmup.
        warmup_start_lr: the rate at epoch 0.
        last_epoch: the initial position.
    """

    def __init__(
        self,
        base_lr: float = 1e-3,
        warmup_epochs: int = 5,
        warmup_start_lr: float = 0.0,
        last_epoch: int = 0,
    ):
        if warmup_epochs < 0:
            raise EqstateError(
                f"WarmupScheduler: warmup_epochs must be >= 0; got {warmup_epochs}."
            )
        base = check_base_lr("WarmupScheduler", base_lr)
        self.warmup_epochs: int = warmup_epochs
        self.warmup_start_lr: float = warmup_start_lr
        self._fn = optax.linear_schedule(warmup_start_lr, base, warmup_epochs)
        super().__init__(base, last_epoch)

    def __call__(self, epoch: ArrayLike) -> jax.Array:
        if self.warmup_epochs == 0:
            return _f32(jnp.full(jnp.shape(epoch), self.base_lr))
        return _f32(self._fn(epoch))


class CyclicLR(LRScheduler):
    """Cycle the rate between `base_lr` and `max_lr` (triangular waves).

    Each cycle rises for `step_size_up` epochs and falls for
    `step_size_down`; the amplitude is scaled by `mode` (`"triangular"`: 1,
    `"triangular2"`: halved each cycle, `"exp_range"`: `gamma**epoch`) or by
    a custom `scale_fn` of the cycle number or the epoch (`scale_mode`).

    ```python
    import eqstate.optim as optim

    schedule = optim.CyclicLR(0.0, max_lr=1.0, step_size_up=2)
    assert [float(schedule(e)) for e in range(5)] == [0.0, 0.5, 1.0, 0.5, 0.0]
    ```

    Args:
        base_lr: the lower bound.
        max_lr: the upper bound.
        step_size_up: epochs of the rising half.
        step_size_down: epochs of the falling half (default: `step_size_up`).
        mode: the amplitude policy when `scale_fn` is None.
        gamma: the factor of `"exp_range"`.
        scale_fn: a custom amplitude `x -> scale`.
        scale_mode: whether `scale_fn` gets the cycle number or the epoch.
        last_epoch: the initial position.
    """

    def __init__(
        self,
        base_lr: float = 1e-3,
        max_lr: float = 1e-2,
        step_size_up: int = 2000,
        step_size_down: int | None = None,
        mode: Literal["triangular", "triangular2", "exp_range"] = "triangular",
        gamma: float = 1.0,
        scale_fn: Callable[[Any], Any] | None = None,
        scale_mode: Literal["cycle", "iterations"] = "cycle",
        last_epoch: int = 0,
    ):
        if step_size_up <= 0 or (step_size_down is not None and step_size_down <= 0):
            raise EqstateError(
                "CyclicLR: step_size_up and step_size_down must be > 0; got "
                f"{step_size_up} and {step_size_down}."
            )
        if mode not in ("triangular", "triangular2", "exp_range"):
            raise EqstateError(
                "CyclicLR: mode must be 'triangular', 'triangular2' or 'exp_range'; "
                f"got {mode!r}."
            )
        if scale_mode not in ("cycle", "iterations"):
            raise EqstateError(
                f"CyclicLR: scale_mode must be 'cycle' or 'iterations'; got {scale_mode!r}."
            )
        self.max_lr: float = check_base_lr("CyclicLR", max_lr)
        self.step_size_up: int = step_size_up
        self.step_size_down: int = step_size_down or step_size_up
        self.mode: Literal["triangular", "triangular2", "exp_range"] = mode
        self.gamma: float = gamma
        self.scale_fn: Callable[[Any], Any] | None = scale_fn
        self.scale_mode: Literal["cycle", "iterations"] = scale_mode
        super().__init__(base_lr, last_epoch)

    def __call__(self, epoch: ArrayLike) -> jax.Array:
        e = _epoch(epoch)
        cycle = jnp.floor(1 + e / (self.step_size_up + self.step_size_down))
        x = jnp.abs(e / self.step_size_up - 2 * cycle + 1)
        if self.scale_fn is not None:
            scale = self.scale_fn(cycle if self.scale_mode == "cycle" else e)
        elif self.mode == "triangular":
            scale = 1.0
        elif self.mode == "triangular2":
            scale = 1.0 / 2.0 ** (cycle - 1)
        else:
            scale = self.gamma**e
        height = self.max_lr - self.base_lr
        return _f32(self.base_lr + height * scale * jnp.maximum(0.0, 1.0 - x))


class OneCycleLR(LRScheduler):
    """The one-cycle policy: warm up linearly to `max_lr`, then anneal.

    The rate rises from `max_lr / div_factor` to `max_lr` over the first
    `pct_start` of `total_steps` (or `epochs * steps_per_epoch`), then falls
    to `max_lr / final_div_factor` along a cosine (`anneal_strategy="cos"`)
    or a line. Call `.step()` once per update.

    ```python
    import eqstate.optim as optim

    schedule = optim.OneCycleLR(0.1, total_steps=100)
    assert abs(float(schedule(30)) - 0.1) < 1e-6
    ```

    Args:
        max_lr: the peak rate.
        total_steps: the length of the cycle in steps.
        epochs: with `steps_per_epoch`, another way to give `total_steps`.
        steps_per_epoch: see `epochs`.
        pct_start: the fraction of the cycle spent warming up.
        anneal_strategy: `"cos"` or `"linear"`.
        div_factor: the initial rate is `max_lr / div_factor`.
        final_div_factor: the final rate is `max_lr / final_div_factor`.
        last_epoch: the initial position.
    """

    def __init__(
        self,
        max_lr: float = 1e-2,
        total_steps: int | None = None,
        epochs: int | None = None,
        steps_per_epoch: int | None = None,
        pct_start: float = 0.3,
        anneal_strategy: Literal["cos", "linear"] = "cos",
        div_factor: float = 25.0,
        final_div_factor: float = 1e4,
        last_epoch: int = 0,
    ):
        if total_steps is None:
            if epochs is None or steps_per_epoch is None:
                raise EqstateError(
                    "OneCycleLR needs the cycle's length: give total_steps=, or "
                    "epochs= and steps_per_epoch=."
                )
            total_steps = epochs * steps_per_epoch
        if total_steps <= 0 or not 0.0 < pct_start < 1.0:
            raise EqstateError(
                "OneCycleLR: total_steps must be > 0 and pct_start in (0, 1); got "
                f"{total_steps} and {pct_start}."
            )
        if anneal_strategy not in ("cos", "linear"):
            raise EqstateError(
                f"OneCycleLR: anneal_strategy must be 'cos' or 'linear'; got "
                f"{anneal_strategy!r}."
            )
        self.max_lr: float = check_base_lr("OneCycleLR", max_lr)
        self.total_steps: int = total_steps
        self.pct_start: float = pct_start
        self.anneal_strategy: Literal["cos", "linear"] = anneal_strategy
        self.div_factor: float = div_factor
        self.final_div_factor: float = final_div_factor
        self.min_lr: float = self.max_lr / final_div_factor
        super().__init__(self.max_lr / div_factor, last_epoch)

    def __call__(self, epoch: ArrayLike) -> jax.Array:
        e = _epoch(epoch)
        warm = self.pct_start * self.total_steps
        up = self.base_lr + jnp.minimum(e / warm, 1.0) * (self.max_lr - self.base_lr)
        frac = (e - warm) / ((1 - self.pct_start) * self.total_steps)
        frac = jnp.clip(frac, 0.0, 1.0)
        if self.anneal_strategy == "cos":
            keep = (1 + jnp.cos(jnp.pi * frac)) / 2
        else:
            keep = 1 - frac
        down = self.min_lr + keep * (self.max_lr - self.min_lr)
        return _f32(jnp.where(e <= warm, up, down))


class WarmupCosineSchedule(LRScheduler):
    """Linear warmup to `base_lr`, then cosine decay to `eta_min`.

    The warmup takes `warmup_steps` from `warmup_start_lr`; the cosine
    spans the remaining `total_steps - warmup_steps`. Call `.step()` once per
    update.

    ```python
    import eqstate.optim as optim

    schedule = optim.WarmupCosineSchedule(1e-3, warmup_steps=10, total_steps=100)
    assert float(schedule(0)) == 0.0 and abs(float(schedule(10)) - 1e-3) < 1e-9
    ```

    Args:
        base_lr: the rate reached at the end of the warmup.
        warmup_steps: steps spent warming up.
        total_steps: steps in all (warmup included) until `eta_min`.
        warmup_start_lr: the rate at step 0.
        eta_min: the rate after `total_steps` steps.
        last_epoch: the initial position.
    """

    def __init__(
        self,
        base_lr: float = 1e-3,
        warmup_steps: int = 1000,
        total_steps: int = 10000,
        warmup_start_lr: float = 0.0,
        eta_min: float = 0.0,
        last_epoch: int = 0,
    ):
        self.warmup_steps: int = warmup_steps
        self.total_steps: int = total_steps
        self.warmup_start_lr: float = warmup_start_lr
        self.eta_min: float = eta_min
        super().__init__(base_lr, last_epoch)

    def __call__(self, epoch: ArrayLike) -> jax.Array:
        e = _epoch(epoch)
        alpha = jnp.clip(e / max(self.warmup_steps, 1), 0.0, 1.0)
        span = max(self.total_steps - self.warmup_steps, 1)
        progress = jnp.clip((e - self.warmup_steps) / span, 0.0, 1.0)
        warm = self.warmup_start_lr + (self.base_lr - self.warmup_start_lr) * alpha
        cos = (1 + jnp.cos(jnp.pi * progress)) / 2
        cooled = self.eta_min + (self.base_lr - self.eta_min) * cos
        return _f32(jnp.where(e < self.warmup_steps, warm, cooled))


class PiecewiseConstantSchedule(LRScheduler):
    """`values[i]` between `boundaries[i - 1]` and `boundaries[i]`.

    The rate is `values[k]`, `k` the number of boundaries at or below the
    epoch. As in braintools, the values are the rates themselves (not
    multiples of `base_lr`).

    ```python
    import eqstate.optim as optim

    schedule = optim.PiecewiseConstantSchedule(1.0, boundaries=[2, 4], values=[1.0, 0.5, 0.1])
    assert [round(float(schedule(e)), 6) for e in (0, 2, 4)] == [1.0, 0.5, 0.1]
    ```

    Args:
        base_lr: kept for braintools' signature (the values are absolute).
        boundaries: increasing epochs where the rate changes
            (default `[1000, 2000]`).
        values: one more rate than boundaries (default `[1.0, 0.1, 0.01]`).
        last_epoch: the initial position.
    """

    def __init__(
        self,
        base_lr: float = 1e-3,
        boundaries: Sequence[int] | None = None,
        values: Sequence[float] | None = None,
        last_epoch: int = 0,
    ):
        self.boundaries: list[int] = (
            [1000, 2000] if boundaries is None else list(boundaries)
        )
        self.values: list[float] = [1.0, 0.1, 0.01] if values is None else list(values)
        if len(self.boundaries) != len(self.values) - 1:
            raise EqstateError(
                "PiecewiseConstantSchedule: give one more value than boundaries; got "
                f"{len(self.boundaries)} boundaries and {len(self.values)} values."
            )
        super().__init__(base_lr, last_epoch)

    def __call__(self, epoch: ArrayLike) -> jax.Array:
        index = jnp.searchsorted(
            jnp.asarray(self.boundaries), jnp.asarray(epoch), side="right"
        )
        return _f32(jnp.asarray(self.values, jnp.float32)[index])


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
    def current_lr(self) -> jax.Array:
        return self._combine([s.current_lr for s in self.schedulers])

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
    def current_lr(self) -> jax.Array:
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
