"""Mixins: computing modes, parameter describers, and intersection/union types."""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any, ClassVar, Generic, TypeVar

from .._errors import EqstateError

__all__ = [
    "Batching",
    "JointMode",
    "JointTypes",
    "Mixin",
    "Mode",
    "OneOfTypes",
    "ParamDesc",
    "ParamDescriber",
    "Training",
]

T = TypeVar("T")


class Mixin:
    """Base class of eqstate's mixins (adds no behaviour of its own).

    ```python
    import eqstate

    assert issubclass(eqstate.mixin.ParamDesc, eqstate.mixin.Mixin)
    ```
    """


def _frozen(value: Any) -> Hashable:
    try:
        hash(value)
    except TypeError:
        return repr(value)
    return value


class ParamDescriber(Generic[T]):
    """A class with some constructor arguments fixed: call it to build one.

    ```python
    import eqstate

    class Neuron(eqstate.mixin.ParamDesc):
        def __init__(self, n, tau=10.0):
            self.n, self.tau = n, tau

    make = Neuron.desc(tau=5.0)
    cell = make(3)
    assert (cell.n, cell.tau) == (3, 5.0)
    assert make.identifier == Neuron.desc(tau=5.0).identifier
    ```

    Args:
        cls: the class to build.
        *desc_tuple: leading positional arguments.
        **desc_dict: keyword arguments (later calls may override them).
    """

    def __init__(self, cls: type[T], *desc_tuple: Any, **desc_dict: Any):
        self.cls: type[T] = cls
        self.args: tuple[Any, ...] = desc_tuple
        self.kwargs: dict[str, Any] = desc_dict
        frozen = frozenset((k, _frozen(v)) for k, v in desc_dict.items())
        self._identifier = (cls, tuple(map(_frozen, desc_tuple)), frozen)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        raise TypeError("ParamDescriber cannot be subclassed.")

    def __call__(self, *args: Any, **kwargs: Any) -> T:
        return self.cls(*self.args, *args, **{**self.kwargs, **kwargs})

    def init(self, *args: Any, **kwargs: Any) -> T:
        """Build an instance (same as calling the describer)."""
        return self(*args, **kwargs)

    @property
    def identifier(self) -> tuple[Any, ...]:
        """A hashable key: the class and the fixed arguments."""
        return self._identifier

    def __repr__(self) -> str:
        shown = [repr(a) for a in self.args]
        shown += [f"{k}={v!r}" for k, v in self.kwargs.items()]
        return f"ParamDescriber({self.cls.__name__}({', '.join(shown)}))"


class ParamDesc(Mixin):
    """Adds `Cls.desc(*args, **kwargs)`: a `ParamDescriber` of the class.

    ```python
    import eqstate

    class Syn(eqstate.mixin.ParamDesc):
        def __init__(self, tau):
            self.tau = tau

    assert Syn.desc(tau=2.0)().tau == 2.0
    ```
    """

    non_hashable_params: ClassVar[tuple[str, ...] | None] = None

    @classmethod
    def desc(cls, *args: Any, **kwargs: Any) -> ParamDescriber[Any]:
        """A describer that builds `cls(*args, ..., **kwargs)` later."""
        return ParamDescriber(cls, *args, **kwargs)


def _unique(kind: str, types: tuple[Any, ...]) -> tuple[Any, ...]:
    if not types:
        raise TypeError(f"{kind} needs at least one type, e.g. {kind}[A, B].")
    return tuple(dict.fromkeys(types))


def _name(t: Any) -> str:
    module, name = getattr(t, "__module__", None), getattr(t, "__name__", None)
    return f"{module}.{name}" if module and name else str(t)


class _TypeSet:
    """Several types combined for isinstance/issubclass checks."""

    kind: ClassVar[str] = ""

    def __init__(self, types: tuple[Any, ...]):
        self.__args__ = types

    def _test(self, results: Any) -> bool:
        raise NotImplementedError

    def __instancecheck__(self, obj: Any) -> bool:
        return self._test(isinstance(obj, t) for t in self.__args__)

    def __subclasscheck__(self, cls: type) -> bool:
        return self._test(issubclass(cls, t) for t in self.__args__)

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and set(self.__args__) == set(
            other.__args__  # type: ignore[attr-defined]
        )

    def __hash__(self) -> int:
        return hash((type(self), frozenset(self.__args__)))

    def __repr__(self) -> str:
        return f"{self.kind}[{', '.join(map(_name, self.__args__))}]"

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        raise TypeError(
            f"{self!r} is a type combination for isinstance/issubclass checks and "
            f"annotations; instantiate one of its classes instead."
        )


