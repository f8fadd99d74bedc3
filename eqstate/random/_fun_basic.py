"""Module-level samplers (uniform, normal, integers, choice): each draws from the default stream."""

from __future__ import annotations

import jax

from .._units import ArrayOrQuantity
from ._keys import ArrayLike, DTypeLike, SeedOrKey, Size
from ._state import DEFAULT

__all__ = [
    "bernoulli",
    "categorical",
    "choice",
    "normal",
    "permutation",
    "rand",
    "rand_like",
    "randint",
    "randint_like",
    "randn",
    "randn_like",
    "random",
    "random_integers",
    "random_sample",
    "ranf",
    "sample",
    "shuffle",
    "standard_normal",
    "truncated_normal",
    "uniform",
]


def rand(*dn: int, key: SeedOrKey = None, dtype: DTypeLike = None) -> jax.Array:
    """Uniform samples in $[0, 1)$ of shape `dn`.

    ```python
    import eqstate

    x = eqstate.random.rand(2, 3)
    assert x.shape == (2, 3) and ((0 <= x) & (x < 1)).all()
    ```

    Args:
        dn: the result's dimensions.
        key: draw from this key (an int seed or a PRNG key) instead of the stream, which then does not advance.
        dtype: the result dtype; None: eqstate's default float (or int, for counts).
    """
    return DEFAULT.rand(*dn, key=key, dtype=dtype)


def randn(*dn: int, key: SeedOrKey = None, dtype: DTypeLike = None) -> jax.Array:
    """Standard normal samples of shape `dn`.

    ```python
    import jax.numpy as jnp
    import eqstate

    x = eqstate.random.randn(3, 2)
    assert x.shape == (3, 2) and x.dtype == jnp.float32
    ```

    Args:
        dn: the result's dimensions.
        key: draw from this key (an int seed or a PRNG key) instead of the stream, which then does not advance.
        dtype: the result dtype; None: eqstate's default float (or int, for counts).
    """
    return DEFAULT.randn(*dn, key=key, dtype=dtype)


def random(
    size: Size = None, key: SeedOrKey = None, dtype: DTypeLike = None
) -> jax.Array:
    """Uniform samples in $[0, 1)$ (numpy's `random`).

    ```python
    import eqstate

    x = eqstate.random.random((2, 2))
    assert x.shape == (2, 2) and ((0 <= x) & (x < 1)).all()
    ```

    Args:
        size: the result shape (an int or a tuple); None: the parameters' broadcast shape.
        key: draw from this key (an int seed or a PRNG key) instead of the stream, which then does not advance.
        dtype: the result dtype; None: eqstate's default float (or int, for counts).
    """
    return DEFAULT.random(size=size, key=key, dtype=dtype)


def random_sample(
    size: Size = None, key: SeedOrKey = None, dtype: DTypeLike = None
) -> jax.Array:
    """Uniform samples in $[0, 1)$ (an alias of `random`).

    ```python
    import eqstate

    assert eqstate.random.random_sample(3).shape == (3,)
    ```

    Args:
        size: the result shape (an int or a tuple); None: the parameters' broadcast shape.
        key: draw from this key (an int seed or a PRNG key) instead of the stream, which then does not advance.
        dtype: the result dtype; None: eqstate's default float (or int, for counts).
    """
    return DEFAULT.random_sample(size=size, key=key, dtype=dtype)


def ranf(
    size: Size = None, key: SeedOrKey = None, dtype: DTypeLike = None
) -> jax.Array:
    """Uniform samples in $[0, 1)$ (an alias of `random`).

    ```python
    import eqstate

    assert eqstate.random.ranf((1, 2)).shape == (1, 2)
    ```

    Args:
        size: the result shape (an int or a tuple); None: the parameters' broadcast shape.
        key: draw from this key (an int seed or a PRNG key) instead of the stream, which then does not advance.
        dtype: the result dtype; None: eqstate's default float (or int, for counts).
    """
    return DEFAULT.ranf(size=size, key=key, dtype=dtype)


