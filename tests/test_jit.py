"""`jit`: caching, static arguments, donation, methods, States as arguments."""

import itertools
import threading
import warnings

import equinox as eqx
import jax
import jax.numpy as jnp
import pytest

import eqstate
from eqstate import transform as T

from .helpers import TraceCounter


class Acc(eqstate.nn.Module):
    def __init__(self):
        self.total = eqstate.State(jnp.zeros(2), name="total")
        self.w = eqstate.ParamState(jnp.ones(2))

    def __call__(self, x):
        self.total.value = self.total.value + x * self.w.value
        return self.total.value


def test_static_argnums_and_argnames():
    acc = Acc()
    body = TraceCounter(lambda x, n, *, mode: (acc(x * n), mode)[0])
    f = T.jit(body, static_argnums=1, static_argnames="mode")
    f(jnp.ones(2), 2, mode="a")
    f(jnp.ones(2), 2, mode="a")
    assert acc.total.value.tolist() == [4.0, 4.0]
    n_traces = body.count
    f(jnp.ones(2), 3, mode="a")  # a new static value retraces once
    assert body.count == n_traces + 1 and acc.total.value.tolist() == [7.0, 7.0]


def test_first_call_runs_the_user_function_once():
    # Discovery traces the function; the donating jit's first trace reuses that
    # trace (a cache hit of the discovery's jit), so user Python runs once.
    # (A plain function, so that the planner sees the closed-over module.)
    acc = Acc()
    runs = []

    def step(x, n, *, scale):
        runs.append(n)
        return acc(x * n * scale)

    f = T.jit(step, static_argnums=1)
    out = f(jnp.ones(2), 2, scale=jnp.float32(3.0))
    assert runs == [2] and out.tolist() == [6.0, 6.0]
    f(jnp.ones(2), 2, scale=jnp.float32(1.0))
    assert runs == [2] and acc.total.value.tolist() == [8.0, 8.0]
    text = f.lower(jnp.ones(2), 2, scale=jnp.float32(1.0)).as_text()
    assert "@jit_step" in text and "tf.aliasing_output" in text  # named, donated


@pytest.mark.parametrize("donate", [True, False])
def test_a_settled_jit_called_inside_a_transform_leaves_the_fast_path(donate: bool):
    acc = Acc()
    f = T.jit(lambda x: acc(x), donate=donate)
    f(jnp.ones(2))
    f(jnp.ones(2))  # settled: the fast path
    g = T.grad(lambda x: f(x).sum())(jnp.ones(2))  # called inside a trace
    assert g.tolist() == [1.0, 1.0] and acc.total.value.tolist() == [3.0, 3.0]
    outer = T.jit(lambda x: f(x))  # nested in another jit
    outer(jnp.ones(2))
    outer(jnp.ones(2))
    assert acc.total.value.tolist() == [5.0, 5.0]
    f(jnp.ones(2))  # and eagerly again
    assert acc.total.value.tolist() == [6.0, 6.0]


def test_donation_reuses_only_buffers_nobody_else_holds():
    acc = Acc()

    def step(x):
        acc(x)  # no output: the donated buffer can only become the new total

    f = T.jit(step)
    f(jnp.ones(2))  # the initial zeros were the user's: copied, not donated
    ptr = acc.total._value.unsafe_buffer_pointer()  # (the slot, not handed out)
    f(jnp.ones(2))
    assert acc.total._value.unsafe_buffer_pointer() == ptr  # donated and reused
    ptr = acc.total.value.unsafe_buffer_pointer()  # handed out, then dropped
    f(jnp.ones(2))  # (an alias of it may live on: copied first)
    assert acc.total._value.unsafe_buffer_pointer() != ptr
    held, w = acc.total.value, acc.w.value
    f(jnp.ones(2))
    assert not held.is_deleted() and held.tolist() == [3.0, 3.0]
    assert not w.is_deleted() and acc.total.value.tolist() == [4.0, 4.0]
    g = T.jit(Acc(), donate=False)
    g(jnp.ones(2))
    ptr = g.fun.total.value.unsafe_buffer_pointer()
    g(jnp.ones(2))
    assert g.fun.total.value.unsafe_buffer_pointer() != ptr


