"""Spike functions: a Heaviside step forward, a smooth surrogate backward.

A spiking neuron emits `1.0` where its scaled membrane potential `x` is
non-negative and `0.0` elsewhere. That step has a zero derivative almost
everywhere, so training a spiking network by gradient descent replaces the
derivative (and only the derivative) with a smooth bump around `x = 0`.

One engine does this for every surrogate: `_spike`, a `jax.custom_jvp` whose
primal is the step and whose tangent is `surrogate_grad(x) * x_dot`. Each class
only supplies its derivative formula (and, where one exists in closed form, the
smooth function `surrogate_fun` whose derivative it is), so all of them work
under `jit`, `vmap`, `grad`, `jacrev`, `jacfwd` and inside `lax.scan` alike.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeAlias

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jax import Array
from jax.core import Tracer
from jax.typing import ArrayLike

from .._hyper_module import HyperModule, short_repr
from .._units import is_quantity

__all__ = ["AbstractSurrogate", "Surrogate"]

if TYPE_CHECKING:
    Hyper: TypeAlias = float | Array
else:
    Hyper: TypeAlias = ArrayLike
"""A hyperparameter: a number, an array (one value per neuron, say) or a traced value."""

_UNIT_MESSAGE = """\
a surrogate spike function needs a dimensionless input, got a Quantity in
{unit}. Scale the membrane potential by a voltage first, for example

    spk = surrogate((V - V_th) / (V_th - V_reset))   # mV / mV: dimensionless

so that the threshold sits at x = 0 and the surrogate's width is unit-free."""


def _as_float_array(x: Any) -> Array:
    """`x` as a floating JAX array; a dimensionless brainunit Quantity is unwrapped."""
    if is_quantity(x):
        if not x.dim.is_dimensionless:
            raise TypeError(_UNIT_MESSAGE.format(unit=x.unit))
        x = x.to_decimal()  # folds a scale such as mV/V into the number
    x = jnp.asarray(x)
    if not jnp.issubdtype(x.dtype, jnp.floating):
        x = x.astype(jnp.result_type(float))
    return x


def _step(x: Array) -> Array:
    return (x >= 0).astype(x.dtype)


@jax.custom_jvp
def _spike(x: Array, slope: Array) -> Array:
    """Heaviside step of `x` (1 at `x >= 0`) whose tangent is `slope * x_dot`.

    braintools' rule, for every surrogate: the surrogate replaces the first
    derivative only. `slope` is computed at a constant `x`, and the spike's
    value inside the tangent rule is the plain step, so a derivative of higher
    order sees a constant slope and a step with zero derivative. `slope` is an
    input (not a closure) so that it may depend on traced hyperparameters; its
    own tangent passes straight through, so the spike's derivative with
    respect to a hyperparameter is that of the slope.
    """
    del slope
    return _step(x)


@_spike.defjvp
def _spike_jvp(
    primals: tuple[Array, Array], tangents: tuple[Array, Array]
) -> tuple[Array, Array]:
    x, slope = primals
    x_dot, slope_dot = tangents
    return _step(x), slope * x_dot + slope_dot


