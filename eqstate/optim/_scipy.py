"""`ScipyOptimizer`: bounded minimisation with `scipy.optimize.minimize` (the `scipy` extra)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from ._base import Optimizer, OptimizerError

__all__ = ["ScipyOptimizer"]

_GRADIENT_FREE = frozenset({"nelder-mead", "powell", "cobyla", "cobyqa"})


class ScipyOptimizer(Optimizer):
    """Minimise `loss_fun` over bounded arguments with `scipy.optimize.minimize`.

    `bounds` names the arguments and their ranges: a dict `{name: (low,
    high)}` (then `loss_fun(**params)`) or a sequence of `(low, high)` pairs
    (then `loss_fun(*params)`); a bound may be an array, giving an array
    argument. Each of `n_iter` runs starts at a uniform random point inside
    the bounds; the gradient comes from `jax.grad` (jitted) unless the method
    is gradient-free. Needs scipy: `pip install 'eqstate[scipy]'`.

    ```python
    import jax.numpy as jnp
    import eqstate.optim as optim

    opt = optim.ScipyOptimizer(
        lambda a, b: (a - 1.0) ** 2 + (b + 0.5) ** 2,
        bounds={"a": (-3.0, 3.0), "b": (-3.0, 3.0)},
        method="L-BFGS-B",
    )
    result = opt.minimize(n_iter=2)
    assert abs(float(result.x["a"]) - 1.0) < 1e-4 and result.fun < 1e-8
    ```

    Args:
        loss_fun: the scalar loss of the arguments named by `bounds`.
        bounds: `{name: (low, high)}` or `[(low, high), ...]`.
        method: a `scipy.optimize.minimize` method (None: scipy's choice).
        constraints: passed to `scipy.optimize.minimize`.
        tol: passed to `scipy.optimize.minimize`.
        callback: called with the structured point after each iteration.
        options: passed to `scipy.optimize.minimize`.
    """

    def __init__(
        self,
        loss_fun: Callable[..., Any],
        bounds: Sequence[Any] | Mapping[str, Any],
        method: str | None = None,
        constraints: Any = (),
        tol: float | None = None,
        callback: Callable[..., Any] | None = None,
        options: dict[str, Any] | None = None,
    ):
        if isinstance(bounds, Mapping):
            self._keys: list[str] | None = list(bounds)
            pairs = list(bounds.values())
        elif isinstance(bounds, (list, tuple)):
            self._keys = None
            pairs = list(bounds)
        else:
            raise OptimizerError(
                "ScipyOptimizer: bounds must be a dict {name: (low, high)} or a list "
                f"of (low, high) pairs; got {type(bounds).__name__}."
            )
        self._low: list[np.ndarray] = []
        self._high: list[np.ndarray] = []
        for i, pair in enumerate(pairs):
            name = self._keys[i] if self._keys else i
            if len(pair) != 2:
                raise OptimizerError(
                    f"ScipyOptimizer: the bound of {name!r} must be (low, high); got {pair!r}."
                )
            low, high = np.asarray(pair[0], np.float64), np.asarray(pair[1], np.float64)
            if low.shape != high.shape:
                raise OptimizerError(
                    f"ScipyOptimizer: the bounds of {name!r} have shapes {low.shape} and "
                    f"{high.shape}; give low and high of one shape."
                )
            self._low.append(low)
            self._high.append(high)
        self.loss_fun = loss_fun
        self.method: str | None = method
        self.constraints: Any = constraints
        self.tol: float | None = tol
        self.callback: Callable[..., Any] | None = callback
        self.options: dict[str, Any] | None = options
        self._sizes = [int(x.size) for x in self._low]
        self._value_and_grad = jax.jit(jax.value_and_grad(self._flat_loss))

    def _structure(self, flat: Any) -> Any:
        parts, start = [], 0
        for low, size in zip(self._low, self._sizes):
            parts.append(jnp.reshape(flat[start : start + size], low.shape))
            start += size
        return dict(zip(self._keys, parts)) if self._keys is not None else tuple(parts)

    def _flat_loss(self, flat: jax.Array) -> jax.Array:
        params = self._structure(flat)
        out = (
            self.loss_fun(**params)
            if self._keys is not None
            else self.loss_fun(*params)
        )
        return jnp.asarray(out, jnp.float32).reshape(())

    def minimize(self, n_iter: int = 1) -> Any:
        """Run `n_iter` minimisations from random starts; return the best result.

        Args:
            n_iter: the number of random restarts.

        Returns:
            scipy's `OptimizeResult` of the best run, with `x` structured like
            the arguments (a dict, or a tuple).
        """
        from scipy.optimize import minimize as scipy_minimize

        if not isinstance(n_iter, int) or n_iter < 1:
            raise OptimizerError(
                f"ScipyOptimizer.minimize: n_iter must be >= 1; got {n_iter}."
            )
        bounds = [
            (float(lo), float(hi))
            for low, high in zip(self._low, self._high)
            for lo, hi in zip(low.ravel(), high.ravel())
        ]
        gradient_free = (self.method or "").lower() in _GRADIENT_FREE

        def fun(x: np.ndarray) -> Any:
            value, grad = self._value_and_grad(jnp.asarray(x, jnp.float32))
            if gradient_free:
                return float(value)
            return float(value), np.asarray(grad, np.float64)

        user_callback = self.callback
        callback: Callable[[Any], Any] | None = None
        if user_callback is not None:

            def structured(x: Any) -> Any:
                return user_callback(self._structure(jnp.asarray(x)))

            callback = structured

        best: Any = None
        for _ in range(n_iter):
            x0 = np.concatenate(
                [
                    np.asarray(np.random.uniform(lo, hi, size=lo.shape)).ravel()
                    for lo, hi in zip(self._low, self._high)
                ]
            )
            result = scipy_minimize(
                fun,
                x0,
                method=self.method,
                jac=not gradient_free,
                bounds=bounds,
                constraints=self.constraints,
                tol=self.tol,
                callback=callback,
                options=self.options,
            )
            if best is None or result.fun < best.fun:
                best = result
        best["x"] = self._structure(jnp.asarray(best["x"]))
        return best
