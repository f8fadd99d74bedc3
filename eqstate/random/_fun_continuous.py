"""Module-level samplers (continuous distributions): each draws from the default stream."""

from __future__ import annotations

import jax

from .._units import ArrayOrQuantity
from ._keys import ArrayLike, DTypeLike, SeedOrKey, Size
from ._state import DEFAULT

__all__ = [
    "beta",
    "chisquare",
    "exponential",
    "f",
    "gamma",
    "gumbel",
    "laplace",
    "logistic",
    "lognormal",
    "pareto",
    "power",
    "rayleigh",
    "standard_cauchy",
    "standard_exponential",
    "standard_gamma",
    "standard_t",
    "t",
    "weibull",
    "weibull_min",
]


def beta(
    a: ArrayLike,
    b: ArrayLike,
    size: Size = None,
    key: SeedOrKey = None,
    dtype: DTypeLike = None,
) -> jax.Array:
    """Beta(a, b) samples in $(0, 1)$.

    ```python
    import eqstate

    x = eqstate.random.beta(2.0, 3.0, size=(4,))
    assert x.shape == (4,) and ((0 < x) & (x < 1)).all()
    ```

    Args:
        a: the first shape parameter.
        b: the second shape parameter.
        size: the result shape (an int or a tuple); None: the parameters' broadcast shape.
        key: draw from this key (an int seed or a PRNG key) instead of the stream, which then does not advance.
        dtype: the result dtype; None: eqstate's default float (or int, for counts).
    """
    return DEFAULT.beta(a=a, b=b, size=size, key=key, dtype=dtype)


def exponential(
    scale: ArrayLike = None,
    size: Size = None,
    key: SeedOrKey = None,
    dtype: DTypeLike = None,
) -> ArrayOrQuantity:
    """Exponential samples with mean `scale` (1 when None).

    ```python
    import eqstate

    x = eqstate.random.exponential(2.0, size=(3,))
    assert x.shape == (3,) and (x >= 0).all()
    ```

    Args:
        scale: the mean (1 / rate); None: 1.
        size: the result shape (an int or a tuple); None: the parameters' broadcast shape.
        key: draw from this key (an int seed or a PRNG key) instead of the stream, which then does not advance.
        dtype: the result dtype; None: eqstate's default float (or int, for counts).
    """
    return DEFAULT.exponential(scale=scale, size=size, key=key, dtype=dtype)


def gamma(
    shape: ArrayLike,
    scale: ArrayLike = None,
    size: Size = None,
    key: SeedOrKey = None,
    dtype: DTypeLike = None,
) -> ArrayOrQuantity:
    """Gamma samples with shape `shape` and scale `scale` (1 when None).

    ```python
    import eqstate

    x = eqstate.random.gamma(2.0, 0.5, size=(3,))
    assert x.shape == (3,) and (x > 0).all()
    ```

    Args:
        shape: the gamma shape parameter $k$.
        scale: the scale; None: 1.
        size: the result shape (an int or a tuple); None: the parameters' broadcast shape.
        key: draw from this key (an int seed or a PRNG key) instead of the stream, which then does not advance.
        dtype: the result dtype; None: eqstate's default float (or int, for counts).
    """
    return DEFAULT.gamma(shape=shape, scale=scale, size=size, key=key, dtype=dtype)


def gumbel(
    loc: ArrayLike = None,
    scale: ArrayLike = None,
    size: Size = None,
    key: SeedOrKey = None,
    dtype: DTypeLike = None,
) -> ArrayOrQuantity:
    """Gumbel (type-I extreme value) samples.

    ```python
    import eqstate

    assert eqstate.random.gumbel(0.0, 1.0, size=(3,)).shape == (3,)
    ```

    Args:
        loc: the location (mean for `normal`); None: 0.
        scale: the scale; None: 1.
        size: the result shape (an int or a tuple); None: the parameters' broadcast shape.
        key: draw from this key (an int seed or a PRNG key) instead of the stream, which then does not advance.
        dtype: the result dtype; None: eqstate's default float (or int, for counts).
    """
    return DEFAULT.gumbel(loc=loc, scale=scale, size=size, key=key, dtype=dtype)


