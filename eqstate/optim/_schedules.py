"""Learning-rate schedules whose position is a State (braintools' schedulers).

Each schedule is a pure function of its position `last_epoch` (an
`OptimState`): `schedule(epoch)` is the rate at any position and
`current_lr` the rate at the current one, so an optimizer reads the rate
inside a jitted train step and the position is threaded like any other
State. The formulas and defaults are braintools 0.3.0's (which follow
PyTorch's); where optax has the same curve, the schedule is built on it.

Every schedule advances on `.step()` and only then: call it once per epoch
for epoch-style schedules (`StepLR`, `MultiStepLR`, `CosineAnnealingLR`,
...), once per update for step-level ones (`ExponentialDecayLR`,
`OneCycleLR`, `WarmupCosineSchedule`), and with the monitored metric for
`ReduceLROnPlateau`. `.step()` writes a State, so it may be called inside
`eqstate.transform.jit`, e.g. right after `optimizer.update(grads)`.

The one exception: a plain optax schedule function passed as `lr=` follows
optax's convention and is evaluated at the number of updates made so far.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar, Literal, TypeAlias

import jax
import jax.numpy as jnp
import numpy as np
from jax.typing import ArrayLike

from .._errors import EqstateError
from .._state import State
from ._optim_state import OptimState, assign_values, state_tree, tree_values

__all__ = [
    "ConstantLR",
    "LRScheduler",
    "LearningRate",
    "OptimState",
    "as_scheduler",
    "assign_values",
    "state_tree",
    "tree_values",
]


def _f32(x: Any) -> jax.Array:
    return jnp.asarray(x, dtype=jnp.float32)


# What a schedule's applied-rate State (`LRScheduler._applied`) holds when no
# `apply` rate is in force: NO_RATE; or UNTOLD, when in addition the optimizer
# using the schedule has not been told a rate yet (braintools 0.3.0 has that
# optimizer report `base_lr` until then). A finite value is an applied rate.
NO_RATE = float("nan")
UNTOLD = float("inf")


def check_base_lr(owner: str, base_lr: Any, argument: str = "base_lr") -> float:
    """A rate (the `argument` of `owner`) as a float; per-group lists are not
    supported."""
    if isinstance(base_lr, (list, tuple)):
        raise EqstateError(
            f"{owner}: {argument}={list(base_lr)!r} is a list of per-group rates; "
            "eqstate optimizers have one parameter group, so give one rate, e.g. "
            f"{owner}({argument}={base_lr[0]!r})."
        )
    return float(base_lr)


def with_applied_lr(state_dict: Mapping[str, Any]) -> dict[str, Any]:
    """A schedule's `state_dict` saved before `apply` existed: no applied rate."""
    out = dict(state_dict)
    out.setdefault("applied_lr", np.float32(NO_RATE))
    return out


class CurrentRates(list[jax.Array]):
    """`LRScheduler.current_lrs`: the current rate in a one-element list, whose
    `.value` is the same list (braintools' code reads `current_lrs.value[0]`)."""

    @property
    def value(self) -> list[jax.Array]:
        """The rates (braintools keeps them in a State)."""
        return list(self)

    @value.setter
    def value(self, rates: Any) -> None:
        raise EqstateError(
            "current_lrs is read-only in eqstate: the rate follows from the "
            "schedule's position. Set it until the next step() with "
            "`scheduler.apply(lambda lr: new_lr)`."
        )


