"""`ProgressBar`: a tqdm bar driven from inside compiled loops."""

from __future__ import annotations

import functools
import threading
from typing import Any

import jax
import numpy as np

__all__ = ["ProgressBar", "as_progress_bar"]


class ProgressBar:
    """Show a tqdm progress bar while a `for_loop` or `scan` runs.

    The loop reports its step from inside the compiled computation (through
    `jax.debug.callback`) every `freq` steps, so the bar moves while the loop
    runs, also under `jit`; it closes when the last step is reported.

    ```python
    import jax.numpy as jnp
    import eqstate

    ys = eqstate.transform.for_loop(
        lambda x: x * 2, jnp.arange(100), pbar=eqstate.transform.ProgressBar(freq=25)
    )
    assert ys.shape == (100,)
    ```

    Args:
        freq: update every `freq` steps (default: about 20 updates in all).
        desc: the bar's description.
        **kwargs: passed to `tqdm.tqdm`.
    """

    def __init__(self, freq: int | None = None, desc: str | None = None, **kwargs: Any):
        if freq is not None and freq <= 0:
            raise ValueError(f"ProgressBar freq must be positive, got {freq}.")
        self.freq = freq
        self.desc = desc
        self.kwargs = kwargs
        self._bar: Any = None
        self._lock = threading.Lock()

    def _update(self, i: Any, total: int, freq: int) -> None:
        step = int(np.asarray(i).reshape(-1)[0]) + 1
        with self._lock:
            if self._bar is None or step <= freq:
                from tqdm.auto import tqdm

                if self._bar is not None:
                    self._bar.close()
                self._bar = tqdm(total=total, desc=self.desc, **self.kwargs)
            self._bar.update(step - self._bar.n)
            if step >= total:
                self._bar.close()
                self._bar = None

    def tick(self, i: jax.Array, total: int) -> None:
        """Called inside the loop body with the 0-based step index."""
        freq = self.freq or max(1, total // 20)

        def report() -> None:
            jax.debug.callback(
                functools.partial(self._update, total=total, freq=freq), i
            )

        due = ((i + 1) % freq == 0) | (i + 1 == total)
        jax.lax.cond(due, report, lambda: None)


def as_progress_bar(pbar: ProgressBar | int | None) -> ProgressBar | None:
    if pbar is None or isinstance(pbar, ProgressBar):
        return pbar
    if isinstance(pbar, bool) or not isinstance(pbar, int):
        raise TypeError(
            f"pbar must be a ProgressBar or an int frequency, not {pbar!r}."
        )
    return ProgressBar(freq=pbar)
