"""`vmap_new_states`: vectorise the creation of States.

`vmap` keeps States created inside the mapped function local to it. This
variant keeps them: each lane builds its own copy (its own random draws, as
every lane of `vmap` gets its own key), and after the call every new State
holds the lanes' values stacked on axis 0.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Hashable
from typing import Any

from .._errors import EqstateError
from .._filters import to_predicate
from ._vmap import VmapWrapper

__all__ = ["vmap_new_states"]


class _VmapNewStatesError(EqstateError, ValueError):
    """A misuse of `vmap_new_states` (an invalid `axis_size`)."""


def vmap_new_states(
    fun: Callable[..., Any] | None = None,
    *,
    in_axes: Any = 0,
    out_axes: Any = 0,
    axis_name: Hashable | None = None,
    axis_size: int | None = None,
    spmd_axis_name: Any = None,
    state_tag: str | None = None,
    state_to_exclude: Any = None,
    in_states: Any = None,
    out_states: Any = None,
) -> Any:
    """Vectorise a function over the States it creates.

    Each lane runs `fun` and creates its own States; after the call, every
    State created inside holds the values of all lanes stacked on axis 0
    (random initialisers draw different numbers in every lane). This is how
    an ensemble of independently initialised models is built.

    ```python
    import jax.numpy as jnp
    import eqstate

    models = []

    @eqstate.transform.vmap_new_states(axis_size=4, state_tag="ensemble")
    def build():
        models.append(eqstate.nn.Linear(2, 3))

    build()
    weight = models[-1].weight.value["weight"]
    assert weight.shape == (4, 2, 3)
    assert not jnp.allclose(weight[0], weight[1])  # one draw per lane
    assert models[-1].weight.tag == "ensemble"
    ```

    States tagged `"INIT_NO_BATCHING"`, and those `state_to_exclude`
    matches, are created once, unbatched: their value must be the same in
    every lane (else `BatchAxisError`). States that already existed behave as
    in `vmap` (declare batched ones with `in_states` / `out_states`).

    Args:
        fun: the function; `vmap_new_states(axis_size=...)` is a decorator.
        in_axes: as in `jax.vmap`, for the positional arguments.
        out_axes: as in `jax.vmap`, for the output.
        axis_name: names the mapped axis for collectives.
        axis_size: the number of lanes, when no argument is batched.
        spmd_axis_name: as in `jax.vmap`.
        state_tag: a tag given to the new batched States (kept when the
            State already has one).
        state_to_exclude: a filter of new States kept unbatched.
        in_states: existing States batched on input, as in `vmap`.
        out_states: existing States batched on output, as in `vmap`.

    Raises:
        ValueError: `axis_size` is given but not a positive integer.
    """
    if axis_size is not None and (
        not isinstance(axis_size, int) or isinstance(axis_size, bool) or axis_size <= 0
    ):
        raise _VmapNewStatesError(
            f"vmap_new_states: axis_size={axis_size!r} is not a number of lanes; "
            "pass a positive int, e.g. `axis_size=4`, or leave it None to take "
            "the size from the batched arguments."
        )
    if fun is None:
        return functools.partial(
            vmap_new_states,
            in_axes=in_axes,
            out_axes=out_axes,
            axis_name=axis_name,
            axis_size=axis_size,
            spmd_axis_name=spmd_axis_name,
            state_tag=state_tag,
            state_to_exclude=state_to_exclude,
            in_states=in_states,
            out_states=out_states,
        )
    wrapper = VmapWrapper(
        fun,
        in_axes,
        out_axes,
        axis_name,
        axis_size,
        spmd_axis_name,
        in_states,
        out_states,
    )
    exclude = to_predicate(state_to_exclude)
    wrapper.new_states = (state_tag, exclude)
    wrapper.owner = wrapper.owner.replace(".vmap(", ".vmap_new_states(", 1)
    return wrapper