def laplace(
    loc: ArrayLike = None,
    scale: ArrayLike = None,
    size: Size = None,
    key: SeedOrKey = None,
    dtype: DTypeLike = None,
) -> ArrayOrQuantity:
    """Laplace (double exponential) samples.

    ```python
    import eqstate

    assert eqstate.random.laplace(size=(2,)).shape == (2,)
    ```

    Args:
        loc: the location (mean for `normal`); None: 0.
        scale: the scale; None: 1.
        size: the result shape (an int or a tuple); None: the parameters' broadcast shape.
        key: draw from this key (an int seed or a PRNG key) instead of the stream, which then does not advance.
        dtype: the result dtype; None: eqstate's default float (or int, for counts).
    """
    return DEFAULT.laplace(loc=loc, scale=scale, size=size, key=key, dtype=dtype)


def logistic(
    loc: ArrayLike = None,
    scale: ArrayLike = None,
    size: Size = None,
    key: SeedOrKey = None,
    dtype: DTypeLike = None,
) -> ArrayOrQuantity:
    """Logistic samples.

    ```python
    import eqstate

    assert eqstate.random.logistic(1.0, 2.0, size=(2,)).shape == (2,)
    ```

    Args:
        loc: the location (mean for `normal`); None: 0.
        scale: the scale; None: 1.
        size: the result shape (an int or a tuple); None: the parameters' broadcast shape.
        key: draw from this key (an int seed or a PRNG key) instead of the stream, which then does not advance.
        dtype: the result dtype; None: eqstate's default float (or int, for counts).
    """
    return DEFAULT.logistic(loc=loc, scale=scale, size=size, key=key, dtype=dtype)


def lognormal(
    mean: ArrayLike = None,
    sigma: ArrayLike = None,
    size: Size = None,
    key: SeedOrKey = None,
    dtype: DTypeLike = None,
) -> jax.Array:
    r"""$\exp$ of normal samples with mean `mean` and standard deviation `sigma`.

    ```python
    import eqstate

    x = eqstate.random.lognormal(0.0, 0.5, size=(3,))
    assert (x > 0).all()
    ```

    Args:
        mean: the mean of the underlying normal; None: 0.
        sigma: the standard deviation of the underlying normal; None: 1.
        size: the result shape (an int or a tuple); None: the parameters' broadcast shape.
        key: draw from this key (an int seed or a PRNG key) instead of the stream, which then does not advance.
        dtype: the result dtype; None: eqstate's default float (or int, for counts).
    """
    return DEFAULT.lognormal(mean=mean, sigma=sigma, size=size, key=key, dtype=dtype)


def pareto(
    a: ArrayLike, size: Size = None, key: SeedOrKey = None, dtype: DTypeLike = None
) -> jax.Array:
    """Pareto samples with shape `a` and minimum 1 (as `jax.random.pareto`, like brainstate).

    ```python
    import eqstate

    x = eqstate.random.pareto(3.0, size=(3,))
    assert (x >= 1).all()
    ```

    Args:
        a: the shape parameter.
        size: the result shape (an int or a tuple); None: the parameters' broadcast shape.
        key: draw from this key (an int seed or a PRNG key) instead of the stream, which then does not advance.
        dtype: the result dtype; None: eqstate's default float (or int, for counts).
    """
    return DEFAULT.pareto(a=a, size=size, key=key, dtype=dtype)


