"""`brainstate.util.filter`'s import path: the filter language.

The names live in `eqstate.filters` (also exported by `eqstate.util`); this
module lets `from brainstate.util.filter import OfType` run unchanged.

```python
import eqstate
from eqstate.util.filter import OfType

assert OfType is eqstate.filters.OfType
```
"""

from ..filters import (
    All as All,
    Any as Any,
    Everything as Everything,
    Filter as Filter,
    Not as Not,
    Nothing as Nothing,
    OfType as OfType,
    PathContains as PathContains,
    Predicate as Predicate,
    WithTag as WithTag,
    to_predicate as to_predicate,
)
