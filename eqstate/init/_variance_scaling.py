"""Variance-scaling and orthogonal initializers for weight matrices and kernels.

A shape `(..., n_in, n_out)` is read the way JAX and Keras read it: `fan_in` is
`n_in` and `fan_out` is `n_out`, each times the product of the leading dims
(the receptive field of a convolution kernel). A 1-d shape uses its length for
both fans.
"""

from __future__ import annotations

import math
from typing import Literal

import equinox as eqx
import jax
import jax.numpy as jnp
from jax.typing import DTypeLike
from jaxtyping import PRNGKeyArray

from ._init import AbstractInitializer, Size, _as_shape, _float_dtype, _key

__all__ = [
    "KaimingNormal",
    "KaimingUniform",
    "LecunNormal",
    "Orthogonal",
    "XavierNormal",
    "XavierUniform",
]

FanMode = Literal["fan_in", "fan_out", "fan_avg"]


def _fans(shape: tuple[int, ...]) -> tuple[float, float]:
    """(fan_in, fan_out): the last two dims times the receptive field before them."""
    if not shape:
        return 1.0, 1.0
    if len(shape) == 1:
        return float(shape[0]), float(shape[0])
    receptive = math.prod(shape[:-2])
    return float(shape[-2] * receptive), float(shape[-1] * receptive)


def _check_mode(owner: AbstractInitializer, mode: str) -> None:
    if mode not in ("fan_in", "fan_out", "fan_avg"):
        raise ValueError(
            f"{type(owner).__name__}: `mode` must be 'fan_in', 'fan_out' or "
            f"'fan_avg', got {mode!r}."
        )


def _variance_scaling(
    key: PRNGKeyArray | None,
    shape: Size,
    dtype: DTypeLike | None,
    scale: float,
    mode: FanMode,
    distribution: Literal["normal", "uniform"],
) -> jax.Array:
    """Zero-mean draws with variance `scale / n`, `n` the fan chosen by `mode`."""
    shape = _as_shape(shape)
    fan_in, fan_out = _fans(shape)
    n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}
    variance = scale / max(1.0, n[mode])
    dtype = _float_dtype(dtype)
    if distribution == "normal":
        return math.sqrt(variance) * jax.random.normal(_key(key), shape, dtype)
    limit = math.sqrt(3.0 * variance)
    return jax.random.uniform(_key(key), shape, dtype, -limit, limit)


class XavierNormal(AbstractInitializer):
    r"""Glorot/Xavier normal: $\mathcal{N}(0, \frac{2s}{n_{in} + n_{out}})$.

    The variance is `scale` over the mean fan; `fan_in`/`fan_out` are the
    last two dims of `shape`, times the product of the leading dims.

    ```python
    import eqstate

    w = eqstate.init.XavierNormal()((200, 300))
    assert abs(float(w.std()) - (2 / 500) ** 0.5) < 0.01
    ```

    Args:
        scale: multiplies the variance.
    """

    scale: float = eqx.field(default=1.0, converter=float)

    def __call__(
        self,
        shape: Size,
        key: PRNGKeyArray | None = None,
        dtype: DTypeLike | None = None,
    ) -> jax.Array:
        return _variance_scaling(key, shape, dtype, self.scale, "fan_avg", "normal")


class XavierUniform(AbstractInitializer):
    r"""Glorot/Xavier uniform: $U(-l, l)$, $l = \sqrt{\frac{6s}{n_{in} + n_{out}}}$.

    ```python
    import eqstate

    w = eqstate.init.XavierUniform()((200, 300))
    assert float(abs(w).max()) <= (6 / 500) ** 0.5
    ```

    Args:
        scale: multiplies the variance.
    """

    scale: float = eqx.field(default=1.0, converter=float)

    def __call__(
        self,
        shape: Size,
        key: PRNGKeyArray | None = None,
        dtype: DTypeLike | None = None,
    ) -> jax.Array:
        return _variance_scaling(key, shape, dtype, self.scale, "fan_avg", "uniform")


