"""`ProgressBar`: a tqdm bar driven from inside compiled loops."""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Sequence
from typing import Any

import jax
import numpy as np

from .._errors import EqstateError

__all__ = ["ProgressBar", "ProgressBarRunner", "as_progress_bar"]

Desc = str | tuple[str, Callable[[dict[str, Any]], dict[str, Any]]]


class _ProgressBarError(EqstateError, ValueError):
    """A `ProgressBar` configured with an impossible update frequency."""


class _ProgressBarTypeError(EqstateError, TypeError):
    """A `ProgressBar` given a description of the wrong form."""


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

    The description may follow the loop: `desc=(format, fn)` formats `format`
    with the dict `fn({"i": step, "carry": carry, "y": output})` returns.

    Args:
        freq: update every `freq` steps (default: about 20 updates in all).
        count: update `count` times in all (instead of `freq`).
        desc: the bar's description: a string, or `(format string, fn)`.
        **kwargs: passed to `tqdm.tqdm`.
    """

    def __init__(
        self,
        freq: int | None = None,
        count: int | None = None,
        desc: str | Sequence[Any] | None = None,
        **kwargs: Any,
    ):
        if freq is not None and freq <= 0:
            raise _ProgressBarError(
                f"ProgressBar freq must be positive, got {freq}; e.g. freq=10."
            )
        if freq is not None and count is not None:
            raise _ProgressBarError(
                "ProgressBar takes freq (steps between updates) or count (number "
                f"of updates), not both; got freq={freq}, count={count}."
            )
        if count is not None and count <= 0:
            raise _ProgressBarError(
                f"ProgressBar count must be positive, got {count}; e.g. count=20."
            )
        if desc is not None and not isinstance(desc, str):
            if (
                not isinstance(desc, (tuple, list))
                or len(desc) != 2
                or not isinstance(desc[0], str)
                or not callable(desc[1])
            ):
                raise _ProgressBarTypeError(
                    f"ProgressBar desc must be a string or a (format string, "
                    f"callable) pair, got {desc!r}; e.g. "
                    'desc=("step {i}", lambda d: {"i": d["i"]}).'
                )
        for reserved in ("total", "mininterval", "maxinterval", "miniters"):
            kwargs.pop(reserved, None)
        self.freq = freq
        self.count = count
        self.desc: Desc | None = desc  # type: ignore[assignment]  # checked above
        self.kwargs = kwargs
        self._runner: ProgressBarRunner | None = None

    def init(self, n: int) -> ProgressBarRunner:
        """The runner for a loop of `n` steps (the loop calls it every step).

        ```python
        import jax.numpy as jnp
        import eqstate

        runner = eqstate.transform.ProgressBar(count=4).init(100)
        assert (runner.n, runner.freq) == (100, 25)

        def body(i, x):
            runner(i)  # inside the compiled loop
            return x + 1

        import jax
        assert int(jax.lax.fori_loop(0, 100, body, 0)) == 100
        ```

        Raises:
            ValueError: `count` is larger than `n`, or `freq` is.
        """
        freq = self.freq
        if self.count is not None:
            freq = n // self.count
            if freq == 0:
                raise _ProgressBarError(
                    f"ProgressBar count={self.count} is larger than the {n} steps "
                    f"of the loop; use count <= {n}."
                )
        elif freq is None:
            freq = max(1, n // 20)
        elif freq > n:
            raise _ProgressBarError(
                f"ProgressBar freq={freq} is larger than the {n} steps of the "
                f"loop, so the bar would never move; use freq <= {n}."
            )
        desc = f"Running for {n:,} iterations" if self.desc is None else self.desc
        return ProgressBarRunner(n, freq, desc, self.kwargs)

    def tick(self, i: jax.Array, total: int, **data: Any) -> None:
        """Called inside a loop body with the 0-based step index."""
        runner = self._runner
        if runner is None or runner.n != total:
            runner = self._runner = self.init(total)
        runner(i, **data)


class ProgressBarRunner:
    """One loop's bar: `ProgressBar.init(n)` makes it, the loop calls it."""

    def __init__(self, n: int, freq: int, desc: Desc, kwargs: dict[str, Any]):
        self.n = n
        self.freq = freq
        self.desc = desc
        self.kwargs = kwargs
        self._bar: Any = None
        self._lock = threading.Lock()

    def __call__(self, i: jax.Array, **data: Any) -> None:
        """Report step `i` (0-based) from inside the loop; `data` feeds `desc`."""
        payload: dict[str, Any] = {}
        if not isinstance(self.desc, str):
            payload = self.desc[1]({"i": i, **data})
            if not isinstance(payload, dict):
                raise _ProgressBarTypeError(
                    "The ProgressBar desc function must return a dict of the "
                    f"format's fields, got {type(payload).__name__}."
                )

        def report(p: dict[str, Any]) -> None:
            jax.debug.callback(functools.partial(self._update), i, p)

        due = ((i + 1) % self.freq == 0) | (i + 1 == self.n)
        jax.lax.cond(due, report, lambda p: None, payload)

    def _update(self, i: Any, payload: dict[str, Any]) -> None:
        step = int(np.asarray(i).reshape(-1)[0]) + 1
        with self._lock:
            if self._bar is None or step <= self.freq:
                from tqdm.auto import tqdm

                if self._bar is not None:
                    self._bar.close()
                # every report is drawn (reports come every `freq` steps),
                # the description from the first line on
                options = {"mininterval": 0.0, **self.kwargs}
                if isinstance(self.desc, str):
                    options.setdefault("desc", self.desc)
                self._bar = tqdm(total=self.n, **options)
            if not isinstance(self.desc, str):
                fields = {k: _host(v) for k, v in payload.items()}
                self._bar.set_description(self.desc[0].format(**fields))
            self._bar.update(step - self._bar.n)
            if step >= self.n:
                self._bar.close()
                self._bar = None


def _host(x: Any) -> Any:
    a = np.asarray(x)
    return a.item() if a.size == 1 else a


def as_progress_bar(pbar: ProgressBar | int | None) -> ProgressBar | None:
    if pbar is None or isinstance(pbar, ProgressBar):
        return pbar
    if isinstance(pbar, bool) or not isinstance(pbar, int):
        raise TypeError(
            f"pbar must be a ProgressBar or an int frequency, not {pbar!r}."
        )
    return ProgressBar(freq=pbar)
