"""Readable multi-line reprs: the `__pretty_repr__` protocol and its helpers."""

from __future__ import annotations

import dataclasses
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping
from typing import Any, Generic, TypeVar

import jax.tree_util as jtu

from ._errors import UtilTypeError

__all__ = [
    "MappingReprMixin",
    "PrettyAttr",
    "PrettyList",
    "PrettyMapping",
    "PrettyObject",
    "PrettyRepr",
    "PrettyType",
    "yield_unique_pretty_repr_items",
]

A = TypeVar("A")
B = TypeVar("B")


@dataclasses.dataclass
class PrettyType:
    """The head of a pretty repr: the type name and its brackets.

    ```python
    from eqstate.util import PrettyType

    head = PrettyType("Point")
    assert (head.start, head.end, head.value_sep) == ("(", ")", "=")
    ```
    """

    type: str | type
    start: str = "("
    end: str = ")"
    value_sep: str = "="
    elem_indent: str = "  "
    empty_repr: str = ""


@dataclasses.dataclass
class PrettyAttr:
    """One `key=value` line of a pretty repr (`value` is repr'd unless a str).

    ```python
    from eqstate.util import PrettyAttr

    assert PrettyAttr("x", 1).key == "x"
    ```
    """

    key: str
    value: str | Any
    start: str = ""
    end: str = ""


class PrettyRepr(ABC):
    """Base class whose `repr` is built from `__pretty_repr__()` items.

    `__pretty_repr__` yields one `PrettyType` and then one `PrettyAttr` per line.

    ```python
    from eqstate.util import PrettyAttr, PrettyRepr, PrettyType

    class Point(PrettyRepr):
        def __pretty_repr__(self):
            yield PrettyType("Point")
            yield PrettyAttr("x", 1)

    assert repr(Point()) == "Point(\\n  x=1\\n)"
    ```
    """

    __slots__ = ()

    @abstractmethod
    def __pretty_repr__(self) -> Iterator[PrettyType | PrettyAttr]:
        raise NotImplementedError

    def __repr__(self) -> str:
        return _render(self)


def _render_attr(head: PrettyType, attr: Any) -> str:
    if not isinstance(attr, PrettyAttr):
        raise UtilTypeError(
            f"__pretty_repr__ must yield PrettyAttr items after the PrettyType head; "
            f"got {type(attr).__name__}."
        )
    text = attr.value if isinstance(attr.value, str) else repr(attr.value)
    text = text.replace("\n", "\n" + head.elem_indent)
    return f"{head.elem_indent}{attr.start}{attr.key}{head.value_sep}{text}{attr.end}"


def _render(obj: Any) -> str:
    items = iter(obj.__pretty_repr__())
    head = next(items)
    if not isinstance(head, PrettyType):
        raise UtilTypeError(
            f"__pretty_repr__ must yield a PrettyType first; got {type(head).__name__}."
        )
    lines = [_render_attr(head, attr) for attr in items]
    body = "\n" + ",\n".join(lines) + "\n" if lines else head.empty_repr
    name = head.type if isinstance(head.type, str) else head.type.__name__
    return f"{name}{head.start}{body}{head.end}"


class MappingReprMixin(Mapping[A, B], Generic[A, B]):
    """Gives a `Mapping` the `__pretty_repr__` items of `{key: value}` lines.

    ```python
    from eqstate.util import MappingReprMixin, PrettyAttr

    class One(MappingReprMixin):
        def __getitem__(self, key):
            return {"a": 1}[key]

        def __iter__(self):
            return iter(["a"])

        def __len__(self):
            return 1

    head, item = list(One().__pretty_repr__())
    assert head.start == "{" and item == PrettyAttr("'a'", 1)
    ```
    """

    def __pretty_repr__(self) -> Iterator[PrettyType | PrettyAttr]:
        yield PrettyType(type="", value_sep=": ", start="{", end="}")
        for key, value in self.items():
            yield PrettyAttr(repr(key), value)


