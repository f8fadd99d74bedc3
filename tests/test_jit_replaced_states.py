"""A jitted function follows the States a module assigns anew.

`init_all_states(model)` run again (say, for a new batch size) assigns new
State objects where the old ones were. A settled `jit` must use the new ones
(brainstate 0.5.4 keeps writing the old ones, which nothing else sees): with
the same kind, name and metadata the compiled program is reused; otherwise
the function is traced anew.
"""

from __future__ import annotations

import gc
import types

import jax.numpy as jnp
import pytest

import eqstate
from eqstate import _table

T = eqstate.transform


class Neuron(eqstate.nn.Dynamics):
    def __init__(self, kind: type[eqstate.State] = eqstate.HiddenState):
        super().__init__(in_size=2)
        self.log = types.SimpleNamespace(traces=0, kind=kind)  # (a mutable leaf)

    def init_state(self, batch_size=None, **kwargs):
        shape = (2,) if batch_size is None else (batch_size, 2)
        self.V = self.log.kind(jnp.zeros(shape))

    def update(self, x):
        self.log.traces += 1
        self.V.value = self.V.value + x
        return self.V.value


def _neuron_and_step(how: str):
    neuron = Neuron()
    eqstate.nn.init_all_states(neuron)
    if how == "bound method":
        step = T.jit(neuron.update)
    elif how == "closure":
        step = T.jit(lambda x: neuron.update(x) * 1)
    else:  # the module itself
        step = T.jit(neuron)
    return neuron, step


@pytest.mark.parametrize("how", ["bound method", "closure", "module"])
def test_a_jit_writes_the_states_a_second_init_made(how: str):
    neuron, step = _neuron_and_step(how)
    step(1.0)
    step(1.0)
    old = neuron.V
    eqstate.nn.init_all_states(neuron)
    assert neuron.V is not old
    out = step(1.0)
    assert jnp.array_equal(out, jnp.ones(2))
    assert jnp.array_equal(neuron.V.value, jnp.ones(2))
    assert jnp.array_equal(old.value, jnp.full(2, 2.0))  # left as it was
    step(1.0)
    assert jnp.array_equal(neuron.V.value, jnp.full(2, 2.0))
    # a State like the old one takes its place in the compiled program
    assert neuron.log.traces == 1


def test_a_new_batch_size_traces_for_the_new_shape():
    neuron, step = _neuron_and_step("bound method")
    step(1.0)
    eqstate.nn.init_all_states(neuron, batch_size=3)
    assert step(1.0).shape == (3, 2)
    step(2.0)
    assert jnp.array_equal(neuron.V.value, jnp.full((3, 2), 3.0))
    assert neuron.log.traces == 2


def test_a_state_of_another_kind_traces_anew():
    neuron, step = _neuron_and_step("bound method")
    step(1.0)
    neuron.log.kind = eqstate.ShortTermState
    eqstate.nn.init_all_states(neuron)
    step(1.0)
    assert type(neuron.V) is eqstate.ShortTermState
    assert jnp.array_equal(neuron.V.value, jnp.ones(2))
    assert neuron.log.traces == 2


def test_a_state_with_hooks_traces_anew():
    neuron, step = _neuron_and_step("bound method")
    step(1.0)
    eqstate.nn.init_all_states(neuron)
    seen = []
    neuron.V.register_hook("write_after", lambda ctx: seen.append(1))
    step(1.0)
    assert neuron.log.traces == 2 and seen  # the hook ran in the new trace


def test_states_replaced_inside_a_trace_are_not_followed():
    neuron = Neuron()
    eqstate.nn.init_all_states(neuron)
    before = _table.replacements[0]

    @T.jit
    def trial(x):
        eqstate.nn.init_all_states(neuron)  # local to the trace
        return neuron.update(x)

    assert jnp.array_equal(trial(1.0), jnp.ones(2))
    assert jnp.array_equal(trial(2.0), jnp.full(2, 2.0))
    assert _table.replacements[0] == before


def test_the_old_state_is_not_kept_alive():
    import weakref

    neuron, step = _neuron_and_step("bound method")
    step(1.0)
    old = weakref.ref(neuron.V)
    eqstate.nn.init_all_states(neuron)
    step(1.0)
    gc.collect()
    assert old() is None


def test_successor_chains_and_reassigning_an_old_state():
    a, b, c = (eqstate.State(jnp.zeros(1)) for _ in range(3))
    _table.replace(a, b)
    _table.replace(b, c)
    assert _table.successor(a) is c and _table.successor(c) is c
    _table.replace(c, a)  # back to the first: no cycle
    assert _table.successor(a) is a and _table.successor(b) is a
