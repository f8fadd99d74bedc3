"""brainstate's elementary initializers: the distributions and the fixed fills."""

from __future__ import annotations

from typing import Any

import jax.numpy as jnp
import numpy as np

from ...init._common import InitializationError
from ...init._init import _full
from ...random import RandomState, default_rng
from ._base import Initializer, _dtype, _to_size, _with_unit

__all__ = [
    "Constant",
    "Exponential",
    "Gamma",
    "Identity",
    "Normal",
    "TruncatedNormal",
    "Uniform",
    "ZeroInit",
]

SeedOrKey = int | np.ndarray | Any | None


class _Random(Initializer):
    """An initializer that draws from a `RandomState` (its own when seeded)."""

    rng: RandomState
    unit: Any

    def _seed(self, seed: Any) -> None:
        """Draw from the default stream (`seed` None) or a stream of its own."""
        self.rng = default_rng(seed)

    def _rng(self, kwargs: dict[str, Any]) -> RandomState:
        rng = kwargs.get("rng")
        return self.rng if rng is None else rng

    def __repr__(self) -> str:
        shown = ", ".join(
            f"{k}={v!r}"
            for k, v in vars(self).items()
            if not k.startswith("_") and k != "rng"
        )
        return f"{type(self).__name__}({shown})"


class Normal(_Random):
    r"""Draw from $\mathcal{N}(\text{mean}, \text{scale}^2)$.

    ```python
    import eqstate

    init = eqstate.nn.init.Normal(mean=1.0, scale=0.1, seed=0)
    w = init((1000,))
    assert w.shape == (1000,) and abs(float(w.mean()) - 1.0) < 0.02
    assert (eqstate.nn.init.Normal(seed=3)(4) == eqstate.nn.init.Normal(seed=3)(4)).all()
    ```

    Args:
        mean: the mean.
        scale: the standard deviation.
        unit: a brainunit unit for the result (None: a plain array).
        seed: a seed or key for a stream of its own (None: the default stream).
    """

    def __init__(
        self,
        mean: Any = 0.0,
        scale: Any = 1.0,
        unit: Any = None,
        seed: SeedOrKey = None,
    ) -> None:
        self.scale = scale
        self.mean = mean
        self._seed(seed)
        self.unit = unit

    def __call__(self, shape: Any, **kwargs: Any) -> Any:
        """Draw an array of `shape` (keywords: `dtype=`, `rng=`)."""
        w = self._rng(kwargs).normal(
            self.mean, self.scale, size=_to_size(shape), dtype=_dtype(kwargs)
        )
        return _with_unit(w, self.unit)


class TruncatedNormal(_Random):
    r"""Draw from $\mathcal{N}(\text{loc}, \text{scale}^2)$ conditioned on $[\text{lower}, \text{upper}]$.

    As in brainstate, `lower` and `upper` are values of the draws (not
    multiples of `scale`): the default keeps draws in $[-2, 2]$.

    ```python
    import eqstate

    w = eqstate.nn.init.TruncatedNormal(scale=3.0, seed=0)((500,))
    assert float(abs(w).max()) <= 2.0
    ```

    Args:
        loc: the mean before truncation.
        scale: the standard deviation before truncation (positive).
        unit: a brainunit unit for the result (None: a plain array).
        lower: the lower bound.
        upper: the upper bound.
        seed: a seed or key for a stream of its own (None: the default stream).

    Raises:
        InitializationError: if `scale` is not positive.
    """

    def __init__(
        self,
        loc: Any = 0.0,
        scale: Any = 1.0,
        unit: Any = None,
        lower: Any = -2.0,
        upper: Any = 2.0,
        seed: SeedOrKey = None,
    ) -> None:
        if not bool(np.all(np.asarray(scale) > 0)):
            raise InitializationError(
                f"TruncatedNormal: `scale` must be positive, got {scale!r}."
            )
        self.scale = scale
        self.loc = loc
        self.lower = lower
        self.upper = upper
        self._seed(seed)
        self.unit = unit

    def __call__(self, shape: Any, **kwargs: Any) -> Any:
        """Draw an array of `shape` (keywords: `dtype=`, `rng=`)."""
        w = self._rng(kwargs).truncated_normal(
            self.lower,
            self.upper,
            size=_to_size(shape),
            loc=self.loc,
            scale=self.scale,
            dtype=_dtype(kwargs),
        )
        return _with_unit(w, self.unit)


class Gamma(_Random):
    r"""Draw from a Gamma distribution with shape $k$ and scale $\theta$.

    ```python
    import eqstate

    w = eqstate.nn.init.Gamma(2.0, scale=0.5, seed=0)((2000,))
    assert float(w.min()) > 0.0 and abs(float(w.mean()) - 1.0) < 0.1
    ```

    Args:
        shape: the shape parameter $k$.
        unit: a brainunit unit for the result (None: a plain array).
        scale: the scale $\theta$ (None: 1).
        seed: a seed or key for a stream of its own (None: the default stream).
    """

    def __init__(
        self,
        shape: Any,
        unit: Any = None,
        scale: Any = None,
        seed: SeedOrKey = None,
    ) -> None:
        self.shape = shape
        self.scale = scale
        self._seed(seed)
        self.unit = unit

    def __call__(self, shape: Any, **kwargs: Any) -> Any:
        """Draw an array of `shape` (keywords: `dtype=`, `rng=`)."""
        w = self._rng(kwargs).gamma(
            self.shape, self.scale, size=_to_size(shape), dtype=_dtype(kwargs)
        )
        return _with_unit(w, self.unit)


