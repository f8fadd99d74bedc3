"""The gradient family: `grad`, `vector_grad`, `jacrev`, `jacfwd`, `hessian`,
`fwd_grad`, each a `GradientTransform` over one JAX differentiation transform."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from ._grad_transforms import (
    _build,
    _fwd_grad_transform,
    _grad_transform,
    _hessian_transform,
    _jacfwd_transform,
    _jacrev_transform,
    _vector_grad_transform,
)

__all__ = [
    "fwd_grad",
    "grad",
    "hessian",
    "jacfwd",
    "jacobian",
    "jacrev",
    "vector_grad",
]


def grad(
    fun: Callable[..., Any] | None = None,
    grad_states: Any = None,
    argnums: int | Sequence[int] | None = None,
    holomorphic: bool = False,
    allow_int: bool = False,
    has_aux: bool | None = None,
    return_value: bool = False,
    unit_aware: bool = False,
    check_states: bool = True,
    debug_nan: bool = False,
) -> Any:
    """Gradient with respect to States and/or positional arguments.

    ```python
    import jax.numpy as jnp
    import eqstate

    w = eqstate.ParamState(jnp.array([1.0, 2.0]))
    loss = lambda x: jnp.sum((w.value * x) ** 2)
    grads, value = eqstate.transform.grad(loss, grad_states={"w": w}, return_value=True)(2.0)
    assert grads["w"].tolist() == [8.0, 16.0] and float(value) == 20.0
    ```

    Return structure (`var_grads` mirror `grad_states`: a dict gives a dict with
    the same keys, a list a list, a single State one array):

    | grad_states | argnums | result |
    |---|---|---|
    | None | any | `arg_grads` |
    | given | None | `var_grads` |
    | given | given | `(var_grads, arg_grads)` |

    `has_aux=True` makes it `(result, aux)`, `return_value=True` makes it
    `(result, value)`, both make it `(result, value, aux)`. States written by the
    function are written back; a State reachable twice gets one, summed gradient.

    With `unit_aware=True` (needs brainunit), States and arguments may hold
    brainunit Quantities and the gradients come back as Quantities whose unit
    is the loss unit over the parameter unit:

    ```python
    import brainunit as u
    import jax.numpy as jnp
    import eqstate

    x = eqstate.ParamState(jnp.array([1.0, 2.0]) * u.ms)
    g = eqstate.transform.grad(
        lambda: u.math.sum(x.value**2), grad_states=x, unit_aware=True
    )()
    assert g.unit == u.ms and g.mantissa.tolist() == [2.0, 4.0]
    ```

    Args:
        fun: the scalar function; `grad(grad_states=...)` returns a decorator.
        grad_states: the States to differentiate.
        argnums: positional arguments to differentiate (default 0 when
            `grad_states` is None).
        holomorphic: as in `jax.grad`.
        allow_int: as in `jax.grad`.
        has_aux: `fun` returns `(value, aux)`.
        return_value: also return the value.
        unit_aware: differentiate brainunit Quantities: gradients carry the
            unit `[loss] / [parameter]` (raises `UnitAwareError` when
            brainunit is not installed).
        check_states: raise `GradStateError` for a grad State never used (read or written).
        debug_nan: raise `JitCheckError` when a gradient holds NaN.
    """
    return _build(
        _grad_transform,
        fun,
        grad_states,
        argnums,
        has_aux,
        return_value,
        {"holomorphic": holomorphic, "allow_int": allow_int},
        check_states,
        debug_nan,
        unit_aware,
        "grad",
    )


def vector_grad(
    func: Callable[..., Any] | None = None,
    grad_states: Any = None,
    argnums: int | Sequence[int] | None = None,
    return_value: bool = False,
    has_aux: bool | None = None,
    unit_aware: bool = False,
    check_states: bool = True,
    debug_nan: bool = False,
) -> Any:
    """Gradient of a vector-valued function, summed over its outputs.

    The vector-Jacobian product with a cotangent of ones; return structure as
    `grad`.

    ```python
    import jax.numpy as jnp
    import eqstate

    g = eqstate.transform.vector_grad(lambda x: x**2)(jnp.array([1.0, 3.0]))
    assert g.tolist() == [2.0, 6.0]
    ```

    Args:
        func: the function; `vector_grad(grad_states=...)` is a decorator.
        grad_states: the States to differentiate.
        argnums: positional arguments to differentiate.
        return_value: also return the value.
        has_aux: `func` returns `(value, aux)`.
        unit_aware: brainunit Quantities in, Quantities out (see `grad`); all
            outputs must share one unit.
        check_states: raise `GradStateError` for a grad State never used (read or written).
        debug_nan: raise `JitCheckError` when a gradient holds NaN.
    """
    return _build(
        _vector_grad_transform,
        func,
        grad_states,
        argnums,
        has_aux,
        return_value,
        {},
        check_states,
        debug_nan,
        unit_aware,
        "vector",
    )


def jacrev(
    fun: Callable[..., Any] | None = None,
    grad_states: Any = None,
    argnums: int | Sequence[int] | None = None,
    has_aux: bool | None = None,
    return_value: bool = False,
    holomorphic: bool = False,
    allow_int: bool = False,
    unit_aware: bool = False,
    check_states: bool = True,
    debug_nan: bool = False,
) -> Any:
    """Jacobian by reverse-mode autodiff; return structure as `grad`.

    ```python
    import jax.numpy as jnp
    import eqstate

    J = eqstate.transform.jacrev(lambda x: x * 2)(jnp.ones(3))
    assert J.shape == (3, 3)
    ```

    Args:
        fun: the function; `jacrev(grad_states=...)` is a decorator.
        grad_states: the States to differentiate.
        argnums: positional arguments to differentiate.
        has_aux: `fun` returns `(value, aux)`.
        return_value: also return the value.
        holomorphic: as in `jax.jacrev`.
        allow_int: as in `jax.jacrev`.
        unit_aware: brainunit Quantities in, Quantities out: the entry for
            output `y` and input `x` has unit `[y] / [x]`.
        check_states: raise `GradStateError` for a grad State never used (read or written).
        debug_nan: raise `JitCheckError` when a derivative holds NaN.
    """
    return _build(
        _jacrev_transform,
        fun,
        grad_states,
        argnums,
        has_aux,
        return_value,
        {"holomorphic": holomorphic, "allow_int": allow_int},
        check_states,
        debug_nan,
        unit_aware,
        "jacobian",
    )


def jacfwd(
    func: Callable[..., Any] | None = None,
    grad_states: Any = None,
    argnums: int | Sequence[int] | None = None,
    has_aux: bool | None = None,
    return_value: bool = False,
    holomorphic: bool = False,
    unit_aware: bool = False,
    check_states: bool = True,
    debug_nan: bool = False,
) -> Any:
    """Jacobian by forward-mode autodiff; return structure as `grad`.

    ```python
    import jax.numpy as jnp
    import eqstate

    J = eqstate.transform.jacfwd(lambda x: x * 2)(jnp.ones(2))
    assert J.tolist() == [[2.0, 0.0], [0.0, 2.0]]
    ```

    Args:
        func: the function; `jacfwd(grad_states=...)` is a decorator.
        grad_states: the States to differentiate.
        argnums: positional arguments to differentiate.
        has_aux: `func` returns `(value, aux)`.
        return_value: also return the value.
        holomorphic: as in `jax.jacfwd`.
        unit_aware: brainunit Quantities in, Quantities out (see `jacrev`).
        check_states: raise `GradStateError` for a grad State never used (read or written).
        debug_nan: raise `JitCheckError` when a derivative holds NaN.
    """
    return _build(
        _jacfwd_transform,
        func,
        grad_states,
        argnums,
        has_aux,
        return_value,
        {"holomorphic": holomorphic},
        check_states,
        debug_nan,
        unit_aware,
        "jacobian",
    )


jacobian = jacrev
"""brainstate's other name for `jacrev`."""


