"""Module-level samplers (discrete distributions): each draws from the default stream."""

from __future__ import annotations

import jax

from ._keys import ArrayLike, DTypeLike, SeedOrKey, Size
from ._state import DEFAULT

__all__ = [
    "binomial",
    "geometric",
    "hypergeometric",
    "logseries",
    "multinomial",
    "negative_binomial",
    "poisson",
    "zipf",
]


def poisson(
    lam: ArrayLike = 1.0,
    size: Size = None,
    key: SeedOrKey = None,
    dtype: DTypeLike = None,
) -> jax.Array:
    """Poisson counts with rate `lam`.

    ```python
    import jax.numpy as jnp
    import eqstate

    x = eqstate.random.poisson(3.0, size=(4,))
    assert x.dtype == jnp.int32 and (x >= 0).all()
    ```

    Args:
        lam: the rate (mean).
        size: the result shape (an int or a tuple); None: the parameters' broadcast shape.
        key: draw from this key (an int seed or a PRNG key) instead of the stream, which then does not advance.
        dtype: the result dtype; None: eqstate's default float (or int, for counts).
    """
    return DEFAULT.poisson(lam=lam, size=size, key=key, dtype=dtype)


def binomial(
    n: ArrayLike,
    p: ArrayLike,
    size: Size = None,
    key: SeedOrKey = None,
    dtype: DTypeLike = None,
    check_valid: bool = True,
) -> jax.Array:
    """Binomial counts: successes in `n` trials of probability `p`.

    ```python
    import eqstate

    x = eqstate.random.binomial(10, 0.3, size=(4,))
    assert ((0 <= x) & (x <= 10)).all()
    ```

    Args:
        n: the number of trials.
        p: the success probability.
        size: the result shape (an int or a tuple); None: the parameters' broadcast shape.
        key: draw from this key (an int seed or a PRNG key) instead of the stream, which then does not advance.
        dtype: the result dtype; None: eqstate's default float (or int, for counts).
        check_valid: check the parameters' domain when their values are known (not traced).
    """
    return DEFAULT.binomial(
        n=n, p=p, size=size, key=key, dtype=dtype, check_valid=check_valid
    )


def geometric(
    p: ArrayLike, size: Size = None, key: SeedOrKey = None, dtype: DTypeLike = None
) -> jax.Array:
    """Geometric samples: trials up to and including the first success.

    ```python
    import eqstate

    assert (eqstate.random.geometric(0.3, size=(3,)) >= 1).all()
    ```

    Args:
        p: the success probability.
        size: the result shape (an int or a tuple); None: the parameters' broadcast shape.
        key: draw from this key (an int seed or a PRNG key) instead of the stream, which then does not advance.
        dtype: the result dtype; None: eqstate's default float (or int, for counts).
    """
    return DEFAULT.geometric(p=p, size=size, key=key, dtype=dtype)


def negative_binomial(
    n: ArrayLike,
    p: ArrayLike,
    size: Size = None,
    key: SeedOrKey = None,
    dtype: DTypeLike = None,
) -> jax.Array:
    """Negative binomial samples: failures before the `n`-th success.

    Drawn as the gamma-Poisson mixture: a Poisson count whose rate is
    Gamma(n, (1 - p) / p).

    ```python
    import eqstate

    assert (eqstate.random.negative_binomial(5.0, 0.4, size=(3,)) >= 0).all()
    ```

    Args:
        n: the number of successes.
        p: the success probability.
        size: the result shape (an int or a tuple); None: the parameters' broadcast shape.
        key: draw from this key (an int seed or a PRNG key) instead of the stream, which then does not advance.
        dtype: the result dtype; None: eqstate's default float (or int, for counts).
    """
    return DEFAULT.negative_binomial(n=n, p=p, size=size, key=key, dtype=dtype)


def multinomial(
    n: ArrayLike,
    pvals: ArrayLike,
    size: Size = None,
    key: SeedOrKey = None,
    dtype: DTypeLike = None,
    check_valid: bool = True,
) -> jax.Array:
    """Multinomial counts over the outcomes along `pvals`'s last axis.

    ```python
    import jax.numpy as jnp
    import eqstate

    x = eqstate.random.multinomial(10, jnp.array([0.2, 0.3, 0.5]), size=(2,))
    assert x.shape == (2, 3) and (x.sum(-1) == 10).all()
    ```

    Args:
        n: the number of trials.
        pvals: the outcome probabilities, along the last axis.
        size: the result shape (an int or a tuple); None: the parameters' broadcast shape.
        key: draw from this key (an int seed or a PRNG key) instead of the stream, which then does not advance.
        dtype: the result dtype; None: eqstate's default float (or int, for counts).
        check_valid: check the parameters' domain when their values are known (not traced).
    """
    return DEFAULT.multinomial(
        n=n, pvals=pvals, size=size, key=key, dtype=dtype, check_valid=check_valid
    )


def hypergeometric(
    ngood: ArrayLike,
    nbad: ArrayLike,
    nsample: ArrayLike,
    size: Size = None,
    key: SeedOrKey = None,
    dtype: DTypeLike = None,
) -> jax.Array:
    """Hypergeometric counts: good items among `nsample` drawn without replacement.

    `jax.random` has none: eqstate draws from the urn itself, one uniform per
    draw, for as many draws as the largest `nsample`.

    ```python
    import eqstate

    x = eqstate.random.hypergeometric(5, 7, 4, size=(3,))
    assert ((0 <= x) & (x <= 4)).all()
    ```

    Args:
        ngood: the number of good items.
        nbad: the number of bad items.
        nsample: the number of items drawn.
        size: the result shape (an int or a tuple); None: the parameters' broadcast shape.
        key: draw from this key (an int seed or a PRNG key) instead of the stream, which then does not advance.
        dtype: the result dtype; None: eqstate's default float (or int, for counts).
    """
    return DEFAULT.hypergeometric(
        ngood=ngood, nbad=nbad, nsample=nsample, size=size, key=key, dtype=dtype
    )


def logseries(
    p: ArrayLike, size: Size = None, key: SeedOrKey = None, dtype: DTypeLike = None
) -> jax.Array:
    r"""Logarithmic-series samples ($k \ge 1$).

    `jax.random` has none: this is Kemp's (1981) two-uniform "LK" sampler.

    ```python
    import eqstate

    assert (eqstate.random.logseries(0.5, size=(3,)) >= 1).all()
    ```

    Args:
        p: the distribution parameter, in (0, 1).
        size: the result shape (an int or a tuple); None: the parameters' broadcast shape.
        key: draw from this key (an int seed or a PRNG key) instead of the stream, which then does not advance.
        dtype: the result dtype; None: eqstate's default float (or int, for counts).
    """
    return DEFAULT.logseries(p=p, size=size, key=key, dtype=dtype)


def zipf(
    a: ArrayLike, size: Size = None, key: SeedOrKey = None, dtype: DTypeLike = None
) -> jax.Array:
    r"""Zipf (zeta) samples ($k \ge 1$) with exponent `a` > 1.

    `jax.random` has none: this is Devroye's (1986) rejection sampler.

    ```python
    import eqstate

    assert (eqstate.random.zipf(2.0, size=(3,)) >= 1).all()
    ```

    Args:
        a: the exponent (> 1).
        size: the result shape (an int or a tuple); None: the parameters' broadcast shape.
        key: draw from this key (an int seed or a PRNG key) instead of the stream, which then does not advance.
        dtype: the result dtype; None: eqstate's default float (or int, for counts).
    """
    return DEFAULT.zipf(a=a, size=size, key=key, dtype=dtype)
