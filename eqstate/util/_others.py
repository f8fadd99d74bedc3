"""Small helpers: dict merging and flattening, unique names, caches, buffers."""

from __future__ import annotations

import gc
import threading
from collections.abc import Callable, Iterable, MutableMapping
from typing import Any, TypeVar

import jax
import jax.tree_util as jtu

from ._errors import UtilTypeError, UtilValueError

__all__ = [
    "DictManager",
    "clear_buffer_memory",
    "flatten_dict",
    "get_unique_name",
    "is_instance_eval",
    "merge_dicts",
    "not_instance_eval",
    "split_total",
    "unflatten_dict",
]

K = TypeVar("K")
V = TypeVar("V")


def split_total(total: int, fraction: int | float) -> int:
    """How many of `total` a fraction (a float in [0, 1]) or a count (an int) is.

    ```python
    from eqstate.util import split_total

    assert split_total(10, 0.3) == 3 and split_total(10, 4) == 4
    ```

    Raises:
        UtilTypeError: `total` not an int, or `fraction` neither int nor float.
        UtilValueError: `total` <= 0, or `fraction` negative or above 1 / `total`.
    """
    if isinstance(total, bool) or not isinstance(total, int):
        raise UtilTypeError(
            f"split_total: 'total' must be an int, got {type(total).__name__}."
        )
    if total <= 0:
        raise UtilValueError(
            f"split_total: 'total' must be a positive int, got {total}."
        )
    if isinstance(fraction, bool) or not isinstance(fraction, (int, float)):
        raise UtilTypeError(
            "split_total: 'fraction' must be an int (a count) or a float (a share in "
            f"[0, 1]), got {type(fraction).__name__}."
        )
    if fraction < 0:
        raise UtilValueError(
            f"split_total: 'fraction' cannot be negative, got {fraction}."
        )
    if isinstance(fraction, float):
        if fraction > 1:
            raise UtilValueError(
                f"split_total: a float 'fraction' is a share in [0, 1], got {fraction}; "
                "pass an int for a count."
            )
        return int(total * fraction)
    if fraction > total:
        raise UtilValueError(
            f"split_total: 'fraction' cannot be greater than total ({total}), got {fraction}."
        )
    return fraction


class _Names(threading.local):
    def __init__(self) -> None:
        self.counts: dict[str, int] = {}


_NAMES = _Names()


def get_unique_name(type_: str, prefix: str = "") -> str:
    """A new name `prefix + type_ + n`, `n` counting per `type_` from 0 (per thread).

    ```python
    from eqstate.util import get_unique_name

    first, second = get_unique_name("Probe"), get_unique_name("Probe")
    assert first[:5] == "Probe" and int(second[5:]) == int(first[5:]) + 1
    ```
    """
    n = _NAMES.counts.get(type_, 0)
    _NAMES.counts[type_] = n + 1
    return f"{prefix}{type_}{n}"


def merge_dicts(*dicts: dict[K, V], recursive: bool = True) -> dict[K, V]:
    """Merge dicts left to right; with `recursive`, nested dicts are merged too.

    ```python
    from eqstate.util import merge_dicts

    merged = merge_dicts({"a": 1, "b": {"c": 2}}, {"b": {"d": 3}})
    assert merged == {"a": 1, "b": {"c": 2, "d": 3}}
    ```
    """
    out: dict[Any, Any] = {}
    for d in dicts:
        if not isinstance(d, dict):
            raise UtilTypeError(f"merge_dicts expects dicts, got {type(d).__name__}.")
        for key, value in d.items():
            old = out.get(key)
            if recursive and isinstance(old, dict) and isinstance(value, dict):
                out[key] = merge_dicts(old, value, recursive=True)
            else:
                out[key] = value
    return out


def flatten_dict(
    d: dict[str, Any], parent_key: str = "", sep: str = "."
) -> dict[str, Any]:
    """Nested dicts to one level, keys joined by `sep` (`{"a.b": 1}`).

    ```python
    from eqstate.util import flatten_dict

    assert flatten_dict({"a": 1, "b": {"c": 2}}) == {"a": 1, "b.c": 2}
    ```
    """
    out: dict[str, Any] = {}
    for key, value in d.items():
        name = f"{parent_key}{sep}{key}" if parent_key else str(key)
        if isinstance(value, dict) and value:
            out.update(flatten_dict(value, name, sep))
        else:
            out[name] = value
    return out


