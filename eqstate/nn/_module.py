"""`Module`: a frozen equinox module that may hold States.

Two styles work side by side:

- equinox style: fields declared on the class (`w: ParamState[Float[Array, "n"]]`),
  checked by jaxtyping + beartype when type checking is on;
- brainstate style: `self.w = ParamState(...)` in `__init__` with no annotation.
  Such attributes live in `_attrs`, an insertion-ordered pytree field, so they
  are children of the module pytree like declared fields are.

The structure is frozen when `__init__` returns; only `init_state` hooks (which
create a `Dynamics` module's States) may add attributes later. Mutation happens
through `State.value`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar, overload

import equinox as eqx
import jax.tree_util as jtu

from .._paths import register_transparent_key
from .._pretty import pretty
from .._state import State
from ..mixin._mixin import ParamDesc
from ._attr_store import (
    ATTRS as _ATTRS,
    OPEN as _OPEN,
    OpenInit,
    field_names as _field_names,
    instance_vars as _vars,
)

if TYPE_CHECKING:
    from .._catch import NewStateCatcher
    from .._filters import Filter
    from ..util._dicts import FlattedDict, NestedDict

__all__ = ["Module"]

_BASE_FIELDS = frozenset((_ATTRS, "_name", "_in_size", "_out_size"))


# The store's children read `.w`, not `._attrs.w`, in the paths of graph and checkpoint.
register_transparent_key(jtu.GetAttrKey(_ATTRS))

_FROZEN_MESSAGE = """\
cannot assign to {cls}.{name}: an eqstate Module is frozen once __init__
returns (it is an equinox module, hence a pytree). Mutable values belong in
States:

    self.{name}.value = new_value              # change what a State holds
    model = eqx.tree_at(lambda m: m.{name}, model, new)  # a new model with a new part

