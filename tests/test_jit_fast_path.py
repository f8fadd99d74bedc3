"""`jit`'s settled per-call path: one generated function (`fast_caller`),
which takes the common case itself and hands everything else to the slow
path with nothing changed."""

import copy
import sys
import threading

import jax
import jax.numpy as jnp

import eqstate
from eqstate import transform as T
from eqstate._state import State


def _eqstate_calls(call):
    """The Python functions of eqstate (files, generated code) `call` runs."""
    package = eqstate.__file__.rsplit("/", 1)[0]
    seen = []

    def profile(frame, event, arg):
        name = frame.f_code.co_filename
        if event == "call" and (name.startswith(package) or "eqstate" in name):
            seen.append((name, frame.f_code.co_name))

    sys.setprofile(profile)
    try:
        call()
    finally:
        sys.setprofile(None)
    return seen


def test_a_settled_call_runs_one_generated_function_and_nothing_else_of_ours():
    count, w = eqstate.State(jnp.array(0)), eqstate.ParamState(jnp.ones(2))

    def step(x):
        count.value += 1
        return x * w.value

    jitted = T.jit(step)
    x = jnp.ones(2)
    jitted(x)
    jitted(x)
    calls = _eqstate_calls(lambda: jitted(x))
    owner = "eqstate.transform.jit(" + step.__qualname__ + ")"
    assert calls == [(f"<{owner}: per-call path>", "fast")]
    assert int(count.value) == 3
    # a State's `.value` is the table's own function (no frame of the State's)
    assert _eqstate_calls(lambda: w.value) == [(eqstate._table.__file__, "read")]
    assert "__getattr__" not in vars(State)  # (it would slow every slot access)


def test_a_pytree_valued_state_is_donated_unless_a_leaf_is_held():
    d = eqstate.State({"a": jnp.zeros(2), "b": jnp.ones(2)})

    @T.jit
    def g():
        d.value = {"a": d.value["a"] + 1, "b": d.value["b"] * 2}

    g()
    g()
    pointer = d._value["a"].unsafe_buffer_pointer()
    g()  # the settled path, donating the dict's arrays
    assert d._value["a"].unsafe_buffer_pointer() == pointer
    held = d.value["a"]
    g()  # a leaf is held: copied first, still valid after
    g()
    assert held.tolist() == [3.0, 3.0]
    assert d.value["a"].tolist() == [5.0, 5.0] and d.value["b"].tolist() == [32.0] * 2


def test_new_argument_shapes_that_return_a_new_state_on_the_settled_path():
    c = eqstate.State(jnp.zeros(()))

    @T.jit
    def f(x):
        c.value += 1
        return eqstate.State(x * 2) if x.ndim == 2 else x

    assert f(jnp.ones(2)).tolist() == [1.0, 1.0]
    f(jnp.ones(2))  # settled: returns no State so far
    for expected_count in (3.0, 4.0):
        made = f(jnp.ones((1, 2)))
        assert isinstance(made, eqstate.State)
        assert made.value.tolist() == [[2.0, 2.0]]
        assert float(c.value) == expected_count


def test_a_frame_active_in_another_thread_sends_calls_to_the_slow_path():
    count = eqstate.State(jnp.array(0))
    step = T.jit(lambda: count.value + 1)
    step()
    step()
    inside, release = threading.Event(), threading.Event()

    def hold_a_frame():
        def body(i, carry):
            inside.set()
            release.wait(10)
            return carry

        T.for_loop(lambda i: body(i, None), jnp.arange(1))

    other = threading.Thread(target=hold_a_frame)
    other.start()
    try:
        assert inside.wait(10)
        assert eqstate._table.framing  # the other thread's loop is tracing
        calls = [name for _, name in _eqstate_calls(step)]
        assert calls[:2] == ["fast", "_call"]  # handed to the slow path
        assert int(step()) == 1  # ... with the right result
    finally:
        release.set()
        other.join()
    assert not eqstate._table.framing
    assert int(step()) == 1


def test_a_value_shared_by_a_shallow_copy_of_the_state_is_not_donated():
    # `copy.copy` copies the slot as it is (no read hands the value out), so
    # only the reference count tells the buffer is no longer b's alone.
    b = eqstate.State(jnp.zeros(2))

    @T.jit
    def f():
        b.value = b.value + 1

    f()
    f()
    c = copy.copy(b)
    assert c._value is b._value  # (what makes this case)
    f()
    f()
    assert c.value.tolist() == [2.0, 2.0] and b.value.tolist() == [4.0, 4.0]


def test_the_settled_path_under_jax_disable_jit():
    c = eqstate.State(jnp.zeros(2))

    @T.jit
    def f(x):
        c.value = c.value + x
        return c.value.sum()

    f(1.0)
    f(1.0)  # settled
    with jax.disable_jit():  # the function runs as Python, States still kept
        assert float(f(1.0)) == 6.0 and float(f(1.0)) == 8.0
    assert float(f(1.0)) == 10.0 and c.value.tolist() == [5.0, 5.0]
