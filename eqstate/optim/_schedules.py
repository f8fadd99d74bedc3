"""Learning-rate schedules whose position is a State.

Each schedule wraps the matching optax schedule function (`optax.exponential_decay`,
`optax.cosine_decay_schedule`, ...) and keeps its position, `count`, in an
`OptimState`. The rate it gives is `optax_schedule(count)`, so an optimizer reads
the current rate inside a jitted train step and the count is threaded like any
other State.

Every schedule here advances on its `.step()` and only then, as in PyTorch
and braintools: call it once per epoch for epoch-style schedules (`StepLR`,
`MultiStepLR`, `ExponentialLR`, `CosineAnnealingLR`, `LinearLR`), once per
update for step-level ones (`ExponentialDecayLR`, `OneCycleLR`,
`WarmupCosineSchedule`), and with the monitored metric for
`ReduceLROnPlateau`. A schedule that is never stepped keeps its initial rate
(an Adam optimizer with a `StepLR` that is never stepped trains at its
initial rate throughout). `.step()` writes a State, so it may
be called inside `eqstate.transform.jit`, e.g. in the train step right after
`optimizer.update(grads)`.

The one exception: a plain optax schedule function passed as `lr=` follows
optax's convention and is evaluated at the number of updates made so far.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, ClassVar, Literal, TypeAlias

import jax
import jax.numpy as jnp
import numpy as np
import optax
from jax.typing import ArrayLike

from .._state import LongTermState, is_state as _is_state

__all__ = [
    "ConstantLR",
    "CosineAnnealingLR",
    "ExponentialDecayLR",
    "ExponentialLR",
    "LRScheduler",
    "LearningRate",
    "LinearLR",
    "MultiStepLR",
    "OneCycleLR",
    "OptimState",
    "StepLR",
    "WarmupCosineSchedule",
    "as_scheduler",
    "assign_values",
    "state_tree",
    "tree_values",
]


class OptimState(LongTermState[Any]):
    """State owned by an optimizer or a schedule: moments, counters, positions.

    A `LongTermState`, so it persists across runs and is saved by
    `eqstate.checkpoint.save` together with the optimizer.

    ```python
    import jax.numpy as jnp
    import eqstate.optim as optim

    count = optim.OptimState(jnp.zeros((), jnp.int32), name="count")
    assert int(count.value) == 0
    ```
    """


def state_tree(tree: Any, name: str) -> Any:
    """`tree` with each array leaf in its own `OptimState` (named by its path).

    One State per array (rather than one State holding the whole pytree)
    keeps every optimizer value a plain array for the transforms and gives
    checkpoints a path per array.
    """
    return jax.tree_util.tree_map_with_path(
        lambda path, x: OptimState(x, name=name + jax.tree_util.keystr(path)), tree
    )


def tree_values(tree: Any) -> Any:
    """The values of the States in a `state_tree`, in the same structure."""
    return jax.tree.map(lambda s: s.value, tree, is_leaf=_is_state)


def assign_values(tree: Any, values: Any) -> None:
    """Write `values` (structured like `tree`) into the States of `tree`."""
    states = jax.tree.leaves(tree, is_leaf=_is_state)
    for state, value in zip(states, jax.tree.leaves(values), strict=True):
        state.value = value


def _zero_count(name: str) -> OptimState:
    return OptimState(jnp.zeros((), jnp.int32), name=name)


class LRScheduler:
    """Abstract base of the learning-rate schedules in `eqstate.optim`.

    A schedule is passed as `lr=` to an optimizer. `current_lr` is the rate
    at the schedule's current position, i.e. the rate the next `update` uses.
    All of a schedule's mutable data lives in States (see
    `__eqstate_states__`), so it is threaded through `eqstate.transform.jit`
    and saved by `eqstate.checkpoint`.

    ```python
    import eqstate.optim as optim

    schedule = optim.StepLR(0.1, step_size=2, gamma=0.5)
    assert isinstance(schedule, optim.LRScheduler)
    ```
    """

    advances: ClassVar[Literal["update", "step"]] = "step"
    """When the position moves: on `.step()`, or once per optimizer update."""

    @property
    def current_lr(self) -> jax.Array:
        """The rate at the current position (what the next update will use)."""
        raise NotImplementedError

    def __eqstate_states__(self) -> dict[str, Any]:
        """The States holding this schedule's position."""
        raise NotImplementedError

    def _after_update(self) -> None:
        """Called by the optimizer after each update."""


class _CountSchedule(LRScheduler):
    """A schedule given by an optax schedule function of an integer count."""

    def __init__(self, fn: Callable[[Any], Any]):
        self._fn = fn
        self.count: OptimState = _zero_count(f"{type(self).__name__}.count")

    def __call__(self, count: ArrayLike) -> jax.Array:
        """The rate at position `count` (a pure function of `count`)."""
        return jnp.asarray(self._fn(count), dtype=jnp.float32)

    @property
    def current_lr(self) -> jax.Array:
        return self(self.count.value)

    def __eqstate_states__(self) -> dict[str, OptimState]:
        return {"count": self.count}

    def step(self) -> None:
        """Advance the schedule by one position."""
        self.count.value = self.count.value + 1

    def _after_update(self) -> None:
        if self.advances == "update":
            self.step()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_lr={getattr(self, 'base_lr', None)})"