New States may only be added in __init__ or in an `init_state` hook."""


def _label_states(module: Module) -> None:
    """Name every State under `module` by its path: `MLP.linear1.w`.

    Modules finish construction inside out, so the outermost module's path
    is the one that sticks (what errors then show).
    """
    _label_tree(module, type(module).__name__)


def _is_node(x: Any) -> bool:
    return isinstance(x, (State, Module))


def _label_tree(node: Any, prefix: str) -> None:
    if isinstance(node, State):
        node._info.label = prefix
    elif isinstance(node, Module):
        # Through the class: an equinox bound method would flatten the module,
        # reading States that a retried transform may have left dead.
        for name, child in type(node)._named_children(node):
            _label_tree(child, f"{prefix}.{name}")
    elif isinstance(node, (list, tuple, dict)):
        for keypath, leaf in jtu.tree_flatten_with_path(node, is_leaf=_is_node)[0]:
            if _is_node(leaf):
                _label_tree(leaf, prefix + jtu.keystr(keypath))


_F = TypeVar("_F", bound=Callable[..., Any])


def _opens_structure(method: _F) -> _F:
    """Let `method` add attributes to `self` (used for `init_state` hooks)."""

    @functools.wraps(method)
    def wrapper(self: Module, *args: Any, **kwargs: Any) -> Any:
        d = _vars(self)
        already = _OPEN in d
        d[_OPEN] = True
        try:
            return method(self, *args, **kwargs)
        finally:
            if not already:
                del d[_OPEN]
                _label_states(self)

    wrapper.__eqstate_opens__ = True  # type: ignore[attr-defined]
    return wrapper  # type: ignore[return-value]


class Module(OpenInit, ParamDesc):
    """Base class for models: an equinox module that may hold `State`s.

    ```python
    import jax.numpy as jnp
    import eqstate

    class Counter(eqstate.nn.Module):
        def __init__(self):
            self.n = eqstate.State(jnp.array(0))

        def __call__(self):
            self.n.value += 1
            return self.n.value

    counter = Counter()
    step = eqstate.transform.jit(counter)
    assert [int(step()) for _ in range(3)] == [1, 2, 3]
    ```

    A module is a frozen pytree: `jax.tree.map`, `eqx.partition`,
    `eqx.tree_at` and `eqx.tree_serialise_leaves` work on it, and each State
    contributes its current value as a leaf.
    """

    _name: str | None = eqx.field(default=None, static=True, kw_only=True, repr=False)
    _in_size: tuple[int, ...] | None = eqx.field(
        default=None, static=True, kw_only=True, repr=False
    )
    _out_size: tuple[int, ...] | None = eqx.field(
        default=None, static=True, kw_only=True, repr=False
    )

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        hook = cls.__dict__.get("init_state")
        if hook is not None and not getattr(hook, "__eqstate_opens__", False):
            cls.init_state = _opens_structure(hook)  # type: ignore[method-assign]

    FROZEN: ClassVar[str] = _FROZEN_MESSAGE

    def __check_init__(self) -> None:  # (before `OpenInit`'s, which closes it)
        _label_states(self)

    @property
    def name(self) -> str | None:
        """The name given to `__init__(name=...)`, else None (read-only)."""
        return _vars(self).get("_name")

    @property
    def in_size(self) -> tuple[int, ...] | None:
        """The shape of one input sample (without batch axes), if known."""
        return _vars(self).get("_in_size")

    @in_size.setter
    def in_size(self, size: int | Sequence[int] | None) -> None:
        object.__setattr__(self, "_in_size", _as_size(size, "in_size"))

    @property
    def out_size(self) -> tuple[int, ...] | None:
        """The shape of one output sample (without batch axes), if known."""
        return _vars(self).get("_out_size")

    @out_size.setter
    def out_size(self, size: int | Sequence[int] | None) -> None:
        object.__setattr__(self, "_out_size", _as_size(size, "out_size"))

    def update(self, *args: Any, **kwargs: Any) -> Any:
        """The module's computation (brainstate style); `module(...)` calls it.

        Subclasses define either `update` or `__call__`.
        """
        raise NotImplementedError(
            f"{type(self).__name__} defines neither `update` nor `__call__`; "
            "define `def update(self, x): ...` to make it callable."
        )

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.update(*args, **kwargs)

    def init_state(self, *args: Any, **kwargs: Any) -> None:
        """Create this module's States (a hook for `nn.init_all_states`).

        Unlike other methods it may assign new attributes to `self`.
        """

    def reset_state(self, *args: Any, **kwargs: Any) -> None:
        """Put this module's States back to their initial values (a hook for
        `nn.reset_all_states`)."""

    def _named_children(self) -> Iterator[tuple[str, Any]]:
        d = _vars(self)
        for name in _field_names(type(self)):
            if name not in _BASE_FIELDS and name in d:
                yield name, d[name]
        store = d.get(_ATTRS)
        if store is not None:
            yield from store.items()

    def _repr_fields(self) -> list[tuple[str, Any]]:
        d = _vars(self)
        shown = [
            (key, d[f"_{key}"])
            for key in ("name", "in_size", "out_size")
            if d.get(f"_{key}") is not None
        ]
        hidden = {f.name for f in dataclasses.fields(self) if not f.repr}
        children = self._named_children()
        return shown + [
            (k, v) for k, v in children if k not in hidden and not k.startswith("_")
        ]

    def __eqstate_repr__(self, indent: int = 0) -> str:
        return pretty(self)

    def __repr__(self) -> str:
        return pretty(self)

    @overload
    def states(self, *, allowed_hierarchy: tuple[int, int] = ...) -> FlattedDict: ...
    @overload
    def states(
        self, filter: Filter, /, *, allowed_hierarchy: tuple[int, int] = ...
    ) -> FlattedDict: ...
    @overload
    def states(
        self,
        filter: Filter,
        filter2: Filter,
        /,
        *filters: Filter,
        allowed_hierarchy: tuple[int, int] = ...,
    ) -> tuple[FlattedDict, ...]: ...
    def states(
        self, *filters: Filter, allowed_hierarchy: tuple[int, int] = (0, 2**31 - 1)
    ) -> FlattedDict | tuple[FlattedDict, ...]:
        """The States in this module: a `FlattedDict` keyed by path tuples, sorted.

        With one filter (see `eqstate.filters`), only the matching States; with
        several, a tuple of FlattedDicts, one per filter (a State goes to the
        first filter that matches it). A State reachable by two paths (weight
        tying) appears once, under its first path. `allowed_hierarchy=(lo, hi)`
        keeps the States of modules `lo` to `hi` levels down.

        ```python
        import jax.numpy as jnp
        import eqstate

        class Linear(eqstate.nn.Module):
            def __init__(self):
                self.w = eqstate.ParamState(jnp.ones((2, 1)))
                self.n = eqstate.State(jnp.array(0))

        params = Linear().states(eqstate.ParamState)
        assert list(params) == [("w",)]
        ```
        """
        from ..graph import states
        from ._interop import check_equinox_wrapped

        check_equinox_wrapped(self, filters)
        return states(self, *filters, allowed_hierarchy=allowed_hierarchy)

    def nodes(
        self, *filters: Filter, allowed_hierarchy: tuple[int, int] = (0, 2**31 - 1)
    ) -> FlattedDict | tuple[FlattedDict, ...]:
        """The modules in this module (itself under the path `()`), keyed by path.

        Filters and `allowed_hierarchy` as for `graph.nodes`.
        """
        from ..graph import nodes

        return nodes(self, *filters, allowed_hierarchy=allowed_hierarchy)

    # -- brainstate's traversal API ------------------------------------------

    def _module_paths(self) -> dict[tuple[Any, ...], Module]:
        """Sub-modules by path, parents first, siblings in attribute order."""
        from ..graph import iter_node

        found = [(p, m) for p, m in iter_node(self) if isinstance(m, Module)]
        first_seen: dict[tuple[Any, ...], int] = {}
        for path, _ in found:  # children before parents: siblings keep order
            for k in range(1, len(path) + 1):
                first_seen.setdefault(path[:k], len(first_seen))

        def preorder(item: tuple[tuple[Any, ...], Module]) -> tuple[int, ...]:
            path = item[0]
            return tuple(first_seen[path[:k]] for k in range(1, len(path) + 1))

        return dict(sorted(found, key=preorder))

    def named_children(self) -> Iterator[tuple[str, Module]]:
        """`(name, module)` for each direct sub-module (one reached without
        passing through another module); list items are named `layers.0`."""
        paths = self._module_paths()
        for path, module in paths.items():
            if path and not any(path[:k] in paths for k in range(1, len(path))):
                yield ".".join(str(p) for p in path), module

    def children(self) -> Iterator[Module]:
        """The direct sub-modules (see `named_children`)."""
        for _, module in self.named_children():
            yield module

    def named_modules(
        self, prefix: str = "", include_self: bool = True
    ) -> Iterator[tuple[str, Module]]:
        """`(dotted path, module)` for this module (named `prefix`) and every
        module inside it."""
        for path, module in self._module_paths().items():
            if not path and not include_self:
                continue
            name = ".".join(str(p) for p in path)
            if prefix:
                name = f"{prefix}.{name}" if name else prefix
            yield name, module

    def modules(self, include_self: bool = True) -> Iterator[Module]:
        """This module and every module inside it."""
        for _, module in self.named_modules(include_self=include_self):
            yield module

    def named_parameters(
        self, prefix: str = "", recurse: bool = True
    ) -> Iterator[tuple[str, State[Any]]]:
        """`(dotted path, ParamState)` for the parameters inside this module
        (with `recurse=False`, only those not inside a sub-module)."""
        from .._state_kinds import ParamState

        found = self.states(ParamState)
        subs = [p for p in self._module_paths() if p]
        for path, state in found.items():
            if not recurse and any(path[: len(s)] == s for s in subs):
                continue
            name = ".".join(str(p) for p in path)
            yield (f"{prefix}.{name}" if prefix else name), state

    def parameters(self, recurse: bool = True) -> Iterator[State[Any]]:
        """The `ParamState`s inside this module (see `named_parameters`)."""
        for _, state in self.named_parameters(recurse=recurse):
            yield state

    def named_param_modules(
        self, allowed_hierarchy: tuple[int, int] = (0, 2**31 - 1)
    ) -> Iterator[tuple[str, Any]]:
        """`(dotted path, Param)` for each `nn.Param` inside this module whose
        depth (number of modules from here) lies in `allowed_hierarchy`."""
        from ._param import Param

        paths = self._module_paths()
        low, high = allowed_hierarchy
        for path, module in paths.items():
            depth = sum(1 for k in range(1, len(path) + 1) if path[:k] in paths)
            if isinstance(module, Param) and low <= depth <= high:
                yield ".".join(str(p) for p in path), module

    def param_modules(
        self, allowed_hierarchy: tuple[int, int] = (0, 2**31 - 1)
    ) -> Iterator[Any]:
        """The `nn.Param`s inside this module (see `named_param_modules`)."""
        for _, param in self.named_param_modules(allowed_hierarchy):
            yield param

    def reg_loss(self) -> Any:
        """The sum of the regularization losses of the `nn.Param`s inside this
        module (0.0 when there is none)."""
        losses = [param.reg_loss() for param in self.param_modules()]
        return sum(losses) if losses else 0.0

    @contextlib.contextmanager
    def param_precompute(
        self, allowed_hierarchy: tuple[int, int] = (0, 2**31 - 1)
    ) -> Iterator[None]:
        """Within the `with` block, every `nn.Param` inside this module (at a
        depth in `allowed_hierarchy`) returns a cached `value()` (see
        `Param.cache`); the caches are cleared on exit, errors included.

        ```python
        import jax.numpy as jnp
        import eqstate

        class Neuron(eqstate.nn.Module):
            def __init__(self):
                self.tau = eqstate.nn.Param(10.0, t=eqstate.nn.SoftplusT(0.0))

        model = Neuron()
        with model.param_precompute():
            assert model.tau.cache_stats["valid"]
        assert not model.tau.cache_stats["valid"]
        ```
        """
        params = list(self.param_modules(allowed_hierarchy))
        for param in params:
            param.cache()
        try:
            yield
        finally:
            for param in params:
                param.clear_cache()

    @overload
    def state_trees(self) -> NestedDict: ...
    @overload
    def state_trees(self, filter: Filter, /) -> NestedDict: ...
    @overload
    def state_trees(
        self, filter: Filter, filter2: Filter, /, *filters: Filter
    ) -> tuple[NestedDict, ...]: ...
    def state_trees(self, *filters: Filter) -> NestedDict | tuple[NestedDict, ...]:
        """The States as a `NestedDict` (`{'layer': {'weight': State}}`); with
        filters, one NestedDict per filter (a tuple when several).

        `states()` nested: `to_flat()` gives the path-keyed view back.

        ```python
        import jax.numpy as jnp
        import eqstate

        class Net(eqstate.nn.Module):
            def __init__(self):
                self.w = eqstate.ParamState(jnp.ones(2))
                self.n = eqstate.State(jnp.array(0))

        tree = Net().state_trees()
        assert isinstance(tree, eqstate.util.NestedDict)
        assert list(tree.to_flat()) == [("n",), ("w",)]
        params, rest = Net().state_trees(eqstate.ParamState, ...)
        assert list(params) == ["w"] and list(rest) == ["n"]
        ```
        """
        if not filters:
            return self.states().to_nest()
        groups = self.states(*filters)
        if isinstance(groups, tuple):
            return tuple(flat.to_nest() for flat in groups)
        return groups.to_nest()

    def init_all_states(
        self, *args: Any, state_tag: str | None = None, **kwargs: Any
    ) -> NewStateCatcher:
        """`nn.init_all_states(self, *args, **kwargs)`; returns the States it
        created (a `NewStateCatcher`), each tagged `state_tag` if given.

        ```python
        import jax.numpy as jnp
        import eqstate

        class Cell(eqstate.nn.Dynamics):
            def init_state(self, batch_size=None):
                self.v = eqstate.HiddenState(jnp.zeros(self.varshape))

        cell = Cell(2)
        new = cell.init_all_states(state_tag="hidden")
        assert new.get_states() == [cell.v] and cell.v.tag == "hidden"
        ```
        """
        from .._catch import catch_new_states
        from ._collective import init_all_states

        with catch_new_states(state_tag) as catcher:
            init_all_states(self, *args, **kwargs)
        return catcher

    def reset_all_states(self, *args: Any, **kwargs: Any) -> Module:
        """`nn.reset_all_states(self, *args, **kwargs)`; returns `self`."""
        from ._collective import reset_all_states

        return reset_all_states(self, *args, **kwargs)


def init_module(self: Module, name: str | None = None) -> None:
    """`super().__init__(name=...)` from a brainstate-style `__init__`."""
    if name is not None and not isinstance(name, str):
        raise TypeError(f"Module name must be a str, got {type(name).__name__}.")
    object.__setattr__(self, "_name", name)


# Set after the class is built so that equinox still generates dataclass
# `__init__`s for annotated subclasses that define none.
Module.__init__ = init_module  # type: ignore[method-assign]


def _as_size(size: int | Sequence[int] | None, what: str) -> tuple[int, ...] | None:
    if size is None:
        return None
    if isinstance(size, int):
        return (size,)
    try:
        return tuple(int(n) for n in size)
    except TypeError:
        raise TypeError(
            f"{what} must be an int or a sequence of ints, got {size!r}."
        ) from None