class _Joint(_TypeSet):
    kind = "JointTypes"

    def _test(self, results: Any) -> bool:
        return all(results)


class _OneOf(_TypeSet):
    kind = "OneOfTypes"

    def _test(self, results: Any) -> bool:
        return any(results)


class _Combiner:
    def __init__(self, make: type[_TypeSet], doc: str):
        self._make = make
        self.__doc__ = doc

    def __call__(self, *types: Any) -> Any:
        unique = _unique(self._make.kind, types)
        return unique[0] if len(unique) == 1 else self._make(unique)

    def __getitem__(self, item: Any) -> Any:
        return self(*item) if isinstance(item, tuple) else self(item)

    def __repr__(self) -> str:
        return self._make.kind


JointTypes: Any = _Combiner(
    _Joint,
    """`JointTypes[A, B]`: objects that are instances of A *and* B.

```python
import eqstate

AB = eqstate.mixin.JointTypes[int, object]
assert isinstance(3, AB) and not isinstance("x", eqstate.mixin.JointTypes[int, str])
assert eqstate.mixin.JointTypes[int] is int
```
""",
)

OneOfTypes: Any = _Combiner(
    _OneOf,
    """`OneOfTypes[A, B]`: objects that are instances of A *or* B.

```python
import eqstate

num = eqstate.mixin.OneOfTypes[int, float]
assert isinstance(2.0, num) and not isinstance("2", num)
```
""",
)


class Mode(Mixin):
    """A computing mode (e.g. `Training`, `Batching`); equal when of one class.

    ```python
    import eqstate

    mode = eqstate.mixin.Training()
    assert mode.is_a(eqstate.mixin.Training) and mode.has(eqstate.mixin.Mode)
    assert mode == eqstate.mixin.Training()
    ```
    """

    def __repr__(self) -> str:
        return type(self).__name__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Mode) and type(other) is type(self)

    def __hash__(self) -> int:
        return hash(type(self))

    def is_a(self, mode: type) -> bool:
        """Whether this mode is exactly of class `mode`."""
        _check_type(mode)
        return type(self) is mode

    def has(self, mode: type) -> bool:
        """Whether this mode is (a subclass of) `mode`."""
        _check_type(mode)
        return isinstance(self, mode)


def _check_type(mode: Any) -> None:
    if not isinstance(mode, type):
        raise EqstateError(
            f"mode checks take a class, got {mode!r}; e.g. `mode.has(Batching)`."
        )


class JointMode(Mode):
    """Several modes at once; attributes are looked up in each mode.

    ```python
    import eqstate
    from eqstate.mixin import Batching, JointMode, JointTypes, Training

    mode = JointMode(Batching(8), Training())
    assert mode.has(Training) and mode.batch_size == 8
    assert mode.is_a(JointTypes[Batching, Training])
    ```
    """

    def __init__(self, *modes: Mode):
        for mode in modes:
            if not isinstance(mode, Mode):
                raise TypeError(f"JointMode combines Mode objects, got {mode!r}.")
        self.modes: tuple[Mode, ...] = tuple(modes)
        self.types: set[type[Mode]] = {type(m) for m in modes}

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(map(repr, self.modes))})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, JointMode) and other.types == self.types

    def __hash__(self) -> int:
        return hash(frozenset(self.types))

    def has(self, mode: type) -> bool:
        """Whether any of the modes is (a subclass of) `mode`."""
        _check_type(mode)
        return any(issubclass(t, mode) for t in self.types)

    def is_a(self, mode: Any) -> bool:
        """Whether the modes are exactly the classes of `JointTypes[...]` `mode`."""
        return JointTypes(*self.types) == mode

    def __getattr__(self, item: str) -> Any:
        if item in ("modes", "types"):
            raise AttributeError(item)
        for mode in self.modes:
            if hasattr(mode, item):
                return getattr(mode, item)
        raise AttributeError(f"none of the modes of {self!r} has {item!r}.")


class Batching(Mode):
    """Batched computing with `batch_size` samples along `batch_axis`.

    ```python
    import eqstate

    mode = eqstate.mixin.Batching(batch_size=16)
    assert (mode.batch_size, mode.batch_axis) == (16, 0)
    ```
    """

    def __init__(self, batch_size: int = 1, batch_axis: int = 0):
        self.batch_size: int = batch_size
        self.batch_axis: int = batch_axis

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(in_size={self.batch_size}, axis={self.batch_axis})"
        )


class Training(Mode):
    """The training mode.

    ```python
    import eqstate

    assert eqstate.mixin.Training().has(eqstate.mixin.Mode)
    ```
    """
