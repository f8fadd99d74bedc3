import importlib.metadata
import os
import pathlib

# Two simulated CPU devices for the sharding tests, and XLA's CPU backend at
# optimisation level 0: the tests' programs are tiny, so compiling them is most
# of the suite's time and running them next to none (level 0 compiles about a
# third faster). On the jaxlib versions known to have the flag (XLA aborts on
# an unknown one), the older CPU emitters too: they compile the suite's
# programs in about 40% less time (random samplers, layers). A flag the user
# sets in XLA_FLAGS wins.
_flags = os.environ.get("XLA_FLAGS", "").split()
_jaxlib = tuple(importlib.metadata.version("jaxlib").split(".")[:2])
for _flag in (
    "--xla_force_host_platform_device_count=2",
    "--xla_backend_optimization_level=0",
    *(["--xla_cpu_use_fusion_emitters=false"] if _jaxlib == ("0", "10") else []),
):
    if not any(f.split("=")[0] == _flag.split("=")[0] for f in _flags):
        _flags.append(_flag)
os.environ["XLA_FLAGS"] = " ".join(_flags)

# JAX's persistent compilation cache, shared by the test workers, the Python
# processes tests start, and later runs: XLA's compile of a program some
# process compiled before is skipped (tracing, lowering and every trace count
# are unchanged). It lives beside pytest's own cache (`rm -r .pytest_cache`
# empties both); a JAX_COMPILATION_CACHE_DIR the user sets wins.
_CACHE = pathlib.Path(__file__).parent.parent / ".pytest_cache" / "jax-compilation"
os.environ.setdefault("JAX_COMPILATION_CACHE_DIR", str(_CACHE))
os.environ.setdefault("JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS", "0.05")
_CACHE_MAX_BYTES = 512 * 2**20

import jax  # noqa: E402
import pytest  # noqa: E402


def pytest_sessionstart(session: pytest.Session) -> None:
    """Keep the compilation cache under `_CACHE_MAX_BYTES`: each change to the
    code adds entries and nothing removes them (JAX's own limit needs the
    `filelock` package). Past the limit, the least recently written half goes.
    Only the controlling process prunes, before any worker starts."""
    if hasattr(session.config, "workerinput") or not _CACHE.is_dir():
        return
    entries = [(p.stat(), p) for p in _CACHE.iterdir() if p.is_file()]
    total = sum(stat.st_size for stat, _ in entries)
    if total <= _CACHE_MAX_BYTES:
        return
    for stat, path in sorted(entries, key=lambda e: e[0].st_mtime):
        if total <= _CACHE_MAX_BYTES // 2:
            break
        path.unlink(missing_ok=True)
        total -= stat.st_size


@pytest.fixture
def getkey():
    """A fresh PRNG key per call, deterministic per test."""
    keys = iter(jax.random.split(jax.random.PRNGKey(0), 1000))
    return lambda: next(keys)
