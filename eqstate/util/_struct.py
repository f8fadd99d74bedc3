"""Immutable and attribute-access dicts: `FrozenDict` (with `freeze`, `unfreeze`,
`copy`, `pop`, `pretty_repr`) and `DotDict`.

The dataclass pytrees (`dataclass`, `PyTreeNode`) are in `_dataclass.py`.
"""

from __future__ import annotations

import copy as _copy
from collections.abc import ItemsView, Iterable, Iterator, KeysView, Mapping, ValuesView
from typing import Any, Generic, TypeVar

import jax.tree_util as jtu

from ._errors import UtilAttributeError, UtilTypeError

__all__ = [
    "DotDict",
    "FrozenDict",
    "copy",
    "freeze",
    "pop",
    "pretty_repr",
    "unfreeze",
]

K = TypeVar("K")
V = TypeVar("V")


def _frozen(value: Any) -> Any:
    if isinstance(value, FrozenDict):
        return value
    if isinstance(value, dict):
        return FrozenDict(value)
    return value


class FrozenDict(Mapping[K, V], Generic[K, V]):
    """An immutable, hashable dict (nested dicts are frozen too); a pytree.

    ```python
    import jax
    from eqstate.util import FrozenDict

    d = FrozenDict({"a": {"b": 1}, "c": 2})
    rest, c = d.pop("c")
    assert c == 2 and dict(rest.unfreeze()) == {"a": {"b": 1}}
    assert jax.tree.leaves(d) == [1, 2] and isinstance(d["a"], FrozenDict)
    ```
    """

    __slots__ = ("_data", "_hash")

    _data: dict[K, V]
    _hash: int | None

    def __init__(self, *args: Any, **kwargs: Any):
        data = dict(*args, **kwargs)
        self._data = {k: _frozen(v) for k, v in data.items()}  # type: ignore[assignment]
        self._hash = None

    def __getitem__(self, key: K) -> V:
        return self._data[key]

    def __setitem__(self, key: K, value: V) -> None:
        raise UtilTypeError(
            "FrozenDict does not support item assignment; use "
            "`d.copy({key: value})` for a new FrozenDict with the change."
        )

    def __contains__(self, key: object) -> bool:
        return key in self._data

    def __iter__(self) -> Iterator[K]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __hash__(self) -> int:
        if self._hash is None:
            self._hash = hash(tuple(self._data.items()))
        return self._hash

    def __eq__(self, other: object) -> bool:
        if isinstance(other, FrozenDict):
            other = other._data
        return isinstance(other, dict) and self._data == other

    def __reduce__(self) -> tuple[Any, ...]:
        return FrozenDict, (self.unfreeze(),)

    def __repr__(self) -> str:
        return self.pretty_repr()

    def keys(self) -> KeysView[K]:
        """The keys."""
        return self._data.keys()

    def values(self) -> ValuesView[V]:
        """The values."""
        return self._data.values()

    def items(self) -> ItemsView[K, V]:
        """The `(key, value)` pairs."""
        return self._data.items()

    def get(self, key: K, default: V | None = None) -> V | None:  # type: ignore[override]
        """The value at `key`, else `default`."""
        return self._data.get(key, default)

    def copy(self, add_or_replace: Mapping[K, V] | None = None) -> FrozenDict[K, V]:
        """A new FrozenDict with the entries of `add_or_replace` added."""
        return type(self)({**self._data, **(add_or_replace or {})})

    def pop(self, key: K) -> tuple[FrozenDict[K, V], V]:
        """`(the dict without key, its value)`; `KeyError` if absent."""
        value = self._data[key]
        return type(self)({k: v for k, v in self._data.items() if k != key}), value

    def unfreeze(self) -> dict[K, V]:
        """A plain, mutable (deep) dict copy."""
        return unfreeze(self)

    def pretty_repr(self, indent: int = 2) -> str:
        """A multi-line repr, `indent` spaces a level."""
        if not self._data:
            return "FrozenDict({})"
        return f"FrozenDict({_format_dict(self._data, 0, indent)})"

    def tree_flatten_with_keys(self) -> tuple[list[tuple[Any, Any]], tuple[Any, ...]]:
        """Children keyed by `DictKey`, keys sorted as `dict` pytrees are."""
        keys = tuple(sorted(self._data, key=_sort_key))
        return [(jtu.DictKey(k), self._data[k]) for k in keys], keys

    @classmethod
    def tree_unflatten(
        cls, keys: tuple[Any, ...], values: Iterable[Any]
    ) -> FrozenDict[Any, Any]:
        """Rebuild from `tree_flatten_with_keys`' keys and leaves."""
        return cls(zip(keys, values))


