"""State hooks (global and per-State) and the rest of `State`'s surface."""

from __future__ import annotations

import gc
import importlib.util
import json
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import jax
import jax.numpy as jnp
import pytest

import eqstate
from eqstate import _state

KINDS = [eqstate.State, eqstate.ParamState, eqstate.ShortTermState, eqstate.HiddenState]
SCOPES = ["global", "state"]


@pytest.fixture(autouse=True)
def _no_hooks_left() -> Iterator[None]:
    yield
    eqstate.GlobalHookRegistry.reset()
    if not _plain():  # a State with hooks kept alive by a reference cycle
        gc.collect()
    assert vars(eqstate.State)["value"] is _state.PLAIN_VALUE


def _register(
    scope: str, state: eqstate.State[Any]
) -> Callable[..., eqstate.HookHandle]:
    return eqstate.register_state_hook if scope == "global" else state.register_hook


def _plain() -> bool:
    return vars(eqstate.State)["value"] is _state.PLAIN_VALUE


# -- kinds of hooks ----------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("scope", SCOPES)
def test_read_hook_sees_the_value(scope: str, kind: type[eqstate.State[Any]]):
    s = kind(jnp.arange(3.0), name="x")
    seen = []
    handle = _register(scope, s)(
        "read", lambda c: seen.append((c.operation, c.state_name, c.value))
    )
    assert not _plain()
    out = s.value
    assert out.tolist() == [0.0, 1.0, 2.0]
    assert [(op, name, v.tolist()) for op, name, v in seen] == [
        ("read", "x", [0.0, 1.0, 2.0])
    ]
    assert handle.remove() and _plain()


@pytest.mark.parametrize("scope", SCOPES)
def test_priority_order_and_ties(scope: str):
    s = eqstate.State(jnp.zeros(()))
    order: list[str] = []
    register = _register(scope, s)
    for name, priority in [("low", 0), ("high", 10), ("mid", 5), ("low2", 0)]:
        register(
            "read", lambda c, n=name: order.append(n), priority=priority, name=name
        )
    s.value
    assert order == ["high", "mid", "low", "low2"]


def test_global_hooks_run_before_state_hooks():
    s = eqstate.State(jnp.zeros(()))
    order: list[str] = []
    s.register_hook("write_after", lambda c: order.append("state"), priority=100)
    eqstate.register_state_hook("write_after", lambda c: order.append("global"))
    s.value = jnp.ones(())
    assert order == ["global", "state"]


@pytest.mark.parametrize("scope", SCOPES)
def test_write_before_transforms_in_chain(scope: str):
    s = eqstate.State(jnp.zeros(2))
    register = _register(scope, s)
    seen = []

    def add_one(ctx: Any) -> None:
        seen.append(ctx.value.tolist())  # always the value the user wrote
        ctx.transformed_value = ctx.transformed_value + 1

    def double(ctx: Any) -> None:
        ctx.transformed_value = ctx.transformed_value * 2

    register("write_before", add_one, priority=1)
    register("write_before", double, priority=0)
    s.value = jnp.array([1.0, 2.0])
    assert s.value.tolist() == [4.0, 6.0]
    assert seen == [[1.0, 2.0]]


@pytest.mark.parametrize("scope", SCOPES)
@pytest.mark.parametrize("reason", ["must be positive", None])
def test_cancelled_write_raises_and_keeps_the_value(scope: str, reason: str | None):
    s = eqstate.State(jnp.ones(2), name="w")

    def guard(ctx: Any) -> None:
        if (ctx.value < 0).any():
            ctx.cancel, ctx.cancel_reason = True, reason

    _register(scope, s)("write_before", guard, name="guard")
    after = []
    s.register_hook("write_after", lambda c: after.append(1))
    with pytest.raises(eqstate.HookCancellationError) as info:
        s.value = -jnp.ones(2)
    message = str(info.value)
    assert "The write to State 'w' (created at" in message
    assert (
        f"cancelled by write_before hook 'guard': {reason or 'no reason given'}"
        in message
    )
    assert "remove the hook (`handle.remove()`)" in message
    assert isinstance(info.value, eqstate.EqstateError)
    assert s.value.tolist() == [1.0, 1.0] and after == []
    s.value = 2 * jnp.ones(2)
    assert after == [1]


