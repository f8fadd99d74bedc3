"""Every eqstate.optim scheduler against braintools 0.3.0's rates (golden file)."""

import json
from pathlib import Path

import jax.numpy as jnp
import numpy as np
import optax
import pytest

import eqstate
import eqstate.optim as optim

GOLDEN = json.loads(
    (Path(__file__).parent / "golden" / "optim_schedules.json").read_text()
)
CASES = sorted(k for k in GOLDEN if not k.startswith("_"))


def _build(cls, kwargs):
    kwargs = dict(kwargs)
    if "schedulers" in kwargs:
        kwargs["schedulers"] = [
            _build(c["cls"], c["kwargs"]) for c in kwargs["schedulers"]
        ]
    return getattr(optim, cls)(**kwargs)


@pytest.mark.parametrize("name", CASES)
def test_schedule_matches_braintools(name):
    case = GOLDEN[name]
    schedule = _build(case["cls"], case["kwargs"])
    first = float(schedule.get_last_lr()[0])
    n = len(case["rates"]) - 1

    def body(metric):
        if "metrics" in case:
            schedule.step(metric)
        else:
            schedule.step()
        return schedule.current_lr

    metrics = jnp.asarray(case.get("metrics", [0.0] * n)[:n], jnp.float32)
    rates = eqstate.transform.for_loop(body, metrics)  # steps inside one jit
    np.testing.assert_allclose(
        [first, *rates.tolist()], case["rates"], rtol=1e-5, atol=1e-7
    )
    assert int(schedule.last_epoch.value) == len(case["rates"]) - 1


def test_every_scheduler_is_covered():
    covered = {GOLDEN[k]["cls"] for k in CASES}
    for child in ("ChainedScheduler", "SequentialLR"):
        covered |= {c["cls"] for c in GOLDEN[child]["kwargs"]["schedulers"]}
    schedulers = {
        n
        for n in dir(optim)
        if isinstance(getattr(optim, n), type)
        and issubclass(getattr(optim, n), optim.LRScheduler)
        and n != "LRScheduler"
    }
    assert schedulers <= covered, schedulers - covered


def test_nadam_matches_braintools():
    case = GOLDEN["_nadam"]
    w = eqstate.ParamState(jnp.array([1.0, -2.0, 0.5]))
    opt = optim.Nadam(lr=0.05, weight_decay=0.01)
    opt.register_trainable_weights({"w": w})
    for i, expected in enumerate(case["weights"]):
        opt.update({"w": jnp.asarray(case["grads"][i % 2], jnp.float32)})
        np.testing.assert_allclose(w.value, expected, rtol=1e-5, atol=1e-6)


def test_pure_rate_function_and_jumps():
    """`schedule(epoch)` is the rate at any position; `step(epoch)` jumps there."""
    warm = optim.CosineAnnealingWarmRestarts(0.1, T_0=2, T_mult=2)
    golden = GOLDEN["CosineAnnealingWarmRestarts-Tmult"]["rates"]
    np.testing.assert_allclose(
        warm(jnp.arange(len(golden))), golden, rtol=1e-5, atol=1e-7
    )
    warm.step(6)
    assert int(warm.T_cur) == 0 and int(warm.T_i) == 8
    seq = optim.SequentialLR(
        [
            optim.ConstantLR(1.0, factor=0.5, total_iters=9),
            optim.ExponentialLR(1.0, 0.5),
        ],
        milestones=[3],
    )
    seq.step(5)
    assert int(seq.current_scheduler_idx) == 1 and float(seq.current_lr) == 0.25
    assert float(seq(1)) == 0.5


def test_schedule_state_dict_and_errors():
    schedule = optim.StepLR(1.0, step_size=2, gamma=0.5)
    schedule.step()
    saved = schedule.state_dict()
    schedule.step()
    schedule.step()
    schedule.load_state_dict(saved)
    assert int(schedule.last_epoch.value) == 1 and schedule.get_lr() == [1.0]
    with pytest.raises(
        (eqstate.EqstateError, TypeError), match="list of per-group rates|base_lr"
    ):
        optim.StepLR([0.1, 0.2])  # pyright: ignore[reportArgumentType]
    # (beartype refuses the list first in this suite; without it, the message
    # names the argument given)
    from eqstate.optim._schedules import check_base_lr

    with pytest.raises(eqstate.EqstateError, match=r"OneCycleLR\(max_lr=0\.1\)"):
        check_base_lr("OneCycleLR", [0.1, 0.2], "max_lr")
    with pytest.raises(
        eqstate.EqstateError, match="2 schedulers need 1 milestones; got 2"
    ):
        optim.SequentialLR([optim.StepLR(0.1), optim.StepLR(0.1)], milestones=[1, 2])
    with pytest.raises(eqstate.EqstateError, match="total_steps="):
        optim.OneCycleLR(0.1)
    with pytest.raises((eqstate.EqstateError, TypeError), match="triangular"):
        optim.CyclicLR(mode="sine")  # pyright: ignore[reportArgumentType]


