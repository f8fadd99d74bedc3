"""The `Initializer` base class, `param` and `calculate_init_gain` (brainstate's `nn.init`).

brainstate's initializers are plain, mutable Python objects (not pytrees): a
layer calls one once in `__init__` and keeps the array. Random initializers
hold a `RandomState`: the default stream (`eqstate.random.DEFAULT`) when
`seed` is None, so `eqstate.random.seed(0)` makes model construction
reproducible, or a stream of their own seeded by `seed`, so two initializers
built with the same seed draw the same values.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from ..._state import State
from ..._units import attach_unit, is_quantity, split_unit, with_unit
from ...init._common import InitializationError

__all__ = ["Initializer", "calculate_init_gain", "param"]


class Initializer:
    """Base class of brainstate's `nn.init` initializers: `init(shape, **kwargs)` makes an array.

    Subclasses implement `__call__(shape, **kwargs)`; the keyword arguments
    brainstate passes are `dtype=` (default: `eqstate.environ.dftype()`) and,
    for the random ones, `rng=` (a `RandomState` to draw from instead of the
    initializer's own).

    ```python
    import jax.numpy as jnp
    import eqstate

    class Twos(eqstate.nn.init.Initializer):
        def __call__(self, shape, **kwargs):
            return jnp.full(shape, 2.0)

    assert eqstate.nn.init.param(Twos(), (2, 3)).tolist() == [[2.0] * 3] * 2
    assert repr(eqstate.nn.init.Constant(0.5)) == "Constant(value=0.5)"
    ```
    """

    def __call__(self, shape: Any, **kwargs: Any) -> Any:
        """Make a value of `shape` (an int or a tuple of ints)."""
        raise NotImplementedError(
            f"{type(self).__name__} must define `__call__(self, shape, **kwargs)`."
        )

    def __repr__(self) -> str:
        shown = ", ".join(
            f"{k}={v!r}" for k, v in vars(self).items() if not k.startswith("_")
        )
        return f"{type(self).__name__}({shown})"


def _to_size(x: Any) -> tuple[int, ...]:
    """brainstate's `to_size`: an int, or a tuple/list of ints, as a tuple."""
    if isinstance(x, (tuple, list)):
        return tuple(int(d) for d in x)
    if isinstance(x, (int, np.integer)) and not isinstance(x, bool):
        return (int(x),)
    raise InitializationError(
        f"a shape must be an int or a tuple of ints, got {x!r}; e.g. `(3, 4)`."
    )


def _dtype(kwargs: dict[str, Any]) -> Any:
    """The `dtype=` keyword, or eqstate's default float dtype."""
    dtype = kwargs.get("dtype")
    if dtype is None:
        from ...environ import dftype

        return dftype()
    return dtype


def _with_unit(x: Any, unit: Any) -> Any:
    """`x` in `unit` (None or a dimensionless unit: `x` itself)."""
    return attach_unit(x, unit)


def _is_scalar(x: Any) -> bool:
    if isinstance(x, (bool, int, float, complex, str, np.generic)):
        return True
    if is_quantity(x) or isinstance(x, (jax.Array, np.ndarray)):
        return np.ndim(split_unit(x)[0]) == 0
    return False


def _broadcastable(a: tuple[int, ...], b: tuple[int, ...]) -> bool:
    """brainstate's check: the trailing dims the two shapes share agree or are 1."""
    return all(x == y or 1 in (x, y) for x, y in zip(a[::-1], b[::-1]))


def _map_mantissa(x: Any, fn: Callable[[Any], Any]) -> Any:
    if is_quantity(x):
        return with_unit(fn(x.mantissa), x.unit)
    return fn(x)


def param(
    parameter: Callable[..., Any] | Any,
    sizes: int | np.integer | Sequence[int],
    batch_size: int | None = None,
    allow_none: bool = True,
    allow_scalar: bool = True,
) -> Any:
    """Make a parameter value from a spec, as brainstate's `nn.init.param` does.

    - `None` is returned (with `allow_none=True`; else an error);
    - a scalar (a number, or a 0-d array or Quantity) is returned unchanged
      (with `allow_scalar=True`);
    - a callable (an initializer) is called with `sizes`, or with
      `(batch_size, *sizes)` when `batch_size` is given;
    - an array, a Quantity or a `State` must broadcast against `sizes` (the
      trailing dims both have must agree or be 1). With `batch_size` it gets
      leading 1-dims up to `len(sizes)` dims and is repeated `batch_size` times
      along a new first axis; an array with more dims than `sizes` must already
      have `batch_size` rows. A `State` comes back as a new State of its type.

    ```python
    import jax.numpy as jnp
    import eqstate

    init = eqstate.nn.init
    assert init.param(init.ZeroInit(), 3, batch_size=2).shape == (2, 3)
    assert init.param(jnp.ones(3), (4, 3), batch_size=2).shape == (2, 1, 3)
    assert init.param(0.5, (4, 3)) == 0.5
    assert init.param(None, 3) is None
    ```

    Args:
        parameter: an initializer or callable `shape -> array`, an array, a
            Quantity, a `State`, a scalar or None.
        sizes: the parameter's shape (an int or a sequence of ints).
        batch_size: if given, a leading batch dim of this size.
        allow_none: accept `None` (returned as is).
        allow_scalar: return scalars unchanged (else they go through the
            array rules).

    Returns:
        The parameter value.

    Raises:
        InitializationError: (a `ValueError`) for `None` with
            `allow_none=False`, a shape that does not match `sizes` or
            `batch_size`, or a parameter of an unknown type.
    """
    if parameter is None:
        if allow_none:
            return None
        raise InitializationError(
            "param: got None for a parameter that must have a value "
            "(allow_none=False); pass an initializer, an array or a number."
        )
    if allow_scalar and _is_scalar(parameter):
        return parameter
    shape = _to_size(sizes)
    if callable(parameter):
        full = shape if batch_size is None else (int(batch_size), *shape)
        return parameter(full)
    if isinstance(parameter, State):
        value = parameter.value
    elif is_quantity(parameter) or isinstance(parameter, (jax.Array, np.ndarray)):
        value = parameter
    else:
        raise InitializationError(
            f"param: `parameter` must be an initializer (a callable taking a "
            f"shape), an array, a Quantity, a State, a number or None; got "
            f"{type(parameter).__name__}."
        )
    actual = tuple(np.shape(split_unit(value)[0]))
    if not _broadcastable(actual, shape):
        raise InitializationError(
            f"param: the parameter's shape {actual} does not broadcast to the "
            f"requested size {shape}; pass an array of shape {shape} (or one "
            f"that broadcasts to it)."
        )
    if batch_size is not None:
        n = int(batch_size)
        if len(actual) <= len(shape):
            lead = (1,) * (len(shape) - len(actual))
            value = _map_mantissa(
                value, lambda m: jnp.repeat(jnp.reshape(m, (1, *lead, *actual)), n, 0)
            )
        elif actual[0] != n:
            raise InitializationError(
                f"param: the parameter's first dim {actual[0]} is not the batch "
                f"size {n}; pass an array with {n} rows or one without the batch dim."
            )
    return type(parameter)(value) if isinstance(parameter, State) else value


_LINEAR = (
    "linear",
    "conv1d",
    "conv2d",
    "conv3d",
    "conv_transpose1d",
    "conv_transpose2d",
    "conv_transpose3d",
    "sigmoid",
)


def calculate_init_gain(nonlinearity: str, param: Any = None) -> float:
    r"""The recommended gain of an initializer for a nonlinearity (PyTorch's table).

    1 for the linear maps, convolutions and `'sigmoid'`, $5/3$ for `'tanh'`,
    $\sqrt 2$ for `'relu'`, $\sqrt{2 / (1 + a^2)}$ for `'leaky_relu'` with
    negative slope $a$ (`param`, default 0.01), and $3/4$ for `'selu'`.

    ```python
    import math
    import eqstate

    gain = eqstate.nn.init.calculate_init_gain
    assert gain("relu") == math.sqrt(2.0)
    assert gain("tanh") == 5.0 / 3
    assert gain("leaky_relu", 0.2) == math.sqrt(2.0 / 1.04)
    ```

    Args:
        nonlinearity: the function's name: `'linear'`, `'conv1d'`..`'conv3d'`,
            `'conv_transpose1d'`..`'conv_transpose3d'`, `'sigmoid'`, `'tanh'`,
            `'relu'`, `'leaky_relu'` or `'selu'`.
        param: the leaky ReLU's negative slope (a number).

    Raises:
        InitializationError: (a `ValueError`) for another name, or a slope
            that is not a number.
    """
    if nonlinearity in _LINEAR:
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            slope = 0.01
        elif isinstance(param, (int, float)) and not isinstance(param, bool):
            slope = param
        else:
            raise InitializationError(
                f"calculate_init_gain: the leaky ReLU's negative slope must be a "
                f"number, got {param!r}; e.g. calculate_init_gain('leaky_relu', 0.2)."
            )
        return math.sqrt(2.0 / (1 + slope**2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise InitializationError(
        f"calculate_init_gain: unsupported nonlinearity {nonlinearity!r}; use one "
        f"of {', '.join(repr(n) for n in (*_LINEAR, 'tanh', 'relu', 'leaky_relu', 'selu'))}."
    )
