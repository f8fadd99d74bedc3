"""The samplers as pure functions of a key, each a thin layer over `jax.random`.

Every function takes the PRNG key first, then the distribution's parameters,
the numpy-style `size` and a `dtype`; `_keys.shape_of` / `float_dtype` /
`int_dtype` turn those into `jax.random`'s `shape` and `dtype`. `RandomState`'s
methods call these with a key split from the stream. The few distributions
`jax.random` lacks are derived in `_derived.py`.

`@units(...)` names the parameters that may carry a brainunit unit, which the
draw then carries (`normal(-55 * u.mV, 2 * u.mV)` is in mV); every other
parameter must be dimensionless. The functions below only see plain arrays.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from ._keys import (
    RandomParameterError,
    Size,
    array,
    check,
    float_dtype,
    int_dtype,
    shape_of,
    units,
)

jr = jax.random
Array = jax.Array


def _loc_scale(x: Array, loc: Any, scale: Any) -> Array:
    if scale is not None:
        x = x * jnp.asarray(scale, x.dtype)
    if loc is not None:
        x = x + jnp.asarray(loc, x.dtype)
    return x


# -- uniform, normal and integers ------------------------------------------


@units("low", "high")
def uniform(key: Array, low: Any, high: Any, size: Size, dtype: Any) -> Array:
    low, high = array(low), array(high)
    dtype = float_dtype(dtype)
    shape = shape_of(size, low, high)
    return jr.uniform(key, shape, dtype, jnp.asarray(low), jnp.asarray(high))


@units("loc", "scale")
def normal(key: Array, loc: Any, scale: Any, size: Size, dtype: Any) -> Array:
    loc, scale = array(loc), array(scale)
    z = jr.normal(key, shape_of(size, loc, scale), float_dtype(dtype))
    return _loc_scale(z, loc, scale)


@units("lower", "upper", "loc", "scale")
def truncated_normal(
    key: Array,
    lower: Any,
    upper: Any,
    size: Size,
    loc: Any,
    scale: Any,
    dtype: Any,
    check_valid: bool,
) -> Array:
    lower, upper, loc, scale = map(array, (lower, upper, loc, scale))
    dtype = float_dtype(dtype)
    if check_valid:
        check(
            lambda lo, hi: lo < hi,
            "truncated_normal needs lower < upper",
            lower,
            upper,
        )
    shape = shape_of(size, lower, upper, loc, scale)
    loc, scale = jnp.asarray(loc, dtype), jnp.asarray(scale, dtype)
    a = (jnp.asarray(lower, dtype) - loc) / scale
    b = (jnp.asarray(upper, dtype) - loc) / scale
    return loc + scale * jr.truncated_normal(key, a, b, shape, dtype)


@units()
def randint(key: Array, low: Any, high: Any, size: Size, dtype: Any) -> Array:
    if high is None:
        low, high = 0, low
    low, high = array(low), array(high)
    shape = shape_of(size, low, high)
    return jr.randint(key, shape, jnp.asarray(low), jnp.asarray(high), int_dtype(dtype))


@units()
def random_integers(key: Array, low: Any, high: Any, size: Size, dtype: Any) -> Array:
    if high is None:
        low, high = 1, low
    return randint(key, low, jnp.asarray(array(high)) + 1, size, dtype)


@units()
def bernoulli(key: Array, p: Any, size: Size, check_valid: bool) -> Array:
    p = array(p)
    if check_valid:
        check(lambda p: (p >= 0) & (p <= 1), "bernoulli's p must lie in [0, 1]", p)
    return jr.bernoulli(key, jnp.asarray(p), shape_of(size, p))


@units("a")
def choice(key: Array, a: Any, size: Size, replace: bool, p: Any) -> Array | np.ndarray:
    p = None if p is None else jnp.asarray(array(p))
    if isinstance(a, (list, tuple, np.ndarray)):
        items = np.asarray(a)
        if items.dtype.kind not in "biufc":  # strings, objects: not a JAX type
            at = jr.choice(key, len(items), shape_of(size), replace, p)
            return items[np.asarray(at)]  # a NumPy array, as brainstate gives
    a = a if isinstance(a, (int, np.integer)) else jnp.asarray(array(a))
    return jr.choice(key, a, shape_of(size), replace, p)


@units("x")
def permutation(key: Array, x: Any, axis: int, independent: bool) -> Array:
    x = x if isinstance(x, (int, np.integer)) else jnp.asarray(array(x))
    return jr.permutation(key, x, axis, independent)


@units()
def categorical(key: Array, logits: Any, axis: int, size: Size) -> Array:
    logits = jnp.asarray(array(logits))
    if size is None:
        batch = list(logits.shape)
        batch.pop(axis)
        shape = tuple(batch)
    else:
        shape = shape_of(size)
    return jr.categorical(key, logits, axis, shape)


# -- continuous distributions -----------------------------------------------


@units()
def beta(key: Array, a: Any, b: Any, size: Size, dtype: Any) -> Array:
    a, b = array(a), array(b)
    return jr.beta(key, a, b, shape_of(size, a, b), float_dtype(dtype))


@units("scale")
def exponential(key: Array, scale: Any, size: Size, dtype: Any) -> Array:
    scale = array(scale)
    x = jr.exponential(key, shape_of(size, scale), float_dtype(dtype))
    return _loc_scale(x, None, scale)


@units("scale")
def gamma(key: Array, shape: Any, scale: Any, size: Size, dtype: Any) -> Array:
    shape, scale = array(shape), array(scale)
    x = jr.gamma(key, shape, shape_of(size, shape, scale), float_dtype(dtype))
    return _loc_scale(x, None, scale)


@units("loc", "scale")
def gumbel(key: Array, loc: Any, scale: Any, size: Size, dtype: Any) -> Array:
    loc, scale = array(loc), array(scale)
    x = jr.gumbel(key, shape_of(size, loc, scale), float_dtype(dtype))
    return _loc_scale(x, loc, scale)


@units("loc", "scale")
def laplace(key: Array, loc: Any, scale: Any, size: Size, dtype: Any) -> Array:
    loc, scale = array(loc), array(scale)
    x = jr.laplace(key, shape_of(size, loc, scale), float_dtype(dtype))
    return _loc_scale(x, loc, scale)


@units("loc", "scale")
def logistic(key: Array, loc: Any, scale: Any, size: Size, dtype: Any) -> Array:
    loc, scale = array(loc), array(scale)
    x = jr.logistic(key, shape_of(size, loc, scale), float_dtype(dtype))
    return _loc_scale(x, loc, scale)


@units()
def lognormal(key: Array, mean: Any, sigma: Any, size: Size, dtype: Any) -> Array:
    mean, sigma = array(mean), array(sigma)
    dtype = float_dtype(dtype)
    sigma_ = jnp.asarray(1.0 if sigma is None else sigma, dtype)
    x = jr.lognormal(key, sigma_, shape_of(size, mean, sigma), dtype)
    return x if mean is None else x * jnp.exp(jnp.asarray(mean, dtype))


@units()
def pareto(key: Array, a: Any, size: Size, dtype: Any) -> Array:
    a = array(a)
    return jr.pareto(key, a, shape_of(size, a), float_dtype(dtype))


@units()
def power(key: Array, a: Any, size: Size, dtype: Any, check_valid: bool) -> Array:
    a = array(a)
    if check_valid:
        check(lambda a: a > 0, "power's a must be > 0", a)
    # Power(a) is Beta(a, 1), whose CDF x^a inverts in closed form: U^(1/a)
    # (cheaper to compile than jax.random.beta's two gamma samplers).
    dtype = float_dtype(dtype)
    u = jr.uniform(key, shape_of(size, a), dtype)
    return u ** (1 / jnp.asarray(a, dtype))


def standard_cauchy(key: Array, size: Size, dtype: Any) -> Array:
    return jr.cauchy(key, shape_of(size), float_dtype(dtype))


def standard_exponential(key: Array, size: Size, dtype: Any) -> Array:
    return jr.exponential(key, shape_of(size), float_dtype(dtype))


@units()
def standard_gamma(key: Array, shape: Any, size: Size, dtype: Any) -> Array:
    shape = array(shape)
    return jr.gamma(key, shape, shape_of(size, shape), float_dtype(dtype))


@units()
def t(key: Array, df: Any, size: Size, dtype: Any) -> Array:
    df = array(df)
    return jr.t(key, df, shape_of(size, df), float_dtype(dtype))


@units()
def chisquare(key: Array, df: Any, size: Size, dtype: Any, check_valid: bool) -> Array:
    df = array(df)
    if check_valid:
        check(lambda df: df > 0, "chisquare's df must be > 0", df)
    return jr.chisquare(key, df, shape_of(size, df), float_dtype(dtype))


@units()
def f(key: Array, dfnum: Any, dfden: Any, size: Size, dtype: Any) -> Array:
    dfnum, dfden = array(dfnum), array(dfden)
    return jr.f(key, dfnum, dfden, shape_of(size, dfnum, dfden), float_dtype(dtype))


@units()
def loggamma(key: Array, a: Any, size: Size, dtype: Any) -> Array:
    a = array(a)
    return jr.loggamma(key, a, shape_of(size, a), float_dtype(dtype))


@units("scale")
def rayleigh(key: Array, scale: Any, size: Size, dtype: Any) -> Array:
    scale = array(scale)
    dtype = float_dtype(dtype)
    return jr.rayleigh(key, jnp.asarray(scale, dtype), shape_of(size, scale), dtype)


def maxwell(key: Array, size: Size, dtype: Any) -> Array:
    return jr.maxwell(key, shape_of(size), float_dtype(dtype))


@units("left", "mode", "right")
def triangular(
    key: Array, left: Any, mode: Any, right: Any, size: Size, dtype: Any
) -> Array:
    left, mode, right = array(left), array(mode), array(right)
    check(
        lambda lo, m, hi: (lo <= m) & (m <= hi) & (lo < hi),
        "triangular needs left <= mode <= right and left < right",
        left,
        mode,
        right,
    )
    shape = shape_of(size, left, mode, right)
    return jr.triangular(key, left, mode, right, shape, float_dtype(dtype))


@units()
def weibull(key: Array, a: Any, size: Size, dtype: Any) -> Array:
    return weibull_min(key, a, None, size, dtype)


@units("scale")
def weibull_min(key: Array, a: Any, scale: Any, size: Size, dtype: Any) -> Array:
    a, scale = array(a), array(scale)
    dtype = float_dtype(dtype)
    scale_ = jnp.asarray(1.0 if scale is None else scale, dtype)
    return jr.weibull_min(key, scale_, a, shape_of(size, a, scale), dtype)


@units("mean", "scale")
def wald(key: Array, mean: Any, scale: Any, size: Size, dtype: Any) -> Array:
    mean, scale = array(mean), array(scale)
    dtype = float_dtype(dtype)
    shape = shape_of(size, mean, scale)
    # IG(mean, scale) = scale * IG(mean / scale, 1); jax samples IG(m, 1).
    mean, scale = jnp.asarray(mean, dtype), jnp.asarray(scale, dtype)
    return scale * jr.wald(key, jnp.broadcast_to(mean / scale, shape), shape, dtype)


@units()
def dirichlet(key: Array, alpha: Any, size: Size, dtype: Any) -> Array:
    alpha = jnp.asarray(array(alpha))
    shape = alpha.shape[:-1] if size is None else shape_of(size)
    return jr.dirichlet(key, alpha, shape, float_dtype(dtype))


@units("mean", squared="cov")
def multivariate_normal(
    key: Array, mean: Any, cov: Any, size: Size, method: str, dtype: Any
) -> Array:
    if method not in ("cholesky", "eigh", "svd"):
        raise RandomParameterError(
            f"multivariate_normal got method={method!r}; use 'cholesky', "
            "'eigh' or 'svd'."
        )
    dtype = float_dtype(dtype)
    mean, cov = jnp.asarray(array(mean), dtype), jnp.asarray(array(cov), dtype)
    if mean.ndim < 1 or cov.ndim < 2 or cov.shape[-2:] != mean.shape[-1:] * 2:
        raise RandomParameterError(
            "multivariate_normal needs mean of shape (..., n) and cov of shape "
            f"(..., n, n); got mean {mean.shape} and cov {cov.shape}."
        )
    batch = jnp.broadcast_shapes(mean.shape[:-1], cov.shape[:-2])
    shape = tuple(int(d) for d in batch) if size is None else shape_of(size)
    return jr.multivariate_normal(key, mean, cov, shape, dtype, method)


def orthogonal(key: Array, n: int, size: Size, dtype: Any) -> Array:
    return jr.orthogonal(key, int(n), shape_of(size), float_dtype(dtype))


# -- discrete distributions -------------------------------------------------


@units()
def poisson(key: Array, lam: Any, size: Size, dtype: Any) -> Array:
    lam = array(lam)
    return jr.poisson(key, lam, shape_of(size, lam), int_dtype(dtype))


@units()
def binomial(
    key: Array, n: Any, p: Any, size: Size, dtype: Any, check_valid: bool
) -> Array:
    n, p = array(n), array(p)
    if check_valid:
        check(lambda p: (p >= 0) & (p <= 1), "binomial's p must lie in [0, 1]", p)
    x = jr.binomial(
        key, jnp.asarray(n, float), jnp.asarray(p, float), shape_of(size, n, p)
    )
    return x.astype(int_dtype(dtype))


@units()
def geometric(key: Array, p: Any, size: Size, dtype: Any) -> Array:
    p = array(p)
    check(lambda p: (p > 0) & (p <= 1), "geometric's p must lie in (0, 1]", p)
    return jr.geometric(key, jnp.asarray(p), shape_of(size, p), int_dtype(dtype))


@units()
def negative_binomial(key: Array, n: Any, p: Any, size: Size, dtype: Any) -> Array:
    n, p = array(n), array(p)
    check(lambda p: (p > 0) & (p <= 1), "negative_binomial's p must lie in (0, 1]", p)
    shape = shape_of(size, n, p)
    # Failures before the n-th success: a Poisson whose rate is
    # Gamma(n, scale=(1 - p) / p) (the gamma-Poisson mixture).
    k_rate, k_count = jr.split(key)
    p = jnp.asarray(p, jnp.float32)
    rate = jr.gamma(k_rate, jnp.asarray(n, jnp.float32), shape) * (1 - p) / p
    return jr.poisson(k_count, rate, shape, int_dtype(dtype))


@units()
def multinomial(
    key: Array, n: Any, pvals: Any, size: Size, dtype: Any, check_valid: bool
) -> Array:
    n, pvals = jnp.asarray(array(n)), jnp.asarray(array(pvals), jnp.float32)
    if check_valid:
        check(
            lambda p: jnp.sum(p[..., :-1], axis=-1) <= 1 + 1e-6,
            "multinomial needs sum(pvals[..., :-1]) <= 1",
            pvals,
        )
    batch = jnp.broadcast_shapes(pvals.shape[:-1], n.shape)
    extra = shape_of(size) if size is not None else ()
    # brainstate's layout: the parameters' batch, then `size`, then outcomes.
    expand = (slice(None),) * len(batch) + (None,) * len(extra)
    full = batch + extra
    p = jnp.broadcast_to(
        jnp.broadcast_to(pvals, batch + pvals.shape[-1:])[expand],
        full + pvals.shape[-1:],
    )
    counts = jnp.broadcast_to(jnp.broadcast_to(n, batch)[expand], full)
    x = jr.multinomial(key, counts.astype(jnp.float32), p)
    return x.astype(int_dtype(dtype))
