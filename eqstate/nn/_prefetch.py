"""Handles that read a module's State now (`Prefetch`) or in the past (`...Delay...`)."""

from __future__ import annotations

from typing import Any

import equinox as eqx
import jax

from .. import environ
from .._errors import EqstateError
from .._state import State
from ._delay import Delay, _Ref
from ._delay_state import StateWithDelay
from ._dynamics import Dynamics, not_receive_update_output, receive_update_output
from ._module import Module, init_module

__all__ = [
    "OutputDelayAt",
    "Prefetch",
    "PrefetchDelay",
    "PrefetchDelayAt",
    "init_maybe_prefetch",
]


class PrefetchAttributeError(EqstateError, AttributeError):
    """A prefetch handle reads an attribute its module does not have (yet).

    An `AttributeError` too, as brainstate raises one there.
    """


class PrefetchTypeError(EqstateError, TypeError):
    """A prefetch handle found an object of the wrong type where it reads.

    A `TypeError` too, as brainstate raises one there.
    """


def _check_dynamics(module: Any, what: str) -> None:
    if not isinstance(module, Dynamics):
        raise EqstateError(
            f"{what} reads from an eqstate.nn.Dynamics, got {type(module).__name__}."
        )


def _item(module: Any, item: str) -> Any:
    found = getattr(module, item, None)
    if found is None:
        raise PrefetchAttributeError(
            f"{type(module).__name__} has no attribute {item!r} to prefetch; create "
            f"it (e.g. in `init_state`) before the first call."
        )
    return found


def _delay_key(item: str, update_every: Any) -> str:
    return f"{item}-prefetch-delay-{update_every}"


def _output_key(update_every: Any) -> str:
    return f"output-delay-{update_every}"


class Prefetch(Module):
    """Reads `module.<item>` (a State's value, or the attribute) when called.

    ```python
    import jax.numpy as jnp
    import eqstate

    class Neuron(eqstate.nn.Dynamics):
        def init_state(self, batch_size=None):
            self.v = eqstate.HiddenState(jnp.full(self.varshape, -65.0))

    n = Neuron(2)
    v = n.prefetch("v")
    eqstate.nn.init_all_states(n)
    assert v().tolist() == [-65.0, -65.0]
    ```
    """

    _module: _Ref = eqx.field(static=True, repr=False)
    item: str = eqx.field(static=True)

    def __init__(self, module: Dynamics, item: str):
        init_module(self)
        _check_dynamics(module, "Prefetch")
        self._module = _Ref(module)
        self.item = item

    @property
    def module(self) -> Dynamics:
        """The module read from."""
        return self._module.obj

    @property
    def delay(self) -> PrefetchDelay:
        """A `PrefetchDelay` of the same item (`.delay.at(time)`)."""
        return PrefetchDelay(self.module, self.item)

    def get_item(self) -> Any:
        """The attribute itself (the State)."""
        return _item(self.module, self.item)

    def get_item_value(self) -> Any:
        """The State's value (or the attribute when it is not a State)."""
        found = self.get_item()
        return found.value if isinstance(found, State) else found

    def update(self, *args: Any, **kwargs: Any) -> Any:
        """Same as `get_item_value()`."""
        return self.get_item_value()


class PrefetchDelay(Module):
    """`module.<item>` in the past: `.at(time)` gives a `PrefetchDelayAt`.

    ```python
    import jax.numpy as jnp
    import eqstate

    class Neuron(eqstate.nn.Dynamics):
        def init_state(self, batch_size=None):
            self.v = eqstate.HiddenState(jnp.zeros(self.varshape))

    with eqstate.environ.context(dt=1.0):
        n = Neuron(1)
        v_past = n.prefetch("v").delay.at(2.0)
        assert isinstance(v_past, eqstate.nn.PrefetchDelayAt)
    ```
    """

    _module: _Ref = eqx.field(static=True, repr=False)
    item: str = eqx.field(static=True)

    def __init__(self, module: Dynamics, item: str):
        init_module(self)
        _check_dynamics(module, "PrefetchDelay")
        self._module = _Ref(module)
        self.item = item

    @property
    def module(self) -> Dynamics:
        """The module read from."""
        return self._module.obj

    def at(self, *delay_time: Any) -> PrefetchDelayAt:
        """The handle reading the item `delay_time` ago."""
        return PrefetchDelayAt(self.module, self.item, *delay_time)


