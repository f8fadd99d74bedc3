"""The example scripts run end to end (with small sizes) and say what they did,
with deprecation warnings as errors (a JAX deprecation in eqstate would otherwise
pass silently: Python hides them outside `__main__`)."""

import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _run(*args: str) -> str:
    result = subprocess.run(
        [sys.executable, "-W", "error::DeprecationWarning", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def test_quickstart_trains_and_simulates():
    out = _run("examples/quickstart.py", "300")
    loss = re.search(r"full-data loss ([\d.]+) -> ([\d.]+)", out)
    assert loss is not None, out
    assert float(loss.group(2)) < float(loss.group(1))
    calls = re.search(r"Count state saw (\d+) calls", out)
    assert calls is not None and int(calls.group(1)) >= 300
    assert re.search(r"Simulated 1000 LIF neurons for 1000 steps .* \d+ spikes", out)


def test_lif_population_saves_pictures(tmp_path):
    out = _run("examples/lif_population.py", "--neurons", "20", "--out", str(tmp_path))
    assert "spikes" in out
    for name in ("lif_raster.png", "lif_voltage.png"):
        data = (tmp_path / name).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 5000


def test_lstm_learns_sine_waves():
    out = _run("examples/lstm.py", "40")
    loss = re.search(r"test loss ([\d.]+) -> ([\d.]+) after 40 steps", out)
    assert loss is not None, out
    assert float(loss.group(2)) < 0.5 * float(loss.group(1))
    assert "4385 trained parameters" in out


def test_brainstate_mlp_runs_unchanged():
    out = _run("examples/mlp.py", "150")
    loss = re.search(r"loss ([\d.]+) -> ([\d.]+), accuracy ([\d.]+)", out)
    assert loss is not None, out
    assert float(loss.group(2)) < 0.5 * float(loss.group(1))


def test_cnn_batchnorm_trains_and_saves_loss_curve(tmp_path):
    out = _run("examples/cnn_batchnorm.py", "--steps", "60", "--out", str(tmp_path))
    loss = re.search(r"loss ([\d.]+) -> ([\d.]+)", out)
    assert loss is not None, out
    assert float(loss.group(2)) < float(loss.group(1))
    data = (tmp_path / "cnn_loss.png").read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 5000
