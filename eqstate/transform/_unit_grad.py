"""`unit_aware=True` for the gradient family: brainunit Quantities in and out.

A JAX differentiation transform sees plain arrays only. `unit_aware` wraps it:
the differentiated arguments are split into mantissas (what JAX
differentiates) and units (put back before the user's function runs, so it
computes with Quantities as usual); the function's output is split the same
way. Each derivative then gets its unit by dimensional analysis:

- gradient / Jacobian entry of output `y` (unit `[y]`) by input `x`:
  `[y] / [x]`;
- Hessian entry by inputs `x_i`, `x_j`: `[y] / ([x_i] [x_j])`.

A derivative whose unit is exactly dimensionless comes back as a plain array,
as brainunit's own `brainunit.autograd` does.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax.tree_util as jtu

from .._errors import EqstateError
from .._units import is_quantity, strip, unit_of

__all__ = ["UnitAwareError", "unit_aware"]


class UnitAwareError(EqstateError):
    """`unit_aware=True` cannot attach units to a derivative.

    Raised when brainunit is not installed (install the `units` extra:
    `pip install eqstate[units]`), or when `vector_grad` sums outputs of
    different units (a sum of quantities of different dimensions has no
    unit; differentiate each output separately with `jacrev`).

    ```python
    import eqstate

    assert issubclass(eqstate.transform.UnitAwareError, eqstate.EqstateError)
    ```
    """


def _require_brainunit(owner: str) -> Any:
    try:
        import brainunit
    except ImportError:
        raise UnitAwareError(
            f"{owner}(..., unit_aware=True) needs brainunit, which is not "
            "installed. Install it with `pip install eqstate[units]` (or "
            "`pip install brainunit`), or drop `unit_aware=True` and "
            "differentiate unitless arrays."
        ) from None
    return brainunit


class _Split:
    """One differentiated argument: its tree, with Quantities as leaves."""

    def __init__(self, tree: Any):
        leaves, self.treedef = jtu.tree_flatten(tree, is_leaf=is_quantity)
        self.units = [unit_of(x) for x in leaves]
        self.stripped = jtu.tree_unflatten(self.treedef, [strip(x) for x in leaves])

    def attach(self, tree: Any) -> Any:
        """Units back on the mantissas of a tree of this structure."""
        leaves = self.treedef.flatten_up_to(tree)
        return jtu.tree_unflatten(
            self.treedef,
            [_quantity(m, u) for m, u in zip(leaves, self.units)],
        )

    def per_leaf(self, tree: Any, fn: Callable[[Any, Any], Any]) -> Any:
        """`fn(subtree, unit)` for each leaf position of this structure."""
        subtrees = self.treedef.flatten_up_to(tree)
        return jtu.tree_unflatten(
            self.treedef, [fn(t, u) for t, u in zip(subtrees, self.units)]
        )


def _quantity(mantissa: Any, unit: Any) -> Any:
    if unit is None:
        return mantissa
    import brainunit as bu

    if unit.is_unitless and unit == bu.UNITLESS:
        return mantissa
    return bu.Quantity(mantissa, unit=unit)


def _div(top: Any, bottom: Any) -> Any:
    """`top / bottom` for units where None means dimensionless."""
    if bottom is None:
        return top
    if top is None:
        return bottom**-1
    return top / bottom


def unit_aware(transform: Callable[..., Any], kind: str, owner: str) -> Any:
    """Wrap a JAX differentiation transform to carry brainunit units.

    `kind` says how derivatives are laid out: `"grad"` (one output, results
    shaped like the inputs), `"vector"` (outputs summed, shaped like the
    inputs), `"jacobian"` (output tree of input trees), `"hessian"` (output
    tree of input trees of input trees).
    """
    _require_brainunit(owner)

    def unit_transform(
        fun: Callable[..., Any], *, argnums: Any, has_aux: bool, **params: Any
    ) -> Callable[..., Any]:
        nums = (argnums,) if isinstance(argnums, int) else tuple(argnums)

        def wrapped(*args: Any, **kwargs: Any) -> Any:
            splits = {i: _Split(args[i]) for i in nums}
            stripped = [
                splits[i].stripped if i in splits else a for i, a in enumerate(args)
            ]
            out_layout: list[Any] = []

            def inner(*margs: Any, **kw: Any) -> Any:
                full = [
                    splits[i].attach(a) if i in splits else a
                    for i, a in enumerate(margs)
                ]
                result = fun(*full, **kw)
                value, aux = result if has_aux else (result, None)
                out = _Split(value)
                out_layout[:] = [out]
                return (out.stripped, aux) if has_aux else out.stripped

            derivs = transform(inner, argnums=argnums, has_aux=has_aux, **params)(
                *stripped, **kwargs
            )
            grads, aux = derivs if has_aux else (derivs, None)
            grads = _attach(
                grads,
                nums,
                isinstance(argnums, int),
                splits,
                out_layout[0],
                kind,
                owner,
            )
            return (grads, aux) if has_aux else grads

        return wrapped

    unit_transform.__eqstate_name__ = getattr(  # type: ignore[attr-defined]
        transform, "__eqstate_name__", "GradientTransform"
    )
    unit_transform.__eqstate_layout__ = getattr(  # type: ignore[attr-defined]
        transform, "__eqstate_layout__", "input"
    )
    return unit_transform


def _by_args(
    tree: Any,
    nums: tuple[int, ...],
    single: bool,
    fn: Callable[[_Split, Any], Any],
    splits: dict[int, _Split],
) -> Any:
    """Apply `fn(split, subtree)` per differentiated argument."""
    if single:
        return fn(splits[nums[0]], tree)
    return tuple(fn(splits[i], t) for i, t in zip(nums, tree))


def _attach(
    grads: Any,
    nums: tuple[int, ...],
    single: bool,
    splits: dict[int, _Split],
    out: _Split,
    kind: str,
    owner: str,
) -> Any:
    if kind in ("grad", "vector"):
        units = [u for u in out.units]
        if kind == "vector" and len({str(u) for u in units}) > 1:
            raise UnitAwareError(
                f"{owner}(..., unit_aware=True) sums the gradients of outputs "
                f"with different units ({', '.join(map(str, units))}); the sum "
                "has no unit. Return outputs of one unit, or use `jacrev` for "
                "one derivative per output."
            )
        top = units[0] if units else None
        return _by_args(
            grads,
            nums,
            single,
            lambda s, t: s.per_leaf(t, lambda m, u: _quantity(m, _div(top, u))),
            splits,
        )

    def per_output(sub: Any, top: Any) -> Any:
        def first(s: _Split, t: Any) -> Any:
            if kind == "jacobian":
                return s.per_leaf(t, lambda m, u: _quantity(m, _div(top, u)))
            return s.per_leaf(
                t,
                lambda inner, u: _by_args(
                    inner,
                    nums,
                    single,
                    lambda s2, t2: s2.per_leaf(
                        t2, lambda m, u2: _quantity(m, _div(_div(top, u), u2))
                    ),
                    splits,
                ),
            )

        return _by_args(sub, nums, single, first, splits)

    return out.per_leaf(grads, per_output)
