"""Deprecated alias of `eqstate.nn`'s functions, as in brainstate.

`eqstate.functional.relu` (and the other activation functions,
`weight_standardization` and `clip_grad_norm`) is `eqstate.nn`'s, with a
`DeprecationWarning`; use `eqstate.nn` directly.

```python
import warnings
import eqstate

with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    assert eqstate.functional.relu is eqstate.nn.relu
assert issubclass(caught[0].category, DeprecationWarning)
```
"""

from collections.abc import Callable
from typing import Any

from ._deprecated import forwarder

_NAMES = frozenset(
    {
        "weight_standardization",
        "clip_grad_norm",
        "tanh",
        "relu",
        "squareplus",
        "softplus",
        "soft_sign",
        "sigmoid",
        "silu",
        "swish",
        "log_sigmoid",
        "elu",
        "leaky_relu",
        "hard_tanh",
        "celu",
        "selu",
        "gelu",
        "glu",
        "logsumexp",
        "log_softmax",
        "softmax",
        "standardize",
        "relu6",
        "hard_sigmoid",
        "sparse_plus",
        "hard_silu",
        "hard_swish",
        "hard_shrink",
        "rrelu",
        "mish",
        "soft_shrink",
        "prelu",
        "softmin",
        "one_hot",
        "sparse_sigmoid",
    }
)

__getattr__: Callable[[str], Any] = forwarder(
    "eqstate.functional", "eqstate.nn", _NAMES
)
