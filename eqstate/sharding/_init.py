"""Initializers that create a value already sharded, and carry logical names."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Mapping
from typing import Any

import jax
from jax.sharding import Mesh, NamedSharding

from ._rules import MeshAxes, ShardingError, logical_to_spec

__all__ = ["PartitionedInit", "names_of", "with_partitioning"]


def _takes_key(fn: Callable[..., Any]) -> bool:
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False
    return "key" in params


class PartitionedInit:
    """An initializer with logical axis names; see `with_partitioning`.

    ```python
    import eqstate

    init = eqstate.sharding.with_partitioning(eqstate.init.ZeroInit(), ("a", "b"))
    assert isinstance(init, eqstate.sharding.PartitionedInit)
    assert init.names == ("a", "b") and init((2, 3)).shape == (2, 3)
    ```
    """

    __slots__ = ("init", "names", "mesh", "_takes_key", "_compiled")

    def __init__(
        self,
        init: Callable[..., Any],
        names: tuple[str | None, ...],
        mesh: Mesh | None = None,
    ):
        if not callable(init):
            raise ShardingError(
                f"with_partitioning wraps an initializer (a callable taking a "
                f"shape); got {type(init).__name__}. For a fixed array, declare "
                "the State instead: `ParamState(w, names=(...))`."
            )
        self.init = init
        self.names = tuple(names)
        self.mesh = mesh
        self._takes_key = _takes_key(init)
        self._compiled: dict[Any, Any] = {}

    @property
    def __eqstate_names__(self) -> tuple[str | None, ...]:
        return self.names

    def sharding(
        self, mesh: Mesh | None = None, rules: Mapping[str, MeshAxes] | None = None
    ) -> NamedSharding | None:
        """The `NamedSharding` a value gets (None when no mesh is known)."""
        mesh = mesh or self.mesh
        if mesh is None:
            context = jax.sharding.get_mesh()
            mesh = None if context.empty else context
        if mesh is None:
            return None
        return NamedSharding(mesh, logical_to_spec(self.names, rules))

    def __call__(
        self, shape: Any, key: Any = None, dtype: Any = None, **kwargs: Any
    ) -> Any:
        shape = (shape,) if isinstance(shape, int) else tuple(shape)
        if len(shape) != len(self.names):
            raise ShardingError(
                f"with_partitioning(..., {self.names!r}) was asked for a value of "
                f"shape {shape}: give one logical name per dimension ({len(shape)})."
            )
        extra = dict(kwargs)
        if dtype is not None:
            extra["dtype"] = dtype
        target = self.sharding()
        if target is None:  # no mesh: an ordinary initializer call
            if key is not None:
                extra["key"] = key
            return self.init(shape, **extra)
        try:
            cache_key: Any = (shape, target, tuple(sorted(extra.items())))
            hash(cache_key)
        except TypeError:
            cache_key = None
        entry = self._compiled.get(cache_key) if cache_key is not None else None
        if entry is None:
            draws = key is None and self._draws(shape, extra)
            random = self._takes_key and draws
            fn = functools.partial(_call, self.init, shape, extra)
            if draws and not self._takes_key:
                # It draws from eqstate's default stream itself (e.g. the
                # `eqstate.nn.init` classes): eqstate's jit threads that State.
                from ..transform import jit as state_jit

                make: Any = state_jit(fn, out_shardings=target)
            else:
                make = jax.jit(fn, out_shardings=target)
            entry = (make, random)
            if cache_key is not None:
                self._compiled[cache_key] = entry
        make, random = entry
        if random and key is None:
            from ..random import split_key

            key = split_key()  # as the initializer would draw it, eagerly
        return make(key)

    def _draws(self, shape: tuple[int, ...], extra: dict[str, Any]) -> bool:
        """Whether the initializer draws from eqstate's default random stream
        when given no key (a write that raw JAX tracing refuses)."""
        from .._errors import TraceContextError

        try:
            jax.eval_shape(lambda: self.init(shape, **extra))
        except TraceContextError:
            return True
        return False

    def __repr__(self) -> str:
        return f"with_partitioning({self.init!r}, {self.names!r})"


def _call(init: Callable[..., Any], shape: Any, extra: dict[str, Any], key: Any) -> Any:
    if key is not None:
        return init(shape, key=key, **extra)
    return init(shape, **extra)


def with_partitioning(
    init: Callable[..., Any],
    names: tuple[str | None, ...],
    mesh: Mesh | None = None,
) -> PartitionedInit:
    """Give an initializer logical axis names; it creates values already sharded.

    Called with a shape, the wrapped initializer runs under
    `jax.jit(..., out_shardings=...)` on the mesh (`mesh`, else the one set
    by `jax.set_mesh`), so each device computes only its own shard and the
    full array never exists on one device. With no mesh it is the plain
    initializer. Layers that take initializers (`eqstate.nn.Linear`'s
    `w_init` and `b_init`, ...) record the names on the State they create,
    so `specs(model)` and `transform.jit` know its layout.

    ```python
    import jax
    import numpy as np
    import eqstate
    from jax.sharding import Mesh, PartitionSpec as P

    mesh = Mesh(np.array(jax.devices()[:1]), ("model",))
    w_init = eqstate.sharding.with_partitioning(
        eqstate.init.KaimingNormal(), ("embed", "mlp")
    )
    with eqstate.sharding.rules({"mlp": "model"}), jax.set_mesh(mesh):
        layer = eqstate.nn.Linear(4, 8, w_init=w_init)
        assert eqstate.sharding.specs(layer).weight.value["weight"] == P(None, "model")
    assert layer.weight.value["weight"].sharding.spec == P(None, "model")
    ```

    Args:
        init: an `eqstate.init` initializer, or any callable taking a shape
            (and optionally `key=` and `dtype=`).
        names: one logical axis name (or `None`) per dimension.
        mesh: the mesh to create the values on; default the `jax.set_mesh`
            mesh at call time.

    Returns:
        A `PartitionedInit`, an initializer with a `names` attribute.
    """
    return PartitionedInit(init, names, mesh)


def names_of(init: Any) -> tuple[str | None, ...] | None:
    """The logical names of a `with_partitioning` initializer, else None.

    ```python
    import eqstate

    w_init = eqstate.sharding.with_partitioning(eqstate.init.ZeroInit(), ("a", None))
    assert eqstate.sharding.names_of(w_init) == ("a", None)
    assert eqstate.sharding.names_of(eqstate.init.ZeroInit()) is None
    ```
    """
    return getattr(init, "__eqstate_names__", None)


def layer_names(**inits: Any) -> dict[str, Any]:
    """State metadata for a layer whose parameters come from `inits`.

    `{"names": {key: names}}` when an initializer carries logical names
    (`None` for the others, replicated), else `{}` so that layers built
    without sharding create their States exactly as before.
    """
    names = {key: names_of(value) for key, value in inits.items()}
    if all(n is None for n in names.values()):
        return {}
    return {"names": names}
