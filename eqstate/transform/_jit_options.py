"""`jax.jit`'s options for an eqstate `jit`: the user's arguments come after
the State inputs, so argument positions are shifted past them (and static
arguments are completed through the function's signature)."""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from typing import Any

from ._inputs import unwrap

__all__ = ["JitOptions", "static_arguments"]


class JitOptions:
    """`jax.jit` options for the user's arguments, shifted past the State inputs."""

    def __init__(
        self,
        in_shardings: Any = None,
        out_shardings: Any = None,
        donate_argnums: int | Sequence[int] | None = None,
        donate_argnames: str | Sequence[str] | None = None,
        keep_unused: bool = False,
        device: Any = None,
        backend: str | None = None,
        inline: bool = False,
        name: str | None = None,
    ):
        self.in_shardings = in_shardings
        self.out_shardings = out_shardings
        nums = donate_argnums if donate_argnums is not None else ()
        self.donate_argnums: tuple[int, ...] = (
            (nums,) if isinstance(nums, int) else tuple(nums)
        )
        names = donate_argnames if donate_argnames is not None else ()
        self.donate_argnames: tuple[str, ...] = (
            (names,) if isinstance(names, str) else tuple(names)
        )
        self.keep_unused = keep_unused
        self.device = device
        self.backend = backend
        self.inline = inline
        self.name = name

    def jax_kwargs(self, n_lead: int, n_state_outs: int) -> dict[str, Any]:
        """Keyword arguments for a `jax.jit` whose first `n_lead` arguments
        are State values (unsharded by the user, never donated by the user)
        and whose output is `(out, *n_state_outs State value groups)`."""
        kw: dict[str, Any] = {"keep_unused": self.keep_unused, "inline": self.inline}
        if self.donate_argnums:
            kw["donate_argnums"] = tuple(i + n_lead for i in self.donate_argnums)
        if self.donate_argnames:
            kw["donate_argnames"] = self.donate_argnames
        if self.device is not None:
            kw["device"] = self.device
        if self.backend is not None:
            kw["backend"] = self.backend
        if self.in_shardings is not None:
            user = self.in_shardings
            user = tuple(user) if isinstance(user, (tuple, list)) else (user,)
            kw["in_shardings"] = (*(None,) * n_lead, *user)
        if self.out_shardings is not None:
            kw["out_shardings"] = (self.out_shardings, *(None,) * n_state_outs)
        return kw

    def lowered_name(self, fun: Any) -> str:
        """The lowered computation's name: `name`, else the function's."""
        if self.name:
            return self.name
        target, _ = unwrap(fun)  # (a partial's function)
        name = getattr(target, "__name__", None) or type(target).__name__
        return name if name.isidentifier() else "fun"


def static_arguments(
    fun: Any, nums: int | Sequence[int], names: str | Sequence[str]
) -> tuple[tuple[int, ...], tuple[str, ...]]:
    """`static_argnums` and `static_argnames` completed from each other through
    `fun`'s signature, as `jax.jit` does (the traced function takes `*args`,
    so JAX cannot)."""
    nums = (nums,) if isinstance(nums, int) else tuple(nums)
    names = (names,) if isinstance(names, str) else tuple(names)
    try:
        params = list(inspect.signature(fun).parameters.values())
    except (TypeError, ValueError):  # no signature to read
        return nums, names
    either = inspect.Parameter.POSITIONAL_OR_KEYWORD
    by_name = {p.name: i for i, p in enumerate(params) if p.kind is either}
    by_num = {i: p.name for i, p in enumerate(params) if p.kind is either}
    nums += tuple(by_name[x] for x in names if x in by_name and by_name[x] not in nums)
    names += tuple(by_num[i] for i in nums if i in by_num and by_num[i] not in names)
    return nums, names
