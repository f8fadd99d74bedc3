"""examples/ei_network.py: a short run spikes exactly as brainstate 0.5.4 does (golden)."""

import importlib.util
import json
import re
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = json.loads((ROOT / "tests" / "golden" / "ei_network.json").read_text())


def _example():
    spec = importlib.util.spec_from_file_location(
        "ei_network", ROOT / "examples" / "ei_network.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_short_run_matches_brainstate_spike_for_spike():
    import eqstate

    example = _example()
    old_dt = eqstate.environ.get("dt", None)
    try:
        spikes = example.simulate(400, 300, 0)
    finally:  # simulate() sets dt globally, as a script does
        if old_dt is None:
            eqstate.environ.pop("dt")
        else:
            eqstate.environ.set(dt=old_dt)
    golden = GOLDEN["400x300"]
    assert int(spikes.sum()) == golden["total"]
    np.testing.assert_array_equal(spikes.sum(1), golden["per_step"])
    # the 1 ms delay matters: the first recurrent input arrives after 10 steps
    assert spikes.shape == (300, 400) and spikes[:10].sum() > 0


def test_script_prints_counts_and_saves_the_plot(tmp_path, monkeypatch, capsys):
    import eqstate

    example = _example()
    argv = [
        "ei_network.py",
        "--neurons",
        "100",
        "--steps",
        "50",
        "--out",
        str(tmp_path),
    ]
    monkeypatch.setattr(sys, "argv", argv)
    old_dt = eqstate.environ.get("dt", None)
    try:
        example.main()
    finally:
        if old_dt is None:
            eqstate.environ.pop("dt")
        else:
            eqstate.environ.set(dt=old_dt)
    out = capsys.readouterr().out
    assert re.search(
        r"spike count: \d+ \(excitatory \d+, inhibitory \d+\) in 5 ms", out
    )
    data = (tmp_path / "ei_network.png").read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 5000


def test_a_jitted_run_after_init_all_states_again_starts_afresh():
    """The delays and neurons `init_all_states` makes anew are the ones a
    settled `jit` runs (it used to keep the old States: a second trial mixed
    the first one's end state with the new one)."""
    import eqstate

    example = _example()
    old_dt = eqstate.environ.get("dt", None)
    try:
        eqstate.environ.set(dt=example.DT)
        net = example.EINet(*example.make_weights(100, 0))
        eqstate.nn.init_all_states(net)
        run = eqstate.transform.jit(
            lambda: eqstate.transform.for_loop(net.update, np.arange(60))
        )
        first = np.asarray(run())
        second = np.asarray(run())  # goes on from where the first ended
        eqstate.nn.init_all_states(net)
        again = np.asarray(run())
    finally:
        if old_dt is None:
            eqstate.environ.pop("dt")
        else:
            eqstate.environ.set(dt=old_dt)
    assert first.sum() > 0 and not np.array_equal(first, second)
    np.testing.assert_array_equal(again, first)
