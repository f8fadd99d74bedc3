"""The optax side of `OptaxOptimizer`: the transformation it builds from `tx`
and `lr`, and the pure optax step it takes on each update.

Three cases, decided once at construction:

- a ready `GradientTransformation` (its rate inside it): used as is, after the
  gradient clips and the coupled weight decay;
- a factory `learning_rate -> tx` and a constant rate: no injected
  hyperparameters; each step calls the factory with the rate of the moment
  (what `lr_apply` or `current_lr = ...` set, else `base_lr`);
- a factory and a schedule: the factory wrapped in `optax.inject_hyperparams`,
  and each step writes the schedule's rate into the injected learning rate.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import optax

from ._base import OptimizerError
from ._schedules import ConstantLR, LearningRate, LRScheduler, as_scheduler

Factory = Callable[..., optax.GradientTransformation]
"""An optax factory taking the learning rate first (`optax.adam`)."""


def check_arguments(
    owner: str,
    lr: LearningRate,
    weight_decay: float,
    grad_clip_norm: float | None,
    grad_clip_value: float | None,
) -> None:
    """Raise `OptimizerError` for a negative rate or decay, or a clip <= 0."""
    if isinstance(lr, (int, float)) and not isinstance(lr, bool) and lr < 0:
        raise OptimizerError(f"{owner}: lr must be >= 0; got {lr}.")
    if weight_decay < 0:
        raise OptimizerError(f"{owner}: weight_decay must be >= 0; got {weight_decay}.")
    for what, v in (
        ("grad_clip_norm", grad_clip_norm),
        ("grad_clip_value", grad_clip_value),
    ):
        if v is not None and v <= 0:
            raise OptimizerError(f"{owner}: {what} must be > 0 (or None); got {v}.")


def _clips(
    grad_clip_norm: float | None, grad_clip_value: float | None
) -> list[optax.GradientTransformation]:
    """The gradient clips to chain in front: global norm first, then value."""
    found: list[optax.GradientTransformation] = []
    if grad_clip_norm is not None:
        found.append(optax.clip_by_global_norm(grad_clip_norm))
    if grad_clip_value is not None:
        found.append(optax.clip(grad_clip_value))
    return found


def _decayed(
    weight_decay: float, tx: optax.GradientTransformation
) -> optax.GradientTransformation:
    """`tx` with the coupled L2 term `weight_decay * param` added to the gradient."""
    if weight_decay:
        return optax.chain(optax.add_decayed_weights(weight_decay), tx)
    return tx


class _TransformationTypeError(OptimizerError, TypeError):
    """`tx` is neither an optax transformation nor a factory of one."""


def schedule_for(owner: str, tx: Any, lr: LearningRate) -> LRScheduler | None:
    """The schedule an optimizer built from `tx` follows (None for a ready
    transformation, which must come without `lr`)."""
    if isinstance(tx, optax.GradientTransformation):
        if isinstance(lr, LRScheduler) or callable(lr) or lr != 1e-3:
            raise OptimizerError(
                f"{owner}: `lr` was given with a ready GradientTransformation, "
                "whose learning rate is already inside it. Pass the optax factory "
                "instead, e.g. OptaxOptimizer(optax.adam, lr=schedule)."
            )
        return None
    if tx is None or callable(tx):
        return as_scheduler(lr)
    raise _TransformationTypeError(
        f"{owner} expects an optax.GradientTransformation, an optax "
        f"factory such as optax.adam, or None; got {type(tx).__name__}."
    )


def transformation(
    tx: Any,
    schedule: LRScheduler | None,
    weight_decay: float,
    grad_clip_norm: float | None,
    grad_clip_value: float | None,
    default_tx: Factory,
) -> tuple[optax.GradientTransformation, Factory | None]:
    """The transformation to initialise optax's state with (and, but for a
    constant rate, to update with), and for a constant rate the factory each
    step calls instead.

    The clips go in front; the weight decay is added here for a `tx` given by
    the user (`default_tx` applies its own, where its class says).
    """
    front = _clips(grad_clip_norm, grad_clip_value)
    if schedule is None:
        return optax.chain(*front, _decayed(weight_decay, tx)), None
    make = default_tx if tx is None else tx
    decay = 0.0 if tx is None else weight_decay

    def factory(learning_rate: Any) -> optax.GradientTransformation:
        return optax.chain(*front, _decayed(decay, make(learning_rate)))

    if isinstance(schedule, ConstantLR) and schedule.is_constant:
        return factory(schedule.base_lr), factory
    return optax.inject_hyperparams(factory)(learning_rate=0.0), None


def _rate_dtype(params: Any) -> Any:
    """The dtype to give a constant rate: the weights' own floating dtype if
    they share one (as a Python float would take), else float32."""
    dtypes = {jnp.result_type(x) for x in jax.tree.leaves(params)}
    if len(dtypes) == 1:
        (dtype,) = dtypes
        if jnp.issubdtype(dtype, jnp.floating):
            return dtype
    return jnp.float32


def optax_step(
    tx: optax.GradientTransformation,
    factory: Factory | None,
    base_lr: float,
    params: list[Any],
    grads: list[Any],
    opt_state: Any,
    lr: Any,
    extra_args: dict[str, Any],
) -> tuple[list[Any], Any]:
    """One pure optax step: `(new params, new opt_state)`.

    `lr` is None for a ready transformation, the schedule's rate for an
    injected one, and for a constant rate (`factory` given) the schedule's
    applied rate (not finite: none, use `base_lr`), given to the factory.
    """
    if factory is not None:
        dtype = _rate_dtype(params)
        # lax.select, not jnp.where: traced inline, with no nested jit
        rate = jax.lax.select(
            jnp.isfinite(lr), lr.astype(dtype), jnp.asarray(base_lr, dtype)
        )
        tx = factory(rate)
    elif lr is not None:
        hyper = dict(opt_state.hyperparams)
        old = hyper["learning_rate"]
        hyper["learning_rate"] = jnp.asarray(lr, dtype=jnp.result_type(old))
        opt_state = opt_state._replace(hyperparams=hyper)
    tx = optax.with_extra_args_support(tx)
    updates, new_state = tx.update(grads, opt_state, params, **extra_args)
    new_params = optax.apply_updates(params, updates)
    assert isinstance(new_params, list)
    return new_params, new_state
