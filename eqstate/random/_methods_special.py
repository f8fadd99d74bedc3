"""`RandomState`'s samplers (multivariate and derived distributions): each splits a key off the stream."""

from __future__ import annotations

import jax
import jax.numpy as jnp

from .._units import ArrayOrQuantity
from . import _derived as _d, _samplers as _s
from ._keys import ArrayLike, DTypeLike, SeedOrKey, Size, format_key


class _Special:
    """Samplers mixed into `RandomState`."""

    __slots__ = ()

    def split_key(self, n: int | None = None, backup: bool = False) -> jax.Array:
        raise NotImplementedError

    def _take(self, key: SeedOrKey) -> jax.Array:
        return self.split_key() if key is None else jnp.asarray(format_key(key))

    def loggamma(
        self,
        a: ArrayLike,
        size: Size = None,
        key: SeedOrKey = None,
        dtype: DTypeLike = None,
    ) -> jax.Array:
        """`eqstate.random.loggamma` drawing from this stream."""
        return _s.loggamma(self._take(key), a, size, dtype)

    def maxwell(
        self, size: Size = None, key: SeedOrKey = None, dtype: DTypeLike = None
    ) -> jax.Array:
        """`eqstate.random.maxwell` drawing from this stream."""
        return _s.maxwell(self._take(key), size, dtype)

    def triangular(
        self,
        left: ArrayLike = 0.0,
        mode: ArrayLike = 0.5,
        right: ArrayLike = 1.0,
        size: Size = None,
        key: SeedOrKey = None,
        dtype: DTypeLike = None,
    ) -> ArrayOrQuantity:
        """`eqstate.random.triangular` drawing from this stream."""
        return _s.triangular(self._take(key), left, mode, right, size, dtype)

    def wald(
        self,
        mean: ArrayLike,
        scale: ArrayLike,
        size: Size = None,
        key: SeedOrKey = None,
        dtype: DTypeLike = None,
    ) -> ArrayOrQuantity:
        """`eqstate.random.wald` drawing from this stream."""
        return _s.wald(self._take(key), mean, scale, size, dtype)

    def vonmises(
        self,
        mu: ArrayLike,
        kappa: ArrayLike,
        size: Size = None,
        key: SeedOrKey = None,
        dtype: DTypeLike = None,
    ) -> ArrayOrQuantity:
        """`eqstate.random.vonmises` drawing from this stream."""
        return _d.vonmises(self._take(key), mu, kappa, size, dtype)

    def noncentral_chisquare(
        self,
        df: ArrayLike,
        nonc: ArrayLike,
        size: Size = None,
        key: SeedOrKey = None,
        dtype: DTypeLike = None,
    ) -> jax.Array:
        """`eqstate.random.noncentral_chisquare` drawing from this stream."""
        return _d.noncentral_chisquare(self._take(key), df, nonc, size, dtype)

    def noncentral_f(
        self,
        dfnum: ArrayLike,
        dfden: ArrayLike,
        nonc: ArrayLike,
        size: Size = None,
        key: SeedOrKey = None,
        dtype: DTypeLike = None,
    ) -> jax.Array:
        """`eqstate.random.noncentral_f` drawing from this stream."""
        return _d.noncentral_f(self._take(key), dfnum, dfden, nonc, size, dtype)

    def dirichlet(
        self,
        alpha: ArrayLike,
        size: Size = None,
        key: SeedOrKey = None,
        dtype: DTypeLike = None,
    ) -> jax.Array:
        """`eqstate.random.dirichlet` drawing from this stream."""
        return _s.dirichlet(self._take(key), alpha, size, dtype)

    def multivariate_normal(
        self,
        mean: ArrayLike,
        cov: ArrayLike,
        size: Size = None,
        method: str = "cholesky",
        key: SeedOrKey = None,
        dtype: DTypeLike = None,
    ) -> ArrayOrQuantity:
        """`eqstate.random.multivariate_normal` drawing from this stream."""
        return _s.multivariate_normal(self._take(key), mean, cov, size, method, dtype)

    def orthogonal(
        self, n: int, size: Size = None, key: SeedOrKey = None, dtype: DTypeLike = None
    ) -> jax.Array:
        """`eqstate.random.orthogonal` drawing from this stream."""
        return _s.orthogonal(self._take(key), n, size, dtype)