@pytest.mark.parametrize("scope", SCOPES)
def test_write_after_and_restore_see_old_and_new(scope: str):
    s = eqstate.State(jnp.array(1.0))
    log: list[tuple[str, float, float]] = []
    register = _register(scope, s)
    for kind in ("write_after", "restore"):
        register(
            kind,
            lambda c: log.append((c.operation, float(c.old_value), float(c.value))),
        )
    s.value = jnp.array(2.0)
    s.restore_value(jnp.array(0.5))
    assert log == [("write_after", 1.0, 2.0), ("restore", 2.0, 0.5)]


def test_init_hooks_fire_on_construction_not_on_pytree_copies():
    made: list[tuple[Any, Any, tuple[int, ...]]] = []

    def on_init(ctx: Any) -> None:
        meta = ctx.init_metadata
        made.append((meta["_name"], meta["tag"], ctx.value.shape))

    handle = eqstate.register_state_hook("init", on_init)
    s = eqstate.ParamState(jnp.zeros(2), name="w", tag="weights")
    eqstate.State(jnp.zeros(3))
    jax.tree.map(lambda x: x + 1, s)
    assert made == [("w", "weights", (2,)), (None, None, (3,))]
    handle.remove()
    eqstate.State(jnp.zeros(1))
    assert len(made) == 2 and _plain()


# -- handles, managers, temporary hooks ----------------------------------------


def test_handle_enable_disable_remove():
    s = eqstate.State(jnp.zeros(()))
    reads: list[int] = []
    handle = s.register_hook("read", lambda c: reads.append(1), name="r", priority=3)
    assert (handle.name, handle.priority) == ("r", 3)
    handle.disable()
    s.value
    assert reads == [] and not handle.is_enabled() and not s.has_hooks("read")
    handle.enable()
    s.value
    assert reads == [1] and s.has_hooks("read")
    assert handle.remove() and handle.is_removed() and not handle.remove()
    with pytest.raises(
        eqstate.HookError, match="Cannot enable hook 'r': it was removed"
    ):
        handle.enable()


@pytest.mark.parametrize("kind", ["read", "write_before", "write_after", "restore"])
def test_temporary_hook_is_removed(kind: Any):
    s = eqstate.State(jnp.zeros(2))
    calls: list[str] = []
    with s.temporary_hook(kind, lambda c: calls.append(c.operation)) as handle:
        assert s.has_hooks(kind) and not _plain()
        s.value = s.value + 1
        s.restore_value(s.value)
    assert set(calls) == {kind} and handle.is_removed()
    assert not s.has_hooks() and s.list_hooks() == [] and _plain()


def test_clear_and_list_hooks():
    s = eqstate.State(jnp.zeros(()))
    s.register_hook("read", lambda c: None, name="a")
    s.register_hook("write_after", lambda c: None, name="b")
    eqstate.register_state_hook("read", lambda c: None, name="g")
    assert [h.name for h in s.list_hooks()] == ["a", "b"]
    assert [h.name for h in eqstate.list_state_hooks("read")] == ["g"]
    s.clear_hooks("read")
    assert [h.name for h in s.list_hooks()] == ["b"]
    eqstate.clear_state_hooks()
    assert not eqstate.has_state_hooks() and not _plain()
    s.clear_hooks()
    assert _plain()


def test_hooks_of_a_dead_state_go_with_it():
    s = eqstate.State(jnp.zeros(()))
    s.register_hook("read", lambda c: None)
    assert not _plain()
    del s
    gc.collect()
    assert _plain()


def test_unknown_hook_type():
    s = eqstate.State(jnp.zeros(()))
    with pytest.raises(
        eqstate.HookRegistrationError, match="Unknown hook type 'delete'"
    ):
        s.has_hooks("delete")


@pytest.mark.parametrize("on_error", ["log", "raise", "ignore"])
def test_errors_in_callbacks(on_error: Any):
    s = eqstate.State(jnp.zeros(()))
    s.hooks.config = eqstate.HookConfig(on_error=on_error)
    s.register_hook("read", lambda c: 1 / 0, name="broken")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if on_error == "raise":
            with pytest.raises(
                eqstate.HookExecutionError, match="Hook 'broken' error #1"
            ):
                s.value
        else:
            assert float(s.value) == 0.0
    kinds = [w.category for w in caught]
    assert kinds == ([eqstate.HookWarning] if on_error == "log" else [])


