"""Write `braintools_checkpoint.msgpack` with braintools 0.3.0's `msgpack_save`.

Run with the `bench` extra installed (brainstate + braintools):
`python tests/golden/record_checkpoint_braintools.py`. The file is the state
dict of a small brainstate model (a Linear layer and a counter), saved the
way braintools users save it; `tests/test_checkpoint_braintools.py` loads it
with `eqstate.checkpoint.msgpack_load` and checks the values written here
(also stored in `braintools_checkpoint.json`); `braintools_checkpoint_flat.msgpack`
holds the same model's `states().to_dict_values()`.
"""

import json
from pathlib import Path

import brainstate
import braintools
import jax.numpy as jnp
import numpy as np

HERE = Path(__file__).parent


class Net(brainstate.nn.Module):
    def __init__(self):
        super().__init__()
        rng = np.random.default_rng(0)
        self.w = brainstate.ParamState(
            jnp.asarray(rng.normal(size=(3, 2)), jnp.float32)
        )
        self.b = brainstate.ParamState(jnp.asarray(rng.normal(size=(2,)), jnp.float32))
        self.count = brainstate.ShortTermState(jnp.asarray(7, jnp.int32))


net = Net()
tree = {
    "params": net.states(brainstate.ParamState),
    "count": net.count,
    "steps": [1, 2.5],
}
braintools.file.msgpack_save(HERE / "braintools_checkpoint.msgpack", tree)
expected = {
    "w": np.asarray(net.w.value).tolist(),
    "b": np.asarray(net.b.value).tolist(),
    "count": int(net.count.value),
}
(HERE / "braintools_checkpoint.json").write_text(json.dumps(expected, indent=1) + "\n")
print("wrote", HERE / "braintools_checkpoint.msgpack")
# The other usual way: a plain dict keyed by path tuples, which braintools
# stores under the keys' string forms ("('w',)").
flat = net.states().to_dict_values()
braintools.file.msgpack_save(HERE / "braintools_checkpoint_flat.msgpack", flat)
print("wrote", HERE / "braintools_checkpoint_flat.msgpack")
