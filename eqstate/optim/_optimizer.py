"""`OptaxOptimizer`: an optax transformation whose state lives in States.

The idea: optax already is a pure `(grads, opt_state, params) -> (updates,
opt_state)` pair. The optimizer keeps `opt_state` (one State per array), the
step count and the learning-rate schedule's position in `OptimState`s and
writes the new parameter values into the registered `ParamState`s. `update`
only reads and writes States, so a train step wrapped in
`eqstate.transform.jit` threads all of it with no extra code.

How the transformation is built from `tx` and `lr`, and how each step gets
its rate (a schedule's through `optax.inject_hyperparams`, a constant one
through the factory, so `lr_apply` reaches a compiled step), is in
`_transformation.py`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import optax

from .._jax_hooks import is_eager
from .._left_out import left_out_attributes
from .._state import State
from ._base import Optimizer, OptimizerError
from ._optimizer_parts import (
    _GRADS_FIX,
    _UNKNOWN_LR,
    Key,
    Layout,
    ParamStates,
    _grads_list,
    _has_callable,
    _merged,
    _registered_items,
    _shape,
)
from ._schedules import (
    LearningRate,
    LRScheduler,
    OptimState,
    assign_values,
    state_tree,
    tree_values,
    with_applied_lr,
)
from ._transformation import (
    Factory,
    _decayed,
    check_arguments,
    optax_step,
    schedule_for,
    transformation,
)

__all__ = ["OptaxOptimizer"]


@left_out_attributes("OptaxOptimizer")
class OptaxOptimizer(Optimizer):
    """A gradient-descent optimizer over any optax transformation.

    Three ways to build one:

    - `OptaxOptimizer(tx)` with a ready `optax.GradientTransformation` (any
      chain); its learning rate is inside `tx`, so `current_lr` is unknown;
    - `OptaxOptimizer(factory, lr=...)` with an optax factory taking the
      learning rate first (`optax.adam`, or `functools.partial(optax.adam,
      b1=0.8)`) and a rate, an `LRScheduler` or an optax schedule;
    - a subclass overriding `default_tx(learning_rate)`: `SGD`, `Adam`, ...
      are built this way, and so is your own (see `default_tx`). With no `tx`,
      `OptaxOptimizer` itself is Adam (braintools' default).

    Then `register_trainable_weights(model.states(ParamState))` and call
    `update(grads)` eagerly or inside `eqstate.transform.jit`.

    ```python
    import jax.numpy as jnp
    import optax
    import eqstate
    import eqstate.optim as optim

    w = eqstate.ParamState(jnp.array([1.0, -2.0]))
    opt = optim.OptaxOptimizer(optax.adam, lr=0.1)
    opt.register_trainable_weights({("w",): w})

    @eqstate.transform.jit
    def train_step():
        loss = lambda: jnp.sum(w.value**2)
        grads = eqstate.transform.grad(loss, opt.param_states.to_pytree())()
        opt.update(grads)

    for _ in range(3):
        train_step()
    assert int(opt.step_count.value) == 3
    ```

    Args:
        tx: a `GradientTransformation`, a factory `learning_rate -> tx`, or
            None for this class's `default_tx`.
        lr: the learning rate: a number, an `LRScheduler` or an optax schedule
            `count -> rate` (advanced once per update). Not used with a ready
            transformation.
        weight_decay: the decay rate; where each class applies it is said in
            its docstring (for a `tx` given here: added to the gradient first,
            `weight_decay * param`, the coupled L2 term).
        grad_clip_norm: clip the gradients' global norm to this first.
        grad_clip_value: then clip each gradient element to `[-v, v]`.

    Attributes:
        step_count: an `OptimState` counting the updates.
        opt_state: optax's state with each array in an `OptimState` (after
            registration; None before).
    """

    def __init__(
        self,
        tx: optax.GradientTransformation | Factory | None = None,
        lr: LearningRate = 1e-3,
        weight_decay: float = 0.0,
        grad_clip_norm: float | None = None,
        grad_clip_value: float | None = None,
    ):
        name = type(self).__name__
        check_arguments(name, lr, weight_decay, grad_clip_norm, grad_clip_value)
        self.weight_decay: float = weight_decay
        self.grad_clip_norm: float | None = grad_clip_norm
        self.grad_clip_value: float | None = grad_clip_value
        self._schedulers: list[LRScheduler] = []
        self._lr: LRScheduler | None = schedule_for(name, tx, lr)
        # `_factory`: for a constant rate, what each update calls with the rate
        # of the moment; `_tx` then only builds optax's initial state.
        self._tx: optax.GradientTransformation
        self._factory: Factory | None
        self._tx, self._factory = transformation(
            tx, self._lr, weight_decay, grad_clip_norm, grad_clip_value, self.default_tx
        )
        self.step_count: OptimState = OptimState(
            jnp.zeros((), jnp.int32), name="step_count"
        )
        self._params: dict[Key, State[Any]] = {}
        self._layout: Layout = "dict"
        self.opt_state: Any = None
        # the pure optax step `(params, grads, opt_state, lr, extra_args)`, and
        # its jit for eager updates
        base_lr = 0.0 if self._lr is None else self._lr.base_lr
        self._apply = functools.partial(optax_step, self._tx, self._factory, base_lr)
        self._pure_update = jax.jit(self._apply)
        if self._lr is not None:
            self._lr.attach_optimizer(self)

    def default_tx(self, learning_rate: Any = None) -> optax.GradientTransformation:
        """The transformation this optimizer applies, at `learning_rate`.

        Override it in a subclass to make a new optimizer from optax parts;
        the base class adds gradient clipping in front and handles the
        learning rate (a schedule is injected with `optax.inject_hyperparams`,
        so `learning_rate` may be a traced scalar). Here: Adam with the coupled
        weight decay `weight_decay * param` added to the gradient first.

        ```python
        import jax.numpy as jnp
        import optax
        import eqstate
        import eqstate.optim as optim

        class ClippedSGD(optim.OptaxOptimizer):
            def __init__(self, lr=0.1, max_update=0.05):
                self.max_update = max_update
                super().__init__(lr=lr)

            def default_tx(self, learning_rate=None):
                return optax.chain(optax.sgd(learning_rate), optax.clip(self.max_update))

        w = eqstate.ParamState(jnp.ones(2))
        opt = ClippedSGD()
        opt.register_trainable_weights([w])
        opt.update([jnp.ones(2)])
        assert jnp.allclose(w.value, 0.95)
        ```

        Args:
            learning_rate: the rate (a number or a scalar array); None means
                the current rate of `lr`.
        """
        rate = self._rate(learning_rate)
        return _decayed(self.weight_decay, optax.adam(rate))

    def _rate(self, learning_rate: Any) -> Any:
        if learning_rate is not None:
            return learning_rate
        return 1e-3 if self._lr is None else self._lr.current_lr

    @property
    def base_lr(self) -> float:
        """The initial learning rate of the schedule (braintools' `base_lr`)."""
        if self._lr is None:
            raise OptimizerError(_UNKNOWN_LR)
        return float(getattr(self._lr, "base_lr", float(self._lr.current_lr)))

    @property
    def lr(self) -> LRScheduler | None:
        """The learning-rate schedule (None for a ready transformation)."""
        return self._lr

    @property
    def lr_scheduler(self) -> LRScheduler | None:
        """The learning-rate schedule (the same object as `lr`)."""
        return self._lr

    @property
    def schedulers(self) -> list[LRScheduler]:
        """Extra schedules registered with `add_scheduler`."""
        return self._schedulers

    def add_scheduler(self, scheduler: LRScheduler) -> None:
        """Keep `scheduler` with this optimizer (listed by `schedulers`).

        Args:
            scheduler: an `LRScheduler` to keep with this optimizer.
        """
        self._schedulers.append(scheduler)

    def get_last_lr(self) -> list[jax.Array]:
        """The current learning rate as a one-element list (braintools' form).

        With schedules added by `add_scheduler`, the last one's `get_last_lr()`.
        """
        if self._schedulers:
            return self._schedulers[-1].get_last_lr()
        return [self.current_lr]

    # -- registration --------------------------------------------------------

    def register_trainable_weights(
        self, param_states: Mapping[Key, Any] | Sequence[State[Any]]
    ) -> OptaxOptimizer:
        """Add States to those this optimizer updates, and build optax's state;
        returns the optimizer (so `opt = Adam(1e-3).register_trainable_weights(
        params)` works, as in braintools).

        Calls accumulate, as in braintools 0.3.0: a second call (say, the
        decoder's weights after the encoder's) adds its States after the
        registered ones, skipping any already registered (they keep their
        first key). Each call builds optax's state afresh for all the
        weights, so moments of the weights registered before are reset (the
        step count and the schedule are kept): register everything before
        training, and before tracing a jitted train step, which keeps the
        weights it was traced with.

        ```python
        import jax.numpy as jnp
        import eqstate
        import eqstate.optim as optim

        enc, b = eqstate.ParamState(jnp.ones(2)), eqstate.ParamState(jnp.ones(()))
        opt = optim.SGD(lr=0.1)
        opt.register_trainable_weights({"enc": {"w": enc}})
        assert opt.register_trainable_weights({"b": b}) is opt
        opt.update({"enc": {"w": jnp.ones(2)}, "b": jnp.ones(())})
        assert jnp.allclose(enc.value, 0.9) and jnp.allclose(b.value, 0.9)
        ```

        Args:
            param_states: a `{path: State}` dict such as `model.states(ParamState)`
                (the gradients passed to `update` must use the same keys), a
                `StateTree`, a nested dict of States (the gradients nested the
                same way), or a list of States (gradients as a list in the same
                order). After a flat dict and a nested one, the weights are
                keyed as a nested dict (a flat key `k` at `(k,)`).

        Raises:
            OptimizerError: a State given twice in one call, a key already
                taken by another State, or a list after a dict (or the
                other way round).
        """
        items, layout = _registered_items(param_states)
        if self._params:
            self._params, self._layout = _merged(
                self._params, self._layout, items, layout
            )
        else:
            self._params, self._layout = dict(items), layout
        init = self._tx.init([s.value for s in self._params.values()])
        self.opt_state = state_tree(init, "opt_state")
        return self

    @property
    def param_states(self) -> ParamStates:
        """The registered weights; `.to_pytree()` gives them as registered."""
        return ParamStates(self._params, self._layout)

    # -- the update ----------------------------------------------------------

    def _grads_list(self, grads: Any) -> list[Any]:
        return _grads_list(self._params, self._layout, grads)

    def step(self, grads: Any, **extra_args: Any) -> None:
        """The same as `update` (braintools' other spelling).

        Args:
            grads: gradients keyed like `param_states.to_pytree()`.
            **extra_args: passed to the optax transformation's `update`.
        """
        self.update(grads, **extra_args)

    def update(self, grads: Any, **extra_args: Any) -> None:
        """Apply one optimizer step to the registered weights.

        Works eagerly and inside `eqstate.transform.jit`: the weights, optax's
        state, the step count and the schedule are all States, read and
        written here.

        Args:
            grads: gradients keyed like `param_states.to_pytree()` (a dict with
                the same keys, or a list in the same order).
            **extra_args: passed to the optax transformation's `update`, for
                those that take extra arguments (e.g. `value=loss` for
                `optax.contrib.reduce_on_plateau` in a chain).
        """
        if self.opt_state is None:
            raise OptimizerError(
                "optimizer.update was called before any weights were registered. Call "
                "optimizer.register_trainable_weights(model.states(eqstate.ParamState)) "
                "first."
            )
        grad_list = self._grads_list(grads)
        states = list(self._params.values())
        params = [s.value for s in states]
        for key, p, g in zip(self._params, params, grad_list):
            if _shape(g) != _shape(p):
                raise OptimizerError(
                    f"optimizer.update: the gradient for {key!r} has shape "
                    f"{_shape(g)}, but the weight has shape {_shape(p)}.\n" + _GRADS_FIX
                )
        lr = self._rate_input()
        # eagerly, the pure step runs as one compiled call; under a trace
        # (a jitted train step) it is traced inline, as a nested jit would
        # only add a call boundary for JAX to trace and lower. A function
        # among the extra arguments (LBFGS's `value_fn`) cannot cross a jit
        # boundary, so it is called directly then too.
        jitted = is_eager() and not _has_callable(extra_args)
        apply = self._pure_update if jitted else self._apply
        new_params, new_state = apply(
            params, grad_list, tree_values(self.opt_state), lr, extra_args
        )
        for state, value in zip(states, new_params):
            state.value = value
        assign_values(self.opt_state, new_state)
        self.step_count.value = self.step_count.value + 1
        if self._lr is not None:
            self._lr._after_update()

    def _rate_input(self) -> Any:
        """What `_apply` takes as `lr`: one scalar State's value for a constant
        rate, the schedule's rate otherwise, None for a ready transformation."""
        if self._lr is None:
            return None
        if self._factory is not None:
            return self._lr._applied.value
        return self._lr.current_lr

    def lr_apply(self, apply_fn: Callable[[jax.Array], Any]) -> None:
        """Set the learning rate to `apply_fn(the schedule's rate)` until the
        schedule's next `step()` (see `LRScheduler.apply`); a constant rate
        keeps it.

        As in braintools 0.3.0, `apply_fn` gets the schedule's own rate, not
        the rate an earlier `lr_apply` or `current_lr = ...` set: calls do not
        compound (`ReduceLROnPlateau`, whose rate is its state, is the
        exception).

        ```python
        import jax.numpy as jnp
        import eqstate
        import eqstate.optim as optim

        w = eqstate.ParamState(jnp.ones(2))
        opt = optim.SGD(lr=1.0)
        opt.register_trainable_weights({"w": w})
        opt.lr_apply(lambda lr: lr * 0.1)
        opt.lr_apply(lambda lr: lr * 0.1)  # 0.1 of 1.0 again
        opt.update({"w": jnp.ones(2)})
        assert jnp.allclose(w.value, 0.9) and jnp.allclose(opt.current_lr, 0.1)
        ```

        Args:
            apply_fn: maps the current rate (a scalar array) to the new one.

        Raises:
            OptimizerError: the rate is unknown (a ready transformation).
        """
        if self._lr is None:
            raise OptimizerError(_UNKNOWN_LR)
        self._lr.apply(apply_fn)

    @property
    def current_lr(self) -> jax.Array:
        """The learning rate, as braintools' `current_lr` reports it.

        It follows the schedule: after `schedule.step()` it is the new
        position's rate, after `lr_apply` the applied one; that is the rate the
        next `update` uses. Before the schedule's first `step()` (or
        `lr_apply`, or an assignment) it is `base_lr`, as in braintools 0.3.0,
        even where `update` uses another rate: a warm-up schedule such as
        `LinearLR` starts below `base_lr` (its own `current_lr` says so).
        Assigning sets the rate until the schedule's next `step()` (a constant
        rate keeps it), eagerly or inside `eqstate.transform.jit`.

        ```python
        import jax.numpy as jnp
        import eqstate.optim as optim

        warmup = optim.LinearLR(base_lr=0.1, start_factor=0.25, total_iters=4)
        opt = optim.SGD(lr=warmup)
        assert jnp.allclose(opt.current_lr, 0.1)  # base_lr, as braintools says
        assert jnp.allclose(warmup.current_lr, 0.025)  # what an update uses
        warmup.step()
        assert jnp.allclose(opt.current_lr, 0.04375)
        opt.current_lr = 0.5
        assert jnp.allclose(opt.current_lr, 0.5)
        ```
        """
        if self._lr is None:
            raise OptimizerError(_UNKNOWN_LR)
        return self._lr._reported_lr

    @current_lr.setter
    def current_lr(self, value: Any) -> None:
        if self._lr is None:
            raise OptimizerError(_UNKNOWN_LR)
        self._lr.apply(lambda _: value)

    # -- state ---------------------------------------------------------------

    def __eqstate_states__(self) -> dict[str, Any]:
        """The optimizer's own States (not the weights it updates)."""
        found: dict[str, Any] = {"step_count": self.step_count}
        if self._lr is not None:
            found["lr"] = self._lr.__eqstate_states__()
        if self.opt_state is not None:
            found["opt_state"] = self.opt_state
        return found

    def state_dict(self) -> dict[str, Any]:
        """A copy of all optimizer state values (step count, optax state, schedule).

        ```python
        import jax.numpy as jnp
        import eqstate
        import eqstate.optim as optim

        opt = optim.Adam(lr=1e-3)
        opt.register_trainable_weights([eqstate.ParamState(jnp.ones(2))])
        saved = opt.state_dict()
        opt.update([jnp.ones(2)])
        opt.load_state_dict(saved)
        assert int(opt.step_count.value) == 0
        ```
        """
        return jax.tree.map(
            lambda s: jax.tree.map(lambda x: jnp.array(x, copy=True), s.value),
            self.__eqstate_states__(),
            is_leaf=lambda x: isinstance(x, State),
        )

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        """Restore values from `state_dict()`, all or nothing.

        Raises `eqstate.checkpoint.CheckpointMismatchError` naming the first
        path whose structure, shape or dtype differs; nothing is written then.
        """
        from ..checkpoint._tree import load_values

        state_dict = dict(state_dict)
        # saved before the rate was read from the schedule: no own copy now
        state_dict.pop("current_lr", None)
        if isinstance(state_dict.get("lr"), Mapping):
            state_dict["lr"] = with_applied_lr(state_dict["lr"])
        load_values(self.__eqstate_states__(), state_dict, "optimizer.load_state_dict")

    def __repr__(self) -> str:
        lr = "" if self._lr is None else f"lr={self._lr!r}, "
        return f"{type(self).__name__}({lr}weights={len(self._params)})"
