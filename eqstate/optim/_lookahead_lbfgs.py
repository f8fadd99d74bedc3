"""`Lookahead` and `LBFGS`: optimizers whose optax form needs an adapter."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import optax

from ._base import OptimizerError
from ._optimizer import OptaxOptimizer
from ._optimizer_parts import _as_registered
from ._schedules import LearningRate
from ._transformation import _decayed

__all__ = ["LBFGS", "Lookahead"]


class _SlowState(NamedTuple):
    inner: Any
    slow: Any


def _lookahead_on_params(
    fast: optax.GradientTransformation, sync_period: int, alpha: float
) -> optax.GradientTransformation:
    """`optax.lookahead` over plain parameters: the slow copy lives in the state.

    optax's lookahead updates `LookaheadParams(fast, slow)`; the model holds
    the fast weights, so the slow ones are kept beside optax's state and the
    fast part of optax's update is returned.
    """
    inner = optax.lookahead(fast, sync_period, alpha)

    def init(params: Any) -> _SlowState:
        return _SlowState(inner.init(optax.LookaheadParams.init_synced(params)), params)

    def update(updates: Any, state: Any, params: Any = None) -> Any:
        if params is None:
            raise OptimizerError("Lookahead needs the parameters in update().")
        both = optax.LookaheadParams(fast=params, slow=state.slow)
        step: Any
        step, new_inner = inner.update(updates, state.inner, both)
        moved = optax.apply_updates(both, step)
        assert isinstance(moved, optax.LookaheadParams)
        return step.fast, _SlowState(new_inner, moved.slow)

    return optax.GradientTransformation(init, update)


class Lookahead(OptaxOptimizer):
    """Lookahead: `k` fast steps forward, then one step back toward the slow weights.

    Built on `optax.lookahead`: `base_optimizer` (an optax transformation,
    with its own learning rate) takes the fast steps; every `sync_period`
    updates the slow weights move `alpha` of the way to the fast ones and
    the model's weights are reset to them. `lr` is only the nominal rate
    reported by `current_lr`.

    ```python
    import jax.numpy as jnp
    import optax
    import eqstate
    import eqstate.optim as optim

    w = eqstate.ParamState(jnp.ones(2))
    opt = optim.Lookahead(optax.sgd(0.1), sync_period=2, alpha=0.5)
    opt.register_trainable_weights([w])
    opt.update([jnp.ones(2)])  # fast: 0.9
    opt.update([jnp.ones(2)])  # fast: 0.8, synced: 1 + 0.5 * (0.8 - 1) = 0.9
    assert jnp.allclose(w.value, 0.9)
    ```

    Args:
        base_optimizer: the fast optimizer, an `optax.GradientTransformation`.
        sync_period: fast steps between two synchronizations.
        alpha: the slow weights' step toward the fast ones.
        lr: the nominal learning rate.
        weight_decay: coupled L2 decay added in front of the fast optimizer.
        grad_clip_norm: clip the gradients' global norm first.
        grad_clip_value: clip each gradient element.

    References:
        Zhang et al., "Lookahead Optimizer: k steps forward, 1 step back", 2019.
    """

    def __init__(
        self,
        base_optimizer: optax.GradientTransformation,
        sync_period: int = 5,
        alpha: float = 0.5,
        lr: LearningRate = 1e-3,
        weight_decay: float = 0.0,
        grad_clip_norm: float | None = None,
        grad_clip_value: float | None = None,
    ):
        if not isinstance(base_optimizer, optax.GradientTransformation):
            raise OptimizerError(
                "Lookahead: base_optimizer must be an optax.GradientTransformation "
                f"such as optax.adam(1e-3); got {type(base_optimizer).__name__}."
            )
        if sync_period < 1:
            raise OptimizerError(
                f"Lookahead: sync_period must be >= 1; got {sync_period}."
            )
        self.base_optimizer: optax.GradientTransformation = base_optimizer
        self.sync_period: int = sync_period
        self.alpha: float = alpha
        super().__init__(None, lr, weight_decay, grad_clip_norm, grad_clip_value)

    def default_tx(self, learning_rate: Any = None) -> optax.GradientTransformation:
        fast = _decayed(self.weight_decay, self.base_optimizer)
        return _lookahead_on_params(fast, self.sync_period, self.alpha)


class LBFGS(OptaxOptimizer):
    """L-BFGS with a line search (`optax.lbfgs`).

    The default line search is optax's zoom line search (strong Wolfe
    conditions), so `update` needs the loss: pass `value=` (the loss at the
    current weights) and `value_fn=` (the loss as a function of the weights,
    structured like `param_states.to_pytree()`'s values). `linesearch="zoom"`
    (100 steps at most, braintools' choice), `"backtracking"`, an optax line
    search, or None (optax's default: zoom, 20 steps, each search starting
    from step size 1) are accepted.

    ```python
    import jax.numpy as jnp
    import eqstate
    import eqstate.optim as optim

    def loss_fn(p):  # a quadratic bowl with its minimum at (1, -2)
        x, y = p["xy"]
        return (x - 1) ** 2 + 10 * (y + 2) ** 2

    xy = eqstate.ParamState(jnp.zeros(2))
    opt = optim.LBFGS()
    opt.register_trainable_weights({"xy": xy})

    @eqstate.transform.jit
    def step():
        grads, loss = eqstate.transform.grad(
            lambda: loss_fn({"xy": xy.value}), {"xy": xy}, return_value=True
        )()
        opt.update(grads, value=loss, value_fn=loss_fn)

    for _ in range(8):
        step()
    assert jnp.allclose(xy.value, jnp.array([1.0, -2.0]), atol=1e-3)
    ```

    Args:
        lr: scales the quasi-Newton direction before the line search.
        memory_size: the number of past updates kept.
        scale_init_precond: scale the initial inverse Hessian.
        linesearch: the line search (see above).
        grad_clip_norm: clip the gradients' global norm first.
        grad_clip_value: clip each gradient element.

    References:
        Nocedal & Wright, "Numerical Optimization", 2nd ed., algorithms 7.5 and 3.5.
    """

    def __init__(
        self,
        lr: LearningRate = 1.0,
        memory_size: int = 10,
        scale_init_precond: bool = True,
        linesearch: str | optax.GradientTransformationExtraArgs | None = None,
        grad_clip_norm: float | None = None,
        grad_clip_value: float | None = None,
    ):
        if linesearch is None:
            search: Any = optax.scale_by_zoom_linesearch(
                max_linesearch_steps=20, initial_guess_strategy="one"
            )
        elif linesearch == "zoom":
            search = optax.scale_by_zoom_linesearch(max_linesearch_steps=100)
        elif linesearch == "backtracking":
            search = optax.scale_by_backtracking_linesearch(max_backtracking_steps=100)
        elif isinstance(linesearch, optax.GradientTransformation):
            search = linesearch
        else:
            raise OptimizerError(
                f"LBFGS: unknown linesearch {linesearch!r}; use 'zoom', "
                "'backtracking', an optax line search, or None."
            )
        self.memory_size: int = memory_size
        self.scale_init_precond: bool = scale_init_precond
        self.linesearch = search
        super().__init__(None, lr, 0.0, grad_clip_norm, grad_clip_value)

    def default_tx(self, learning_rate: Any = None) -> optax.GradientTransformation:
        return optax.lbfgs(
            self._rate(learning_rate),
            memory_size=self.memory_size,
            scale_init_precond=self.scale_init_precond,
            linesearch=self.linesearch,
        )

    def update(  # pyright: ignore[reportIncompatibleMethodOverride]
        self,
        grads: Any,
        value: Any = None,
        value_fn: Callable[[Any], Any] | None = None,
        **extra_args: Any,
    ) -> None:
        """One L-BFGS step with the line search.

        Args:
            grads: gradients keyed like `param_states.to_pytree()`.
            value: the loss at the current weights.
            value_fn: the loss as a function of the weights, given in the
                structure they were registered in (`param_states.to_pytree()`).
            **extra_args: passed on to optax.
        """
        if value_fn is not None:
            keys, layout = list(self._params), self._layout
            user_fn = value_fn

            def on_list(values: list[Any]) -> Any:
                return user_fn(_as_registered(layout, keys, values))

            extra_args["value_fn"] = on_list
        if value is not None:
            extra_args["value"] = value
        if self.opt_state is not None:
            extra_args["grad"] = self._grads_list(grads)
        super().update(grads, **extra_args)
