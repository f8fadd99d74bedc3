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

    def update(self, *args: Any, **kwargs: Any) -> Any:
        """Call the wrapped module with the context's settings in force."""
        from .. import environ

        with environ.context(**self.context):
            return self.layer(*args, **kwargs)

    def add_context(self, **context: Any) -> None:
        """Add (or override) settings."""
        self.context.update(context)
