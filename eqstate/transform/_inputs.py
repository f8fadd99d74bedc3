"""Finding a transform's State inputs cheaply, before and without tracing.

`speculate` guesses the States a function reaches by closure, so the first
trace usually needs no retry; `plain` tells that an argument holds no State
without flattening it (`jit`'s per-call test).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import Any

import jax
import jax.tree_util as jtu
import numpy as np

from .._state import State, is_state
from .._state_pytree import is_equinox_module, reports_states

__all__ = ["PLAIN_TYPES", "plain", "plain_args", "speculate", "unwrap"]

_PARTIALS = (functools.partial, jtu.Partial)


def unwrap(fun: Any) -> tuple[Any, list[Any]]:
    """The function inside any partials, and the arguments they bind."""
    bound: list[Any] = []
    while isinstance(fun, _PARTIALS):
        bound.extend(fun.args)
        fun = fun.func
    return fun, bound


# Types that cannot hold a State (jax.Array types are learnt on first sight).
PLAIN_TYPES: set[type] = {np.ndarray, int, float, bool, complex, str, type(None)}


def plain(a: Any) -> bool:
    """Cheap test: no State inside `a` (arrays, numbers, strings, None, and
    tuples, lists and dicts of them, such as a `(x, y)` batch)."""
    kind = type(a)
    if kind in PLAIN_TYPES:
        return True
    if kind is tuple or kind is list:
        return all(plain(x) for x in a)
    if kind is dict:
        return all(plain(x) for x in a.values())
    if isinstance(a, jax.Array):  # arrays and tracers hold no States
        PLAIN_TYPES.add(kind)  # learnt once per type
        return True
    return False


def plain_args(args: tuple[Any, ...], kwargs: dict[str, Any]) -> bool:
    """No argument can hold a State, and no keyword arguments."""
    if kwargs:
        return False
    for a in args:
        if type(a) not in PLAIN_TYPES and not plain(a):
            return False
    return True


def speculate(fun: Any) -> list[State[Any]]:
    """States a function probably reads: those of the module it is, or is bound
    to, and of modules and States it names through closures or globals.

    Only a guess that saves a retrace on the first call; the trace itself
    decides what is really read and written.
    """
    target, roots = unwrap(fun)
    if is_equinox_module(target):
        roots.append(target)
    owner = getattr(target, "__self__", None)
    if owner is not None:
        roots.append(owner)
    code = getattr(target, "__code__", None)
    if code is not None:
        for cell in getattr(target, "__closure__", None) or ():
            try:
                roots.append(cell.cell_contents)
            except ValueError:  # empty cell
                pass
        glb = getattr(target, "__globals__", {})
        for name in _code_names(code):
            if name in glb:
                roots.append(glb[name])
    found: dict[State[Any], None] = {}
    for root in roots:
        if isinstance(root, State):
            found[root] = None
        elif is_equinox_module(root) or reports_states(root):
            if reports_states(root):
                root = root.__eqstate_states__()  # States kept outside a pytree
            for leaf in jtu.tree_leaves(root, is_leaf=is_state):
                if isinstance(leaf, State):
                    found[leaf] = None
    return list(found)


def _code_names(code: Any) -> Iterable[str]:
    yield from code.co_names
    for const in code.co_consts:
        if hasattr(const, "co_names"):
            yield from _code_names(const)