def power(
    a: ArrayLike,
    size: Size = None,
    key: SeedOrKey = None,
    dtype: DTypeLike = None,
    check_valid: bool = True,
) -> jax.Array:
    """Power-law samples on $[0, 1]$ with density $a x^{a-1}$ (Beta(a, 1)), as $U^{1/a}$.

    ```python
    import eqstate

    x = eqstate.random.power(2.0, size=(3,))
    assert ((0 <= x) & (x <= 1)).all()
    ```

    Args:
        a: the exponent (> 0).
        size: the result shape (an int or a tuple); None: the parameters' broadcast shape.
        key: draw from this key (an int seed or a PRNG key) instead of the stream, which then does not advance.
        dtype: the result dtype; None: eqstate's default float (or int, for counts).
        check_valid: check the parameters' domain when their values are known (not traced).
    """
    return DEFAULT.power(a=a, size=size, key=key, dtype=dtype, check_valid=check_valid)


def standard_cauchy(
    size: Size = None, key: SeedOrKey = None, dtype: DTypeLike = None
) -> jax.Array:
    """Standard Cauchy samples.

    ```python
    import eqstate

    assert eqstate.random.standard_cauchy((2,)).shape == (2,)
    ```

    Args:
        size: the result shape (an int or a tuple); None: the parameters' broadcast shape.
        key: draw from this key (an int seed or a PRNG key) instead of the stream, which then does not advance.
        dtype: the result dtype; None: eqstate's default float (or int, for counts).
    """
    return DEFAULT.standard_cauchy(size=size, key=key, dtype=dtype)


def standard_exponential(
    size: Size = None, key: SeedOrKey = None, dtype: DTypeLike = None
) -> jax.Array:
    """Exponential samples with mean 1.

    ```python
    import eqstate

    assert (eqstate.random.standard_exponential(3) >= 0).all()
    ```

    Args:
        size: the result shape (an int or a tuple); None: the parameters' broadcast shape.
        key: draw from this key (an int seed or a PRNG key) instead of the stream, which then does not advance.
        dtype: the result dtype; None: eqstate's default float (or int, for counts).
    """
    return DEFAULT.standard_exponential(size=size, key=key, dtype=dtype)


def standard_gamma(
    shape: ArrayLike, size: Size = None, key: SeedOrKey = None, dtype: DTypeLike = None
) -> jax.Array:
    """Gamma samples with shape `shape` and scale 1.

    ```python
    import eqstate

    assert (eqstate.random.standard_gamma(2.0, size=3) > 0).all()
    ```

    Args:
        shape: the gamma shape parameter $k$.
        size: the result shape (an int or a tuple); None: the parameters' broadcast shape.
        key: draw from this key (an int seed or a PRNG key) instead of the stream, which then does not advance.
        dtype: the result dtype; None: eqstate's default float (or int, for counts).
    """
    return DEFAULT.standard_gamma(shape=shape, size=size, key=key, dtype=dtype)


def standard_t(
    df: ArrayLike, size: Size = None, key: SeedOrKey = None, dtype: DTypeLike = None
) -> jax.Array:
    """Student's t samples with `df` degrees of freedom.

    ```python
    import eqstate

    assert eqstate.random.standard_t(3.0, size=(2,)).shape == (2,)
    ```

    Args:
        df: the degrees of freedom.
        size: the result shape (an int or a tuple); None: the parameters' broadcast shape.
        key: draw from this key (an int seed or a PRNG key) instead of the stream, which then does not advance.
        dtype: the result dtype; None: eqstate's default float (or int, for counts).
    """
    return DEFAULT.standard_t(df=df, size=size, key=key, dtype=dtype)


def t(
    df: ArrayLike, size: Size = None, key: SeedOrKey = None, dtype: DTypeLike = None
) -> jax.Array:
    """Student's t samples with `df` degrees of freedom.

    ```python
    import eqstate

    assert eqstate.random.t(3.0, size=(2,)).shape == (2,)
    ```

    Args:
        df: the degrees of freedom.
        size: the result shape (an int or a tuple); None: the parameters' broadcast shape.
        key: draw from this key (an int seed or a PRNG key) instead of the stream, which then does not advance.
        dtype: the result dtype; None: eqstate's default float (or int, for counts).
    """
    return DEFAULT.t(df=df, size=size, key=key, dtype=dtype)


