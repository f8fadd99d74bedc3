"""Operations over every module of a model: init, reset, any method; ordering."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar, cast

import jax
import jax.numpy as jnp

from .._errors import EqstateError
from .._state import State
from ._module import Module

__all__ = [
    "MAX_ORDER",
    "assign_state_values",
    "call_all_fns",
    "call_order",
    "init_all_states",
    "reset_all_states",
    "vmap_call_all_fns",
    "vmap_init_all_states",
    "vmap_reset_all_states",
]

MAX_ORDER = 10
_T = TypeVar("_T")
_F = TypeVar("_F", bound=Callable[..., Any])
_NO_BATCHING = "INIT_NO_BATCHING"


def call_order(level: int = 0, check_order_boundary: bool = True) -> Callable[[_F], _F]:
    """Mark a hook method to run after unmarked ones, lowest `level` first.

    `call_all_fns` (hence `init_all_states` and `reset_all_states`) calls the
    unmarked hooks first, then the marked ones sorted by level. Delays use
    level 3 so that they find the States they delay already created.

    ```python
    import eqstate

    calls = []

    class Late(eqstate.nn.Module):
        @eqstate.nn.call_order(1)
        def reset_state(self):
            calls.append("late")

    class Early(eqstate.nn.Module):
        def __init__(self):
            self.late = Late()

        def reset_state(self):
            calls.append("early")

    eqstate.nn.reset_all_states(Early())
    assert calls == ["early", "late"]
    ```

    Raises:
        ValueError: (an `EqstateError`) if `level` is outside `[0, MAX_ORDER)`
            and `check_order_boundary` is True.
    """
    if check_order_boundary and not 0 <= level < MAX_ORDER:
        raise _CollectiveError(
            f"call_order(level={level}): the level must be in [0, {MAX_ORDER}); "
            f"pass check_order_boundary=False to allow others."
        )

    def mark(fun: _F) -> _F:
        fun.call_order = level  # type: ignore[attr-defined]
        return fun

    return mark


class _CollectiveError(EqstateError, ValueError):
    pass


def _node_predicate(filter: Any) -> Callable[[tuple[Any, ...], Any], bool]:
    if filter is None or filter is False:
        return lambda path, node: False
    if filter is True or filter is Ellipsis:
        return lambda path, node: True
    if isinstance(filter, type):
        return lambda path, node: isinstance(node, filter)
    if isinstance(filter, str):
        return lambda path, node: (
            getattr(node, "name", None) == filter
            or (getattr(node, "tag", None) == filter)
        )
    if isinstance(filter, (tuple, list)):
        preds = [_node_predicate(f) for f in filter]
        return lambda path, node: any(p(path, node) for p in preds)
    if callable(filter):
        return cast(Callable[[tuple[Any, ...], Any], bool], filter)
    raise TypeError(
        f"cannot use {filter!r} as a module filter; use a Module type, a name, a "
        f"`(path, module) -> bool` function, or a tuple of these."
    )


def _modules(target: Any) -> list[tuple[tuple[Any, ...], Any]]:
    from ..graph import nodes

    found = [(p, m) for p, m in nodes(target).items() if isinstance(m, Module)]
    return found[::-1]  # children before their parents


def call_all_fns(
    target: _T,
    fn_name: str,
    args: Sequence[Any] | Any = (),
    kwargs: Mapping[str, Any] | None = None,
    node_to_exclude: Any = None,
    fn_if_not_exist: str = "raise",
) -> _T:
    """Call `fn_name(*args, **kwargs)` on every module inside `target`.

    Children come before their parents; methods marked with `call_order` run
    after the others, by level. `node_to_exclude` is a module filter (a type,
    a name, a `(path, module) -> bool` function, or a tuple of them).
    `fn_if_not_exist` says what to do with modules without the method:
    'raise', 'pass' / 'none' (skip) or 'warn'.

    ```python
    import eqstate

    seen = []

    class Leaf(eqstate.nn.Module):
        def hello(self, who):
            seen.append(who)

    class Root(eqstate.nn.Module):
        def __init__(self):
            self.a, self.b = Leaf(), Leaf()

    eqstate.nn.call_all_fns(Root(), "hello", ("x",), fn_if_not_exist="pass")
    assert seen == ["x", "x"]
    ```
    """
    if not isinstance(fn_name, str):
        raise TypeError(f"fn_name must be a str, got {type(fn_name).__name__}.")
    if fn_if_not_exist not in ("raise", "pass", "none", "warn"):
        raise _CollectiveError(
            f"fn_if_not_exist={fn_if_not_exist!r}; use 'raise', 'pass', 'none' "
            f"or 'warn'."
        )
    args = args if isinstance(args, tuple) else (args,)
    kwargs = dict(kwargs or {})
    skip = _node_predicate(node_to_exclude)
    ordered: list[tuple[int, int, Any, Any]] = []
    for rank, (path, node) in enumerate(_modules(target)):
        if skip(path, node):
            continue
        # Through the class: equinox's bound methods would flatten the module,
        # which must not happen while a retried transform holds dead States.
        fun = getattr(type(node), fn_name, None)
        if fun is None:
            where = f"{type(node).__name__} at path {path}"
            if fn_if_not_exist == "raise":
                raise AttributeError(
                    f"{where} has no method {fn_name!r}; pass "
                    f"fn_if_not_exist='pass' to skip such modules."
                )
            if fn_if_not_exist == "warn":
                warnings.warn(
                    f"{where} has no method {fn_name!r}; skipped.", stacklevel=2
                )
            continue
        if not callable(fun):
            raise TypeError(f"{type(node).__name__}.{fn_name} is not callable.")
        level = getattr(fun, "call_order", None)
        if level is None:
            fun(node, *args, **kwargs)
        else:
            ordered.append((level, rank, node, fun))
    for _, _, node, fun in sorted(ordered, key=lambda item: item[:2]):
        fun(node, *args, **kwargs)
    return target


def init_all_states(
    target: _T, *init_args: Any, node_to_exclude: Any = None, **init_kwargs: Any
) -> _T:
    """Call `init_state(*init_args, **init_kwargs)` on every module inside `target`.

    Children are initialised before their parents, `call_order` hooks last.
    Pass `batch_size=n` to make batched States. Returns `target`.

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
    return call_all_fns(
        target, "init_state", init_args, init_kwargs, node_to_exclude, "pass"
    )


