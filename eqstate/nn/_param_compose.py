"""Structural parameter transforms: affine maps, chains, masks, and maps onto
ordered vectors, the simplex and the unit sphere."""

from __future__ import annotations

import jax
import jax.numpy as jnp
from jax import Array

from ..typing import ArrayLike
from ._module import init_module
from ._param_transforms import Transform

__all__ = [
    "AffineT",
    "ChainT",
    "MaskedT",
    "OrderedT",
    "SimplexT",
    "UnitVectorT",
]


class AffineT(Transform):
    """`y = scale * x + shift`.

    ```python
    import jax.numpy as jnp
    import eqstate

    t = eqstate.nn.AffineT(2.0, 1.0)
    assert t.forward(jnp.array(1.0)) == 3.0 and t.inverse(jnp.array(3.0)) == 1.0
    ```

    Args:
        scale: the (non-zero) scale.
        shift: the shift.

    Raises:
        ValueError: if `scale` is zero (the map would not be invertible).
    """

    def __init__(self, scale: ArrayLike, shift: ArrayLike) -> None:
        init_module(self)
        if bool(jnp.allclose(jnp.asarray(scale), 0)):
            raise ValueError(
                "AffineT: scale must be non-zero for the map to be invertible; "
                "e.g. AffineT(scale=2.0, shift=0.0)."
            )
        self.a: Array = jnp.asarray(scale)
        self.b: Array = jnp.asarray(shift)

    def forward(self, x: ArrayLike) -> Array:
        return self.a * jnp.asarray(x) + self.b

    def inverse(self, y: ArrayLike) -> Array:
        return (jnp.asarray(y) - self.b) / self.a

    def log_abs_det_jacobian(self, x: ArrayLike, y: ArrayLike) -> Array:
        log_a = jnp.log(jnp.abs(self.a))
        if jnp.ndim(x) == 0:
            return jnp.sum(log_a)
        return jnp.sum(jnp.broadcast_to(log_a, jnp.shape(x)), axis=-1)


class ChainT(Transform):
    """Transforms applied in order: `forward` runs the first one first,
    `inverse` undoes them in reverse.

    ```python
    import jax.numpy as jnp
    import eqstate

    t = eqstate.nn.ChainT(eqstate.nn.AffineT(2.0, 0.0), eqstate.nn.SoftplusT(0.0))
    x = jnp.array([0.3, -0.2])
    assert jnp.allclose(t.inverse(t.forward(x)), x, atol=1e-5)
    ```

    Args:
        *transforms: the transforms, first applied first.
    """

    transforms: tuple[Transform, ...]

    def __init__(self, *transforms: Transform) -> None:
        init_module(self)
        self.transforms = tuple(transforms)

    def forward(self, x: ArrayLike) -> Array:
        x = jnp.asarray(x)
        for t in self.transforms:
            x = t.forward(x)
        return x

    def inverse(self, y: ArrayLike) -> Array:
        y = jnp.asarray(y)
        for t in reversed(self.transforms):
            y = t.inverse(y)
        return y

    def log_abs_det_jacobian(self, x: ArrayLike, y: ArrayLike) -> Array:
        x = jnp.asarray(x)
        total = jnp.zeros(jnp.shape(x)[:-1] if jnp.ndim(x) > 0 else ())
        for t in self.transforms:
            nxt = t.forward(x)
            total = total + t.log_abs_det_jacobian(x, nxt)
            x = nxt
        return total


class MaskedT(Transform):
    """Applies `transform` where `mask` is true and the identity elsewhere
    (`safe_value` is fed to `transform` at the masked-out places).

    ```python
    import jax.numpy as jnp
    import eqstate

    t = eqstate.nn.MaskedT(jnp.array([True, False]), eqstate.nn.PositiveT())
    assert t.forward(jnp.array([0.0, -3.0])).tolist() == [1.0, -3.0]
    ```

    Args:
        mask: where to apply `transform`.
        transform: the transform applied there.
        safe_value: a value valid for `transform`, used where `mask` is false.
    """

    def __init__(
        self, mask: ArrayLike, transform: Transform, safe_value: ArrayLike = 1.0
    ) -> None:
        init_module(self)
        self.mask: Array = jnp.asarray(mask)
        self.transform = transform
        self.safe_value: Array = jnp.asarray(safe_value)

    def forward(self, x: ArrayLike) -> Array:
        x = jnp.asarray(x)
        safe = jnp.where(self.mask, x, self.safe_value)
        return jnp.where(self.mask, self.transform.forward(safe), x)

    def inverse(self, y: ArrayLike) -> Array:
        y = jnp.asarray(y)
        safe = jnp.where(self.mask, y, self.safe_value)
        return jnp.where(self.mask, self.transform.inverse(safe), y)


class OrderedT(Transform):
    """Maps a vector onto an increasing one: the first entry kept, then cumulative softplus steps.

    ```python
    import jax.numpy as jnp
    import eqstate

    t = eqstate.nn.OrderedT()
    x = jnp.array([0.5, -1.0, 2.0])
    y = t.forward(x)
    assert jnp.allclose(t.inverse(y), x, atol=1e-5)
    ```
    """

    def __init__(self) -> None:
        init_module(self)

    def forward(self, x: ArrayLike) -> Array:
        x = jnp.asarray(x)
        first = x[..., :1]
        steps = jnp.cumsum(jax.nn.softplus(x[..., 1:]), axis=-1)
        return jnp.concatenate([first, first + steps], axis=-1)

    def inverse(self, y: ArrayLike) -> Array:
        y = jnp.asarray(y)
        gaps = y[..., 1:] - y[..., :-1]
        return jnp.concatenate([y[..., :1], gaps + jnp.log(-jnp.expm1(-gaps))], axis=-1)


class SimplexT(Transform):
    """Maps `n` reals onto the probability simplex of `n + 1` entries (stick breaking).

    ```python
    import jax.numpy as jnp
    import eqstate

    t = eqstate.nn.SimplexT()
    x = jnp.array([0.5, -1.0])
    y = t.forward(x)
    assert jnp.allclose(t.inverse(y), x, atol=1e-5)
    ```
    """

    def __init__(self) -> None:
        init_module(self)

    def forward(self, x: ArrayLike) -> Array:
        z = jax.nn.sigmoid(jnp.asarray(x))
        left = jnp.cumprod(1 - z, axis=-1)
        before = jnp.concatenate([jnp.ones_like(z[..., :1]), left[..., :-1]], axis=-1)
        return jnp.concatenate([z * before, left[..., -1:]], axis=-1)

    def inverse(self, y: ArrayLike) -> Array:
        y = jnp.asarray(y)
        head = y[..., :-1]
        remaining = 1 - jnp.cumsum(head, axis=-1) + head
        eps = jnp.finfo(y.dtype).eps
        return jax.scipy.special.logit(
            jnp.clip(head / (remaining + eps), eps, 1.0 - eps)
        )


class UnitVectorT(Transform):
    """Normalises the last axis to unit length; the inverse is the identity.

    ```python
    import jax.numpy as jnp
    import eqstate

    t = eqstate.nn.UnitVectorT()
    x = jnp.array([3.0, 4.0])
    y = t.forward(x)
    assert jnp.allclose(jnp.linalg.norm(y), 1.0)
    ```
    """

    def __init__(self) -> None:
        init_module(self)

    def forward(self, x: ArrayLike) -> Array:
        x = jnp.asarray(x)
        return x / jnp.sqrt(jnp.sum(x**2, axis=-1, keepdims=True) + 1e-8)

    def inverse(self, y: ArrayLike) -> Array:
        return jnp.asarray(y)
