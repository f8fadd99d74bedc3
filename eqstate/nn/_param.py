"""`Param` and `Const`: parameters with a constraint and a prior; `count_parameters`,
`clip_grad_norm`.

A `Param` keeps its value in unconstrained form, `t.inverse(value)`, inside a
`ParamState` (what an optimizer updates), and `param.value()` returns
`t.forward(...)` of it, so a `Param(1.0, t=SoftplusT(0.0))` stays positive
however it is trained. An optional regularization adds `reg.loss(value())` to
`Module.reg_loss()`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
from jax import Array

from .._errors import EqstateError
from .._state import State
from .._state_kinds import ParamState
from ..typing import ArrayLike, PyTree
from ._module import Module, init_module
from ._param_regs import Regularization
from ._param_transforms import IdentityT, Transform

__all__ = ["Const", "Param", "clip_grad_norm", "count_parameters"]


_logger = logging.getLogger("eqstate.nn.Param")


class _Cache:
    """A `Param`'s cached value: `(the raw array it came from, the value)`.

    A mutable holder in a static field, so the frozen module can keep it. All
    holders compare equal, so two `Param`s built alike keep the same pytree
    structure (`jax.tree.map` over both works, `jit` reuses its trace); a
    Param rebuilt from another's structure may share its holder, which is
    safe because an entry only counts while its raw array is the one the
    Param's State holds.
    """

    __slots__ = ("entry", "logging")

    def __init__(self, logging: bool):
        self.entry: tuple[Any, Any] | None = None
        self.logging = logging

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Cache)

    def __hash__(self) -> int:
        return hash(_Cache)

    def log(self, event: str) -> None:
        if self.logging:
            _logger.info("Param cache %s", event)


class Param(Module):
    """A parameter with a bijective constraint `t` and an optional prior `reg`.

    The unconstrained value `t.inverse(value)` is held in a `ParamState` named
    `val` (a plain `State` when `fit=False`, so optimizers skip it); `value()`
    is `t.forward(val)` (then `precompute`, if given).

    ```python
    import jax.numpy as jnp
    import eqstate

    class Neuron(eqstate.nn.Module):
        def __init__(self):
            self.tau = eqstate.nn.Param(
                10.0, t=eqstate.nn.SoftplusT(0.0), reg=eqstate.nn.L2Reg(1e-3)
            )

    model = Neuron()
    assert abs(float(model.tau.value()) - 10.0) < 1e-4
    assert list(model.states(eqstate.ParamState)) == [("tau", "val")]
    assert abs(float(model.reg_loss()) - 0.1) < 1e-4
    ```

    Args:
        value: the initial (constrained) value.
        t: the transform from the unconstrained to the constrained domain.
        reg: an optional regularization of `value()`.
        precompute: an optional function applied to `t.forward(val)`.
        fit: train the value (a `ParamState`) or keep it fixed (a plain `State`).
        enable_cache_logging: log cache events (`cache`, `hit`, `clear`) at
            INFO level on the `eqstate.nn.Param` logger.

    Caching is opt-in, as in brainstate: `cache()` computes `value()` once and
    later `value()` calls return it for as long as `val` still holds the array
    it was computed from. Any write (`set_value`, an optimizer step, a
    transform's commit) makes it stale, and so does entering a transform (the
    State then holds a tracer), so a cached value is never out of date and
    never leaks a tracer. `Module.param_precompute()` caches every `Param` of
    a model for the length of a `with` block.

    Raises:
        EqstateError: if `t` is not a `Transform` or `reg` not a `Regularization`.
    """

    t: Transform
    reg: Regularization | None
    precompute: Callable[[Array], Array] | None = eqx.field(static=True)
    fit: bool = eqx.field(static=True)
    _cache: _Cache = eqx.field(static=True, repr=False)

    def __init__(
        self,
        value: ArrayLike,
        t: Transform = IdentityT(),
        reg: Regularization | None = None,
        precompute: Callable[[Array], Array] | None = None,
        fit: bool = True,
        enable_cache_logging: bool = False,
    ):
        init_module(self)
        if not isinstance(t, Transform):
            raise EqstateError(
                f"Param: t must be an eqstate.nn.Transform such as SoftplusT(0.0), "
                f"got {type(t).__name__}."
            )
        if reg is not None and not isinstance(reg, Regularization):
            raise EqstateError(
                f"Param: reg must be None or an eqstate.nn.Regularization such as "
                f"L2Reg(1e-3), got {type(reg).__name__}."
            )
        self.t = t
        self.reg = reg
        self.precompute = precompute
        self.fit = fit
        self._cache = _Cache(enable_cache_logging)
        raw = t.inverse(jnp.asarray(value, dtype=jnp.result_type(float)))
        self.val: State[Array] = ParamState(raw) if fit else State(raw)

    def _forward(self, raw: Array) -> Array:
        out = self.t.forward(raw)
        return self.precompute(out) if self.precompute is not None else out

    def value(self) -> ArrayLike:
        """The constrained value, `t.forward(val)` (then `precompute`); the
        cached one while it is valid (see `cache`)."""
        raw = self.val.value
        entry = self._cache.entry
        if entry is not None and entry[0] is raw:
            self._cache.log("hit")
            return entry[1]
        return self._forward(raw)

    def cache(self) -> ArrayLike:
        """Compute `value()` now and keep it for later calls.

        The cache holds while `val` holds the same array: a write, or reading
        under a transform (where `val` is a tracer), computes afresh.

        ```python
        import jax.numpy as jnp
        import eqstate

        p = eqstate.nn.Param(jnp.array([1.0, 2.0]), t=eqstate.nn.SoftplusT(0.0))
        v = p.cache()
        assert p.value() is v and p.cache_stats["valid"]
        p.set_value(jnp.array([3.0, 4.0]))  # the cache is now stale
        assert not p.cache_stats["valid"] and jnp.allclose(p.value(), 3.0 + jnp.arange(2))
        ```

        Returns:
            The constrained value.
        """
        raw = self.val.value
        out = self._forward(raw)
        self._cache.entry = (raw, out)
        self._cache.log("cache")
        return out

    def clear_cache(self) -> None:
        """Drop the cached value; `value()` computes it on every call again."""
        if self._cache.entry is not None:
            self._cache.entry = None
            self._cache.log("clear")

    @property
    def cache_stats(self) -> dict[str, bool]:
        """`{'valid': ..., 'has_cached_value': ...}`: whether `value()` would
        return a cached value (a stale one is dropped here).

        ```python
        import eqstate

        p = eqstate.nn.Param(1.0)
        assert p.cache_stats == {"valid": False, "has_cached_value": False}
        p.cache()
        assert p.cache_stats == {"valid": True, "has_cached_value": True}
        ```
        """
        entry = self._cache.entry
        if entry is not None and entry[0] is not self.val.value:
            self._cache.entry = entry = None
        return {"valid": entry is not None, "has_cached_value": entry is not None}

    def set_value(self, value: ArrayLike) -> None:
        """Store a new constrained value (its `t.inverse` goes into `val`);
        drops the cached value."""
        self.clear_cache()
        self.val.value = self.t.inverse(jnp.asarray(value))

    def reg_loss(self) -> ArrayLike:
        """`reg.loss(value())`, or 0.0 without a regularization or when not fitted."""
        if not self.fit or self.reg is None:
            return 0.0
        return self.reg.loss(self.value())

    def reset_to_prior(self) -> None:
        """Set the value to the regularization's `reset_value()` (if any)."""
        if self.reg is not None:
            self.set_value(
                jnp.broadcast_to(self.reg.reset_value(), jnp.shape(self.value()))
            )

    def clip(self, min_val: float | None = None, max_val: float | None = None) -> None:
        """Clip the constrained value into `[min_val, max_val]`, in place."""
        self.set_value(jnp.clip(jnp.asarray(self.value()), min_val, max_val))

    @classmethod
    def init(
        cls,
        data: Any,
        sizes: int | Sequence[int] | None = None,
        allow_none: bool = True,
        **param_kwargs: Any,
    ) -> Param | None:
        """Turn `data` into a parameter: a `Param` is returned as is; an
        initializer or callable is called with `sizes`; an array or scalar
        becomes a `Const`.

        ```python
        import jax.numpy as jnp
        import eqstate

        p = eqstate.nn.Param.init(eqstate.init.ZeroInit(), (2,))
        assert isinstance(p, eqstate.nn.Const) and p.value().shape == (2,)
        ```

        Args:
            data: a `Param`, an initializer/callable, an array, a scalar or None.
            sizes: the expected shape (needed for callables).
            allow_none: return None for `data=None` (else raise).
            **param_kwargs: passed to the callable.

        Raises:
            EqstateError: for `None` with `allow_none=False`, a callable without
                `sizes`, or a value whose shape does not broadcast to `sizes`.
        """
        if data is None:
            if allow_none:
                return None
            raise EqstateError(
                "Param.init got None; pass an array, a scalar or an initializer."
            )
        shape = (
            None
            if sizes is None
            else ((sizes,) if isinstance(sizes, int) else tuple(sizes))
        )
        if not isinstance(data, Param):
            if callable(data):
                if shape is None:
                    raise EqstateError(
                        "Param.init: an initializer needs the parameter's shape, "
                        "e.g. Param.init(eqstate.init.ZeroInit(), sizes=(3,))."
                    )
                data = data(shape, **param_kwargs)
            data = Const(data)
        if shape is not None:
            got = jnp.shape(data.value())
            try:
                jnp.broadcast_shapes(got, shape)
            except ValueError:
                raise EqstateError(
                    f"Param.init: a value of shape {got} does not broadcast to {shape}."
                ) from None
        return data