def reset_all_states(
    target: _T, *reset_args: Any, node_to_exclude: Any = None, **reset_kwargs: Any
) -> _T:
    """Call `reset_state(*reset_args, **reset_kwargs)` on every module inside `target`.

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
    return call_all_fns(
        target, "reset_state", reset_args, reset_kwargs, node_to_exclude, "pass"
    )


def _all_states(target: Any) -> dict[tuple[Any, ...], State[Any]]:
    from ..graph import states

    return cast(dict[tuple[Any, ...], State[Any]], states(target))


def _state_ids(target: Any) -> set[int]:
    return {id(s) for s in _all_states(target).values()}


def _vmapped(
    target: Any,
    call: Callable[[], Any],
    axis_size: int | None,
    state_to_exclude: Any = None,
    state_tag: str | None = None,
    in_states: Any = None,
    out_states: Any = None,
) -> None:
    """Run `call` once per lane; States it creates or writes get a batch axis."""
    from ..filters import to_predicate
    from ..transform import vmap

    if axis_size is None or axis_size <= 0:
        raise _CollectiveError(
            f"axis_size={axis_size!r}: give the number of lanes, e.g. axis_size=8."
        )
    keep_shared = to_predicate(state_to_exclude)
    before = _state_ids(target)
    touched: list[list[State[Any]]] = [[]]

    def lane() -> list[Any]:
        call()
        found = [(p, s) for p, s in _all_states(target).items() if id(s) not in before]
        touched[0] = [s for _, s in found]
        return [s.value for _, s in found]

    kw: dict[str, Any] = {}
    if in_states is not None:
        kw["in_states"] = in_states
    if out_states is not None:
        kw["out_states"] = out_states
    values = vmap(lane, axis_size=axis_size, **kw)()
    for state, value in zip(touched[0], values):
        path = ()
        shared = state.tag == _NO_BATCHING or keep_shared(path, state)
        state.value = jax.tree.map(lambda v: v[0], value) if shared else value
        if state_tag is not None and not shared:
            state.metadata.setdefault("tag", state_tag)


def vmap_call_all_fns(
    target: _T,
    fn_name: str,
    args: Sequence[Any] | Any = (),
    kwargs: Mapping[str, Any] | None = None,
    axis_size: int | None = None,
    node_to_exclude: Any = None,
    state_tag: str | None = None,
    fn_if_not_exist: str = "raise",
) -> _T:
    """`call_all_fns` once per lane of a new batch axis of size `axis_size`.

    States the call creates get a leading axis of `axis_size` (each lane draws
    its own random numbers); `state_tag` is set as their tag.

    ```python
    import jax.numpy as jnp
    import eqstate

    class Noise(eqstate.nn.Module):
        def init_state(self):
            self.x = eqstate.HiddenState(eqstate.random.rand(2))

    model = eqstate.nn.vmap_call_all_fns(Noise(), "init_state", axis_size=3)
    assert model.x.value.shape == (3, 2)
    assert not jnp.allclose(model.x.value[0], model.x.value[1])
    ```
    """
    _vmapped(
        target,
        lambda: call_all_fns(
            target, fn_name, args, kwargs, node_to_exclude, fn_if_not_exist
        ),
        axis_size,
        state_tag=state_tag,
    )
    return target


def vmap_init_all_states(
    target: _T,
    *init_args: Any,
    axis_size: int | None = None,
    node_to_exclude: Any = None,
    state_to_exclude: Any = None,
    state_tag: str | None = None,
    in_states: Any = None,
    out_states: Any = None,
    **init_kwargs: Any,
) -> _T:
    """`init_all_states` once per lane: every new State gets a leading batch axis.

    States matched by `state_to_exclude` (and delay write pointers) stay
    unbatched. `in_states`/`out_states` go to `eqstate.transform.vmap`.

    ```python
    import jax.numpy as jnp
    import eqstate

    class Cell(eqstate.nn.Dynamics):
        def init_state(self, batch_size=None):
            self.v = eqstate.HiddenState(eqstate.random.rand(*self.varshape))

    cell = eqstate.nn.vmap_init_all_states(Cell(2), axis_size=5)
    assert cell.v.value.shape == (5, 2)
    ```
    """
    _vmapped(
        target,
        lambda: init_all_states(
            target, *init_args, node_to_exclude=node_to_exclude, **init_kwargs
        ),
        axis_size,
        state_to_exclude=state_to_exclude,
        state_tag=state_tag,
        in_states=in_states,
        out_states=out_states,
    )
    return target


def vmap_reset_all_states(
    target: _T,
    *reset_args: Any,
    axis_size: int | None = None,
    node_to_exclude: Any = None,
    state_tag: str | None = None,
    **reset_kwargs: Any,
) -> _T:
    """`reset_all_states` once per lane; the States it writes get a batch axis
    (the others, such as parameters, are left as they are).

    ```python
    import jax.numpy as jnp
    import eqstate

    class Cell(eqstate.nn.Dynamics):
        def init_state(self, batch_size=None):
            self.v = eqstate.HiddenState(jnp.zeros(self.varshape))

        def reset_state(self, batch_size=None):
            self.v.value = eqstate.random.rand(*self.varshape)

    cell = eqstate.nn.init_all_states(Cell(2))
    eqstate.nn.vmap_reset_all_states(cell, axis_size=4)
    assert cell.v.value.shape == (4, 2)
    ```
    """
    from ..transform import make_jaxpr, vmap

    if axis_size is None or axis_size <= 0:
        raise _CollectiveError(
            f"axis_size={axis_size!r}: give the number of lanes, e.g. axis_size=8."
        )
    skip = _node_predicate(node_to_exclude)
    owned = [
        s
        for p, m in _modules(target)
        if not skip(p, m)
        for s in _all_states(m).values()
        if s.tag != _NO_BATCHING
    ]
    unique = list({id(s): s for s in owned}.values())

    def reset() -> None:
        reset_all_states(
            target, *reset_args, node_to_exclude=node_to_exclude, **reset_kwargs
        )

    # Only the States the reset writes get a batch axis (a trace finds them;
    # its jaxpr returns the written ones, first in `states`); the others, such
    # as parameters, keep their values.
    jaxpr, states = make_jaxpr(reset, return_only_write=True)()
    written = set(states[: len(jaxpr.out_avals)])
    batched = [s for s in unique if s in written]

    def lane() -> list[Any]:
        reset()
        return [s.value for s in batched]

    values = vmap(lane, axis_size=axis_size, out_states=batched)()
    for state, value in zip(batched, values):
        state.value = value
        if state_tag is not None:
            state.metadata.setdefault("tag", state_tag)
    return target


def assign_state_values(
    target: Module, *state_by_abs_path: Mapping[Any, Any]
) -> tuple[list[Any], list[Any]]:
    """Write values into `target`'s States by path; returns (unexpected, missing) keys.

    Paths may be tuples (as `states()` gives) or dotted strings.

    ```python
    import jax.numpy as jnp
    import eqstate

    class Lin(eqstate.nn.Module):
        def __init__(self):
            self.w = eqstate.ParamState(jnp.zeros(2))
            self.b = eqstate.ParamState(jnp.zeros(1))

    model = Lin()
    unexpected, missing = eqstate.nn.assign_state_values(
        model, {"w": jnp.ones(2), "extra": 1.0}
    )
    assert model.w.value.tolist() == [1.0, 1.0]
    assert unexpected == ["extra"] and missing == [("b",)]
    ```
    """
    incoming: dict[Any, Any] = {}
    for mapping in state_by_abs_path:
        incoming.update(mapping)
    own = target.states()

    def norm(key: Any) -> str:
        return ".".join(map(str, key)) if isinstance(key, tuple) else str(key)

    own_by = {norm(k): k for k in own}
    in_by = {norm(k): k for k in incoming}
    for key in own_by.keys() & in_by.keys():
        own[own_by[key]].value = jax.tree.map(jnp.asarray, incoming[in_by[key]])
    unexpected = sorted((in_by[k] for k in in_by.keys() - own_by.keys()), key=norm)
    missing = sorted((own_by[k] for k in own_by.keys() - in_by.keys()), key=norm)
    return unexpected, missing
