"""Module-level samplers (multivariate and derived distributions): each draws from the default stream."""

from __future__ import annotations

import jax

from .._units import ArrayOrQuantity
from ._keys import ArrayLike, DTypeLike, SeedOrKey, Size
from ._state import DEFAULT

__all__ = [
    "dirichlet",
    "loggamma",
    "maxwell",
    "multivariate_normal",
    "noncentral_chisquare",
    "noncentral_f",
    "orthogonal",
    "triangular",
    "vonmises",
    "wald",
]


def loggamma(
    a: ArrayLike, size: Size = None, key: SeedOrKey = None, dtype: DTypeLike = None
) -> jax.Array:
    r"""$\log$ of Gamma(a) samples, accurate for small `a`.

    ```python
    import eqstate

    assert eqstate.random.loggamma(0.5, size=(3,)).shape == (3,)
    ```

    Args:
        a: the shape parameter.
        size: the result shape (an int or a tuple); None: the parameters' broadcast shape.
        key: draw from this key (an int seed or a PRNG key) instead of the stream, which then does not advance.
        dtype: the result dtype; None: eqstate's default float (or int, for counts).
    """
    return DEFAULT.loggamma(a=a, size=size, key=key, dtype=dtype)


def maxwell(
    size: Size = None, key: SeedOrKey = None, dtype: DTypeLike = None
) -> jax.Array:
    """Maxwell-Boltzmann samples (the norm of a 3-d standard normal).

    ```python
    import eqstate

    assert (eqstate.random.maxwell(size=(3,)) >= 0).all()
    ```

    Args:
        size: the result shape (an int or a tuple); None: the parameters' broadcast shape.
        key: draw from this key (an int seed or a PRNG key) instead of the stream, which then does not advance.
        dtype: the result dtype; None: eqstate's default float (or int, for counts).
    """
    return DEFAULT.maxwell(size=size, key=key, dtype=dtype)


def triangular(
    left: ArrayLike = 0.0,
    mode: ArrayLike = 0.5,
    right: ArrayLike = 1.0,
    size: Size = None,
    key: SeedOrKey = None,
    dtype: DTypeLike = None,
) -> ArrayOrQuantity:
    """Triangular samples on $[left, right]$ peaking at `mode`.

    ```python
    import eqstate

    x = eqstate.random.triangular(0.0, 0.2, 1.0, size=(5,))
    assert ((0 <= x) & (x <= 1)).all()
    ```

    Args:
        left: the lower limit.
        mode: the peak.
        right: the upper limit.
        size: the result shape (an int or a tuple); None: the parameters' broadcast shape.
        key: draw from this key (an int seed or a PRNG key) instead of the stream, which then does not advance.
        dtype: the result dtype; None: eqstate's default float (or int, for counts).
    """
    return DEFAULT.triangular(
        left=left, mode=mode, right=right, size=size, key=key, dtype=dtype
    )


def wald(
    mean: ArrayLike,
    scale: ArrayLike,
    size: Size = None,
    key: SeedOrKey = None,
    dtype: DTypeLike = None,
) -> ArrayOrQuantity:
    r"""Wald (inverse Gaussian) samples with mean `mean` and shape $\lambda$ = `scale`.

    ```python
    import eqstate

    assert (eqstate.random.wald(1.0, 2.0, size=(3,)) > 0).all()
    ```

    Args:
        mean: the mean.
        scale: the shape parameter (lambda).
        size: the result shape (an int or a tuple); None: the parameters' broadcast shape.
        key: draw from this key (an int seed or a PRNG key) instead of the stream, which then does not advance.
        dtype: the result dtype; None: eqstate's default float (or int, for counts).
    """
    return DEFAULT.wald(mean=mean, scale=scale, size=size, key=key, dtype=dtype)


def vonmises(
    mu: ArrayLike,
    kappa: ArrayLike,
    size: Size = None,
    key: SeedOrKey = None,
    dtype: DTypeLike = None,
) -> ArrayOrQuantity:
    r"""Von Mises (circular normal) angles in $[-\pi, \pi)$ around `mu` with concentration `kappa`.

    `jax.random` has no von Mises sampler: this is Best & Fisher's (1979)
    rejection sampler.

    ```python
    import jax.numpy as jnp
    import eqstate

    x = eqstate.random.vonmises(0.0, 2.0, size=(4,))
    assert (abs(x) <= jnp.pi).all()
    ```

    Args:
        mu: the mean angle.
        kappa: the concentration.
        size: the result shape (an int or a tuple); None: the parameters' broadcast shape.
        key: draw from this key (an int seed or a PRNG key) instead of the stream, which then does not advance.
        dtype: the result dtype; None: eqstate's default float (or int, for counts).
    """
    return DEFAULT.vonmises(mu=mu, kappa=kappa, size=size, key=key, dtype=dtype)


