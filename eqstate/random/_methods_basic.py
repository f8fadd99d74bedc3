"""`RandomState`'s samplers (uniform, normal, integers, choice): each splits a key off the stream."""

from __future__ import annotations

import jax
import jax.numpy as jnp

from .._units import ArrayOrQuantity, is_quantity, strip
from . import _samplers as _s
from ._keys import ArrayLike, DTypeLike, SeedOrKey, Size, array, format_key


def _like(input: ArrayLike, dtype: DTypeLike) -> tuple[tuple[int, ...], DTypeLike]:
    """`input`'s shape, and `dtype` or else `input`'s dtype (as JAX would store
    it); a Quantity's unit is dropped, as in brainstate."""
    x = strip(array(input))
    if dtype is None:
        dtype = jax.dtypes.canonicalize_dtype(jnp.result_type(x))
    return jnp.shape(x), dtype


class _Basic:
    """Samplers mixed into `RandomState`."""

    __slots__ = ()

    def split_key(self, n: int | None = None, backup: bool = False) -> jax.Array:
        raise NotImplementedError

    def _take(self, key: SeedOrKey) -> jax.Array:
        return self.split_key() if key is None else jnp.asarray(format_key(key))

    def rand(
        self, *dn: int, key: SeedOrKey = None, dtype: DTypeLike = None
    ) -> jax.Array:
        """`eqstate.random.rand` drawing from this stream."""
        return _s.uniform(self._take(key), 0.0, 1.0, dn, dtype)

    def randn(
        self, *dn: int, key: SeedOrKey = None, dtype: DTypeLike = None
    ) -> jax.Array:
        """`eqstate.random.randn` drawing from this stream."""
        return _s.normal(self._take(key), None, None, dn, dtype)

    def random(
        self, size: Size = None, key: SeedOrKey = None, dtype: DTypeLike = None
    ) -> jax.Array:
        """`eqstate.random.random` drawing from this stream."""
        return _s.uniform(self._take(key), 0.0, 1.0, size, dtype)

    def random_sample(
        self, size: Size = None, key: SeedOrKey = None, dtype: DTypeLike = None
    ) -> jax.Array:
        """`eqstate.random.random_sample` drawing from this stream."""
        return _s.uniform(self._take(key), 0.0, 1.0, size, dtype)

    def ranf(
        self, size: Size = None, key: SeedOrKey = None, dtype: DTypeLike = None
    ) -> jax.Array:
        """`eqstate.random.ranf` drawing from this stream."""
        return _s.uniform(self._take(key), 0.0, 1.0, size, dtype)

    def sample(
        self, size: Size = None, key: SeedOrKey = None, dtype: DTypeLike = None
    ) -> jax.Array:
        """`eqstate.random.sample` drawing from this stream."""
        return _s.uniform(self._take(key), 0.0, 1.0, size, dtype)

    def uniform(
        self,
        low: ArrayLike = 0.0,
        high: ArrayLike = 1.0,
        size: Size = None,
        key: SeedOrKey = None,
        dtype: DTypeLike = None,
    ) -> ArrayOrQuantity:
        """`eqstate.random.uniform` drawing from this stream."""
        return _s.uniform(self._take(key), low, high, size, dtype)

    def normal(
        self,
        loc: ArrayLike = None,
        scale: ArrayLike = None,
        size: Size = None,
        key: SeedOrKey = None,
        dtype: DTypeLike = None,
    ) -> ArrayOrQuantity:
        """`eqstate.random.normal` drawing from this stream."""
        return _s.normal(self._take(key), loc, scale, size, dtype)

    def standard_normal(
        self, size: Size = None, key: SeedOrKey = None, dtype: DTypeLike = None
    ) -> jax.Array:
        """`eqstate.random.standard_normal` drawing from this stream."""
        return _s.normal(self._take(key), None, None, size, dtype)

    def truncated_normal(
        self,
        lower: ArrayLike,
        upper: ArrayLike,
        size: Size = None,
        loc: ArrayLike = 0.0,
        scale: ArrayLike = 1.0,
        key: SeedOrKey = None,
        dtype: DTypeLike = None,
        check_valid: bool = True,
    ) -> ArrayOrQuantity:
        """`eqstate.random.truncated_normal` drawing from this stream."""
        return _s.truncated_normal(
            self._take(key), lower, upper, size, loc, scale, dtype, check_valid
        )

    def randint(
        self,
        low: ArrayLike,
        high: ArrayLike = None,
        size: Size = None,
        dtype: DTypeLike = None,
        key: SeedOrKey = None,
    ) -> jax.Array:
        """`eqstate.random.randint` drawing from this stream."""
        return _s.randint(self._take(key), low, high, size, dtype)

    def random_integers(
        self,
        low: ArrayLike,
        high: ArrayLike = None,
        size: Size = None,
        key: SeedOrKey = None,
        dtype: DTypeLike = None,
    ) -> jax.Array:
        """`eqstate.random.random_integers` drawing from this stream."""
        return _s.random_integers(self._take(key), low, high, size, dtype)

    def bernoulli(
        self,
        p: ArrayLike = 0.5,
        size: Size = None,
        key: SeedOrKey = None,
        check_valid: bool = True,
    ) -> jax.Array:
        """`eqstate.random.bernoulli` drawing from this stream."""
        return _s.bernoulli(self._take(key), p, size, check_valid)

    def choice(
        self,
        a: ArrayLike,
        size: Size = None,
        replace: bool = True,
        p: ArrayLike = None,
        key: SeedOrKey = None,
    ) -> ArrayOrQuantity:
        """`eqstate.random.choice` drawing from this stream."""
        return _s.choice(self._take(key), a, size, replace, p)

    def permutation(
        self,
        x: ArrayLike,
        axis: int = 0,
        independent: bool = False,
        key: SeedOrKey = None,
    ) -> ArrayOrQuantity:
        """`eqstate.random.permutation` drawing from this stream."""
        return _s.permutation(self._take(key), x, axis, independent)

    def shuffle(
        self, x: ArrayLike, axis: int = 0, key: SeedOrKey = None
    ) -> ArrayOrQuantity:
        """`eqstate.random.shuffle` drawing from this stream."""
        return _s.permutation(self._take(key), x, axis, False)

    def categorical(
        self,
        logits: ArrayLike,
        axis: int = -1,
        size: Size = None,
        key: SeedOrKey = None,
    ) -> jax.Array:
        """`eqstate.random.categorical` drawing from this stream."""
        return _s.categorical(self._take(key), logits, axis, size)

    def rand_like(
        self, input: ArrayLike, dtype: DTypeLike = None, key: SeedOrKey = None
    ) -> jax.Array:
        """`eqstate.random.rand_like` drawing from this stream."""
        return _s.uniform(self._take(key), 0.0, 1.0, *_like(input, dtype))

    def randn_like(
        self, input: ArrayLike, dtype: DTypeLike = None, key: SeedOrKey = None
    ) -> jax.Array:
        """`eqstate.random.randn_like` drawing from this stream."""
        return _s.normal(self._take(key), None, None, *_like(input, dtype))

    def randint_like(
        self,
        input: ArrayLike,
        low: ArrayLike = 0,
        high: ArrayLike = None,
        dtype: DTypeLike = None,
        key: SeedOrKey = None,
    ) -> jax.Array:
        """`eqstate.random.randint_like` drawing from this stream."""
        if high is None:  # a Quantity's max stays one: randint then rejects it
            x = array(input)
            high = x.max() if is_quantity(x) else jnp.max(jnp.asarray(x))
        shape, dtype = _like(input, dtype)
        # a float dtype (a float template): draw integers, then cast
        draw = dtype if jnp.issubdtype(dtype, jnp.integer) else None
        return _s.randint(self._take(key), low, high, shape, draw).astype(dtype)