class LRScheduler:
    """The base class of the learning-rate schedules in `eqstate.optim`.

    A schedule is passed as `lr=` to an optimizer. Its position is the State
    `last_epoch`; `step()` moves it. `schedule(epoch)` is the rate at any
    position (a pure function, for plotting or testing) and `current_lr` the
    rate at the current position, i.e. the rate the next `update` uses. A
    subclass defines `__call__(epoch)`; all of a schedule's mutable data lives
    in States (see `__eqstate_states__`), so it is threaded through
    `eqstate.transform.jit` and saved by `eqstate.checkpoint`.

    ```python
    import jax.numpy as jnp
    import eqstate.optim as optim

    class HalvingLR(optim.LRScheduler):
        def __call__(self, epoch):
            return self.base_lr * 0.5 ** jnp.asarray(epoch, jnp.float32)

    schedule = HalvingLR(1.0)
    schedule.step()
    assert float(schedule.current_lr) == 0.5
    assert isinstance(schedule, optim.LRScheduler)
    ```

    Args:
        base_lr: the initial rate.
        last_epoch: the initial position.
    """

    advances: ClassVar[Literal["update", "step"]] = "step"
    """When the position moves: on `.step()`, or once per optimizer update."""

    def __init__(self, base_lr: float = 1e-3, last_epoch: int = 0):
        self.base_lr: float = check_base_lr(type(self).__name__, base_lr)
        self.optimizer: Any = None
        self.last_epoch: OptimState = OptimState(
            jnp.asarray(last_epoch, jnp.int32), name=f"{type(self).__name__}.last_epoch"
        )
        # A rate set by `apply`, in force until the next `step()` (else
        # NO_RATE or UNTOLD, see there).
        self._applied: OptimState = OptimState(
            _f32(NO_RATE), name=f"{type(self).__name__}.applied"
        )

    @property
    def base_lrs(self) -> list[float]:
        """`[base_lr]` (braintools keeps one rate per parameter group).

        Setting it sets `base_lr`: the schedule's rates follow the new base
        from then on (the position stays where it is; a `ReduceLROnPlateau`'s
        rate is its state, so there the base is only where it started, as in
        braintools). `base_lr` is a Python number, so a function `jit` traced
        before the change keeps the old one: clear its cache
        (`step.clear_cache()`) or change the base before the first call.

        ```python
        import eqstate.optim as optim

        schedule = optim.StepLR(0.1, step_size=2, gamma=0.5)
        schedule.base_lrs = [1.0]
        assert [float(schedule(e)) for e in (0, 2)] == [1.0, 0.5]
        ```
        """
        return [self.base_lr]

    @base_lrs.setter
    def base_lrs(self, rates: Sequence[float]) -> None:
        rates = list(rates)
        if len(rates) != 1:
            raise EqstateError(
                f"{type(self).__name__}.base_lrs = {rates!r}: an eqstate schedule "
                "has one parameter group, so it takes a list of one rate, e.g. "
                "`schedule.base_lrs = [0.01]`."
            )
        self.base_lr = check_base_lr(type(self).__name__, rates[0])

    def __call__(self, epoch: ArrayLike) -> jax.Array:
        """The rate at position `epoch` (a pure function of `epoch`).

        Args:
            epoch: the position, an integer (or an integer array).
        """
        raise NotImplementedError(
            f"{type(self).__name__} subclasses LRScheduler but does not define "
            "__call__(self, epoch) -> rate."
        )

    @property
    def current_lr(self) -> jax.Array:
        """The rate at the current position (what the next update will use)."""
        return self._with_applied(self._own_lr)

    @property
    def _own_lr(self) -> jax.Array:
        """The schedule's own rate at its position, whatever `apply` set."""
        return _f32(self(self.last_epoch.value))

    def _with_applied(self, rate: jax.Array) -> jax.Array:
        """`rate`, or the one `apply` set since the last `step()`."""
        applied = self._applied.value
        return jnp.where(jnp.isfinite(applied), applied, rate)

    @property
    def _reported_lr(self) -> jax.Array:
        """The rate the optimizer given this schedule reports as `current_lr`:
        `base_lr` until the schedule first moves or is applied to (braintools
        0.3.0 tells the optimizer a rate only then), `current_lr` after."""
        told = self._applied.value != UNTOLD
        return jnp.where(told, self.current_lr, _f32(self.base_lr))

    def _checked_rate(self, rate: Any) -> jax.Array:
        """What `apply_fn` returned, as a float32 scalar (or an error)."""
        rate = _f32(rate)
        if jnp.ndim(rate) != 0:
            raise EqstateError(
                f"{type(self).__name__}.apply: apply_fn returned an array of shape "
                f"{jnp.shape(rate)}; it must return one rate, e.g. "
                "`lambda lr: lr * 0.1`."
            )
        return rate

    def apply(self, apply_fn: Callable[[jax.Array], Any]) -> None:
        """Set the rate to `apply_fn(the schedule's rate)` until the next `step()`.

        `apply_fn` gets the schedule's own rate at its position, not a rate an
        earlier `apply` set, so two calls do not compound (braintools 0.3.0).
        The next `step()` goes back to the schedule's own rate at the new
        position. The optimizer using this schedule updates with the applied
        rate (and reports it as its `current_lr`). `state_dict()` saves the
        applied rate (NaN or +inf when none) as `"applied_lr"`.

        ```python
        import eqstate.optim as optim

        schedule = optim.StepLR(base_lr=1.0, step_size=2, gamma=0.5)
        schedule.apply(lambda lr: lr * 0.1)
        schedule.apply(lambda lr: lr * 0.1)  # 0.1 of 1.0 again, not 0.01
        assert abs(float(schedule.current_lr) - 0.1) < 1e-7
        schedule.step()
        schedule.step()
        assert float(schedule.current_lr) == 0.5  # the schedule's own rate again
        ```

        Args:
            apply_fn: maps the schedule's rate (a scalar array) to the new one.
        """
        self._applied.value = self._checked_rate(apply_fn(self._own_lr))

    @property
    def current_lrs(self) -> CurrentRates:
        """`[current_lr]`, braintools' per-group form: a list, whose `.value`
        is the list too (braintools keeps it in a State; here the rate follows
        from the schedule's position, so it is read-only: `apply` sets it).

        ```python
        import eqstate.optim as optim

        schedule = optim.StepLR(0.1, step_size=1, gamma=0.5)
        schedule.step()
        rate = schedule.current_lrs.value[0]  # (braintools' spelling)
        assert rate == schedule.current_lrs[0] and abs(float(rate) - 0.05) < 1e-7
        ```
        """
        return CurrentRates([self.current_lr])

    def get_lr(self) -> list[jax.Array]:
        """The schedule's own rate at its position (whatever `apply` set), as a
        one-element list."""
        return [self._own_lr]

    def get_last_lr(self) -> list[jax.Array]:
        """The rate set by the last `step()` (the current one), as a list."""
        return [self.current_lr]

    def step(self, epoch: ArrayLike | None = None) -> None:
        """Move to the next position, or to `epoch` if given.

        Args:
            epoch: the position to jump to; None moves by one.
        """
        if epoch is None:
            self.last_epoch.value = self.last_epoch.value + 1
        else:
            self.last_epoch.value = jnp.asarray(epoch, jnp.int32)
        self._drop_applied(NO_RATE)

    def step_epoch(self) -> None:
        """The same as `step()`."""
        self.step()

    def attach_optimizer(self, optimizer: Any) -> None:
        """Remember the optimizer that uses this schedule (braintools' hook).

        An optimizer calls it when given the schedule as `lr=`. As in braintools
        0.3.0, a rate set by `apply` before is dropped, and the optimizer's
        `current_lr` reports `base_lr` until the schedule's next `step()` or
        `apply` (its updates use the schedule's rate all along).

        Args:
            optimizer: the optimizer.
        """
        self.optimizer = optimizer
        self._drop_applied(UNTOLD)

    def _drop_applied(self, marker: float) -> None:
        """No applied rate from now on; `marker` is NO_RATE or UNTOLD."""
        self._applied.value = _f32(marker)

    def __eqstate_states__(self) -> dict[str, Any]:
        """The States holding this schedule's position (and an applied rate)."""
        return {"last_epoch": self.last_epoch, "applied_lr": self._applied}

    def state_dict(self) -> dict[str, Any]:
        """A copy of the schedule's State values."""
        return jax.tree.map(
            lambda s: jnp.array(s.value, copy=True),
            self.__eqstate_states__(),
            is_leaf=lambda x: isinstance(x, State),
        )

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        """Restore values from `state_dict()`, all or nothing.

        Args:
            state_dict: what `state_dict()` returned.
        """
        from ..checkpoint._tree import load_values

        load_values(
            self.__eqstate_states__(),
            with_applied_lr(state_dict),
            "scheduler.load_state_dict",
        )

    def _after_update(self) -> None:
        """Called by the optimizer after each update."""
        if self.advances == "update":
            self.step()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_lr={self.base_lr})"