def sample(
    size: Size = None, key: SeedOrKey = None, dtype: DTypeLike = None
) -> jax.Array:
    """Uniform samples in $[0, 1)$ (an alias of `random`).

    ```python
    import eqstate

    assert eqstate.random.sample().shape == ()
    ```

    Args:
        size: the result shape (an int or a tuple); None: the parameters' broadcast shape.
        key: draw from this key (an int seed or a PRNG key) instead of the stream, which then does not advance.
        dtype: the result dtype; None: eqstate's default float (or int, for counts).
    """
    return DEFAULT.sample(size=size, key=key, dtype=dtype)


def uniform(
    low: ArrayLike = 0.0,
    high: ArrayLike = 1.0,
    size: Size = None,
    key: SeedOrKey = None,
    dtype: DTypeLike = None,
) -> ArrayOrQuantity:
    """Uniform samples in $[low, high)$.

    The bounds may be brainunit Quantities (one unit, or compatible ones); the
    samples are then in the unit of the first, and a plain bound is read in it.
    Most samplers take units so: the location and scale parameters may carry
    one, and the others must be dimensionless.

    ```python
    import brainunit as u
    import eqstate

    x = eqstate.random.uniform(-1.0, 1.0, size=(100,))
    assert x.shape == (100,) and ((-1 <= x) & (x < 1)).all()
    v = eqstate.random.uniform(-60.0 * u.mV, -50.0 * u.mV, size=(3,))
    assert v.unit == u.mV and (v.to_decimal(u.mV) >= -60).all()
    ```

    Args:
        low: the lower bound.
        high: the upper bound.
        size: the result shape (an int or a tuple); None: the parameters' broadcast shape.
        key: draw from this key (an int seed or a PRNG key) instead of the stream, which then does not advance.
        dtype: the result dtype; None: eqstate's default float (or int, for counts).
    """
    return DEFAULT.uniform(low=low, high=high, size=size, key=key, dtype=dtype)


def normal(
    loc: ArrayLike = None,
    scale: ArrayLike = None,
    size: Size = None,
    key: SeedOrKey = None,
    dtype: DTypeLike = None,
) -> ArrayOrQuantity:
    """Normal samples with mean `loc` and standard deviation `scale`.

    ```python
    import eqstate

    x = eqstate.random.normal(2.0, 0.5, size=(1000,))
    assert abs(float(x.mean()) - 2.0) < 0.1
    ```

    Args:
        loc: the mean; None: 0.
        scale: the standard deviation; None: 1.
        size: the result shape (an int or a tuple); None: the parameters' broadcast shape.
        key: draw from this key (an int seed or a PRNG key) instead of the stream, which then does not advance.
        dtype: the result dtype; None: eqstate's default float (or int, for counts).
    """
    return DEFAULT.normal(loc=loc, scale=scale, size=size, key=key, dtype=dtype)


def standard_normal(
    size: Size = None, key: SeedOrKey = None, dtype: DTypeLike = None
) -> jax.Array:
    """Standard normal samples.

    ```python
    import eqstate

    assert eqstate.random.standard_normal((2, 2)).shape == (2, 2)
    ```

    Args:
        size: the result shape (an int or a tuple); None: the parameters' broadcast shape.
        key: draw from this key (an int seed or a PRNG key) instead of the stream, which then does not advance.
        dtype: the result dtype; None: eqstate's default float (or int, for counts).
    """
    return DEFAULT.standard_normal(size=size, key=key, dtype=dtype)


def truncated_normal(
    lower: ArrayLike,
    upper: ArrayLike,
    size: Size = None,
    loc: ArrayLike = 0.0,
    scale: ArrayLike = 1.0,
    key: SeedOrKey = None,
    dtype: DTypeLike = None,
    check_valid: bool = True,
) -> ArrayOrQuantity:
    """Normal samples with mean `loc` and scale `scale`, truncated to $[lower, upper]$.

    ```python
    import eqstate

    x = eqstate.random.truncated_normal(-1.0, 1.0, size=(100,))
    assert (abs(x) <= 1).all()
    ```

    Args:
        lower: the lower truncation bound (in the units of `loc`).
        upper: the upper truncation bound.
        size: the result shape (an int or a tuple); None: the parameters' broadcast shape.
        loc: the location (mean for `normal`); None: 0.
        scale: the scale; None: 1.
        key: draw from this key (an int seed or a PRNG key) instead of the stream, which then does not advance.
        dtype: the result dtype; None: eqstate's default float (or int, for counts).
        check_valid: check the parameters' domain when their values are known (not traced).
    """
    return DEFAULT.truncated_normal(
        lower=lower,
        upper=upper,
        size=size,
        loc=loc,
        scale=scale,
        key=key,
        dtype=dtype,
        check_valid=check_valid,
    )


