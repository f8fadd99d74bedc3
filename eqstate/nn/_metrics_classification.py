"""Classification metrics over integer predictions and labels:
`PrecisionMetric`, `RecallMetric`, `F1ScoreMetric`, `ConfusionMatrix`.

Binary without `num_classes`, else per class and averaged ('macro', 'micro'
or 'weighted' by support); the counts live in `MetricState`s.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import equinox as eqx
import jax
import jax.numpy as jnp
from jax import Array
from jax.core import Tracer

from ._metrics import Metric, MetricState
from ._module import init_module

__all__ = ["ConfusionMatrix", "F1ScoreMetric", "PrecisionMetric", "RecallMetric"]


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
