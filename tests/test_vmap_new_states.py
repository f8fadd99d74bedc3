"""`vmap_new_states`: States created inside the mapped function are kept, one
value per lane, stacked on axis 0."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import eqstate
from eqstate import transform as T


def test_each_lane_creates_its_own_state_and_values_stack():
    made = []

    @T.vmap_new_states(in_axes=0, state_tag="new")
    def build(x):
        s = eqstate.ShortTermState(jnp.zeros(()))
        s.value = s.value + x
        made.append(s)
        return s.value * 2

    out = build(jnp.arange(4.0))
    assert out.tolist() == [0.0, 2.0, 4.0, 6.0]
    assert made[-1].value.tolist() == [0.0, 1.0, 2.0, 3.0]
    assert made[-1].tag == "new"


def test_random_initialisers_differ_per_lane_and_are_reproducible():
    made = []

    @T.vmap_new_states(axis_size=3)
    def init():
        made.append(eqstate.nn.Linear(2, 3))

    eqstate.random.seed(0)
    init()
    weights = made[-1].weight.value
    assert jax.tree.map(jnp.shape, weights) == {"bias": (3, 3), "weight": (3, 2, 3)}
    w = weights["weight"]
    assert not jnp.allclose(w[0], w[1]) and not jnp.allclose(w[1], w[2])
    eqstate.random.seed(0)
    init()  # reproducible under the same seed
    np.testing.assert_array_equal(made[-1].weight.value["weight"], w)


def test_excluded_and_no_batching_states_stay_unbatched():
    made = []

    @T.vmap_new_states(axis_size=3, state_to_exclude=eqstate.ShortTermState)
    def init():
        made.append(
            (
                eqstate.ShortTermState(jnp.ones(2)),
                eqstate.State(jnp.ones(2), tag="INIT_NO_BATCHING"),
                eqstate.State(jnp.ones(2)),
            )
        )

    init()
    assert [s.value.shape for s in made[-1]] == [(2,), (2,), (3, 2)]


def test_unbatched_new_state_with_batched_value_raises():
    @T.vmap_new_states(state_to_exclude="shared")
    def init(x):
        eqstate.State(x, tag="shared")

    with pytest.raises(
        eqstate.BatchAxisError,
        match="(?s)created inside eqstate.transform.vmap_new_states.*state_to_exclude",
    ):
        init(jnp.arange(3.0))


def test_nested_in_jit_keeps_states_local_to_the_jit():
    made = []

    @T.jit
    def outer(x):
        @T.vmap_new_states(axis_size=2)
        def mk():
            made.append(eqstate.State(jnp.ones(3) * x))

        mk()
        return made[-1].value.sum(1)

    assert outer(2.0).tolist() == [6.0, 6.0]


def test_existing_states_follow_vmap_rules():
    counter = eqstate.State(jnp.zeros(3))

    @T.vmap_new_states(in_states=counter)
    def step(x):
        counter.value = counter.value + x
        return eqstate.State(x).value

    assert step(jnp.arange(3.0)).tolist() == [0.0, 1.0, 2.0]
    assert counter.value.tolist() == [0.0, 1.0, 2.0]


@pytest.mark.parametrize("size", [0, -2])
def test_invalid_axis_size(size):
    with pytest.raises(ValueError, match=f"axis_size={size!r}.*positive int"):
        T.vmap_new_states(lambda: None, axis_size=size)