class PrefetchDelayAt(Module):
    """Reads State `module.<item>` as it was `time` ago (a delayed State).

    The first handle for a State creates a `StateWithDelay` after-update hook
    on the module; later handles share it and grow its buffer. Made by
    `Dynamics.prefetch_delay`.

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
        two_back = c.prefetch_delay("n", 2.0)
        eqstate.nn.init_all_states(c)
        for _ in range(5):
            c()
        assert two_back().tolist() == [3.0]
    ```
    """

    _module: _Ref = eqx.field(static=True, repr=False)
    item: str = eqx.field(static=True)
    delay_time: Any = eqx.field(static=True, repr=False)
    delay_info: Any = eqx.field(static=True, repr=False)
    state_delay: Any

    def __init__(
        self,
        module: Dynamics,
        item: str,
        *time_and_index: Any,
        delay_init: Any = None,
        interpolation: str | None = None,
        update_every: Any = None,
        **kwargs: Any,
    ):
        init_module(self)
        _check_dynamics(module, "PrefetchDelayAt")
        self._module = _Ref(module)
        self.item = item
        if len(time_and_index) == 1 and isinstance(time_and_index[0], (tuple, list)):
            time_and_index = tuple(time_and_index[0])
        self.delay_time = _Ref(time_and_index)
        self.state_delay = None
        self.delay_info = _Ref(None)
        if time_and_index:
            key = _delay_key(item, update_every)
            if not module.has_after_update(key):
                delay = StateWithDelay(
                    module,
                    item,
                    init=delay_init,
                    interpolation=interpolation,
                    update_every=update_every,
                    **kwargs,
                )
                module.add_after_update(key, not_receive_update_output(delay))
            self.state_delay = module.get_after_update(key)
            self.delay_info = _Ref(self.state_delay.register_delay(*time_and_index))

    @property
    def module(self) -> Dynamics:
        """The module read from."""
        return self._module.obj

    def update(self, *args: Any, **kwargs: Any) -> Any:
        """The delayed value (the current one when no time was given)."""
        if self.state_delay is None:
            return _item(self.module, self.item).value
        return self.state_delay.retrieve_at_step(*self.delay_info.obj)


class OutputDelayAt(Module):
    """Reads a module's output (`update`'s return value) as it was `time` ago.

    Made by `Dynamics.output_delay`; the first one registers a `Delay`
    after-update hook that records each output.

    ```python
    import jax.numpy as jnp
    import eqstate

    class Double(eqstate.nn.Dynamics):
        def update(self, x):
            return 2 * x

    with eqstate.environ.context(dt=1.0):
        d = Double(1)
        past = d.output_delay(1.0)
        eqstate.nn.init_all_states(d)
        d(jnp.ones(1))
        d(jnp.full(1, 5.0))
        assert past().tolist() == [2.0]
    ```
    """

    _module: _Ref = eqx.field(static=True, repr=False)
    delay_info: Any = eqx.field(static=True, repr=False)
    out_delay: Delay

    def __init__(
        self,
        module: Dynamics,
        *delay_time: Any,
        delay_init: Any = None,
        interpolation: str | None = None,
        update_every: Any = None,
        **kwargs: Any,
    ):
        init_module(self)
        _check_dynamics(module, "OutputDelayAt")
        self._module = _Ref(module)
        key = _output_key(update_every)
        if not module.has_after_update(key):
            if module.out_size is None:
                raise EqstateError(
                    f"{type(module).__name__} has no out_size, so its output cannot "
                    f"be delayed; set `self.out_size` in __init__."
                )
            delay = Delay(
                jax.ShapeDtypeStruct(module.out_size, environ.dftype()),
                take_aware_unit=True,
                init=delay_init,
                interpolation=interpolation,
                update_every=update_every,
                **kwargs,
            )
            module.add_after_update(key, receive_update_output(delay))
        self.out_delay = module.get_after_update(key)
        self.delay_info = _Ref(self.out_delay.register_delay(*delay_time))

    @property
    def module(self) -> Dynamics:
        """The module whose output is delayed."""
        return self._module.obj

    def update(self, *args: Any, **kwargs: Any) -> Any:
        """The delayed output."""
        return self.out_delay.retrieve_at_step(*self.delay_info.obj)


def init_maybe_prefetch(target: Any, *args: Any, **kwargs: Any) -> None:
    """Check that a `Prefetch`/`PrefetchDelay` finds what it reads; no-op otherwise.

    ```python
    import jax.numpy as jnp
    import eqstate

    class Neuron(eqstate.nn.Dynamics):
        def init_state(self, batch_size=None):
            self.v = eqstate.HiddenState(jnp.zeros(self.varshape))

    n = eqstate.nn.init_all_states(Neuron(1))
    eqstate.nn.init_maybe_prefetch(n.prefetch("v"))  # found: no error
    eqstate.nn.init_maybe_prefetch(jnp.ones(1))  # anything else: ignored
    ```
    """
    if isinstance(target, Prefetch):
        target.get_item()
    elif isinstance(target, PrefetchDelay):
        key = _delay_key(target.item, None)
        hook = target.module.get_after_update(key)
        if not isinstance(hook, StateWithDelay):
            raise PrefetchTypeError(
                f"the delay of {target.item!r} is a {type(hook).__name__}, not a "
                f"StateWithDelay; the after-update key {key!r} is kept for "
                f"prefetch delays, so register your own hook under another key."
            )