def _sort_key(key: Any) -> tuple[str, Any]:
    return (type(key).__name__, key)


jtu.register_pytree_with_keys(
    FrozenDict,
    lambda d: d.tree_flatten_with_keys(),
    FrozenDict.tree_unflatten,
)


def _format_dict(d: Mapping[Any, Any], level: int, indent: int) -> str:
    if not d:
        return "{}"
    lines = []
    for key, value in d.items():
        text = (
            _format_dict(value, level + 1, indent)
            if isinstance(value, (dict, FrozenDict))
            else repr(value)
        )
        lines.append(f"{' ' * (level + 1) * indent}{key!r}: {text}")
    return "{\n" + ",\n".join(lines) + f"\n{' ' * level * indent}}}"


def freeze(x: Mapping[K, V]) -> FrozenDict[K, V]:
    """A `FrozenDict` of `x` (nested dicts frozen too).

    ```python
    from eqstate.util import freeze

    assert freeze({"a": 1})["a"] == 1
    ```
    """
    return FrozenDict(x)


def unfreeze(x: FrozenDict[K, V] | dict[K, V]) -> dict[K, V]:
    """A plain dict (deep copy) of a FrozenDict or dict; other values as they are.

    ```python
    from eqstate.util import freeze, unfreeze

    d = unfreeze(freeze({"a": {"b": 1}}))
    assert type(d) is dict and type(d["a"]) is dict
    ```
    """
    return _thaw(x)


def _thaw(x: Any) -> Any:
    if isinstance(x, (FrozenDict, dict)):
        return {k: _thaw(v) for k, v in x.items()}
    return x


def copy(
    x: FrozenDict[K, V] | dict[K, V], add_or_replace: Mapping[K, V] | None = None
) -> FrozenDict[K, V] | dict[K, V]:
    """A copy of a FrozenDict or dict, with the entries of `add_or_replace` added.

    ```python
    from eqstate.util import copy

    assert copy({"a": 1}, {"b": 2}) == {"a": 1, "b": 2}
    ```
    """
    if isinstance(x, FrozenDict):
        return x.copy(add_or_replace)
    if isinstance(x, dict):
        new = _copy.copy(x)
        new.update(add_or_replace or {})
        return new
    raise UtilTypeError(
        f"copy expects a FrozenDict or a dict, got {type(x).__name__}; "
        "convert it with dict(x) first."
    )


def pop(
    x: FrozenDict[K, V] | dict[K, V], key: K
) -> tuple[FrozenDict[K, V] | dict[K, V], V]:
    """`(x without key, its value)` for a FrozenDict or dict; `x` is unchanged.

    ```python
    from eqstate.util import pop

    rest, value = pop({"a": 1, "b": 2}, "a")
    assert rest == {"b": 2} and value == 1
    ```
    """
    if isinstance(x, FrozenDict):
        return x.pop(key)
    if isinstance(x, dict):
        new = dict(x)
        value = new.pop(key)
        return new, value
    raise UtilTypeError(
        f"pop expects a FrozenDict or a dict, got {type(x).__name__}; "
        "convert it with dict(x) first."
    )


