"""`Embedding`: a lookup table of learned rows."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
from jax.core import Tracer
from jaxtyping import Array, Float, Int

from .. import init
from .._state_kinds import ParamState
from ..sharding._init import names_of
from ._layer_common import LayerError, as_size
from ._linear import Init
from ._module import Module, init_module

__all__ = ["Embedding"]


class Embedding(Module):
    """A lookup table: integer indices -> rows of a learned matrix.

    ```python
    import jax.numpy as jnp
    import eqstate

    table = eqstate.nn.Embedding(10, 4, padding_idx=0)
    out = table(jnp.array([[0, 3], [9, 9]]))
    assert out.shape == (2, 2, 4) and (out[0, 0] == 0).all()
    ```

    Args:
        num_embeddings: the number of rows.
        embedding_size: the shape of one row (an int or a tuple).
        embedding_init: the table (array) or an initializer; default LeCun
            uniform ($U(\\pm\\sqrt{3/n})$, `n` the row count's fan).
        padding_idx: a row set to zero that receives no gradient.
        max_norm: rows looked up are renormalised (in place, when called
            outside a trace) to at most this `norm_type` norm.
        norm_type: the p of the norm used with `max_norm`.
        scale_grad_by_freq: divide each row's gradient by how often it was
            looked up in the batch.
        freeze: stop gradients to the table.
        name: the module's name.
        param_type: the State class holding the table.
    """

    weight: ParamState[Array]
    num_embeddings: int = eqx.field(static=True)
    embedding_size: tuple[int, ...] = eqx.field(static=True)
    padding_idx: int | None = eqx.field(static=True)
    max_norm: float | None = eqx.field(static=True)
    norm_type: float = eqx.field(static=True)
    scale_grad_by_freq: bool = eqx.field(static=True)
    freeze: bool = eqx.field(static=True)

    def __init__(
        self,
        num_embeddings: int,
        embedding_size: int | Sequence[int],
        embedding_init: Init = init.KaimingUniform(scale=1.0),
        padding_idx: int | None = None,
        max_norm: float | None = None,
        norm_type: float = 2.0,
        scale_grad_by_freq: bool = False,
        freeze: bool = False,
        name: str | None = None,
        param_type: type = ParamState,
    ):
        init_module(self, name)
        self.num_embeddings = int(num_embeddings)
        self.embedding_size = as_size(embedding_size, "embedding_size")
        self.out_size = self.embedding_size
        if padding_idx is not None and not 0 <= padding_idx < num_embeddings:
            raise LayerError(
                f"Embedding: padding_idx={padding_idx} is not a row index; it must "
                f"be in [0, {num_embeddings})."
            )
        if max_norm is not None and max_norm <= 0:
            raise LayerError(f"Embedding: max_norm must be positive, got {max_norm}.")
        self.padding_idx = padding_idx
        self.max_norm = None if max_norm is None else float(max_norm)
        self.norm_type = float(norm_type)
        self.scale_grad_by_freq = bool(scale_grad_by_freq)
        self.freeze = bool(freeze)
        table = jnp.asarray(
            init.param(embedding_init, (self.num_embeddings, *self.embedding_size))
        )
        if padding_idx is not None:
            table = table.at[padding_idx].set(0)
        names = names_of(embedding_init)
        self.weight = param_type(table, **({} if names is None else {"names": names}))

    @classmethod
    def from_pretrained(
        cls,
        embeddings: Any,
        padding_idx: int | None = None,
        max_norm: float | None = None,
        norm_type: float = 2.0,
        scale_grad_by_freq: bool = False,
        freeze: bool = True,
        name: str | None = None,
        param_type: type = ParamState,
    ) -> Embedding:
        """An `Embedding` holding `embeddings` as is (frozen by default).

        ```python
        import jax.numpy as jnp
        import eqstate

        table = eqstate.nn.Embedding.from_pretrained(jnp.eye(3))
        assert table(jnp.array([1])).tolist() == [[0.0, 1.0, 0.0]]
        ```
        """
        embeddings = jnp.asarray(embeddings)
        if embeddings.ndim < 2:
            raise LayerError(
                "Embedding.from_pretrained: embeddings must have at least 2 dims "
                f"(rows, features...), got shape {embeddings.shape}."
            )
        layer = cls(
            embeddings.shape[0],
            embeddings.shape[1:],
            embeddings,
            padding_idx,
            max_norm,
            norm_type,
            scale_grad_by_freq,
            freeze,
            name,
            param_type,
        )
        layer.weight.value = embeddings
        return layer

    def update(self, indices: Int[Array, "*batch"]) -> Float[Array, "*batch features"]:
        """The rows at `indices`."""
        indices = jnp.asarray(indices)
        if not jnp.issubdtype(indices.dtype, jnp.integer):
            raise LayerError(
                f"Embedding: indices must be integers, got dtype {indices.dtype}; "
                "use `indices.astype(jnp.int32)`."
            )
        table = self.weight.value
        if self.max_norm is not None:
            renormed = self._renorm(table, indices)
            table = table + jax.lax.stop_gradient(renormed - table)
            if not isinstance(renormed, Tracer):
                self.weight.value = renormed
        if self.freeze:
            table = jax.lax.stop_gradient(table)
        return _lookup(table, indices, self.padding_idx, self.scale_grad_by_freq)

    def _renorm(self, table: Array, indices: Array) -> Array:
        rows = indices.ravel()
        flat = table.reshape(table.shape[0], -1)
        norms = jnp.linalg.norm(flat, ord=self.norm_type, axis=-1)
        assert self.max_norm is not None
        scale = jnp.where(norms > self.max_norm, self.max_norm / (norms + 1e-7), 1.0)
        hit = jnp.zeros(table.shape[0], bool).at[rows].set(True)
        if self.padding_idx is not None:
            hit = hit.at[self.padding_idx].set(False)
        scale = jnp.where(hit, scale, 1.0)
        return table * scale.reshape((-1,) + (1,) * (table.ndim - 1)).astype(
            table.dtype
        )


def _lookup(
    table: Array, indices: Array, padding_idx: int | None, by_freq: bool
) -> Array:
    """`table[indices]`, with the padding row's gradient zeroed and optional
    per-row frequency scaling of the gradient."""
    if padding_idx is None and not by_freq:
        return table[indices]

    @jax.custom_vjp
    def lookup(t: Array) -> Array:
        return t[indices]

    def fwd(t: Array) -> tuple[Array, None]:
        return t[indices], None

    def bwd(_: None, g: Array) -> tuple[Array]:
        rows = indices.ravel()
        g = g.reshape((rows.shape[0],) + table.shape[1:])
        weight = jnp.ones(rows.shape, g.dtype)
        if by_freq:
            counts = jnp.zeros(table.shape[0], g.dtype).at[rows].add(1)
            weight = weight / counts[rows]
        if padding_idx is not None:
            weight = jnp.where(rows == padding_idx, 0, weight)
        g = g * weight.reshape((-1,) + (1,) * (g.ndim - 1))
        return (jnp.zeros(table.shape, g.dtype).at[rows].add(g),)

    lookup.defvjp(fwd, bwd)
    return lookup(table)
