"""More State kinds: delay buffers, grouped hidden variables, and a plain holder."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import jax.numpy as jnp
import numpy as np

from ._errors import EqstateError
from ._state_kinds import HiddenState, ShortTermState
from ._units import is_quantity, strip, unit_of, with_unit

__all__ = ["DelayState", "FakeState", "HiddenGroupState", "HiddenTreeState"]


class DelayState(ShortTermState[Any]):
    """The history buffer of a `eqstate.nn.Delay` (a short-term State).

    ```python
    import jax.numpy as jnp
    import eqstate

    history = eqstate.DelayState(jnp.zeros((3, 2)))
    assert isinstance(history, eqstate.ShortTermState)
    ```
    """


def _check_array(kind: str, value: Any, what: str = "value") -> None:
    if not (isinstance(value, (np.ndarray, jnp.ndarray)) or is_quantity(value)):
        raise EqstateError(
            f"{kind} holds an array (or a brainunit Quantity); its {what} is a "
            f"{type(value).__name__}. Wrap it: `{kind}(jnp.asarray(x))`."
        )


def _index(kind: str, names: Mapping[str, int], n: int, item: int | str) -> int:
    if isinstance(item, str):
        if item not in names:
            raise EqstateError(
                f"{kind} has no variable named {item!r}; its names are {list(names)}."
            )
        return names[item]
    if isinstance(item, (int, np.integer)) and not isinstance(item, bool):
        if not -n <= item < n:
            raise EqstateError(
                f"{kind} has {n} variables; index {item} is out of range."
            )
        return int(item) % n
    raise EqstateError(
        f"{kind} variables are selected by int or str, got {type(item).__name__}."
    )


class HiddenGroupState(HiddenState[Any]):
    """Several hidden variables of one shape, stacked on the last axis.

    `varshape` is the shape of one variable, `num_state` how many there are;
    `get_value(i)` reads variable `i` (or its name, `"0"`, `"1"`, ...) and
    `set_value({i: x, ...})` writes some of them.

    ```python
    import jax.numpy as jnp
    import eqstate

    vw = eqstate.HiddenGroupState(jnp.zeros((4, 2)))  # v and w of 4 neurons
    assert vw.varshape == (4,) and vw.num_state == 2
    vw.set_value({1: jnp.ones(4)})
    assert vw.get_value("1").tolist() == [1.0] * 4 and vw.get_value(0).sum() == 0
    ```
    """

    def __init__(self, value: Any, name: str | None = None, **metadata: Any):
        _check_array(type(self).__name__, value)
        if np.ndim(value) < 2:
            raise EqstateError(
                f"{type(self).__name__} stacks variables on the last axis, so its "
                f"value needs at least 2 dimensions; got shape {np.shape(value)}. "
                f"For one variable use `HiddenState`."
            )
        super().__init__(value, name=name, **metadata)

    @property
    def name2index(self) -> dict[str, int]:
        """The name of each variable (its index as a str) and its index."""
        return {str(i): i for i in range(self.num_state)}

    @property
    def varshape(self) -> tuple[int, ...]:
        """The shape of one variable (all axes but the last)."""
        return tuple(np.shape(self.value)[:-1])

    @property
    def num_state(self) -> int:
        """The number of variables (the size of the last axis)."""
        return int(np.shape(self.value)[-1])

    def get_value(self, item: int | str) -> Any:
        """Variable `item` (an index or a name)."""
        i = _index(type(self).__name__, self.name2index, self.num_state, item)
        return self.value[..., i]

    def set_value(self, val: Mapping[Any, Any] | Sequence[Any]) -> None:
        """Write the variables given as `{index or name: value}` (or a sequence)."""
        items = dict(enumerate(val)) if isinstance(val, (list, tuple)) else val
        if not isinstance(items, Mapping) or not items:
            raise EqstateError(
                f"{type(self).__name__}.set_value takes a non-empty "
                f"{{index or name: value}} dict or a sequence of values."
            )
        current = self.value
        unit = unit_of(current)
        data = jnp.asarray(strip(current))
        for key, v in items.items():
            i = _index(type(self).__name__, self.name2index, self.num_state, key)
            if tuple(np.shape(v)) != self.varshape:
                raise EqstateError(
                    f"{type(self).__name__}.set_value: variable {key!r} has shape "
                    f"{np.shape(v)}, expected {self.varshape}."
                )
            data = data.at[..., i].set(self._mantissa(i, v, unit))
        self.value = with_unit(data, unit)

    def _mantissa(self, i: int, v: Any, unit: Any) -> Any:
        return strip(v, unit) if unit is not None or is_quantity(v) else v


class HiddenTreeState(HiddenGroupState):
    """Named hidden variables of one shape (units may differ), stored stacked.

    Built from a dict (or a sequence) of arrays; `get_value(name)` returns a
    variable in its own unit.

    ```python
    import jax.numpy as jnp
    import eqstate

    st = eqstate.HiddenTreeState({"v": jnp.zeros(3), "w": jnp.ones(3)})
    assert st.value.shape == (3, 2) and st.num_state == 2
    st.set_value({"v": jnp.full(3, 2.0)})
    assert st.get_value("v").tolist() == [2.0] * 3
    assert st.name2index == {"v": 0, "w": 1}
    ```
    """

    def __init__(
        self,
        value: Mapping[str, Any] | Sequence[Any],
        name: str | None = None,
        **metadata: Any,
    ):
        kind = type(self).__name__
        if isinstance(value, (list, tuple)):
            value = {str(i): v for i, v in enumerate(value)}
        if not isinstance(value, Mapping) or not value:
            raise EqstateError(
                f"{kind} is built from a non-empty dict (or sequence) of arrays, "
                f"got {type(value).__name__}."
            )
        shapes = set()
        for key, v in value.items():
            _check_array(kind, v, f"entry {key!r}")
            shapes.add(tuple(np.shape(v)))
        if len(shapes) > 1:
            found = {k: tuple(np.shape(v)) for k, v in value.items()}
            raise EqstateError(
                f"{kind} stacks variables of one shape; got {found}. Give each "
                f"variable the same shape or use several States."
            )
        units = tuple(unit_of(v) for v in value.values())
        stacked = jnp.stack([jnp.asarray(strip(v)) for v in value.values()], axis=-1)
        metadata.setdefault("_names", tuple(str(k) for k in value))
        metadata.setdefault("_units", units)
        HiddenState.__init__(self, stacked, name=name, **metadata)

    @property
    def name2index(self) -> dict[str, int]:
        """The name of each variable and its index on the last axis."""
        return {n: i for i, n in enumerate(self.metadata["_names"])}

    @property
    def name2unit(self) -> dict[str, Any]:
        """The unit of each variable (None when unitless)."""
        return dict(zip(self.metadata["_names"], self.metadata["_units"]))

    def get_value(self, item: int | str) -> Any:
        """Variable `item` (an index or a name), in its own unit."""
        i = _index(type(self).__name__, self.name2index, self.num_state, item)
        return with_unit(self.value[..., i], self.metadata["_units"][i])

    def _mantissa(self, i: int, v: Any, unit: Any) -> Any:
        return strip(v, self.metadata["_units"][i])


class FakeState:
    """A plain value holder with State's `value`/`name` interface, never traced.

    Transforms do not see it: use it where code expects a State but the value
    is a constant.

    ```python
    import eqstate

    s = eqstate.FakeState(1.0, name="gain")
    s.value = 2.0
    assert s.value == 2.0 and s.name == "gain"
    ```
    """

    def __init__(self, value: Any, name: str | None = None, **kwargs: Any):
        self._value = value
        self._name = name

    @property
    def value(self) -> Any:
        """The held value."""
        return self._value

    @value.setter
    def value(self, v: Any) -> None:
        self._value = v

    @property
    def name(self) -> str | None:
        """The name given at construction."""
        return self._name

    @name.setter
    def name(self, name: str | None) -> None:
        self._name = name

    def __repr__(self) -> str:
        return f"FakeState(value={self._value!r})"
