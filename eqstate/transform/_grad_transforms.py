"""The builders behind the gradient family: `_build` wraps a differentiation
transform in a `GradientTransform`, and each `_..._transform` adapts one JAX
transform (`jax.grad`, `jax.jacrev`, a forward-gradient estimate, ...) to the
`(fun, *, argnums, has_aux, **params)` form the engine calls."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import jax.tree_util as jtu

from ._autodiff import GradientTransform, Transform
from ._unit_grad import unit_aware as _unit_aware


def _build(
    transform: Transform,
    fun: Callable[..., Any] | None,
    grad_states: Any,
    argnums: int | Sequence[int] | None,
    has_aux: bool | None,
    return_value: bool,
    transform_params: dict[str, Any],
    check_states: bool = True,
    debug_nan: bool = False,
    unit_aware: bool = False,
    kind: str = "grad",
) -> Any:
    if fun is None:
        return lambda f: _build(
            transform,
            f,
            grad_states,
            argnums,
            has_aux,
            return_value,
            transform_params,
            check_states,
            debug_nan,
            unit_aware,
            kind,
        )
    if unit_aware:
        name = getattr(transform, "__eqstate_name__", "GradientTransform")
        transform = _unit_aware(transform, kind, f"eqstate.transform.{name}")
    return GradientTransform(
        fun,
        transform,
        grad_states=grad_states,
        argnums=argnums,
        has_aux=bool(has_aux),
        return_value=return_value,
        transform_params=transform_params,
        check_states=check_states,
        debug_nan=debug_nan,
    )


def _grad_transform(fun: Callable[..., Any], *, argnums: Any, has_aux: bool, **kw: Any):
    return jax.grad(fun, argnums=argnums, has_aux=has_aux, **kw)


def _vector_grad_transform(fun: Callable[..., Any], *, argnums: Any, has_aux: bool):
    nums = (argnums,) if isinstance(argnums, int) else tuple(argnums)

    def wrapped(*args: Any, **kwargs: Any) -> Any:
        def partial(*diff: Any) -> Any:
            full = list(args)
            for i, d in zip(nums, diff):
                full[i] = d
            return fun(*full, **kwargs)

        out, vjp_fn, aux = jax.vjp(partial, *(args[i] for i in nums), has_aux=True)
        grads = vjp_fn(jax.tree.map(jnp.ones_like, out))
        return (grads[0] if isinstance(argnums, int) else grads), aux

    return wrapped


def _jacrev_transform(
    fun: Callable[..., Any], *, argnums: Any, has_aux: bool, **kw: Any
):
    return jax.jacrev(fun, argnums=argnums, has_aux=has_aux, **kw)


def _jacfwd_transform(
    fun: Callable[..., Any], *, argnums: Any, has_aux: bool, **kw: Any
):
    return jax.jacfwd(fun, argnums=argnums, has_aux=has_aux, **kw)


def _hessian_transform(
    fun: Callable[..., Any], *, argnums: Any, has_aux: bool, **kw: Any
):
    return jax.hessian(fun, argnums=argnums, has_aux=has_aux, **kw)


def _fwd_grad_transform(
    fun: Callable[..., Any],
    *,
    argnums: Any,
    has_aux: bool,
    tangent_size: int | None = None,
    drct_der_clip: float | None = None,
    key: Any = None,
):
    """Forward gradient: `v (∇f · v)` for random normal directions `v`."""
    nums = (argnums,) if isinstance(argnums, int) else tuple(argnums)
    lead = () if tangent_size is None else (tangent_size,)

    def wrapped(*args: Any, **kwargs: Any) -> Any:
        from .. import random

        params = tuple(args[i] for i in nums)
        if key is None:
            k = random.split_key()
        elif isinstance(key, int):
            k = jax.random.PRNGKey(key)
        else:
            k = key
        leaves, tree = jtu.tree_flatten(params)
        for x in leaves:
            if not jnp.issubdtype(jnp.result_type(x), jnp.inexact):
                raise TypeError(
                    "fwd_grad differentiates inexact (floating) values only; got "
                    f"dtype {jnp.result_type(x)}. Cast it to a float first."
                )
        keys = jax.random.split(k, len(leaves))
        v = jtu.tree_unflatten(
            tree,
            [
                jax.random.normal(kk, lead + jnp.shape(x), jnp.result_type(x))
                for kk, x in zip(keys, leaves)
            ],
        )

        def partial(*diff: Any) -> Any:
            full = list(args)
            for i, d in zip(nums, diff):
                full[i] = d
            return fun(*full, **kwargs)

        def directional(t: Any) -> tuple[Any, Any, Any]:
            value, dd, aux = jax.jvp(partial, params, t, has_aux=True)
            if jnp.ndim(dd) != 0:
                raise ValueError(
                    "fwd_grad needs a scalar-valued function; the output has shape "
                    f"{jnp.shape(dd)}. Use vector_grad or jacfwd instead."
                )
            if drct_der_clip is not None:
                dd = jnp.clip(dd, -drct_der_clip, drct_der_clip)
            return value, dd, aux

        if tangent_size is None:
            _, dd, aux = directional(v)
            grads = jtu.tree_map(lambda t: t * dd, v)
        else:
            _, dd, aux = jax.vmap(directional, out_axes=(None, 0, None))(v)
            grads = jtu.tree_map(
                lambda t: jnp.mean(t * dd.reshape((-1,) + (1,) * (t.ndim - 1)), 0), v
            )
        return (grads[0] if isinstance(argnums, int) else grads), aux

    return wrapped


_fwd_grad_transform.__eqstate_name__ = "fwd_grad"  # type: ignore[attr-defined]
_grad_transform.__eqstate_name__ = "grad"  # type: ignore[attr-defined]
_vector_grad_transform.__eqstate_name__ = "vector_grad"  # type: ignore[attr-defined]
_jacrev_transform.__eqstate_name__ = "jacrev"  # type: ignore[attr-defined]
_jacfwd_transform.__eqstate_name__ = "jacfwd"  # type: ignore[attr-defined]
_hessian_transform.__eqstate_name__ = "hessian"  # type: ignore[attr-defined]
# Where JAX puts the differentiated arguments' structure in the result (see
# `GradientTransform._restructure`): the gradient family returns it as is
# ("input", the default), the Jacobians once per output leaf, the Hessian
# twice nested per output leaf.
_jacrev_transform.__eqstate_layout__ = "output"  # type: ignore[attr-defined]
_jacfwd_transform.__eqstate_layout__ = "output"  # type: ignore[attr-defined]
_hessian_transform.__eqstate_layout__ = "hessian"  # type: ignore[attr-defined]
