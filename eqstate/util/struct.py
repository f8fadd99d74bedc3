"""`brainstate.util.struct`'s import path: frozen dicts and dataclass pytrees.

The names live in `eqstate.util`; this module lets
`from brainstate.util.struct import FrozenDict` run unchanged.

```python
import eqstate
from eqstate.util.struct import FrozenDict, freeze

assert freeze({"a": 1}) == FrozenDict({"a": 1})
assert FrozenDict is eqstate.util.FrozenDict
```
"""

from ._dataclass import (
    PyTreeNode as PyTreeNode,
    dataclass as dataclass,
    field as field,
    is_dataclass as is_dataclass,
)
from ._struct import (
    FrozenDict as FrozenDict,
    copy as copy,
    freeze as freeze,
    pop as pop,
    pretty_repr as pretty_repr,
    unfreeze as unfreeze,
)
