"""The function `JitWrapper` hands to `jax.jit`:

    (*state values, *args) -> (out, layout, more)

`layout[i]` is `(new value,)` at each position that comes back and None
elsewhere (the output's tree structure says which positions come back, so
nothing leaves the trace through a side channel); `more` holds the written
positions beyond them. A new trace of the donating jit that changes a donated
State's shape or dtype raises `Undonatable`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .._state import State
from .._table import Frame
from .._table_donation import reusable
from ._engine import Retry, export, unsplit

if TYPE_CHECKING:
    from ._jit_wrapper import JitWrapper

__all__ = ["Undonatable", "traced_function"]


class Undonatable(BaseException):  # noqa: N818 - a signal, like `Retry`
    """A new trace (new argument shapes) of the donating jit changes the
    shape or dtype of donated States (`positions`): donate them no more."""

    def __init__(self, positions: set[int]):
        super().__init__("eqstate internal signal (this should not escape)")
        self.positions = positions


def traced_function(jit: JitWrapper[..., Any], masked: bool) -> Callable[..., Any]:
    """The function `jit` traces, for the States of the call being traced
    (`jit._current`, per thread; the plan's when the generated per-call path
    traces).

    Unmasked (calls inside a trace), it returns exactly what it writes.
    Masked (eager calls), a discovery trace returns what it writes and later
    traces return every position of the learnt mask (their input, if this
    trace does not write it), so no donated buffer is ever left unused. A new
    function object is a new trace cache: `jit` makes a new one whenever a
    mask widens."""

    def flat(*args: Any, **kwargs: Any) -> Any:
        states = jit._current.get(threading.get_ident())
        if states is None:  # traced from the fast path: the plan's States
            states = jit._plan.states
        n = len(states)
        a: tuple[Any, ...]
        k: dict[str, Any]
        a, k = unsplit((args[n:], kwargs), states)
        frame = Frame(jit.owner, zip(states, args[:n]))
        index = {s: i for i, s in enumerate(states)}
        with frame:
            out = jit.fun(*a, **k)
            exported = export(out, frame, index)
        if exported is not out:
            jit._returns_states[0] = True
        missed = [s for s in frame.missed if s not in index]
        new_writes = [s for s in frame.written if s not in index]
        if missed or new_writes:
            raise Retry(missed, new_writes)
        values = frame.values
        written = {
            index[s]: _keep_sharding(s, values[s])
            if s._info.metadata  # a declared sharding (trace time only)
            else values[s]
            for s in frame.written
        }
        mask = jit._masks.get(n) if masked else None
        back = set(written) if mask is None else set(mask)
        layout = [(written.pop(i, args[i]),) if i in back else None for i in range(n)]
        entry = jit._eager.get(n) if masked else None
        if entry is not None:  # a new trace of the donating jit
            changed = {
                i
                for i in entry[2]
                if (new := layout[i]) is None or not reusable(args[i], new[0])
            }
            if changed:
                raise Undonatable(changed)
        return exported, layout, written

    flat.__name__ = flat.__qualname__ = jit._name
    return flat


def _keep_sharding(state: State[Any], value: Any) -> Any:
    """A written value held to its State's declared sharding (loads sharding)."""
    from ..sharding._hooks import constrain_written

    return constrain_written(state, value)