class KaimingNormal(AbstractInitializer):
    r"""He/Kaiming normal: $\mathcal{N}(0, s / n)$, by default $s = 2$, $n = n_{in}$.

    ```python
    import eqstate

    w = eqstate.init.KaimingNormal()((400, 100))
    assert abs(float(w.std()) - (2 / 400) ** 0.5) < 0.01
    ```

    Args:
        scale: the variance numerator $s$ (2 suits ReLU networks).
        mode: which fan is $n$: `"fan_in"`, `"fan_out"` or `"fan_avg"`.
    """

    scale: float = eqx.field(default=2.0, converter=float)
    mode: FanMode = eqx.field(static=True, default="fan_in")

    def __check_init__(self) -> None:
        _check_mode(self, self.mode)

    def __call__(
        self,
        shape: Size,
        key: PRNGKeyArray | None = None,
        dtype: DTypeLike | None = None,
    ) -> jax.Array:
        return _variance_scaling(key, shape, dtype, self.scale, self.mode, "normal")


class KaimingUniform(AbstractInitializer):
    r"""He/Kaiming uniform: $U(-l, l)$ with $l = \sqrt{3 s / n}$, by default $s = 2$.

    ```python
    import eqstate

    w = eqstate.init.KaimingUniform()((400, 100))
    assert float(abs(w).max()) <= (6 / 400) ** 0.5
    ```

    Args:
        scale: the variance numerator $s$.
        mode: which fan is $n$: `"fan_in"`, `"fan_out"` or `"fan_avg"`.
    """

    scale: float = eqx.field(default=2.0, converter=float)
    mode: FanMode = eqx.field(static=True, default="fan_in")

    def __check_init__(self) -> None:
        _check_mode(self, self.mode)

    def __call__(
        self,
        shape: Size,
        key: PRNGKeyArray | None = None,
        dtype: DTypeLike | None = None,
    ) -> jax.Array:
        return _variance_scaling(key, shape, dtype, self.scale, self.mode, "uniform")


class LecunNormal(AbstractInitializer):
    r"""LeCun normal: $\mathcal{N}(0, s / n_{in})$ with $s = 1$ by default.

    ```python
    import eqstate

    w = eqstate.init.LecunNormal()((400, 100))
    assert abs(float(w.std()) - (1 / 400) ** 0.5) < 0.01
    ```

    Args:
        scale: the variance numerator $s$.
    """

    scale: float = eqx.field(default=1.0, converter=float)

    def __call__(
        self,
        shape: Size,
        key: PRNGKeyArray | None = None,
        dtype: DTypeLike | None = None,
    ) -> jax.Array:
        return _variance_scaling(key, shape, dtype, self.scale, "fan_in", "normal")


class Orthogonal(AbstractInitializer):
    """A (semi-)orthogonal matrix times `scale`, from the QR of a Gaussian matrix.

    The shape is read as a matrix of `prod(shape[:-1])` rows and `shape[-1]`
    columns; its rows or its columns, whichever are fewer, are orthonormal.

    ```python
    import jax.numpy as jnp
    import eqstate

    q = eqstate.init.Orthogonal()((5, 3))
    assert jnp.allclose(q.T @ q, jnp.eye(3), atol=1e-5)
    ```

    Args:
        scale: multiplies the matrix.
    """

    scale: float = eqx.field(default=1.0, converter=float)

    def __call__(
        self,
        shape: Size,
        key: PRNGKeyArray | None = None,
        dtype: DTypeLike | None = None,
    ) -> jax.Array:
        shape = _as_shape(shape)
        if len(shape) < 2:
            raise ValueError(
                f"Orthogonal needs a shape with at least 2 dims, got {shape}."
            )
        n_cols = shape[-1]
        n_rows = math.prod(shape[:-1])
        tall = (max(n_rows, n_cols), min(n_rows, n_cols))
        out_dtype = _float_dtype(dtype)
        work = jnp.promote_types(out_dtype, jnp.float32)  # LAPACK has no 16-bit QR
        a = jax.random.normal(_key(key), tall, work)
        q, r = jnp.linalg.qr(a)
        q = q * jnp.sign(jnp.diagonal(r))[None, :]  # a unique, uniform draw
        if n_rows < n_cols:
            q = q.T
        return (self.scale * q.reshape(shape)).astype(out_dtype)