class Surrogate(HyperModule):
    """Base class of the spike functions in `eqstate.surrogate` (braintools' `Surrogate`).

    Calling an instance gives the Heaviside step of its input (`1.0` where
    `x >= 0`, else `0.0`, in the input's floating dtype); differentiating it
    gives `surrogate_grad(x)`, evaluated at a constant `x` (as braintools
    does), so a second derivative in `x` through the spike sees a constant
    slope. A subclass overrides `surrogate_grad` (and `surrogate_fun`, the
    smooth function whose derivative that is, if it has a closed form); its
    hyperparameters may be declared as fields (equinox style) or assigned in
    `__init__` (braintools style). Either way they are pytree leaves, so they
    may be arrays (one value per neuron) or traced values, and can be
    differentiated and trained.

    ```python
    import jax
    import jax.numpy as jnp
    import eqstate


    class Triangle(eqstate.surrogate.Surrogate):
        width: float = 1.0

        def surrogate_grad(self, x):
            return jnp.maximum(1.0 - jnp.abs(x) / self.width, 0.0)


    class Tanh(eqstate.surrogate.Surrogate):  # braintools style
        def __init__(self, alpha=1.0):
            super().__init__()
            self.alpha = alpha

        def surrogate_grad(self, x):
            return self.alpha * 0.5 * (1 - jnp.tanh(x * self.alpha) ** 2)


    spk = Triangle(width=2.0)
    assert spk(jnp.array([-1.0, 0.0, 1.0])).tolist() == [0.0, 1.0, 1.0]
    assert float(jax.grad(spk)(1.0)) == 0.5
    assert float(jax.grad(Tanh(2.0))(0.0)) == 1.0
    assert repr(Tanh(2.0)) == "Tanh(alpha=2.0)"
    assert isinstance(eqstate.surrogate.Sigmoid(), eqstate.surrogate.Surrogate)
    ```
    """

    def _derivative(self, x: Array) -> Array:
        """The surrogate derivative at a floating array `x` (the built-in classes)."""
        raise NotImplementedError(
            f"{type(self).__name__} does not define its surrogate derivative. "
            "Override `surrogate_grad(self, x)` in the subclass, for example\n\n"
            "    def surrogate_grad(self, x):\n"
            "        return jax.nn.sigmoid(x) * (1 - jax.nn.sigmoid(x))"
        )

    def _function(self, x: Array) -> Array:
        raise NotImplementedError(
            f"{type(self).__name__} has no closed-form `surrogate_fun` (braintools "
            "defines none either); only its derivative `surrogate_grad` is known."
        )

    def __call__(self, x: Any) -> Array:
        """The spike: `1.0` where `x >= 0`, else `0.0`.

        Args:
            x: an array (or a dimensionless brainunit Quantity); integer and
                boolean inputs are cast to the default float dtype.

        Returns:
            An array of `x`'s floating dtype, of `x`'s shape broadcast with
            the hyperparameters' (one `alpha` per neuron gives one spike each).
        """
        x = _as_float_array(x)
        # The slope is taken at a constant x, as braintools does: it is not
        # differentiated again, so second derivatives see a constant slope.
        slope = jnp.asarray(self.surrogate_grad(jax.lax.stop_gradient(x)))
        shape = jnp.broadcast_shapes(x.shape, slope.shape)
        x = jnp.broadcast_to(x, shape)
        return _spike(x, jnp.broadcast_to(slope.astype(x.dtype), shape))

    def surrogate_grad(self, x: Any) -> Array:
        """The derivative used in place of the step's: $g'(x)$ at each element.

        Args:
            x: an array (or a dimensionless brainunit Quantity).

        Returns:
            An array of `x`'s shape and floating dtype.
        """
        x = _as_float_array(x)
        return self._derivative(x).astype(x.dtype)

    def surrogate_fun(self, x: Any) -> Array:
        """The smooth function $g(x)$ whose derivative is `surrogate_grad`.

        Args:
            x: an array (or a dimensionless brainunit Quantity).

        Returns:
            An array of `x`'s shape and floating dtype.

        Raises:
            NotImplementedError: for surrogates defined only by their derivative
                (`ReluGrad`, `GaussianGrad`, `MultiGaussianGrad`,
                `InvSquareGrad`, `SlayerGrad`).
        """
        x = _as_float_array(x)
        return self._function(x).astype(x.dtype)

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={short_repr(v)}" for k, v in self._items())
        return f"{type(self).__name__}({args})"


AbstractSurrogate = Surrogate
"""The former name of `Surrogate`, kept as an alias."""


def _as_hyper(value: Any) -> Any:
    """A Python number becomes a float; arrays and tracers pass unchanged."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    return value


def _hyper(default: float) -> Any:
    """A hyperparameter field: a number, an array (e.g. one value per neuron)
    or a traced value, so it may be differentiated, vmapped or trained."""
    return eqx.field(default=default, converter=_as_hyper)


def _check_positive(owner: Surrogate, *names: str) -> None:
    """Reject a non-positive hyperparameter (a traced one is not checked)."""
    for name in names:
        value = getattr(owner, name)
        if isinstance(value, Tracer):
            continue
        if not np.all(np.asarray(value) > 0):
            raise ValueError(
                f"{type(owner).__name__}: `{name}` must be positive, got "
                f"{short_repr(value)}. Pass a positive number, e.g. "
                f"{type(owner).__name__}({name}=1.0)."
            )