def noncentral_chisquare(
    df: ArrayLike,
    nonc: ArrayLike,
    size: Size = None,
    key: SeedOrKey = None,
    dtype: DTypeLike = None,
) -> jax.Array:
    r"""Noncentral chi-square samples.

    Drawn as $\chi^2(df + 2J)$ with $J \sim \mathrm{Poisson}(nonc / 2)$.

    ```python
    import eqstate

    assert (eqstate.random.noncentral_chisquare(3.0, 2.0, size=(3,)) >= 0).all()
    ```

    Args:
        df: the degrees of freedom.
        nonc: the noncentrality.
        size: the result shape (an int or a tuple); None: the parameters' broadcast shape.
        key: draw from this key (an int seed or a PRNG key) instead of the stream, which then does not advance.
        dtype: the result dtype; None: eqstate's default float (or int, for counts).
    """
    return DEFAULT.noncentral_chisquare(
        df=df, nonc=nonc, size=size, key=key, dtype=dtype
    )


def noncentral_f(
    dfnum: ArrayLike,
    dfden: ArrayLike,
    nonc: ArrayLike,
    size: Size = None,
    key: SeedOrKey = None,
    dtype: DTypeLike = None,
) -> jax.Array:
    """Noncentral F samples.

    Drawn as a noncentral chi-square over a central one, each divided by its
    degrees of freedom.

    ```python
    import eqstate

    assert (eqstate.random.noncentral_f(3.0, 5.0, 1.0, size=(3,)) >= 0).all()
    ```

    Args:
        dfnum: the numerator's degrees of freedom.
        dfden: the denominator's degrees of freedom.
        nonc: the noncentrality.
        size: the result shape (an int or a tuple); None: the parameters' broadcast shape.
        key: draw from this key (an int seed or a PRNG key) instead of the stream, which then does not advance.
        dtype: the result dtype; None: eqstate's default float (or int, for counts).
    """
    return DEFAULT.noncentral_f(
        dfnum=dfnum, dfden=dfden, nonc=nonc, size=size, key=key, dtype=dtype
    )


def dirichlet(
    alpha: ArrayLike, size: Size = None, key: SeedOrKey = None, dtype: DTypeLike = None
) -> jax.Array:
    """Dirichlet samples: probability vectors along the last axis.

    ```python
    import jax.numpy as jnp
    import eqstate

    x = eqstate.random.dirichlet(jnp.ones(3), size=(2,))
    assert x.shape == (2, 3) and jnp.allclose(x.sum(-1), 1.0)
    ```

    Args:
        alpha: the concentrations, along the last axis.
        size: the result shape (an int or a tuple); None: the parameters' broadcast shape.
        key: draw from this key (an int seed or a PRNG key) instead of the stream, which then does not advance.
        dtype: the result dtype; None: eqstate's default float (or int, for counts).
    """
    return DEFAULT.dirichlet(alpha=alpha, size=size, key=key, dtype=dtype)


def multivariate_normal(
    mean: ArrayLike,
    cov: ArrayLike,
    size: Size = None,
    method: str = "cholesky",
    key: SeedOrKey = None,
    dtype: DTypeLike = None,
) -> ArrayOrQuantity:
    """Multivariate normal samples of mean `mean` (..., n) and covariance `cov` (..., n, n).

    ```python
    import jax.numpy as jnp
    import eqstate

    x = eqstate.random.multivariate_normal(jnp.zeros(2), jnp.eye(2), size=(5,))
    assert x.shape == (5, 2)
    ```

    Args:
        mean: the mean, of shape (..., n).
        cov: the covariance, of shape (..., n, n).
        size: the result shape (an int or a tuple); None: the parameters' broadcast shape.
        method: the factorisation of `cov`: 'cholesky', 'eigh' or 'svd'.
        key: draw from this key (an int seed or a PRNG key) instead of the stream, which then does not advance.
        dtype: the result dtype; None: eqstate's default float (or int, for counts).
    """
    return DEFAULT.multivariate_normal(
        mean=mean, cov=cov, size=size, method=method, key=key, dtype=dtype
    )


def orthogonal(
    n: int, size: Size = None, key: SeedOrKey = None, dtype: DTypeLike = None
) -> jax.Array:
    """Haar-random orthogonal `n` x `n` matrices.

    ```python
    import jax.numpy as jnp
    import eqstate

    q = eqstate.random.orthogonal(3)
    assert jnp.allclose(q @ q.T, jnp.eye(3), atol=1e-5)
    ```

    Args:
        n: the matrix size.
        size: the result shape (an int or a tuple); None: the parameters' broadcast shape.
        key: draw from this key (an int seed or a PRNG key) instead of the stream, which then does not advance.
        dtype: the result dtype; None: eqstate's default float (or int, for counts).
    """
    return DEFAULT.orthogonal(n=n, size=size, key=key, dtype=dtype)
