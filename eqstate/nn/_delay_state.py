"""`StateWithDelay`: a `Delay` of one State of a module (what
`Dynamics.prefetch_delay` reads from)."""

from __future__ import annotations

from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from .._state import State
from .._units import is_quantity, strip
from ._collective import call_order
from ._delay import Delay, _Ref
from ._interpolation import DelayError

__all__ = ["StateWithDelay"]


class StateWithDelay(Delay):
    """A `Delay` of one State of a module, written from it after each update.

    `Dynamics.prefetch_delay` creates these; `update()` (no argument) stores
    the State's current value.

    ```python
    import jax.numpy as jnp
    import eqstate

    class Counter(eqstate.nn.Dynamics):
        def init_state(self, batch_size=None):
            self.n = eqstate.HiddenState(jnp.zeros(1))

        def update(self):
            self.n.value = self.n.value + 1

    with eqstate.environ.context(dt=1.0):
        c = Counter(1)
        delayed = eqstate.nn.StateWithDelay(c, "n")
        step = delayed.register_delay(2.0)
        eqstate.nn.init_all_states([c, delayed])
        for _ in range(3):
            c.update()
            delayed.update()
        assert delayed.retrieve_at_step(*step).tolist() == [1.0]
    ```
    """

    _target: _Ref = eqx.field(static=True, repr=False)
    _target_term: str = eqx.field(static=True, repr=False)

    def __init__(
        self,
        target: Any,
        item: str,
        init: Any = None,
        interpolation: str | None = "round",
        **kwargs: Any,
    ):
        super().__init__(None, init=init, interpolation=interpolation, **kwargs)
        self._target = _Ref(target)
        self._target_term = item

    @property
    def state(self) -> State[Any]:
        """The delayed State (looked up on the target module)."""
        target = self._target.obj
        found = getattr(target, self._target_term, None)
        if not isinstance(found, State):
            raise DelayError(
                f"{type(target).__name__}.{self._target_term} is "
                f"{type(found).__name__}, not a State; only States can be delayed "
                f"(create it in `init_state` before `init_all_states` reaches the delay)."
            )
        return found

    @call_order(3)
    def init_state(self, *args: Any, **kwargs: Any) -> None:
        """Allocate the buffer with the shape of the target State's value."""
        self._cfg.target_info = jax.tree.map(
            lambda a: jax.ShapeDtypeStruct(np.shape(a), jnp.result_type(a)),
            jax.tree.map(strip, self.state.value, is_leaf=is_quantity),
        )
        Delay.init_state(self, *args, **kwargs)

    def update(self, *args: Any) -> None:  # type: ignore[override]
        """Store the target State's current value."""
        Delay.update(self, self.state.value)
