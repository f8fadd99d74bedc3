"""`ReduceLROnPlateau`: cut the rate when a metric stops improving."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

import jax
import jax.numpy as jnp
from jax.typing import ArrayLike

from .._errors import EqstateError
from ._schedules import NO_RATE, LRScheduler, OptimState, check_base_lr

__all__ = ["ReduceLROnPlateau"]


class ReduceLROnPlateau(LRScheduler):
    """Cut the rate by `factor` when a metric stops improving.

    braintools' (and PyTorch's) rule: a metric better than the best so far
    (by `threshold`, relative or absolute) resets the count of bad epochs;
    once that count exceeds `patience`, the rate is multiplied by `factor`
    (never below `min_lr`) and `cooldown` epochs pass before counting again.
    The best value, the counters and the current rate are `OptimState`s, so
    `step(metric)` works inside `eqstate.transform.jit`.

    ```python
    import eqstate.optim as optim

    schedule = optim.ReduceLROnPlateau(0.1, factor=0.5, patience=1)
    for loss in [1.0, 1.0, 1.0]:  # two epochs without improvement: cut
        schedule.step(loss)
    assert abs(float(schedule.current_lr) - 0.05) < 1e-9
    ```

    Args:
        base_lr: the initial rate.
        mode: `"min"` if a lower metric is better, `"max"` if higher is.
        factor: the factor applied on a plateau, below 1.
        patience: bad epochs tolerated before the rate is cut.
        threshold: the improvement needed to count as better.
        threshold_mode: `"rel"` (relative to the best) or `"abs"`.
        cooldown: epochs to wait after a cut before counting again.
        min_lr: the rate is never cut below this.
        eps: kept for braintools' signature (braintools does not use it).
        last_epoch: the initial position.
    """

    def __init__(
        self,
        base_lr: float = 1e-3,
        mode: Literal["min", "max"] = "min",
        factor: float = 0.1,
        patience: int = 10,
        threshold: float = 1e-4,
        threshold_mode: Literal["rel", "abs"] = "rel",
        cooldown: int = 0,
        min_lr: float = 0.0,
        eps: float = 1e-8,
        last_epoch: int = 0,
    ):
        if factor >= 1.0:
            raise EqstateError(f"ReduceLROnPlateau: factor must be < 1; got {factor}.")
        if mode not in ("min", "max") or threshold_mode not in ("rel", "abs"):
            raise EqstateError(
                "ReduceLROnPlateau: mode must be 'min' or 'max' and threshold_mode "
                f"'rel' or 'abs'; got {mode!r} and {threshold_mode!r}."
            )
        super().__init__(base_lr, last_epoch)
        self.mode: Literal["min", "max"] = mode
        self.factor: float = factor
        self.patience: int = patience
        self.threshold: float = threshold
        self.threshold_mode: Literal["rel", "abs"] = threshold_mode
        self.cooldown: int = cooldown
        self.eps: float = eps
        self.min_lr: float = check_base_lr("ReduceLROnPlateau", min_lr, "min_lr")
        worst = jnp.inf if mode == "min" else -jnp.inf
        self.best: OptimState = OptimState(
            jnp.asarray(worst, jnp.float32), name="plateau.best"
        )
        self.num_bad_epochs: OptimState = OptimState(
            jnp.zeros((), jnp.int32), name="plateau.bad"
        )
        self.cooldown_counter: OptimState = OptimState(
            jnp.zeros((), jnp.int32), name="plateau.cooldown"
        )
        self.lr_value: OptimState = OptimState(
            jnp.asarray(self.base_lr, jnp.float32), name="lr"
        )

    def _better(self, a: jax.Array, best: jax.Array) -> jax.Array:
        if self.mode == "min":
            bound = (
                best * (1 - self.threshold)
                if self.threshold_mode == "rel"
                else best - self.threshold
            )
            return a < bound
        bound = (
            best * (1 + self.threshold)
            if self.threshold_mode == "rel"
            else best + self.threshold
        )
        return a > bound

    def step(self, metric: ArrayLike, epoch: ArrayLike | None = None) -> None:  # pyright: ignore[reportIncompatibleMethodOverride]
        """Record one value of the monitored metric (and maybe cut the rate).

        Args:
            metric: the monitored value for this epoch.
            epoch: the position to jump to; None moves by one.
        """
        super().step(epoch)
        value = jnp.asarray(metric, jnp.float32)
        cooling = self.cooldown_counter.value > 0
        better = self._better(value, self.best.value)
        self.best.value = jnp.where(~cooling & better, value, self.best.value)
        bad = self.num_bad_epochs.value
        bad = jnp.where(cooling, bad, jnp.where(better, 0, bad + 1))
        cut = ~cooling & (bad > self.patience)
        counter = jnp.where(cooling, self.cooldown_counter.value - 1, 0)
        self.cooldown_counter.value = jnp.where(cut, self.cooldown, counter).astype(
            jnp.int32
        )
        self.num_bad_epochs.value = jnp.where(cut, 0, bad).astype(jnp.int32)
        lowered = jnp.maximum(self.lr_value.value * self.factor, self.min_lr)
        self.lr_value.value = jnp.where(cut, lowered, self.lr_value.value).astype(
            jnp.float32
        )

    def __call__(self, epoch: ArrayLike) -> jax.Array:
        """The current rate (a plateau schedule depends on metrics, not epochs).

        Args:
            epoch: ignored.
        """
        return self.lr_value.value

    def apply(self, apply_fn: Callable[[jax.Array], Any]) -> None:
        """Set the rate to `apply_fn(current rate)`, for good.

        A plateau schedule's rate is its state, not a function of the epoch:
        the new rate stays until a plateau cuts it (braintools 0.3.0), and a
        second `apply` works on the first one's result.

        ```python
        import eqstate.optim as optim

        schedule = optim.ReduceLROnPlateau(base_lr=1.0)
        schedule.apply(lambda lr: lr * 0.5)
        schedule.apply(lambda lr: lr * 0.5)
        schedule.step(1.0)
        assert float(schedule.current_lr) == 0.25
        ```

        Args:
            apply_fn: maps the current rate (a scalar array) to the new one.
        """
        self.lr_value.value = self._checked_rate(apply_fn(self.lr_value.value))
        self._drop_applied(NO_RATE)

    def __eqstate_states__(self) -> dict[str, Any]:
        return {
            "last_epoch": self.last_epoch,
            "best": self.best,
            "num_bad_epochs": self.num_bad_epochs,
            "cooldown_counter": self.cooldown_counter,
            "lr": self.lr_value,
            "applied_lr": self._applied,
        }

    def __repr__(self) -> str:
        return f"ReduceLROnPlateau(base_lr={self.base_lr}, mode={self.mode!r})"