def test_disable_on_error_and_error_logger():
    s = eqstate.State(jnp.zeros(()))
    logged: list[str] = []
    s.hooks.config = eqstate.HookConfig(
        error_logger=lambda msg, err, hook, ctx: logged.append(msg),
        max_errors_per_hook=2,
        disable_on_error=True,
    )
    handle = s.register_hook("read", lambda c: 1 / 0, name="broken")
    for _ in range(3):
        s.value
    assert len(logged) == 2 and "disabled after 2 errors" in logged[1]
    assert not handle.is_enabled()


def test_global_registry_is_a_singleton_and_resets():
    registry = eqstate.GlobalHookRegistry.instance()
    assert eqstate.GlobalHookRegistry() is registry
    eqstate.register_state_hook("read", lambda c: None)
    eqstate.GlobalHookRegistry.reset()
    assert eqstate.GlobalHookRegistry.instance() is not registry
    assert not eqstate.has_state_hooks() and _plain()


# -- transforms ----------------------------------------------------------------


def test_hooks_fire_at_trace_time_under_jit():
    s = eqstate.State(jnp.zeros(2))
    reads: list[Any] = []
    s.register_hook("read", lambda c: reads.append(c.value))
    s.register_hook(
        "write_before", lambda c: setattr(c, "transformed_value", c.value * 10)
    )

    @eqstate.transform.jit
    def step(x: jax.Array) -> jax.Array:
        s.value = s.value + x
        return s.value

    assert step(jnp.ones(2)).tolist() == [10.0, 10.0]
    assert step(jnp.ones(2)).tolist() == [110.0, 110.0]
    assert len(reads) == 2 and all(type(v).__name__.endswith("Tracer") for v in reads)


def test_flattening_fires_no_hooks():
    s = eqstate.State(jnp.zeros(2))
    reads: list[int] = []
    s.register_hook("read", lambda c: reads.append(1))
    jax.tree.leaves(s)
    assert reads == []


# -- check_state_value_tree and catch_new_states ------------------------------


def test_check_state_value_tree():
    s: eqstate.State[Any] = eqstate.State(jnp.zeros(2), name="v")
    s.value = (jnp.zeros(2), jnp.zeros(2))  # unchecked: allowed
    with eqstate.check_state_value_tree():
        assert not _plain()
        s.value = (jnp.ones(2), jnp.ones(2))
        with eqstate.check_state_value_tree(False):
            s.value = jnp.ones(2)
        with pytest.raises(
            ValueError, match="State 'v' .*holds a value of tree structure"
        ):
            s.value = {"a": jnp.ones(2)}
    assert _plain()


def test_restore_value_keeps_the_structure():
    s = eqstate.State(jnp.zeros(2), name="v")
    with pytest.raises(eqstate.EqstateError, match="restore_value keeps the structure"):
        s.restore_value((jnp.zeros(2),))
    with pytest.raises(
        eqstate.EqstateError, match="it takes a value. Use `target.copy_from"
    ):
        s.restore_value(eqstate.State(jnp.zeros(2)))


@pytest.mark.parametrize("tag", ["new", None])
def test_catch_new_states(tag: str | None):
    outer_state = eqstate.State(jnp.zeros(()))
    with eqstate.catch_new_states(tag, eqstate.ParamState) as outer:
        a = eqstate.HiddenState(jnp.zeros(2))
        with eqstate.catch_new_states("inner") as inner:
            b = eqstate.State(jnp.zeros(3))
        eqstate.ParamState(jnp.zeros(1))
    eqstate.State(jnp.zeros(1))
    assert outer.get_states() == [a, b] and list(inner) == [b]
    assert outer_state not in outer and len(outer) == 2
    assert [v.shape for v in outer.get_state_values()] == [(2,), (3,)]
    if tag is None:
        assert a.tag is None and b.tag == "inner"
    else:
        assert a.tag == tag and b.tag == ("new", "inner")
        assert outer.get_by_tag("inner") == [b]
    assert _plain() and not _state.ON_INIT


