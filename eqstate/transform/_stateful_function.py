"""`StatefulFunction`: a stateful function's jaxpr, cached per argument signature.

`trace_entry` traces it (the engine finds the States; the jaxpr lays them out
as brainstate's does); this module keeps one jaxpr per signature of the
arguments and calls it.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Sequence
from typing import Any

import jax
import jax.tree_util as jtu

from .. import _table
from .._left_out import left_out_attributes
from .._state import State
from ._engine import gather, owner_name, restore, run, scatter, split
from ._stateful_trace import Entry, signature, trace_entry

__all__ = ["StatefulFunction"]

_MAX_ENTRIES = 128  # traced signatures kept, as brainstate's cache (oldest out)


def _jit_disabled() -> bool:
    return bool(jax.config.jax_disable_jit)  # pyright: ignore[reportAttributeAccessIssue]


def _tuple(x: Any, kind: type) -> tuple[Any, ...]:
    return (x,) if isinstance(x, kind) else tuple(x)


@left_out_attributes("StatefulFunction")
class StatefulFunction:
    """A stateful function as a jaxpr, traced once per argument signature.

    The jaxpr takes the arguments (keyword ones after positional ones), then
    the values of the States the function reads or writes, in the order it
    first touches them. It returns the output, then the States' new values:
    `None` in each read-only State's place with `return_only_write=True` (the
    default), else every State's value. Calling the object runs
    `jaxpr_call_auto`.

    ```python
    import jax.numpy as jnp
    import eqstate

    w = eqstate.ParamState(jnp.ones(2))
    n = eqstate.State(jnp.array(0))

    def step(x):
        n.value += 1
        return x * w.value

    f = eqstate.transform.StatefulFunction(step)
    assert f.get_states(jnp.ones(2)) == (n, w)
    assert (f(jnp.ones(2)) == 1).all() and int(n.value) == 1
    ```

    Args:
        fun: the function.
        static_argnums: positional arguments that are static (hashable; part
            of the cache key, not inputs of the jaxpr).
        static_argnames: the same, by keyword.
        axis_env: named axes the function uses, as in `jax.make_jaxpr`.
        name: the name errors give the function.
        return_only_write: return new values for the written States only.
        ir_optimizations: brainstate's jaxpr rewriting passes, which eqstate
            leaves to XLA's compiler: only `None` (or empty) is accepted.
    """

    def __init__(
        self,
        fun: Callable[..., Any],
        static_argnums: int | Iterable[int] = (),
        static_argnames: str | Iterable[str] = (),
        axis_env: Sequence[tuple[Hashable, int]] | None = None,
        name: str | None = None,
        return_only_write: bool = True,
        ir_optimizations: str | Sequence[str] | None = None,
    ):
        if ir_optimizations:
            raise ValueError(
                f"ir_optimizations={ir_optimizations!r}: eqstate leaves out "
                "brainstate's jaxpr rewriting passes; XLA applies these "
                "optimisations itself when it compiles. Drop the argument."
            )
        self.fun = fun
        self.static_argnums: tuple[int, ...] = _tuple(static_argnums, int)
        self.static_argnames: tuple[str, ...] = _tuple(static_argnames, str)
        self.axis_env = axis_env
        self.name = name
        self.return_only_write = return_only_write
        self.ir_optimizations = None
        self._owner = (
            f"eqstate.transform.StatefulFunction({name})"
            if name
            else owner_name("StatefulFunction", fun)
        )
        self._cache: dict[Hashable, Entry] = {}

    def __repr__(self) -> str:
        return f"StatefulFunction({self.fun!r}, static_argnums={self.static_argnums})"

    def _lookup(
        self, args: tuple[Any, ...], kwargs: dict[str, Any], trace: bool = True
    ) -> tuple[Entry, Any]:
        """`(entry, dynamic arguments)`; traces on a miss or a stale entry."""
        nums, names = self.static_argnums, self.static_argnames
        if nums and max(nums) >= len(args):
            raise ValueError(
                f"static_argnums names argument {max(nums)}, but only "
                f"{len(args)} positional arguments were given."
            )
        index: dict[State[Any], int] = {}
        dyn = tuple(a for i, a in enumerate(args) if i not in nums)
        dynamic = split(
            (dyn, {k: v for k, v in kwargs.items() if k not in names}), index
        )
        leaves, treedef = jtu.tree_flatten(dynamic)
        key = (
            tuple(a for i, a in enumerate(args) if i in nums),
            tuple(sorted((k, v) for k, v in kwargs.items() if k in names)),
            treedef,
            tuple(map(jax.typeof, leaves)),
            tuple(index),
        )
        try:
            entry = self._cache.get(key)
        except TypeError as e:
            raise TypeError(
                f"{self._owner}: static arguments key its cache, so they must be "
                f"hashable (a tuple, not a list): {e}"
            ) from None
        if entry is not None and not (trace and self._stale(entry)):
            return entry, dynamic
        if not trace:
            raise ValueError(
                f"{self._owner} has no jaxpr for these arguments; call "
                "`make_jaxpr(*args)` first, or leave `compile_if_miss=True`."
            )
        self._cache.pop(key, None)
        self._cache[key] = entry = trace_entry(self, args, kwargs, dynamic, list(index))
        if len(self._cache) > _MAX_ENTRIES:
            del self._cache[next(iter(self._cache))]
        return entry, dynamic

    def _stale(self, entry: Entry) -> bool:
        """A State's shape or dtype changed since the trace."""
        now = signature([_table.peek(s) for s in entry.states])
        return bool(entry.states) and now != entry.signature

    def _check(self, entry: Entry, state_vals: Sequence[Any]) -> None:
        if len(state_vals) != len(entry.states):
            raise ValueError(
                f"{self._owner} takes the values of {len(entry.states)} States "
                f"(see `get_states(*args)`), but {len(state_vals)} were given."
            )
        if any(v is None for v in state_vals):
            raise ValueError(
                f"{self._owner}: state_vals holds None; give every State of "
                "`get_states(*args)` its value."
            )

    def _call(self, entry: Entry, dynamic: Any, state_vals: Sequence[Any]) -> Any:
        from jax.extend.core import jaxpr_as_fun

        self._check(entry, state_vals)
        leaves = jtu.tree_leaves((*dynamic, list(state_vals)))
        out, new = jtu.tree_unflatten(
            entry.out_treedef, jaxpr_as_fun(entry.jaxpr)(*leaves)
        )
        return new, restore(out, entry.known)

    def make_jaxpr(self, *args: Any, **kwargs: Any) -> StatefulFunction:
        """Trace the function for these arguments (once per signature); returns self.

        ```python
        import jax.numpy as jnp
        import eqstate

        f = eqstate.transform.StatefulFunction(lambda x, n: x**n, static_argnums=1)
        assert f.make_jaxpr(jnp.ones(2), 2) is f
        ```
        """
        self._lookup(args, kwargs)
        return self

    def get_jaxpr(self, *args: Any, compile_if_miss: bool = True, **kwargs: Any) -> Any:
        """The `ClosedJaxpr` for these arguments (`compile_if_miss=False`: a
        `ValueError` rather than a trace if there is none yet).

        ```python
        import jax.numpy as jnp
        import eqstate

        w = eqstate.ParamState(jnp.ones(2))
        f = eqstate.transform.StatefulFunction(lambda x: x * w.value)
        assert len(f.get_jaxpr(jnp.ones(2)).jaxpr.invars) == 2  # x, then w
        ```
        """
        return self._lookup(args, kwargs, compile_if_miss)[0].jaxpr

    def get_out_shapes(
        self, *args: Any, compile_if_miss: bool = True, **kwargs: Any
    ) -> Any:
        """`(output shapes, State value shapes)`, as `jax.ShapeDtypeStruct`s.

        ```python
        import jax.numpy as jnp
        import eqstate

        f = eqstate.transform.StatefulFunction(lambda x: x.sum())
        out, states = f.get_out_shapes(jnp.ones(3))
        assert out.shape == () and states == ()
        ```
        """
        return self._lookup(args, kwargs, compile_if_miss)[0].out_shapes

    def get_out_treedef(
        self, *args: Any, compile_if_miss: bool = True, **kwargs: Any
    ) -> Any:
        """The treedef of `(output, State values)` the jaxpr's outputs fill.

        ```python
        import jax
        import jax.numpy as jnp
        import eqstate

        f = eqstate.transform.StatefulFunction(lambda x: (x, x))
        assert f.get_out_treedef(jnp.ones(2)) == jax.tree.structure(((0, 0), ()))
        ```
        """
        return self._lookup(args, kwargs, compile_if_miss)[0].out_treedef

    def get_states(
        self, *args: Any, compile_if_miss: bool = True, **kwargs: Any
    ) -> tuple[State[Any], ...]:
        """The States the function reads or writes, in first-use order.

        ```python
        import jax.numpy as jnp
        import eqstate

        a = eqstate.State(jnp.ones(()))
        f = eqstate.transform.StatefulFunction(lambda x: x * a.value)
        assert f.get_states(1.0) == (a,)
        ```
        """
        return self._lookup(args, kwargs, compile_if_miss)[0].states

    def get_read_states(
        self, *args: Any, compile_if_miss: bool = True, **kwargs: Any
    ) -> tuple[State[Any], ...]:
        """The States the function reads and never writes, in first-use order.

        ```python
        import jax.numpy as jnp
        import eqstate

        a = eqstate.State(jnp.ones(()))
        f = eqstate.transform.StatefulFunction(lambda x: x * a.value)
        assert f.get_read_states(1.0) == (a,) and f.get_write_states(1.0) == ()
        ```
        """
        entry = self._lookup(args, kwargs, compile_if_miss)[0]
        return tuple(s for s in entry.states if s not in entry.written)

    def get_write_states(
        self, *args: Any, compile_if_miss: bool = True, **kwargs: Any
    ) -> tuple[State[Any], ...]:
        """The States the function writes, in first-use order.

        ```python
        import jax.numpy as jnp
        import eqstate

        n = eqstate.State(jnp.array(0))

        def f():
            n.value += 1

        assert eqstate.transform.StatefulFunction(f).get_write_states() == (n,)
        ```
        """
        entry = self._lookup(args, kwargs, compile_if_miss)[0]
        return tuple(s for s in entry.states if s in entry.written)

    def jaxpr_call(self, state_vals: Sequence[Any], *args: Any, **kwargs: Any) -> Any:
        """Evaluate the jaxpr on these State values (in `get_states` order).

        Returns `(new_state_vals, out)`, `new_state_vals` in the same order
        (`None` for read-only States with `return_only_write`). No State
        changes. Under `jax.disable_jit()` this is `debug_call`.

        ```python
        import jax.numpy as jnp
        import eqstate

        n = eqstate.State(jnp.array(0))

        def f(x):
            n.value += 1
            return x * 2

        new, out = eqstate.transform.StatefulFunction(f).jaxpr_call([jnp.array(5)], 1.0)
        assert int(new[0]) == 6 and float(out) == 2.0 and int(n.value) == 0
        ```
        """
        if _jit_disabled():
            return self.debug_call(state_vals, *args, **kwargs)
        entry, dynamic = self._lookup(args, kwargs)
        return self._call(entry, dynamic, state_vals)

    def jaxpr_call_auto(self, *args: Any, **kwargs: Any) -> Any:
        """Evaluate the jaxpr on the States' values, write the new values back
        and return the output.

        ```python
        import jax.numpy as jnp
        import eqstate

        total = eqstate.State(jnp.array(0.0))

        def add(x):
            total.value += x
            return total.value

        f = eqstate.transform.StatefulFunction(add)
        f.jaxpr_call_auto(2.0)
        assert float(f(3.0)) == 5.0 and float(total.value) == 5.0
        ```
        """
        entry, dynamic = self._lookup(args, kwargs)
        vals = gather(entry.states)
        if _jit_disabled():
            new, out = self.debug_call(vals, *args, **kwargs)
        else:
            new, out = self._call(entry, dynamic, vals)
        pairs = [(s, v) for s, v in zip(entry.states, new) if s in entry.written]
        scatter([s for s, _ in pairs], [v for _, v in pairs])
        return out

    __call__ = jaxpr_call_auto

    def debug_call(self, state_vals: Sequence[Any], *args: Any, **kwargs: Any) -> Any:
        """Run the Python function itself (no jaxpr) on these State values;
        returns `(new_state_vals, out)` as `jaxpr_call` does. No State changes.

        ```python
        import jax.numpy as jnp
        import eqstate

        w = eqstate.State(jnp.array(2.0))
        f = eqstate.transform.StatefulFunction(lambda x: x * w.value)
        assert f.debug_call([jnp.array(3.0)], 1.0) == ((None,), 3.0)
        ```
        """
        entry = self._lookup(args, kwargs)[0]
        self._check(entry, state_vals)
        out, frame = run(
            self.fun, args, kwargs, self._owner, zip(entry.states, state_vals)
        )
        keep = entry.written if self.return_only_write else entry.states
        return tuple(frame.values[s] if s in keep else None for s in entry.states), out

    def clear_cache(self) -> None:
        """Forget every traced jaxpr (the next call traces again).

        ```python
        import jax.numpy as jnp
        import eqstate

        f = eqstate.transform.StatefulFunction(lambda x: x * 2)
        first = f.get_jaxpr(jnp.ones(2))
        f.clear_cache()
        assert f.get_jaxpr(jnp.ones(2)) is not first
        ```
        """
        self._cache.clear()