class ConstantLR(LRScheduler):
    """`base_lr * factor` for the first `total_iters` epochs, then `base_lr`.

    With `factor=1` (or `total_iters=0`) it is a constant rate: a plain
    number given as `lr=` becomes `ConstantLR(lr, factor=1.0, total_iters=0)`.

    ```python
    import eqstate.optim as optim

    schedule = optim.ConstantLR(0.1, factor=0.5, total_iters=2)
    assert [round(float(schedule(e)), 6) for e in range(3)] == [0.05, 0.05, 0.1]
    ```

    Args:
        base_lr: the rate after the first `total_iters` epochs.
        factor: the multiplier before that.
        total_iters: the number of epochs at the lower rate.
        last_epoch: the initial position.
    """

    def __init__(
        self,
        base_lr: float = 1e-3,
        factor: float = 1.0 / 3,
        total_iters: int = 5,
        last_epoch: int = 0,
    ):
        self.factor: float = factor
        self.total_iters: int = total_iters
        super().__init__(base_lr, last_epoch)

    @property
    def is_constant(self) -> bool:
        """Whether the rate never changes (`factor == 1` or `total_iters <= 0`)."""
        return self.factor == 1.0 or self.total_iters <= 0

    def __call__(self, epoch: ArrayLike) -> jax.Array:
        scale = jnp.where(jnp.asarray(epoch) < self.total_iters, self.factor, 1.0)
        return _f32(self.base_lr * scale)


