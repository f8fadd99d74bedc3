"""Canary: each private JAX hook eqstate relies on (see eqstate/_jax_hooks.py).

If a JAX upgrade breaks one of these, this file fails first, naming the hook.
"""

import jax
import jax.numpy as jnp

from eqstate import _jax_hooks


def test_trace_token_distinguishes_eager_from_traced():
    assert _jax_hooks.is_eager()
    seen = []
    jax.jit(lambda x: seen.append(_jax_hooks.is_eager()) or x)(1.0)
    jax.vmap(lambda x: seen.append(_jax_hooks.is_eager()) or x)(jnp.ones(2))
    assert seen == [False, False]
    with jax.ensure_compile_time_eval():
        assert _jax_hooks.is_eager()


def test_trace_functions_are_jax_extend_cores_without_importing_jax_extend():
    from jax._src import core as src_core
    from jax.extend import core as jex_core

    assert hasattr(src_core, "get_opaque_trace_state"), "jax._src.core lost the API"
    assert hasattr(src_core, "take_current_trace"), "jax._src.core lost the API"
    assert _jax_hooks.get_opaque_trace_state is src_core.get_opaque_trace_state
    assert _jax_hooks.take_current_trace is src_core.take_current_trace
    assert _jax_hooks.get_opaque_trace_state is jex_core.get_opaque_trace_state
    assert _jax_hooks.take_current_trace is jex_core.take_current_trace


def test_fast_eagerness_test_uses_jax_trace_config_and_agrees_with_public_token():
    fast = _jax_hooks._fast_is_eager()
    assert fast is not None, "jax._src.core.trace_state_strong_ref/eval_trace changed"
    assert _jax_hooks.EAGER_CONFIG is not None  # (jit's generated call inlines it)
    assert _jax_hooks.is_eager is not _jax_hooks._public_is_eager
    seen = []

    def probe(x):
        seen.append((fast(), _jax_hooks._public_is_eager()))
        return x

    probe(1.0)
    jax.jit(probe)(1.0)
    jax.vmap(probe)(jnp.ones(2))
    jax.grad(probe)(1.0)
    assert seen == [(True, True), (False, False), (False, False), (False, False)]


def test_of_current_trace_detects_vmap_batched_values():
    results = {}

    def f(x):
        results["batched"] = _jax_hooks.of_current_trace(x * 2)
        results["unbatched"] = _jax_hooks.of_current_trace(jnp.ones(3) * 2)
        return x

    jax.vmap(f)(jnp.ones((2, 3)))
    assert results == {"batched": True, "unbatched": False}

    def outer(y):
        def inner(x):
            results["outer_value"] = _jax_hooks.of_current_trace(y)
            return x

        jax.vmap(inner)(jnp.ones(2))
        return y

    jax.vmap(outer)(jnp.ones(2))
    assert results["outer_value"] is False  # batched by the *outer* vmap only


def test_tracers_expose_their_trace():
    jax.jit(lambda x: _check_has_trace(x))(1.0)


def _check_has_trace(x):
    assert hasattr(x, "_trace"), "jax.core.Tracer lost its `_trace` attribute"
    return x


def test_engine_frames_are_hidden_from_jax_tracebacks():
    import os

    from jax._src import traceback_util

    import eqstate.transform

    here = os.path.dirname(eqstate.transform.__file__)
    assert here in traceback_util._exclude_paths
