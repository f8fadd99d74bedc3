"""Deprecated alias of the gradient and mapping transforms, as in brainstate.

`eqstate.augment.grad` (and `vector_grad`, `hessian`, `jacobian`, `jacrev`,
`jacfwd`, `vmap`, `GradientTransform`) is `eqstate.transform`'s, with a
`DeprecationWarning`; use `eqstate.transform` directly.

```python
import warnings
import eqstate

with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    assert eqstate.augment.grad is eqstate.transform.grad
assert issubclass(caught[0].category, DeprecationWarning)
```
"""

from collections.abc import Callable
from typing import Any

from ._deprecated import forwarder

_NAMES = frozenset(
    {
        "GradientTransform",
        "grad",
        "vector_grad",
        "hessian",
        "jacobian",
        "jacrev",
        "jacfwd",
        "vmap",
    }
)

__getattr__: Callable[[str], Any] = forwarder(
    "eqstate.augment", "eqstate.transform", _NAMES
)
