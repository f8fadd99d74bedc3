"""Dynamical systems: `Dynamics`, state (re)initialisation, exponential Euler."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from .. import environ
from ._module import Module, init_module

__all__ = ["Dynamics", "exp_euler_step", "init_all_states", "reset_all_states"]

Size = int | Sequence[int]


class Dynamics(Module):
    """Base class for a dynamical system with state, such as a neuron group.

    Subclasses create their States in `init_state(batch_size=None)` (called by
    `init_all_states`), put them back to their initial values in
    `reset_state(...)` (called by `reset_all_states`), and advance one time
    step in `update(...)`, which calling the module runs.

    ```python
    import jax.numpy as jnp
    import eqstate

    class Leaky(eqstate.nn.Dynamics):
        def init_state(self, batch_size=None):
            self.v = eqstate.HiddenState(jnp.zeros(self.varshape))

        def update(self, x):
            self.v.value = 0.9 * self.v.value + x
            return self.v.value

    cell = Leaky(3)
    eqstate.nn.init_all_states(cell)
    assert cell(jnp.ones(3)).tolist() == [1.0, 1.0, 1.0]
    ```

    Args:
        in_size: the number (or shape) of units.
        name: an optional name.
    """

    def __init__(self, in_size: Size, name: str | None = None):
        init_module(self, name)
        self.in_size = (
            (int(in_size),)
            if isinstance(in_size, (int, np.integer))
            else tuple(in_size)
        )
        self.out_size = self.in_size

    @property
    def varshape(self) -> tuple[int, ...]:
        """The shape of one state variable (the unbatched `in_size`)."""
        size = self.in_size
        assert size is not None  # set by __init__
        return size


def _hooked_nodes(module: Any, hook: str) -> list[Any]:
    from ..graph import nodes

    found = [m for m in nodes(module).values() if callable(getattr(m, hook, None))]
    return found[::-1]  # children before their parents


def init_all_states(module: Any, *args: Any, **kwargs: Any) -> Any:
    """Call `init_state(*args, **kwargs)` on every module inside `module`.

    Children are initialised before their parents. Pass `batch_size=n` to
    make batched States. Returns `module`.

    ```python
    import jax.numpy as jnp
    import eqstate

    class Cell(eqstate.nn.Dynamics):
        def init_state(self, batch_size=None):
            shape = self.varshape if batch_size is None else (batch_size, *self.varshape)
            self.v = eqstate.HiddenState(jnp.zeros(shape))

    cell = eqstate.nn.init_all_states(Cell(2), batch_size=4)
    assert cell.v.value.shape == (4, 2)
    ```
    """
    for node in _hooked_nodes(module, "init_state"):
        node.init_state(*args, **kwargs)
    return module


def reset_all_states(module: Any, *args: Any, **kwargs: Any) -> Any:
    """Call `reset_state(*args, **kwargs)` on every module inside `module`.

    ```python
    import jax.numpy as jnp
    import eqstate

    class Integrator(eqstate.nn.Dynamics):
        def init_state(self, batch_size=None):
            self.v = eqstate.HiddenState(jnp.zeros(self.varshape))

        def reset_state(self, batch_size=None):
            self.v.value = jnp.zeros(self.varshape)

        def update(self, x):
            self.v.value = self.v.value + x
            return self.v.value

    cell = eqstate.nn.init_all_states(Integrator(2))
    cell(jnp.ones(2))
    eqstate.nn.reset_all_states(cell)
    assert cell.v.value.tolist() == [0.0, 0.0]
    ```
    """
    for node in _hooked_nodes(module, "reset_state"):
        node.reset_state(*args, **kwargs)
    return module


def _phi(a: jax.Array, dt: Any) -> jax.Array:
    """(exp(a dt) - 1) / a, continuous at a = 0 (where it is dt)."""
    small = jnp.abs(a * dt) < 1e-6
    safe = jnp.where(small, 1.0, a)
    return jnp.where(small, dt * (1 + a * dt / 2), jnp.expm1(safe * dt) / safe)


def exp_euler_step(fn: Callable[..., Any], x: Any, *args: Any, **kwargs: Any) -> Any:
    r"""One exponential-Euler step of $\dot x = f(x, \ldots)$ with step `environ.get_dt()`.

    With the diagonal Jacobian $a = \partial f / \partial x$ (one forward-mode
    pass), $x_{t+dt} = x + \frac{e^{a\,dt} - 1}{a} f(x)$: exact for linear
    systems such as a leaky membrane, and stable for stiff ones. `x`, `dt`
    and `f(x)` may carry brainunit units.

    ```python
    import jax.numpy as jnp
    import eqstate

    with eqstate.environ.context(dt=0.1):
        v = eqstate.nn.exp_euler_step(lambda v: -v, jnp.array(1.0))
    assert abs(float(v) - float(jnp.exp(-0.1))) < 1e-6
    ```
    """
    dt = environ.get_dt()
    from .._units import strip, unit_of, with_unit

    x_unit, dt_unit = unit_of(x), unit_of(dt)
    x_m, dt_m = strip(x), strip(dt)
    rate_unit = None if x_unit is None and dt_unit is None else (x_unit, dt_unit)

    def rate(m: Any) -> Any:
        out = fn(with_unit(m, x_unit), *args, **kwargs)
        if rate_unit is None:
            return out
        return strip(out, x_unit, dt_unit)

    x_m = jnp.asarray(x_m)
    f, a = jax.jvp(rate, (x_m,), (jnp.ones_like(x_m),))
    return with_unit(x_m + _phi(a, dt_m) * f, x_unit)
