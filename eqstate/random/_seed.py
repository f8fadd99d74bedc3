"""The default stream's keys: `seed`, `seed_context`, `split_key`, `clone_rng`, ..."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import jax
import jax.numpy as jnp
import numpy as np

from .._jax_hooks import is_tracer
from ._keys import SeedOrKey, format_key
from ._state import DEFAULT, RandomState

__all__ = [
    "clone_rng",
    "default_rng",
    "get_key",
    "get_key_data",
    "restore_key",
    "seed",
    "seed_context",
    "self_assign_multi_keys",
    "set_key",
    "split_key",
    "split_keys",
]


def default_rng(seed_or_key: SeedOrKey = None) -> RandomState:
    """The default stream, or a new `RandomState` when given a seed or key.

    ```python
    import eqstate

    assert eqstate.random.default_rng() is eqstate.random.DEFAULT
    rng = eqstate.random.default_rng(7)
    assert rng is not eqstate.random.DEFAULT
    assert (rng.rand(2) == eqstate.random.default_rng(7).rand(2)).all()
    ```

    Args:
        seed_or_key: None for the default stream; else the new stream's seed or key.
    """
    return DEFAULT if seed_or_key is None else RandomState(seed_or_key)


def clone_rng(seed_or_key: SeedOrKey = None, clone: bool = True) -> RandomState:
    """A `RandomState` of its own: seeded from `seed_or_key`, else split off the default.

    ```python
    import eqstate

    rng = eqstate.random.clone_rng()
    assert rng is not eqstate.random.DEFAULT
    assert eqstate.random.clone_rng(clone=False) is eqstate.random.DEFAULT
    ```

    Args:
        seed_or_key: the new stream's seed or key; None splits one off the
            default stream (which advances).
        clone: with `seed_or_key=None`, False returns the default stream itself.
    """
    if seed_or_key is not None:
        return RandomState(seed_or_key)
    return DEFAULT.clone() if clone else DEFAULT


def seed(seed_or_key: SeedOrKey = None) -> None:
    """Reseed the default stream, and numpy's global generator (as brainstate does).

    ```python
    import eqstate

    eqstate.random.seed(1)
    a = eqstate.random.rand(2)
    eqstate.random.seed(1)
    assert (eqstate.random.rand(2) == a).all()
    ```

    Args:
        seed_or_key: an int seed or a key; None draws a fresh random seed.
    """
    with jax.ensure_compile_time_eval():
        if seed_or_key is None:
            DEFAULT.seed(np.random.default_rng().integers(0, 2**32, 2, np.uint32))
            return
        key = format_key(seed_or_key)
        DEFAULT.set_key(key)
        if isinstance(seed_or_key, (int, np.integer)):
            np.random.seed(int(seed_or_key) % 2**32)
        elif not is_tracer(key):
            np.random.seed(int(np.asarray(key)[-1]))


@contextmanager
def seed_context(seed_or_key: SeedOrKey) -> Iterator[None]:
    """Run a block with the default stream (and numpy's) reseeded, then restore both.

    ```python
    import eqstate

    with eqstate.random.seed_context(42):
        a = eqstate.random.rand(3)
    with eqstate.random.seed_context(42):
        b = eqstate.random.rand(3)
    assert (a == b).all()
    ```

    Args:
        seed_or_key: the seed or key for the block; None draws a fresh one.
    """
    old_key = DEFAULT.value
    old_numpy = np.random.get_state()
    try:
        seed(seed_or_key)
        yield
    finally:
        DEFAULT.value = old_key
        np.random.set_state(old_numpy)


def set_key(seed_or_key: SeedOrKey) -> None:
    """Replace the default stream's key.

    ```python
    import jax
    import eqstate

    eqstate.random.set_key(jax.random.PRNGKey(42))
    a = eqstate.random.rand(3)
    eqstate.random.set_key(42)  # an int seed is made into the same key
    assert (eqstate.random.rand(3) == a).all()
    ```

    Args:
        seed_or_key: an int seed or a key.
    """
    DEFAULT.set_key(seed_or_key)


def get_key() -> jax.Array:
    """The default stream's current key.

    ```python
    import eqstate

    key = eqstate.random.get_key()
    a = eqstate.random.rand(3)
    eqstate.random.set_key(key)  # rewind the stream
    assert (eqstate.random.rand(3) == a).all()
    ```
    """
    return jnp.asarray(DEFAULT.value)


def get_key_data() -> jax.Array:
    """The default stream's key as raw `uint32` data (the key itself is raw).

    ```python
    import jax.numpy as jnp
    import eqstate

    data = eqstate.random.get_key_data()
    assert data.dtype == jnp.uint32 and data.shape == (2,)
    ```
    """
    key = DEFAULT.value
    if jnp.issubdtype(key.dtype, jax.dtypes.prng_key):
        return jax.random.key_data(key)
    return jnp.asarray(key)


def split_key(n: int | None = None, backup: bool = False) -> jax.Array:
    """Advance the default stream and return a fresh key (or `n` stacked keys).

    ```python
    import jax
    import eqstate

    key = eqstate.random.split_key()
    x = jax.random.normal(key, (2,))
    keys = eqstate.random.split_key(4)
    assert keys.shape == (4, *key.shape)
    ```

    Args:
        n: how many keys; None for a single key (not stacked).
        backup: keep the key before the split for `restore_key`.
    """
    return DEFAULT.split_key(n, backup=backup)


def split_keys(n: int, backup: bool = False) -> jax.Array:
    """`n` fresh keys from the default stream, stacked.

    ```python
    import eqstate

    keys = eqstate.random.split_keys(3)
    assert keys.shape[0] == 3
    ```

    Args:
        n: how many keys (>= 1).
        backup: keep the key before the split for `restore_key`.
    """
    return DEFAULT.split_key(n, backup=backup)


def restore_key() -> None:
    """Go back to the default key saved by `split_key(backup=True)` and friends.

    ```python
    import eqstate

    before = eqstate.random.get_key()
    eqstate.random.split_key(backup=True)
    eqstate.random.restore_key()
    assert (eqstate.random.get_key() == before).all()
    ```
    """
    DEFAULT.restore_key()


def self_assign_multi_keys(n: int, backup: bool = True) -> None:
    """Replace the default key by `n` stacked keys split from it.

    ```python
    import eqstate

    eqstate.random.self_assign_multi_keys(3)
    assert eqstate.random.get_key().shape == (3, 2)
    eqstate.random.restore_key()
    assert eqstate.random.get_key().shape == (2,)
    ```

    Args:
        n: how many keys (>= 1).
        backup: keep the single key for `restore_key` (the default).
    """
    DEFAULT.self_assign_multi_keys(n, backup=backup)