class ConstantLR(_CountSchedule):
    """A learning rate that never changes (`optax.constant_schedule`).

    A plain float given as `lr=` becomes a `ConstantLR`; `.step()` moves its
    position but never its rate.

    ```python
    import eqstate.optim as optim

    schedule = optim.ConstantLR(0.01)
    assert abs(float(schedule.current_lr) - 0.01) < 1e-9
    ```

    Args:
        lr: the learning rate.
    """

    def __init__(self, lr: float):
        self.base_lr = lr
        super().__init__(optax.constant_schedule(lr))


class ExponentialDecayLR(_CountSchedule):
    r"""Exponential decay by steps: $\eta_t = \eta_0 \cdot r^{t / s}$.

    Built on `optax.exponential_decay`. $t$ counts `.step()` calls: call it
    once per update for a per-update decay (braintools' semantics; without
    `.step()` the rate stays at $\eta_0$).

    ```python
    import eqstate.optim as optim

    schedule = optim.ExponentialDecayLR(1e-2, decay_steps=100, decay_rate=0.99)
    assert abs(float(schedule(100)) - 0.0099) < 1e-7
    ```

    Args:
        lr: the initial rate $\eta_0$.
        decay_steps: the number of steps $s$ over which the rate is
            multiplied by `decay_rate`.
        decay_rate: the factor $r$.
        transition_begin: steps to hold the initial rate before decaying.
        staircase: decay in discrete jumps every `decay_steps` steps.
        end_value: a bound the rate never crosses.
    """

    def __init__(
        self,
        lr: float,
        decay_steps: int,
        decay_rate: float,
        transition_begin: int = 0,
        staircase: bool = False,
        end_value: float | None = None,
    ):
        self.base_lr = lr
        fn = optax.exponential_decay(
            lr, decay_steps, decay_rate, transition_begin, staircase, end_value
        )
        super().__init__(fn)


class OneCycleLR(_CountSchedule):
    """The one-cycle policy: warm up, then anneal, over `total_steps` steps.

    Built on `optax.cosine_onecycle_schedule`; call `.step()` once per update.

    ```python
    import eqstate.optim as optim

    schedule = optim.OneCycleLR(0.1, total_steps=100)
    assert abs(float(schedule(30)) - 0.1) < 1e-6
    ```

    Args:
        max_lr: the peak rate.
        total_steps: the length of the cycle in steps.
        pct_start: the fraction of the cycle spent warming up.
        div_factor: the initial rate is `max_lr / div_factor`.
        final_div_factor: the final rate is `max_lr / (div_factor * final_div_factor)`.
    """

    def __init__(
        self,
        max_lr: float,
        total_steps: int,
        pct_start: float = 0.3,
        div_factor: float = 25.0,
        final_div_factor: float = 1e4,
    ):
        self.base_lr = max_lr
        fn = optax.cosine_onecycle_schedule(
            total_steps, max_lr, pct_start, div_factor, final_div_factor
        )
        super().__init__(fn)


class WarmupCosineSchedule(_CountSchedule):
    """Linear warmup to a peak, then cosine decay.

    Built on `optax.warmup_cosine_decay_schedule`; call `.step()` once per
    update.

    ```python
    import eqstate.optim as optim

    schedule = optim.WarmupCosineSchedule(1e-3, warmup_steps=10, total_steps=100)
    assert float(schedule(0)) == 0.0 and abs(float(schedule(10)) - 1e-3) < 1e-9
    ```

    Args:
        peak_lr: the rate reached at the end of the warmup.
        warmup_steps: steps spent warming up from `init_lr`.
        total_steps: steps in all (warmup included) until `end_lr`.
        init_lr: the rate before the first step.
        end_lr: the rate after `total_steps` steps.
    """

    def __init__(
        self,
        peak_lr: float,
        warmup_steps: int,
        total_steps: int,
        init_lr: float = 0.0,
        end_lr: float = 0.0,
    ):
        self.base_lr = peak_lr
        fn = optax.warmup_cosine_decay_schedule(
            init_lr, peak_lr, warmup_steps, total_steps, end_lr
        )
        super().__init__(fn)


class StepLR(_CountSchedule):
    r"""Multiply the rate by `gamma` every `step_size` epochs.

    $\eta_e = \eta_0 \gamma^{\lfloor e / \text{step\_size} \rfloor}$, built on
    `optax.exponential_decay(..., staircase=True)`; advances on `.step()`.

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
    """

    def __init__(self, base_lr: float, step_size: int, gamma: float = 0.1):
        self.base_lr = base_lr
        super().__init__(
            optax.exponential_decay(base_lr, step_size, gamma, staircase=True)
        )


