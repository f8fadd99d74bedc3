"""`shard_map` for functions that read and write States."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
from jax.sharding import Mesh, NamedSharding, PartitionSpec

from .._state import State
from ._engine import (
    Plan,
    gather,
    known,
    owner_name,
    restore,
    retrying,
    run_planned,
    scatter,
    split,
)

__all__ = ["shard_map"]

Specs = PartitionSpec | dict[State[Any], PartitionSpec] | None


def _spec_of(specs: Specs, state: State[Any], default: PartitionSpec) -> Any:
    if specs is None:
        return default
    if isinstance(specs, dict):
        return specs.get(state, default)
    return specs


def _declared(state: State[Any], default: PartitionSpec) -> Any:
    """The specs a State declares (`names=` / `sharding=`), else `default`."""
    if not state._info.metadata:
        return default
    from ..sharding._resolve import declares, leaf_specs

    if not declares(state):
        return default
    value = state.value
    return jax.tree.structure(value).unflatten(leaf_specs(state, value))


def _placed(mesh: Mesh, value: Any, specs: Any) -> Any:
    """`value` laid out on `mesh` as `specs` (a pytree prefix of it) say, as
    `jax.shard_map` expects its inputs (with explicit mesh axes it checks
    that they already are; arrays made without a mesh are not)."""
    shardings = jax.tree.map(
        lambda spec: NamedSharding(mesh, PartitionSpec() if spec is None else spec),
        specs,
        is_leaf=lambda x: isinstance(x, PartitionSpec) or x is None,
    )
    return jax.device_put(value, shardings)


def shard_map(
    fun: Callable[..., Any],
    mesh: Mesh,
    in_specs: Any,
    out_specs: Any,
    *,
    state_in_specs: Specs = None,
    state_out_specs: Specs = None,
    check_vma: bool = True,
) -> Callable[..., Any]:
    """`jax.shard_map` for a function that reads and writes States.

    Each device runs `fun` on its shard. The States it reads enter split by
    `state_in_specs` (one `PartitionSpec` for all, or `{state: spec}`; default
    the spec the State declares with `names=` / `sharding=`, see
    `eqstate.sharding`, else replicated, `P()`), and the States it writes
    leave assembled by `state_out_specs` (default: the State's input spec).

    ```python
    import jax
    import jax.numpy as jnp
    import numpy as np
    from jax.sharding import Mesh, NamedSharding, PartitionSpec as P
    import eqstate

    mesh = Mesh(np.array(jax.devices()[:1]), ("d",))
    total = eqstate.State(jnp.zeros(4))

    def add(x):
        total.value = total.value + x
        return x * 2

    f = eqstate.transform.shard_map(
        add, mesh, in_specs=P("d"), out_specs=P("d"), state_in_specs=P("d")
    )
    assert f(jnp.arange(4.0)).tolist() == [0.0, 2.0, 4.0, 6.0]
    assert total.value.tolist() == [0.0, 1.0, 2.0, 3.0]
    ```

    Args:
        fun: the per-shard function.
        mesh: the device mesh.
        in_specs: partition specs of the positional arguments (as in
            `jax.shard_map`).
        out_specs: partition specs of the output.
        state_in_specs: specs of the States read inside.
        state_out_specs: specs of the States written inside.
        check_vma: as in `jax.shard_map`.
    """
    owner = owner_name("shard_map", fun)
    replicated = PartitionSpec()

    def call(*args: Any) -> Any:
        index: dict[State[Any], int] = {}
        call_args = split(args, index)
        arg_states = list(index)
        user_specs = (
            in_specs if isinstance(in_specs, tuple) else (in_specs,) * len(args)
        )

        def attempt(plan: Plan) -> Any:
            plan = Plan(plan.writes, [*plan.reads, *arg_states])

            def pure(write_vals: list[Any], read_vals: list[Any], *args: Any) -> Any:
                out, new_vals, _ = run_planned(
                    fun,
                    owner,
                    plan,
                    [*write_vals, *read_vals],
                    args,
                    {},
                    arg_states,
                    reads=True,
                )
                return out, new_vals

            def spec_in(s: State[Any]) -> Any:
                return _spec_of(state_in_specs, s, _declared(s, replicated))

            in_write = [spec_in(s) for s in plan.writes]
            in_read = [spec_in(s) for s in plan.reads]
            mapped = jax.shard_map(
                pure,
                mesh=mesh,
                in_specs=(in_write, in_read, *user_specs),
                out_specs=(
                    out_specs,
                    [_spec_of(state_out_specs, s, spec_in(s)) for s in plan.writes],
                ),
                check_vma=check_vma,
            )
            write_vals = _placed(mesh, gather(plan.writes), in_write)
            read_vals = _placed(mesh, gather(plan.reads), in_read)
            placed = [_placed(mesh, a, s) for a, s in zip(call_args, user_specs)]
            out, vals = mapped(write_vals, read_vals, *placed)
            scatter(plan.writes, vals)
            return restore(out, list(known(arg_states, plan)))

        return retrying(Plan(), attempt, owner)

    return call
