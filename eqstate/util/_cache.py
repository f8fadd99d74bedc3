"""`BoundedCache`: a thread-safe LRU cache."""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

from ._errors import UtilKeyError, UtilValueError

__all__ = ["BoundedCache"]


class BoundedCache:
    """A thread-safe least-recently-used cache of at most `maxsize` entries.

    A key is set once (`set` refuses to overwrite; use `replace`).

    ```python
    from eqstate.util import BoundedCache

    cache = BoundedCache(maxsize=2)
    cache.set("a", 1); cache.set("b", 2)
    assert cache.get("a") == 1          # "a" is now the most recent
    cache.set("c", 3)                   # evicts "b"
    assert list(cache.keys()) == ["a", "c"]
    assert cache.get_stats()["hits"] == 1
    ```
    """

    def __init__(self, maxsize: int = 128):
        if isinstance(maxsize, bool) or not isinstance(maxsize, int) or maxsize <= 0:
            raise UtilValueError(
                f"BoundedCache: maxsize must be a positive int, got {maxsize!r}."
            )
        self._maxsize = maxsize
        self._data: OrderedDict[Any, Any] = OrderedDict()
        self._lock = threading.RLock()
        self._hits = 0
        self._misses = 0

    @property
    def maxsize(self) -> int:
        """The most entries kept."""
        return self._maxsize

    def get(
        self,
        key: Any,
        default: Any = None,
        raise_on_miss: bool = False,
        error_context: str = "item",
    ) -> Any:
        """The value at `key` (marking it recently used), else `default`.

        With `raise_on_miss`, a miss raises `UtilValueError` listing the keys.
        """
        with self._lock:
            if key in self._data:
                self._hits += 1
                self._data.move_to_end(key)
                return self._data[key]
            self._misses += 1
            if raise_on_miss:
                known = "\n".join(f"  [{i}] {k}" for i, k in enumerate(self._data, 1))
                raise UtilValueError(
                    f"{error_context} not found for the requested cache key {key!r}. "
                    f"The cache holds {len(self._data)} keys:\n{known}\n"
                    "Call it once with matching arguments first."
                )
            return default

    def set(self, key: Any, value: Any) -> None:
        """Add an entry (evicting the least recently used one when full)."""
        with self._lock:
            if key in self._data:
                raise UtilValueError(
                    f"BoundedCache: key {key!r} is already cached; use replace(key, "
                    "value) to change it, or clear() first."
                )
            self._data[key] = value
            if len(self._data) > self._maxsize:
                self._data.popitem(last=False)

    def replace(self, key: Any, value: Any) -> None:
        """Change the value of an existing entry."""
        with self._lock:
            if key not in self._data:
                raise UtilKeyError(
                    f"BoundedCache: no entry for key {key!r} to replace; use set(key, value) to add it."
                )
            self._data[key] = value
            self._data.move_to_end(key)

    def pop(self, key: Any, default: Any = None) -> Any:
        """Remove and return the value at `key`, else `default`."""
        with self._lock:
            return self._data.pop(key, default)

    def keys(self) -> list[Any]:
        """The keys, least recently used first."""
        with self._lock:
            return list(self._data)

    def clear(self) -> None:
        """Remove every entry and reset the statistics."""
        with self._lock:
            self._data.clear()
            self._hits = self._misses = 0

    def get_stats(self) -> dict[str, Any]:
        """`size`, `maxsize`, `hits`, `misses` and `hit_rate` (percent)."""
        with self._lock:
            total = self._hits + self._misses
            return {
                "size": len(self._data),
                "maxsize": self._maxsize,
                "hits": self._hits,
                "misses": self._misses,
                "hit_rate": 100.0 * self._hits / total if total else 0.0,
            }

    def __contains__(self, key: Any) -> bool:
        with self._lock:
            return key in self._data

    def __len__(self) -> int:
        with self._lock:
            return len(self._data)

    def __repr__(self) -> str:
        return f"BoundedCache(size={len(self)}, maxsize={self._maxsize})"