@dataclasses.dataclass(repr=False)
class PrettyMapping(PrettyRepr):
    """Shows any mapping as `type_name{key: value, ...}`, one item a line.

    ```python
    from eqstate.util import PrettyMapping

    assert repr(PrettyMapping({"a": 1}, "D")) == "D{\\n  'a': 1\\n}"
    ```
    """

    mapping: Mapping[Any, Any]
    type_name: str = ""

    def __pretty_repr__(self) -> Iterator[PrettyType | PrettyAttr]:
        yield PrettyType(type=self.type_name, value_sep=": ", start="{", end="}")
        for key, value in self.mapping.items():
            yield PrettyAttr(repr(key), value)


class _Seen(threading.local):
    ids: dict[int, Any] | None = None


_SEEN = _Seen()


def _default_head(node: Any) -> Iterator[PrettyType]:
    yield PrettyType(type=type(node))


def _default_attrs(node: Any) -> Iterator[PrettyAttr]:
    for name, value in vars(node).items():
        if not name.startswith("_"):
            yield PrettyAttr(name, repr(value))


def yield_unique_pretty_repr_items(
    node: Any,
    repr_object: Callable[..., Any] | None = None,
    repr_attr: Callable[..., Any] | None = None,
) -> Iterator[PrettyType | PrettyAttr]:
    """The pretty-repr items of `node`, showing an object seen higher up as `...`.

    `repr_object(node)` yields the head, `repr_attr(node)` the attributes
    (defaults: the type name, and the public instance attributes).

    ```python
    from eqstate.util import PrettyAttr, PrettyType, yield_unique_pretty_repr_items

    class Box:
        def __init__(self):
            self.x = 1

    items = list(yield_unique_pretty_repr_items(Box()))
    assert isinstance(items[0], PrettyType) and items[1] == PrettyAttr("x", "1")
    ```
    """
    repr_object = repr_object or _default_head
    repr_attr = repr_attr or _default_attrs
    outermost = _SEEN.ids is None
    if outermost:
        _SEEN.ids = {}
    seen = _SEEN.ids
    assert seen is not None
    try:
        if id(node) in seen:
            yield PrettyType(type=type(node), empty_repr="...")
            return
        yield from repr_object(node)
        seen[id(node)] = node
        yield from repr_attr(node)
    finally:
        if outermost:
            _SEEN.ids = None


def _object_attrs(node: Any) -> Iterator[PrettyAttr]:
    hook = getattr(node, "__pretty_repr_item__", None)
    for key, value in vars(node).items():
        if hook is not None:
            item = hook(key, value)
            if item is None:
                continue
            key, value = item
        if isinstance(value, list) and not isinstance(value, PrettyList):
            value = PrettyList(value)
        yield PrettyAttr(key, value)


class PrettyObject(PrettyRepr):
    """A class whose repr lists its instance attributes, one a line.

    Define `__pretty_repr_item__(key, value)` to rename an attribute (return a
    new pair) or hide it (return None).

    ```python
    from eqstate.util import PrettyObject

    class Config(PrettyObject):
        def __init__(self):
            self.lr = 0.1

    assert repr(Config()) == "Config(\\n  lr=0.1\\n)"
    ```
    """

    def __pretty_repr__(self) -> Iterator[PrettyType | PrettyAttr]:
        yield from yield_unique_pretty_repr_items(self, _default_head, _object_attrs)


class PrettyList(list[Any], PrettyRepr):
    """A list (and pytree) with the pretty, one-item-a-line repr.

    ```python
    import jax
    from eqstate.util import PrettyList

    xs = PrettyList([1, 2])
    assert jax.tree.leaves(xs) == [1, 2] and repr(xs) == "[\\n  1,\\n  2\\n]"
    ```
    """

    def __pretty_repr__(self) -> Iterator[PrettyType | PrettyAttr]:
        yield PrettyType(type="", value_sep="", start="[", end="]")
        for value in self:
            yield PrettyAttr("", value)

    def __repr__(self) -> str:
        return _render(self)

    def tree_flatten(self) -> tuple[list[Any], tuple[()]]:
        """The items as pytree children."""
        return list(self), ()

    @classmethod
    def tree_unflatten(
        cls, aux_data: tuple[Any, ...], children: list[Any]
    ) -> PrettyList:
        """Rebuild from `tree_flatten`'s output."""
        return cls(children)


jtu.register_pytree_node(
    PrettyList,
    lambda xs: xs.tree_flatten(),
    PrettyList.tree_unflatten,
)