def chisquare(
    df: ArrayLike,
    size: Size = None,
    key: SeedOrKey = None,
    dtype: DTypeLike = None,
    check_valid: bool = True,
) -> jax.Array:
    """Chi-square samples with `df` degrees of freedom.

    ```python
    import eqstate

    assert (eqstate.random.chisquare(3.0, size=(3,)) > 0).all()
    ```

    Args:
        df: the degrees of freedom.
        size: the result shape (an int or a tuple); None: the parameters' broadcast shape.
        key: draw from this key (an int seed or a PRNG key) instead of the stream, which then does not advance.
        dtype: the result dtype; None: eqstate's default float (or int, for counts).
        check_valid: check the parameters' domain when their values are known (not traced).
    """
    return DEFAULT.chisquare(
        df=df, size=size, key=key, dtype=dtype, check_valid=check_valid
    )


def f(
    dfnum: ArrayLike,
    dfden: ArrayLike,
    size: Size = None,
    key: SeedOrKey = None,
    dtype: DTypeLike = None,
) -> jax.Array:
    """F (Fisher-Snedecor) samples.

    ```python
    import eqstate

    assert (eqstate.random.f(3.0, 5.0, size=(3,)) > 0).all()
    ```

    Args:
        dfnum: the numerator's degrees of freedom.
        dfden: the denominator's degrees of freedom.
        size: the result shape (an int or a tuple); None: the parameters' broadcast shape.
        key: draw from this key (an int seed or a PRNG key) instead of the stream, which then does not advance.
        dtype: the result dtype; None: eqstate's default float (or int, for counts).
    """
    return DEFAULT.f(dfnum=dfnum, dfden=dfden, size=size, key=key, dtype=dtype)


def rayleigh(
    scale: ArrayLike = 1.0,
    size: Size = None,
    key: SeedOrKey = None,
    dtype: DTypeLike = None,
) -> ArrayOrQuantity:
    """Rayleigh samples with scale `scale`.

    ```python
    import eqstate

    assert (eqstate.random.rayleigh(2.0, size=(3,)) >= 0).all()
    ```

    Args:
        scale: the scale; None: 1.
        size: the result shape (an int or a tuple); None: the parameters' broadcast shape.
        key: draw from this key (an int seed or a PRNG key) instead of the stream, which then does not advance.
        dtype: the result dtype; None: eqstate's default float (or int, for counts).
    """
    return DEFAULT.rayleigh(scale=scale, size=size, key=key, dtype=dtype)


def weibull(
    a: ArrayLike, size: Size = None, key: SeedOrKey = None, dtype: DTypeLike = None
) -> jax.Array:
    """Weibull samples with shape `a` and scale 1.

    ```python
    import eqstate

    assert (eqstate.random.weibull(2.0, size=(3,)) >= 0).all()
    ```

    Args:
        a: the shape parameter.
        size: the result shape (an int or a tuple); None: the parameters' broadcast shape.
        key: draw from this key (an int seed or a PRNG key) instead of the stream, which then does not advance.
        dtype: the result dtype; None: eqstate's default float (or int, for counts).
    """
    return DEFAULT.weibull(a=a, size=size, key=key, dtype=dtype)


def weibull_min(
    a: ArrayLike,
    scale: ArrayLike = None,
    size: Size = None,
    key: SeedOrKey = None,
    dtype: DTypeLike = None,
) -> ArrayOrQuantity:
    """Weibull samples with shape `a` and scale `scale` (1 when None).

    ```python
    import eqstate

    assert (eqstate.random.weibull_min(2.0, 3.0, size=(3,)) >= 0).all()
    ```

    Args:
        a: the shape parameter.
        scale: the scale; None: 1.
        size: the result shape (an int or a tuple); None: the parameters' broadcast shape.
        key: draw from this key (an int seed or a PRNG key) instead of the stream, which then does not advance.
        dtype: the result dtype; None: eqstate's default float (or int, for counts).
    """
    return DEFAULT.weibull_min(a=a, scale=scale, size=size, key=key, dtype=dtype)
