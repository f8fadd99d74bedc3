"""`eqstate.random`: every sampler's moments, shapes, dtypes and streams.

One compiled sampler per distribution (`eqstate.transform.jit`, drawing from
the default stream) serves every check on it: the moments of 10,000 samples
against the analytic mean and variance, reproducibility under `seed` and
`seed_context`, and that each call advances the default key.
"""

from __future__ import annotations

import inspect
import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import eqstate
from eqstate import transform as T

R = eqstate.random
N = 10_000
GOLDEN = json.loads(
    (Path(__file__).parent / "golden" / "random_shapes.json").read_text()
)


def _phi(x: float) -> float:
    return math.exp(-x * x / 2) / math.sqrt(2 * math.pi)


def _Phi(x: float) -> float:
    return 0.5 * (1 + math.erf(x / math.sqrt(2)))


def _truncnorm(a: float, b: float, loc: float, scale: float) -> tuple[float, float]:
    z = _Phi(b) - _Phi(a)
    m = (_phi(a) - _phi(b)) / z
    v = 1 + (a * _phi(a) - b * _phi(b)) / z - m * m
    return loc + scale * m, scale * scale * v


def _zeta(s: float) -> float:
    k = np.arange(1, 200_000, dtype=np.float64)
    return float(np.sum(k**-s))


def _logseries(p: float) -> tuple[float, float]:
    lg = math.log1p(-p)
    mean = -p / ((1 - p) * lg)
    var = -p * (p + lg) / ((1 - p) ** 2 * lg**2)
    return mean, var


def _vonmises_cos(kappa: float) -> tuple[float, float]:
    i0, i1 = (float(jax.scipy.special.i0(kappa)), float(jax.scipy.special.i1(kappa)))
    i2 = i0 - 2 / kappa * i1
    mean = i1 / i0
    return mean, (1 + i2 / i0) / 2 - mean * mean


EULER = 0.5772156649015329
G = math.gamma
TN = _truncnorm(-1.0, 1.0, 0.0, 1.0)
TN_LS = _truncnorm(-0.5, 1.0, 1.0, 2.0)
ZM = _zeta(5) / _zeta(6)
HG = 4 * (5 / 12) * (7 / 12) * (8 / 11)
P3 = np.array([0.2, 0.3, 0.5], np.float32)


def _first(x: jax.Array) -> jax.Array:
    return x[..., 0]


