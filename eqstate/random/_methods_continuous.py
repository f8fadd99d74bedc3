"""`RandomState`'s samplers (continuous distributions): each splits a key off the stream."""

from __future__ import annotations

import jax
import jax.numpy as jnp

from .._units import ArrayOrQuantity
from . import _samplers as _s
from ._keys import ArrayLike, DTypeLike, SeedOrKey, Size, format_key


class _Continuous:
    """Samplers mixed into `RandomState`."""

    __slots__ = ()

    def split_key(self, n: int | None = None, backup: bool = False) -> jax.Array:
        raise NotImplementedError

    def _take(self, key: SeedOrKey) -> jax.Array:
        return self.split_key() if key is None else jnp.asarray(format_key(key))

    def beta(
        self,
        a: ArrayLike,
        b: ArrayLike,
        size: Size = None,
        key: SeedOrKey = None,
        dtype: DTypeLike = None,
    ) -> jax.Array:
        """`eqstate.random.beta` drawing from this stream."""
        return _s.beta(self._take(key), a, b, size, dtype)

    def exponential(
        self,
        scale: ArrayLike = None,
        size: Size = None,
        key: SeedOrKey = None,
        dtype: DTypeLike = None,
    ) -> ArrayOrQuantity:
        """`eqstate.random.exponential` drawing from this stream."""
        return _s.exponential(self._take(key), scale, size, dtype)

    def gamma(
        self,
        shape: ArrayLike,
        scale: ArrayLike = None,
        size: Size = None,
        key: SeedOrKey = None,
        dtype: DTypeLike = None,
    ) -> ArrayOrQuantity:
        """`eqstate.random.gamma` drawing from this stream."""
        return _s.gamma(self._take(key), shape, scale, size, dtype)

    def gumbel(
        self,
        loc: ArrayLike = None,
        scale: ArrayLike = None,
        size: Size = None,
        key: SeedOrKey = None,
        dtype: DTypeLike = None,
    ) -> ArrayOrQuantity:
        """`eqstate.random.gumbel` drawing from this stream."""
        return _s.gumbel(self._take(key), loc, scale, size, dtype)

    def laplace(
        self,
        loc: ArrayLike = None,
        scale: ArrayLike = None,
        size: Size = None,
        key: SeedOrKey = None,
        dtype: DTypeLike = None,
    ) -> ArrayOrQuantity:
        """`eqstate.random.laplace` drawing from this stream."""
        return _s.laplace(self._take(key), loc, scale, size, dtype)

    def logistic(
        self,
        loc: ArrayLike = None,
        scale: ArrayLike = None,
        size: Size = None,
        key: SeedOrKey = None,
        dtype: DTypeLike = None,
    ) -> ArrayOrQuantity:
        """`eqstate.random.logistic` drawing from this stream."""
        return _s.logistic(self._take(key), loc, scale, size, dtype)

    def lognormal(
        self,
        mean: ArrayLike = None,
        sigma: ArrayLike = None,
        size: Size = None,
        key: SeedOrKey = None,
        dtype: DTypeLike = None,
    ) -> jax.Array:
        """`eqstate.random.lognormal` drawing from this stream."""
        return _s.lognormal(self._take(key), mean, sigma, size, dtype)

    def pareto(
        self,
        a: ArrayLike,
        size: Size = None,
        key: SeedOrKey = None,
        dtype: DTypeLike = None,
    ) -> jax.Array:
        """`eqstate.random.pareto` drawing from this stream."""
        return _s.pareto(self._take(key), a, size, dtype)

    def power(
        self,
        a: ArrayLike,
        size: Size = None,
        key: SeedOrKey = None,
        dtype: DTypeLike = None,
        check_valid: bool = True,
    ) -> jax.Array:
        """`eqstate.random.power` drawing from this stream."""
        return _s.power(self._take(key), a, size, dtype, check_valid)

    def standard_cauchy(
        self, size: Size = None, key: SeedOrKey = None, dtype: DTypeLike = None
    ) -> jax.Array:
        """`eqstate.random.standard_cauchy` drawing from this stream."""
        return _s.standard_cauchy(self._take(key), size, dtype)

    def standard_exponential(
        self, size: Size = None, key: SeedOrKey = None, dtype: DTypeLike = None
    ) -> jax.Array:
        """`eqstate.random.standard_exponential` drawing from this stream."""
        return _s.standard_exponential(self._take(key), size, dtype)

    def standard_gamma(
        self,
        shape: ArrayLike,
        size: Size = None,
        key: SeedOrKey = None,
        dtype: DTypeLike = None,
    ) -> jax.Array:
        """`eqstate.random.standard_gamma` drawing from this stream."""
        return _s.standard_gamma(self._take(key), shape, size, dtype)

    def standard_t(
        self,
        df: ArrayLike,
        size: Size = None,
        key: SeedOrKey = None,
        dtype: DTypeLike = None,
    ) -> jax.Array:
        """`eqstate.random.standard_t` drawing from this stream."""
        return _s.t(self._take(key), df, size, dtype)

    def t(
        self,
        df: ArrayLike,
        size: Size = None,
        key: SeedOrKey = None,
        dtype: DTypeLike = None,
    ) -> jax.Array:
        """`eqstate.random.t` drawing from this stream."""
        return _s.t(self._take(key), df, size, dtype)

    def chisquare(
        self,
        df: ArrayLike,
        size: Size = None,
        key: SeedOrKey = None,
        dtype: DTypeLike = None,
        check_valid: bool = True,
    ) -> jax.Array:
        """`eqstate.random.chisquare` drawing from this stream."""
        return _s.chisquare(self._take(key), df, size, dtype, check_valid)

    def f(
        self,
        dfnum: ArrayLike,
        dfden: ArrayLike,
        size: Size = None,
        key: SeedOrKey = None,
        dtype: DTypeLike = None,
    ) -> jax.Array:
        """`eqstate.random.f` drawing from this stream."""
        return _s.f(self._take(key), dfnum, dfden, size, dtype)

    def rayleigh(
        self,
        scale: ArrayLike = 1.0,
        size: Size = None,
        key: SeedOrKey = None,
        dtype: DTypeLike = None,
    ) -> ArrayOrQuantity:
        """`eqstate.random.rayleigh` drawing from this stream."""
        return _s.rayleigh(self._take(key), scale, size, dtype)

    def weibull(
        self,
        a: ArrayLike,
        size: Size = None,
        key: SeedOrKey = None,
        dtype: DTypeLike = None,
    ) -> jax.Array:
        """`eqstate.random.weibull` drawing from this stream."""
        return _s.weibull(self._take(key), a, size, dtype)

    def weibull_min(
        self,
        a: ArrayLike,
        scale: ArrayLike = None,
        size: Size = None,
        key: SeedOrKey = None,
        dtype: DTypeLike = None,
    ) -> ArrayOrQuantity:
        """`eqstate.random.weibull_min` drawing from this stream."""
        return _s.weibull_min(self._take(key), a, scale, size, dtype)
