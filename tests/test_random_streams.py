"""`eqstate.random`'s streams: keys, `key=`, transforms, errors."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import eqstate
from eqstate import transform as T

R = eqstate.random


def test_seed_resets_the_default_stream_and_numpy():
    R.seed(3)
    a, n = R.randn(4), np.random.rand()
    R.seed(3)
    assert np.array_equal(a, R.randn(4)) and np.random.rand() == n
    R.seed(np.int64(3))
    assert np.array_equal(a, R.randn(4))
    R.seed()  # a fresh random seed
    assert not np.array_equal(a, R.randn(4))


def test_keys_of_every_kind_make_the_same_stream():
    raw = jax.random.PRNGKey(5)
    for k in (5, raw, np.asarray(raw), jax.random.key(5), np.array([5])):
        assert np.array_equal(R.RandomState(k).value, raw)
    R.set_key(jax.random.key(5))
    assert np.array_equal(R.get_key(), raw)
    assert np.array_equal(R.get_key_data(), raw)
    assert R.get_key_data().dtype == jnp.uint32


def test_key_argument_draws_without_advancing():
    rng = R.RandomState(0)
    before = np.asarray(rng.value)
    a = rng.normal(1.0, 2.0, size=3, key=7)
    assert np.array_equal(rng.value, before)
    assert np.array_equal(a, rng.normal(1.0, 2.0, size=3, key=jax.random.PRNGKey(7)))
    assert np.array_equal(a, R.normal(1.0, 2.0, size=3, key=7))
    assert not np.array_equal(a, rng.normal(1.0, 2.0, size=3))
    assert not np.array_equal(rng.value, before)


def test_method_equals_function_on_the_same_key():
    rng = R.RandomState(1)
    R.set_key(1)
    assert np.array_equal(rng.uniform(0.0, 2.0, 5), R.uniform(0.0, 2.0, 5))
    assert np.array_equal(rng.randint(9, size=4), R.randint(9, size=4))
    assert np.array_equal(rng.value, R.get_key())


def test_default_rng_clone_rng():
    assert R.default_rng() is R.DEFAULT
    a = R.default_rng(9)
    assert isinstance(a, R.RandomState) and a is not R.DEFAULT
    assert np.array_equal(a.rand(3), R.default_rng(9).rand(3))
    before = np.asarray(R.get_key())
    c = R.clone_rng()
    assert c is not R.DEFAULT and not np.array_equal(R.get_key(), before)
    assert R.clone_rng(clone=False) is R.DEFAULT
    assert np.array_equal(R.clone_rng(4).value, jax.random.PRNGKey(4))


def test_split_key_backup_restore_and_multi_keys():
    R.seed(0)
    before = np.asarray(R.get_key())
    key = R.split_key(backup=True)
    assert key.shape == (2,) and not np.array_equal(R.get_key(), before)
    R.restore_key()
    assert np.array_equal(R.get_key(), before)
    assert R.split_keys(3).shape == (3, 2)
    R.self_assign_multi_keys(4)
    assert R.get_key().shape == (4, 2)
    R.restore_key()
    assert R.get_key().shape == (2,)


def test_seed_context_restores_the_outer_stream():
    R.seed(1)
    outer = np.asarray(R.get_key())
    with R.seed_context(5):
        a = R.rand(2)
    with R.seed_context(5):
        assert np.array_equal(R.rand(2), a)
    assert np.array_equal(R.get_key(), outer)
    with pytest.raises(RuntimeError), R.seed_context(5):
        raise RuntimeError
    assert np.array_equal(R.get_key(), outer)


def test_jit_and_for_loop_advance_the_default_key():
    f = T.jit(lambda: R.normal(size=(3,)))
    R.seed(2)
    a, b = f(), f()
    assert not np.allclose(a, b)
    R.seed(2)
    assert np.array_equal(f(), a) and np.array_equal(f(), b)

    R.seed(2)
    xs = T.for_loop(lambda i: R.uniform(size=(2,)), jnp.arange(4))
    assert xs.shape == (4, 2) and len({tuple(x) for x in np.asarray(xs)}) == 4
    after = np.asarray(R.get_key())
    R.seed(2)
    assert np.array_equal(T.for_loop(lambda i: R.uniform(size=(2,)), jnp.arange(4)), xs)
    assert np.array_equal(R.get_key(), after)


@pytest.mark.parametrize(
    "draw",
    [
        lambda rng: rng.randn(),
        lambda rng: rng.randint(0, 1000),
    ],
    ids=["randn", "randint"],
)
def test_vmap_lanes_draw_different_numbers(draw):
    rng = R.RandomState(42)
    lanes = T.vmap(lambda _: draw(rng), axis_size=8)(jnp.zeros(8))
    assert lanes.shape == (8,) and len(set(np.asarray(lanes).tolist())) > 4
    again = T.vmap(lambda _: draw(rng), axis_size=8)(jnp.zeros(8))
    assert not np.array_equal(lanes, again)


def test_permutation_shuffle_choice():
    x = jnp.arange(12).reshape(3, 4)
    assert sorted(np.asarray(R.shuffle(jnp.arange(4))).tolist()) == [0, 1, 2, 3]
    indep = R.permutation(x, axis=1, independent=True)
    assert (np.sort(np.asarray(indep), 1) == np.asarray(x)).all()
    assert len(set(np.asarray(R.choice(10, 10, replace=False)).tolist())) == 10
    # items JAX cannot hold (strings): drawn by index, a NumPy array back
    names = ["pooh", "rabbit", "piglet", "Christopher"]
    picked = R.choice(names, 5, p=[0.5, 0.1, 0.1, 0.3])
    assert isinstance(picked, np.ndarray) and picked.shape == (5,)
    assert set(picked.tolist()) <= set(names)
    assert sorted(R.RandomState(0).choice(names, 4, replace=False)) == sorted(names)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: R.binomial(10, 1.5), r"binomial's p must lie in \[0, 1\]; got 1.5"),
        (lambda: R.bernoulli(-0.1), r"bernoulli's p must lie in \[0, 1\]"),
        (lambda: R.chisquare(0.0), "chisquare's df must be > 0"),
        (lambda: R.zipf(1.0), "zipf's a must be > 1"),
        (lambda: R.geometric(0.0), r"geometric's p must lie in \(0, 1\]"),
        (lambda: R.power(-1.0), "power's a must be > 0"),
        (lambda: R.logseries(1.0), r"logseries's p must lie in \(0, 1\)"),
        (lambda: R.triangular(0.0, 2.0, 1.0), "left <= mode <= right"),
        (lambda: R.hypergeometric(2, 2, 5), "nsample <= ngood \\+ nbad"),
        (lambda: R.truncated_normal(1.0, -1.0), "lower < upper"),
        (lambda: R.multinomial(3, jnp.array([0.9, 0.9, 0.1])), "sum\\(pvals"),
        (
            lambda: R.multivariate_normal(jnp.zeros(2), jnp.eye(2), method="qr"),
            "use 'cholesky', 'eigh' or 'svd'",
        ),
        (
            lambda: R.multivariate_normal(jnp.zeros(2), jnp.eye(3)),
            r"mean of shape \(..., n\) and cov",
        ),
        (
            lambda: R.RandomState(np.zeros(3, np.float32)),
            r"Pass an integer seed \(`seed=0`\)",
        ),
        (lambda: R.split_key(0), "split_key needs n >= 1"),
        (lambda: R.self_assign_multi_keys(-1), "needs n >= 1"),
        (lambda: R.restore_key(), r"call `split_key\(backup=True\)`"),
    ],
)
def test_misuse_raises_with_the_fix(call, message):
    with pytest.raises(R.RandomParameterError, match=message) as info:
        call()
    assert isinstance(info.value, eqstate.EqstateError)
    assert isinstance(info.value, ValueError)


def test_backing_up_twice_is_refused():
    rng = R.RandomState(0)
    rng.split_key(backup=True)
    with pytest.raises(R.RandomParameterError, match=r"call `restore_key\(\)`"):
        rng.split_key(backup=True)
    rng.restore_key()


def test_check_valid_false_and_traced_parameters_skip_the_check():
    assert R.bernoulli(1.5, check_valid=False)
    out = T.jit(lambda p: R.bernoulli(p, size=(2,)))(jnp.array(0.5))
    assert out.shape == (2,)