def randint(
    low: ArrayLike,
    high: ArrayLike = None,
    size: Size = None,
    key: SeedOrKey = None,
    dtype: DTypeLike = None,
) -> jax.Array:
    """Integers in $[low, high)$, or in $[0, low)$ when `high` is None.

    ```python
    import jax.numpy as jnp
    import eqstate

    x = eqstate.random.randint(0, 10, size=(5,))
    assert x.dtype == jnp.int32 and ((0 <= x) & (x < 10)).all()
    ```

    Args:
        low: the lower bound.
        high: the upper bound.
        size: the result shape (an int or a tuple); None: the parameters' broadcast shape.
        key: draw from this key (an int seed or a PRNG key) instead of the stream, which then does not advance.
        dtype: the result dtype; None: eqstate's default float (or int, for counts).
    """
    return DEFAULT.randint(low=low, high=high, size=size, key=key, dtype=dtype)


def random_integers(
    low: ArrayLike,
    high: ArrayLike = None,
    size: Size = None,
    key: SeedOrKey = None,
    dtype: DTypeLike = None,
) -> jax.Array:
    """Integers in $[low, high]$, or in $[1, low]$ when `high` is None.

    ```python
    import eqstate

    x = eqstate.random.random_integers(1, 3, size=(50,))
    assert ((1 <= x) & (x <= 3)).all()
    ```

    Args:
        low: the lower bound.
        high: the upper bound.
        size: the result shape (an int or a tuple); None: the parameters' broadcast shape.
        key: draw from this key (an int seed or a PRNG key) instead of the stream, which then does not advance.
        dtype: the result dtype; None: eqstate's default float (or int, for counts).
    """
    return DEFAULT.random_integers(low=low, high=high, size=size, key=key, dtype=dtype)


def bernoulli(
    p: ArrayLike = 0.5,
    size: Size = None,
    key: SeedOrKey = None,
    check_valid: bool = True,
) -> jax.Array:
    """Booleans that are True with probability `p`.

    ```python
    import eqstate

    x = eqstate.random.bernoulli(0.3, size=(4,))
    assert x.shape == (4,) and x.dtype == bool
    ```

    Args:
        p: the probability of True.
        size: the result shape (an int or a tuple); None: the parameters' broadcast shape.
        key: draw from this key (an int seed or a PRNG key) instead of the stream, which then does not advance.
        check_valid: check the parameters' domain when their values are known (not traced).
    """
    return DEFAULT.bernoulli(p=p, size=size, key=key, check_valid=check_valid)


def choice(
    a: ArrayLike,
    size: Size = None,
    replace: bool = True,
    p: ArrayLike = None,
    key: SeedOrKey = None,
) -> ArrayOrQuantity:
    """Samples from `a` (an array, or `range(a)` for an int).

    ```python
    import eqstate

    x = eqstate.random.choice(5, size=(3,), replace=False)
    assert len(set(x.tolist())) == 3
    ```

    Args:
        a: the population: an array, or an int `n` for `range(n)`.
        size: the result shape (an int or a tuple); None: the parameters' broadcast shape.
        replace: draw with replacement.
        p: the probability of each element of `a` (None: uniform).
        key: draw from this key (an int seed or a PRNG key) instead of the stream, which then does not advance.
    """
    return DEFAULT.choice(a=a, size=size, replace=replace, p=p, key=key)


def permutation(
    x: ArrayLike, axis: int = 0, independent: bool = False, key: SeedOrKey = None
) -> ArrayOrQuantity:
    """A random permutation of `x` along `axis` (of `range(x)` for an int).

    ```python
    import eqstate

    x = eqstate.random.permutation(4)
    assert sorted(x.tolist()) == [0, 1, 2, 3]
    ```

    Args:
        x: the array (or int, for `range(x)`) to permute.
        axis: the axis to permute.
        independent: permute each slice along `axis` independently.
        key: draw from this key (an int seed or a PRNG key) instead of the stream, which then does not advance.
    """
    return DEFAULT.permutation(x=x, axis=axis, independent=independent, key=key)


