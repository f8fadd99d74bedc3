"""The warmup, cyclic and composite schedules (braintools 0.3.0's formulas)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Literal

import jax
import jax.numpy as jnp
import optax
from jax.typing import ArrayLike

from .._errors import EqstateError
from ._schedules import LRScheduler, _f32, check_base_lr

__all__ = [
    "CyclicLR",
    "OneCycleLR",
    "PiecewiseConstantSchedule",
    "WarmupCosineSchedule",
    "WarmupScheduler",
]


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
        super().__init__(base, last_epoch)

    def __call__(self, epoch: ArrayLike) -> jax.Array:
        if self.warmup_epochs == 0:
            return _f32(jnp.full(jnp.shape(epoch), self.base_lr))
        ramp = optax.linear_schedule(
            self.warmup_start_lr, self.base_lr, self.warmup_epochs
        )
        return _f32(ramp(epoch))


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
        self.max_lr: float = check_base_lr("CyclicLR", max_lr, "max_lr")
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
        self.max_lr: float = check_base_lr("OneCycleLR", max_lr, "max_lr")
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
