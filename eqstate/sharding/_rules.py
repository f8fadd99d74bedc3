"""Logical axis names and the rule table that maps them to mesh axes.

A parameter says what its axes *mean* (`("embed", "mlp")`); the rule table
says how those meanings are laid out on the devices (`{"mlp": "model"}`).
The same model code then runs data-parallel, model-parallel or on one
device by changing the table, not the model.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterable, Mapping
from types import TracebackType

from jax.sharding import PartitionSpec

from .._errors import EqstateError

__all__ = ["Rules", "ShardingError", "current_rules", "logical_to_spec", "rules"]

MeshAxes = str | tuple[str, ...] | None
Table = tuple[tuple[str, MeshAxes], ...]

_TABLE: contextvars.ContextVar[Table] = contextvars.ContextVar(
    "eqstate_sharding_rules", default=()
)


class ShardingError(EqstateError):
    """A sharding annotation that cannot be honoured.

    Raised when a State's logical axis names do not fit its value (one name
    per dimension), when two logical names of one array map to the same
    mesh axis, or when a write would change the sharding a State declares.

    **Fix**: give one name (or `None`) per dimension; change the rule table
    so each mesh axis is used once per array; put a written value on the
    State's sharding first (`jax.device_put(x, eqstate.sharding.shardings(s,
    mesh))`), or let eqstate move it by declaring the State with
    `allow_reshard=True`.

    ```python
    import jax.numpy as jnp
    import eqstate

    w = eqstate.ParamState(jnp.ones((2, 3)), names=("embed",))  # 1 name, 2 dims
    try:
        eqstate.sharding.specs(w)
    except eqstate.sharding.ShardingError as e:
        assert "one logical name per dimension" in str(e)
    ```
    """


def _normalise(table: Mapping[str, MeshAxes] | Iterable[tuple[str, MeshAxes]]) -> Table:
    pairs = table.items() if isinstance(table, Mapping) else table
    out: list[tuple[str, MeshAxes]] = []
    for name, axes in pairs:
        if not isinstance(name, str):
            raise ShardingError(
                f"sharding.rules: logical names are strings; got {name!r}. Write "
                "`eqstate.sharding.rules({'mlp': 'model'})`."
            )
        if isinstance(axes, list):
            axes = tuple(axes)
        if not (axes is None or isinstance(axes, str) or isinstance(axes, tuple)):
            raise ShardingError(
                f"sharding.rules: logical name {name!r} maps to {axes!r}; map it to "
                "a mesh axis name, a tuple of them, or None (replicated)."
            )
        out.append((name, axes))
    return tuple(out)


class Rules:
    """The active logical-axis rule table; also a context manager.

    `rules(table)` returns one: the table is active from that call on, and
    leaving a `with` block restores the table that was active before.

    ```python
    import eqstate

    with eqstate.sharding.rules({"mlp": "model"}) as active:
        assert isinstance(active, eqstate.sharding.Rules)
        assert active.table == (("mlp", "model"),)
    ```
    """

    def __init__(self, table: Table):
        self.table = table
        self._token = _TABLE.set(table)

    def __enter__(self) -> Rules:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        _TABLE.reset(self._token)

    def __repr__(self) -> str:
        return f"Rules({dict(self.table)!r})"


def rules(table: Mapping[str, MeshAxes] | Iterable[tuple[str, MeshAxes]]) -> Rules:
    """Map logical axis names to mesh axes, globally or inside a `with` block.

    Each entry maps a logical name to a mesh axis name, a tuple of mesh axis
    names (the dimension is split over their product), or `None`
    (replicated). Logical names missing from the table are replicated.

    ```python
    import eqstate
    from jax.sharding import PartitionSpec as P

    with eqstate.sharding.rules({"batch": "data", "mlp": "model"}):
        assert eqstate.sharding.logical_to_spec(("batch", "mlp")) == P("data", "model")
        assert eqstate.sharding.logical_to_spec(("embed", "mlp")) == P(None, "model")
    assert eqstate.sharding.current_rules() == {}
    ```

    Args:
        table: a mapping (or a sequence of pairs) from logical name to mesh
            axes.

    Returns:
        A `Rules` object; used in `with`, the previous table comes back on
        exit. Called plainly, the table stays active (in this thread).
    """
    return Rules(_normalise(table))


def current_rules() -> dict[str, MeshAxes]:
    """The active rule table, as a dict.

    ```python
    import eqstate

    with eqstate.sharding.rules({"mlp": "model"}):
        assert eqstate.sharding.current_rules() == {"mlp": "model"}
    ```
    """
    return dict(_TABLE.get())


def logical_to_spec(
    names: Iterable[str | None],
    rules: Mapping[str, MeshAxes] | None = None,
) -> PartitionSpec:
    """The `PartitionSpec` (mesh axes) for one array's logical axis names.

    ```python
    import eqstate
    from jax.sharding import PartitionSpec as P

    spec = eqstate.sharding.logical_to_spec(("embed", "mlp"), {"mlp": "model"})
    assert spec == P(None, "model")
    ```

    Args:
        names: one logical name (or `None`) per dimension.
        rules: the table to use; default the active one (`rules(...)`).

    Returns:
        The partition spec in mesh axis names.

    Raises:
        ShardingError: if two names of the array map to the same mesh axis.
    """
    table = dict(_TABLE.get()) if rules is None else dict(_normalise(rules))
    axes: list[MeshAxes] = []
    used: dict[str, str] = {}
    for name in names:
        mesh_axes = None if name is None else table.get(name)
        for axis in (mesh_axes,) if isinstance(mesh_axes, str) else mesh_axes or ():
            if axis in used:
                raise ShardingError(
                    f"logical names {used[axis]!r} and {name!r} of one array both "
                    f"map to mesh axis {axis!r}; a mesh axis can split only one "
                    "dimension of an array. Map one of them elsewhere (or to None) "
                    "in `eqstate.sharding.rules({...})`."
                )
            used[axis] = str(name)
        axes.append(mesh_axes)
    return PartitionSpec(*axes)
