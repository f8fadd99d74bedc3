"""`RandomState`'s samplers (discrete distributions): each splits a key off the stream."""

from __future__ import annotations

import jax
import jax.numpy as jnp

from . import _derived as _d, _samplers as _s
from ._keys import ArrayLike, DTypeLike, SeedOrKey, Size, format_key


class _Discrete:
    """Samplers mixed into `RandomState`."""

    __slots__ = ()

    def split_key(self, n: int | None = None, backup: bool = False) -> jax.Array:
        raise NotImplementedError

    def _take(self, key: SeedOrKey) -> jax.Array:
        return self.split_key() if key is None else jnp.asarray(format_key(key))

    def poisson(
        self,
        lam: ArrayLike = 1.0,
        size: Size = None,
        key: SeedOrKey = None,
        dtype: DTypeLike = None,
    ) -> jax.Array:
        """`eqstate.random.poisson` drawing from this stream."""
        return _s.poisson(self._take(key), lam, size, dtype)

    def binomial(
        self,
        n: ArrayLike,
        p: ArrayLike,
        size: Size = None,
        key: SeedOrKey = None,
        dtype: DTypeLike = None,
        check_valid: bool = True,
    ) -> jax.Array:
        """`eqstate.random.binomial` drawing from this stream."""
        return _s.binomial(self._take(key), n, p, size, dtype, check_valid)

    def geometric(
        self,
        p: ArrayLike,
        size: Size = None,
        key: SeedOrKey = None,
        dtype: DTypeLike = None,
    ) -> jax.Array:
        """`eqstate.random.geometric` drawing from this stream."""
        return _s.geometric(self._take(key), p, size, dtype)

    def negative_binomial(
        self,
        n: ArrayLike,
        p: ArrayLike,
        size: Size = None,
        key: SeedOrKey = None,
        dtype: DTypeLike = None,
    ) -> jax.Array:
        """`eqstate.random.negative_binomial` drawing from this stream."""
        return _s.negative_binomial(self._take(key), n, p, size, dtype)

    def multinomial(
        self,
        n: ArrayLike,
        pvals: ArrayLike,
        size: Size = None,
        key: SeedOrKey = None,
        dtype: DTypeLike = None,
        check_valid: bool = True,
    ) -> jax.Array:
        """`eqstate.random.multinomial` drawing from this stream."""
        return _s.multinomial(self._take(key), n, pvals, size, dtype, check_valid)

    def hypergeometric(
        self,
        ngood: ArrayLike,
        nbad: ArrayLike,
        nsample: ArrayLike,
        size: Size = None,
        key: SeedOrKey = None,
        dtype: DTypeLike = None,
    ) -> jax.Array:
        """`eqstate.random.hypergeometric` drawing from this stream."""
        return _d.hypergeometric(self._take(key), ngood, nbad, nsample, size, dtype)

    def logseries(
        self,
        p: ArrayLike,
        size: Size = None,
        key: SeedOrKey = None,
        dtype: DTypeLike = None,
    ) -> jax.Array:
        """`eqstate.random.logseries` drawing from this stream."""
        return _d.logseries(self._take(key), p, size, dtype)

    def zipf(
        self,
        a: ArrayLike,
        size: Size = None,
        key: SeedOrKey = None,
        dtype: DTypeLike = None,
    ) -> jax.Array:
        """`eqstate.random.zipf` drawing from this stream."""
        return _d.zipf(self._take(key), a, size, dtype)