# name, call (draws N samples from the default stream), mean, variance,
# and a map applied to the samples first (None: the samples themselves).
# A variance of None skips the variance check (infinite 4th moment).
Case = tuple[str, Callable[[], jax.Array], float, float | None, Any]
CASES: list[Case] = [
    ("rand", lambda: R.rand(N), 0.5, 1 / 12, None),
    ("randn", lambda: R.randn(N), 0.0, 1.0, None),
    ("random", lambda: R.random(N), 0.5, 1 / 12, None),
    ("random_sample", lambda: R.random_sample(N), 0.5, 1 / 12, None),
    ("ranf", lambda: R.ranf(N), 0.5, 1 / 12, None),
    ("sample", lambda: R.sample(N), 0.5, 1 / 12, None),
    ("uniform", lambda: R.uniform(-1.0, 2.0, N), 0.5, 0.75, None),
    ("normal", lambda: R.normal(2.0, 0.5, N), 2.0, 0.25, None),
    ("standard_normal", lambda: R.standard_normal(N), 0.0, 1.0, None),
    ("truncated_normal", lambda: R.truncated_normal(-1.0, 1.0, N), *TN, None),
    (
        "truncated_normal_loc_scale",
        lambda: R.truncated_normal(0.0, 3.0, N, loc=1.0, scale=2.0),
        *TN_LS,
        None,
    ),
    ("randint", lambda: R.randint(0, 10, N), 4.5, 99 / 12, None),
    ("random_integers", lambda: R.random_integers(1, 6, N), 3.5, 35 / 12, None),
    ("bernoulli", lambda: R.bernoulli(0.3, N), 0.3, 0.21, None),
    ("choice", lambda: R.choice(5, N), 2.0, 2.0, None),
    (
        "categorical",
        lambda: R.categorical(jnp.log(P3), size=N),
        1.3,
        0.61,
        None,
    ),
    ("rand_like", lambda: R.rand_like(jnp.zeros(N)), 0.5, 1 / 12, None),
    ("randn_like", lambda: R.randn_like(jnp.zeros(N)), 0.0, 1.0, None),
    (
        "randint_like",
        lambda: R.randint_like(jnp.zeros(N, jnp.int32), 0, 4),
        1.5,
        15 / 12,
        None,
    ),
    ("beta", lambda: R.beta(2.0, 3.0, N), 0.4, 0.04, None),
    ("exponential", lambda: R.exponential(2.0, N), 2.0, 4.0, None),
    ("gamma", lambda: R.gamma(2.0, 0.5, N), 1.0, 0.5, None),
    ("gumbel", lambda: R.gumbel(1.0, 2.0, N), 1 + 2 * EULER, math.pi**2 / 6 * 4, None),
    ("laplace", lambda: R.laplace(0.0, 1.0, N), 0.0, 2.0, None),
    ("logistic", lambda: R.logistic(1.0, 2.0, N), 1.0, 4 * math.pi**2 / 3, None),
    (
        "lognormal",
        lambda: R.lognormal(0.0, 0.5, N),
        math.exp(0.125),
        (math.exp(0.25) - 1) * math.exp(0.25),
        None,
    ),
    ("pareto", lambda: R.pareto(5.0, N), 5 / 4, 5 / (16 * 3), None),
    ("power", lambda: R.power(2.0, N), 2 / 3, 1 / 18, None),
    ("standard_exponential", lambda: R.standard_exponential(N), 1.0, 1.0, None),
    ("standard_gamma", lambda: R.standard_gamma(3.0, N), 3.0, 3.0, None),
    ("standard_t", lambda: R.standard_t(6.0, N), 0.0, 1.5, None),
    ("t", lambda: R.t(6.0, N), 0.0, 1.5, None),
    ("chisquare", lambda: R.chisquare(3.0, N), 3.0, 6.0, None),
    ("f", lambda: R.f(5.0, 12.0, N), 1.2, 2 * 144 * 15 / (5 * 100 * 8), None),
    ("loggamma", lambda: R.loggamma(2.0, N), 1 - EULER, math.pi**2 / 6 - 1, None),
    (
        "rayleigh",
        lambda: R.rayleigh(2.0, N),
        2 * math.sqrt(math.pi / 2),
        (4 - math.pi) / 2 * 4,
        None,
    ),
    (
        "maxwell",
        lambda: R.maxwell(N),
        2 * math.sqrt(2 / math.pi),
        (3 * math.pi - 8) / math.pi,
        None,
    ),
    ("triangular", lambda: R.triangular(0.0, 0.2, 1.0, N), 0.4, 0.84 / 18, None),
    ("weibull", lambda: R.weibull(2.0, N), G(1.5), G(2) - G(1.5) ** 2, None),
    (
        "weibull_min",
        lambda: R.weibull_min(2.0, 3.0, N),
        3 * G(1.5),
        9 * (G(2) - G(1.5) ** 2),
        None,
    ),
    ("wald", lambda: R.wald(1.0, 2.0, N), 1.0, 0.5, None),
    ("vonmises", lambda: R.vonmises(0.0, 2.0, N), *_vonmises_cos(2.0), jnp.cos),
    (
        "noncentral_chisquare",
        lambda: R.noncentral_chisquare(3.0, 2.0, N),
        5.0,
        14.0,
        None,
    ),
    (
        "noncentral_f",
        lambda: R.noncentral_f(5.0, 12.0, 2.0, N),
        12 * 7 / (5 * 10),
        2 * (12 / 5) ** 2 * (49 + 9 * 10) / (100 * 8),
        None,
    ),
    (
        "dirichlet",
        lambda: R.dirichlet(jnp.array([1.0, 2.0, 3.0]), N),
        1 / 6,
        5 / (36 * 7),
        _first,
    ),
    (
        "multivariate_normal",
        lambda: R.multivariate_normal(
            jnp.array([0.0, 1.0]), jnp.array([[1.0, 0.2], [0.2, 2.0]]), N
        ),
        1.0,
        3.4,
        lambda x: x.sum(-1),
    ),
    ("orthogonal", lambda: R.orthogonal(3, N), 0.0, 1 / 3, lambda x: x[:, 0, 0]),
    ("poisson", lambda: R.poisson(3.0, N), 3.0, 3.0, None),
    ("binomial", lambda: R.binomial(10, 0.3, N), 3.0, 2.1, None),
    ("geometric", lambda: R.geometric(0.3, N), 1 / 0.3, 0.7 / 0.09, None),
    ("negative_binomial", lambda: R.negative_binomial(5.0, 0.4, N), 7.5, 18.75, None),
    ("multinomial", lambda: R.multinomial(10, P3, N), 2.0, 1.6, _first),
    ("hypergeometric", lambda: R.hypergeometric(5, 7, 4, N), 5 / 3, HG, None),
    ("logseries", lambda: R.logseries(0.5, N), *_logseries(0.5), None),
    ("zipf", lambda: R.zipf(6.0, N), ZM, _zeta(4) / _zeta(6) - ZM**2, None),
    (
        "standard_cauchy",  # no moments: P(|x| < 1) = 1/2 instead
        lambda: R.standard_cauchy(N),
        0.5,
        0.25,
        lambda x: (jnp.abs(x) < 1).astype(jnp.float32),
    ),
]


