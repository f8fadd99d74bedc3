"""`Sequential`: layers applied one after the other, sizes inferred from `in_size`."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from .._errors import EqstateError
from ..mixin._mixin import ParamDescriber
from ._elementwise import ElementWiseBlock
from ._module import Module, init_module

__all__ = ["Sequential", "Vmap"]

_NO_SIZE = """\
Sequential cannot build {what}: it needs the previous layer's output size, but
{prev} has no `out_size`. Give the previous layer its sizes, e.g.

    Sequential(Linear(2, 8), ReLU(), functools.partial(Linear, out_size=4))

or pass an instance instead of a class or partial."""


def _is_builder(layer: Any) -> bool:
    """A layer class, or a `functools.partial` or `Cls.desc(...)` of one, to be
    built from `in_size`."""
    if isinstance(layer, functools.partial):
        layer = layer.func
    elif isinstance(layer, ParamDescriber):
        layer = layer.cls
    return isinstance(layer, type) and issubclass(layer, Module)


class Sequential(Module):
    """Layers applied in order: `Sequential(a, b, c)(x) == c(b(a(x)))`.

    A layer may also be given *unbuilt*, as a `Module` subclass or a
    `functools.partial` of one: it is then constructed with
    `in_size=<the previous layer's out_size>`. Element-wise layers
    (`ReLU`, ...) and plain functions keep the size. Indexing returns a layer,
    slicing a new `Sequential` sharing the same layers (and States).

    ```python
    import functools
    import jax.numpy as jnp
    import eqstate

    class Scale(eqstate.nn.Module):
        def __init__(self, in_size, factor=2.0):
            super().__init__()
            self.in_size = in_size
            self.out_size = in_size
            self.factor = factor

        def update(self, x):
            return self.factor * x

    model = eqstate.nn.Sequential(
        Scale(3), eqstate.nn.ReLU(), functools.partial(Scale, factor=3.0)
    )
    assert model.out_size == (3,) and model[2].in_size == (3,)
    assert model(jnp.array([1.0, -1.0, 2.0])).tolist() == [6.0, 0.0, 12.0]
    assert len(model[1:]) == 2
    ```

    Args:
        first: the first layer, a built `Module`.
        *layers: the following layers: modules, layer classes or partials
            (built from the previous `out_size`), or callables.

    Raises:
        EqstateError: if a layer must be built but the previous layer has no
            `out_size`.
    """

    def __init__(self, first: Module, *layers: Any):
        init_module(self)
        if not isinstance(first, Module):
            raise EqstateError(
                f"Sequential: the first layer must be a built eqstate.nn.Module, "
                f"got {first!r}; e.g. Sequential(Linear(2, 8), ReLU())."
            )
        self.layers: list[Any] = [first]
        size = first.out_size
        for layer in layers:
            layer, size = self._format(layer, size)
            self.layers.append(layer)
        self.in_size = first.in_size
        self.out_size = size

    def _format(self, layer: Any, size: tuple[int, ...] | None) -> tuple[Any, Any]:
        if _is_builder(layer):
            if size is None:
                raise EqstateError(
                    _NO_SIZE.format(
                        what=repr(layer), prev=type(self.layers[-1]).__name__
                    )
                )
            layer = layer(in_size=size)
            return layer, layer.out_size
        if isinstance(layer, ElementWiseBlock):
            return layer, size
        if isinstance(layer, Module):
            return layer, layer.out_size
        if callable(layer):
            return layer, size
        raise EqstateError(
            f"Sequential: {layer!r} is neither a Module, a layer class or partial, "
            f"nor a callable."
        )

    def update(self, x: Any) -> Any:
        for layer in self.layers:
            x = layer(x)
        return x

    def __len__(self) -> int:
        return len(self.layers)

    def __iter__(self) -> Any:
        return iter(self.layers)

    def __getitem__(self, key: int | slice | Sequence[int]) -> Any:
        if isinstance(key, int):
            return self.layers[key]
        picked = (
            self.layers[key]
            if isinstance(key, slice)
            else [self.layers[k] for k in key]
        )
        if not picked:
            raise EqstateError(f"Sequential[{key!r}] selects no layer.")
        return Sequential(*picked)

    def append(self, layer: Callable[..., Any]) -> None:
        """Add a layer at the end (built from the current `out_size` if a class or
        partial).

        ```python
        import jax.numpy as jnp
        import eqstate

        model = eqstate.nn.Sequential(eqstate.nn.ReLU())
        model.append(eqstate.nn.Tanh())
        assert len(model) == 2
        ```

        Args:
            layer: a module, a layer class or partial, or a callable.
        """
        layer, size = self._format(layer, self.out_size)
        self.layers.append(layer)
        object.__setattr__(self, "_out_size", size)

    def extend(self, modules: Iterable[Any]) -> None:
        """Add several layers at the end.

        ```python
        import eqstate

        model = eqstate.nn.Sequential(eqstate.nn.ReLU())
        model.extend([eqstate.nn.Tanh(), eqstate.nn.Sigmoid()])
        assert len(model) == 3
        ```

        Args:
            modules: the layers, in order.
        """
        for layer in modules:
            self.append(layer)

    def insert(self, index: int, module: Any) -> None:
        """Insert a layer before position `index`; the layers after it that were
        built from a size are kept as they are.

        ```python
        import eqstate

        model = eqstate.nn.Sequential(eqstate.nn.ReLU(), eqstate.nn.Tanh())
        model.insert(1, eqstate.nn.Sigmoid())
        assert isinstance(model[1], eqstate.nn.Sigmoid)
        ```

        Args:
            index: the position (negative counts from the end).
            module: a module, a layer class or partial, or a callable.
        """
        n = len(self.layers)
        if index < 0:
            index = max(0, n + index + 1)
        if index > n:
            raise IndexError(f"index {index} is out of range for {n} layers.")
        size = (
            self.in_size
            if index == 0
            else getattr(self.layers[index - 1], "out_size", None)
        )
        layer, out = self._format(module, size)
        self.layers.insert(index, layer)
        if index == n:
            object.__setattr__(self, "_out_size", out)
        if index == 0 and isinstance(layer, Module) and layer.in_size is not None:
            object.__setattr__(self, "_in_size", layer.in_size)


def _states_by_axis(module: Module, filters: Any) -> Any:
    """`vmap_states` (a filter, or `{filter: axis}`) -> the `in_states` of `vmap`."""
    if filters is None:
        return None
    if not isinstance(filters, dict):
        return module.states(filters)
    by_axis: dict[int, list[Any]] = {}
    for flt, axis in filters.items():
        if not isinstance(axis, int):
            raise EqstateError(
                f"Vmap: vmap_states maps a filter to its batch axis (an int), got "
                f"{flt!r}: {axis!r}; e.g. vmap_states={{eqstate.HiddenState: 0}}."
            )
        by_axis.setdefault(axis, []).append(flt)
    return {axis: module.states(tuple(flts)) for axis, flts in by_axis.items()}


class Vmap(Module):
    """A module vectorised over a batch axis with `eqstate.transform.vmap`.

    ```python
    import jax.numpy as jnp
    import eqstate

    class Leak(eqstate.nn.Module):
        def __init__(self):
            super().__init__()
            self.v = eqstate.HiddenState(jnp.zeros(4))

        def update(self, x):
            self.v.value = 0.5 * self.v.value + x
            return self.v.value

    leak = Leak()
    batched = eqstate.nn.Vmap(leak, vmap_states=eqstate.HiddenState)
    out = batched(jnp.arange(4.0))  # each lane owns one entry of v
    assert out.tolist() == [0.0, 1.0, 2.0, 3.0] and leak.v.value.shape == (4,)
    ```

    Args:
        module: the module mapped.
        in_axes: as in `jax.vmap`, for the call's positional arguments.
        out_axes: as in `jax.vmap`, for its output.
        vmap_states: States of `module` batched along an axis: a filter (axis 0)
            or `{filter: axis}`.
        vmap_out_states: States batched on output, in the same forms (default:
            as `vmap_states`).
        axis_name: names the mapped axis for collectives.
        axis_size: the batch size, when no argument is batched.

    Raises:
        EqstateError: if a `vmap_states` axis is not an int.
    """

    def __init__(
        self,
        module: Module,
        in_axes: int | None | Sequence[Any] = 0,
        out_axes: Any = 0,
        vmap_states: Any = None,
        vmap_out_states: Any = None,
        axis_name: Any = None,
        axis_size: int | None = None,
    ):
        init_module(self)
        self.module = module
        self.in_axes = in_axes
        self.out_axes = out_axes
        self.vmap_states = vmap_states
        self.vmap_out_states = vmap_out_states
        self.axis_name = axis_name
        self.axis_size = axis_size
        self.in_size = module.in_size
        self.out_size = module.out_size

    def update(self, *args: Any, **kwargs: Any) -> Any:
        from ..transform import vmap

        cached = vars(self).get("__eqstate_vmapped__")
        if cached is None:
            in_states = _states_by_axis(self.module, self.vmap_states)
            out_states = _states_by_axis(self.module, self.vmap_out_states)
            cached = vmap(
                self.module,
                in_axes=self.in_axes,
                out_axes=self.out_axes,
                axis_name=self.axis_name,
                axis_size=self.axis_size,
                in_states=in_states,
                out_states=in_states if out_states is None else out_states,
            )
            object.__setattr__(self, "__eqstate_vmapped__", cached)
        return cached(*args, **kwargs)
