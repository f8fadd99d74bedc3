"""The filter language (see `to_predicate`); also in `eqstate.util`."""

from .._filters import (
    All as All,
    Any as Any,
    Everything as Everything,
    Filter as Filter,
    FilterError as FilterError,
    Not as Not,
    Nothing as Nothing,
    OfType as OfType,
    PathContains as PathContains,
    Predicate as Predicate,
    WithTag as WithTag,
    to_predicate as to_predicate,
)
