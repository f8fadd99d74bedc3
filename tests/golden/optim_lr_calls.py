"""One script of learning-rate calls, played on braintools or on eqstate.optim.

`record_optim_lr.py` plays each case with `braintools.optim` and writes what it
saw into `optim_lr.json`; `tests/test_optim_parity.py` plays the same case with
`eqstate.optim` and compares. This module imports neither library: the caller
passes the `optim` module and its `ParamState` class.

A case is `{"lr": spec, "opt": name, "before": calls, "calls": calls}`. `spec` is
a number or `{"cls": name, "kwargs": {...}}` (children of a composite schedule
in `kwargs["schedulers"]` the same way). `before` is played on the schedule
before the optimizer is built. Calls:

- `"report"`: records `opt.current_lr`, `opt.get_last_lr()[0]`,
  `schedule.get_last_lr()[0]` and `schedule.get_lr()[0]`;
- `"update"`: one update of a 1-element weight (from 0) with gradient 1; records
  how far the weight moved (the rate used, for SGD);
- `"step"`, `"step:<metric>"`: `schedule.step()`, `schedule.step(metric)`;
- `"apply*<k>"`, `"apply+<k>"`: `opt.lr_apply(lambda lr: lr * k)` (or `+ k`);
- `"set=<v>"`: `opt.current_lr = v`;
- a list of these (no `"report"`) with an `"update"`: one train step making the
  calls in order, run through `play`'s `wrap` (a jit), recorded as one
  `"update"` row.
"""

from typing import Any

import jax.numpy as jnp
import numpy as np


def build(optim: Any, spec: Any) -> Any:
    """The `lr=` argument `spec` describes, built with `optim`'s classes."""
    if not isinstance(spec, dict):
        return spec
    kwargs = dict(spec["kwargs"])
    if "schedulers" in kwargs:
        kwargs["schedulers"] = [build(optim, c) for c in kwargs["schedulers"]]
    return getattr(optim, spec["cls"])(**kwargs)


def _call(opt: Any, schedule: Any, call: str) -> None:
    """One call; `opt` is None before the optimizer is built (then `apply*` and
    `apply+` go to `schedule.apply`)."""
    apply = schedule.apply if opt is None else opt.lr_apply
    if call == "update":
        opt.update({"w": jnp.ones(1)})
    elif call == "step":
        schedule.step()
    elif call.startswith("step:"):
        schedule.step(float(call[5:]))
    elif call.startswith("apply*"):
        k = float(call[6:])
        apply(lambda lr: lr * k)
    elif call.startswith("apply+"):
        k = float(call[6:])
        apply(lambda lr: lr + k)
    elif call.startswith("set="):
        opt.current_lr = float(call[4:])
    else:
        raise ValueError(f"unknown call {call!r}")


def play(optim: Any, param_state: type, case: dict[str, Any], wrap: Any = None) -> list:
    """Play `case`; return one row per `report` call and per group with an update.

    A list of calls is one group, played as one function; `"update"` alone is
    the group `["update"]`. A group with an update is wrapped by `wrap` (e.g. a
    jit; each distinct group once) and records the weight's decrease.
    """
    schedule = build(optim, case["lr"])
    for call in case.get("before", []):
        _call(None, schedule, call)
    w = param_state(jnp.zeros(1))
    opt = getattr(optim, case.get("opt", "SGD"))(lr=schedule)
    opt.register_trainable_weights({"w": w})
    schedule = opt.lr
    wrapped: dict[tuple[str, ...], Any] = {}
    rows: list = []
    for item in case["calls"]:
        if item == "report":
            seen = (
                opt.current_lr,
                opt.get_last_lr()[0],
                schedule.get_last_lr()[0],
                schedule.get_lr()[0],
            )
            rows.append(["report", *(float(np.asarray(x)) for x in seen)])
            continue
        group = tuple(item) if isinstance(item, list) else (item,)
        if group not in wrapped:

            def run(group: tuple[str, ...] = group) -> None:
                for call in group:
                    _call(opt, schedule, call)

            eager = wrap is None or "update" not in group
            wrapped[group] = run if eager else wrap(run)
        before = float(np.asarray(w.value)[0])
        wrapped[group]()
        if "update" in group:
            rows.append(["update", before - float(np.asarray(w.value)[0])])
    return rows
