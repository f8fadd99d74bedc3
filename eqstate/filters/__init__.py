"""The State filter language (see `to_predicate`)."""

from .._filters import (
    All as All,
    Any as Any,
    Filter as Filter,
    Not as Not,
    Predicate as Predicate,
    to_predicate as to_predicate,
)
