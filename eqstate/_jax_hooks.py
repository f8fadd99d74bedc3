"""Every place eqstate touches JAX below its documented API lives here.

`jax.extend.core` exposes the current trace and an opaque token for it; this is
all eqstate needs to tell *which* trace a write happens under. Those two
functions are taken from `jax._src.core`, where `jax.extend.core` gets them,
because importing `jax.extend` also imports Pallas (about 20 ms of
`import eqstate`); where that module lacks them, `jax.extend.core` is used.
The other private pieces used: `Tracer._trace`, to ask whether a value
belongs to the current trace (that is, whether `vmap` batched it); the
traceback filter; and, on the per-call path of `jit`, JAX's eager-trace
singleton (`is_eager` then costs one identity test instead of building a
token; it falls back to the public token where JAX lacks it).
`tests/test_jax_hooks.py` checks each hook against the installed JAX, so an
upgrade that breaks one fails loudly there rather than somewhere deep in a
transform.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from jax.core import Tracer

try:  # what `jax.extend.core` re-exports, without importing Pallas with it
    from jax._src.core import get_opaque_trace_state, take_current_trace
except ImportError:  # pragma: no cover - checked by tests/test_jax_hooks.py
    from jax.extend.core import get_opaque_trace_state, take_current_trace

__all__ = [
    "EAGER_CONFIG",
    "current_trace_token",
    "hide_from_tracebacks",
    "is_eager",
    "is_tracer",
    "of_current_trace",
]

_Tracer = Tracer


def current_trace_token() -> Any:
    """An opaque token for the innermost active JAX trace (comparable with `==`)."""
    return get_opaque_trace_state(convention="eqstate")


_EAGER_TOKEN = current_trace_token()


def _public_is_eager() -> bool:
    return current_trace_token() == _EAGER_TOKEN


def _eager_config() -> tuple[Any, Any] | None:
    """JAX's current-trace config and its eager-trace value, if present:
    `config.value is eager` tells that no transform is tracing (one identity
    test, which `jit`'s generated per-call path inlines)."""
    try:
        from jax._src import core as jax_core

        current, eager = jax_core.trace_state_strong_ref, jax_core.eval_trace
        if current.value is not eager:  # pragma: no cover - checked by the canary
            return None
    except (ImportError, AttributeError):  # pragma: no cover
        return None
    return current, eager


EAGER_CONFIG: tuple[Any, Any] | None = _eager_config()


def _fast_is_eager() -> Callable[[], bool] | None:
    if EAGER_CONFIG is None:  # pragma: no cover
        return None
    current, eager = EAGER_CONFIG

    def is_eager() -> bool:
        """True when no JAX transform is tracing right now."""
        return current.value is eager

    return is_eager


is_eager: Callable[[], bool] = _fast_is_eager() or _public_is_eager


def is_tracer(x: Any) -> bool:
    return isinstance(x, _Tracer)


def of_current_trace(x: Any) -> bool:
    """True when `x` is a tracer of the innermost active trace.

    Under `jax.vmap` this is exactly "the value is batched by this vmap": values
    computed only from unbatched inputs stay plain arrays (or outer tracers).
    """
    if not isinstance(x, _Tracer):
        return False
    with take_current_trace() as trace:
        return getattr(x, "_trace", None) is trace


def hide_from_tracebacks(path: str) -> bool:
    """Drop frames of files under `path` from JAX's filtered tracebacks.

    The one private module used (`jax._src.traceback_util`, as equinox and
    brainstate do): users then see their own frames, not eqstate's engine.
    Returns False (and hides nothing) where JAX no longer has the hook.
    """
    try:
        from jax._src import traceback_util
    except ImportError:  # pragma: no cover - checked by tests/test_jax_hooks.py
        return False
    register = getattr(traceback_util, "register_exclusion", None)
    if register is None:  # pragma: no cover
        return False
    register(path)
    return True
