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

import dataclasses
import functools
from collections.abc import Callable
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
from jax import Array

from .._units import is_quantity

__all__ = ["AbstractSurrogate", "Surrogate"]

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


@functools.partial(jax.custom_jvp, nondiff_argnums=(0,))
def _spike(derivative: Callable[[Array], Array], x: Array) -> Array:
    """Heaviside step of `x` (1 at `x >= 0`), differentiated as `derivative`."""
    del derivative
    return (x >= 0).astype(x.dtype)


@_spike.defjvp
def _spike_jvp(
    derivative: Callable[[Array], Array],
    primals: tuple[Array],
    tangents: tuple[Array],
) -> tuple[Array, Array]:
    (x,) = primals
    (x_dot,) = tangents
    slope = jnp.asarray(derivative(x)).astype(x.dtype)
    return _spike(derivative, x), slope * x_dot


class Surrogate(eqx.Module):
    """Base class of the spike functions in `eqstate.surrogate` (braintools' `Surrogate`).

    Calling an instance gives the Heaviside step of its input (`1.0` where
    `x >= 0`, else `0.0`, in the input's floating dtype); differentiating it
    gives `surrogate_grad(x)`. A subclass declares its hyperparameters as
    fields and overrides `surrogate_grad` (and `surrogate_fun`, the smooth
    function whose derivative that is, if it has a closed form).

    ```python
    import jax
    import jax.numpy as jnp
    import eqstate


    class Triangle(eqstate.surrogate.Surrogate):
        width: float = 1.0

        def surrogate_grad(self, x):
            return jnp.maximum(1.0 - jnp.abs(x) / self.width, 0.0)


    spk = Triangle(width=2.0)
    assert spk(jnp.array([-1.0, 0.0, 1.0])).tolist() == [0.0, 1.0, 1.0]
    assert float(jax.grad(spk)(1.0)) == 0.5
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
            An array of `x`'s shape and floating dtype.
        """
        return _spike(self.surrogate_grad, _as_float_array(x))

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
        args = ", ".join(
            f"{f.name}={getattr(self, f.name)!r}" for f in dataclasses.fields(self)
        )
        return f"{type(self).__name__}({args})"


AbstractSurrogate = Surrogate
"""The former name of `Surrogate`, kept as an alias."""


def _hyper(default: float) -> Any:
    """A static float hyperparameter (ints are accepted and converted)."""
    return eqx.field(static=True, default=default, converter=float)


def _check_positive(owner: Surrogate, *names: str) -> None:
    for name in names:
        value = getattr(owner, name)
        if not value > 0:
            raise ValueError(
                f"{type(owner).__name__}: `{name}` must be positive, got {value!r}. "
                f"Pass a positive number, e.g. {type(owner).__name__}({name}=1.0)."
            )
