"""Run examples/ei_network.py's text with brainstate 0.5.4; record its spike counts.

Run with the reference environment: `python tests/golden/record_ei_network.py`.
Writes `tests/golden/ei_network.json`.
"""

import json
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
source = (ROOT / "examples" / "ei_network.py").read_text()
assert "import eqstate as brainstate" in source
namespace: dict = {"__name__": "ei_network_golden"}
exec(
    compile(
        source.replace("import eqstate as brainstate", "import brainstate"),
        "ei_network.py",
        "exec",
    ),
    namespace,
)

out = {}
for n, steps in [(400, 300)]:
    spikes = namespace["simulate"](n, steps, 0)
    out[f"{n}x{steps}"] = {
        "total": int(spikes.sum()),
        "per_step": np.asarray(spikes.sum(1), dtype=int).tolist(),
    }
(Path(__file__).with_name("ei_network.json")).write_text(json.dumps(out) + "\n")
print({k: v["total"] for k, v in out.items()})
