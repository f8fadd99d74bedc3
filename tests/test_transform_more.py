"""StateFinder.find, ProgressBar.init / runners, and checkpointed_scan's
gradient over many steps."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import eqstate
from eqstate import transform as T


def test_state_finder_find_equals_call_and_changes_nothing():
    w = eqstate.ParamState(jnp.ones(2), name="w")
    n = eqstate.State(jnp.array(0), name="n")

    def step(x):
        n.value += 1
        return w.value * x

    for usage, expected in [("all", [n, w]), ("read", [w]), ("write", [n])]:
        finder = T.StateFinder(step, usage=usage, return_type="list")
        assert finder.find(jnp.ones(2)) == expected == finder(jnp.ones(2))
    keyed = T.StateFinder(step, eqstate.ParamState, key_fn=lambda i, s: s.name)
    assert keyed.find(jnp.ones(2)) == {"w": w}
    assert int(n.value) == 0


@pytest.mark.parametrize(
    "kwargs, n, freq",
    [({}, 100, 5), ({}, 7, 1), ({"freq": 10}, 100, 10), ({"count": 4}, 100, 25)],
)
def test_progress_bar_init_resolves_frequency(kwargs, n, freq):
    runner = T.ProgressBar(**kwargs).init(n)
    assert (runner.n, runner.freq) == (n, freq)
    assert runner.desc == f"Running for {n:,} iterations"


def test_progress_bar_runner_reports_inside_a_compiled_loop(capsys):
    runner = T.ProgressBar(count=2, desc="fori").init(10)

    def body(i, x):
        runner(i)
        return x + 1

    assert int(jax.jit(lambda: jax.lax.fori_loop(0, 10, body, 0))()) == 10
    err = capsys.readouterr().err
    assert "fori" in err and "10/10" in err
    # every report is drawn, each with the description (count=2: every 5 steps)
    assert "fori:   0%" in err and "fori:  50%" in err and " 5/10 " in err


def test_for_loop_with_length_and_no_xs_calls_the_function_that_often():
    n = eqstate.State(jnp.array(0), name="n")

    def step():
        n.value += 1
        return n.value

    assert T.for_loop(step, length=3).tolist() == [1, 2, 3] and int(n.value) == 3


def test_progress_bar_formats_desc_from_the_loop(capsys):
    bar = T.ProgressBar(freq=5, desc=("sum {s:.0f}", lambda d: {"s": d["carry"]}))
    carry, _ = T.scan(lambda c, x: (c + x, x), 0.0, jnp.arange(10.0), pbar=bar)
    assert float(carry) == 45.0
    assert "sum 45" in capsys.readouterr().err


def test_progress_bar_errors():
    with pytest.raises(ValueError, match="count=20 is larger than the 10 steps"):
        T.ProgressBar(count=20).init(10)
    with pytest.raises(ValueError, match="freq=50 is larger than the 10 steps"):
        T.ProgressBar(freq=50).init(10)
    with pytest.raises(ValueError, match="freq .* or count .*not both"):
        T.ProgressBar(freq=2, count=2)
    with pytest.raises(TypeError, match=r"\(format string, callable\) pair"):
        T.ProgressBar(desc=("x", "not callable"))
    runner = T.ProgressBar(desc=("{i}", lambda d: [d["i"]])).init(4)
    with pytest.raises(TypeError, match="must return a dict"):
        runner(jnp.asarray(0))
    assert issubclass(type(_error(lambda: T.ProgressBar(freq=0))), eqstate.EqstateError)


def _error(fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001
        return e
    raise AssertionError("no error")


def test_checkpointed_scan_gradient_equals_scan_over_1000_steps():
    w = eqstate.ParamState(jnp.array([0.9, -0.3, 0.5]))
    xs = jnp.sin(jnp.arange(1000.0))[:, None] * jnp.ones(3) * 0.01

    def make_loss(loop):
        def loss(h0):
            def body(h, x):
                h = jnp.tanh(w.value * h + x)
                return h, h.sum()

            h, ys = loop(body, h0, xs)
            return (h**2).sum() + 1e-3 * ys.sum()

        return T.grad(loss, grad_states=w, argnums=0, return_value=True)

    h0 = jnp.array([0.1, 0.2, 0.3])
    (gw, gh), v = T.jit(make_loss(T.scan))(h0)
    (cgw, cgh), cv = T.jit(make_loss(T.checkpointed_scan))(h0)
    np.testing.assert_allclose(cv, v, rtol=1e-6)
    np.testing.assert_allclose(cgw, gw, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(cgh, gh, rtol=1e-5, atol=1e-7)
    assert float(jnp.abs(gw).sum()) > 0.0


def test_map_in_batches_names_itself_when_the_function_writes_a_state():
    total = eqstate.State(jnp.array(0.0), name="total")

    def add(x):
        total.value = total.value + x.sum()
        return 2 * x

    xs = jnp.arange(6.0).reshape(6, 1)
    with pytest.raises(eqstate.StateWriteError) as info:
        T.map(add, xs, batch_size=2)
    message = str(info.value)
    assert message.startswith("eqstate.transform.map(..., batch_size=2) runs the ")
    assert "'total'" in message and "Drop batch_size" in message
    assert T.map(add, xs).ravel().tolist() == [0.0, 2.0, 4.0, 6.0, 8.0, 10.0]
    assert float(total.value) == 15.0


def test_map_in_batches_refuses_an_unbatched_write_and_still_reads_states():
    count = eqstate.State(jnp.array(0), name="count")
    scale = eqstate.State(jnp.array(3.0), name="scale")

    def bump(x):
        count.value = count.value + 1  # the same value in every lane
        return x

    with pytest.raises(ValueError) as info:  # brainstate raises a ValueError
        T.map(bump, jnp.arange(5.0), batch_size=2)
    assert type(info.value).__name__ == "MapWriteError"
    assert isinstance(info.value, eqstate.StateWriteError)
    message = str(info.value)
    assert "State 'count'" in message and "once per chunk" in message
    assert "ys = eqstate.transform.map(f, xs)" in message
    assert "return y, new_value" in message
    assert int(count.value) == 0
    out = T.map(lambda x: x * scale.value, jnp.arange(5.0), batch_size=2)
    assert out.tolist() == [0.0, 3.0, 6.0, 9.0, 12.0]


@pytest.mark.parametrize(
    "call, expected",
    [
        (
            lambda a, b: T.checkpointed_for_loop(lambda x, y: x + y, a, b, base=2),
            "different leading axis sizes: 5, 3",
        ),
        (
            lambda a, b: T.checkpointed_scan(
                lambda c, xy: (c, xy[0] + xy[1]), 0.0, (a, b), base=2
            ),
            "different leading axis sizes: 5, 3",
        ),
        (
            lambda a, b: T.checkpointed_scan(
                lambda c, x: (c, x), 0.0, b, length=5, base=2
            ),
            "length=5, which disagrees with the leading axis sizes of its inputs [3]",
        ),
        (
            lambda a, b: T.for_loop(lambda x, y: x + y, a, b),
            "eqstate.transform.for_loop(<lambda>.<locals>.<lambda>) got inputs "
            "with different leading axis sizes: 5, 3",
        ),
    ],
)
def test_loops_check_their_inputs_lengths_alike(call, expected):
    a, b = jnp.arange(5.0), jnp.arange(3.0)
    with pytest.raises(ValueError) as info:
        call(a, b)
    assert isinstance(info.value, eqstate.EqstateError)
    assert isinstance(info.value, T.LoopLengthError)
    assert expected in str(info.value)


def test_checkpointed_for_loop_runs_length_steps_without_inputs():
    n = eqstate.State(jnp.array(0))

    def step():
        n.value += 1
        return n.value

    assert T.checkpointed_for_loop(step, length=4, base=2).tolist() == [1, 2, 3, 4]
