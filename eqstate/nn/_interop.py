"""Equinox layers inside eqstate modules: `from_equinox`, and the guard that
refuses to silently skip an unwrapped one.

An `eqx.nn` layer keeps its weights as plain arrays. Inside an eqstate module
those arrays are not States, so `model.states(ParamState)` cannot see them and
an optimizer built from it would leave them untrained. `from_equinox(layer)`
moves each floating-point array of the layer into a `ParamState`; asking a
module for its `ParamState`s while it holds an unwrapped equinox layer with
floating-point arrays raises `UnwrappedEquinoxError`, naming the layer's path.

Plain arrays set directly on an eqstate module (`self.mask = jnp.ones(3)`) are
constants by design and are not refused.
"""

from __future__ import annotations

from typing import Any

import equinox as eqx
import jax.numpy as jnp
import jax.tree_util as jtu

from .._errors import EqstateError
from .._state import is_state as _is_state
from .._state_kinds import ParamState
from ._module import Module, init_module

__all__ = ["UnwrappedEquinoxError", "from_equinox"]


def _inexact(x: Any) -> bool:
    return eqx.is_array(x) and jnp.issubdtype(x.dtype, jnp.inexact)


class UnwrappedEquinoxError(EqstateError):
    """An equinox layer's weights would be missed by `states(ParamState)`.

    ```python
    import equinox as eqx
    import jax
    import eqstate

    class Model(eqstate.nn.Module):
        def __init__(self):
            self.dense = eqx.nn.Linear(2, 3, key=jax.random.PRNGKey(0))

    try:
        Model().states(eqstate.ParamState)
    except eqstate.nn.UnwrappedEquinoxError as e:
        assert "dense" in str(e) and "from_equinox" in str(e)
    ```
    """


_MESSAGE = """\
states({filters}) cannot see the weights of the equinox layer at `{path}`
({kind}): its floating-point arrays are plain pytree leaves, not ParamStates,
so an optimizer given these states would silently leave them untrained.
Wrap the layer so that its arrays become ParamStates:

    self.{attr} = eqstate.nn.from_equinox({kind}(...))

To keep the layer frozen instead, wrap it all the same and leave its
ParamStates out of the optimizer (e.g. `model.other_part.states(ParamState)`)."""


def _wants_params(filters: tuple[Any, ...]) -> bool:
    for f in filters:
        if isinstance(f, (tuple, list)) and _wants_params(tuple(f)):
            return True
        if isinstance(f, type) and issubclass(ParamState, f):
            return True
    return False


def check_equinox_wrapped(module: Any, filters: tuple[Any, ...]) -> None:
    """Raise `UnwrappedEquinoxError` when `filters` asks for `ParamState`s and
    `module` holds an equinox (non-eqstate) module with floating-point arrays.

    Args:
        module: the module searched.
        filters: the filters given to `states(...)`.

    Raises:
        UnwrappedEquinoxError: naming the first such layer by its path.
    """
    if not _wants_params(filters):
        return

    def foreign(x: Any) -> bool:
        return _is_state(x) or (
            isinstance(x, eqx.Module) and not isinstance(x, (Module, _FromEquinox))
        )

    for keypath, node in jtu.tree_flatten_with_path(module, is_leaf=foreign)[0]:
        if _is_state(node) or not isinstance(node, eqx.Module):
            continue
        leaves = jtu.tree_leaves(node, is_leaf=_is_state)
        if any(_inexact(x) for x in leaves if not _is_state(x)):
            path = ".".join(
                str(getattr(k, "name", getattr(k, "key", getattr(k, "idx", k))))
                for k in keypath
                if getattr(k, "name", None) != "_attrs"
            )
            kind = type(node).__name__
            if type(node).__module__.startswith("equinox"):
                kind = f"eqx.nn.{kind}"
            names = ", ".join(getattr(f, "__name__", repr(f)) for f in filters)
            raise UnwrappedEquinoxError(
                _MESSAGE.format(
                    filters=names, path=path, kind=kind, attr=path.split(".")[-1]
                )
            )


class _FromEquinox(Module):
    """An equinox layer whose floating-point arrays live in `ParamState`s."""

    def __init__(self, layer: Any):
        init_module(self)
        self.layer = jtu.tree_map(
            lambda x: ParamState(x) if _inexact(x) else x, layer, is_leaf=_is_state
        )

    def materialize(self) -> Any:
        """The equinox layer with the ParamStates' current values in place."""
        return jtu.tree_map(
            lambda x: x.value if _is_state(x) else x, self.layer, is_leaf=_is_state
        )

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.materialize()(*args, **kwargs)


def from_equinox(layer: eqx.Module) -> Module:
    """Wrap an equinox layer so that its weights are trained as `ParamState`s.

    Each floating-point array of `layer` moves into its own `ParamState`
    (integer arrays and static fields stay as they are); calling the wrapper
    calls the layer with the States' current values, so it works under every
    eqstate transform and `states(ParamState)` finds its weights.

    ```python
    import equinox as eqx
    import jax
    import jax.numpy as jnp
    import eqstate

    class Model(eqstate.nn.Module):
        def __init__(self):
            self.dense = eqstate.nn.from_equinox(
                eqx.nn.Linear(2, 3, key=jax.random.PRNGKey(0))
            )

        def __call__(self, x):
            return self.dense(x)

    model = Model()
    assert len(model.states(eqstate.ParamState)) == 2  # weight and bias
    grads = eqstate.transform.grad(
        lambda: model(jnp.ones(2)).sum(), model.states(eqstate.ParamState)
    )()
    assert all(g.shape for g in grads.values())
    ```

    Args:
        layer: any equinox module (`eqx.nn.Linear`, `eqx.nn.Conv2d`, `eqx.nn.MLP`,
            ...). Layers that thread `eqx.nn.State` (`BatchNorm`) keep doing so.

    Returns:
        An eqstate module holding the layer, callable like it.
    """
    if not isinstance(layer, eqx.Module):
        raise EqstateError(
            f"from_equinox expects an equinox module such as eqx.nn.Linear(...), "
            f"got {type(layer).__name__}."
        )
    return _FromEquinox(layer)