class _CallableLR(LRScheduler):
    """Any `count -> rate` function (an optax schedule), advanced per update."""

    advances = "update"

    def __init__(self, fn: Callable[[Any], Any]):
        self._fn: Callable[[Any], Any] = fn
        super().__init__(float(np.asarray(fn(0))), 0)

    def __call__(self, epoch: ArrayLike) -> jax.Array:
        return _f32(self._fn(epoch))


LearningRate: TypeAlias = ArrayLike | LRScheduler | Callable[[Any], Any]
"""What `lr=` accepts: a number, an `LRScheduler`, or an optax schedule."""


def as_scheduler(lr: LearningRate) -> LRScheduler:
    """Turn an `lr=` argument into a schedule.

    A number becomes a constant `ConstantLR(lr, factor=1.0, total_iters=0)`;
    an `LRScheduler` is used as is; any other callable is taken as an optax
    schedule `count -> rate`, advanced once per update.

    ```python
    import optax
    import eqstate.optim as optim

    schedule = optim.as_scheduler(optax.linear_schedule(1.0, 0.0, 10))
    assert schedule.advances == "update"
    ```

    Args:
        lr: a number, an `LRScheduler`, or an optax schedule.
    """
    if isinstance(lr, LRScheduler):
        return lr
    if isinstance(lr, bool):
        raise TypeError("lr must be a number, an LRScheduler or a schedule function.")
    if isinstance(lr, (int, float, np.number)) or (
        isinstance(lr, (jax.Array, np.ndarray)) and lr.ndim == 0
    ):
        return ConstantLR(float(lr), factor=1.0, total_iters=0)
    if callable(lr):
        return _CallableLR(lr)
    raise TypeError(
        f"lr must be a number, an eqstate.optim LRScheduler or an optax schedule "
        f"(a function of the update count); got {type(lr).__name__}."
    )
