"""import: seconds to import the library, in a fresh interpreter.

Each sample is one new interpreter running `t = perf_counter(); <import>;
perf_counter() - t`, so interpreter start-up is excluded. One unrecorded
interpreter runs first to warm the file-system and bytecode caches (the runner
clears `PYTHONDONTWRITEBYTECODE`, so the checkout's bytecode is cached as an
installed library's is).
What each library's users type to get a model and an optimizer:

- pure JAX: `import jax, optax`
- eqstate: `import eqstate, eqstate.optim` (DESIGN §4's row; `eqstate.nn` and
  the other optional parts load on first use)
- equinox: `import equinox, optax`
- flax.nnx: `from flax import nnx` (nnx.Optimizer wraps optax)
- brainstate: `import brainstate, braintools` (the optimizers live in braintools)
"""

from __future__ import annotations

import functools
import importlib.util
import subprocess
import sys

from .._core import LIBS, Measured, Metric, Mode, Unavailable, Workload

STATEMENTS = {
    "jax": "import jax, optax",
    "eqstate": "import eqstate, eqstate.optim",
    "equinox": "import equinox, optax",
    "nnx": "from flax import nnx",
    "brainstate": "import brainstate, braintools",
}

_PROGRAM = """\
import sys, time
t = time.perf_counter()
{statement}
dt = time.perf_counter() - t
print(dt, len(sys.modules))
"""


def _impl(lib: str, mode: Mode) -> Measured:
    for module in LIBS[lib].requires:
        if importlib.util.find_spec(module) is None:
            raise Unavailable(f"`{module}` is not installed")
    program = _PROGRAM.format(statement=STATEMENTS[lib])
    samples: list[float] = []
    modules = 0
    for i in range(mode.import_reps + 1):
        proc = subprocess.run(
            [sys.executable, "-c", program], capture_output=True, text=True, check=True
        )
        dt, modules_s = proc.stdout.split()[-2:]
        modules = int(modules_s)
        if i:  # the first run only warms the caches
            samples.append(float(dt) * 1e3)
    return Measured(
        {"import": samples},
        info={"modules_loaded": modules, "statement": STATEMENTS[lib]},
    )


WORKLOAD = Workload(
    name="import",
    title="Import time",
    description="ms to import the library (and optax where users need it), fresh interpreter each time.",
    metrics=(Metric("import", "import time", "ms", target=1.2, headline=True),),
    impls={lib: functools.partial(_impl, lib) for lib in STATEMENTS},
)
