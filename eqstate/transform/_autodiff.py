"""The gradient family's engine: `grad`, `vector_grad`, `jacrev`, `jacfwd`, `hessian`.

All of them are a `GradientTransform`: the engine's pure function
`loss(state_values, *args) -> (value, (value, aux, written values))` handed to
a JAX differentiation transform that treats argument 0 (the States to
differentiate) like any other positional argument.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any, Generic, ParamSpec

import jax.numpy as jnp
import jax.tree_util as jtu

from .._errors import EqstateError
from .._state import State, is_state
from .._table import Frame
from ._engine import export, gather, owner_name, restore, run, scatter, split, unsplit

__all__ = ["GradCallError", "GradStateError", "GradientTransform"]

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
    """A State given to `grad_states` is never used (read or written) by the
    function.

    Its gradient would be zero whatever the function does, which almost
    always means the wrong State (a copy, another model's) was passed. The
    message names the State. (A State the function only writes gets a zero
    gradient, as in brainstate, and its new value is kept.)

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
        f"reads or writes:\n{listed}\nTheir gradient would be zero. Pass the States the "
        "function uses (e.g. `model.states(eqstate.ParamState)`), or "
        "`check_states=False` to accept zeros."
    )


class GradCallError(EqstateError, TypeError):
    """A gradient transform was called in a way its options do not allow.

    Two cases, each named in the message in your own numbering:

    - `has_aux=True`, but the function does not return a `(loss, aux)` pair;
      **fix**: `return loss, aux`, or drop `has_aux=True`.
    - `argnums` names a positional argument the call does not pass (or is
      negative); **fix**: pass that argument positionally, or point `argnums`
      at one that is passed (counting from 0).

    Like JAX's, the error is a `TypeError`.

    ```python
    import jax.numpy as jnp
    import eqstate

    w = eqstate.ParamState(jnp.ones(3))
    try:
        eqstate.transform.grad(lambda: w.value.sum(), w, has_aux=True)()
    except eqstate.EqstateError as e:
        message = str(e)
    assert "return loss, aux" in message
    ```
    """


def _described(out: Any) -> str:
    """What a function returned, in a few words (for `GradCallError`)."""
    if isinstance(out, (tuple, list)):
        return f"a {type(out).__name__} of {len(out)} items"
    shape = getattr(out, "shape", None)
    if shape is not None:
        return f"a single array of shape {tuple(shape)}"
    return f"a single {type(out).__name__}"


def _aux_message(out: Any, owner: str) -> str:
    return (
        f"{owner} was built with has_aux=True, so the function must return a "
        f"(loss, aux) pair, but it returned {_described(out)}. Return the "
        "auxiliary data alongside the loss:\n\n"
        "    def f(x):\n"
        "        ...\n"
        "        return loss, aux\n\n"
        "or drop has_aux=True if the function has no auxiliary output."
    )


