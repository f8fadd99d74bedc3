"""Record brainstate 0.5.4's output shape and dtype for each `brainstate.random` call.

Run with the reference environment (brainstate installed):

    python tests/golden/record_random_shapes.py

Writes `random_shapes.json` beside this file: one entry per call, holding the
function name, its positional and keyword arguments (lists stand for arrays and
are passed as `numpy.asarray`), and brainstate's result shape and dtype.
`tests/test_random.py` replays the same calls on `eqstate.random`.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

V3 = [0.5, 1.5, 2.5]
P3 = [0.2, 0.3, 0.5]
COV = [[1.0, 0.2], [0.2, 2.0]]

# (name, args, kwargs): lists are arrays.
CALLS: list[tuple[str, list, dict]] = [
    ("rand", [2, 3], {}),
    ("rand", [], {}),
    ("randn", [4], {}),
    ("random", [], {"size": (2, 3)}),
    ("random_sample", [], {"size": 4}),
    ("ranf", [], {"size": [2]}),
    ("sample", [], {"size": None}),
    ("uniform", [], {"size": (3,)}),
    ("uniform", [[0.0, 1.0], 2.0], {}),
    ("normal", [], {"size": 5}),
    ("normal", [V3, 1.0], {}),
    ("normal", [0.0, 1.0], {"size": (2,), "dtype": "float16"}),
    ("standard_normal", [], {"size": (2, 2)}),
    ("randint", [5], {"size": 3}),
    ("randint", [[1, 2], 9], {}),
    ("randint", [0, 4], {"size": (2,), "dtype": "int16"}),
    ("random_integers", [5], {"size": 3}),
    ("random_integers", [2, 6], {"size": (2, 2)}),
    ("truncated_normal", [-1.0, 1.0], {"size": 4}),
    ("truncated_normal", [[-1.0, -2.0], 1.0], {}),
    ("bernoulli", [0.3], {"size": 4}),
    ("bernoulli", [P3], {}),
    ("choice", [5], {"size": 3}),
    ("choice", [V3], {"size": (2, 2), "p": P3}),
    ("permutation", [6], {}),
    ("permutation", [[[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]], {"axis": 1}),
    ("shuffle", [V3], {}),
    ("beta", [2.0, 3.0], {"size": 4}),
    ("beta", [V3, 2.0], {}),
    ("exponential", [], {"size": 3}),
    ("exponential", [V3], {}),
    ("gamma", [2.0], {"size": (2, 3)}),
    ("gamma", [V3, 2.0], {}),
    ("gumbel", [], {"size": 3}),
    ("gumbel", [V3, 2.0], {}),
    ("laplace", [0.0, 1.0], {"size": 2}),
    ("logistic", [V3], {}),
    ("pareto", [3.0], {"size": 3}),
    ("pareto", [V3], {}),
    ("poisson", [], {"size": 3}),
    ("poisson", [V3], {}),
    ("poisson", [2.0], {"size": 2, "dtype": "int16"}),
    ("standard_cauchy", [], {"size": 3}),
    ("standard_exponential", [], {"size": (1, 2)}),
    ("standard_gamma", [V3], {}),
    ("standard_gamma", [2.0], {"size": 3}),
    ("standard_t", [3.0], {"size": 3}),
    ("standard_t", [V3], {}),
    ("lognormal", [], {"size": 3}),
    ("lognormal", [V3, 0.5], {}),
    ("binomial", [10, 0.3], {"size": 4}),
    ("binomial", [[5, 10, 20], 0.5], {}),
    ("chisquare", [3.0], {"size": 3}),
    ("chisquare", [V3], {}),
    ("dirichlet", [V3], {}),
    ("dirichlet", [V3], {"size": 4}),
    ("geometric", [0.3], {"size": 3}),
    ("geometric", [P3], {}),
    ("multinomial", [10, P3], {}),
    ("multinomial", [10, P3], {"size": 4}),
    ("multinomial", [[5, 10], P3], {}),
    ("multivariate_normal", [[0.0, 1.0], COV], {}),
    ("multivariate_normal", [[0.0, 1.0], COV], {"size": 3}),
    ("multivariate_normal", [[0.0, 1.0], COV], {"size": (2, 3), "method": "eigh"}),
    ("rayleigh", [], {"size": 3}),
    ("rayleigh", [V3], {}),
    ("triangular", [], {"size": 3}),
    ("triangular", [0.0, [0.2, 0.5], 1.0], {}),
    ("vonmises", [0.0, 2.0], {"size": 3}),
    ("vonmises", [V3, 1.0], {}),
    ("weibull", [2.0], {"size": 3}),
    ("weibull", [V3], {}),
    ("weibull_min", [2.0], {"size": 3}),
    ("weibull_min", [V3, 2.0], {}),
    ("maxwell", [], {"size": 3}),
    ("maxwell", [], {}),
    ("negative_binomial", [5.0, 0.4], {"size": 3}),
    ("negative_binomial", [V3, 0.5], {}),
    ("wald", [1.0, 2.0], {"size": 3}),
    ("wald", [V3, 1.0], {}),
    ("t", [3.0], {"size": 3}),
    ("t", [V3], {}),
    ("orthogonal", [3], {}),
    ("orthogonal", [3], {"size": 2}),
    ("noncentral_chisquare", [3.0, 2.0], {"size": 3}),
    ("noncentral_chisquare", [V3, 1.0], {}),
    ("loggamma", [2.0], {"size": 3}),
    ("loggamma", [V3], {}),
    ("categorical", [[0.1, 0.2, 0.7]], {}),
    ("categorical", [[[0.1, 0.9], [0.5, 0.5]]], {}),
    ("categorical", [[0.1, 0.2, 0.7]], {"size": 4}),
    ("zipf", [2.0], {"size": 3}),
    ("zipf", [[2.0, 3.0]], {}),
    ("power", [2.0], {"size": 3}),
    ("power", [V3], {}),
    ("f", [3.0, 5.0], {"size": 3}),
    ("f", [V3, 5.0], {}),
    ("hypergeometric", [5, 7, 4], {"size": 3}),
    ("hypergeometric", [[5, 6], 7, 4], {}),
    ("logseries", [0.5], {"size": 3}),
    ("logseries", [P3], {}),
    ("noncentral_f", [3.0, 5.0, 1.0], {"size": 3}),
    ("noncentral_f", [V3, 5.0, 1.0], {}),
    ("rand_like", [[[1.0, 2.0]]], {}),
    ("rand_like", [[1.0, 2.0]], {"dtype": "float16"}),
    ("randn_like", [[[1.0], [2.0]]], {}),
    ("randint_like", [[3, 4, 5]], {}),
    ("randint_like", [[3, 4, 5]], {"low": 1, "high": 9, "dtype": "int16"}),
]


def _arg(x):
    return np.asarray(x) if isinstance(x, list) else x


def _kwarg(name, x):
    if name == "size":
        return tuple(x) if isinstance(x, (list, tuple)) else x
    if name == "dtype":
        return np.dtype(x)
    return _arg(x)


def main() -> None:
    import brainstate

    out = []
    for name, args, kwargs in CALLS:
        fn = getattr(brainstate.random, name)
        call_kwargs = {k: _kwarg(k, v) for k, v in kwargs.items()}
        r = fn(*[_arg(a) for a in args], **call_kwargs)
        out.append(
            {
                "name": name,
                "args": args,
                "kwargs": kwargs,
                "shape": list(np.shape(r)),
                "dtype": str(np.asarray(r).dtype),
            }
        )
    path = Path(__file__).with_name("random_shapes.json")
    path.write_text(json.dumps(out, indent=1) + "\n")
    print(f"wrote {len(out)} calls to {path}")


if __name__ == "__main__":
    main()
