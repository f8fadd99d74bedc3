"""`initialize`: join a multi-process JAX run (a thin pass-through)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import jax

__all__ = ["initialize"]


def initialize(
    coordinator_address: str | None = None,
    num_processes: int | None = None,
    process_id: int | None = None,
    local_device_ids: int | Sequence[int] | None = None,
    **kwargs: Any,
) -> None:
    """Connect this process to the others of a multi-host run.

    A thin pass-through to `jax.distributed.initialize`: call it once per
    process, before anything touches a device. Afterwards `jax.devices()`
    lists the devices of every process, a `Mesh` may span them, and
    `eqstate.transform.jit` runs the same program on all of them (each
    process feeds its own shard of the data). On a cluster JAX detects the
    arguments (SLURM, Kubernetes, Cloud TPU); on one machine give them.

    ```python
    import eqstate

    # Process i of 2, on one machine (run each in its own Python):
    #     eqstate.distributed.initialize("localhost:12345", 2, i)
    assert callable(eqstate.distributed.initialize)
    ```

    Args:
        coordinator_address: `host:port` of process 0's coordinator service.
        num_processes: how many processes take part.
        process_id: this process's index, `0 <= process_id < num_processes`.
        local_device_ids: the local devices this process uses (default all).
        **kwargs: the other keyword arguments of
            `jax.distributed.initialize` (`initialization_timeout`, ...).
    """
    jax.distributed.initialize(
        coordinator_address=coordinator_address,
        num_processes=num_processes,
        process_id=process_id,
        local_device_ids=local_device_ids,
        **kwargs,
    )
