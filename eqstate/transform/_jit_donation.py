"""Which written States `jit`'s eager calls donate, and when they stop.

Per number of State inputs (one eager jit each), `Donation` decides from the
first trace which returned positions are donated: none when the program calls
back to Python (a JAX effect, which may fail mid-run and must leave the States
as they were), otherwise those whose shape and dtype the trace keeps (XLA can
reuse their buffers) and that no earlier call took out of donation. It then
keeps the accounts of rent, then buy: a call that had to copy donated values
(someone else could see their buffers, see `eqstate._table_donation`) adds
what the copies cost, and once that reaches what building the jit cost, those
States stop being donated, at the price of one new jit (no retrace: JAX's
trace cache has the trace). Either way, the regret is at most twice the
cheaper choice.
"""

from __future__ import annotations

from collections.abc import Iterable

import jax

from .._table_donation import reusable

__all__ = ["Donation"]


class Donation:
    """The donation choices of one `jit` plan, per number of State inputs."""

    def __init__(self, enabled: bool):
        self.enabled = enabled
        self._kept: dict[int, set[int]] = {}  # positions never donated again
        self._build_s: dict[int, float] = {}  # what building the jit cost
        self._copy_s: dict[int, float] = {}  # what copies cost since

    def positions(
        self, n: int, traced: jax.stages.Traced, returned: Iterable[int]
    ) -> tuple[int, ...]:
        """The `returned` positions the eager jit for `n` States donates,
        given its first trace."""
        if not self.enabled or traced.jaxpr.effects:
            return ()
        ins, layout = traced.args_info[0], traced.out_info[1]
        kept = self._kept.get(n, ())
        return tuple(
            i for i in returned if i not in kept and reusable(ins[i], layout[i][0])
        )

    def built(self, n: int, seconds: float) -> None:
        """Building (tracing, compiling, first running) the jit took `seconds`."""
        self._build_s[n] = seconds

    def copied(self, n: int, seconds: float) -> bool:
        """A call spent `seconds` copying donated values: whether the copies
        have now cost what building the jit did (time to `stop`)."""
        spent = self._copy_s[n] = self._copy_s.get(n, 0.0) + seconds
        return spent >= self._build_s.get(n, float("inf"))

    def stop(self, n: int, positions: Iterable[int]) -> None:
        """Donate the States at `positions` no more (from the next jit on)."""
        self._kept.setdefault(n, set()).update(positions)
        self._copy_s.pop(n, None)

    def __repr__(self) -> str:
        return f"Donation(enabled={self.enabled}, kept={self._kept})"
