"""Samplers `jax.random` does not provide, derived from ones it does.

- `vonmises`: Best & Fisher's (1979) wrapped-Cauchy rejection sampler, run on
  the whole array in a `lax.while_loop` until every element is accepted.
- `zipf`: Devroye's (1986, X.6) rejection sampler for the zeta distribution,
  vectorised the same way.
- `logseries`: Kemp's (1981) "LK" sampler, two uniforms per draw, no loop.
- `hypergeometric`: the urn itself: `nsample` draws without replacement, one
  uniform per draw, in a `lax.while_loop` over the largest `nsample`.
- `noncentral_chisquare`: the Poisson mixture
  $\\chi'^2(k, \\lambda) = \\chi^2(k + 2J)$, $J \\sim \\mathrm{Poisson}(\\lambda / 2)$.
- `noncentral_f`: a noncentral chi-square over a central one, each over its
  degrees of freedom.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp

from ._keys import Size, array, check, float_dtype, int_dtype, shape_of, units

jr = jax.random
Array = jax.Array


def _rejection(
    key: Array,
    shape: tuple[int, ...],
    dtype: Any,
    propose: Callable[[Array], tuple[Array, Array]],
) -> Array:
    """Draw `propose(key) -> (candidate, accepted)` until every element accepts."""

    def cond(carry: tuple[Array, Array, Array]) -> Array:
        _, done, _ = carry
        return ~jnp.all(done)

    def body(carry: tuple[Array, Array, Array]) -> tuple[Array, Array, Array]:
        key, done, out = carry
        key, sub = jr.split(key)
        candidate, accepted = propose(sub)
        take = accepted & ~done
        return key, done | take, jnp.where(take, candidate.astype(dtype), out)

    init = (key, jnp.zeros(shape, bool), jnp.zeros(shape, dtype))
    return jax.lax.while_loop(cond, body, init)[2]


@units("mu")
def vonmises(key: Array, mu: Any, kappa: Any, size: Size, dtype: Any) -> Array:
    mu, kappa = array(mu), array(kappa)
    dtype = float_dtype(dtype)
    shape = shape_of(size, mu, kappa)
    kappa_ = jnp.broadcast_to(jnp.asarray(kappa, dtype), shape)
    tiny = kappa_ < 1e-8
    k = jnp.where(tiny, 1.0, kappa_)
    tau = 1 + jnp.sqrt(1 + 4 * k * k)
    rho = (tau - jnp.sqrt(2 * tau)) / (2 * k)
    r = jnp.where(k < 1e-5, 1 / k + k, (1 + rho * rho) / (2 * rho))

    def propose(key: Array) -> tuple[Array, Array]:
        k1, k2, k3 = jr.split(key, 3)
        z = jnp.cos(jnp.pi * jr.uniform(k1, shape, dtype))
        w = (1 + r * z) / (r + z)
        y = k * (r - w)
        u = jr.uniform(k2, shape, dtype, minval=jnp.finfo(dtype).tiny)
        ok = (y * (2 - y) - u > 0) | (jnp.log(y / u) + 1 - y >= 0)
        sign = jnp.where(jr.uniform(k3, shape, dtype) < 0.5, -1.0, 1.0)
        theta = sign * jnp.arccos(jnp.clip(w, -1.0, 1.0))
        return jnp.where(tiny, jnp.pi * (2 * z - 1), theta), ok | tiny

    theta = _rejection(key, shape, dtype, propose) + jnp.asarray(mu, dtype)
    return jnp.mod(theta + jnp.pi, 2 * jnp.pi) - jnp.pi


@units()
def zipf(key: Array, a: Any, size: Size, dtype: Any) -> Array:
    a = array(a)
    check(lambda a: a > 1, "zipf's a must be > 1", a)
    shape = shape_of(size, a)
    am1 = jnp.broadcast_to(jnp.asarray(a, jnp.float32), shape) - 1
    b = jnp.exp2(am1)
    cap = 2.0**30

    def propose(key: Array) -> tuple[Array, Array]:
        k1, k2 = jr.split(key)
        u = 1 - jr.uniform(k1, shape)  # in (0, 1]
        v = jr.uniform(k2, shape)
        x = jnp.floor(u ** (-1 / am1))
        t = (1 + 1 / x) ** am1
        ok = (x >= 1) & (x <= cap) & (v * x * (t - 1) / (b - 1) <= t / b)
        return jnp.clip(x, 1, cap), ok

    return _rejection(key, shape, int_dtype(dtype), propose)


@units()
def logseries(key: Array, p: Any, size: Size, dtype: Any) -> Array:
    p = array(p)
    check(lambda p: (p > 0) & (p < 1), "logseries's p must lie in (0, 1)", p)
    shape = shape_of(size, p)
    p = jnp.asarray(p, jnp.float32)
    k1, k2 = jr.split(key)
    v = jr.uniform(k1, shape, minval=jnp.finfo(jnp.float32).tiny)
    u = jr.uniform(k2, shape)
    q = -jnp.expm1(jnp.log1p(-p) * u)  # 1 - (1 - p)^u
    many = jnp.floor(1 + jnp.log(v) / jnp.log(q))
    x = jnp.where(v <= q * q, jnp.maximum(many, 1), jnp.where(v >= q, 1, 2))
    return jnp.where(v >= p, 1, x).astype(int_dtype(dtype))


@units()
def hypergeometric(
    key: Array, ngood: Any, nbad: Any, nsample: Any, size: Size, dtype: Any
) -> Array:
    ngood, nbad, nsample = array(ngood), array(nbad), array(nsample)
    check(
        lambda g, b, n: (g >= 0) & (b >= 0) & (n >= 0) & (n <= g + b),
        "hypergeometric needs ngood, nbad >= 0 and 0 <= nsample <= ngood + nbad",
        ngood,
        nbad,
        nsample,
    )
    shape = shape_of(size, ngood, nbad, nsample)
    good = jnp.broadcast_to(jnp.asarray(ngood, jnp.float32), shape)
    bad = jnp.broadcast_to(jnp.asarray(nbad, jnp.float32), shape)
    n = jnp.broadcast_to(jnp.asarray(nsample, jnp.float32), shape)

    def body(
        carry: tuple[Array, Array, Array, Array],
    ) -> tuple[Array, Array, Array, Array]:
        i, good, bad, drawn = carry
        u = jr.uniform(jr.fold_in(key, i), shape)
        active = i < n
        hit = active & (u * (good + bad) < good)
        miss = active & ~hit
        return i + 1, good - hit, bad - miss, drawn + hit

    def cond(carry: tuple[Array, Array, Array, Array]) -> Array:
        return carry[0] < jnp.max(n, initial=0.0)

    init = (jnp.asarray(0.0), good, bad, jnp.zeros(shape, jnp.float32))
    drawn = jax.lax.while_loop(cond, body, init)[3]
    return drawn.astype(int_dtype(dtype))


@units()
def noncentral_chisquare(
    key: Array, df: Any, nonc: Any, size: Size, dtype: Any
) -> Array:
    df, nonc = array(df), array(nonc)
    check(lambda df: df > 0, "noncentral_chisquare's df must be > 0", df)
    check(lambda nc: nc >= 0, "noncentral_chisquare's nonc must be >= 0", nonc)
    return _noncentral_chisquare(key, df, nonc, shape_of(size, df, nonc), dtype)


def _noncentral_chisquare(
    key: Array, df: Any, nonc: Any, shape: tuple[int, ...], dtype: Any
) -> Array:
    dtype = float_dtype(dtype)
    k_mix, k_chi = jr.split(key)
    j = jr.poisson(k_mix, jnp.asarray(nonc, jnp.float32) / 2, shape)
    dof = jnp.asarray(df, jnp.float32) + 2 * j
    return jr.chisquare(k_chi, dof, shape, dtype)


@units()
def noncentral_f(
    key: Array, dfnum: Any, dfden: Any, nonc: Any, size: Size, dtype: Any
) -> Array:
    dfnum, dfden, nonc = array(dfnum), array(dfden), array(nonc)
    check(lambda d: d > 0, "noncentral_f's dfnum must be > 0", dfnum)
    check(lambda d: d > 0, "noncentral_f's dfden must be > 0", dfden)
    check(lambda nc: nc >= 0, "noncentral_f's nonc must be >= 0", nonc)
    dtype = float_dtype(dtype)
    shape = shape_of(size, dfnum, dfden, nonc)
    k_num, k_den = jr.split(key)
    num = _noncentral_chisquare(k_num, dfnum, nonc, shape, dtype)
    den = jr.chisquare(k_den, jnp.asarray(dfden, dtype), shape, dtype)
    return (num / jnp.asarray(dfnum, dtype)) / (den / jnp.asarray(dfden, dtype))