def test_a_state_seen_every_call_stops_being_donated(monkeypatch):
    # Each copy "takes" a second (more than building the jit did): the call
    # after the first one that copies a State rebuilds the jit without
    # donating it, from the same trace; the other State is still donated.
    from eqstate import _table_donation

    clock = itertools.count(0.0, 1.0)
    monkeypatch.setattr(_table_donation, "perf_counter", lambda: next(clock))
    copies: list[int] = []
    real = _table_donation._copies
    monkeypatch.setattr(
        _table_donation, "_copies", lambda vs: copies.append(len(vs)) or real(vs)
    )
    # (two shapes: XLA gives a donated buffer to an output of its own shape)
    seen, unseen = eqstate.State(jnp.zeros(3)), eqstate.State(jnp.zeros(2))

    def bump():
        seen.value = seen.value + 1.0
        unseen.value = unseen.value + 1.0

    counter = TraceCounter(bump)
    step = T.jit(counter)

    step()
    traced = counter.count
    held = [seen.value]
    for _ in range(4):
        step()
        held.append(seen.value)  # held: its buffer may not be donated
    assert [h.tolist() for h in held] == [[float(i)] * 3 for i in range(1, 6)]
    assert copies == [2, 1]  # both initial arrays, then `seen` once
    assert counter.count == traced  # the new jit found the trace in JAX's cache
    ptr = unseen._value.unsafe_buffer_pointer()  # (the slot: not handed out)
    step()
    assert unseen._value.unsafe_buffer_pointer() == ptr  # still donated
    assert unseen.value.tolist() == [6.0, 6.0] and copies == [2, 1]


def test_a_pytree_state_donated_every_call_is_not_rebuilt(monkeypatch):
    # A dict value takes the slow donation check each call, but copies
    # nothing: the jit must not count that as copying and rebuild itself.
    from eqstate import _table_donation
    from eqstate.transform._jit_wrapper import JitWrapper

    clock = itertools.count(0.0, 1.0)
    monkeypatch.setattr(_table_donation, "perf_counter", lambda: next(clock))
    stopped: list[set[int]] = []
    real = JitWrapper._stop_donating

    def spy(self, n, positions):
        stopped.append(set(positions))
        real(self, n, positions)

    monkeypatch.setattr(JitWrapper, "_stop_donating", spy)
    s = eqstate.State({"a": jnp.zeros(2), "b": jnp.ones(3)})
    step = T.jit(lambda: setattr(s, "value", jax.tree.map(lambda x: x + 1, s.value)))
    for _ in range(5):
        step()
    assert stopped == []
    assert s.value["a"].tolist() == [5.0, 5.0] and s.value["b"].tolist() == [6.0] * 3


