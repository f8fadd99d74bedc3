"""`vmap`: `jax.vmap` over the engine's pure function.

States are unbatched unless declared: `in_states` enter batched along the
given axis, `out_states` leave batched. A State written inside with a batched
value that was not declared raises `BatchAxisError`. RandomStates read inside
are split so that every lane draws its own numbers; the stream advances once.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Hashable, Sequence
from typing import Any, Generic, ParamSpec, TypeVar, overload

import jax
import jax.tree_util as jtu

from .. import _jax_hooks, _table
from .._errors import BatchAxisError
from .._filters import to_predicate
from .._state import State, is_state
from ._engine import (
    MAX_RETRIES,
    PlanGrowthError,
    Retry,
    export,
    gather,
    owner_name,
    restore,
    run,
    scatter,
    split,
    unsplit,
)

__all__ = ["vmap"]

NO_BATCHING = "INIT_NO_BATCHING"  # the tag of States kept unbatched

P = ParamSpec("P")
R = TypeVar("R")


def _axis_map(spec: Any, what: str) -> dict[State, int]:
    """`{axis: states}` or a collection of States (axis 0) -> {State: axis}.

    A collection is a State, a pytree of States, a module (all its States),
    or `(module, filter)` (the module's States the filter matches).
    """
    if spec is None:
        return {}
    if isinstance(spec, dict) and spec and all(isinstance(k, int) for k in spec):
        groups = spec.items()
    else:
        groups = [(0, spec)]
    out: dict[State, int] = {}
    for axis, states in groups:
        if isinstance(states, tuple) and len(states) == 2 and _is_filter(states[1]):
            predicate = to_predicate(states[1])
            states = [s for s in _all_states(states[0]) if predicate((), s)]
        for leaf in _all_states(states, strict=True):
            if not isinstance(leaf, State):
                raise TypeError(
                    f"vmap: {what} must hold States; found {type(leaf).__name__}."
                )
            out.setdefault(leaf, axis)
    return out


_SHARED_LANES = State._split_lanes.__func__  # the default hook: no split


def splits_lanes(state: State) -> bool:
    """Whether `vmap` gives each lane its own value of `state` (its kind
    overrides `State._split_lanes`: a random stream)."""
    return type(state)._split_lanes.__func__ is not _SHARED_LANES


def _is_filter(x: Any) -> bool:
    return (isinstance(x, type) and issubclass(x, State)) or isinstance(x, str)


def _all_states(tree: Any, strict: bool = False) -> list[Any]:
    leaves = jtu.tree_leaves(tree, is_leaf=is_state)
    if strict:
        return leaves
    return [x for x in leaves if isinstance(x, State)]


def _leaf_axes(in_axes: Any, args: Sequence[Any]) -> list[tuple[Any, int]]:
    """(leaf, axis) for every batched leaf of `args` under the `in_axes` prefix."""
    found: list[tuple[Any, int]] = []

    def visit(axis: Any, tree: Any) -> None:
        if axis is None:
            return
        if isinstance(axis, int):
            found.extend((leaf, axis) for leaf in jtu.tree_leaves(tree))
            return
        jtu.tree_map(visit, axis, tree, is_leaf=lambda x: x is None)

    axes = in_axes if isinstance(in_axes, tuple) else (in_axes,) * len(args)
    for axis, arg in zip(axes, args):
        visit(axis, arg)
    return found


class VmapWrapper(Generic[P, R]):
    """The callable `vmap` returns; see `vmap`."""

    def __init__(
        self,
        fun: Callable[P, R],
        in_axes: Any,
        out_axes: Any,
        axis_name: Hashable | None,
        axis_size: int | None,
        spmd_axis_name: Any,
        in_states: Any,
        out_states: Any,
    ):
        self.fun = fun
        self.in_axes = tuple(in_axes) if isinstance(in_axes, list) else in_axes
        self.out_axes = out_axes
        self.axis_name = axis_name
        self.axis_size = axis_size
        self.spmd_axis_name = spmd_axis_name
        self.in_map = _axis_map(in_states, "in_states")
        self.out_map = _axis_map(out_states, "out_states")
        self.rngs: dict[State, None] = {}  # States whose kind splits per lane
        # `vmap_new_states`: keep the States `fun` creates, stacked per lane;
        # (tag to give them, predicate of those kept unbatched) or None.
        self.new_states: tuple[str | None, Callable[..., bool]] | None = None
        self.owner = owner_name("vmap", fun)
        functools.update_wrapper(self, fun, updated=())  # type: ignore[arg-type]

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R:
        __tracebackhide__ = True
        for _ in range(MAX_RETRIES):
            try:
                return self._call(args, kwargs)
            except Retry as retry:
                self.rngs.update((s, None) for s in retry.reads)
        raise PlanGrowthError(f"{self.owner} met new random States on every trace.")

    def _size(
        self,
        args: Sequence[Any],
        kwargs: dict[str, Any],
        in_vals: list[Any],
        in_map: dict[State, int],
    ) -> int:
        if self.axis_size is not None:
            return self.axis_size
        for leaf, axis in _leaf_axes(self.in_axes, args):
            if hasattr(leaf, "shape"):
                return leaf.shape[axis]
        for leaf in jtu.tree_leaves(kwargs):
            return leaf.shape[0]
        for (state, axis), value in zip(in_map.items(), in_vals):
            for leaf in jtu.tree_leaves(value):
                return leaf.shape[axis]
        raise ValueError(
            "vmap could not infer the batch size: no argument or in_state is "
            "batched. Pass `axis_size=`."
        )

    def _call(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        arg_axes = (
            self.in_axes
            if isinstance(self.in_axes, tuple)
            else (self.in_axes,) * len(args)
        )
        in_map, out_map = dict(self.in_map), dict(self.out_map)
        index: dict[State, int] = {}
        split_args = []
        for a, axis in zip(args, arg_axes):
            before = len(index)
            split_args.append(split(a, index))
            if isinstance(axis, int):  # States in a batched argument are batched
                for s in list(index)[before:]:
                    in_map.setdefault(s, axis)
                    out_map.setdefault(s, axis)
        args = tuple(split_args)
        kwargs = split(kwargs, index)
        arg_states = list(index)
        in_states = list(in_map)
        in_vals = gather(in_states)
        rngs = [s for s in self.rngs if s not in in_map]
        size = self._size(args, kwargs, in_vals, in_map)
        next_keys, lane_keys = [], []
        for rng in rngs:
            lanes = type(rng)._split_lanes(gather([rng])[0], size)
            assert lanes is not None
            next_keys.append(lanes[0])
            lane_keys.append(lanes[1])
        out_axes_of = {**in_map, **out_map}
        axes = sorted(set(out_axes_of.values()))
        layout: dict[str, Any] = {}
        owner = self.owner

        def pure(
            in_vals: list[Any], lane_keys: list[Any], *args: Any, **kwargs: Any
        ) -> Any:
            args, kwargs = unsplit((args, kwargs), arg_states)
            inputs = [*zip(in_states, in_vals), *zip(rngs, lane_keys)]
            out, frame = run(self.fun, args, kwargs, owner, inputs)
            unsplit_rngs = [s for s in frame.missed if splits_lanes(s)]
            if unsplit_rngs:
                raise Retry(reads=unsplit_rngs)
            groups: dict[int, list[State]] = {a: [] for a in axes}
            unbatched: list[State] = []
            split_rngs = set(rngs)
            for s in dict.fromkeys([*frame.written, *out_map]):
                if s in out_axes_of:
                    groups[out_axes_of[s]].append(s)
                elif s not in split_rngs:
                    value = frame.values[s]
                    if any(
                        _jax_hooks.of_current_trace(x) for x in jtu.tree_leaves(value)
                    ):
                        raise BatchAxisError(_batched_write_message(s, owner))
                    unbatched.append(s)
            new_lanes, new_shared = self._new_states(frame)
            with frame:
                batched_vals = [[_table.read(s) for s in groups[a]] for a in axes]
                unbatched_vals = [frame.values[s] for s in unbatched]
                out = export(out, frame, {s: i for i, s in enumerate(arg_states)})
            layout["groups"], layout["unbatched"] = groups, unbatched
            layout["new"] = (new_lanes, new_shared)
            new_vals = (
                [frame.values[s] for s in new_lanes],
                [frame.values[s] for s in new_shared],
            )
            return out, batched_vals, unbatched_vals, new_vals

        state_axes = [in_map[s] for s in in_states]
        mapped = jax.vmap(
            pure,
            in_axes=(state_axes, 0, *arg_axes),
            out_axes=(self.out_axes, list(axes), None, (0, None)),
            axis_name=self.axis_name,
            axis_size=size,
            spmd_axis_name=self.spmd_axis_name,
        )
        out, batched_vals, unbatched_vals, new_vals = mapped(
            in_vals, lane_keys, *args, **kwargs
        )
        for axis, vals in zip(axes, batched_vals):
            scatter(layout["groups"][axis], vals)
        scatter(layout["unbatched"], unbatched_vals)
        scatter(rngs, next_keys)
        if self.new_states is not None:
            self._keep_new_states(layout["new"], new_vals)
        return restore(out, arg_states)

    def _new_states(self, frame: Any) -> tuple[list[State], list[State]]:
        """The States created in `frame` to keep: (stacked, shared by lanes)."""
        if self.new_states is None or not frame.created:
            return [], []
        _, shared = self.new_states
        lanes: list[State] = []
        kept: list[State] = []
        for s in frame.created:
            if s.tag == NO_BATCHING or shared((), s):
                value = frame.values[s]
                if any(_jax_hooks.of_current_trace(x) for x in jtu.tree_leaves(value)):
                    raise BatchAxisError(_shared_new_message(s, self.owner))
                kept.append(s)
            else:
                lanes.append(s)
        return lanes, kept

    def _keep_new_states(
        self, states: tuple[list[State], list[State]], values: tuple[Any, Any]
    ) -> None:
        tag, _ = self.new_states or (None, None)
        for group, vals in zip(states, values):
            for s, v in zip(group, vals):
                _table.create(s, v)  # alive again, in the caller's context
        if tag is not None:
            for s in states[0]:
                s.metadata.setdefault("tag", tag)


def _shared_new_message(state: State, owner: str) -> str:
    return (
        f"{state._describe()} was created inside {owner} with a value that "
        "differs across lanes, but it is kept unbatched (it is tagged "
        f"{NO_BATCHING!r} or matches `state_to_exclude`).\nGive it a value "
        "that is the same in every lane, or let it be batched: drop the tag "
        "or narrow `state_to_exclude`."
    )


def _batched_write_message(state: State, owner: str) -> str:
    return (
        f"{state._describe()} was written with a batched value inside {owner}, "
        "but it is not declared as batched, so every lane would overwrite the "
        "same unbatched value.\nDeclare it:\n\n"
        "    vmap(f, in_states=model.states(), out_states=model.states())\n\n"
        "or create the module inside the vmapped function so its States are local."
    )


@overload
def vmap(
    fun: Callable[P, R],
    *,
    in_axes: Any = 0,
    out_axes: Any = 0,
    axis_name: Hashable | None = None,
    axis_size: int | None = None,
    spmd_axis_name: Any = None,
    in_states: Any = None,
    out_states: Any = None,
) -> VmapWrapper[P, R]: ...
@overload
def vmap(
    fun: None = None,
    *,
    in_axes: Any = 0,
    out_axes: Any = 0,
    axis_name: Hashable | None = None,
    axis_size: int | None = None,
    spmd_axis_name: Any = None,
    in_states: Any = None,
    out_states: Any = None,
) -> Callable[[Callable[P, R]], VmapWrapper[P, R]]: ...
def vmap(
    fun: Callable[..., Any] | None = None,
    *,
    in_axes: Any = 0,
    out_axes: Any = 0,
    axis_name: Hashable | None = None,
    axis_size: int | None = None,
    spmd_axis_name: Any = None,
    in_states: Any = None,
    out_states: Any = None,
) -> Any:
    """Vectorise a function that reads and writes States, like `jax.vmap`.

    ```python
    import jax.numpy as jnp
    import eqstate

    w = eqstate.ParamState(jnp.array([1.0, 2.0]))
    out = eqstate.transform.vmap(lambda x: x * w.value)(jnp.ones((3, 2)))
    assert out.shape == (3, 2)
    ```

    States read inside are shared by all lanes unless listed in `in_states`;
    States written inside must be declared in `out_states` (or `in_states`)
    when the written value differs across lanes, or `BatchAxisError` is
    raised. States created inside the function are local to it, so modules
    built inside are batched freely. Each lane draws its own random numbers.

    Args:
        fun: the function; `vmap(in_axes=...)` returns a decorator.
        in_axes: as in `jax.vmap`, for the positional arguments.
        out_axes: as in `jax.vmap`, for the output.
        axis_name: names the mapped axis for collectives.
        axis_size: the batch size, when no argument is batched.
        spmd_axis_name: as in `jax.vmap`.
        in_states: States batched on input: a collection (axis 0) or a dict
            `{axis: collection}`.
        out_states: States batched on output, in the same forms.
    """
    if fun is None:
        return functools.partial(
            vmap,
            in_axes=in_axes,
            out_axes=out_axes,
            axis_name=axis_name,
            axis_size=axis_size,
            spmd_axis_name=spmd_axis_name,
            in_states=in_states,
            out_states=out_states,
        )
    return VmapWrapper(
        fun,
        in_axes,
        out_axes,
        axis_name,
        axis_size,
        spmd_axis_name,
        in_states,
        out_states,
    )
