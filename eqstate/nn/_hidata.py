"""`HiData`: a named, nested record of arrays (the state of a composed model).

A `HiData` maps names to values (arrays, numbers, other `HiData`s). It reads
like a dict (`d["v"]`, `d.keys()`) and like an object (`d.v`), never changes in
place (`add`, `pop`, `replace` return new records), and is a pytree whose
children are its values and whose `name` is static (children flatten in sorted name order, as
a dict's do), so it passes through `jit`,
`vmap` and `jax.tree.map` like a dict does.
"""

from __future__ import annotations

from collections.abc import ItemsView, KeysView, Mapping, ValuesView
from typing import Any

import jax.tree_util as jtu

from .._errors import EqstateError
from ._layer_common import LayerError

__all__ = ["HiData"]


class _MissingChild(EqstateError, KeyError):
    """`HiData.pop` of a name it does not hold (also a `KeyError`)."""

    def __str__(self) -> str:  # KeyError would quote the whole message
        return str(self.args[0])


class HiData:
    """A named record of child values, nested to any depth.

    Build it from a dict (`HiData({"v": v})`) or keywords (`HiData(v=v)`);
    read a child as `d["v"]` or `d.v`. It is immutable: `add`, `pop` and
    `replace` return a new `HiData` with the same `name`.

    ```python
    import jax
    import jax.numpy as jnp
    import eqstate

    neuron = eqstate.nn.HiData(name="lif", v=jnp.zeros(3), spike=jnp.zeros(3))
    model = eqstate.nn.HiData(name="net", exc=neuron, rate=jnp.ones(2))
    assert model.exc.v.shape == (3,) and model["rate"].shape == (2,)
    assert model.state_size == 3 and len(model) == 2
    doubled = jax.tree.map(lambda x: 2 * x, model)
    assert doubled.name == "net" and doubled.rate.tolist() == [2.0, 2.0]
    assert model.to_dict()["exc"]["spike"].shape == (3,)
    ```

    Args:
        children: the children, a dict from names to values.
        name: an optional name (static: not a pytree leaf).
        **kwargs: more children, by keyword.
    """

    __slots__ = ("children", "name")

    children: dict[str, Any]
    name: str | None

    def __init__(
        self,
        children: Mapping[str, Any] | None = None,
        name: str | None = None,
        **kwargs: Any,
    ):
        merged = dict(children) if children is not None else {}
        merged.update(kwargs)
        object.__setattr__(self, "children", merged)
        object.__setattr__(self, "name", name)

    def __setattr__(self, key: str, value: Any) -> None:
        raise AttributeError(
            f"HiData is immutable: cannot set {key!r}. Build a new record with "
            f"`data = data.replace({key}=value)` (or `data.add({key}=value)`)."
        )

    def __reduce__(self) -> tuple[Any, ...]:  # copy, deepcopy and pickle
        return (type(self), (self.children, self.name))

    def __getattr__(self, key: str) -> Any:
        # Only reached for names that are not slots or methods.
        if key.startswith("__"):
            raise AttributeError(key)
        try:
            return self.children[key]
        except KeyError:
            raise AttributeError(
                f"HiData {self.name!r} has no child {key!r}; its children are "
                f"{list(self.children)}."
            ) from None

    def __getitem__(self, key: str) -> Any:
        return self.children[key]

    def __contains__(self, key: object) -> bool:
        return key in self.children

    def __len__(self) -> int:
        return len(self.children)

    def keys(self) -> KeysView[str]:
        """The children's names."""
        return self.children.keys()

    def values(self) -> ValuesView[Any]:
        """The children's values."""
        return self.children.values()

    def items(self) -> ItemsView[str, Any]:
        """`(name, value)` pairs of the children."""
        return self.children.items()

    @property
    def state_size(self) -> int:
        """The number of non-None children, a nested `HiData` counting as
        its own `state_size`."""
        total = 0
        for v in self.children.values():
            if isinstance(v, HiData):
                total += v.state_size
            elif v is not None:
                total += 1
        return total

    @property
    def dtype(self) -> Any:
        """The dtype of the first child that has one (searching nested records).

        Raises:
            LayerError: if no child has a dtype.
        """
        for v in self.children.values():
            if isinstance(v, HiData):
                try:
                    return v.dtype
                except LayerError:
                    continue
            if v is not None and hasattr(v, "dtype"):
                return v.dtype
        raise LayerError(
            f"HiData {self.name!r}: no child is an array, so it has no dtype; "
            f"its children are {list(self.children)}."
        )

    def clone(self) -> HiData:
        """A copy whose children are cloned where they have a `clone()`
        method (nested `HiData`s), and shared otherwise (JAX arrays are
        immutable)."""
        return type(self)(
            {
                k: v.clone() if hasattr(v, "clone") else v
                for k, v in self.children.items()
            },
            name=self.name,
        )

    def add(self, *args: HiData | Mapping[str, Any], **updates: Any) -> HiData:
        """A new record with the children of each `HiData` or dict in `args`,
        then `updates`, added (replacing children of the same name).

        Raises:
            LayerError: if an element of `args` is neither a `HiData` nor a dict.
        """
        children = dict(self.children)
        for arg in args:
            if not isinstance(arg, (HiData, Mapping)):
                raise LayerError(
                    f"HiData.add takes HiData records or dicts as positional "
                    f"arguments, got {type(arg).__name__}; pass single values "
                    f"by keyword: data.add(v=value)."
                )
            children.update(arg.items())
        children.update(updates)
        return type(self)(children, name=self.name)

    def pop(self, *args: str) -> HiData:
        """A new record without the children named in `args`.

        Raises:
            KeyError: (an `EqstateError` too) if a name is not a child.
        """
        children = dict(self.children)
        for key in args:
            if key not in children:
                raise _MissingChild(
                    f"HiData {self.name!r}.pop: no child {key!r}; its children "
                    f"are {list(self.children)}."
                )
            del children[key]
        return type(self)(children, name=self.name)

    def replace(self, **updates: Any) -> HiData:
        """A new record with the children in `updates` set (added if new)."""
        return type(self)({**self.children, **updates}, name=self.name)

    def to_dict(self) -> dict[str, Any]:
        """The children as a nested dict (nested records become dicts)."""
        return {
            k: v.to_dict() if isinstance(v, HiData) else v
            for k, v in self.children.items()
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> HiData:
        """A record (without a name) from a nested dict; nested dicts become
        nested records.

        ```python
        import eqstate

        d = eqstate.nn.HiData.from_dict({"a": 1.0, "b": {"c": 2.0}})
        assert d.b.c == 2.0 and d.to_dict() == {"a": 1.0, "b": {"c": 2.0}}
        ```
        """
        return cls(
            {k: cls.from_dict(v) if isinstance(v, Mapping) else v for k, v in d.items()}
        )

    def __repr__(self) -> str:
        return self._repr(0)

    def _repr(self, indent: int) -> str:
        pad = "  " * (indent + 1)
        lines = ["HiData(", f"{pad}name={self.name!r},"]
        for i, (k, v) in enumerate(self.children.items()):
            text = v._repr(indent + 1) if isinstance(v, HiData) else _short(v)
            comma = "," if i < len(self.children) - 1 else ""
            lines.append(f"{pad}{k}={text}{comma}")
        if not self.children:
            return f"HiData(name={self.name!r})"
        return "\n".join(lines) + "\n" + "  " * indent + ")"


def _short(value: Any) -> str:
    if hasattr(value, "shape") and hasattr(value, "dtype"):
        return f"Array(shape={tuple(value.shape)}, dtype={value.dtype})"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


# Children flatten in sorted name order (as JAX flattens a dict), so two records
# with the same names have the same tree structure whatever their order.
def _flatten_with_keys(d: HiData) -> tuple[Any, Any]:
    names = tuple(sorted(d.children))
    keyed = tuple((jtu.GetAttrKey(k), d.children[k]) for k in names)
    return keyed, (names, d.name)


def _flatten(d: HiData) -> tuple[Any, Any]:
    names = tuple(sorted(d.children))
    return tuple(d.children[k] for k in names), (names, d.name)


def _unflatten(aux: tuple[tuple[str, ...], str | None], values: Any) -> HiData:
    names, name = aux
    return HiData(dict(zip(names, values)), name=name)


jtu.register_pytree_with_keys(HiData, _flatten_with_keys, _unflatten, _flatten)
