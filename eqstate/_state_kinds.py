"""The kinds of State brainstate names: short- and long-term, parameters,
batch statistics and hidden variables (more kinds, loaded on first use, are
in `_state_extra.py`)."""

from __future__ import annotations

from typing import Any, TypeVar

import jax

from ._state import State

__all__ = [
    "BatchState",
    "HiddenState",
    "LongTermState",
    "ParamState",
    "ShortTermState",
]

T = TypeVar("T")


class ShortTermState(State[T]):
    """State that is reset between runs: membrane potentials, traces, caches.

    ```python
    import jax.numpy as jnp
    import eqstate

    class Synapse(eqstate.nn.Module):
        def __init__(self):
            self.g = eqstate.ShortTermState(jnp.zeros(3))
            self.w = eqstate.ParamState(jnp.ones(3))

    assert list(Synapse().states(eqstate.ShortTermState)) == [("g",)]
    ```
    """


class LongTermState(State[T]):
    """State that persists across runs: weights, running statistics, counters.

    ```python
    import jax.numpy as jnp
    import eqstate

    class Layer(eqstate.nn.Module):
        def __init__(self):
            self.w = eqstate.ParamState(jnp.ones(3))
            self.steps = eqstate.LongTermState(jnp.array(0))
            self.v = eqstate.HiddenState(jnp.zeros(3))

    # ParamState is a LongTermState too.
    assert list(Layer().states(eqstate.LongTermState)) == [("steps",), ("w",)]
    ```
    """


class ParamState(LongTermState[T]):
    """A trainable parameter; `grad` and optimizers select these by default.

    ```python
    import jax.numpy as jnp
    import eqstate

    class Linear(eqstate.nn.Module):
        def __init__(self):
            self.w = eqstate.ParamState(jnp.ones((2, 2)))
            self.calls = eqstate.State(jnp.array(0))

        def __call__(self, x):
            self.calls.value += 1
            return x @ self.w.value

    model = Linear()
    params = model.states(eqstate.ParamState)
    grads = eqstate.transform.grad(lambda x: model(x).sum(), grad_states=params)(
        jnp.ones(2)
    )
    assert list(grads) == [("w",)] and int(model.calls.value) == 1
    ```
    """


class BatchState(LongTermState[T]):
    """Batch statistics, such as BatchNorm's running mean and variance.

    ```python
    import jax.numpy as jnp
    import eqstate

    mean = eqstate.BatchState(jnp.zeros(3))

    @eqstate.transform.jit
    def observe(x):
        mean.value = 0.9 * mean.value + 0.1 * x.mean(axis=0)

    observe(jnp.ones((8, 3)))
    assert jnp.allclose(mean.value, 0.1)
    ```
    """


class HiddenState(ShortTermState[T]):
    """The hidden variables of a dynamical system (e.g. a neuron's voltage).

    ```python
    import jax.numpy as jnp
    import eqstate

    v = eqstate.HiddenState(jnp.zeros(3), name="v")
    assert isinstance(v, eqstate.ShortTermState) and v.name == "v"
    ```
    """

    @property
    def varshape(self) -> tuple[int, ...]:
        """The shape of the hidden variable (its value's shape)."""
        value: Any = self.value  # (a pytree type to the checker; an array here)
        return tuple(jax.numpy.shape(value))

    @property
    def num_state(self) -> int:
        """The number of variables held: 1 for a `HiddenState`."""
        return 1