class Const(Param):
    """A fixed parameter: `Param(value, fit=False)`. Its value sits in a plain
    `State`, so `states(ParamState)` and optimizers skip it; `set_value` still
    changes it.

    ```python
    import jax.numpy as jnp
    import eqstate

    c = eqstate.nn.Const(jnp.array([1.0, 2.0]))
    assert c.value().tolist() == [1.0, 2.0] and c.states(eqstate.ParamState) == {}
    ```

    Args:
        value: the value.
        **param_kwargs: other `Param` arguments (`t`, `reg`, `precompute`).
    """

    def __init__(self, value: ArrayLike, **param_kwargs: Any):
        param_kwargs["fit"] = False
        super().__init__(value, **param_kwargs)


def _numel(value: Any) -> int:
    return sum(int(jnp.size(x)) for x in jax.tree.leaves(value))


def count_parameters(
    module: Module, precision: int = 2, return_table: bool = False
) -> int | tuple[Any, int]:
    """Print a table of the `ParamState`s of `module` and their sizes; return the total.

    ```python
    import jax.numpy as jnp
    import eqstate

    cell = eqstate.nn.GRUCell(2, 3)
    assert eqstate.nn.count_parameters(cell) == (5 * 6 + 6) + (5 * 3 + 3)
    ```

    Args:
        module: the module.
        precision: decimals of the K/M/B-scaled counts.
        return_table: also return the table (a string).

    Returns:
        The number of trained parameters (and the table when `return_table`).
    """

    def fmt(n: int) -> str:
        for size, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
            if n >= size:
                return f"{n / size:.{precision}f}{suffix}"
        return str(n)

    rows = [
        (".".join(map(str, path)), _numel(s.value))
        for path, s in module.states(ParamState).items()
    ]
    total = sum(n for _, n in rows)
    rows.append(("Total", total))
    width = max([len("Modules")] + [len(name) for name, _ in rows])
    lines = [f"{'Modules':<{width}}  Parameters"]
    lines += [f"{name:<{width}}  {fmt(n)}" for name, n in rows]
    table = "\n".join(lines)
    print(table)
    return (table, total) if return_table else total


