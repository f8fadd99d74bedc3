"""`Optimizer`: the base class of every optimizer, and the one to subclass.

An optimizer owns two things: the weights it updates (registered States) and
its own state (moments, counters), kept in `OptimState`s so that a train step
under `eqstate.transform.jit` threads it with no extra code. `Optimizer` fixes
the two methods every training loop calls; `OptaxOptimizer` implements them
over any optax transformation.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from typing import Any

from .._errors import EqstateError
from .._state import State

__all__ = ["Optimizer", "OptimizerError"]


class OptimizerError(EqstateError, ValueError):
    """An optimizer was used in a way that cannot work (also a ValueError,
    as braintools raises; a transformation of the wrong type is a TypeError
    too).

    For example `update` before `register_trainable_weights`, gradients whose
    keys are not the registered weights, or a weight given twice in one
    registration. The message names the offending paths and shows the call
    to make instead.

    ```python
    import jax.numpy as jnp
    import eqstate
    import eqstate.optim as optim

    opt = optim.SGD(lr=0.1)
    opt.register_trainable_weights({("w",): eqstate.ParamState(jnp.ones(2))})
    try:
        opt.update({("v",): jnp.ones(2)})  # names ('w',) missing, ('v',) extra
    except optim.OptimizerError as e:
        assert "missing" in str(e)
    ```
    """


class Optimizer:
    """The base class of all optimizers: register weights, then `update(grads)`.

    Subclass it to write an optimizer that is not an optax transformation:
    implement `register_trainable_weights` and `update`, keep every value
    that changes from one update to the next in an `OptimState` (so that
    `eqstate.transform.jit` threads it), and list your States in
    `__eqstate_states__` (so that `eqstate.checkpoint.save`,
    `eqstate.graph.states` and `treefy_states` find them). For
    anything optax can express, subclass `OptaxOptimizer` instead and
    override its `default_tx`.

    ```python
    import jax.numpy as jnp
    import eqstate
    import eqstate.optim as optim

    class SignSGD(optim.Optimizer):
        def __init__(self, lr=0.1):
            self.lr = lr
            self.steps = optim.OptimState(jnp.zeros((), jnp.int32))

        def register_trainable_weights(self, param_states):
            self.params = dict(param_states)

        def update(self, grads):
            for key, state in self.params.items():
                state.value = state.value - self.lr * jnp.sign(grads[key])
            self.steps.value = self.steps.value + 1

        def __eqstate_states__(self):
            return {"steps": self.steps}

    w = eqstate.ParamState(jnp.array([1.0, -1.0]))
    opt = SignSGD()
    opt.register_trainable_weights({"w": w})
    eqstate.transform.jit(lambda: opt.update({"w": 2 * w.value}))()
    assert jnp.allclose(w.value, jnp.array([0.9, -0.9]))
    assert isinstance(opt, optim.Optimizer)
    assert eqstate.graph.states(opt) == {("steps",): opt.steps}
    ```
    """

    def register_trainable_weights(
        self, param_states: Mapping[Hashable, State[Any]] | Sequence[State[Any]]
    ) -> Any:
        """Choose the States this optimizer updates (braintools' optimizers
        return themselves, so that registering can be chained).

        Args:
            param_states: a `{key: State}` dict (e.g. `model.states(ParamState)`)
                or a list of States.
        """
        raise NotImplementedError(
            f"{type(self).__name__} subclasses eqstate.optim.Optimizer but does not "
            "define register_trainable_weights(self, param_states)."
        )

    def update(self, grads: Any) -> Any:
        """Apply one step, given gradients keyed like the registered weights.

        Args:
            grads: the gradients, in the structure of the registered weights.
        """
        raise NotImplementedError(
            f"{type(self).__name__} subclasses eqstate.optim.Optimizer but does not "
            "define update(self, grads)."
        )
