"""Dataclass pytrees: `dataclass`, `field`, `is_dataclass` and the `PyTreeNode` base."""

from __future__ import annotations

import dataclasses
from typing import Any, TypeVar, dataclass_transform, overload

import jax.tree_util as jtu

__all__ = ["PyTreeNode", "dataclass", "field", "is_dataclass"]

T = TypeVar("T")
TNode = TypeVar("TNode", bound="PyTreeNode")


def field(pytree_node: bool = True, **kwargs: Any) -> Any:
    """A dataclass field; `pytree_node=False` makes it static (not a pytree leaf).

    ```python
    import jax
    from eqstate.util import dataclass, field

    @dataclass
    class Point:
        x: float
        label: str = field(pytree_node=False, default="p")

    assert jax.tree.leaves(Point(1.0)) == [1.0]
    ```
    """
    metadata = {**kwargs.pop("metadata", {}), "pytree_node": pytree_node}
    return dataclasses.field(metadata=metadata, **kwargs)


@overload
def dataclass(cls: type[T], **kwargs: Any) -> type[T]: ...
@overload
def dataclass(cls: None = None, **kwargs: Any) -> Any: ...
@dataclass_transform(field_specifiers=(field,), frozen_default=True)
def dataclass(cls: type[T] | None = None, **kwargs: Any) -> type[T] | Any:
    """A frozen dataclass registered as a pytree, with `.replace(**changes)`.

    Fields made with `field(pytree_node=False)` are static.

    ```python
    import jax
    from eqstate.util import dataclass

    @dataclass
    class Pair:
        a: float
        b: float

    p = jax.tree.map(lambda x: x * 2, Pair(1.0, 2.0))
    assert p == Pair(2.0, 4.0) and p.replace(a=0.0).a == 0.0
    ```
    """
    if cls is None:
        return lambda c: dataclass(c, **kwargs)
    if "_eqstate_dataclass" in cls.__dict__:
        return cls
    kwargs.setdefault("frozen", True)
    data_cls = dataclasses.dataclass(**kwargs)(cls)
    fields = dataclasses.fields(data_cls)  # type: ignore[arg-type]
    dynamic = tuple(f.name for f in fields if f.metadata.get("pytree_node", True))
    static = tuple(f.name for f in fields if not f.metadata.get("pytree_node", True))

    def replace(self: Any, **updates: Any) -> Any:
        return dataclasses.replace(self, **updates)

    if "replace" not in data_cls.__dict__:
        data_cls.replace = replace  # type: ignore[attr-defined]
    jtu.register_dataclass(
        data_cls, data_fields=list(dynamic), meta_fields=list(static)
    )
    data_cls._eqstate_dataclass = True  # type: ignore[attr-defined]
    return data_cls


def is_dataclass(cls: Any) -> bool:
    """Whether `cls` (a class or an instance) was made by `eqstate.util.dataclass`.

    ```python
    from eqstate.util import dataclass, is_dataclass

    @dataclass
    class P:
        x: int

    assert is_dataclass(P) and is_dataclass(P(1)) and not is_dataclass(int)
    ```
    """
    kind = cls if isinstance(cls, type) else type(cls)
    return "_eqstate_dataclass" in kind.__dict__


@dataclass_transform(field_specifiers=(field,), frozen_default=True)
class PyTreeNode:
    """Base class: every subclass is an `eqstate.util.dataclass` (frozen pytree).

    ```python
    import jax
    from eqstate.util import PyTreeNode, field

    class Params(PyTreeNode):
        w: float
        name: str = field(pytree_node=False, default="w")

    p = Params(1.0)
    assert jax.tree.leaves(p) == [1.0] and p.replace(w=2.0).w == 2.0
    ```
    """

    def __init_subclass__(cls, **kwargs: Any) -> None:
        options = {
            k: kwargs.pop(k) for k in list(kwargs) if k in ("frozen", "eq", "order")
        }
        super().__init_subclass__(**kwargs)
        dataclass(cls, **options)

    def __init__(self, *args: Any, **kwargs: Any):  # replaced by the dataclass one
        raise TypeError(
            "PyTreeNode is a base class; subclass it with annotated fields."
        )

    def replace(self: TNode, **updates: Any) -> TNode:
        """A copy with the given fields changed."""
        return dataclasses.replace(self, **updates)  # type: ignore[type-var]