def clip_grad_norm(
    grad: PyTree,
    max_norm: float | Array,
    norm_type: int | float | str | None = 2.0,
    return_norm: bool = False,
) -> PyTree | tuple[PyTree, Array]:
    """Scale a gradient pytree so that its global norm is at most `max_norm`.

    ```python
    import jax.numpy as jnp
    import eqstate

    clipped, norm = eqstate.nn.clip_grad_norm(
        {"w": jnp.array([3.0, 4.0])}, 1.0, return_norm=True
    )
    assert float(norm) == 5.0 and abs(float(jnp.linalg.norm(clipped["w"])) - 1.0) < 1e-5
    ```

    Args:
        grad: the gradients.
        max_norm: the largest allowed norm.
        norm_type: the vector norm order (2.0, 1, `'inf'`, ...) of all entries.
        return_norm: also return the norm before clipping.

    Returns:
        The clipped gradients (and the original norm when `return_norm`).
    """
    order: Any = 2.0 if norm_type is None else norm_type
    if order == "inf":
        order = jnp.inf
    elif order == "-inf":
        order = -jnp.inf
    leaves = jax.tree.leaves(grad)
    if not leaves:
        return (grad, jnp.array(0.0)) if return_norm else grad
    norm = jnp.linalg.norm(jnp.concatenate([jnp.ravel(g) for g in leaves]), ord=order)
    factor = jnp.minimum(1.0, max_norm / (norm + 1e-6))
    clipped = jax.tree.map(lambda g: g * factor, grad)
    return (clipped, norm) if return_norm else clipped
