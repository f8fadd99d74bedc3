"""Streaming metrics against brainstate, eagerly and under jit."""

from __future__ import annotations

from pathlib import Path

import jax.numpy as jnp
import numpy as np
import pytest

import eqstate
from eqstate import nn

G = np.load(Path(__file__).parent / "golden" / "layers_b.npz")
LABELS, PREDS = G["metric/labels"], G["metric/preds"]


def feed(metric, jit=False, **batches):
    update = (
        eqstate.transform.jit(lambda **kw: metric.update(**kw))
        if jit
        else metric.update
    )
    for i in range(2):
        update(**{k: jnp.asarray(v[i]) for k, v in batches.items()})
    return metric.compute()


@pytest.mark.parametrize("jit", [False, True])
def test_average_welford_accuracy(jit: bool):
    v = G["metric/values"]
    np.testing.assert_allclose(
        feed(nn.AverageMetric(), jit, values=v), G["metric/AverageMetric"], rtol=1e-5
    )
    s = feed(nn.WelfordMetric(), jit, values=v)
    got = [s.mean, s.standard_error_of_mean, s.standard_deviation]
    np.testing.assert_allclose(got, G["metric/WelfordMetric"], rtol=1e-5)
    acc = feed(nn.AccuracyMetric(), jit, logits=G["metric/logits"], labels=LABELS)
    np.testing.assert_allclose(acc, G["metric/AccuracyMetric"], rtol=1e-6)


@pytest.mark.parametrize("cls", ["PrecisionMetric", "RecallMetric", "F1ScoreMetric"])
def test_classification_metrics(cls: str):
    got = feed(getattr(nn, cls)(), predictions=PREDS % 2, labels=LABELS % 2)
    np.testing.assert_allclose(got, G[f"metric/{cls}/binary"], rtol=1e-6)
    for avg in ("macro", "micro", "weighted"):
        got = feed(getattr(nn, cls)(3, avg), jit=True, predictions=PREDS, labels=LABELS)
        np.testing.assert_allclose(
            got, G[f"metric/{cls}/{avg}"], rtol=1e-6, err_msg=avg
        )


def test_confusion_multi_reset_and_errors():
    m = nn.ConfusionMatrix(3)
    np.testing.assert_array_equal(
        feed(m, predictions=PREDS, labels=LABELS), G["metric/ConfusionMatrix"]
    )
    m.reset()
    assert int(m.compute().sum()) == 0
    with pytest.raises(ValueError, match=r"labels contain values outside \[0, 3\)"):
        m.update(predictions=jnp.array([0]), labels=jnp.array([5]))
    multi = nn.MultiMetric(acc=nn.AccuracyMetric(), loss=nn.AverageMetric("loss"))
    multi.update(
        logits=jnp.array([[0.0, 1.0]]), labels=jnp.array([1]), loss=jnp.array(2.0)
    )
    assert multi.compute() == {"acc": 1.0, "loss": 2.0}
    assert isinstance(multi.acc, nn.AccuracyMetric)
    multi.reset()
    assert int(multi.acc.count.value) == 0
    with pytest.raises(
        eqstate.EqstateError, match="expects the keyword argument 'loss'"
    ):
        nn.AverageMetric("loss").update(values=jnp.ones(2))
    with pytest.raises(
        ValueError, match="average must be 'micro', 'macro' or 'weighted'"
    ):
        nn.PrecisionMetric(3, "mean")
    with pytest.raises(ValueError, match="'update' is a method"):
        nn.MultiMetric(update=nn.AverageMetric())