@pytest.mark.parametrize(
    "make, rates",
    [
        (lambda: optim.StepLR(base_lr=1.0, step_size=2, gamma=0.5), [0.1, 1.0, 0.5]),
        (lambda: optim.ExponentialLR(base_lr=1.0, gamma=0.5), [0.1, 0.5, 0.25]),
        # a plateau's rate is its state: applied for good (braintools 0.3.0)
        (lambda: optim.ReduceLROnPlateau(base_lr=1.0), [0.1, 0.1, 0.1]),
    ],
)
def test_apply_sets_the_rate_until_the_next_step(make, rates):
    schedule = make()
    schedule.apply(lambda lr: lr * 0.1)
    got = [float(schedule.current_lr)]
    for _ in range(2):
        if isinstance(schedule, optim.ReduceLROnPlateau):
            schedule.step(1.0)
        else:
            schedule.step()
        got.append(float(schedule.current_lr))
    np.testing.assert_allclose(got, rates, rtol=1e-6)


def test_lr_apply_changes_the_rate_a_jitted_update_uses():
    w = eqstate.ParamState(jnp.ones(2))
    opt = optim.SGD(lr=optim.StepLR(base_lr=1.0, step_size=10))
    opt.register_trainable_weights({"w": w})
    train = eqstate.transform.jit(lambda: opt.update({"w": jnp.ones(2)}))
    train()  # compiled before lr_apply: the applied rate still reaches it
    np.testing.assert_allclose(w.value, [0.0, 0.0])
    opt.lr_apply(lambda lr: lr * 0.1)
    assert float(opt.current_lr) == pytest.approx(0.1)
    assert float(opt.lr.get_last_lr()[0]) == pytest.approx(0.1)
    train()
    np.testing.assert_allclose(w.value, [-0.1, -0.1], rtol=1e-6)
    opt.lr.step()
    assert float(opt.lr.current_lr) == 1.0


def test_lr_apply_errors():
    with pytest.raises(eqstate.optim.OptimizerError, match="current_lr is unknown"):
        optim.OptaxOptimizer(optax.sgd(0.1)).lr_apply(lambda lr: lr * 0.5)
    with pytest.raises(eqstate.EqstateError, match="must return one rate"):
        optim.StepLR(base_lr=1.0).apply(lambda lr: jnp.stack([lr, lr]))


def test_state_dicts_saved_before_apply_existed_still_load():
    schedule = optim.StepLR(base_lr=1.0, step_size=2, gamma=0.5)
    schedule.load_state_dict({"last_epoch": jnp.asarray(2, jnp.int32)})
    assert float(schedule.current_lr) == 0.5
    w = eqstate.ParamState(jnp.ones(2))
    opt = optim.SGD(lr=optim.StepLR(base_lr=1.0, step_size=2, gamma=0.5))
    opt.register_trainable_weights({"w": w})
    saved = opt.state_dict()
    del saved["lr"]["applied_lr"]
    opt.lr.apply(lambda lr: lr * 0.1)
    opt.load_state_dict(saved)
    assert float(opt.lr.current_lr) == 1.0


def test_current_lrs_reads_like_braintools_state():
    """braintools keeps `current_lrs` in a State (`current_lrs.value[0]`);
    here it is derived, so writing it says what to call instead."""
    schedule = optim.StepLR(0.1, step_size=1, gamma=0.5)
    schedule.step()
    assert float(schedule.current_lrs[0]) == float(schedule.current_lrs.value[0])
    assert float(schedule.current_lrs.value[0]) == pytest.approx(0.05)
    with pytest.raises(eqstate.EqstateError, match=r"scheduler\.apply"):
        schedule.current_lrs.value = [1.0]


# (a plateau schedule's rate is its state, as in braintools: its base is
# only where it starts)
_BASED = [
    n
    for n in CASES
    if GOLDEN[n]["kwargs"].get("base_lr") and GOLDEN[n]["cls"] != "ReduceLROnPlateau"
]


@pytest.mark.parametrize("name", _BASED)
def test_a_new_base_lr_holds_from_then_on(name):
    """`schedule.base_lrs = [b]` (braintools' way) gives the rates a schedule
    built with `base_lr=b` gives, at every position."""
    case = GOLDEN[name]
    schedule = _build(case["cls"], case["kwargs"])
    new = 3.0 * case["kwargs"]["base_lr"]
    schedule.base_lrs = [new]
    built = _build(case["cls"], {**case["kwargs"], "base_lr": new})
    epochs = jnp.arange(len(case["rates"]))
    np.testing.assert_allclose(schedule(epochs), built(epochs), rtol=1e-6)
    assert schedule.base_lrs == [new]
    with pytest.raises(eqstate.EqstateError, match=r"one rate, e\.g\."):
        schedule.base_lrs = [new, new]
