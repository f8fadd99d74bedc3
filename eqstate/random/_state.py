"""`RandomState`: a PRNG key kept in a State, and the default stream.

Every draw splits the key and writes the new one back, so draws inside
`eqstate.transform.jit` or `for_loop` advance the stream (the key is just
another written State) and `vmap` gives each lane its own key. The key is a
raw `uint32[2]` array (`jax.random.PRNGKey`); typed keys (`jax.random.key`)
are accepted wherever a key is and stored as their raw data.
"""

from __future__ import annotations

from operator import index
from typing import Any

import jax
import numpy as np

from .._jax_hooks import is_tracer
from .._state_kinds import LongTermState
from .._table import outside_frames
from ._keys import RandomParameterError, SeedOrKey, format_key
from ._methods_basic import _Basic
from ._methods_continuous import _Continuous
from ._methods_discrete import _Discrete
from ._methods_special import _Special

__all__ = ["DEFAULT", "RandomState"]


def _count(n: Any, what: str) -> int:
    try:
        n = index(n)
    except TypeError:
        raise RandomParameterError(
            f"{what} needs an integer count, got {n!r}; pass e.g. `n=4`."
        ) from None
    if n < 1:
        raise RandomParameterError(f"{what} needs n >= 1, got n={n}.")
    return n


def _fresh_seed() -> np.ndarray:
    return np.random.randint(0, 2**32, size=2, dtype=np.uint32)


def _key(seed_or_key: SeedOrKey) -> Any:
    # A numpy key stays numpy until the first split (so that no JAX backend
    # starts at import); JAX treats it as the same raw key.
    return _fresh_seed() if seed_or_key is None else format_key(seed_or_key)


class RandomState(LongTermState[jax.Array], _Basic, _Continuous, _Discrete, _Special):
    """A PRNG key kept in a State, with numpy-style samplers.

    Each sampler (`normal`, `gamma`, `poisson`, ... every function of
    `eqstate.random`) is also a method here; a method draws from this stream
    and advances it, unless given `key=`.

    ```python
    import eqstate

    rng = eqstate.random.RandomState(0)
    a = rng.normal(size=(2,))
    b = rng.normal(size=(2,))
    assert a.shape == (2,) and not (a == b).all()
    assert (rng.gamma(2.0, size=3, key=1) == rng.gamma(2.0, size=3, key=1)).all()
    ```

    Args:
        seed_or_key: an integer seed, a `jax.random.PRNGKey` or a typed
            `jax.random.key`; None draws a seed from numpy's global generator.
        name: an optional name, shown in errors and reprs.
    """

    _backup: Any

    def __init__(self, seed_or_key: SeedOrKey = None, name: str | None = None):
        super().__init__(_key(seed_or_key), name=name)
        self._backup = None

    @classmethod
    def _split_lanes(cls, value: Any, n: int) -> tuple[Any, Any]:
        """Under `vmap`: keep one key, give each of the `n` lanes its own."""
        keys = jax.random.split(value, n + 1)
        return keys[0], keys[1:]

    def seed(self, seed_or_key: SeedOrKey = None) -> None:
        """Reset the key from a seed or key (a fresh random seed when None).

        ```python
        import eqstate

        rng = eqstate.random.RandomState()
        rng.seed(3)
        a = rng.rand(2)
        rng.seed(3)
        assert (rng.rand(2) == a).all()
        ```
        """
        self.value = _key(seed_or_key)

    def set_key(self, key: SeedOrKey) -> None:
        """Replace the key (an int seed is turned into its key)."""
        self.value = _key(key)

    def split_key(self, n: int | None = None, backup: bool = False) -> jax.Array:
        """Advance the stream; return one fresh key, or `n` keys stacked.

        With `backup=True` the key before the split is kept for `restore_key`.
        """
        count = None if n is None else _count(n, "split_key")
        old = self.value
        keys = jax.random.split(old, 2 if count is None else count + 1)
        if backup:
            self.backup_key(old)
        self.value = keys[0]
        return keys[1] if count is None else keys[1:]

    def self_assign_multi_keys(self, n: int, backup: bool = True) -> None:
        """Replace the key by `n` stacked keys split from it (e.g. one per lane).

        With `backup=True` (the default) `restore_key` brings the single key back.
        """
        count = _count(n, "self_assign_multi_keys")
        old = self.value
        if backup:
            self.backup_key(old)
        self.value = jax.random.split(old, count)

    def backup_key(self, key: jax.Array | None = None) -> None:
        """Remember the current key (or `key`) for `restore_key`."""
        if self._backup is not None:
            raise RandomParameterError(
                "The key is already backed up; call `restore_key()` before "
                "backing it up again."
            )
        self._backup = self.value if key is None else key

    def restore_key(self) -> None:
        """Go back to the key saved by `backup_key` / `split_key(backup=True)`."""
        if self._backup is None:
            raise RandomParameterError(
                "No key is backed up; call `split_key(backup=True)` or "
                "`backup_key()` first."
            )
        self.value, self._backup = self._backup, None

    def check_if_deleted(self) -> None:
        """Reseed (from a fresh random seed) if the key's buffer was deleted.

        A key donated to a computation (`jit(..., donate_argnums=...)`) or
        deleted by hand cannot be split again; this gives the stream a new key.

        ```python
        import eqstate

        rng = eqstate.random.RandomState(0)
        rng.rand(1)
        rng.value.delete()
        rng.check_if_deleted()
        assert rng.rand(2).shape == (2,)
        ```
        """
        value = self.value
        if isinstance(value, jax.Array) and not is_tracer(value) and value.is_deleted():
            self.seed()

    def clone(self) -> RandomState:
        """A new, independent RandomState seeded with a key split from this one."""
        return type(self)(self.split_key())


with outside_frames():  # eager even when first imported inside a transform
    DEFAULT = RandomState(np.zeros(2, np.uint32), name="DEFAULT")
    """The default stream behind the module-level samplers (seeded with 0)."""