# -- the rest of State ---------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_copy_replace_copy_from(kind: type[eqstate.State[Any]]):
    s = kind(jnp.arange(4.0), name="w", tag="t")
    s.register_hook("read", lambda c: None)
    c = s.copy()
    assert type(c) is kind and c is not s and not c.has_hooks()
    assert (c.name, c.tag, c.value.tolist()) == ("w", "t", [0.0, 1.0, 2.0, 3.0])
    c.value = jnp.zeros(4)
    assert float(s.value.sum()) == 6.0
    r = s.replace(jnp.ones(2), name="r", tag="u")
    assert type(r) is kind and (r.name, r.tag, r.value.tolist()) == (
        "r",
        "u",
        [1.0, 1.0],
    )
    assert s.replace(c) is c and s.replace().value.shape == (4,)
    target = kind(jnp.zeros(1), name="target")
    target.copy_from(s)
    assert (target.name, target.tag, target.value.tolist()) == (
        "w",
        "t",
        [0.0, 1.0, 2.0, 3.0],
    )


def test_kind_mismatch_errors():
    p, h = (
        eqstate.ParamState(jnp.zeros(1), name="p"),
        eqstate.HiddenState(jnp.zeros(1), name="h"),
    )
    with pytest.raises(
        ValueError, match="copy_from needs a ParamState, got HiddenState"
    ):
        p.copy_from(h)  # type: ignore[arg-type]
    with pytest.raises(
        eqstate.EqstateError, match="replace needs a ParamState, got HiddenState"
    ):
        p.replace(h)


@pytest.mark.parametrize(
    "value, n",
    [
        (jnp.zeros((2, 3)), 6),
        ({"a": jnp.zeros(2), "b": jnp.zeros((2, 2))}, 6),
        (3.0, 1),
    ],
)
def test_numel_and_value_call(value: Any, n: int):
    s = eqstate.State(value)
    assert s.numel() == n
    assert jax.tree.leaves(s.value_call(jnp.shape)) == jax.tree.leaves(
        jax.tree.map(jnp.shape, value)
    )


def test_state_ref_round_trip_and_metadata():
    s = eqstate.ParamState(jnp.ones(2), name="w", tag="a")
    ref = s.to_state_ref()
    assert isinstance(ref, eqstate.TreefyState) and ref.type is eqstate.ParamState
    other = eqstate.ParamState(jnp.zeros(2))
    other.update_from_ref(ref.replace(ref.value * 3))
    assert (other.name, other.tag, other.value.tolist()) == ("w", "a", [3.0, 3.0])
    s.add_tag("b")
    s.add_tag("a")
    assert s.tag == ("a", "b") and list(eqstate.graph.states(s, "b").values()) == [s]
    s.name = "renamed"
    assert s.name == "renamed"
    assert s.source_info.startswith(__file__)


def test_state_init_and_source_info():
    s = eqstate.ParamState.init(eqstate.init.ZeroInit(), 3, batch_size=2, tag="w")
    assert (
        isinstance(s, eqstate.ParamState) and s.value.shape == (2, 3) and s.tag == "w"
    )
    with pytest.raises(KeyError) as info:
        s.raise_error_with_source_info(KeyError("k"))
    assert f"The State was created at {__file__}" in info.value.__notes__[0]


def test_check_if_deleted():
    keep: list[eqstate.State[Any]] = []

    @eqstate.transform.jit
    def make() -> None:
        keep.append(eqstate.State(jnp.zeros(())))

    make()
    with pytest.raises(eqstate.StateLeakError):
        keep[0].check_if_deleted()
    eqstate.State(jnp.zeros(())).check_if_deleted()


def test_aliases():
    assert eqstate.BrainStateError is eqstate.EqstateError
    assert issubclass(eqstate.HookCancellationError, eqstate.HookError)
    assert issubclass(eqstate.HookError, eqstate.EqstateError)
    assert eqstate.maybe_state(eqstate.State(jnp.array(2.0))) == 2.0


# -- against brainstate ----------------------------------------------------------

GOLDEN = Path(__file__).parent / "golden"


def test_matches_brainstate():
    """The scenarios of golden/record_state_hooks.py, as brainstate 0.5.4 ran them."""
    spec = importlib.util.spec_from_file_location(
        "record", GOLDEN / "record_state_hooks.py"
    )
    assert spec is not None and spec.loader is not None
    record = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(record)
    want = json.loads((GOLDEN / "state_hooks.json").read_text())
    got = json.loads(json.dumps(record.scenarios(eqstate)))
    # brainstate's jit also reads and writes States through `.value` on every
    # call (firing hooks with concrete values); eqstate's engine does not: hooks
    # fire only for the function's own reads, while it is traced (here 2).
    assert got.pop("jit") == [2, want.pop("jit")[1]]
    assert got == want
