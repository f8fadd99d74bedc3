import os
import pathlib

# Two simulated CPU devices for the sharding tests, and XLA's CPU backend at
# optimisation level 0: the tests' programs are tiny, so compiling them is most
# of the suite's time and running them next to none (level 0 compiles about a
# third faster). A flag the user sets in XLA_FLAGS wins.
_flags = os.environ.get("XLA_FLAGS", "").split()
for _flag in (
    "--xla_force_host_platform_device_count=2",
    "--xla_backend_optimization_level=0",
):
    if not any(f.split("=")[0] == _flag.split("=")[0] for f in _flags):
        _flags.append(_flag)
os.environ["XLA_FLAGS"] = " ".join(_flags)

# JAX's persistent compilation cache, shared by the test workers, the Python
# processes tests start, and later runs: XLA's compile of a program some
# process compiled before is skipped (tracing, lowering and every trace count
# are unchanged). It lives beside pytest's own cache (`rm -r .pytest_cache`
# empties both); a JAX_COMPILATION_CACHE_DIR the user sets wins.
os.environ.setdefault(
    "JAX_COMPILATION_CACHE_DIR",
    str(pathlib.Path(__file__).parent.parent / ".pytest_cache" / "jax-compilation"),
)
os.environ.setdefault("JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS", "0.05")

import jax  # noqa: E402
import pytest  # noqa: E402


@pytest.fixture
def getkey():
    """A fresh PRNG key per call, deterministic per test."""
    keys = iter(jax.random.split(jax.random.PRNGKey(0), 1000))
    return lambda: next(keys)
