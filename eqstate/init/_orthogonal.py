"""Structured initializers: `Orthogonal`, `DeltaOrthogonal` and `Identity`."""

from __future__ import annotations

import math
from typing import Any

import jax
import jax.numpy as jnp
from jax.typing import DTypeLike
from jaxtyping import PRNGKeyArray

from ._common import (
    InitializationError,
    Size,
    _as_shape,
    _float_dtype,
    _key,
    _times_unit,
)
from ._init import Initialization

__all__ = ["DeltaOrthogonal", "Identity", "Orthogonal"]


def _orthogonal(key: PRNGKeyArray, shape: tuple[int, ...], dtype: Any) -> jax.Array:
    """A uniformly drawn (semi-)orthogonal `prod(shape[:-1]) x shape[-1]` matrix."""
    n_cols = shape[-1]
    n_rows = math.prod(shape[:-1])
    tall = (max(n_rows, n_cols), min(n_rows, n_cols))
    work = jnp.promote_types(dtype, jnp.float32)  # LAPACK has no 16-bit QR
    a = jax.random.normal(key, tall, work)
    q, r = jnp.linalg.qr(a)
    q = q * jnp.sign(jnp.diagonal(r))[None, :]  # a unique, uniform draw
    if n_rows < n_cols:
        q = q.T
    return q.reshape(shape)


class Orthogonal(Initialization):
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
        unit: braintools' deprecated `unit=`: multiplies the result.
    """

    scale: Any = 1.0
    unit: Any = None

    def __call__(
        self,
        shape: Size,
        key: PRNGKeyArray | None = None,
        dtype: DTypeLike | None = None,
        **kwargs: Any,
    ) -> Any:
        del kwargs
        shape = _as_shape(shape)
        if len(shape) < 2:
            raise InitializationError(
                f"Orthogonal needs a shape with at least 2 dims, got {shape}. "
                "Use Normal for a vector."
            )
        out_dtype = _float_dtype(dtype)
        q = _orthogonal(_key(key), shape, out_dtype)
        return _times_unit((self.scale * q).astype(out_dtype), self.unit)


class DeltaOrthogonal(Initialization):
    """A convolution kernel that is zero except an orthogonal matrix at its centre.

    Kernels are channels-last, `(*spatial, in, out)`, as eqstate's layers store
    them: the `in x out` orthogonal matrix (times `scale`) sits at the centre
    tap `spatial // 2`, so the convolution starts as an orthogonal map of the
    channels (Xiao et al., 2018). braintools reads `(out, in, *spatial)`.

    ```python
    import jax.numpy as jnp
    import eqstate

    w = eqstate.init.DeltaOrthogonal()((3, 3, 4, 4))
    assert jnp.allclose(w[1, 1].T @ w[1, 1], jnp.eye(4), atol=1e-5)
    assert float(jnp.abs(w).sum() - jnp.abs(w[1, 1]).sum()) == 0.0
    ```

    Args:
        scale: multiplies the orthogonal matrix.
        unit: braintools' deprecated `unit=`: multiplies the result.
    """

    scale: Any = 1.0
    unit: Any = None

    def __call__(
        self,
        shape: Size,
        key: PRNGKeyArray | None = None,
        dtype: DTypeLike | None = None,
        **kwargs: Any,
    ) -> Any:
        del kwargs
        shape = _as_shape(shape)
        if len(shape) < 3:
            raise InitializationError(
                f"DeltaOrthogonal needs a kernel shape (*spatial, in, out) with at "
                f"least 3 dims, got {shape}. Use Orthogonal for a matrix."
            )
        out_dtype = _float_dtype(dtype)
        q = _orthogonal(_key(key), shape[-2:], out_dtype)
        centre = tuple(s // 2 for s in shape[:-2])
        w = (
            jnp.zeros(shape, out_dtype)
            .at[centre]
            .set((self.scale * q).astype(out_dtype))
        )
        return _times_unit(w, self.unit)


class Identity(Initialization):
    """Ones on the diagonal (of the last two dims) times `scale`, zeros elsewhere.

    A 1-D shape gives a vector of `scale`; a non-square matrix gets ones on
    its main diagonal; more dims repeat the (possibly rectangular) identity
    over the leading dims.

    ```python
    import eqstate

    w = eqstate.init.Identity(scale=2.0)((2, 3))
    assert w.tolist() == [[2.0, 0.0, 0.0], [0.0, 2.0, 0.0]]
    ```

    Args:
        scale: the diagonal value.
        unit: if given (a brainunit unit), the result carries it.
    """

    scale: Any = 1.0
    unit: Any = None

    def __call__(
        self,
        shape: Size,
        key: PRNGKeyArray | None = None,
        dtype: DTypeLike | None = None,
        **kwargs: Any,
    ) -> Any:
        del key, kwargs
        shape = _as_shape(shape)
        out_dtype = _float_dtype(dtype)
        if len(shape) == 0:
            eye = jnp.ones((), out_dtype)
        elif len(shape) == 1:
            eye = jnp.ones(shape, out_dtype)
        else:
            eye = jnp.broadcast_to(
                jnp.eye(shape[-2], shape[-1], dtype=out_dtype), shape
            )
        return _times_unit((self.scale * eye).astype(out_dtype), self.unit)