class Exponential(_Random):
    r"""Draw from an exponential distribution with mean `scale`.

    ```python
    import eqstate

    w = eqstate.nn.init.Exponential(scale=2.0, seed=0)((2000,))
    assert float(w.min()) >= 0.0 and abs(float(w.mean()) - 2.0) < 0.2
    ```

    Args:
        scale: the mean $1/\lambda$ (None: 1).
        seed: a seed or key for a stream of its own (None: the default stream).
        unit: a brainunit unit for the result (None: a plain array).
    """

    def __init__(
        self,
        scale: Any = None,
        seed: SeedOrKey = None,
        unit: Any = None,
    ) -> None:
        self.scale = scale
        self._seed(seed)
        self.unit = unit

    def __call__(self, shape: Any, **kwargs: Any) -> Any:
        """Draw an array of `shape` (keywords: `dtype=`, `rng=`)."""
        w = self._rng(kwargs).exponential(
            self.scale, size=_to_size(shape), dtype=_dtype(kwargs)
        )
        return _with_unit(w, self.unit)


class Uniform(_Random):
    r"""Draw uniformly from $[\text{min\_val}, \text{max\_val})$.

    ```python
    import eqstate

    w = eqstate.nn.init.Uniform(-1.0, 1.0, seed=0)((100,))
    assert float(w.min()) >= -1.0 and float(w.max()) < 1.0
    ```

    Args:
        min_val: the lower bound.
        max_val: the upper bound.
        seed: a seed or key for a stream of its own (None: the default stream).
        unit: a brainunit unit for the result (None: a plain array).
    """

    def __init__(
        self,
        min_val: Any = 0.0,
        max_val: Any = 1.0,
        seed: SeedOrKey = None,
        unit: Any = None,
    ) -> None:
        self.min_val = min_val
        self.max_val = max_val
        self._seed(seed)
        self.unit = unit

    def __call__(self, shape: Any, **kwargs: Any) -> Any:
        """Draw an array of `shape` (keywords: `dtype=`, `rng=`)."""
        w = self._rng(kwargs).uniform(
            self.min_val, self.max_val, size=_to_size(shape), dtype=_dtype(kwargs)
        )
        return _with_unit(w, self.unit)


class ZeroInit(Initializer):
    """Fill with zeros (in `unit`, when given).

    ```python
    import eqstate

    w = eqstate.nn.init.ZeroInit()((2, 3))
    assert w.shape == (2, 3) and (w == 0).all()
    ```

    Args:
        unit: a brainunit unit for the result (None: a plain array).
    """

    def __init__(self, unit: Any = None) -> None:
        self.unit = unit

    def __call__(self, shape: Any, **kwargs: Any) -> Any:
        """Zeros of `shape` (keyword: `dtype=`)."""
        return _with_unit(jnp.zeros(_to_size(shape), _dtype(kwargs)), self.unit)


class Constant(Initializer):
    """Fill with `value` (a number, an array that broadcasts, or a Quantity).

    The result has the default float dtype (or `dtype=`), whatever the
    value's own dtype, as in brainstate.

    ```python
    import eqstate

    w = eqstate.nn.init.Constant(0.5)((2, 2))
    assert w.tolist() == [[0.5, 0.5], [0.5, 0.5]]
    ```

    Args:
        value: the fill value.
    """

    def __init__(self, value: Any = 1.0) -> None:
        self.value = value

    def __call__(self, shape: Any, **kwargs: Any) -> Any:
        """`value` broadcast to `shape` (keyword: `dtype=`)."""
        return _full(_to_size(shape), self.value, _dtype(kwargs))


class Identity(Initializer):
    """An identity matrix with `value` on its diagonal (Le et al., 2015).

    As in brainstate, a 1-D shape `(n,)` gives the `n x n` identity and a
    2-D shape `(n, m)` the rectangular one; more dims are an error.

    ```python
    import eqstate

    assert eqstate.nn.init.Identity(2.0)((2, 3)).tolist() == [
        [2.0, 0.0, 0.0],
        [0.0, 2.0, 0.0],
    ]
    assert eqstate.nn.init.Identity()(3).shape == (3, 3)
    ```

    Args:
        value: the diagonal (a number, or one value per diagonal entry).
        unit: a brainunit unit for the result (None: a plain array).

    Raises:
        InitializationError: for a shape with more than 2 dims.
    """

    def __init__(self, value: Any = 1.0, unit: Any = None) -> None:
        self.value = value
        self.unit = unit

    def __call__(self, shape: Any, **kwargs: Any) -> Any:
        """The identity of `shape` (keyword: `dtype=`)."""
        size = _to_size(shape)
        if len(size) not in (1, 2):
            raise InitializationError(
                f"Identity makes 2-D weights, got shape {size}; pass `(n,)` or "
                f"`(n, m)`."
            )
        dtype = _dtype(kwargs)
        eye = jnp.eye(*size, dtype=dtype)
        eye = jnp.fill_diagonal(eye, jnp.asarray(self.value, dtype), inplace=False)
        return _with_unit(eye, self.unit)