def _argnums_message(
    bad: int, n_args: int, owner: str, default: bool, name: str
) -> str:
    if bad < 0:
        valid = f"argnums={bad % n_args}" if n_args else "a non-negative argnums"
        return (
            f"{owner} got argnums={bad}, a negative index; eqstate's gradient "
            "transforms count positional arguments from 0 and take no negative "
            f"indices. Use {valid}."
        )
    if default:
        return (
            f"{owner} has neither grad_states nor argnums, so it differentiates "
            "its first positional argument (argnums=0), but it was called with "
            f"none. Pass the argument, `{name}(f)(x)`, or name the States to "
            f"differentiate: `{name}(f, grad_states=model.states(ParamState))`."
        )
    passed = (
        f"only {n_args} positional argument{'s' if n_args != 1 else ''}"
        if n_args
        else "no positional arguments"
    )
    return (
        f"{owner} differentiates positional argument argnums={bad} (counting "
        f"from 0), but it was called with {passed}. Pass that argument "
        "positionally (keyword arguments are not differentiated): "
        f"`{name}(f, argnums={bad})` needs at least {bad + 1} positional "
        "arguments. Or point argnums at an argument that is passed."
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
        check_states: raise `GradStateError` when the function never uses
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
        public = getattr(transform, "__eqstate_name__", "GradientTransform")
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
        self._check_argnums(len(args))
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
            if self.has_aux and not (isinstance(out, (tuple, list)) and len(out) == 2):
                raise GradCallError(_aux_message(out, self.owner))
            value, aux = out if self.has_aux else (out, None)
            if self.check_states:
                unread = [
                    s
                    for s in states
                    if s not in frame.missed and s not in frame.written
                ]
                if unread:
                    raise GradStateError(_unread_message(unread, self.owner))
            written[:] = list(frame.written)
            new_vals = [frame.values[s] for s in written]
            return value, (value, aux, new_vals)

        transformed = self.transform(
            loss, argnums=self._jax_argnums(), has_aux=True, **self.transform_params
        )
        state_vals = gather(states)
        grads, (value, aux, new_vals) = transformed(
            state_vals, *call_args, **call_kwargs
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
        if self.grad_states is not None:
            diff = (
                state_vals
                if self.argnums is None
                else (state_vals, *(call_args[i] for i in self._diff_nums()))
            )
            grads = self._restructure(grads, value, jtu.tree_structure(diff))
        return self._assemble(grads, value, aux)

    def _diff_nums(self) -> tuple[int, ...]:
        """`argnums` as a tuple, in the order JAX returns their gradients."""
        nums = self.argnums
        return () if nums is None else (nums,) if isinstance(nums, int) else tuple(nums)

    def _check_argnums(self, n_args: int) -> None:
        """Raise `GradCallError` for argnums the call does not pass, before JAX
        sees them shifted by the States' slot (argument 0)."""
        default = self.argnums is None and self.grad_states is None
        nums = (0,) if default else self._diff_nums()  # (default: the first one)
        name = getattr(self.transform, "__eqstate_name__", "grad")
        for a in nums:
            if isinstance(a, int) and not 0 <= a < n_args:
                message = _argnums_message(a, n_args, self.owner, default, name)
                raise GradCallError(message)

    def _diff_args(self, n_args: int) -> set[int]:
        """The positional arguments JAX differentiates (left unsplit)."""
        if self.argnums is None:
            return {0} if self.grad_states is None and n_args else set()
        nums = (self.argnums,) if isinstance(self.argnums, int) else self.argnums
        return set(nums)

    def _restructure(self, grads: Any, value: Any, diff_tree: Any) -> Any:
        """JAX's result, with each list over `self.states` in it put back in
        the `grad_states` container (a `module.states()` dict as a plain dict).

        JAX returns the structure of the differentiated arguments
        (`diff_tree`: the States' values, then any `argnums`) once for a
        gradient, once per leaf of the output for a Jacobian (output first,
        as `jax.jacrev`), and nested twice per output leaf for a Hessian.
        """
        container = self.grad_states
        if type(container) is not dict and isinstance(container, dict):
            container = dict(container)

        def node(x: Any) -> Any:  # one instance of the arguments' structure
            by_state = x if self.argnums is None else x[0]
            lookup = dict(zip(map(id, self.states), by_state))
            var = jtu.tree_map(lambda s: lookup[id(s)], container, is_leaf=is_state)
            if self.argnums is None:
                return var
            return (var, x[1] if isinstance(self.argnums, int) else tuple(x[1:]))

        layout = getattr(self.transform, "__eqstate_layout__", "input")
        if layout == "input":
            return node(grads)
        if layout == "hessian":
            per_output = lambda x: node(  # noqa: E731
                diff_tree.unflatten([node(y) for y in diff_tree.flatten_up_to(x)])
            )
        else:
            per_output = node
        out_tree = jtu.tree_structure(value)
        return out_tree.unflatten(
            [per_output(x) for x in out_tree.flatten_up_to(grads)]
        )

    def _assemble(self, grads: Any, value: Any, aux: Any) -> Any:
        result = grads
        if self.return_value and self.has_aux:
            return result, value, aux
        if self.return_value:
            return result, value
        if self.has_aux:
            return result, aux
        return result
