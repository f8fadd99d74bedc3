"""Random numbers whose key is a State.

`RandomState` holds a PRNG key in a State: every draw splits the key and writes
the new one back, so draws inside `eqstate.transform.jit` advance the stream
(the key is just another written State), and `vmap` gives each lane its own
key. The module-level samplers draw from a default `RandomState`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from .._state import LongTermState

__all__ = [
    "DEFAULT",
    "RandomState",
    "bernoulli",
    "choice",
    "default_rng",
    "get_key",
    "normal",
    "permutation",
    "rand",
    "randint",
    "randn",
    "seed",
    "set_key",
    "split_key",
    "split_keys",
    "truncated_normal",
    "uniform",
]

Shape = int | Sequence[int] | None


def _shape(size: Shape, *dims: int) -> tuple[int, ...]:
    if dims:
        return tuple(dims)
    if size is None:
        return ()
    if isinstance(size, int):
        return (size,)
    return tuple(size)


def _make_key(seed_or_key: Any) -> jax.Array:
    with jax.ensure_compile_time_eval():
        if isinstance(seed_or_key, (int, np.integer)):
            return jax.random.PRNGKey(int(seed_or_key))
        return jnp.asarray(seed_or_key)


class RandomState(LongTermState[jax.Array]):
    """A PRNG key kept in a State, with numpy-style samplers.

    ```python
    import eqstate

    rng = eqstate.random.RandomState(0)
    a = rng.normal(size=(2,))
    b = rng.normal(size=(2,))
    assert a.shape == (2,) and not (a == b).all()
    ```

    Args:
        seed_or_key: an integer seed or an existing `jax.random.PRNGKey`;
            `None` draws a seed from numpy's global generator.
    """

    def __init__(self, seed_or_key: Any = None, name: str | None = None):
        if seed_or_key is None:
            seed_or_key = int(np.random.randint(0, 2**31 - 1))
        super().__init__(_make_key(seed_or_key), name=name)

    @classmethod
    def _split_lanes(cls, value: Any, n: int) -> tuple[Any, Any]:
        """Under `vmap`: keep one key, give each of the `n` lanes its own."""
        keys = jax.random.split(value, n + 1)
        return keys[0], keys[1:]

    def seed(self, seed_or_key: Any) -> None:
        """Reset the key from an integer seed or a key."""
        self.value = _make_key(seed_or_key)

    def split_key(self, n: int | None = None) -> jax.Array:
        """Advance the stream; return one fresh key, or `n` keys stacked."""
        keys = jax.random.split(self.value, 2 if n is None else n + 1)
        self.value = keys[0]
        return keys[1] if n is None else keys[1:]

    def rand(self, *dims: int) -> jax.Array:
        """Uniform samples in [0, 1) of shape `dims`."""
        return jax.random.uniform(self.split_key(), dims)

    def randn(self, *dims: int) -> jax.Array:
        """Standard normal samples of shape `dims`."""
        return jax.random.normal(self.split_key(), dims)

    def uniform(
        self, low: Any = 0.0, high: Any = 1.0, size: Shape = None, dtype: Any = None
    ) -> jax.Array:
        """Uniform samples in [low, high)."""
        shape = (
            _shape(size)
            if size is not None
            else jnp.broadcast_shapes(jnp.shape(low), jnp.shape(high))
        )
        u = jax.random.uniform(self.split_key(), shape, dtype or jnp.float32)
        return low + (high - low) * u

    def normal(
        self, loc: Any = 0.0, scale: Any = 1.0, size: Shape = None, dtype: Any = None
    ) -> jax.Array:
        """Normal samples with mean `loc` and standard deviation `scale`."""
        shape = (
            _shape(size)
            if size is not None
            else jnp.broadcast_shapes(jnp.shape(loc), jnp.shape(scale))
        )
        return loc + scale * jax.random.normal(
            self.split_key(), shape, dtype or jnp.float32
        )

    def truncated_normal(
        self,
        lower: Any,
        upper: Any,
        size: Shape = None,
        loc: Any = 0.0,
        scale: Any = 1.0,
    ) -> jax.Array:
        """Normal samples truncated to [lower, upper] (in standard units)."""
        z = jax.random.truncated_normal(self.split_key(), lower, upper, _shape(size))
        return loc + scale * z

    def randint(
        self,
        low: int,
        high: int | None = None,
        size: Shape = None,
        dtype: Any = jnp.int32,
    ) -> jax.Array:
        """Integers in [low, high) (or [0, low) when `high` is None)."""
        if high is None:
            low, high = 0, low
        return jax.random.randint(self.split_key(), _shape(size), low, high, dtype)

    def bernoulli(self, p: Any = 0.5, size: Shape = None) -> jax.Array:
        """Booleans that are True with probability `p`."""
        shape = _shape(size) if size is not None else jnp.shape(p)
        return jax.random.bernoulli(self.split_key(), p, shape)

    def choice(
        self, a: Any, size: Shape = None, replace: bool = True, p: Any = None
    ) -> jax.Array:
        """Samples from `a` (an array, or `range(a)` for an int)."""
        return jax.random.choice(self.split_key(), a, _shape(size), replace, p)

    def permutation(self, x: Any) -> jax.Array:
        """A random permutation of `x` (or of `range(x)` for an int)."""
        return jax.random.permutation(self.split_key(), x)


class _Default:
    """Creates the default RandomState on first use, outside any trace."""

    state: RandomState | None = None

    def get(self) -> RandomState:
        state = self.state
        if state is None:
            from .._state import new_state

            state = new_state(
                RandomState, _make_info(), _make_key(0), copy=False, eager=True
            )
            self.state = state
        return state


def _make_info() -> Any:
    from .._state import _Info

    return _Info("default_rng", {}, "eqstate.random (the default stream)")


DEFAULT = _Default()
"""Holder of the default stream, created on first use; use `default_rng()`."""


def default_rng() -> RandomState:
    """The default `RandomState` behind the module-level samplers.

    ```python
    import eqstate

    rng = eqstate.random.default_rng()
    assert isinstance(rng, eqstate.random.RandomState)
    ```
    """
    return DEFAULT.get()


def seed(seed: int | None = None) -> None:
    """Reseed the default stream (and numpy's, as brainstate does).

    ```python
    import eqstate

    eqstate.random.seed(1)
    a = eqstate.random.rand(2)
    eqstate.random.seed(1)
    assert (eqstate.random.rand(2) == a).all()
    ```
    """
    if seed is None:
        seed = int(np.random.randint(0, 2**31 - 1))
    np.random.seed(seed)
    default_rng().seed(seed)


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
    return default_rng().value


def set_key(key: Any) -> None:
    """Replace the default stream's key.

    ```python
    import jax
    import eqstate

    eqstate.random.set_key(jax.random.PRNGKey(42))
    a = eqstate.random.rand(3)
    eqstate.random.set_key(jax.random.PRNGKey(42))
    assert (eqstate.random.rand(3) == a).all()
    ```
    """
    default_rng().seed(key)


def split_key(n: int | None = None) -> jax.Array:
    """Advance the default stream and return a fresh key (or `n` stacked keys).

    ```python
    import jax
    import eqstate

    key = eqstate.random.split_key()
    x = jax.random.normal(key, (2,))
    keys = eqstate.random.split_key(4)
    assert keys.shape == (4, *key.shape)
    ```
    """
    return default_rng().split_key(n)


def split_keys(n: int) -> jax.Array:
    """`n` fresh keys from the default stream, stacked.

    ```python
    import eqstate

    keys = eqstate.random.split_keys(3)
    assert keys.shape[0] == 3
    ```
    """
    return default_rng().split_key(n)


def rand(*dims: int) -> jax.Array:
    """Uniform samples in [0, 1) from the default stream.

    ```python
    import eqstate

    x = eqstate.random.rand(2, 3)
    assert x.shape == (2, 3) and ((0 <= x) & (x < 1)).all()
    ```
    """
    return default_rng().rand(*dims)


def randn(*dims: int) -> jax.Array:
    """Standard normal samples from the default stream.

    ```python
    import eqstate

    assert eqstate.random.randn(3, 2).shape == (3, 2)
    ```
    """
    return default_rng().randn(*dims)


def uniform(
    low: Any = 0.0, high: Any = 1.0, size: Shape = None, dtype: Any = None
) -> jax.Array:
    """Uniform samples in [low, high) from the default stream.

    ```python
    import eqstate

    x = eqstate.random.uniform(-1.0, 1.0, size=(100,))
    assert x.shape == (100,) and ((-1 <= x) & (x < 1)).all()
    ```
    """
    return default_rng().uniform(low, high, size, dtype)


def normal(
    loc: Any = 0.0, scale: Any = 1.0, size: Shape = None, dtype: Any = None
) -> jax.Array:
    """Normal samples from the default stream.

    ```python
    import eqstate

    x = eqstate.random.normal(2.0, 0.5, size=(1000,))
    assert abs(float(x.mean()) - 2.0) < 0.1
    ```
    """
    return default_rng().normal(loc, scale, size, dtype)


def truncated_normal(
    lower: Any, upper: Any, size: Shape = None, loc: Any = 0.0, scale: Any = 1.0
) -> jax.Array:
    """Truncated normal samples from the default stream.

    ```python
    import eqstate

    x = eqstate.random.truncated_normal(-1.0, 1.0, size=(100,))
    assert (abs(x) <= 1).all()
    ```
    """
    return default_rng().truncated_normal(lower, upper, size, loc, scale)


def randint(
    low: int, high: int | None = None, size: Shape = None, dtype: Any = jnp.int32
) -> jax.Array:
    """Random integers from the default stream.

    ```python
    import eqstate

    x = eqstate.random.randint(0, 10, size=(5,))
    assert ((0 <= x) & (x < 10)).all()
    ```
    """
    return default_rng().randint(low, high, size, dtype)


def bernoulli(p: Any = 0.5, size: Shape = None) -> jax.Array:
    """Bernoulli samples from the default stream.

    ```python
    import eqstate

    x = eqstate.random.bernoulli(0.3, size=(4,))
    assert x.shape == (4,) and x.dtype == bool
    ```
    """
    return default_rng().bernoulli(p, size)


def choice(
    a: Any, size: Shape = None, replace: bool = True, p: Any = None
) -> jax.Array:
    """Samples from `a` using the default stream.

    ```python
    import eqstate

    x = eqstate.random.choice(5, size=(3,), replace=False)
    assert len(set(x.tolist())) == 3
    ```
    """
    return default_rng().choice(a, size, replace, p)


def permutation(x: Any) -> jax.Array:
    """A random permutation from the default stream.

    ```python
    import eqstate

    x = eqstate.random.permutation(4)
    assert sorted(x.tolist()) == [0, 1, 2, 3]
    ```
    """
    return default_rng().permutation(x)