def unflatten_dict(d: dict[str, Any], sep: str = ".") -> dict[str, Any]:
    """The inverse of `flatten_dict`: split keys on `sep` into nested dicts.

    ```python
    from eqstate.util import unflatten_dict

    assert unflatten_dict({"a": 1, "b.c": 2}) == {"a": 1, "b": {"c": 2}}
    ```
    """
    out: dict[str, Any] = {}
    for key, value in d.items():
        parts = key.split(sep)
        node = out
        for part in parts[:-1]:
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                raise UtilValueError(
                    f"unflatten_dict: key {key!r} goes through {part!r}, which already "
                    "holds a value; a key cannot be both a value and a prefix."
                )
            node = child
        node[parts[-1]] = value
    return out


def clear_buffer_memory(
    platform: str | None = None, array: bool = True, compilation: bool = False
) -> None:
    """Free device memory: delete every live array buffer and/or JAX's caches.

    With `array=True` (the default) every live array on `platform` (the
    default platform if None) is deleted: arrays made before the call are unusable
    afterwards, so make them again. `compilation=True` also clears JAX's
    compilation caches.

    ```python
    import jax.numpy as jnp
    from eqstate.util import clear_buffer_memory

    x = jnp.ones(2)
    clear_buffer_memory(array=False)  # keep arrays (and caches): a gc pass only
    assert float(x.sum()) == 2.0
    ```
    """

    if array:
        for buffer in jax.live_arrays(platform):
            buffer.delete()
    if compilation:
        jax.clear_caches()
    gc.collect()


def is_instance_eval(*cls: type) -> Callable[[Any], bool]:
    """A predicate: is its argument an instance of any of `cls`?

    ```python
    from eqstate.util import is_instance_eval

    assert is_instance_eval(int, str)("a") and not is_instance_eval(int)(1.0)
    ```
    """
    return lambda x: isinstance(x, cls)


def not_instance_eval(*cls: type) -> Callable[[Any], bool]:
    """A predicate: is its argument an instance of none of `cls`?

    ```python
    from eqstate.util import not_instance_eval

    assert not_instance_eval(int)(1.0) and not not_instance_eval(int)(1)
    ```
    """
    return lambda x: not isinstance(x, cls)


def _same(by: str) -> Callable[[Any, Any], bool]:
    if by == "id":
        return lambda a, b: a is b
    if by == "value":
        return lambda a, b: a == b
    raise UtilValueError(
        f"Invalid comparison method {by!r}: use by='id' or by='value'."
    )


