"""The gradient family: `grad`, `vector_grad`, `jacrev`, `jacfwd`, `hessian`.

All of them are a `GradientTransform`: the engine's pure function
`loss(state_values, *args) -> (value, (value, aux, written values))` handed to
a JAX differentiation transform that treats argument 0 (the States to
differentiate) like any other positional argument.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any, Generic, ParamSpec

import jax
import jax.numpy as jnp
import jax.tree_util as jtu

from .._errors import EqstateError
from .._state import State, is_state
from .._table import Frame
from ._engine import export, gather, owner_name, restore, run, scatter, split, unsplit

__all__ = [
    "GradStateError",
    "GradientTransform",
    "fwd_grad",
    "grad",
    "hessian",
    "jacfwd",
    "jacobian",
    "jacrev",
    "vector_grad",
]

Transform = Callable[..., Callable[..., Any]]
P = ParamSpec("P")


def _unique_states(container: Any) -> list[State[Any]]:
    leaves = jtu.tree_leaves(container, is_leaf=is_state)
    bad = [x for x in leaves if not isinstance(x, State)]
    if bad:
        raise EqstateError(
            "grad_states must hold only States (a State, a list or dict of States, "
            f"or `module.states(...)`); found {type(bad[0]).__name__}."
        )
    return list(dict.fromkeys(leaves))


class GradStateError(EqstateError):
    """A State given to `grad_states` is never read by the function.

    Its gradient would be zero whatever the function does, which almost
    always means the wrong State (a copy, another model's) was passed. The
    message names the State.

    **Fix**: pass the States the function reads (`model.states(ParamState)`),
    or `check_states=False` to accept zero gradients.

    ```python
    import jax.numpy as jnp
    import eqstate

    used = eqstate.ParamState(jnp.ones(2), name="used")
    unused = eqstate.ParamState(jnp.ones(2), name="unused")
    try:
        eqstate.transform.grad(lambda: used.value.sum(), [used, unused])()
    except eqstate.transform.GradStateError as e:
        assert "'unused'" in str(e)
    ```
    """


def _unread_message(unread: list[State[Any]], owner: str) -> str:
    listed = "\n".join(f"    {s._describe()}" for s in unread)
    return (
        f"{owner} was asked for the gradient of States the function never "
        f"reads:\n{listed}\nTheir gradient would be zero. Pass the States the "
        "function uses (e.g. `model.states(eqstate.ParamState)`), or "
        "`check_states=False` to accept zeros."
    )


class GradientTransform(Generic[P]):
    """Make any JAX differentiation transform state-aware.

    `transform(fun, *, argnums, has_aux, **transform_params)` must behave like
    `jax.grad(fun, argnums=argnums, has_aux=True)`: `fun` returns
    `(value, aux)` and the result returns `(gradients, aux)`. eqstate passes the
    States to differentiate as argument 0 and shifts `argnums` accordingly.
    The result follows the return structure of `grad`.

    ```python
    import jax
    import jax.numpy as jnp
    import eqstate

    w = eqstate.ParamState(jnp.array(2.0))

    def halved_grad(fun, *, argnums, has_aux):
        base = jax.grad(fun, argnums=argnums, has_aux=True)

        def wrapped(*args):
            g, aux = base(*args)
            return jax.tree.map(lambda x: x / 2, g), aux

        return wrapped

    g = eqstate.transform.GradientTransform(
        lambda: w.value**2, transform=halved_grad, grad_states=[w]
    )()
    assert float(g[0]) == 2.0
    ```

    Args:
        target: the function to differentiate.
        transform: the JAX transform (see above).
        grad_states: the States to differentiate: a State, or a list, tuple or
            dict of States (the gradients come back in the same container).
        argnums: positional arguments to differentiate, as in `jax.grad`.
        return_value: also return the function's value.
        has_aux: the function returns `(value, aux)`.
        transform_params: extra keyword arguments for `transform`.
        check_states: raise `GradStateError` when the function never reads
            one of `grad_states` (its gradient would silently be zero).
        debug_nan: check the gradients for NaN at run time (also under
            `jit`) and raise `JitCheckError` naming the transform.
    """

    def __init__(
        self,
        target: Callable[P, Any],
        transform: Transform,
        grad_states: Any = None,
        argnums: int | Sequence[int] | None = None,
        return_value: bool = False,
        has_aux: bool = False,
        transform_params: dict[str, Any] | None = None,
        check_states: bool = True,
        debug_nan: bool = False,
    ):
        self.target: Callable[..., Any] = target
        self.transform: Transform = transform
        self.grad_states: Any = grad_states
        self.states: list[State[Any]] = (
            [] if grad_states is None else _unique_states(grad_states)
        )
        self.argnums: int | Sequence[int] | None = argnums
        self.return_value: bool = return_value
        self.has_aux: bool = has_aux
        self.transform_params: dict[str, Any] = transform_params or {}
        self.check_states: bool = check_states
        self.debug_nan: bool = debug_nan
        public = _PUBLIC_NAMES.get(transform, "GradientTransform")
        self.owner: str = owner_name(public, target)
        functools.update_wrapper(self, target, updated=())  # type: ignore[arg-type]

    def _jax_argnums(self) -> int | tuple[int, ...]:
        argnums = self.argnums
        if self.grad_states is None:
            argnums = 0 if argnums is None else argnums
            if isinstance(argnums, int):
                return argnums + 1
            return tuple(a + 1 for a in argnums)
        if argnums is None:
            return 0
        extra = (argnums,) if isinstance(argnums, int) else tuple(argnums)
        return (0, *(a + 1 for a in extra))

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> Any:
        __tracebackhide__ = True
        states = self.states
        diff = self._diff_args(len(args))
        index: dict[State[Any], int] = {}
        call_args = tuple(
            a if i in diff else split(a, index) for i, a in enumerate(args)
        )
        call_kwargs = split(kwargs, index)
        arg_states = list(index)
        written: list[State[Any]] = []

        def loss(state_vals: list[Any], *args: Any, **kwargs: Any) -> Any:
            args, kwargs = unsplit((args, kwargs), arg_states)
            # The differentiated values live in a frame of their own below the
            # function's, so the function's frame records which it reads.
            with Frame(self.owner, zip(states, state_vals)):
                out, frame = run(self.target, args, kwargs, self.owner)
                with frame:
                    out = export(out, frame, {s: i for i, s in enumerate(arg_states)})
            value, aux = out if self.has_aux else (out, None)
            if self.check_states:
                unread = [s for s in states if s not in frame.missed]
                if unread:
                    raise GradStateError(_unread_message(unread, self.owner))
            written[:] = list(frame.written)
            new_vals = [frame.values[s] for s in written]
            return value, (value, aux, new_vals)

        transformed = self.transform(
            loss, argnums=self._jax_argnums(), has_aux=True, **self.transform_params
        )
        grads, (value, aux, new_vals) = transformed(
            gather(states), *call_args, **call_kwargs
        )
        scatter(written, new_vals)
        value, aux = restore((value, aux), arg_states)
        if self.debug_nan:
            from ._debug import jit_error_if

            bad = [jnp.any(jnp.isnan(g)) for g in jtu.tree_leaves(grads)]
            if bad:
                jit_error_if(
                    jnp.any(jnp.stack(bad)), f"NaN in the gradients of {self.owner}."
                )
        return self._assemble(grads, value, aux)

    def _diff_args(self, n_args: int) -> set[int]:
        """The positional arguments JAX differentiates (left unsplit)."""
        if self.argnums is None:
            return {0} if self.grad_states is None and n_args else set()
        nums = (self.argnums,) if isinstance(self.argnums, int) else self.argnums
        return set(nums)

    def _assemble(self, grads: Any, value: Any, aux: Any) -> Any:
        if self.grad_states is None:
            result = grads
        else:
            by_state = grads if self.argnums is None else grads[0]
            lookup = dict(zip(map(id, self.states), by_state))
            var_grads = jtu.tree_map(
                lambda s: lookup[id(s)], self.grad_states, is_leaf=is_state
            )
            if self.argnums is None:
                result = var_grads
            else:
                arg_grads = grads[1] if isinstance(self.argnums, int) else grads[1:]
                result = (var_grads, arg_grads)
        if self.return_value and self.has_aux:
            return result, value, aux
        if self.return_value:
            return result, value
        if self.has_aux:
            return result, aux
        return result


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
) -> Any:
    if unit_aware:
        raise NotImplementedError(
            "unit_aware=True is not supported by eqstate yet: differentiate the "
            "unitless magnitudes (brainunit's `u.get_magnitude`) instead."
        )
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
        )
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


_PUBLIC_NAMES: dict[Any, str] = {
    _fwd_grad_transform: "fwd_grad",
    _grad_transform: "grad",
    _vector_grad_transform: "vector_grad",
    _jacrev_transform: "jacrev",
    _jacfwd_transform: "jacfwd",
    _hessian_transform: "hessian",
}


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

    Args:
        fun: the scalar function; `grad(grad_states=...)` returns a decorator.
        grad_states: the States to differentiate.
        argnums: positional arguments to differentiate (default 0 when
            `grad_states` is None).
        has_aux: `fun` returns `(value, aux)`.
        holomorphic: as in `jax.grad`.
        allow_int: as in `jax.grad`.
        has_aux: `fun` returns `(value, aux)`.
        return_value: also return the value.
        unit_aware: brainunit-aware gradients; not supported yet (raises).
        check_states: raise `GradStateError` for a grad State never read.
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
    )


def vector_grad(
    fun: Callable[..., Any] | None = None,
    grad_states: Any = None,
    argnums: int | Sequence[int] | None = None,
    has_aux: bool | None = None,
    return_value: bool = False,
    **transform_params: Any,
) -> Any:
    """Gradient of a vector-valued function, summed over its outputs.

    The vector-Jacobian product with a cotangent of ones; same arguments and
    return structure as `grad`.

    ```python
    import jax.numpy as jnp
    import eqstate

    g = eqstate.transform.vector_grad(lambda x: x**2)(jnp.array([1.0, 3.0]))
    assert g.tolist() == [2.0, 6.0]
    ```
    """
    return _build(
        _vector_grad_transform,
        fun,
        grad_states,
        argnums,
        has_aux,
        return_value,
        transform_params,
    )


def jacrev(
    fun: Callable[..., Any] | None = None,
    grad_states: Any = None,
    argnums: int | Sequence[int] | None = None,
    has_aux: bool | None = None,
    return_value: bool = False,
    **transform_params: Any,
) -> Any:
    """Jacobian by reverse-mode autodiff; arguments and returns as `grad`.

    ```python
    import jax.numpy as jnp
    import eqstate

    J = eqstate.transform.jacrev(lambda x: x * 2)(jnp.ones(3))
    assert J.shape == (3, 3)
    ```
    """
    return _build(
        _jacrev_transform,
        fun,
        grad_states,
        argnums,
        has_aux,
        return_value,
        transform_params,
    )


def jacfwd(
    fun: Callable[..., Any] | None = None,
    grad_states: Any = None,
    argnums: int | Sequence[int] | None = None,
    has_aux: bool | None = None,
    return_value: bool = False,
    **transform_params: Any,
) -> Any:
    """Jacobian by forward-mode autodiff; arguments and returns as `grad`.

    ```python
    import jax.numpy as jnp
    import eqstate

    J = eqstate.transform.jacfwd(lambda x: x * 2)(jnp.ones(2))
    assert J.tolist() == [[2.0, 0.0], [0.0, 2.0]]
    ```
    """
    return _build(
        _jacfwd_transform,
        fun,
        grad_states,
        argnums,
        has_aux,
        return_value,
        transform_params,
    )


jacobian = jacrev
"""brainstate's other name for `jacrev`."""


def hessian(
    fun: Callable[..., Any] | None = None,
    grad_states: Any = None,
    argnums: int | Sequence[int] | None = None,
    has_aux: bool | None = None,
    return_value: bool = False,
    **transform_params: Any,
) -> Any:
    """Hessian (forward-over-reverse); arguments and returns as `grad`.

    ```python
    import jax.numpy as jnp
    import eqstate

    H = eqstate.transform.hessian(lambda x: jnp.dot(x, x))(jnp.array([1.0, 2.0]))
    assert H.tolist() == [[2.0, 0.0], [0.0, 2.0]]
    ```
    """
    return _build(
        _hessian_transform,
        fun,
        grad_states,
        argnums,
        has_aux,
        return_value,
        transform_params,
    )


def fwd_grad(
    fun: Callable[..., Any] | None = None,
    grad_states: Any = None,
    argnums: int | Sequence[int] | None = None,
    return_value: bool = False,
    has_aux: bool | None = None,
    tangent_size: int | None = None,
    drct_der_clip: float | None = None,
    key: Any = None,
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
        fun: the scalar function; `fwd_grad(grad_states=...)` is a decorator.
        grad_states: the States to differentiate.
        argnums: positional arguments to differentiate.
        return_value: also return the value.
        has_aux: `fun` returns `(value, aux)`.
        tangent_size: the number of random directions averaged (None: one,
            without a direction axis).
        drct_der_clip: clip each directional derivative to this magnitude.
        key: a seed or key for the directions (default: `eqstate.random`'s
            default stream, which advances).
    """
    return _build(
        _fwd_grad_transform,
        fun,
        grad_states,
        argnums,
        has_aux,
        return_value,
        {"tangent_size": tangent_size, "drct_der_clip": drct_der_clip, "key": key},
    )