def test_a_trace_that_writes_fewer_states_gets_every_donated_buffer_back():
    # The donation mask is learnt from earlier traces; a trace for a new static
    # value that writes less must not leave a donated buffer unused.
    s = eqstate.State(jnp.zeros(3))

    def f(flag):
        if flag:
            s.value = s.value + 1
        return s.value.sum()

    g = T.jit(f, static_argnums=0)
    g(True)
    g(True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "Some donated buffers were not usable"
        assert float(g(False)) == 6.0
    assert s.value.tolist() == [2.0, 2.0, 2.0] and float(g(True)) == 9.0


def test_a_state_changing_shape_is_returned_but_not_donated():
    # XLA cannot reuse a buffer for a bigger value: no "Some donated buffers
    # were not usable" warning (an error under this suite's filters).
    s = eqstate.State(jnp.zeros(2))
    t = eqstate.State(jnp.zeros(2))

    @T.jit
    def step():
        s.value = jnp.concatenate([s.value, jnp.ones(1)])
        t.value = t.value + 1

    step()
    step()
    assert s.value.tolist() == [0.0, 0.0, 1.0, 1.0] and t.value.tolist() == [2.0] * 2
    assert "tf.aliasing_output" in step.lower().as_text()  # t is still donated


def test_new_argument_shapes_that_change_a_donated_state_stop_its_donation():
    # The first trace donates `h` (same shape in and out); a call with a
    # bigger `x` makes `h` bigger: that trace must not donate it (no "Some
    # donated buffers were not usable" warning), while `t` stays donated.
    h, t = eqstate.State(jnp.zeros(2)), eqstate.State(jnp.zeros(2))

    @T.jit
    def step(x):
        h.value = h.value + x
        t.value = t.value + 1
        return h.value

    assert step(jnp.ones(2)).tolist() == [1.0, 1.0]
    assert step.lower(jnp.ones(2)).as_text().count("tf.aliasing_output") == 2
    assert step(jnp.ones((3, 2))).tolist() == [[2.0, 2.0]] * 3
    assert step(jnp.ones((3, 2))).tolist() == [[3.0, 3.0]] * 3
    assert t.value.tolist() == [3.0, 3.0]
    assert step.lower(jnp.ones((3, 2))).as_text().count("tf.aliasing_output") == 1


@pytest.mark.parametrize("fast_path", [False, True])
def test_a_call_failing_in_a_host_callback_leaves_the_states_as_they_were(fast_path):
    w = eqstate.ParamState(jnp.array([1.0, 2.0]), name="w")

    @T.jit
    def step(x):
        w.value = w.value - 0.1 * x
        T.jit_error_if(jnp.any(jnp.isnan(w.value)), "nan in weights")
        return w.value

    step(jnp.ones(2))
    if fast_path:
        step(jnp.ones(2))  # settled: the next call takes the per-call path
    with pytest.raises(Exception, match="nan in weights"):
        step(jnp.array([jnp.nan, 0.0]))
    expected = [0.8, 1.8] if fast_path else [0.9, 1.9]
    assert jnp.allclose(w.value, jnp.array(expected))  # (readable, not donated)
    assert "tf.aliasing_output" not in step.lower(jnp.ones(2)).as_text()
    assert jnp.allclose(step(jnp.ones(2)), jnp.array(expected) - 0.1)


def test_ahead_of_time_methods_change_no_state():
    n = eqstate.State(jnp.array(0), name="n")
    runs = []

    def body(x):
        runs.append(1)
        n.value += 1
        return x * 2

    step = T.jit(body)
    assert step.origin_fun is body
    assert step.eval_shape(jnp.ones(3)) == jax.ShapeDtypeStruct((3,), jnp.float32)
    assert isinstance(step.trace(jnp.ones(3)), jax.stages.Traced)
    assert isinstance(step.compile(jnp.ones(3)), jax.stages.Compiled)
    assert int(n.value) == 0 and len(runs) == 1  # traced once, nothing ran
    step(jnp.ones(3))
    assert int(n.value) == 1 and len(runs) == 1  # the call reuses the trace
    step.clear_cache()
    step(jnp.ones(3))
    assert int(n.value) == 2 and len(runs) == 2  # traced again


def test_new_shapes_meeting_new_states_on_the_fast_path_trace_once_more():
    a, b = eqstate.State(jnp.array(0.0)), eqstate.State(jnp.array(0.0))

    def f(x):
        a.value = a.value + x.sum()
        if x.shape[0] > 2:
            b.value = b.value + 1  # only traces for longer inputs meet b
        return a.value

    body = TraceCounter(f)
    g = T.jit(body)
    g(jnp.ones(2))
    g(jnp.ones(2))  # settled
    n = body.count
    g(jnp.ones(3))  # meets b: one retrace with b planned
    assert body.count == n + 2 and float(b.value) == 1.0
    g(jnp.ones(3))
    assert body.count == n + 2 and float(a.value) == 10.0


def test_static_arguments_by_either_name_or_position():
    acc = Acc()

    def f(x, n):
        return acc(x * len(range(n)))  # `n` must be a Python int

    by_name = T.jit(f, static_argnames="n")
    by_name(jnp.ones(2), 2)  # passed positionally
    by_name(jnp.ones(2), n=2)
    T.jit(f, static_argnums=-1)(jnp.ones(2), 1)
    assert acc.total.value.tolist() == [5.0, 5.0]


def test_two_threads_tracing_one_function_keep_their_own_states():
    # Thread A's first call stops while JAX flattens its arguments (after it
    # split out its module's States) until thread B has traced and run the
    # same function on another module.
    entered, release = threading.Event(), threading.Event()

    @jax.tree_util.register_pytree_node_class
    class Gate:
        flattened = 0

        def __init__(self, x, wait):
            self.x, self.wait = x, wait

        def tree_flatten(self):
            if self.wait:
                Gate.flattened += 1
                if Gate.flattened == 2:  # the second: inside the trace's call
                    entered.set()
                    release.wait(10)
            return (self.x,), self.wait

        @classmethod
        def tree_unflatten(cls, wait, children):
            return cls(children[0], wait)

    def step(m, g):
        m.total.value = m.total.value + g.x
        return m.total.value

    f = T.jit(step)
    a, b = Acc(), Acc()
    out = {}
    thread = threading.Thread(
        target=lambda: out.update(a=f(a, Gate(jnp.ones(2), True)))
    )
    thread.start()
    assert entered.wait(10)
    f(b, Gate(jnp.full(2, 2.0), False))
    release.set()
    thread.join(10)
    assert out["a"].tolist() == [1.0, 1.0] and a.total.value.tolist() == [1.0, 1.0]
    assert b.total.value.tolist() == [2.0, 2.0]


def test_new_argument_shapes_that_write_more_states_are_committed_and_learnt():
    a, b = eqstate.State(jnp.array(0.0)), eqstate.State(jnp.array(0.0))

    def f(x):
        a.value = a.value + x.sum()
        if x.shape[0] > 2:  # only traces for longer inputs write b
            b.value = b.value + 1
        return a.value

    g = T.jit(f)
    g(jnp.ones(2))
    g(jnp.ones(2))  # the settled fast path, donating a only
    g(jnp.ones(3))  # a new trace writes b too
    g(jnp.ones(3))
    assert float(a.value) == 10.0 and float(b.value) == 2.0
    assert g._settled is not None  # settled again, and b is donated now
    states = g._plan.states
    assert [states[i] for i in g._masks[len(states)]] == [a, b]


def test_a_widened_donation_mask_never_meets_an_older_trace():
    # The trace for short inputs reads b without writing it; a longer input
    # then writes b too, so b is donated from then on. The short input's old
    # trace returns a only: reused with b donated, it would leave b's buffer
    # unused. It is traced anew instead, and hands b's buffer back unchanged.
    a, b = eqstate.State(jnp.zeros(())), eqstate.State(jnp.ones(()))

    def f(x):
        a.value = a.value + x.sum() * b.value
        if x.shape[0] > 2:
            b.value = b.value + 1

    g = T.jit(f)
    g(jnp.ones(2))
    g(jnp.ones(2))
    g(jnp.ones(3))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "Some donated buffers were not usable"
        g(jnp.ones(2))
        g(jnp.ones(2))
    assert float(a.value) == 15.0 and float(b.value) == 2.0


def test_decorated_method_binds_per_instance():
    class Model(eqstate.nn.Module):
        def __init__(self, k):
            self.n = eqstate.State(jnp.array(0))
            self.k = k

        @T.jit
        def step(self, x):
            traces.append(1)
            self.n.value += self.k
            return x + self.n.value

    traces = []
    a, b = Model(1), Model(10)
    a.step(0)
    a.step(0)
    b.step(0)
    assert int(a.n.value) == 2 and int(b.n.value) == 10
    # `a.step` is `jit(a.step)` made once: one trace per instance, and a call
    # does not walk the instance (the class's own jit takes it as an argument)
    assert len(traces) == 2
    assert a.step is a.step and a.step is not b.step
    assert a.step._settled is not None  # settled: later calls take the fast path
    Model.step(a, 0)  # through the class: `a` is an argument
    assert int(a.n.value) == 3 and len(traces) == 3


def test_bound_jitted_method_does_not_keep_its_instance_alive():
    import gc
    import weakref

    class Model(eqstate.nn.Module):
        def __init__(self):
            self.n = eqstate.State(jnp.array(0))

        @T.jit
        def step(self):
            self.n.value += 1

    m = Model()
    m.step()
    m.step()
    assert int(m.n.value) == 2
    alive = weakref.ref(m)
    del m
    gc.collect()
    assert alive() is None


def test_a_method_of_an_object_without_weak_references_takes_it_as_argument():
    from typing import NamedTuple

    class Box(NamedTuple):  # a pytree; tuples take no weak references
        n: eqstate.State

        @T.jit
        def step(self):
            self.n.value += 1

    box = Box(eqstate.State(jnp.array(0)))
    box.step()
    box.step()
    assert int(box.n.value) == 2


def test_a_bound_method_keeps_the_signature_without_self():
    import inspect

    class Model(eqstate.nn.Module):
        def __init__(self):
            self.n = eqstate.State(jnp.array(0))

        @T.jit(static_argnames="k")
        def step(self, x, k=1):
            self.n.value += k
            return x * k

    m = Model()
    assert list(inspect.signature(m.step).parameters) == ["x", "k"]
    assert int(m.step(1, k=3)) == 3 and int(m.n.value) == 3


def test_states_passed_as_arguments_equinox_style():
    def step(model, x):
        model.total.value = model.total.value + x
        return model.total.value * 2

    f = T.jit(step)
    m1, m2 = Acc(), Acc()
    f(m1, jnp.ones(2))
    f(m1, jnp.ones(2))
    f(m2, jnp.full(2, 5.0))
    assert m1.total.value.tolist() == [2.0, 2.0]
    assert m2.total.value.tolist() == [5.0, 5.0]
    # a functional-style copy is a different model: its writes land in the copy
    m3 = jax.tree.map(lambda x: x, m1)
    f(m3, jnp.ones(2))
    assert m3.total.value.tolist() == [3.0, 3.0] and m1.total.value.tolist() == [
        2.0,
        2.0,
    ]


def test_returning_states_gives_the_same_states_or_new_ones():
    acc = Acc()

    @T.jit
    def f(x):
        acc(x)
        return acc.total, acc, eqstate.State(x * 3)

    state, module, new = f(jnp.ones(2))
    assert state is acc.total and module.total is acc.total
    assert state.value.tolist() == [1.0, 1.0]
    assert isinstance(new, eqstate.State) and new.value.tolist() == [3.0, 3.0]
    state, module, new2 = f(jnp.ones(2))
    assert state.value.tolist() == [2.0, 2.0] and new2 is not new


def test_lower_compiles_ahead_of_time():
    acc = Acc()
    f = T.jit(acc)
    f(jnp.ones(2))
    text = f.lower(jnp.ones(2)).as_text()
    assert "stablehlo" in text or "mhlo" in text


def test_jit_of_module_under_grad_and_eqx_filter_jit_reads():
    acc = Acc()
    f = T.jit(lambda x: jnp.sum(acc.w.value * x))
    g = T.grad(f, grad_states=[acc.w])(jnp.array([1.0, 2.0]))
    assert g[0].tolist() == [1.0, 2.0]
    out = eqx.filter_jit(lambda m, x: m.w.value * x)(acc, 3.0)
    assert out.tolist() == [3.0, 3.0]


def test_make_jaxpr_eval_shape_state_finder():
    acc = Acc()
    jaxpr, states = T.make_jaxpr(acc)(jnp.ones(2))
    assert set(states) == {acc.total, acc.w} and states[0] is acc.total
    assert len(jaxpr.jaxpr.outvars) == 3  # the output, then every State's value
    jaxpr, _ = T.make_jaxpr(acc, return_only_write=True)(jnp.ones(2))
    assert len(jaxpr.jaxpr.outvars) == 2  # the output and the new total
    assert acc.total.value.tolist() == [0.0, 0.0]  # nothing written back

    out = T.eval_shape(acc, jnp.ones(2))
    assert out.shape == (2,) and acc.total.value.tolist() == [0.0, 0.0]

    assert T.StateFinder(acc, usage="write", return_type="list")(jnp.ones(2)) == [
        acc.total
    ]
    assert T.StateFinder(acc, usage="read", return_type="list")(jnp.ones(2)) == [acc.w]
    assert list(
        T.StateFinder(acc, filter=eqstate.ParamState)(jnp.ones(2)).values()
    ) == [acc.w]
    with pytest.raises((ValueError, TypeError), match="usage"):
        T.StateFinder(acc, usage="neither")  # type: ignore[arg-type]


def test_dead_state_in_a_plan_is_named():
    leaked = []

    @T.jit
    def make():
        leaked.append(eqstate.State(jnp.ones(()), name="ghost"))
        return 0

    make()
    g = T.jit(lambda: leaked[0].value + 1)
    with pytest.raises(eqstate.StateLeakError, match="State 'ghost'"):
        g()


def test_dead_state_of_a_closed_over_module_is_named():
    # The planner finds the module through the closure, so the dead value is
    # caught while gathering the inputs, before any trace.
    box = []

    @T.jit
    def make():
        box.append(Acc())
        return 0

    make()
    acc = box[0]
    g = T.jit(lambda x: acc(x))
    with pytest.raises(
        eqstate.StateLeakError, match="State 'Acc.total'.*created inside"
    ):
        g(jnp.ones(2))


def test_pytree_valued_states_keep_every_leaf():
    """A State whose value is a pytree: written, read, and passed as an argument."""
    tree = eqstate.State({"a": jnp.zeros(2), "b": (jnp.ones(3), jnp.int32(1))})
    scale = eqstate.State({"k": jnp.float32(2.0), "m": jnp.float32(3.0)})

    def step(arg_state, x):
        value = tree.value
        k = scale.value["k"] * scale.value["m"]
        tree.value = {"a": value["a"] + x, "b": (value["b"][0] * k, value["b"][1] + 1)}
        arg_state.value = {"p": arg_state.value["p"] + 1, "q": arg_state.value["q"] - 1}
        return tree.value["a"].sum()

    body = TraceCounter(step)
    f = T.jit(body)
    arg = eqstate.State({"p": jnp.zeros(1), "q": jnp.zeros(4)})
    assert float(f(arg, jnp.ones(2))) == 2.0  # replayed discovery
    assert float(f(arg, jnp.ones(2))) == 4.0  # cached
    assert tree.value["a"].tolist() == [2.0, 2.0]
    assert tree.value["b"][0].tolist() == [36.0] * 3
    assert int(tree.value["b"][1]) == 3
    assert arg.value["p"].tolist() == [2.0] and arg.value["q"].tolist() == [-2.0] * 4
    traces = body.count
    f(arg, jnp.ones((2,), jnp.float32) * 0)  # same shapes: no retrace
    assert body.count == traces
