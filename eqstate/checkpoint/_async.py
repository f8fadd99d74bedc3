"""`AsyncManager`: checkpoint writes in a background thread."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from ._errors import CheckpointError

__all__ = ["AsyncManager"]


class AsyncManager:
    """Run checkpoint writes in a background thread, one after the other.

    Pass it as `msgpack_save(..., async_manager=manager)`: the values are
    taken (copied to host memory) at the call, the file is written in the
    background, and the next save waits for the previous one. A file is never
    written by two threads at once (saves to one path take turns even with
    several workers), and every write is atomic, so a crash at any point
    leaves the last complete checkpoint in place. An error in a background
    write is raised by the next `save_async`, `wait_until_finished` or
    `close`.

    ```python
    import os, tempfile
    import jax.numpy as jnp
    import eqstate
    import eqstate.checkpoint as ckpt

    w = eqstate.State(jnp.zeros(2))
    path = os.path.join(tempfile.mkdtemp(), "w.msgpack")
    with ckpt.AsyncManager() as manager:
        for i in range(3):
            w.value = w.value + 1
            ckpt.msgpack_save(path, {"w": w}, async_manager=manager)
    ckpt.msgpack_load(path, {"w": w})
    assert w.value.tolist() == [3.0, 3.0]
    ```

    Args:
        max_workers: the number of background threads.
    """

    def __init__(self, max_workers: int = 1):
        self.executor: ThreadPoolExecutor = ThreadPoolExecutor(
            max_workers=max_workers, thread_name_prefix="eqstate-checkpoint"
        )
        self.save_future: Future[Any] | None = None
        self._closed = False
        self._lock = threading.Lock()

    def __enter__(self) -> AsyncManager:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def wait_previous_save(self) -> None:
        """Block until the last submitted save is done; raise its error, if any."""
        future = self.save_future
        if future is not None:
            try:
                future.result()
            finally:  # an error is raised once, not by every later save
                self.save_future = None

    def wait_until_finished(self) -> None:
        """The same as `wait_previous_save` (saves run one after the other)."""
        self.wait_previous_save()

    def save_async(self, task: Callable[[], Any]) -> None:
        """Run `task` in the background, after the previous save has finished.

        Args:
            task: a function doing one save (no arguments).
        """
        with self._lock:
            if self._closed:
                raise CheckpointError(
                    "AsyncManager.save_async: this manager is closed. Create a new "
                    "AsyncManager() for further saves."
                )
            self.wait_previous_save()
            self.save_future = self.executor.submit(task)

    def close(self) -> None:
        """Wait for the last save, then stop the background thread."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
        try:
            self.wait_previous_save()
        finally:
            self.executor.shutdown(wait=True)

    def __del__(self) -> None:
        if not getattr(self, "_closed", True):
            self.executor.shutdown(wait=False)