class MultiStepLR(_CountSchedule):
    """Multiply the rate by `gamma` at each milestone epoch.

    Built on `optax.piecewise_constant_schedule`; advances on `.step()`.

    ```python
    import eqstate.optim as optim

    schedule = optim.MultiStepLR(1.0, milestones=[1, 3], gamma=0.1)
    assert [round(float(schedule(e)), 6) for e in range(4)] == [1.0, 0.1, 0.1, 0.01]
    ```

    Args:
        base_lr: the initial rate.
        milestones: increasing epoch indices at which the rate decays.
        gamma: the decay factor.
    """

    def __init__(self, base_lr: float, milestones: Sequence[int], gamma: float = 0.1):
        milestones = [int(m) for m in milestones]
        if sorted(set(milestones)) != milestones:
            raise ValueError(
                f"MultiStepLR: milestones must be strictly increasing; got {milestones}."
            )
        self.base_lr = base_lr
        scales = dict.fromkeys(milestones, gamma)
        super().__init__(optax.piecewise_constant_schedule(base_lr, scales))


class ExponentialLR(_CountSchedule):
    r"""Multiply the rate by `gamma` every epoch: $\eta_e = \eta_0 \gamma^e$.

    Built on `optax.exponential_decay`; advances on `.step()`.

    ```python
    import eqstate.optim as optim

    schedule = optim.ExponentialLR(1.0, gamma=0.5)
    assert float(schedule(3)) == 0.125
    ```

    Args:
        base_lr: the initial rate.
        gamma: the factor per epoch.
    """

    def __init__(self, base_lr: float, gamma: float):
        self.base_lr = base_lr
        super().__init__(optax.exponential_decay(base_lr, 1, gamma))


class CosineAnnealingLR(_CountSchedule):
    r"""Cosine annealing from `base_lr` to `eta_min` over `T_max` epochs.

    $\eta_e = \eta_{min} + (\eta_0 - \eta_{min})(1 + \cos(\pi e / T_{max}))/2$,
    built on `optax.cosine_decay_schedule`; advances on `.step()`, and stays at
    `eta_min` after `T_max` epochs.

    ```python
    import eqstate.optim as optim

    schedule = optim.CosineAnnealingLR(1.0, T_max=10)
    assert abs(float(schedule(5)) - 0.5) < 1e-6
    ```

    Args:
        base_lr: the initial rate.
        T_max: epochs until the minimum.
        eta_min: the minimum rate.
    """

    def __init__(self, base_lr: float, T_max: int, eta_min: float = 0.0):
        if base_lr <= 0:
            raise ValueError(
                f"CosineAnnealingLR: base_lr must be positive; got {base_lr}."
            )
        self.base_lr = base_lr
        alpha = eta_min / base_lr
        super().__init__(optax.cosine_decay_schedule(base_lr, T_max, alpha=alpha))


class LinearLR(_CountSchedule):
    """Scale the rate linearly from `start_factor` to `end_factor` over epochs.

    Built on `optax.linear_schedule`; advances on `.step()`, and stays at
    `base_lr * end_factor` after `total_iters` epochs.

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
    """

    def __init__(
        self,
        base_lr: float,
        start_factor: float = 1.0 / 3,
        end_factor: float = 1.0,
        total_iters: int = 5,
    ):
        self.base_lr = base_lr
        fn = optax.linear_schedule(
            base_lr * start_factor, base_lr * end_factor, total_iters
        )
        super().__init__(fn)


class _CallableLR(_CountSchedule):
    """Any `count -> rate` function (an optax schedule), advanced per update."""

    advances = "update"


LearningRate: TypeAlias = ArrayLike | LRScheduler | Callable[[Any], Any]
"""What `lr=` accepts: a number, an `LRScheduler`, or an optax schedule."""


def as_scheduler(lr: LearningRate) -> LRScheduler:
    """Turn an `lr=` argument into a schedule.

    A number becomes a `ConstantLR`; an `LRScheduler` is used as is; any other
    callable is taken as an optax schedule `count -> rate`, advanced once per
    update.

    ```python
    import optax
    import eqstate.optim as optim

    schedule = optim.as_scheduler(optax.linear_schedule(1.0, 0.0, 10))
    assert schedule.advances == "update"
    ```
    """
    if isinstance(lr, LRScheduler):
        return lr
    if isinstance(lr, bool):
        raise TypeError("lr must be a number, an LRScheduler or a schedule function.")
    if isinstance(lr, (int, float, np.number)) or (
        isinstance(lr, (jax.Array, np.ndarray)) and lr.ndim == 0
    ):
        return ConstantLR(float(lr))
    if callable(lr):
        return _CallableLR(lr)
    raise TypeError(
        f"lr must be a number, an eqstate.optim LRScheduler or an optax schedule "
        f"(a function of the update count); got {type(lr).__name__}."
    )
