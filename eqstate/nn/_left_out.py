"""The `brainstate.nn` names eqstate leaves out, and what to use instead
(DESIGN.md section 6); `eqstate.nn.<name>` raises `LeftOutError` with the advice."""

from __future__ import annotations

_EVENT = (
    "the event-driven layers need the `brainevent` package, which is not one of "
    "eqstate's dependencies; use eqstate.nn.Linear (dense) with a 0/1 `w_mask` "
    "for fixed sparse connectivity."
)

LEFT_OUT: dict[str, str] = {
    "EventLinear": _EVENT,
    "EventFixedProb": _EVENT,
    "EventFixedNumConn": _EVENT,
    "FixedNumConn": _EVENT,
    "SparseLinear": "it needs `brainevent`'s sparse matrices; use eqstate.nn.Linear "
    "with a 0/1 `w_mask`.",
}