class DictManager(dict[K, V], MutableMapping[K, V]):
    """A dict with set-like and type-based selection helpers; a pytree.

    ```python
    from eqstate.util import DictManager

    d = DictManager(a=1, b="x", c=2.0)
    ints, strs, floats = d.split(int, str)
    assert ints == {"a": 1} and strs == {"b": "x"} and floats == {"c": 2.0}
    assert d.subset(lambda v: v == 1) == {"a": 1}
    ```
    """

    def _new(self, items: Iterable[tuple[Any, Any]]) -> DictManager[Any, Any]:
        return type(self)(items)

    def subset(
        self, sep: type | tuple[type, ...] | Callable[[Any], bool]
    ) -> DictManager[K, V]:
        """The entries whose value is an instance of `sep` (or satisfies it, if callable)."""
        if callable(sep) and not isinstance(sep, type):
            return self._new((k, v) for k, v in self.items() if sep(v))
        return self._new((k, v) for k, v in self.items() if isinstance(v, sep))

    def not_subset(self, sep: type | tuple[type, ...]) -> DictManager[K, V]:
        """The entries whose value is not an instance of `sep`."""
        return self._new((k, v) for k, v in self.items() if not isinstance(v, sep))

    def add_unique_key(self, key: K, val: V) -> None:
        """Add an entry; an existing key with a different value (by identity) raises."""
        if key in self and self[key] is not val:
            raise UtilValueError(
                f"Key {key!r} already exists with a different value. Existing: "
                f"{self[key]!r}, new: {val!r}. Use another key, or assign() to overwrite."
            )
        self[key] = val

    def add_unique_value(self, key: K, val: V) -> bool:
        """Add an entry only if no entry holds `val` (by identity); True if added."""
        if any(v is val for v in self.values()):
            return False
        self[key] = val
        return True

    def unique(self) -> DictManager[K, V]:
        """A copy keeping the first entry of each distinct value (by identity)."""
        seen: set[int] = set()
        out = []
        for k, v in self.items():
            if id(v) not in seen:
                seen.add(id(v))
                out.append((k, v))
        return self._new(out)

    def unique_(self) -> DictManager[K, V]:
        """Drop repeated values (by identity) in place; returns self."""
        keep = self.unique()
        self.clear()
        self.update(keep)
        return self

    def assign(self, *args: dict[K, V], **kwargs: V) -> None:
        """Update from dicts and keywords."""
        for d in args:
            if not isinstance(d, dict):
                raise UtilTypeError(f"assign expects dicts, got {type(d).__name__}.")
            self.update(d)
        self.update(kwargs)  # type: ignore[arg-type]

    def split(self, *types: type) -> tuple[DictManager[Any, Any], ...]:
        """One DictManager per type (first match wins), plus one with the rest."""
        groups: list[list[tuple[Any, Any]]] = [[] for _ in range(len(types) + 1)]
        for k, v in self.items():
            i = next((i for i, t in enumerate(types) if isinstance(v, t)), len(types))
            groups[i].append((k, v))
        return tuple(self._new(g) for g in groups)

    def filter_by_predicate(
        self, predicate: Callable[[K, V], bool]
    ) -> DictManager[K, V]:
        """The entries for which `predicate(key, value)` holds."""
        return self._new((k, v) for k, v in self.items() if predicate(k, v))

    def map_values(self, func: Callable[[V], Any]) -> DictManager[K, Any]:
        """`func` applied to every value."""
        return self._new((k, func(v)) for k, v in self.items())

    def map_keys(self, func: Callable[[K], Any]) -> DictManager[Any, V]:
        """`func` applied to every key; two keys mapping to one raise."""
        out: dict[Any, Any] = {}
        for k, v in self.items():
            new = func(k)
            if new in out:
                raise UtilValueError(
                    f"map_keys: keys collide, {k!r} maps to {new!r} which another key "
                    "already produced; use a one-to-one function."
                )
            out[new] = v
        return self._new(out.items())

    def pop_by_keys(self, keys: Iterable[K]) -> None:
        """Remove the entries with these keys (absent keys are ignored)."""
        for k in list(keys):
            self.pop(k, None)

    def pop_by_values(self, values: Iterable[V], by: str = "id") -> None:
        """Remove the entries holding any of `values` (`by="id"` or `"value"`)."""
        same, values = _same(by), list(values)
        for k in [k for k, v in self.items() if any(same(v, x) for x in values)]:
            del self[k]

    def difference_by_keys(self, keys: Iterable[K]) -> DictManager[K, V]:
        """The entries whose key is not in `keys`."""
        drop = set(keys)
        return self._new((k, v) for k, v in self.items() if k not in drop)

    def intersection_by_keys(self, keys: Iterable[K]) -> DictManager[K, V]:
        """The entries whose key is in `keys`."""
        keep = set(keys)
        return self._new((k, v) for k, v in self.items() if k in keep)

    def difference_by_values(
        self, values: Iterable[V], by: str = "id"
    ) -> DictManager[K, V]:
        """The entries holding none of `values`."""
        same, values = _same(by), list(values)
        return self._new(
            (k, v) for k, v in self.items() if not any(same(v, x) for x in values)
        )

    def intersection_by_values(
        self, values: Iterable[V], by: str = "id"
    ) -> DictManager[K, V]:
        """The entries holding one of `values`."""
        same, values = _same(by), list(values)
        return self._new(
            (k, v) for k, v in self.items() if any(same(v, x) for x in values)
        )

    def to_dict(self) -> dict[K, V]:
        """A plain dict copy."""
        return dict(self)

    def tree_flatten(self) -> tuple[tuple[V, ...], tuple[K, ...]]:
        """Values as children, keys as aux data."""
        keys = tuple(self.keys())
        return tuple(self[k] for k in keys), keys

    @classmethod
    def tree_unflatten(
        cls, keys: tuple[K, ...], values: tuple[V, ...]
    ) -> DictManager[K, V]:
        """Rebuild from `tree_flatten`'s output."""
        return cls(zip(keys, values))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({dict.__repr__(self)})"


jtu.register_pytree_node(
    DictManager, lambda d: d.tree_flatten(), DictManager.tree_unflatten
)
