"""Record brainstate 0.5.4's state-hook and `State` method behaviour into state_hooks.json.

Run with brainstate installed: `python tests/golden/record_state_hooks.py`.
`scenarios(bs)` takes the library as an argument: tests/test_state_hooks.py runs
the same function on eqstate and compares (it never imports brainstate).
"""

import json
from pathlib import Path
from typing import Any


def scenarios(bs: Any) -> dict[str, Any]:
    import jax.numpy as jnp

    out: dict[str, Any] = {}
    s = bs.State(jnp.zeros(2), name="x")

    order: list[str] = []
    for name, priority in [("low", 0), ("high", 10), ("mid", 5), ("low2", 0)]:
        s.register_hook(
            "read", lambda c, n=name: order.append(n), priority=priority, name=name
        )
    s.value
    out["priority_order"] = order
    s.clear_hooks()

    seen: list[str] = []
    s.register_hook("write_after", lambda c: seen.append("state"), priority=100)
    handle = bs.register_state_hook("write_after", lambda c: seen.append("global"))
    s.value = jnp.ones(2)
    out["global_first"] = seen
    bs.unregister_state_hook(handle)
    s.clear_hooks()

    def add(c: Any) -> None:
        c.transformed_value = c.transformed_value + 1

    def double(c: Any) -> None:
        c.transformed_value = c.transformed_value * 2

    s.register_hook("write_before", add, priority=1)
    s.register_hook("write_before", double)
    s.value = jnp.array([1.0, 2.0])
    out["chained"] = s.value.tolist()
    s.clear_hooks()

    def cancel(c: Any) -> None:
        c.cancel, c.cancel_reason = True, "nope"

    s.register_hook("write_before", cancel, name="guard")
    try:
        s.value = jnp.zeros(2)
    except bs.HookCancellationError as e:
        out["cancelled"] = ["guard" in str(e) and "nope" in str(e), s.value.tolist()]
    s.clear_hooks()

    log: list[Any] = []
    for kind in ("write_after", "restore"):
        s.register_hook(
            kind,
            lambda c: log.append([c.operation, c.old_value.tolist(), c.value.tolist()]),
        )
    s.value = jnp.array([3.0, 3.0])
    s.restore_value(jnp.array([5.0, 5.0]))
    out["old_and_new"] = log
    s.clear_hooks()

    handle = s.register_hook("read", lambda c: None, name="r", priority=3)
    states = [handle.is_enabled(), handle.name, handle.priority]
    handle.disable()
    states += [handle.is_enabled(), s.has_hooks("read"), s.has_hooks()]
    states += [handle.remove(), handle.is_removed(), handle.remove(), s.has_hooks()]
    out["handle"] = states

    with s.temporary_hook("read", lambda c: None):
        inside = s.has_hooks("read")
    out["temporary"] = [inside, s.has_hooks()]

    copy = s.copy()
    out["copy"] = [
        copy is s,
        type(copy).__name__,
        copy.name,
        copy.value.tolist(),
        copy.has_hooks(),
    ]
    replaced = s.replace(jnp.ones(3))
    out["replace"] = [replaced.name, replaced.value.tolist(), s.replace(copy) is copy]
    out["numel"] = [
        bs.State({"a": jnp.zeros((2, 3)), "b": 1.0}).numel(),
        bs.State(jnp.zeros((4, 5))).numel(),
    ]
    out["value_call"] = list(bs.State(jnp.zeros((2, 3))).value_call(lambda x: x.shape))

    target = bs.ParamState(jnp.zeros(1))
    source = bs.ParamState(jnp.ones(1) * 7, name="q")
    target.copy_from(source)
    out["copy_from"] = [target.name, target.value.tolist()]
    fresh = bs.ParamState(jnp.zeros(1))
    fresh.update_from_ref(source.to_state_ref())
    out["update_from_ref"] = [fresh.name, fresh.value.tolist()]
    out["init_shape"] = list(
        bs.ParamState.init(jnp.zeros, (3,), batch_size=2).value.shape
    )

    with bs.catch_new_states() as catcher:
        caught = bs.State(jnp.zeros(1))
        bs.ParamState(jnp.zeros(1))
    out["catch"] = [len(catcher), caught in catcher]

    created: list[Any] = []
    handle = bs.register_state_hook("init", lambda c: created.append(c.value.shape[0]))
    bs.State(jnp.zeros(4))
    bs.unregister_state_hook(handle)
    bs.State(jnp.zeros(5))
    out["init_hook"] = created

    reads: list[int] = []
    w = bs.State(jnp.zeros(2))
    w.register_hook("read", lambda c: reads.append(1))

    @bs.transform.jit
    def step(x: Any) -> Any:
        w.value = w.value + x
        return w.value

    step(jnp.ones(2))
    step(jnp.ones(2))
    out["jit"] = [len(reads), w.value.tolist()]
    return out


if __name__ == "__main__":
    import brainstate

    result = scenarios(brainstate)
    path = Path(__file__).with_name("state_hooks.json")
    path.write_text(json.dumps(result, indent=1) + "\n")
    print(f"wrote {path}")