def pretty_repr(x: Any, indent: int = 2) -> str:
    """A multi-line repr of nested dicts (and FrozenDicts); `repr` otherwise.

    ```python
    from eqstate.util import pretty_repr

    assert pretty_repr({"a": {"b": 1}}) == "{\\n  'a': {\\n    'b': 1\\n  }\\n}"
    ```
    """
    if isinstance(x, FrozenDict):
        return x.pretty_repr(indent)
    if isinstance(x, dict):
        return _format_dict(x, 0, indent)
    return repr(x)


def _dotted(value: Any) -> Any:
    if isinstance(value, DotDict):
        return value
    if isinstance(value, dict):
        return DotDict(value)
    if isinstance(value, list):
        return [_dotted(v) for v in value]
    if isinstance(value, tuple):
        return tuple(_dotted(v) for v in value)
    return value


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, tuple):
        return tuple(_plain(v) for v in value)
    return value


class DotDict(dict[str, Any]):
    """A dict whose entries are also attributes (`cfg.lr`), nested dicts too; a pytree.

    ```python
    from eqstate.util import DotDict

    cfg = DotDict({"optim": {"lr": 0.1}})
    cfg.epochs = 3
    assert cfg.optim.lr == 0.1 and cfg["epochs"] == 3
    assert cfg.to_dict() == {"optim": {"lr": 0.1}, "epochs": 3}
    ```
    """

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__()
        self.update(*args, **kwargs)

    def __getattr__(self, key: str) -> Any:
        try:
            return self[key]
        except KeyError:
            raise UtilAttributeError(
                f"'DotDict' object has no attribute {key!r}; set it first "
                f"(cfg.{key} = ...) or use cfg.get({key!r}, default)."
            ) from None

    def __setattr__(self, key: str, value: Any) -> None:
        self[key] = value

    def __delattr__(self, key: str) -> None:
        try:
            del self[key]
        except KeyError:
            raise UtilAttributeError(
                f"'DotDict' object has no attribute {key!r}; set it first "
                f"(cfg.{key} = ...) or use cfg.get({key!r}, default)."
            ) from None

    def __setitem__(self, key: str, value: Any) -> None:
        super().__setitem__(key, _dotted(value))

    def __dir__(self) -> list[str]:
        return [*super().__dir__(), *map(str, self.keys())]

    def __repr__(self) -> str:
        return f"DotDict({super().__repr__()})"

    def get(self, key: str, default: Any = None) -> Any:  # type: ignore[override]
        """The value at `key`, else `default`."""
        return super().get(key, default)

    def setdefault(self, key: str, default: Any = None) -> Any:  # type: ignore[override]
        """The value at `key`, set to `default` first if absent."""
        if key not in self:
            self[key] = default
        return self[key]

    def update(self, *args: Any, **kwargs: Any) -> None:  # type: ignore[override]
        """Add entries (nested dicts become DotDicts)."""
        for key, value in dict(*args, **kwargs).items():
            self[key] = value

    def copy(self) -> DotDict:
        """A shallow copy."""
        return DotDict(self)

    def deepcopy(self) -> DotDict:
        """A deep copy."""
        return _copy.deepcopy(self)

    def to_dict(self) -> dict[str, Any]:
        """Plain nested dicts."""
        return _plain(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> DotDict:
        """A DotDict of `d`."""
        return cls(d)

    def tree_flatten(self) -> tuple[tuple[Any, ...], tuple[str, ...]]:
        """Values as children, keys (insertion order) as aux data."""
        keys = tuple(self.keys())
        return tuple(self[k] for k in keys), keys

    @classmethod
    def tree_unflatten(cls, keys: tuple[str, ...], values: Iterable[Any]) -> DotDict:
        """Rebuild from `tree_flatten`'s output."""
        new = cls()
        for key, value in zip(keys, values):
            dict.__setitem__(new, key, value)
        return new


jtu.register_pytree_with_keys(
    DotDict,
    lambda d: ([(jtu.DictKey(k), d[k]) for k in d], tuple(d)),
    DotDict.tree_unflatten,
    lambda d: d.tree_flatten(),
)
