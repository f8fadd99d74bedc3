"""`EnvironContext`: run a module under fixed `eqstate.environ` settings."""

from __future__ import annotations

from typing import Any

import equinox as eqx

from ._module import Module, init_module

__all__ = ["EnvironContext"]


class _Settings(dict[str, Any]):
    """A settings dict kept in the treedef, compared by identity."""

    def __hash__(self) -> int:  # type: ignore[override]
        return id(self)

    def __eq__(self, other: object) -> bool:
        return self is other


class EnvironContext(Module):
    """Run a module inside `eqstate.environ.context(**context)`.

    ```python
    import eqstate

    class ReadFit(eqstate.nn.Module):
        def update(self):
            return eqstate.environ.get("fit")

    wrapped = eqstate.nn.EnvironContext(ReadFit(), fit=True)
    assert wrapped() is True
    ```
    """

    layer: Module
    context: _Settings = eqx.field(static=True)

    def __init__(self, layer: Module, **context: Any):
        init_module(self)
        if not isinstance(layer, Module):
            raise TypeError(
                f"EnvironContext wraps an eqstate.nn.Module, got {type(layer).__name__}."
            )
        self.layer = layer
        self.context = _Settings(context)

    def update(
        self, *args: Any, context: dict[str, Any] | None = None, **kwargs: Any
    ) -> Any:
        """Call the wrapped module with the context's settings in force.

        ```python
        import eqstate

        class ReadBoth(eqstate.nn.Module):
            def update(self):
                return eqstate.environ.get("fit"), eqstate.environ.get("i")

        wrapped = eqstate.nn.EnvironContext(ReadBoth(), fit=True)
        assert wrapped(context={"i": 3}) == (True, 3)
        ```

        Args:
            *args: passed to the wrapped module.
            context: more settings for this call only, merged with the stored
                ones (not passed to the wrapped module). As in brainstate, a
                key that is also stored raises `TypeError`; use
                `add_context` to change a stored setting.
            **kwargs: passed to the wrapped module.
        """
        from .. import environ

        extra = {} if context is None else dict(context)
        clash = sorted(set(extra) & set(self.context))
        if clash:
            raise TypeError(
                f"EnvironContext: the per-call context sets {clash}, which the "
                f"wrapper already sets ({dict(self.context)}); brainstate refuses "
                "this too. Drop them from `context=`, or change the stored value "
                "with `add_context(...)`."
            )
        with environ.context(**self.context, **extra):
            return self.layer(*args, **kwargs)

    def add_context(self, **context: Any) -> None:
        """Add (or override) settings."""
        self.context.update(context)