def shuffle(x: ArrayLike, axis: int = 0, key: SeedOrKey = None) -> ArrayOrQuantity:
    """`x` shuffled along `axis` (returned: JAX arrays are immutable).

    ```python
    import jax.numpy as jnp
    import eqstate

    x = eqstate.random.shuffle(jnp.arange(4))
    assert sorted(x.tolist()) == [0, 1, 2, 3]
    ```

    Args:
        x: the array (or int, for `range(x)`) to permute.
        axis: the axis to permute.
        key: draw from this key (an int seed or a PRNG key) instead of the stream, which then does not advance.
    """
    return DEFAULT.shuffle(x=x, axis=axis, key=key)


def categorical(
    logits: ArrayLike, axis: int = -1, size: Size = None, key: SeedOrKey = None
) -> jax.Array:
    """Category indices drawn with probabilities `softmax(logits, axis)`.

    ```python
    import jax.numpy as jnp
    import eqstate

    x = eqstate.random.categorical(jnp.log(jnp.array([0.1, 0.9])), size=(5,))
    assert x.shape == (5,) and ((0 <= x) & (x < 2)).all()
    ```

    Args:
        logits: unnormalised log-probabilities.
        axis: the category axis of `logits`.
        size: the result shape (an int or a tuple); None: the parameters' broadcast shape.
        key: draw from this key (an int seed or a PRNG key) instead of the stream, which then does not advance.
    """
    return DEFAULT.categorical(logits=logits, axis=axis, size=size, key=key)


def rand_like(
    input: ArrayLike, *, dtype: DTypeLike = None, key: SeedOrKey = None
) -> jax.Array:
    """Uniform $[0, 1)$ samples with the shape (and, by default, the dtype) of `input`.

    ```python
    import jax.numpy as jnp
    import eqstate

    x = eqstate.random.rand_like(jnp.zeros((2, 3)))
    assert x.shape == (2, 3) and x.dtype == jnp.float32
    ```

    Args:
        input: the array whose shape (and dtype) the result takes.
        dtype: the result dtype; None: eqstate's default float (or int, for counts).
        key: draw from this key (an int seed or a PRNG key) instead of the stream, which then does not advance.
    """
    return DEFAULT.rand_like(input=input, dtype=dtype, key=key)


def randn_like(
    input: ArrayLike, *, dtype: DTypeLike = None, key: SeedOrKey = None
) -> jax.Array:
    """Standard normal samples with the shape (and, by default, the dtype) of `input`.

    ```python
    import jax.numpy as jnp
    import eqstate

    x = eqstate.random.randn_like(jnp.zeros(3))
    assert x.shape == (3,)
    ```

    Args:
        input: the array whose shape (and dtype) the result takes.
        dtype: the result dtype; None: eqstate's default float (or int, for counts).
        key: draw from this key (an int seed or a PRNG key) instead of the stream, which then does not advance.
    """
    return DEFAULT.randn_like(input=input, dtype=dtype, key=key)


def randint_like(
    input: ArrayLike,
    low: ArrayLike = 0,
    high: ArrayLike = None,
    *,
    dtype: DTypeLike = None,
    key: SeedOrKey = None,
) -> jax.Array:
    """Integers in $[low, high)$ with the shape (and, by default, the dtype) of `input`; `high` defaults to `input.max()`.

    ```python
    import jax.numpy as jnp
    import eqstate

    x = eqstate.random.randint_like(jnp.array([3, 4, 5]))
    assert x.shape == (3,) and (x < 5).all()
    ```

    Args:
        input: the array whose shape (and dtype) the result takes.
        low: the lower bound.
        high: the upper bound.
        dtype: the result dtype; None: eqstate's default float (or int, for counts).
        key: draw from this key (an int seed or a PRNG key) instead of the stream, which then does not advance.
    """
    return DEFAULT.randint_like(input=input, low=low, high=high, dtype=dtype, key=key)
