"""The exponential Euler step, with an optional Euler–Maruyama noise term."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp

from .. import environ
from .._errors import EqstateError

__all__ = ["exp_euler_step"]


class _StepValueError(EqstateError, ValueError):
    """A state or diffusion `exp_euler_step` cannot integrate (a `ValueError`,
    as brainstate raises)."""


def _phi(a: jax.Array, dt: Any) -> jax.Array:
    """(exp(a dt) - 1) / a, continuous at a = 0 (where it is dt)."""
    small = jnp.abs(a * dt) < 1e-6
    safe = jnp.where(small, 1.0, a)
    return jnp.where(small, dt * (1 + a * dt / 2), jnp.expm1(safe * dt) / safe)


def exp_euler_step(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    r"""One exponential-Euler step of $\dot x = f(x, \ldots)$ with step `environ.get_dt()`.

    Called as `exp_euler_step(f, x, *args)` for an ODE, or
    `exp_euler_step(f, g, x, *args)` for the SDE $dx = f\,dt + g\,dW$.
    With $a = \mathbf{1}^\top \partial f / \partial x$ (one reverse-mode pass,
    brainstate's `vector_grad`), $x_{t+dt} = x + \frac{e^{a\,dt} - 1}{a} f(x)$
    element-wise: exact for uncoupled linear systems such as a leaky
    membrane, and stable for stiff ones. For coupled components $a_j$ is the
    column sum $\sum_i \partial f_i / \partial x_j$, as in brainstate (not
    the diagonal), so the coupling is treated explicitly. The noise
    term is Euler–Maruyama, $g(x)\sqrt{dt}\,\xi$ with $\xi$ drawn from
    `eqstate.random` (so it advances the default key, also inside `jit`).
    `x`, `dt`, `f` and `g` may carry brainunit units ($g$ in units of
    $x / \sqrt{t}$).

    ```python
    import jax.numpy as jnp
    import eqstate

    with eqstate.environ.context(dt=0.1):
        v = eqstate.nn.exp_euler_step(lambda v: -v, jnp.array(1.0))
        noisy = eqstate.nn.exp_euler_step(lambda v: -v, lambda v: 0.5, jnp.zeros(1000))
    assert abs(float(v) - float(jnp.exp(-0.1))) < 1e-6
    assert 0.1 < float(noisy.std()) < 0.2  # 0.5 * sqrt(0.1) = 0.158
    ```

    Args:
        fn: the drift $f(x, *args, **kwargs)$.
        *args: the state `x` then the other arguments of `fn`; a callable
            before `x` is the diffusion $g(x, *args, **kwargs)$.
        **kwargs: keyword arguments of `fn` (and `g`).

    Raises:
        EqstateError: if no state is given. A state that is not floating
            point, or a diffusion whose unit does not match, raises an
            `EqstateError` that is also a `ValueError` (as in brainstate).
    """
    if not callable(fn):
        raise EqstateError(f"exp_euler_step's drift must be callable, got {fn!r}.")
    diffusion = None
    if args and callable(args[0]):
        diffusion, args = args[0], args[1:]
    if not args:
        raise EqstateError(
            "exp_euler_step needs the state after the drift (and diffusion): "
            "`exp_euler_step(f, x)` or `exp_euler_step(f, g, x)`."
        )
    from .._units import strip, unit_of, with_unit

    x, rest = args[0], args[1:]
    dt = environ.get_dt()
    x_unit, dt_unit = unit_of(x), unit_of(dt)
    x_m, dt_m = jnp.asarray(strip(x)), strip(dt)
    if not jnp.issubdtype(x_m.dtype, jnp.floating):
        raise _StepValueError(
            f"exp_euler_step integrates floating-point states; got dtype "
            f"{x_m.dtype}. Convert it: `x.astype(jnp.float32)`."
        )
    has_units = x_unit is not None or dt_unit is not None

    def rate(m: Any) -> Any:
        out = fn(with_unit(m, x_unit), *rest, **kwargs)
        return strip(out, x_unit, dt_unit) if has_units else out

    # brainstate's `vector_grad`: the VJP with ones, i.e. the Jacobian's
    # column sums (the diagonal when the components are uncoupled).
    f, pullback = jax.vjp(rate, x_m)
    (a,) = pullback(jnp.ones_like(f))
    new = x_m + _phi(a, dt_m) * f
    if diffusion is not None:
        g = diffusion(x, *rest, **kwargs)
        if has_units:
            per = None if dt_unit is None else dt_unit**0.5
            try:
                g = strip(g, x_unit, per)
            except Exception as e:
                raise _StepValueError(
                    f"exp_euler_step: the diffusion returned {g!r}, whose unit is "
                    f"not that of the state per sqrt(time) ({x_unit} / "
                    f"sqrt({dt_unit}))."
                ) from e
        from .. import random

        noise = random.randn(*x_m.shape).astype(x_m.dtype)
        new = new + jnp.asarray(g, x_m.dtype) * jnp.sqrt(dt_m) * noise
    return with_unit(new, x_unit)