def hessian(
    func: Callable[..., Any] | None = None,
    grad_states: Any = None,
    argnums: int | Sequence[int] | None = None,
    return_value: bool = False,
    holomorphic: bool = False,
    has_aux: bool | None = None,
    unit_aware: bool = False,
    check_states: bool = True,
    debug_nan: bool = False,
) -> Any:
    """Hessian (forward-over-reverse); return structure as `grad`.

    ```python
    import jax.numpy as jnp
    import eqstate

    H = eqstate.transform.hessian(lambda x: jnp.dot(x, x))(jnp.array([1.0, 2.0]))
    assert H.tolist() == [[2.0, 0.0], [0.0, 2.0]]
    ```

    Args:
        func: the scalar function; `hessian(grad_states=...)` is a decorator.
        grad_states: the States to differentiate.
        argnums: positional arguments to differentiate.
        return_value: also return the value.
        holomorphic: as in `jax.hessian`.
        has_aux: `func` returns `(value, aux)`.
        unit_aware: brainunit Quantities in, Quantities out: the entry for
            inputs `x_i`, `x_j` has unit `[y] / ([x_i] [x_j])`.
        check_states: raise `GradStateError` for a grad State never used (read or written).
        debug_nan: raise `JitCheckError` when a derivative holds NaN.
    """
    return _build(
        _hessian_transform,
        func,
        grad_states,
        argnums,
        has_aux,
        return_value,
        {"holomorphic": holomorphic},
        check_states,
        debug_nan,
        unit_aware,
        "hessian",
    )


def fwd_grad(
    func: Callable[..., Any] | None = None,
    grad_states: Any = None,
    argnums: int | Sequence[int] | None = None,
    return_value: bool = False,
    has_aux: bool | None = None,
    tangent_size: int | None = None,
    drct_der_clip: float | None = None,
    key: Any = None,
    check_states: bool = True,
    debug_nan: bool = False,
) -> Any:
    """Forward gradient: an unbiased gradient estimate from forward mode only.

    For a random normal direction `v`, `v (∇f · v)` has expectation `∇f`; one
    `jax.jvp` computes `∇f · v`, so no reverse pass (and no stored
    activations) is needed. Arguments and return structure as `grad`.

    ```python
    import jax.numpy as jnp
    import eqstate

    w = eqstate.ParamState(jnp.array([1.0, -2.0]))
    loss = lambda: jnp.sum(w.value**2)
    g = eqstate.transform.fwd_grad(loss, grad_states=w, tangent_size=4000, key=0)()
    assert jnp.allclose(g, 2 * w.value, atol=0.3)
    ```

    Args:
        func: the scalar function; `fwd_grad(grad_states=...)` is a decorator.
        grad_states: the States to differentiate.
        argnums: positional arguments to differentiate.
        return_value: also return the value.
        has_aux: `fun` returns `(value, aux)`.
        tangent_size: the number of random directions averaged (None: one,
            without a direction axis).
        drct_der_clip: clip each directional derivative to this magnitude.
        key: a seed or key for the directions (default: `eqstate.random`'s
            default stream, which advances).
        check_states: raise `GradStateError` for a grad State never used (read or written).
        debug_nan: raise `JitCheckError` when a gradient holds NaN.
    """
    return _build(
        _fwd_grad_transform,
        func,
        grad_states,
        argnums,
        has_aux,
        return_value,
        {"tangent_size": tangent_size, "drct_der_clip": drct_der_clip, "key": key},
        check_states,
        debug_nan,
    )
