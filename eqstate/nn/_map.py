"""`Map`: a module whose States are created once per lane, then called under `vmap`.

`Map(module, init_map_size=n)` wraps a module whose `init_state` hooks create
its States. `map.init_all_states(...)` runs those hooks `n` times under
`eqstate.transform.vmap`, so every new State gets a lane axis; `map(x)` (that
is, `update`) then calls the module under `vmap` with those States batched.
Where the States go is remembered by path, so a pytree copy of the `Map`
(`jax.tree.map`, a checkpoint round trip) keeps working on its own States.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp

from .._errors import EqstateError
from .._filters import Filter, to_predicate
from .._state import State
from ._collective import vmap_init_all_states
from ._layer_common import LayerError
from ._module import Module, init_module

__all__ = ["Map"]

StateAxes = Mapping[int | None, Filter] | tuple[tuple[int | None, Filter], ...] | None


class _NoMethod(EqstateError, AttributeError):
    """`Map.map('name')` of a method the wrapped module does not have."""


class _Layout:
    """Where `init_all_states` put the new States: `{axis: [path, ...]}`.

    A mutable holder in a static field: the frozen `Map` keeps it, and pytree
    copies of the `Map` share it (they resolve the same paths to their own
    States).
    """

    __slots__ = ("paths",)

    def __init__(self) -> None:
        self.paths: dict[int | None, list[tuple[Any, ...]]] | None = None


class Map(Module):
    """Vectorise a module over lanes whose States it creates itself.

    Call `init_all_states(**kwargs)` first: it runs the module's `init_state`
    hooks once per lane (`init_map_size` lanes, each drawing its own random
    numbers), so every State they create gets a lane axis. `update(*args)`
    (or calling the `Map`) then runs the module under `eqstate.transform.vmap`
    with those States batched, and `map(fn)` does the same for another method.

    ```python
    import jax.numpy as jnp
    import eqstate

    class Neuron(eqstate.nn.Module):
        def init_state(self, size=3):
            self.w = eqstate.ParamState(eqstate.random.rand(size))
            self.v = eqstate.HiddenState(jnp.zeros(()))

        def update(self, x):
            self.v.value = self.v.value + x @ self.w.value
            return self.v.value

    pop = eqstate.nn.Map(Neuron(), init_map_size=4)
    pop.init_all_states(size=3)
    assert pop.module.w.value.shape == (4, 3)  # four lanes, four draws
    out = pop(jnp.ones((4, 3)))
    assert out.shape == (4,) and pop.module.v.value.shape == (4,)
    assert pop.map("update", in_axes=None)(jnp.ones(3)).shape == (4,)
    ```

    Args:
        module: the module mapped.
        init_map_size: the number of lanes.
        init_state_axes: `{axis: filter}` (kept as `(axis, filter)` pairs;
            a single filter means axis 0): new States the filter matches get
            their lane axis at `axis` (`None`: one State shared by all lanes,
            as for States tagged `'INIT_NO_BATCHING'`); the others at 0.
        state_tag: a tag given to the new batched States.
        in_axes: as in `jax.vmap`, for `update`'s positional arguments.
        out_axes: as in `jax.vmap`, for `update`'s output.
        axis_name: names the lane axis for collectives.
        spmd_axis_name: as in `jax.vmap`.
        call_state_axes: `{axis: filter}`: more States of `module` batched
            when calling (besides those `init_all_states` created).
        behavior: `'vmap'` (eqstate has no `pmap`; to spread lanes over
            devices, shard the batch with `eqstate.transform.shard_map`).

    Raises:
        LayerError: for a non-int `init_map_size` or a `behavior` other than
            `'vmap'`.
    """

    module: Module
    init_map_size: int = eqx.field(static=True)
    init_state_axes: tuple[tuple[int | None, Filter], ...] = eqx.field(static=True)
    state_tag: str | None = eqx.field(static=True)
    in_axes: Any = eqx.field(static=True)
    out_axes: Any = eqx.field(static=True)
    axis_name: Any = eqx.field(static=True)
    spmd_axis_name: Any = eqx.field(static=True)
    call_state_axes: tuple[tuple[int | None, Filter], ...] = eqx.field(static=True)
    behavior: str = eqx.field(static=True)
    _layout: _Layout = eqx.field(static=True, repr=False)

    def __init__(
        self,
        module: Module,
        init_map_size: int,
        init_state_axes: StateAxes = None,
        state_tag: str | None = None,
        in_axes: Any = 0,
        out_axes: Any = 0,
        axis_name: Any = None,
        spmd_axis_name: Any = None,
        call_state_axes: StateAxes = None,
        behavior: str = "vmap",
    ):
        init_module(self)
        if not isinstance(init_map_size, int) or isinstance(init_map_size, bool):
            raise LayerError(
                f"Map: init_map_size must be an int (the number of lanes), got "
                f"{init_map_size!r}; e.g. Map(module, init_map_size=8)."
            )
        if behavior != "vmap":
            raise LayerError(
                f"Map: behavior={behavior!r} is not supported; eqstate maps lanes "
                f"with vmap only (behavior='vmap'). To spread a batch over "
                f"devices, wrap the step in eqstate.transform.shard_map."
            )
        self.module = module
        self.init_map_size = init_map_size
        self.init_state_axes = _pairs(init_state_axes)
        self.state_tag = state_tag
        self.in_axes = in_axes
        self.out_axes = out_axes
        self.axis_name = axis_name
        self.spmd_axis_name = spmd_axis_name
        self.call_state_axes = _pairs(call_state_axes)
        self.behavior = behavior
        self._layout = _Layout()
        self.in_size = module.in_size
        self.out_size = module.out_size

    @property
    def dict_vmap_states(self) -> dict[int | None, list[State[Any]]] | None:
        """`{axis: [State, ...]}`: the States `init_all_states` created, by
        lane axis (None: shared); None before it ran."""
        paths = self._layout.paths
        if paths is None:
            return None
        found = self.module.states()
        return {axis: [found[p] for p in ps] for axis, ps in paths.items()}

    def init_all_states(self, **kwargs: Any) -> Map:  # type: ignore[override]
        """Run the module's `init_state` hooks once per lane; the States they
        create get a lane axis (see `init_state_axes`). Returns `self`.

        Args:
            **kwargs: passed to the hooks (`init_all_states(module, **kwargs)`).
        """
        user = {axis: to_predicate(flt) for axis, flt in self.init_state_axes}
        shared = user.get(None)
        before = {id(s) for s in self.module.states().values()}
        vmap_init_all_states(
            self.module,
            axis_size=self.init_map_size,
            state_to_exclude=shared,
            state_tag=self.state_tag,
            **kwargs,
        )
        paths: dict[int | None, list[tuple[Any, ...]]] = {}
        for path, state in self.module.states().items():
            if id(state) in before:
                continue
            axis = _new_axis(path, state, user)
            if isinstance(axis, int) and axis != 0:
                state.value = jax.tree.map(
                    functools.partial(jnp.moveaxis, source=0, destination=axis),
                    state.value,
                )
            paths.setdefault(axis, []).append(path)
        self._layout.paths = paths
        return self

    def _state_axes(
        self, extra: tuple[tuple[int | None, Filter], ...]
    ) -> dict[int, list[State[Any]]]:
        layout = self._layout.paths
        if layout is None:
            raise LayerError(
                f"Map: call init_all_states before calling the mapped "
                f"{type(self.module).__name__}; it creates the per-lane States, "
                f"e.g. `pop.init_all_states(); pop(x)`."
            )
        found = self.module.states()
        groups: dict[int, list[State[Any]]] = {}
        for axis, paths in layout.items():
            if axis is not None:
                groups.setdefault(axis, []).extend(found[p] for p in paths)
        for axis, flt in extra:
            if axis is not None:
                predicate = to_predicate(flt)
                groups.setdefault(axis, []).extend(
                    s for p, s in found.items() if predicate(p, s)
                )
        return groups

    def _mapped(
        self,
        fn: Callable[..., Any],
        in_axes: Any,
        out_axes: Any,
        axis_name: Any,
        state_axes: StateAxes,
    ) -> Callable[..., Any]:
        from ..transform import vmap

        groups = self._state_axes(_pairs(state_axes))
        return vmap(
            fn,
            in_axes=in_axes,
            out_axes=out_axes,
            axis_name=axis_name,
            spmd_axis_name=self.spmd_axis_name,
            in_states=groups,
            out_states=groups,
        )

    def update(self, *args: Any, **kwargs: Any) -> Any:
        """Call the module once per lane, its per-lane States batched.

        Raises:
            LayerError: if `init_all_states` has not run.
        """
        mapped = self._mapped(
            self.module,
            self.in_axes,
            self.out_axes,
            self.axis_name,
            self.call_state_axes,
        )
        return mapped(*args, **kwargs)

    def map(
        self,
        fn: str | Callable[..., Any],
        in_axes: Any = 0,
        out_axes: Any = 0,
        axis_name: str | None = None,
        state_axes: StateAxes = None,
    ) -> Callable[..., Any]:
        """A function that calls `fn` once per lane, like `update` does.

        Args:
            fn: a method name of the module, or a callable (called with the
                arguments given).
            in_axes: as in `jax.vmap`.
            out_axes: as in `jax.vmap`.
            axis_name: the lane axis name (default: the `Map`'s).
            state_axes: `{axis: filter}`: more States batched during the call
                (instead of `call_state_axes`).

        Returns:
            The mapped function.

        Raises:
            AttributeError: (an `EqstateError` too) if the module has no method
                named `fn`.
            LayerError: if `init_all_states` has not run.
        """
        if isinstance(fn, str):
            name = fn
            method = getattr(self.module, name, None)
            if method is None or not callable(method):
                raise _NoMethod(
                    f"Map.map: {type(self.module).__name__} has no method {name!r}; "
                    f"pass a method name such as 'update', or a callable."
                )
            fn = method
        return self._mapped(
            fn,
            in_axes,
            out_axes,
            self.axis_name if axis_name is None else axis_name,
            state_axes,
        )


def _pairs(axes: Any) -> tuple[tuple[int | None, Filter], ...]:
    """`{axis: filter}` (or one filter, meaning axis 0) as `(axis, filter)`
    pairs: a static field can't hold a dict mixing None and int keys."""
    if axes is None:
        return ()
    if isinstance(axes, tuple) and all(
        isinstance(p, tuple) and len(p) == 2 for p in axes
    ):
        return axes
    if not isinstance(axes, Mapping):
        return ((0, axes),)
    return tuple(axes.items())


def _new_axis(
    path: tuple[Any, ...], state: State[Any], user: dict[Any, Any]
) -> int | None:
    """The lane axis of a new State: shared first, then the user's axes
    (other than 0, in order), then 0."""
    if state.tag == "INIT_NO_BATCHING" or (None in user and user[None](path, state)):
        return None
    for axis, predicate in user.items():
        if axis not in (None, 0) and predicate(path, state):
            return axis
    return 0
