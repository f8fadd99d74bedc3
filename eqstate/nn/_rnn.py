"""Recurrent cells: `ValinaRNNCell`, `GRUCell`, `MGUCell`, `LSTMCell`, `URLSTMCell`.

A cell is one time step. Its hidden state lives in `HiddenState`s created by
`init_state(batch_size)` (so `nn.init_all_states(cell, batch_size=b)` sets it
up) and put back to the initial value by `reset_state`; `update(x)` reads the
previous hidden state, writes the next one and returns the output. Unroll a cell
over time with `eqstate.transform.for_loop`.

Weights are stored as brainstate stores them: each gate block is a `Linear`
layer `W` (or `Wrz`, `Wh`, `Wf`) holding one `ParamState` named `weight` whose value is
`{'weight': (num_in + num_out, k * num_out), 'bias': (k * num_out,)}`; the input
and the previous hidden state are concatenated (input first) before the matmul.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar

import equinox as eqx
import jax.numpy as jnp
from jax import Array
from jaxtyping import Float

from .. import init as _init
from .._errors import EqstateError
from .._state_kinds import HiddenState, ParamState
from ..typing import ArrayLike
from . import _activations as F, init as nn_init
from ._linear import Linear
from ._module import Module, init_module

__all__ = [
    "GRUCell",
    "LSTMCell",
    "MGUCell",
    "RNNCell",
    "URLSTMCell",
    "ValinaRNNCell",
]

Init = ArrayLike | Callable[..., Any]


def _activation(activation: str | Callable[..., Any], cls: str) -> Callable[..., Any]:
    if callable(activation):
        return activation
    fn = getattr(F, activation, None) if isinstance(activation, str) else None
    if fn is None or activation not in F.__all__:
        raise EqstateError(
            f"{cls}: unknown activation {activation!r}. Pass the name of a function "
            f"in eqstate.nn (e.g. activation='tanh') or a callable "
            f"(e.g. activation=jax.nn.relu)."
        )
    return fn


class RNNCell(Module):
    """Base class of recurrent cells: one time step of a recurrent network.

    Subclasses create their `HiddenState`s in `init_state(batch_size=None)`,
    reset them in `reset_state`, and advance them in `update(x)`.

    ```python
    import jax.numpy as jnp
    import eqstate

    class Accumulate(eqstate.nn.RNNCell):
        def __init__(self, n):
            super().__init__()
            self.n = n

        def init_state(self, batch_size=None, **kwargs):
            shape = (self.n,) if batch_size is None else (batch_size, self.n)
            self.h = eqstate.HiddenState(jnp.zeros(shape))

        def update(self, x):
            self.h.value = self.h.value + x
            return self.h.value

    cell = eqstate.nn.init_all_states(Accumulate(2))
    cell(jnp.ones(2))
    assert cell(jnp.ones(2)).tolist() == [2.0, 2.0]
    ```

    Args:
        name: an optional name.
    """

    def __init__(self, name: str | None = None):
        init_module(self, name)


class _Cell(RNNCell):
    """The shared constructor and state hooks of the built-in cells."""

    num_in: int = eqx.field(static=True)
    num_out: int = eqx.field(static=True)
    activation: Callable[..., Any] = eqx.field(static=True)
    _state_initializer: Any = eqx.field(static=True)

    if TYPE_CHECKING:  # created by `init_state` (LSTMs also have `c`)
        h: HiddenState[Array]
        c: HiddenState[Array]

    def _setup(
        self,
        num_in: int,
        num_out: int,
        state_init: Init,
        activation: str | Callable[..., Any],
        name: str | None,
    ) -> None:
        init_module(self, name)
        self.num_in = num_in
        self.num_out = num_out
        self.in_size = (num_in,)
        self.out_size = (num_out,)
        self._state_initializer = state_init
        self.activation = _activation(activation, type(self).__name__)

    def _initial(self, batch_size: int | None) -> Array:
        return jnp.asarray(
            _init.param(self._state_initializer, (self.num_out,), batch_size)
        )

    _hidden_names: ClassVar[tuple[str, ...]] = ("h",)

    def init_state(self, batch_size: int | None = None, **kwargs: Any) -> None:
        """Create the hidden state(s), zeros (or `state_init`) of shape
        `(num_out,)` or `(batch_size, num_out)`."""
        for key in self._hidden_names:
            setattr(self, key, HiddenState(self._initial(batch_size)))

    def reset_state(self, batch_size: int | None = None, **kwargs: Any) -> None:
        """Put the hidden state(s) back to their initial value."""
        for key in self._hidden_names:
            getattr(self, key).value = self._initial(batch_size)


class ValinaRNNCell(_Cell):
    r"""The vanilla (Elman) recurrent cell: $h_t = \phi(W [x_t, h_{t-1}] + b)$.

    ```python
    import jax.numpy as jnp
    import eqstate

    cell = eqstate.nn.ValinaRNNCell(3, 4)
    eqstate.nn.init_all_states(cell, batch_size=2)
    assert cell(jnp.ones((2, 3))).shape == (2, 4)
    ```

    Args:
        num_in: the number of input features.
        num_out: the number of hidden units.
        state_init: the initial hidden state (an initializer or an array).
        w_init: the initializer of `W`'s weight, shape `(num_in + num_out, num_out)`.
        b_init: the initializer of `W`'s bias.
        activation: $\phi$, a function name in `eqstate.nn` or a callable.
        name: an optional name.
    """

    def __init__(
        self,
        num_in: int,
        num_out: int,
        state_init: Init = _init.ZeroInit(),
        w_init: Init = nn_init.XavierNormal(),
        b_init: Init = _init.ZeroInit(),
        activation: str | Callable[..., Any] = "relu",
        name: str | None = None,
    ):
        self._setup(num_in, num_out, state_init, activation, name)
        self.W: Linear = Linear(num_in + num_out, num_out, w_init, b_init)

    def update(self, x: Float[Array, "*batch in"]) -> Float[Array, "*batch out"]:
        h = self.W(jnp.concatenate([x, self.h.value], axis=-1))
        self.h.value = self.activation(h)
        return self.h.value


class GRUCell(_Cell):
    r"""Gated recurrent unit.

    $[r, z] = \sigma(W_{rz}[x, h])$, $\tilde h = \phi(W_h [x, r \odot h])$,
    $h' = (1 - z) \odot h + z \odot \tilde h$.

    ```python
    import jax.numpy as jnp
    import eqstate

    cell = eqstate.nn.GRUCell(3, 4)
    eqstate.nn.init_all_states(cell)
    assert cell(jnp.ones(3)).shape == (4,)
    ```

    Args:
        num_in: the number of input features.
        num_out: the number of hidden units.
        w_init: the initializer of the weights of `Wrz` and `Wh`.
        b_init: the initializer of their biases.
        state_init: the initial hidden state.
        activation: $\phi$, a function name in `eqstate.nn` or a callable.
        name: an optional name.
    """

    def __init__(
        self,
        num_in: int,
        num_out: int,
        w_init: Init = _init.Orthogonal(),
        b_init: Init = _init.ZeroInit(),
        state_init: Init = _init.ZeroInit(),
        activation: str | Callable[..., Any] = "tanh",
        name: str | None = None,
    ):
        self._setup(num_in, num_out, state_init, activation, name)
        self.Wrz: Linear = Linear(num_in + num_out, num_out * 2, w_init, b_init)
        self.Wh: Linear = Linear(num_in + num_out, num_out, w_init, b_init)

    def update(self, x: Float[Array, "*batch in"]) -> Float[Array, "*batch out"]:
        h = self.h.value
        gates = F.sigmoid(self.Wrz(jnp.concatenate([x, h], axis=-1)))
        r, z = jnp.split(gates, 2, axis=-1)
        candidate = self.activation(self.Wh(jnp.concatenate([x, r * h], axis=-1)))
        self.h.value = (1 - z) * h + z * candidate
        return self.h.value


class MGUCell(_Cell):
    r"""Minimal gated unit: one forget gate.

    $f = \sigma(W_f[x, h])$, $\tilde h = \phi(W_h [x, f \odot h])$,
    $h' = (1 - f) \odot h + f \odot \tilde h$.

    ```python
    import jax.numpy as jnp
    import eqstate

    cell = eqstate.nn.MGUCell(3, 4)
    eqstate.nn.init_all_states(cell, batch_size=2)
    assert cell(jnp.ones((2, 3))).shape == (2, 4)
    ```

    Args:
        num_in: the number of input features.
        num_out: the number of hidden units.
        w_init: the initializer of the weights of `Wf` and `Wh`.
        b_init: the initializer of their biases.
        state_init: the initial hidden state.
        activation: $\phi$, a function name in `eqstate.nn` or a callable.
        name: an optional name.
    """

    def __init__(
        self,
        num_in: int,
        num_out: int,
        w_init: Init = _init.Orthogonal(),
        b_init: Init = _init.ZeroInit(),
        state_init: Init = _init.ZeroInit(),
        activation: str | Callable[..., Any] = "tanh",
        name: str | None = None,
    ):
        self._setup(num_in, num_out, state_init, activation, name)
        self.Wf: Linear = Linear(num_in + num_out, num_out, w_init, b_init)
        self.Wh: Linear = Linear(num_in + num_out, num_out, w_init, b_init)

    def update(self, x: Float[Array, "*batch in"]) -> Float[Array, "*batch out"]:
        h = self.h.value
        f = F.sigmoid(self.Wf(jnp.concatenate([x, h], axis=-1)))
        candidate = self.activation(self.Wh(jnp.concatenate([x, f * h], axis=-1)))
        self.h.value = (1 - f) * h + f * candidate
        return self.h.value


class LSTMCell(_Cell):
    r"""Long short-term memory cell, hidden state `h` and cell state `c`.

    $[i, g, f, o] = W[x, h]$ (split in four), then
    $c' = \sigma(f + 1) \odot c + \sigma(i) \odot \phi(g)$ and
    $h' = \sigma(o) \odot \phi(c')$. The `+1` biases the forget gate open.

    ```python
    import jax.numpy as jnp
    import eqstate

    cell = eqstate.nn.LSTMCell(3, 4)
    eqstate.nn.init_all_states(cell, batch_size=2)
    h = cell(jnp.ones((2, 3)))
    assert h.shape == cell.c.value.shape == (2, 4)
    ```

    Args:
        num_in: the number of input features.
        num_out: the number of hidden units.
        w_init: the initializer of `W`'s weight, shape `(num_in + num_out, 4 * num_out)`.
        b_init: the initializer of `W`'s bias.
        state_init: the initial `h` and `c`.
        activation: $\phi$, a function name in `eqstate.nn` or a callable.
        name: an optional name.
    """

    _hidden_names = ("c", "h")

    def __init__(
        self,
        num_in: int,
        num_out: int,
        w_init: Init = nn_init.XavierNormal(),
        b_init: Init = _init.ZeroInit(),
        state_init: Init = _init.ZeroInit(),
        activation: str | Callable[..., Any] = "tanh",
        name: str | None = None,
    ):
        self._setup(num_in, num_out, state_init, activation, name)
        self.W: Linear = Linear(num_in + num_out, num_out * 4, w_init, b_init)

    def update(self, x: Float[Array, "*batch in"]) -> Float[Array, "*batch out"]:
        h, c = self.h.value, self.c.value
        i, g, f, o = jnp.split(self.W(jnp.concatenate([x, h], axis=-1)), 4, axis=-1)
        c = F.sigmoid(f + 1.0) * c + F.sigmoid(i) * self.activation(g)
        h = F.sigmoid(o) * self.activation(c)
        self.h.value = h
        self.c.value = c
        return h


class URLSTMCell(_Cell):
    r"""LSTM with uniform gate initialisation and a refine gate (Gu et al., 2020).

    $[f, r, u, o] = W[x, h]$ (no bias in `W`); with the learned forget bias
    $b$ (`bias`, initialised so that $\sigma(b)$ is uniform in
    $(1/n, 1 - 1/n)$): $f_g = \sigma(f + b)$, $r_g = \sigma(r - b)$,
    $g = 2 r_g f_g + (1 - 2 r_g) f_g^2$, $c' = g \odot c + (1 - g) \odot \phi(u)$,
    $h' = \sigma(o) \odot \phi(c')$.

    ```python
    import jax.numpy as jnp
    import eqstate

    cell = eqstate.nn.URLSTMCell(3, 4)
    eqstate.nn.init_all_states(cell)
    assert cell(jnp.ones(3)).shape == (4,)
    ```

    Args:
        num_in: the number of input features.
        num_out: the number of hidden units.
        w_init: the initializer of `W`'s weight, shape `(num_in + num_out, 4 * num_out)`.
        state_init: the initial `h` and `c`.
        activation: $\phi$, a function name in `eqstate.nn` or a callable.
        name: an optional name.
    """

    _hidden_names = ("c", "h")

    def __init__(
        self,
        num_in: int,
        num_out: int,
        w_init: Init = nn_init.XavierNormal(),
        state_init: Init = _init.ZeroInit(),
        activation: str | Callable[..., Any] = "tanh",
        name: str | None = None,
    ):
        from .. import random

        self._setup(num_in, num_out, state_init, activation, name)
        self.W: Linear = Linear(num_in + num_out, num_out * 4, w_init, None)
        u = random.uniform(1 / num_out, 1 - 1 / num_out, (num_out,))
        self.bias: ParamState[Array] = ParamState(-jnp.log(1 / u - 1))

    def update(self, x: Float[Array, "*batch in"]) -> Float[Array, "*batch out"]:
        h, c = self.h.value, self.c.value
        f, r, u, o = jnp.split(self.W(jnp.concatenate([x, h], axis=-1)), 4, axis=-1)
        f_gate = F.sigmoid(f + self.bias.value)
        r_gate = F.sigmoid(r - self.bias.value)
        g = 2 * r_gate * f_gate + (1 - 2 * r_gate) * f_gate**2
        c = g * c + (1 - g) * self.activation(u)
        h = F.sigmoid(o) * self.activation(c)
        self.h.value = h
        self.c.value = c
        return h
