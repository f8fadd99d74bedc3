"""Dropout layers: `Dropout`, `Dropout1d..3d`, `AlphaDropout`,
`FeatureAlphaDropout`, `DropoutFixed`.

Each draws its mask from `eqstate.random` (so inside `eqstate.transform.jit`
every call gets a fresh mask) and is the identity unless
`eqstate.environ.get('fit')` is true. As in brainstate, `prob` is the
probability of **keeping** a unit.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

import equinox as eqx
import jax.numpy as jnp
from jaxtyping import Array, Float

from .. import environ, random
from .._state_kinds import ShortTermState
from ._elementwise import ElementWiseBlock
from ._layer_common import LayerError, as_size
from ._module import Module, init_module

__all__ = [
    "AlphaDropout",
    "Dropout",
    "Dropout1d",
    "Dropout2d",
    "Dropout3d",
    "DropoutFixed",
    "FeatureAlphaDropout",
]

_SELU_ALPHA = -1.7580993408473766  # -scale * alpha of SELU: where dropped units go


def _check_prob(owner: Module, prob: float) -> float:
    if not 0.0 <= prob <= 1.0:
        raise LayerError(
            f"{type(owner).__name__}: prob (the probability of keeping a unit) must "
            f"be in [0, 1], got {prob}."
        )
    return float(prob)


def _keep(x: Array, keep: Array, prob: float) -> Array:
    """Kept units scaled by `1 / prob`, dropped ones zero."""
    keep = jnp.broadcast_to(keep, x.shape)
    return jnp.where(keep, (x / prob).astype(x.dtype), jnp.zeros((), x.dtype))


def _alpha(x: Array, keep: Array, prob: float) -> Array:
    """Dropped units set to SELU's negative saturation, then an affine map that
    keeps the mean and variance of a standardised input."""
    a = (prob * (1 + (1 - prob) * _SELU_ALPHA**2)) ** -0.5
    b = -a * (1 - prob) * _SELU_ALPHA
    kept = jnp.where(
        jnp.broadcast_to(keep, x.shape), x, jnp.asarray(_SELU_ALPHA, x.dtype)
    )
    return kept * a + b


def _training(prob: float) -> bool:
    return bool(environ.get("fit")) and prob < 1.0


class Dropout(ElementWiseBlock):
    """Zero each unit with probability `1 - prob` in training, scaling the
    kept ones by `1 / prob`.

    ```python
    import jax.numpy as jnp
    import eqstate

    drop = eqstate.nn.Dropout(0.5)
    x = jnp.ones((4, 8))
    with eqstate.environ.context(fit=True):
        y = drop(x)
    assert set(y.ravel().tolist()) <= {0.0, 2.0}
    with eqstate.environ.context(fit=False):
        assert (drop(x) == x).all()
    ```

    Args:
        prob: the probability of keeping a unit.
        broadcast_dims: axes along which the mask is shared.
        name: the module's name.
    """

    prob: float = eqx.field(static=True)
    broadcast_dims: tuple[int, ...] = eqx.field(static=True)

    def __init__(
        self,
        prob: float = 0.5,
        broadcast_dims: Sequence[int] = (),
        name: str | None = None,
    ) -> None:
        init_module(self, name)
        self.prob = _check_prob(self, prob)
        self.broadcast_dims = tuple(broadcast_dims)

    def update(self, x: Float[Array, "*shape"]) -> Float[Array, "*shape"]:
        """`x` with units dropped (training) or unchanged."""
        if not _training(self.prob):
            return x
        shape = list(x.shape)
        for d in self.broadcast_dims:
            shape[d] = 1
        return _keep(x, random.bernoulli(self.prob, shape), self.prob)


class _DropoutNd(ElementWiseBlock):
    """Channel-wise dropout: one draw per (sample, channel)."""

    minimal_dim: ClassVar[int]

    prob: float = eqx.field(static=True)
    channel_axis: int = eqx.field(static=True)

    def __init__(
        self, prob: float = 0.5, channel_axis: int = -1, name: str | None = None
    ) -> None:
        init_module(self, name)
        self.prob = _check_prob(self, prob)
        self.channel_axis = int(channel_axis)

    def update(self, x: Float[Array, "*shape"]) -> Float[Array, "*shape"]:
        """`x` with whole channels dropped (training) or unchanged."""
        n = self.minimal_dim
        if x.ndim not in (n, n + 1):
            raise LayerError(
                f"{type(self).__name__} expects {n}-d (unbatched) or {n + 1}-d "
                f"(batched) inputs ({n - 1} spatial dims + channels), got shape {x.shape}."
            )
        batched = x.ndim == n + 1
        c = self.channel_axis
        c = c + x.ndim if c < 0 else c + batched
        shape = [
            d if i == c or (batched and i == 0) else 1 for i, d in enumerate(x.shape)
        ]
        if not _training(self.prob):
            return x
        return _keep(x, random.bernoulli(self.prob, shape), self.prob)


class Dropout1d(_DropoutNd):
    """Channel-wise dropout for `(length, channels)` inputs (optionally batched).

    ```python
    import jax.numpy as jnp
    import eqstate

    with eqstate.environ.context(fit=True):
        y = eqstate.nn.Dropout1d(0.5)(jnp.ones((2, 6, 4)))
    assert (y == y[:, :1]).all()  # a channel is kept or dropped along its length
    ```

    Args:
        prob: the probability of keeping a channel.
        channel_axis: the channel axis of an unbatched input.
        name: the module's name.
    """

    minimal_dim: ClassVar[int] = 2


class Dropout2d(_DropoutNd):
    """Channel-wise dropout for `(height, width, channels)` inputs (optionally batched).

    ```python
    import jax.numpy as jnp
    import eqstate

    with eqstate.environ.context(fit=True):
        y = eqstate.nn.Dropout2d(0.5)(jnp.ones((2, 3, 3, 4)))
    assert (y == y[:, :1, :1]).all()
    ```

    Args:
        prob: the probability of keeping a channel.
        channel_axis: the channel axis of an unbatched input.
        name: the module's name.
    """

    minimal_dim: ClassVar[int] = 3


class Dropout3d(_DropoutNd):
    """Channel-wise dropout for `(depth, height, width, channels)` inputs
    (optionally batched).

    ```python
    import jax.numpy as jnp
    import eqstate

    with eqstate.environ.context(fit=True):
        y = eqstate.nn.Dropout3d(0.5)(jnp.ones((2, 2, 2, 2, 4)))
    assert (y == y[:, :1, :1, :1]).all()
    ```

    Args:
        prob: the probability of keeping a channel.
        channel_axis: the channel axis of an unbatched input.
        name: the module's name.
    """

    minimal_dim: ClassVar[int] = 4


class AlphaDropout(ElementWiseBlock):
    """Dropout for SELU networks: dropped units take SELU's saturation value and
    an affine map keeps the input's mean and variance.

    ```python
    import jax.numpy as jnp
    import eqstate

    drop = eqstate.nn.AlphaDropout(0.8)
    with eqstate.environ.context(fit=True):
        y = drop(eqstate.random.randn(1000))
    assert abs(float(y.mean())) < 0.2 and abs(float(y.std()) - 1) < 0.2
    ```

    Args:
        prob: the probability of keeping a unit.
        name: the module's name.
    """

    prob: float = eqx.field(static=True)

    def __init__(self, prob: float = 0.5, name: str | None = None) -> None:
        init_module(self, name)
        self.prob = _check_prob(self, prob)

    def update(self, x: Float[Array, "*shape"]) -> Float[Array, "*shape"]:
        """`x` with units alpha-dropped (training) or unchanged."""
        if not _training(self.prob):
            return x
        return _alpha(x, random.bernoulli(self.prob, x.shape), self.prob)


class FeatureAlphaDropout(ElementWiseBlock):
    """`AlphaDropout` of whole channels: one draw per (sample, channel).

    ```python
    import jax.numpy as jnp
    import eqstate

    with eqstate.environ.context(fit=True):
        y = eqstate.nn.FeatureAlphaDropout(0.5)(jnp.zeros((2, 5, 3)))
    assert (y == y[:, :1]).all()
    ```

    Args:
        prob: the probability of keeping a channel.
        channel_axis: the channel axis.
        name: the module's name.
    """

    prob: float = eqx.field(static=True)
    channel_axis: int = eqx.field(static=True)

    def __init__(
        self, prob: float = 0.5, channel_axis: int = -1, name: str | None = None
    ) -> None:
        init_module(self, name)
        self.prob = _check_prob(self, prob)
        self.channel_axis = int(channel_axis)

    def update(self, x: Float[Array, "batch ..."]) -> Float[Array, "batch ..."]:
        """`x` with channels alpha-dropped (training) or unchanged."""
        if not _training(self.prob):
            return x
        shape = [1] * x.ndim
        shape[0] = x.shape[0]
        shape[self.channel_axis] = x.shape[self.channel_axis]
        return _alpha(x, random.bernoulli(self.prob, shape), self.prob)


class DropoutFixed(ElementWiseBlock):
    """Dropout with a mask drawn once, by `init_state` (e.g. through
    `eqstate.nn.init_all_states`), and reused on every call until redrawn.

    ```python
    import jax.numpy as jnp
    import eqstate

    drop = eqstate.nn.DropoutFixed(6, prob=0.5)
    drop.init_state(batch_size=2)
    with eqstate.environ.context(fit=True):
        a, b = drop(jnp.ones((2, 6))), drop(jnp.ones((2, 6)))
    assert (a == b).all()
    ```

    Args:
        in_size: the shape of one sample.
        prob: the probability of keeping a unit.
        name: the module's name.
    """

    prob: float = eqx.field(static=True)
    size: tuple[int, ...] = eqx.field(static=True, repr=False)

    def __init__(
        self, in_size: int | Sequence[int], prob: float = 0.5, name: str | None = None
    ) -> None:
        init_module(self, name)
        self.prob = _check_prob(self, prob)
        self.size = as_size(in_size)
        self.in_size = self.out_size = self.size

    def init_state(self, batch_size: int | None = None, **kwargs: Any) -> None:
        """Draw the mask (`self.mask`, a `ShortTermState`) for this batch size."""
        if self.prob < 1.0:
            size = self.size if batch_size is None else (batch_size, *self.size)
            self.mask: ShortTermState[Array] = ShortTermState(
                random.bernoulli(self.prob, size)
            )

    def update(self, x: Float[Array, "*shape"]) -> Float[Array, "*shape"]:
        """`x` with the fixed mask applied (training) or unchanged."""
        if not _training(self.prob):
            return x
        mask = getattr(self, "mask", None)
        if mask is None or mask.value.shape != x.shape:
            raise LayerError(
                f"DropoutFixed: the mask has shape "
                f"{None if mask is None else mask.value.shape} but the input has "
                f"shape {x.shape}; call `layer.init_state(batch_size=...)` (or "
                "`eqstate.nn.init_all_states(model, batch_size)`) first."
            )
        return _keep(x, mask.value, self.prob)