def _check_moments(x: np.ndarray, mean: float, var: float | None) -> None:
    x = x.astype(np.float64)
    n = x.size
    m = x.mean()
    s2 = x.var(ddof=1)
    assert abs(m - mean) < 4 * math.sqrt(s2 / n), (m, mean)
    if var is None:
        return
    m4 = np.mean((x - m) ** 4)
    se_var = math.sqrt(max(m4 - s2 * s2 * (n - 3) / (n - 1), 0.0) / n)
    assert abs(s2 - var) < 4 * se_var, (s2, var, se_var)


@pytest.fixture(scope="module")
def draws() -> dict[str, Any]:
    """Every case's samples from ONE compiled program (one compile for all):
    two calls after `seed(11)`, one after reseeding, two in `seed_context(11)`,
    and the default key before and after the context."""
    calls = [case[1] for case in CASES]
    sampler = T.jit(lambda: [call() for call in calls])

    def run() -> list[np.ndarray]:
        return [np.asarray(x) for x in sampler()]

    R.seed(11)
    first, second = run(), run()
    R.seed(11)
    reseeded = run()
    outer = np.asarray(R.get_key())
    with R.seed_context(11):
        in_context = run(), run()
    restored = np.asarray(R.get_key())
    return {
        "first": first,
        "second": second,
        "reseeded": reseeded,
        "in_context": in_context,
        "outer": outer,
        "restored": restored,
    }


@pytest.mark.parametrize("i", range(len(CASES)), ids=[c[0] for c in CASES])
def test_moments_seed_and_stream(i: int, draws: dict[str, Any]):
    _, _, mean, var, transform = CASES[i]
    first, second = draws["first"][i], draws["second"][i]
    assert first.shape[0] == N
    assert not np.array_equal(first, second), "the default key did not advance"
    x = first if transform is None else np.asarray(transform(first))
    _check_moments(x.reshape(-1), mean, var)
    assert np.array_equal(draws["reseeded"][i], first)
    assert np.array_equal(draws["in_context"][0][i], first)
    assert np.array_equal(draws["in_context"][1][i], second)
    assert np.array_equal(draws["restored"], draws["outer"])


def test_orthogonal_draws_are_orthogonal(draws: dict[str, Any]):
    q = draws["first"][[c[0] for c in CASES].index("orthogonal")][:8]
    eye = np.einsum("bij,bkj->bik", q, q)
    assert np.allclose(eye, np.eye(3), atol=1e-5)


def _golden_args(entry: dict[str, Any]) -> tuple[list[Any], dict[str, Any]]:
    args = [np.asarray(a) if isinstance(a, list) else a for a in entry["args"]]
    kwargs: dict[str, Any] = {}
    for k, v in entry["kwargs"].items():
        if k == "size":
            kwargs[k] = tuple(v) if isinstance(v, list) else v
        elif k == "dtype":
            kwargs[k] = np.dtype(v)
        else:
            kwargs[k] = np.asarray(v) if isinstance(v, list) else v
    return args, kwargs


@pytest.mark.parametrize(
    "entry", GOLDEN, ids=[f"{i}-{e['name']}" for i, e in enumerate(GOLDEN)]
)
def test_shapes_and_dtypes_match_brainstate(entry: dict[str, Any]):
    args, kwargs = _golden_args(entry)
    fn = getattr(R, entry["name"])
    out = jax.eval_shape(lambda: fn(*args, key=0, **kwargs))
    assert list(out.shape) == entry["shape"]
    assert str(out.dtype) == entry["dtype"]


SAMPLERS = sorted(
    n
    for n in dir(R)
    if hasattr(R.RandomState, n)
    and n[0] != "_"
    and n not in {"seed", "set_key", "split_key", "restore_key", "DEFAULT"}
    and n not in {"self_assign_multi_keys", "RandomState"}
)


def test_golden_covers_every_sampler():
    assert len(SAMPLERS) == 57
    assert set(SAMPLERS) == {e["name"] for e in GOLDEN}


@pytest.mark.parametrize("name", SAMPLERS)
def test_method_and_function_share_a_signature(name: str):
    fn = inspect.signature(getattr(R, name)).parameters
    method = dict(inspect.signature(getattr(R.RandomState, name)).parameters)
    method.pop("self")
    assert set(fn) == set(method)
    for p in fn:
        assert fn[p].default == method[p].default, p
