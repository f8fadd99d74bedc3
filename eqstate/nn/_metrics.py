"""Streaming metrics: `AverageMetric`, `WelfordMetric`, `AccuracyMetric`,
`PrecisionMetric`, `RecallMetric`, `F1ScoreMetric`, `ConfusionMatrix`, `MultiMetric`.

A metric accumulates batch after batch in `MetricState`s (`update(...)`),
reports with `compute()` and starts over with `reset()`. Being States, the
accumulators are carried through `transform.jit` / `for_loop` like any other.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

import equinox as eqx
import jax
import jax.numpy as jnp
from jax import Array
from jax.core import Tracer

from .._errors import EqstateError
from .._state import LongTermState
from ._module import Module, init_module

__all__ = [
    "AccuracyMetric",
    "AverageMetric",
    "ConfusionMatrix",
    "F1ScoreMetric",
    "Metric",
    "MetricState",
    "MultiMetric",
    "PrecisionMetric",
    "RecallMetric",
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


def _check_average(average: str, cls: str) -> None:
    if average not in ("micro", "macro", "weighted"):
        raise ValueError(
            f"{cls}: average must be 'micro', 'macro' or 'weighted', got {average!r}."
        )


def _counts(predictions: Array, labels: Array, n: int) -> tuple[Array, Array, Array]:
    """Per-class true positives, predicted counts and label counts."""
    pred = jax.nn.one_hot(jnp.ravel(predictions), n, dtype=jnp.int32)
    true = jax.nn.one_hot(jnp.ravel(labels), n, dtype=jnp.int32)
    return jnp.sum(pred * true, 0), jnp.sum(pred, 0), jnp.sum(true, 0)


def _ratio(num: Array, den: Array) -> Array:
    return jnp.where(den > 0, num / jnp.where(den > 0, den, 1), 0.0).astype(jnp.float32)


def _average(
    per_class: Array, tp: Array, den: Array, weights: Array, average: str
) -> Array:
    if average == "macro":
        return jnp.mean(per_class)
    if average == "micro":
        return _ratio(jnp.sum(tp), jnp.sum(den))
    return _ratio(jnp.sum(per_class * weights), jnp.sum(weights))


class _Rates(Metric):
    """True positives plus one kind of error, binary or per class."""

    num_classes: int | None = eqx.field(static=True)
    average: str = eqx.field(static=True)

    if TYPE_CHECKING:  # created by `_setup`
        true_positives: MetricState
        false_positives: MetricState
        false_negatives: MetricState
        support: MetricState

    def _setup(self, num_classes: int | None, average: str, errors: str) -> None:
        init_module(self)
        _check_average(average, type(self).__name__)
        self.num_classes = num_classes
        self.average = average
        shape = () if num_classes is None else (num_classes,)
        self.true_positives: MetricState = MetricState(
            jnp.zeros(shape, dtype=jnp.int32)
        )
        setattr(self, errors, MetricState(jnp.zeros(shape, dtype=jnp.int32)))
        if num_classes is not None:
            self.support: MetricState = MetricState(jnp.zeros(shape, dtype=jnp.int32))

    def reset(self) -> None:
        for state in self.states(MetricState).values():
            state.value = jnp.zeros_like(state.value)


class PrecisionMetric(_Rates):
    """Precision `tp / (tp + fp)`: binary (positives are 1) without `num_classes`,
    else per class and averaged (`'macro'`, `'micro'` or `'weighted'` by support).

    ```python
    import jax.numpy as jnp
    import eqstate

    m = eqstate.nn.PrecisionMetric()
    m.update(predictions=jnp.array([1, 1, 0]), labels=jnp.array([1, 0, 0]))
    assert m.compute() == 0.5
    ```

    Args:
        num_classes: the number of classes, or None for binary labels.
        average: how per-class values are combined.

    Raises:
        ValueError: for an unknown `average`.
    """

    def __init__(self, num_classes: int | None = None, average: str = "macro"):
        self._setup(num_classes, average, "false_positives")

    def update(self, *, predictions: Array, labels: Array, **_: Any) -> None:  # type: ignore[override]
        if self.num_classes is None:
            pred, true = predictions == 1, labels == 1
            self.true_positives.value += jnp.sum(pred & true)
            self.false_positives.value += jnp.sum(pred & (labels == 0))
            return
        tp, predicted, support = _counts(predictions, labels, self.num_classes)
        self.true_positives.value += tp
        self.false_positives.value += predicted - tp
        self.support.value += support

    def compute(self) -> Array:
        tp = self.true_positives.value
        den = tp + self.false_positives.value
        per_class = _ratio(tp, den)
        if self.num_classes is None:
            return per_class
        return _average(per_class, tp, den, self.support.value, self.average)


class RecallMetric(_Rates):
    """Recall `tp / (tp + fn)`: binary without `num_classes`, else per class and
    averaged (`'macro'`, `'micro'` or `'weighted'` by support).

    ```python
    import jax.numpy as jnp
    import eqstate

    m = eqstate.nn.RecallMetric()
    m.update(predictions=jnp.array([1, 0, 0]), labels=jnp.array([1, 1, 0]))
    assert m.compute() == 0.5
    ```

    Args:
        num_classes: the number of classes, or None for binary labels.
        average: how per-class values are combined.

    Raises:
        ValueError: for an unknown `average`.
    """

    def __init__(self, num_classes: int | None = None, average: str = "macro"):
        self._setup(num_classes, average, "false_negatives")

    def update(self, *, predictions: Array, labels: Array, **_: Any) -> None:  # type: ignore[override]
        if self.num_classes is None:
            true = labels == 1
            self.true_positives.value += jnp.sum((predictions == 1) & true)
            self.false_negatives.value += jnp.sum((predictions == 0) & true)
            return
        tp, _predicted, support = _counts(predictions, labels, self.num_classes)
        self.true_positives.value += tp
        self.false_negatives.value += support - tp
        self.support.value += support

    def compute(self) -> Array:
        tp = self.true_positives.value
        den = tp + self.false_negatives.value
        per_class = _ratio(tp, den)
        if self.num_classes is None:
            return per_class
        return _average(per_class, tp, den, den, self.average)


class F1ScoreMetric(Metric):
    """F1, the harmonic mean of precision and recall; per class and averaged like
    `PrecisionMetric` when `num_classes` is given.

    ```python
    import jax.numpy as jnp
    import eqstate

    m = eqstate.nn.F1ScoreMetric()
    m.update(predictions=jnp.array([1, 1, 0, 0]), labels=jnp.array([1, 0, 1, 0]))
    assert m.compute() == 0.5
    ```

    Args:
        num_classes: the number of classes, or None for binary labels.
        average: how per-class values are combined.

    Raises:
        ValueError: for an unknown `average`.
    """

    def __init__(self, num_classes: int | None = None, average: str = "macro"):
        init_module(self)
        self.precision_metric: PrecisionMetric = PrecisionMetric(num_classes, average)
        self.recall_metric: RecallMetric = RecallMetric(num_classes, average)

    def reset(self) -> None:
        self.precision_metric.reset()
        self.recall_metric.reset()

    def update(self, *, predictions: Array, labels: Array, **_: Any) -> None:  # type: ignore[override]
        self.precision_metric.update(predictions=predictions, labels=labels)
        self.recall_metric.update(predictions=predictions, labels=labels)

    def compute(self) -> Array:
        p_metric, average = self.precision_metric, self.precision_metric.average
        if p_metric.num_classes is None or average == "micro":
            p, r = p_metric.compute(), self.recall_metric.compute()
            return _ratio(2 * p * r, p + r)
        tp = p_metric.true_positives.value
        p = _ratio(tp, tp + p_metric.false_positives.value)
        r = _ratio(tp, tp + self.recall_metric.false_negatives.value)
        f1 = _ratio(2 * p * r, p + r)
        if average == "macro":
            return jnp.mean(f1)
        return _ratio(
            jnp.sum(f1 * p_metric.support.value), jnp.sum(p_metric.support.value)
        )


class ConfusionMatrix(Metric):
    """Counts of (true label, predicted label) pairs, a `(num_classes, num_classes)`
    integer matrix with the true label as the row.

    ```python
    import jax.numpy as jnp
    import eqstate

    m = eqstate.nn.ConfusionMatrix(2)
    m.update(predictions=jnp.array([0, 1, 1]), labels=jnp.array([0, 0, 1]))
    assert m.compute().tolist() == [[1, 1], [0, 1]]
    ```

    Args:
        num_classes: the number of classes.

    Raises:
        ValueError: (outside transforms) if a label or prediction is out of range.
    """

    num_classes: int = eqx.field(static=True)

    def __init__(self, num_classes: int):
        init_module(self)
        self.num_classes = num_classes
        self.matrix: MetricState = MetricState(
            jnp.zeros((num_classes, num_classes), dtype=jnp.int32)
        )

    def reset(self) -> None:
        self.matrix.value = jnp.zeros(
            (self.num_classes, self.num_classes), dtype=jnp.int32
        )

    def update(self, *, predictions: Array, labels: Array, **_: Any) -> None:  # type: ignore[override]
        n = self.num_classes
        pred = jnp.ravel(jnp.asarray(predictions, dtype=jnp.int32))
        true = jnp.ravel(jnp.asarray(labels, dtype=jnp.int32))
        for name, arr in (("predictions", pred), ("labels", true)):
            if not isinstance(arr, Tracer) and bool(jnp.any((arr < 0) | (arr >= n))):
                raise ValueError(
                    f"ConfusionMatrix: {name} contain values outside [0, {n})."
                )
        one_true = jax.nn.one_hot(true, n, dtype=jnp.int32)
        one_pred = jax.nn.one_hot(pred, n, dtype=jnp.int32)
        self.matrix.value += one_true.T @ one_pred

    def compute(self) -> Array:
        return self.matrix.value


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
