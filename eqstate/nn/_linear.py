"""Dense layers: `Linear` and its variants, and `Identity`.

Parameters live in one `ParamState` named `weight`, holding a dict
(`{'weight': w, 'bias': b}`) the way brainstate stores them, so optimizers and
checkpoints see the same tree as in brainstate.

Weights and inputs may carry brainunit units (conductances in a spiking
network): the products run on the mantissas and the result carries the product
of the units (`_contract`), so a plain-array call runs exactly the `jnp` code
and brainunit is never imported.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
from jaxtyping import Array, Float

from .. import init
from .._state_kinds import ParamState
from .._units import ArrayOrQuantity, attach_unit, is_quantity, split_unit, with_unit
from ..sharding._init import layer_names
from . import init as nn_init
from ._elementwise import ElementWiseBlock
from ._layer_common import LayerError, as_size
from ._module import Module, init_module
from ._normalization import weight_standardization

__all__ = [
    "AllToAll",
    "Identity",
    "Linear",
    "LoRA",
    "OneToOne",
    "ScaledWSLinear",
    "SignedWLinear",
]

Init = Callable[..., Any] | jax.Array | Any


def _check_sizes(owner: Module, in_size: Any, out_size: Any) -> tuple[int, int]:
    """Set `in_size` / `out_size`; return the (input, output) feature counts."""
    n_in, n_out = as_size(in_size), as_size(out_size, "out_size")
    if n_in[:-1] != n_out[:-1]:
        raise LayerError(
            f"{type(owner).__name__}: in_size {n_in} and out_size {n_out} must "
            f"agree on all but the last dim; e.g. out_size={n_in[:-1] + n_out[-1:]}."
        )
    owner.in_size, owner.out_size = n_in, n_out
    return n_in[-1], n_out[-1]


def _times(a: Any, b: Any) -> Any:
    """The product of two units, either of which may be None (no unit)."""
    if a is None or b is None:
        return b if a is None else a
    return a * b


def _contract(
    op: Callable[[Any, Any], Any], x: ArrayOrQuantity, w: ArrayOrQuantity
) -> ArrayOrQuantity:
    """`op(x, w)` (a matrix product), with the product of their units if any."""
    (xm, x_unit), (wm, w_unit) = split_unit(x), split_unit(w)
    return attach_unit(op(xm, wm), _times(x_unit, w_unit))


def _dense_params(
    w_init: Init, b_init: Init | None, n_in: int, n_out: int
) -> dict[str, Any]:
    params = {"weight": init.param(w_init, (n_in, n_out))}
    if b_init is not None:
        params["bias"] = init.param(b_init, (n_out,))
    return params


class Linear(Module):
    r"""A dense layer: $y = x W + b$ (with an optional fixed mask on $W$).

    ```python
    import jax.numpy as jnp
    import eqstate

    layer = eqstate.nn.Linear(3, 2, w_init=jnp.ones((3, 2)), b_init=jnp.zeros(2))
    assert layer(jnp.ones((4, 3))).shape == (4, 2)
    assert set(layer.weight.value) == {"weight", "bias"}
    ```

    Args:
        in_size: the input features (an int, or a shape whose last dim is them).
        out_size: the output features.
        w_init: an array of shape `(in, out)` or an `eqstate.init` initializer.
        b_init: the bias (array or initializer), or None for no bias.
        w_mask: a fixed array (or initializer) multiplied into the weight.
        name: the module's name.
        param_type: the State class holding the parameters.
    """

    weight: ParamState[dict[str, Array]]
    w_mask: Array | None

    def __init__(
        self,
        in_size: int | Sequence[int],
        out_size: int | Sequence[int],
        w_init: Init = nn_init.KaimingNormal(),
        b_init: Init | None = init.ZeroInit(),
        w_mask: Init | None = None,
        name: str | None = None,
        param_type: type = ParamState,
    ):
        init_module(self, name)
        n_in, n_out = _check_sizes(self, in_size, out_size)
        self.w_mask = init.param(w_mask, (n_in, n_out))
        params = _dense_params(w_init, b_init, n_in, n_out)
        inits = {"weight": w_init, "bias": b_init}  # logical names, if any
        self.weight = param_type(params, **layer_names(**{k: inits[k] for k in params}))

    def update(
        self, x: Float[ArrayOrQuantity, "*batch in"]
    ) -> Float[ArrayOrQuantity, "*batch out"]:
        """`x @ weight (* w_mask) + bias`."""
        params = self.weight.value
        w = params["weight"]
        if self.w_mask is not None:
            w = w * self.w_mask
        y = _contract(jnp.dot, x, w)
        if "bias" in params:
            y = y + params["bias"]
        return y


class ScaledWSLinear(Module):
    """A `Linear` layer whose weight is standardized (`weight_standardization`)
    on every call, with a learned per-output gain.

    ```python
    import jax.numpy as jnp
    import eqstate

    layer = eqstate.nn.ScaledWSLinear(4, 3)
    assert layer(jnp.ones((2, 4))).shape == (2, 3)
    assert layer.weight.value["gain"].shape == (1, 3)
    ```

    Args:
        in_size: the input features.
        out_size: the output features.
        w_init: the weight (array or initializer).
        b_init: the bias, or None.
        w_mask: a fixed mask of shape `(in, 1)` multiplied into the weight.
        ws_gain: learn a per-output gain (`params['gain']`).
        eps: the lower bound on `fan_in * var` in the standardization.
        name: the module's name.
        param_type: the State class holding the parameters.
    """

    weight: ParamState[dict[str, Array]]
    w_mask: Array | None
    eps: float = eqx.field(static=True)

    def __init__(
        self,
        in_size: int | Sequence[int],
        out_size: int | Sequence[int],
        w_init: Init = nn_init.KaimingNormal(),
        b_init: Init | None = init.ZeroInit(),
        w_mask: Init | None = None,
        ws_gain: bool = True,
        eps: float = 1e-4,
        name: str | None = None,
        param_type: type = ParamState,
    ):
        init_module(self, name)
        n_in, n_out = _check_sizes(self, in_size, out_size)
        self.w_mask = init.param(w_mask, (n_in, 1))
        self.eps = float(eps)
        params = _dense_params(w_init, b_init, n_in, n_out)
        if is_quantity(params["weight"]):
            raise LayerError(
                "ScaledWSLinear: the weight carries the unit "
                f"{params['weight'].unit}, but weight standardization divides the "
                "weight by its own spread, which leaves no unit (brainstate fails "
                "here too). Pass a plain weight and put the unit on the output, "
                "e.g. `layer(x) * u.mS`, or use `Linear` for a weight in units."
            )
        if ws_gain:
            params["gain"] = jnp.ones((1, n_out), params["weight"].dtype)
        self.weight = param_type(params)

    def update(self, x: Float[Array, "*batch in"]) -> Float[Array, "*batch out"]:
        """`x @ standardized(weight) + bias`."""
        params = self.weight.value
        w = weight_standardization(params["weight"], self.eps, params.get("gain"))
        if self.w_mask is not None:
            w = w * self.w_mask
        y = jnp.dot(x, w)
        if "bias" in params:
            y = y + params["bias"]
        return y


class SignedWLinear(Module):
    r"""A dense layer with sign-constrained weights: $y = x\,(|W| \odot s)$.

    ```python
    import jax.numpy as jnp
    import eqstate

    sign = jnp.array([[1.0], [-1.0]])
    layer = eqstate.nn.SignedWLinear(2, 1, w_init=jnp.array([[-2.0], [3.0]]), w_sign=sign)
    assert float(layer(jnp.ones(2))[0]) == -1.0  # 2 - 3
    ```

    Args:
        in_size: the input features.
        out_size: the output features.
        w_init: the weight (array or initializer); only its magnitude is used.
        w_sign: a fixed array of signs broadcast against the weight, or None (all +).
        name: the module's name.
        param_type: the State class holding the weight (a single array).
    """

    weight: ParamState[Array]
    w_sign: Array | None

    def __init__(
        self,
        in_size: int | Sequence[int],
        out_size: int | Sequence[int],
        w_init: Init = nn_init.KaimingNormal(),
        w_sign: Any | None = None,
        name: str | None = None,
        param_type: type = ParamState,
    ):
        init_module(self, name)
        shape = _check_sizes(self, in_size, out_size)
        self.w_sign = None if w_sign is None else jnp.asarray(w_sign)
        self.weight = param_type(init.param(w_init, shape))

    def update(
        self, x: Float[ArrayOrQuantity, "*batch in"]
    ) -> Float[ArrayOrQuantity, "*batch out"]:
        """`x @ (|weight| * w_sign)`."""
        w, unit = split_unit(self.weight.value)
        w = jnp.abs(w)
        if self.w_sign is not None:
            w = w * self.w_sign
        return _contract(jnp.matmul, x, with_unit(w, unit))


class AllToAll(Module):
    """All-to-all connections: a dense layer that may exclude self-connections.

    The weight is a matrix, or a scalar shared by every connection.

    ```python
    import jax.numpy as jnp
    import eqstate

    layer = eqstate.nn.AllToAll(3, 3, w_init=jnp.array(1.0), include_self=False)
    y = layer(jnp.array([1.0, 2.0, 3.0]))
    assert y.tolist() == [5.0, 4.0, 3.0]  # the sum of the others
    ```

    Like the other dense layers, it takes weights (and inputs) with brainunit
    units, and its output carries their product:

    ```python
    import brainunit as u
    import jax.numpy as jnp
    import eqstate

    layer = eqstate.nn.AllToAll(3, 2, w_init=jnp.full((3, 2), 0.5) * u.mS)
    g = layer(jnp.array([1.0, 0.0, 1.0]))  # spikes in, conductances out
    assert g.unit == u.mS and g.to_decimal(u.mS).tolist() == [1.0, 1.0]
    ```

    Args:
        in_size: the number of presynaptic units.
        out_size: the number of postsynaptic units.
        w_init: the weight: an `(in, out)` array, a scalar, or an initializer.
        b_init: the bias (array or initializer), or None.
        include_self: keep the diagonal connections `i -> i`.
        name: the module's name.
        param_type: the State class holding the parameters.
    """

    weight: ParamState[dict[str, Array]]
    include_self: bool = eqx.field(static=True)
    weight_shape: tuple[int, int] = eqx.field(static=True, repr=False)

    def __init__(
        self,
        in_size: int | Sequence[int],
        out_size: int | Sequence[int],
        w_init: Init = nn_init.KaimingNormal(),
        b_init: Init | None = None,
        include_self: bool = True,
        name: str | None = None,
        param_type: type = ParamState,
    ):
        init_module(self, name)
        n_in, n_out = _check_sizes(self, in_size, out_size)
        self.include_self = bool(include_self)
        self.weight_shape = (n_in, n_out)
        params = _dense_params(w_init, b_init, n_in, n_out)
        if not is_quantity(params["weight"]):  # a Python number: a 0-d array
            params["weight"] = jnp.asarray(params["weight"])
        self.weight = param_type(params)

    def update(
        self, x: Float[ArrayOrQuantity, "*batch in"]
    ) -> Float[ArrayOrQuantity, "*out"]:
        """Every input unit to every output unit (the diagonal optionally removed).

        A scalar weight sums the inputs; a 1-d `x` then gives a scalar, as in
        brainstate.
        """
        params = self.weight.value
        x, x_unit = split_unit(x)
        w, w_unit = split_unit(params["weight"])
        n_in, n_out = self.weight_shape
        if jnp.ndim(w) == 0:
            y = jnp.sum(x, axis=-1, keepdims=x.ndim > 1)
            if not self.include_self:
                if n_in >= n_out:
                    own = x[..., :n_out]
                else:
                    own = jnp.pad(x, [(0, 0)] * (x.ndim - 1) + [(0, n_out - n_in)])
                y = y - own
            y = w * y
        else:
            if not self.include_self:
                w = w * (1 - jnp.eye(n_in, n_out, dtype=w.dtype))
            y = x @ w
        y = attach_unit(y, _times(x_unit, w_unit))
        if "bias" in params:
            y = y + params["bias"]
        return y


class OneToOne(Module):
    r"""Element-wise connections: $y = x \odot w + b$.

    ```python
    import jax.numpy as jnp
    import eqstate

    layer = eqstate.nn.OneToOne(3, w_init=jnp.array([1.0, 2.0, 3.0]))
    assert layer(jnp.ones(3)).tolist() == [1.0, 2.0, 3.0]
    ```

    Args:
        in_size: the shape of one input (and output).
        w_init: the weight (array or initializer) of shape `in_size`.
        b_init: the bias, or None.
        name: the module's name.
        param_type: the State class holding the parameters.
    """

    weight: ParamState[dict[str, Array]]

    def __init__(
        self,
        in_size: int | Sequence[int],
        w_init: Init = init.Normal(),
        b_init: Init | None = None,
        name: str | None = None,
        param_type: type = ParamState,
    ):
        init_module(self, name)
        size = as_size(in_size)
        self.in_size = self.out_size = size
        params = {"weight": init.param(w_init, size)}
        if b_init is not None:
            params["bias"] = init.param(b_init, size)
        self.weight = param_type(params)

    def update(
        self, x: Float[ArrayOrQuantity, "*batch"]
    ) -> Float[ArrayOrQuantity, "*batch"]:
        """`x * weight + bias`."""
        params = self.weight.value
        y = x * params["weight"]
        if "bias" in params:
            y = y + params["bias"]
        return y


class LoRA(Module):
    r"""A low-rank adapter: $y = x A B$ (plus `base_module(x)` when given).

    ```python
    import jax.numpy as jnp
    import eqstate

    base = eqstate.nn.Linear(4, 3)
    lora = eqstate.nn.LoRA(4, 2, 3, base_module=base)
    x = jnp.ones((5, 4))
    assert lora(x).shape == (5, 3)
    assert set(lora.weight.value) == {"lora_a", "lora_b"}
    ```

    Args:
        in_features: the input features.
        lora_rank: the rank of the update.
        out_features: the output features.
        base_module: a module whose output is added, or None.
        kernel_init: the initializer of both factors.
        param_type: the State class holding `lora_a` and `lora_b`.
        in_size: the full input shape, if known (sets `out_size` accordingly).
    """

    weight: ParamState[dict[str, Array]]
    base_module: Any
    in_features: int = eqx.field(static=True)
    out_features: int = eqx.field(static=True)

    def __init__(
        self,
        in_features: int,
        lora_rank: int,
        out_features: int,
        *,
        base_module: Module | None = None,
        kernel_init: Init = nn_init.LecunNormal(),
        param_type: type = ParamState,
        in_size: int | Sequence[int] | None = None,
    ):
        init_module(self, None)
        self.in_features = int(in_features)
        self.out_features = int(out_features)
        size = as_size(in_features if in_size is None else in_size)
        self.in_size, self.out_size = size, size[:-1] + (int(out_features),)
        if base_module is not None and not callable(base_module):
            raise LayerError(
                f"LoRA: base_module must be callable (a module), got "
                f"{type(base_module).__name__}."
            )
        self.base_module = base_module
        self.weight = param_type(
            {
                "lora_a": init.param(kernel_init, (in_features, lora_rank)),
                "lora_b": init.param(kernel_init, (lora_rank, out_features)),
            }
        )

    def update(
        self, x: Float[ArrayOrQuantity, "*batch in"]
    ) -> Float[ArrayOrQuantity, "*batch out"]:
        """`x @ lora_a @ lora_b (+ base_module(x))`."""
        params = self.weight.value
        y = _contract(
            jnp.matmul, _contract(jnp.matmul, x, params["lora_a"]), params["lora_b"]
        )
        if self.base_module is not None:
            y = y + self.base_module(x)
        return y


class Identity(ElementWiseBlock):
    """Returns its input unchanged (a placeholder in a `Sequential`).

    ```python
    import jax.numpy as jnp
    import eqstate

    x = jnp.arange(3.0)
    assert (eqstate.nn.Identity()(x) == x).all()
    ```

    Args:
        name: the module's name.
    """

    def __init__(self, name: str | None = None):
        init_module(self, name)

    def update(self, x: Any) -> Any:
        """`x`."""
        return x
