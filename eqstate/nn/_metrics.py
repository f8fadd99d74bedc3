"""Streaming metrics: `AverageMetric`, `WelfordMetric`, `AccuracyMetric`,
`MultiMetric` (the classification metrics `PrecisionMetric`, `RecallMetric`,
`F1ScoreMetric`, `ConfusionMatrix` live in `_metrics_classification`).

A metric accumulates batch after batch in `MetricState`s (`update(...)`),
reports with `compute()` and starts over with `reset()`. Being States, the
accumulators are carried through `transform.jit` / `for_loop` like any other.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
from jax import Array

from .._errors import EqstateError
from .._state_kinds import LongTermState
from ._module import Module, init_module

__all__ = [
    "AccuracyMetric",
    "AverageMetric",
    "Metric",
    "MetricState",
    "MultiMetric",
    "WelfordMetric",
]


class MetricState(LongTermState[Any]):
    """The kind of State that holds a metric's accumulators.

    ```python
    import jax.numpy as jnp
    import eqstate

    m = eqstate.nn.AverageMetric()
    assert list(m.states(eqstate.nn.MetricState)) == [("count",), ("total",)]
    ```
    """


class Metric(Module):
    """Base class of streaming metrics: `reset()`, `update(**batch)`, `compute()`.

    ```python
    import jax.numpy as jnp
    import eqstate

    class Maximum(eqstate.nn.Metric):
        def __init__(self):
            self.best = eqstate.nn.MetricState(jnp.array(-jnp.inf))

        def reset(self):
            self.best.value = jnp.array(-jnp.inf)

        def update(self, *, values, **_):
            self.best.value = jnp.maximum(self.best.value, values.max())

        def compute(self):
            return self.best.value

    m = Maximum()
    m.update(values=jnp.array([1.0, 3.0]))
    assert m.compute() == 3.0
    ```
    """

    def reset(self) -> None:
        """Start over."""
        raise NotImplementedError(f"{type(self).__name__} must define reset().")

    def update(self, **kwargs: Any) -> None:
        """Accumulate one batch."""
        raise NotImplementedError(
            f"{type(self).__name__} must define update(**kwargs)."
        )

    def compute(self) -> Any:
        """The metric over everything accumulated since the last reset."""
        raise NotImplementedError(f"{type(self).__name__} must define compute().")


def _argument(kwargs: dict[str, Any], name: str, cls: str) -> Any:
    if name not in kwargs:
        raise EqstateError(
            f"{cls}.update expects the keyword argument {name!r} (its argname), "
            f"got {sorted(kwargs)}; e.g. metric.update({name}=loss)."
        )
    return kwargs[name]


class AverageMetric(Metric):
    """The mean of every value passed as `update(values=...)` (or the keyword
    named by `argname`).

    ```python
    import jax.numpy as jnp
    import eqstate

    m = eqstate.nn.AverageMetric()
    m.update(values=jnp.array([1.0, 2.0]))
    m.update(values=4.0)
    assert m.compute() == 7.0 / 3
    ```

    Args:
        argname: the keyword argument of `update` holding the values.

    Raises:
        EqstateError: when `update` is called without that keyword argument.
    """

    argname: str = eqx.field(static=True)

    def __init__(self, argname: str = "values"):
        init_module(self)
        self.argname = argname
        self.total: MetricState = MetricState(jnp.array(0, dtype=jnp.float32))
        self.count: MetricState = MetricState(jnp.array(0, dtype=jnp.int32))

    def reset(self) -> None:
        self.total.value = jnp.array(0, dtype=jnp.float32)
        self.count.value = jnp.array(0, dtype=jnp.int32)

    def update(self, **kwargs: Any) -> None:
        values = jnp.asarray(_argument(kwargs, self.argname, type(self).__name__))
        self.total.value = self.total.value + values.sum()
        self.count.value = self.count.value + values.size

    def compute(self) -> Array:
        return self.total.value / self.count.value


@jax.tree_util.register_dataclass
@dataclasses.dataclass
class Statistics:
    """What `WelfordMetric.compute()` returns (a pytree)."""

    mean: Array
    standard_error_of_mean: Array
    standard_deviation: Array


class WelfordMetric(Metric):
    """Running mean, standard deviation and standard error of the mean
    (Welford's algorithm, batch-wise).

    ```python
    import jax.numpy as jnp
    import eqstate

    m = eqstate.nn.WelfordMetric()
    m.update(values=jnp.array([1.0, 2.0]))
    m.update(values=jnp.array([3.0, 4.0]))
    stats = m.compute()
    assert stats.mean == 2.5 and abs(float(stats.standard_deviation) - 1.118034) < 1e-5
    ```

    Args:
        argname: the keyword argument of `update` holding the values.
    """

    argname: str = eqx.field(static=True)

    def __init__(self, argname: str = "values"):
        init_module(self)
        self.argname = argname
        self.count: MetricState = MetricState(jnp.array(0, dtype=jnp.int32))
        self.mean: MetricState = MetricState(jnp.array(0, dtype=jnp.float32))
        self.m2: MetricState = MetricState(jnp.array(0, dtype=jnp.float32))

    def reset(self) -> None:
        self.count.value = jnp.array(0, dtype=jnp.int32)
        self.mean.value = jnp.array(0, dtype=jnp.float32)
        self.m2.value = jnp.array(0, dtype=jnp.float32)

    def update(self, **kwargs: Any) -> None:
        values = jnp.asarray(_argument(kwargs, self.argname, type(self).__name__))
        n_old, n = self.count.value, values.size
        n_new = n_old + n
        delta = values.mean() - self.mean.value
        self.count.value = n_new
        self.mean.value = self.mean.value + delta * n / n_new
        self.m2.value = (
            self.m2.value + values.var() * n + delta * delta * n * n_old / n_new
        )

    def compute(self) -> Statistics:
        std = (self.m2.value / self.count.value) ** 0.5
        return Statistics(self.mean.value, std / self.count.value**0.5, std)


class AccuracyMetric(AverageMetric):
    """The fraction of samples whose `logits.argmax(-1)` equals the integer label.

    ```python
    import jax.numpy as jnp
    import eqstate

    m = eqstate.nn.AccuracyMetric()
    m.update(logits=jnp.array([[0.1, 0.9], [0.8, 0.2]]), labels=jnp.array([1, 1]))
    assert m.compute() == 0.5
    ```

    Args:
        argname: unused (kept from `AverageMetric`).

    Raises:
        ValueError: if `logits` does not have one more axis than `labels`, or the
            labels are not integers.
    """

    def update(self, *, logits: Array, labels: Array, **_: Any) -> None:  # type: ignore[override]
        if logits.ndim != labels.ndim + 1:
            raise ValueError(
                f"AccuracyMetric: logits need one more axis than labels (the "
                f"classes), got logits.ndim={logits.ndim}, labels.ndim={labels.ndim}."
            )
        if not jnp.issubdtype(labels.dtype, jnp.integer):
            raise ValueError(
                f"AccuracyMetric: labels must be integers, got {labels.dtype}."
            )
        super().update(values=logits.argmax(axis=-1) == labels.astype(jnp.int32))


class MultiMetric(Metric):
    """Several metrics updated together: `update(**batch)` passes every keyword to
    each of them; `compute()` returns a dict by name.

    ```python
    import jax.numpy as jnp
    import eqstate

    m = eqstate.nn.MultiMetric(
        accuracy=eqstate.nn.AccuracyMetric(), loss=eqstate.nn.AverageMetric("loss")
    )
    m.update(logits=jnp.array([[0.0, 1.0]]), labels=jnp.array([1]), loss=jnp.array(0.3))
    out = m.compute()
    assert out["accuracy"] == 1.0 and abs(float(out["loss"]) - 0.3) < 1e-6
    ```

    Args:
        **metrics: the metrics, by name.

    Raises:
        ValueError: for a name that is a method (`reset`, `update`, `compute`).
        TypeError: for a value that is not a `Metric`.
    """

    _metric_names: tuple[str, ...] = eqx.field(static=True)

    def __init__(self, **metrics: Metric):
        init_module(self)
        for name, metric in metrics.items():
            if name in ("reset", "update", "compute"):
                raise ValueError(
                    f"MultiMetric: the name {name!r} is a method; choose another."
                )
            if not isinstance(metric, Metric):
                raise TypeError(
                    f"MultiMetric: {name}={type(metric).__name__} is not an eqstate.nn.Metric."
                )
            setattr(self, name, metric)
        self._metric_names = tuple(metrics)

    def reset(self) -> None:
        for name in self._metric_names:
            getattr(self, name).reset()

    def update(self, **updates: Any) -> None:
        for name in self._metric_names:
            getattr(self, name).update(**updates)

    def compute(self) -> dict[str, Any]:
        return {name: getattr(self, name).compute() for name in self._metric_names}
