"""`ReduceLROnPlateau`: optax's reduce-on-plateau logic, its state in States."""

from __future__ import annotations

from typing import Any, Literal

import jax
import jax.numpy as jnp
import optax
from jax.typing import ArrayLike

from ._schedules import LRScheduler, assign_values, state_tree, tree_values

__all__ = ["ReduceLROnPlateau"]


class ReduceLROnPlateau(LRScheduler):
    """Cut the rate by `factor` when a metric stops improving.

    Built on `optax.contrib.reduce_on_plateau`, whose state (best value,
    plateau and cooldown counters, current scale) lives in `OptimState`s.
    Advances only on `.step(metric)`, typically once per epoch with the
    validation loss.

    ```python
    import eqstate.optim as optim

    schedule = optim.ReduceLROnPlateau(0.1, factor=0.5, patience=1)
    for loss in [1.0, 1.0]:  # no improvement for `patience` steps: cut
        schedule.step(loss)
    assert abs(float(schedule.current_lr) - 0.05) < 1e-9
    ```

    Args:
        base_lr: the initial rate.
        mode: `"min"` if a lower metric is better, `"max"` if higher is.
        factor: the factor applied on a plateau, in (0, 1).
        patience: steps without improvement before the rate is cut.
        rtol: relative improvement needed to count as better.
        atol: absolute improvement needed to count as better.
        cooldown: steps to wait after a cut before counting again.
        min_lr: the rate is never cut below this.
        accumulation_size: metrics averaged before each decision.
    """

    def __init__(
        self,
        base_lr: float,
        mode: Literal["min", "max"] = "min",
        factor: float = 0.1,
        patience: int = 10,
        rtol: float = 1e-4,
        atol: float = 0.0,
        cooldown: int = 0,
        min_lr: float = 0.0,
        accumulation_size: int = 1,
    ):
        if mode not in ("min", "max"):
            raise ValueError(
                f"ReduceLROnPlateau: mode must be 'min' or 'max'; got {mode!r}."
            )
        self.base_lr = base_lr
        self.mode = mode
        self._tx = optax.contrib.reduce_on_plateau(
            factor=factor,
            patience=patience,
            rtol=rtol,
            atol=atol,
            cooldown=cooldown,
            accumulation_size=accumulation_size,
            min_scale=min_lr / base_lr if base_lr else 0.0,
        )
        tx = self._tx
        anchor = jnp.zeros((), jnp.float32)  # optax scales "updates"; there are none
        self.plateau: Any = state_tree(tx.init(anchor), "ReduceLROnPlateau.plateau")

        def update(state: Any, value: jax.Array) -> Any:
            return tx.update(anchor, state, value=value)[1]

        # Jitted once: optax's eager `lax.cond` over fresh closures compiles per call.
        self._update = jax.jit(update)

    def step(self, metric: ArrayLike) -> None:
        """Record one value of the monitored metric (and maybe cut the rate)."""
        value = jnp.asarray(metric, jnp.float32)
        if self.mode == "max":
            value = -value
        assign_values(self.plateau, self._update(tree_values(self.plateau), value))

    @property
    def current_lr(self) -> jax.Array:
        return jnp.asarray(self.base_lr * self.plateau.scale.value, jnp.float32)

    def __eqstate_states__(self) -> dict[str, Any]:
        return {"plateau": self.plateau}

    def __repr__(self) -> str:
        return f"ReduceLROnPlateau(base_lr={self.base_lr}, mode={self.mode!r})"
